"""Drift of a month's members from the training reference: the statistics against SciPy, false
alarms and real shifts on the club's table, the churn a shift moves against a known model."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

from churnlab.data.feature import FeatureSpec
from churnlab.data.infer import infer_spec
from churnlab.data.spec import DatasetSpec
from churnlab.insight.drift import feature_drift, feature_reference

ONE_NUMBER = DatasetSpec("left", 1, (FeatureSpec("x", "numeric"),))
PLANS = ["basic", "gold", "vip"]


@pytest.fixture(scope="module")
def club_spec(gym: pd.DataFrame) -> DatasetSpec:
    return infer_spec(gym)


@pytest.fixture(scope="module")
def club_reference(gym: pd.DataFrame, club_spec: DatasetSpec) -> dict:
    return feature_reference(gym, club_spec)


def _by_feature(drift: dict) -> dict[str, dict]:
    return {f["feature"]: f for f in drift["features"]}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _plans_table(n: int, shares: list[float], seed: int) -> pd.DataFrame:
    """A table unlike the club's: a text plan, a binary held as Yes/No and a number."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "plan": rng.choice(PLANS, n, p=shares),
            "autopay": rng.choice(["No", "Yes"], n, p=[0.6, 0.4]),
            "visits": rng.gamma(2.0, 1.5, n),
        }
    )


PLANS_SPEC = DatasetSpec(
    "left",
    1,
    (
        FeatureSpec("plan", "categorical"),
        FeatureSpec("autopay", "binary", 0, 1, values=("No", "Yes")),
        FeatureSpec("visits", "numeric", 0, None),
    ),
)


# --- the statistics against SciPy --------------------------------------------------------------


@pytest.mark.parametrize(
    ("draw", "change", "n"),
    [
        ("normal", lambda x, s: x + 0.3 * s, 4000),
        ("normal", lambda x, s: 1.2 * x, 4000),
        ("gamma", lambda x, s: x + 0.3 * s, 4000),
        ("gamma", lambda x, s: 0.8 * x, 4000),
        ("normal", lambda x, s: x + 0.5 * s, 300),
    ],
)
def test_scaled_wasserstein_agrees_with_scipy(draw, change, n) -> None:
    rng = np.random.default_rng(11)
    big = rng.normal(size=200_000) if draw == "normal" else rng.gamma(2.0, size=200_000)
    reference = feature_reference(pd.DataFrame({"x": big}), ONE_NUMBER)
    month = change(rng.choice(big, n), big.std())
    found = feature_drift(reference, pd.DataFrame({"x": month}), ONE_NUMBER)["features"][0]
    expected = wasserstein_distance(big, month) / big.std()
    assert found["statistic"] == "wasserstein_scaled"
    assert found["value"] == pytest.approx(expected, rel=0.02)
    assert found["drifted"]
    assert found["mean"] == pytest.approx(month.mean())
    assert found["reference_mean"] == pytest.approx(big.mean())


def test_jensen_shannon_agrees_with_scipy() -> None:
    training = _plans_table(5000, [0.5, 0.3, 0.2], seed=1)
    month = _plans_table(700, [0.3, 0.3, 0.4], seed=2)
    month.loc[:39, "plan"] = "platinum"  # a category the model never saw
    month.loc[40:59, "plan"] = None  # missing: left out of the shares
    drift = _by_feature(feature_drift(feature_reference(training, PLANS_SPEC), month, PLANS_SPEC))
    names = [*PLANS, "platinum"]
    p = training["plan"].value_counts(normalize=True).reindex(names, fill_value=0.0)
    q = month["plan"].dropna().value_counts(normalize=True).reindex(names, fill_value=0.0)
    plan = drift["plan"]
    assert plan["statistic"] == "jensen_shannon"
    assert plan["value"] == pytest.approx(jensenshannon(p, q, base=2), rel=1e-6)
    change = (q - p).abs().idxmax()
    assert plan["top_change"] == {
        "value": change,
        "reference_share": pytest.approx(p[change]),
        "share": pytest.approx(q[change]),
    }
    assert plan["missing"]["share"] == pytest.approx(20 / 700)
    # the binary, held as No/Yes, is compared as its codes: the same shares both ways
    yes = [(training["autopay"] == "Yes").mean(), (month["autopay"] == "Yes").mean()]
    expected = jensenshannon([1 - yes[0], yes[0]], [1 - yes[1], yes[1]], base=2)
    assert drift["autopay"]["value"] == pytest.approx(expected, rel=1e-6)


def test_binary_held_as_text_keys_by_its_codes_whatever_the_spelling() -> None:
    training = _plans_table(2000, [0.5, 0.3, 0.2], seed=3)
    reference = feature_reference(training, PLANS_SPEC)
    assert set(reference["features"]["autopay"]["frequencies"]) == {"0", "1"}
    assert reference["features"]["autopay"]["frequencies"]["1"] == pytest.approx(
        (training["autopay"] == "Yes").mean()
    )
    respelt = training.assign(autopay=training["autopay"].str.lower() + " ")
    autopay = _by_feature(feature_drift(reference, respelt, PLANS_SPEC))["autopay"]
    assert autopay["value"] == pytest.approx(0.0, abs=1e-6)
    assert not autopay["drifted"]


# --- the club's table: false alarms and real shifts --------------------------------------------


@pytest.mark.parametrize("n", [4000, 300])
def test_a_resample_of_the_training_table_rarely_raises_a_flag(
    gym: pd.DataFrame, club_spec: DatasetSpec, club_reference: dict, n: int
) -> None:
    flagged = [
        feature_drift(
            club_reference, gym.sample(n, replace=True, random_state=seed), club_spec, seed=seed
        )["drifted"]
        for seed in range(30)
    ]
    assert sum(bool(f) for f in flagged) <= 1, flagged


def test_every_member_eight_years_older_flags_age_and_only_age(
    gym: pd.DataFrame, club_spec: DatasetSpec, club_reference: dict
) -> None:
    older = gym.assign(Age=gym["Age"] + 8)
    drift = feature_drift(club_reference, older, club_spec)
    assert drift["drifted"] == ["Age"]
    age = _by_feature(drift)["Age"]
    # a pure shift: the Wasserstein distance is the shift itself, in standard deviations
    assert age["value"] == pytest.approx(8 / gym["Age"].std(ddof=0), rel=0.02)
    assert age["mean"] - age["reference_mean"] == pytest.approx(8.0)
    small = feature_drift(club_reference, older.sample(300, random_state=5), club_spec)
    assert small["drifted"] == ["Age"]


@pytest.mark.parametrize(("n", "seeds"), [(4000, 1), (300, 5)])
def test_half_the_members_moving_from_twelve_months_to_one_flags_the_contract(
    gym: pd.DataFrame, club_spec: DatasetSpec, club_reference: dict, n: int, seeds: int
) -> None:
    for seed in range(seeds):
        month = gym.sample(n, replace=n < len(gym), random_state=seed).reset_index(drop=True)
        twelve = month.index[month["Contract_period"] == 12]
        half = month.loc[twelve].sample(frac=0.5, random_state=seed).index
        month.loc[half, "Contract_period"] = 1
        month.loc[half, "Month_to_end_contract"] = 1  # a one-month contract ends within a month
        drift = feature_drift(club_reference, month, club_spec, seed=seed)
        assert "Contract_period" in drift["drifted"]
        assert set(drift["drifted"]) <= {"Contract_period", "Month_to_end_contract"}


@pytest.mark.parametrize("n", [4000, 300])
def test_a_category_whose_share_doubles_is_flagged(n: int) -> None:
    reference = feature_reference(_plans_table(4000, [0.5, 0.3, 0.2], seed=1), PLANS_SPEC)
    doubled = _plans_table(n, [0.4, 0.2, 0.4], seed=2)
    drift = feature_drift(reference, doubled, PLANS_SPEC)
    assert drift["drifted"] == ["plan"]
    assert _by_feature(drift)["plan"]["top_change"]["value"] == "vip"
    unchanged = feature_drift(reference, _plans_table(n, [0.5, 0.3, 0.2], seed=3), PLANS_SPEC)
    assert unchanged["drifted"] == []


def test_a_column_that_stops_being_filled_in_is_drift() -> None:
    training = _plans_table(4000, [0.5, 0.3, 0.2], seed=1)
    reference = feature_reference(training, PLANS_SPEC)
    month = _plans_table(1000, [0.5, 0.3, 0.2], seed=4)
    month.loc[:199, "autopay"] = " "  # a blank: missing
    autopay = _by_feature(feature_drift(reference, month, PLANS_SPEC))["autopay"]
    assert autopay["missing"] == {
        "reference_share": 0.0,
        "share": pytest.approx(0.2),
        "threshold": pytest.approx(0.05),
        "drifted": True,
    }
    assert autopay["drifted"]
    assert autopay["value"] <= autopay["threshold"]  # the shares of those filled in are as before


# --- churn_shift against a known model ---------------------------------------------------------


def _age_and_lifetime_churn(members: pd.DataFrame) -> np.ndarray:
    return _sigmoid(-1.0 + 0.25 * (members["Age"] - 29) - 0.3 * (members["Lifetime"] - 3))


def test_churn_shift_is_the_churn_the_shift_moves(
    gym: pd.DataFrame, club_spec: DatasetSpec, club_reference: dict
) -> None:
    month = gym.assign(Age=gym["Age"] - 3, Lifetime=gym["Lifetime"] + 1)
    calls = []

    def probability(members: pd.DataFrame) -> np.ndarray:
        calls.append(len(members))
        return _age_and_lifetime_churn(members)

    drift = feature_drift(club_reference, month, club_spec, probability=probability)
    found = _by_feature(drift)
    churn = _age_and_lifetime_churn(month).mean()
    for name in ["Age", "Lifetime"]:
        back = month.assign(**{name: gym[name]})  # the truth: the month before the shift
        expected = churn - _age_and_lifetime_churn(back).mean()
        assert abs(expected) > 0.02
        assert found[name]["churn_shift"] == pytest.approx(expected, rel=0.05, abs=0.002)
    assert abs(found["Age"]["churn_shift"]) > abs(found["Lifetime"]["churn_shift"])
    assert [f["feature"] for f in drift["features"][:2]] == ["Age", "Lifetime"]
    for name in set(found) - {"Age", "Lifetime"}:
        assert found[name]["churn_shift"] == pytest.approx(0.0, abs=1e-12)
    assert drift["mean_probability"] == pytest.approx(churn)
    assert drift["mean_probability_reference_mix"] == pytest.approx(
        _age_and_lifetime_churn(gym).mean(), abs=0.003
    )
    assert calls == [len(month)] * (len(found) + 2)  # the month, each feature, all at once


def test_an_unshifted_feature_moves_no_churn(
    gym: pd.DataFrame, club_spec: DatasetSpec, club_reference: dict
) -> None:
    month = gym.sample(4000, replace=True, random_state=3).assign(Age=lambda t: t["Age"] - 3)
    drift = feature_drift(club_reference, month, club_spec, probability=_age_and_lifetime_churn)
    lifetime = _by_feature(drift)["Lifetime"]
    assert lifetime["churn_shift"] == pytest.approx(0.0, abs=0.003)
    assert drift["features"][0]["feature"] == "Age"


def test_churn_shift_of_a_category_redrawn_to_the_reference_shares() -> None:
    training = _plans_table(4000, [0.5, 0.3, 0.2], seed=1)
    reference = feature_reference(training, PLANS_SPEC)
    month = _plans_table(4000, [0.5, 0.3, 0.2], seed=2)
    basic = month.index[month["plan"] == "basic"]
    month.loc[basic[: len(basic) // 2], "plan"] = "vip"  # the vip share more than doubles
    weight = {"basic": -1.5, "gold": -0.5, "vip": 1.0}

    def probability(members: pd.DataFrame) -> np.ndarray:
        return _sigmoid(members["plan"].map(weight).to_numpy() + 0.2 * members["visits"])

    drift = feature_drift(reference, month, PLANS_SPEC, probability=probability)
    found = _by_feature(drift)
    # the truth: the churn of the month with the reference's shares of plans, whoever holds them
    # (the plans are drawn independently of the visits)
    churn = probability(month).mean()
    share = training["plan"].value_counts(normalize=True)
    with_shares = sum(share[p] * _sigmoid(weight[p] + 0.2 * month["visits"]).mean() for p in PLANS)
    assert found["plan"]["churn_shift"] == pytest.approx(churn - with_shares, abs=0.01)
    assert abs(churn - with_shares) > 0.05
    assert drift["features"][0]["feature"] == "plan"
    assert found["autopay"]["churn_shift"] == pytest.approx(0.0, abs=1e-12)
    assert found["visits"]["churn_shift"] == pytest.approx(0.0, abs=0.005)


# --- the reference as a file, and edge cases ---------------------------------------------------


def test_the_reference_is_small_plain_json(
    gym: pd.DataFrame, club_spec: DatasetSpec, club_reference: dict
) -> None:
    text = json.dumps(club_reference, allow_nan=False)
    assert len(text.encode()) < 20_000
    read_back = json.loads(text)
    age = read_back["features"]["Age"]
    assert age["quantiles"][0] == gym["Age"].min() and age["quantiles"][-1] == gym["Age"].max()
    assert age["quantiles"][100] == gym["Age"].median()
    assert age["mean"] == pytest.approx(gym["Age"].mean())
    assert read_back["features"]["Partner"]["frequencies"]["1"] == pytest.approx(
        gym["Partner"].mean()
    )
    assert read_back["members"] == len(gym)
    month = gym.sample(500, random_state=2)
    assert feature_drift(read_back, month, club_spec) == feature_drift(
        club_reference, month, club_spec
    )
    drift = feature_drift(read_back, month, club_spec, probability=_age_and_lifetime_churn)
    json.dumps(drift, allow_nan=False)


def test_an_all_missing_column_this_month(
    gym: pd.DataFrame, club_spec: DatasetSpec, club_reference: dict
) -> None:
    month = gym.sample(400, random_state=1).assign(Age=np.nan)
    drift = feature_drift(club_reference, month, club_spec, probability=_age_and_lifetime_churn)
    age = _by_feature(drift)["Age"]
    assert age["value"] is None and age["threshold"] is None and age["mean"] is None
    assert age["churn_shift"] is None
    assert age["missing"]["share"] == 1.0 and age["missing"]["drifted"]
    assert drift["drifted"] == ["Age"]
    json.dumps(drift, allow_nan=False)


def test_a_feature_constant_in_training() -> None:
    spec = DatasetSpec("left", 1, (FeatureSpec("x", "numeric"), FeatureSpec("y", "numeric")))
    rng = np.random.default_rng(0)
    training = pd.DataFrame({"x": np.full(1000, 5.0), "y": rng.normal(size=1000)})
    reference = feature_reference(training, spec)
    assert reference["features"]["x"]["std"] == 0.0
    same = _by_feature(feature_drift(reference, training.sample(300, random_state=1), spec))
    assert same["x"]["value"] == 0.0 and not same["x"]["drifted"]
    varies = training.assign(x=np.where(np.arange(1000) < 100, 6.0, 5.0))
    x = _by_feature(feature_drift(reference, varies, spec))["x"]
    assert x["drifted"] and np.isfinite(x["value"])
    json.dumps(feature_drift(reference, varies, spec), allow_nan=False)


def test_an_empty_month(gym: pd.DataFrame, club_spec: DatasetSpec, club_reference: dict) -> None:
    drift = feature_drift(
        club_reference, gym.iloc[:0], club_spec, probability=_age_and_lifetime_churn
    )
    assert drift["members"] == 0 and drift["reference_members"] == len(gym)
    assert drift["drifted"] == [] and drift["mean_probability"] is None
    assert len(drift["features"]) == len(club_spec.features)
    assert all(f["value"] is None and f["churn_shift"] is None for f in drift["features"])
    json.dumps(drift, allow_nan=False)
    empty = feature_reference(gym.iloc[:0], club_spec)
    assert empty["members"] == 0
    assert feature_drift(empty, gym.head(50), club_spec)["drifted"] == []
    json.dumps(empty, allow_nan=False)


def test_features_the_reference_or_the_month_lacks_are_skipped(
    gym: pd.DataFrame, club_spec: DatasetSpec
) -> None:
    reference = feature_reference(gym.drop(columns="Phone"), _without(club_spec, "Phone"))
    month = gym.drop(columns="Partner")
    drift = feature_drift(reference, month, club_spec, probability=_age_and_lifetime_churn)
    assert drift["skipped"] == ["Partner", "Phone"]
    assert {f["feature"] for f in drift["features"]} == set(club_spec.feature_names) - {
        "Partner",
        "Phone",
    }
    assert drift["mean_probability"] is None  # the model cannot score a month without Partner


def _without(spec: DatasetSpec, name: str) -> DatasetSpec:
    kept = tuple(f for f in spec.features if f.name != name)
    return DatasetSpec(spec.target_col, spec.positive_label, kept)


def test_labels_in_the_language_asked(club_spec: DatasetSpec, club_reference: dict, gym) -> None:
    drift = feature_drift(club_reference, gym.head(100), club_spec, lang="ru")
    assert _by_feature(drift)["Age"]["label"] == club_spec.feature("Age").title("ru")


def test_twenty_features_of_four_thousand_members_in_well_under_two_seconds() -> None:
    rng = np.random.default_rng(0)
    columns: dict[str, object] = {f"n{i}": rng.gamma(2.0, size=4000) for i in range(14)}
    columns |= {f"c{i}": rng.choice(list("abcdef"), 4000) for i in range(6)}
    table = pd.DataFrame(columns)
    features = [FeatureSpec(f"n{i}", "numeric") for i in range(14)]
    features += [FeatureSpec(f"c{i}", "categorical") for i in range(6)]
    spec = DatasetSpec("left", 1, tuple(features))
    reference = feature_reference(table, spec)
    month = table.assign(n0=table["n0"] + 1)
    spent = []

    def probability(members: pd.DataFrame) -> np.ndarray:
        started = time.perf_counter()
        out = _sigmoid(members["n0"].to_numpy() - 2)
        spent.append(time.perf_counter() - started)
        return out

    started = time.perf_counter()
    drift = feature_drift(reference, month, spec, probability=probability)
    assert time.perf_counter() - started - sum(spent) < 1.5
    assert drift["drifted"] == ["n0"]
    assert len(spent) == 22
