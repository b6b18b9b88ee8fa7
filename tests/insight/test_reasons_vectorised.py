"""Each member's reasons, written for all members at once, against the member-by-member loop
that wrote them before (copied here as the reference): the same sentences, exactly."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from churnlab.data.infer import encode_target, infer_spec
from churnlab.data.spec import DatasetSpec, FeatureSpec, gym_spec
from churnlab.insight.explain import contributions, member_reasons, reasons
from churnlab.insight.reason_text import reason_sentence, reason_sentences, staying_sentence
from churnlab.model.churn_model import ChurnModel
from churnlab.model.contributions import Contributions, group_sums, probability_points

NAN = np.nan


def reference_member_reasons(
    values: np.ndarray,
    base: float,
    columns: list[str],
    features: Mapping[str, Any],
    spec: DatasetSpec,
    *,
    lang: str = "en",
    top: int = 3,
) -> list[tuple[list[str], list[str]]]:
    """``member_reasons`` as it was: a loop over members, one sentence at a time."""
    heads, grouped = group_sums(values, columns)
    points = probability_points(grouped, base + values.sum(axis=1), base)
    order = np.argsort(-grouped, axis=1, kind="stable")[:, :top]
    arrays = {name: np.asarray(features[name]) for name in features}
    told = []
    for i in range(len(values)):
        chosen = [j for j in order[i] if grouped[i, j] > 0 and points[i, j] >= 0.5]
        record = {name: column[i] for name, column in arrays.items()}
        if chosen:
            sentences = [
                reason_sentence(heads[j], record, points[i, j], spec, lang) for j in chosen
            ]
        else:
            keeping = [j for j in np.argsort(grouped[i], kind="stable")[:top] if grouped[i, j] < 0]
            sentences = [staying_sentence(heads[j], record, spec, lang) for j in keeping]
        told.append((sentences, [heads[j] for j in chosen]))
    return told


def reference_reasons(
    contrib: Contributions, spec: DatasetSpec, *, lang: str = "en", top: int = 3
) -> pd.DataFrame:
    """``reasons`` as it was: a row of sentences per member."""
    told = reference_member_reasons(
        contrib.values.to_numpy(dtype=float),
        contrib.base,
        list(contrib.values.columns),
        contrib.features,
        spec,
        lang=lang,
        top=top,
    )
    rows: list[dict[str, str]] = []
    for sentences, heads in told:
        row = {f"reason_{k + 1}": (sentences[k] if k < len(sentences) else "") for k in range(top)}
        row["reason_features"] = ";".join(heads)
        row["reasons"] = "; ".join(sentences)
        rows.append(row)
    return pd.DataFrame(rows, index=contrib.values.index)


def assert_same_reasons(contrib: Contributions, spec: DatasetSpec, lang: str, top: int = 3) -> None:
    model = SimpleNamespace(spec_=spec)
    got = reasons(contrib, model, lang=lang, top=top)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got, reference_reasons(contrib, spec, lang=lang, top=top))
    args = (
        contrib.values.to_numpy(dtype=float),
        contrib.base,
        list(contrib.values.columns),
        contrib.features,
        spec,
    )
    assert member_reasons(*args, lang=lang, top=top) == reference_member_reasons(
        *args, lang=lang, top=top
    )


# -- the club's table, with real models ---------------------------------------------------------


@pytest.fixture(scope="module", params=["logistic", "boosting"])
def club_contributions(request: pytest.FixtureRequest, gym: pd.DataFrame) -> Contributions:
    members = gym.sample(1500, random_state=1)
    model = ChurnModel(gym_spec(), learner=request.param, folds=3).fit(
        members.drop(columns="Churn"), members["Churn"]
    )
    return contributions(model, gym)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_club_reasons_are_the_loops(club_contributions: Contributions, lang: str) -> None:
    assert_same_reasons(club_contributions, gym_spec(), lang)


def test_club_members_with_holes_and_odd_values(club_contributions: Contributions) -> None:
    features = club_contributions.features.copy()
    rng = np.random.default_rng(3)
    for column in features.columns:  # a tenth missing, and halves that round to even
        features.loc[rng.random(len(features)) < 0.1, column] = NAN
    features.loc[features.index[:50], "Avg_class_frequency_current_month"] = 0.25
    features.loc[features.index[:50:2], "Avg_additional_charges_total"] = 2.5
    features.loc[features.index[50:60], "Age"] = -0.0
    holes = Contributions(club_contributions.values, club_contributions.base, features)
    for lang in ("en", "ru"):
        assert_same_reasons(holes, gym_spec(), lang)


def test_members_whom_nothing_pushes_are_told_what_keeps_them(
    club_contributions: Contributions,
) -> None:
    calm = Contributions(
        -club_contributions.values.abs(), club_contributions.base, club_contributions.features
    )
    table = reasons(calm, SimpleNamespace(spec_=gym_spec()))  # type: ignore[arg-type]
    assert table["reasons"].str.contains("keeps the risk low").all()
    assert (table["reason_features"] == "").all()
    assert_same_reasons(calm, gym_spec(), "ru")
    assert_same_reasons(calm, gym_spec(), "en", top=5)


# -- a table unlike the club's: text categories, worded binaries, holes ------------------------


def test_a_bank_like_table_with_categories_and_holes(telco: pd.DataFrame) -> None:
    spec = infer_spec(telco)
    model = ChurnModel(spec, learner="logistic", folds=3).fit(
        telco, encode_target(telco["Churn"], spec.positive_label).astype(int)
    )
    holed = telco.copy()
    rng = np.random.default_rng(0)
    for column in ("Contract", "MonthlyCharges", "TechSupport", "TotalCharges"):
        holed[column] = holed[column].astype(object)
        holed.loc[rng.random(len(holed)) < 0.15, column] = None
    contrib = contributions(model, holed)
    assert contrib.features["Contract"].isna().any()
    for lang in ("en", "ru"):
        assert_same_reasons(contrib, model.spec_, lang)


BANK = DatasetSpec(
    "Exited",
    1,
    (
        FeatureSpec("Total_Trans_Amt", "numeric"),
        FeatureSpec("Card_Category", "categorical", label={"en": "card", "ru": "карта"}),
        FeatureSpec("Has_Card", "binary", 0, 1, integer=True),
        FeatureSpec("Partner", "binary", 0, 1, integer=True, values=("No", "Yes")),
        FeatureSpec("Lifetime", "numeric", integer=True),  # in days: not the club's months
        FeatureSpec("Products", "numeric", integer=True),
        FeatureSpec("Odd", "categorical"),
    ),
)


def _bank_table(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    amounts = np.array(
        [8526.0, 1039.054, 0.125, 0.135, 12.5, -0.0, 0.0, -0.004, 0.004, NAN, np.inf]
    )
    cards = np.array(["Blue", "Gold", " Silver", "", NAN, None], dtype=object)
    odd = np.array([1, 1.0, True, "1", None, NAN, -0.0, 0.0], dtype=object)  # alike, not equal
    return {
        "Total_Trans_Amt": np.where(
            rng.random(n) < 0.5, rng.choice(amounts, n), np.round(rng.uniform(0, 9999, n), 3)
        ),
        "Card_Category": rng.choice(cards, n),
        "Has_Card": rng.choice([0.0, 1.0, NAN], n),
        "Partner": rng.choice([0.0, 1.0, NAN, -0.0], n),
        "Lifetime": rng.choice([0.0, 1.0, 400.0, 1860.0, NAN], n),
        "Products": rng.integers(1, 5, n),  # int64: written as the integers themselves
        "Odd": rng.choice(odd, n),
    }


def _contribution_values(rng: np.random.Generator, n: int, columns: int) -> np.ndarray:
    """Contributions with ties (one decimal) and with members whom nothing pushes to leave."""
    values = np.round(rng.normal(0, 0.3, (n, columns)), 1)
    calm = rng.random(n) < 0.2
    values[calm] = -np.abs(values[calm])
    return values


@pytest.mark.parametrize("lang", ["en", "ru", "de"])
def test_generic_sentences_of_every_kind_of_value(lang: str) -> None:
    rng = np.random.default_rng(7)
    features = _bank_table(rng, 3000)
    columns = list(features)
    values = _contribution_values(rng, 3000, len(columns))
    got = member_reasons(values, -1.0, columns, features, BANK, lang=lang, top=4)
    assert got == reference_member_reasons(values, -1.0, columns, features, BANK, lang=lang, top=4)
    card = "карта" if lang == "ru" else "card"
    assert any(s.startswith(f"{card}: — ") for sentences, _ in got for s in sentences)


# -- random tables --------------------------------------------------------------------------

CLUB_VALUES: dict[str, list[float]] = {
    "Month_to_end_contract": [1.0, 2.0, 2.5, 3.0, 6.0, 12.0, 0.5, 1.5, NAN, -0.0],
    "Contract_period": [1.0, 6.0, 12.0, 6.5, NAN],
    "Lifetime": [0.0, 0.5, 0.99, 1.0, 2.0, 3.5, 12.0, NAN],
    "Age": [18.0, 27.5, 30.0, -0.0, NAN],
    "Group_visits": [0.0, 1.0, NAN, -0.0],
    "Partner": [0.0, 1.0, NAN],
    "Promo_friends": [0.0, 1.0],
    "Near_Location": [0.0, 1.0, NAN],
    "Phone": [0.0, 1.0],
    "gender": [0.0, 1.0, NAN],
}


def _club_table(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    table = {name: rng.choice(choices, n) for name, choices in CLUB_VALUES.items()}
    for visits in ("Avg_class_frequency_current_month", "Avg_class_frequency_total"):
        near_halves = np.round(rng.uniform(0, 4, n), 2)  # 0.25, 1.05, 2.35: halves at a decimal
        table[visits] = np.where(
            rng.random(n) < 0.1, rng.choice([NAN, 1.6, 2.0, 1.25], n), near_halves
        )
    charges = np.round(rng.uniform(0, 400, n), 1)
    table["Avg_additional_charges_total"] = np.where(rng.random(n) < 0.1, NAN, charges)
    table["charges_per_month"] = rng.choice(
        [2.5, 3.5, 0.49999999999999994, 12.3, -0.3, 0.3, NAN], n
    )
    table["visits_trend"] = np.round(rng.normal(0, 0.5, n), 3)
    table["visits_ratio"] = rng.uniform(0, 2, n)
    table["contract_used"] = rng.choice([0.25, 0.125, 1.0, NAN], n)
    return table


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    top=st.integers(0, 5),
    lang=st.sampled_from(["en", "ru"]),
    club=st.booleans(),
)
def test_random_tables_read_as_the_loop_wrote_them(
    seed: int, n: int, top: int, lang: str, club: bool
) -> None:
    rng = np.random.default_rng(seed)
    features, spec = (_club_table(rng, n), gym_spec()) if club else (_bank_table(rng, n), BANK)
    columns = list(rng.permutation(list(features)))
    values = _contribution_values(rng, n, len(columns))
    base = float(rng.normal(-1, 1))
    got = member_reasons(values, base, columns, features, spec, lang=lang, top=top)
    assert got == reference_member_reasons(
        values, base, columns, features, spec, lang=lang, top=top
    )
    if n:
        frame = pd.DataFrame(values, columns=columns)
        contrib = Contributions(frame, base, pd.DataFrame(features))
        assert_same_reasons(contrib, spec, lang, top=top)


def test_points_halfway_round_to_even_as_python_does() -> None:
    points = np.array([0.5, 1.5, 2.5, 3.5, 2.4999999999999996, 20.5, 21.49999999999, 9.96])
    columns = {"Age": np.full(len(points), 40.0)}
    got = reason_sentences("Age", columns, np.arange(len(points)), points, gym_spec())
    assert got.tolist() == [f"40 years old (+{p:.0f} pts)" for p in points]
    assert got.tolist()[:4] == [f"40 years old (+{k} pts)" for k in ("0", "2", "2", "4")]
