"""Survival from the next-month model: the clock, the chained curves, the value figures and the
table's own Kaplan-Meier curve, each against a reference computed independently here (a
per-member loop, hand figures, a direct risk-set count), and the curves of a fitted model
against a simulated club whose monthly hazard is known."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from _months import ID, SimulatedClub, true_hazard
from churnlab.data.club import UnlikeClub
from churnlab.data.feature import FeatureSpec
from churnlab.data.spec import DatasetSpec, gym_spec
from churnlab.model.churn_model import ChurnModel
from churnlab.model.survival import Clock, kaplan_meier, member_value, survival_curves

_REACHES = UnlikeClub("above", {"value": 18_250.0, "low": 0, "high": 600})
CLUB_CLOCK = Clock("Lifetime", "Month_to_end_contract", "Contract_period")


# --- the clock ------------------------------------------------------------------------------------


def test_clock_finds_the_club_columns() -> None:
    assert Clock.of(gym_spec()) == CLUB_CLOCK


def test_clock_finds_tenure_by_name_or_label_and_nothing_else() -> None:
    features = (
        FeatureSpec("Tenure_Months", "numeric", 0, None),
        FeatureSpec("Balance", "numeric"),
        FeatureSpec("Plan", "categorical"),
    )
    assert Clock.of(DatasetSpec("left", 1, features)) == Clock(tenure="Tenure_Months")
    labelled = (FeatureSpec("x7", "numeric", label={"en": "Months left"}),)
    assert Clock.of(DatasetSpec("left", 1, labelled)) == Clock(months_left="x7")
    # a categorical "tenure" band does not count months
    banded = (FeatureSpec("tenure", "categorical"),)
    assert Clock.of(DatasetSpec("left", 1, banded)) == Clock()


def test_clock_skips_a_club_name_whose_values_are_not_the_clubs() -> None:
    features = (FeatureSpec("Lifetime", "numeric", 0, 20_000), FeatureSpec("Age", "numeric"))
    spec = DatasetSpec("left", 1, features, unlike_club={"Lifetime": _REACHES})
    assert Clock.of(spec) == Clock()


def test_a_table_without_calendar_columns_moves_nothing() -> None:
    features = (FeatureSpec("Balance", "numeric"), FeatureSpec("Age", "numeric"))
    clock = Clock.of(DatasetSpec("left", 1, features))
    assert clock == Clock() and not clock.moves
    members = pd.DataFrame({"Balance": [1.5, 2.0], "Age": [30, 40]})
    pd.testing.assert_frame_equal(clock.step(members), members)


def test_step_by_hand_on_three_members() -> None:
    members = pd.DataFrame(
        {
            "Lifetime": [0, 3, 7],
            "Month_to_end_contract": [1.0, 5.0, 1.0],  # the first and third contracts end
            "Contract_period": [6, 6, 12],
            "Age": [25, 31, 44],
        }
    )
    before = members.copy()
    later = CLUB_CLOCK.step(members)
    assert later["Lifetime"].tolist() == [1, 4, 8]
    assert later["Month_to_end_contract"].tolist() == [6.0, 4.0, 12.0]
    assert later["Contract_period"].tolist() == [6, 6, 12]
    assert later["Age"].tolist() == [25, 31, 44]
    pd.testing.assert_frame_equal(members, before)  # a copy: the members now are untouched


def test_step_without_a_contract_length_runs_on_month_to_month() -> None:
    members = pd.DataFrame({"tenure": [2.0, np.nan], "months_left": [1.0, 3.0]})
    later = Clock(tenure="tenure", months_left="months_left").step(members)
    assert later["months_left"].tolist() == [1.0, 2.0]
    assert later["tenure"].iloc[0] == 3.0 and np.isnan(later["tenure"].iloc[1])


# --- the curves -----------------------------------------------------------------------------------


def _toy_logit(tenure: float, months_left: float, visits: float) -> float:
    return 0.8 - 0.3 * tenure - 0.15 * months_left - 0.5 * visits + 0.02 * tenure * months_left


def _toy_probability(frame: pd.DataFrame) -> np.ndarray:
    logit = _toy_logit(
        frame["Lifetime"].to_numpy(float),
        frame["Month_to_end_contract"].to_numpy(float),
        frame["Avg_class_frequency_current_month"].to_numpy(float),
    )
    return np.asarray(1 / (1 + np.exp(-logit)))


def _random_members(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    period = rng.choice([1, 6, 12], n)
    return pd.DataFrame(
        {
            "Lifetime": rng.integers(0, 15, n),
            "Month_to_end_contract": rng.integers(1, period + 1).astype(float),
            "Contract_period": period,
            "Avg_class_frequency_current_month": rng.uniform(0, 4, n),
        }
    )


def test_curves_equal_a_member_by_member_loop() -> None:
    members = _random_members(300, seed=4)
    calls: list[int] = []

    def probability(frame: pd.DataFrame) -> np.ndarray:
        calls.append(len(frame))
        return _toy_probability(frame)

    curves = survival_curves(probability, members, CLUB_CLOCK, horizon=14)
    assert calls == [300] * 14  # once a month, on every member at once

    expected = np.empty((len(members), 14))
    for i, member in enumerate(members.itertuples(index=False)):
        tenure, left = float(member.Lifetime), member.Month_to_end_contract
        period = float(member.Contract_period)
        visits = member.Avg_class_frequency_current_month
        still = 1.0
        for month in range(14):
            if month:
                tenure += 1
                left = period if left - 1 == 0 else left - 1
            still *= 1 - 1 / (1 + math.exp(-_toy_logit(tenure, left, visits)))
            expected[i, month] = still
    np.testing.assert_allclose(curves, expected, rtol=0, atol=1e-12)


def test_a_constant_probability_gives_geometric_survival() -> None:
    members = _random_members(50, seed=1)
    p = 0.137
    curves = survival_curves(lambda f: np.full(len(f), p), members, CLUB_CLOCK, horizon=12)
    by_multiplying = np.ones(12)
    for t in range(12):
        by_multiplying[t:] *= 1 - p
    np.testing.assert_array_equal(curves, np.tile(by_multiplying, (50, 1)))
    np.testing.assert_allclose(curves[0], (1 - p) ** np.arange(1, 13), rtol=1e-14)


def test_curves_of_no_members_and_a_bad_horizon() -> None:
    assert survival_curves(_toy_probability, _random_members(0, 0), CLUB_CLOCK).shape == (0, 12)
    with pytest.raises(ValueError, match="horizon"):
        survival_curves(_toy_probability, _random_members(3, 0), CLUB_CLOCK, horizon=0)
    with pytest.raises(ValueError, match="2 values for 3 members"):
        survival_curves(lambda f: np.zeros(2), _random_members(3, 0), CLUB_CLOCK)


# --- the value figures ----------------------------------------------------------------------------


def test_member_value_by_hand() -> None:
    first = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.05]
    second = [1.0] * 13
    curves = np.array([first, second])
    plain = member_value(curves, fee=40.0, extra_per_month=np.array([10.0, 0.0]))
    np.testing.assert_allclose(plain["stay_3m"], [0.7, 1.0])
    np.testing.assert_allclose(plain["stay_6m"], [0.4, 1.0])
    np.testing.assert_allclose(plain["stay_12m"], [0.1, 1.0])
    # 0.9 + 0.8 + ... + 0.1 + three more 0.1s; the 13th month is beyond the 12
    np.testing.assert_allclose(plain["expected_months_12"], [4.8, 12.0])
    np.testing.assert_allclose(plain["member_value"], [50 * 4.8, 40 * 12.0])

    discounted = member_value(curves, fee=40.0, discount=0.01)
    first_sum = sum(s / 1.01**t for t, s in enumerate(first[:12]))
    second_sum = (1 - 1.01**-12) / (1 - 1 / 1.01)  # a geometric series: 1 + 1/1.01 + ...
    np.testing.assert_allclose(discounted["expected_months_12"], [first_sum, second_sum])
    np.testing.assert_allclose(discounted["member_value"], [40 * first_sum, 40 * second_sum])


def test_member_value_needs_twelve_months() -> None:
    with pytest.raises(ValueError, match="at least 12 months"):
        member_value(np.full((2, 11), 0.5), fee=30.0)
    with pytest.raises(ValueError, match="3 values for 2 members"):
        member_value(np.full((2, 12), 0.5), fee=30.0, extra_per_month=np.zeros(3))
    with pytest.raises(ValueError, match="discount"):
        member_value(np.full((2, 12), 0.5), fee=30.0, discount=-1.0)


# --- Kaplan-Meier ---------------------------------------------------------------------------------


def test_kaplan_meier_by_hand_on_eight_members() -> None:
    tenure = [0, 0, 0, 1, 1, 2, 2, 3]
    left = [1, 0, 1, 0, 1, 0, 0, 1]
    table = kaplan_meier(np.array(tenure), np.array(left))
    # at risk at t: the members seen at tenure t - 1; S(t) = S(t - 1) * (1 - left / at risk)
    assert table["tenure"].tolist() == [0, 1, 2, 3, 4]
    assert table["at_risk"].tolist() == [0, 3, 2, 2, 1]
    assert table["left"].tolist() == [0, 2, 1, 0, 1]
    np.testing.assert_allclose(table["survival"], [1, 1 / 3, 1 / 6, 1 / 6, 0])


def test_kaplan_meier_stops_where_nobody_is_at_risk() -> None:
    table = kaplan_meier([0, 0, 2], [1, 0, 0])
    assert table["tenure"].tolist() == [0, 1]  # nobody was seen at tenure 1: S(2) is unknown
    np.testing.assert_allclose(table["survival"], [1.0, 0.5])
    empty = kaplan_meier([], [])
    assert empty["tenure"].tolist() == [0] and empty["survival"].tolist() == [1.0]
    with pytest.raises(ValueError, match="whole numbers"):
        kaplan_meier([0.5, 1], [0, 1])


def test_kaplan_meier_equals_a_direct_risk_set_count() -> None:
    rng = np.random.default_rng(11)
    tenure = rng.integers(0, 20, 2000)
    left = rng.random(2000) < 0.4 / (1 + tenure)
    table = kaplan_meier(tenure, left)

    seen = pd.DataFrame({"entry": tenure, "exit": tenure + 1, "event": left})
    survival, rows = 1.0, []
    for t in range(1, int(seen["exit"].max()) + 1):
        at_risk = seen[(seen["entry"] < t) & (seen["exit"] >= t)]
        deaths = int((at_risk["event"] & (at_risk["exit"] == t)).sum())
        survival *= 1 - deaths / len(at_risk)
        rows.append((t, len(at_risk), deaths, survival))
    expected = pd.DataFrame(rows, columns=["tenure", "at_risk", "left", "survival"])
    pd.testing.assert_frame_equal(
        table.iloc[1:].reset_index(drop=True), expected, check_dtype=False, rtol=1e-12
    )


# --- the bars: a fitted model against a club with a known hazard ----------------------------------

#: Months of the simulated club's records the model learns from.
TRAINING_MONTHS = 6


@pytest.fixture(scope="module")
def simulation() -> tuple[ChurnModel, pd.DataFrame, SimulatedClub]:
    """A model fitted on six months of a simulated club's records (each month's members and
    whether they left, drawn from the known hazard), the first month's table, and the club,
    six months on, for months the model has not seen."""
    club = SimulatedClub(seed=0)
    months = []
    for _ in range(TRAINING_MONTHS):
        members = club.snapshot()
        outcome = club.advance(None)
        months.append(members.assign(Churn=outcome["left"].astype(int).to_numpy()))
    records = pd.concat(months, ignore_index=True)
    spec = gym_spec()
    model = ChurnModel(spec, learner="logistic", random_state=0).fit(
        records[spec.feature_names], records["Churn"]
    )
    return model, months[0], club


def _model_probability(model: ChurnModel) -> Callable[[pd.DataFrame], np.ndarray]:
    compiled = model.compiled()
    return lambda frame: compiled.probability_of(compiled.values(frame))


def _features(members: pd.DataFrame) -> pd.DataFrame:
    return members[gym_spec().feature_names].astype(float)


def test_curves_of_four_thousand_members_take_under_a_second(
    simulation: tuple[ChurnModel, pd.DataFrame, SimulatedClub],
) -> None:
    model, table, _ = simulation
    probability, members = _model_probability(model), _features(table)
    started = time.perf_counter()
    curves = survival_curves(probability, members, CLUB_CLOCK, horizon=12)
    assert time.perf_counter() - started < 1.0
    assert curves.shape == (4000, 12)
    np.testing.assert_allclose(curves[:, 0], 1 - model.predict_proba(members)[:, 1], atol=1e-12)


def test_bar_1_more_contract_left_means_likelier_to_stay_three_months(
    simulation: tuple[ChurnModel, pd.DataFrame, SimulatedClub],
) -> None:
    """Every member of the table, cloned onto a 12-month contract with 1 month left (its
    renewal month first) and with 11 left: the 11-months-left clone is likelier to stay three
    months, under the known hazard (which checks the chaining) and under the fitted model.

    The model's side is fragile and the reason is the data: within a contract, months left
    and tenure move together (the table never holds a 12-month contract in its last month),
    so the model's months-left effect is weakly identified. Fitted on one month's table
    (4,000 members) the direction held in 4 of 8 simulation seeds; on six months of records
    (~20,000 member-months, which hold 12-month contracts in their renewal month) in 7 of 8.
    """
    _, table, _ = simulation
    members = _features(table).assign(Contract_period=12.0)
    ending, running = (members.assign(Month_to_end_contract=m) for m in (1.0, 11.0))

    def truth(frame: pd.DataFrame) -> np.ndarray:
        return true_hazard(frame)

    true_gap = (
        member_value(survival_curves(truth, running, CLUB_CLOCK), fee=0)["stay_3m"]
        - member_value(survival_curves(truth, ending, CLUB_CLOCK), fee=0)["stay_3m"]
    )
    assert (true_gap > 0).all()

    model, _, _ = simulation
    probability = _model_probability(model)
    gap = (
        member_value(survival_curves(probability, running, CLUB_CLOCK), fee=0)["stay_3m"]
        - member_value(survival_curves(probability, ending, CLUB_CLOCK), fee=0)["stay_3m"]
    )
    share = float((gap > 0).mean())
    assert share >= 0.9 and gap.mean() > 0, (
        f"11 months left stays likelier for {share:.1%} of members (mean gap {gap.mean():+.4f};"
        f" true mean gap {true_gap.mean():+.4f})"
    )


def test_bar_2_predicted_stay_3m_matches_three_simulated_months(
    simulation: tuple[ChurnModel, pd.DataFrame, SimulatedClub],
) -> None:
    """The club six months after the model's records: predict each current member's chance
    of staying three months, play three months out with nobody contacted (visits wander in
    the simulation; the curves hold them), and compare by decile of the prediction."""
    model, _, club = simulation
    members = club.snapshot()
    curves = survival_curves(_model_probability(model), _features(members), CLUB_CLOCK)
    predicted = member_value(curves, fee=0)["stay_3m"]
    for _ in range(3):
        club.advance(None)
    stayed = members[ID].isin(club.members[ID]).to_numpy()

    decile = pd.qcut(pd.Series(predicted).rank(method="first"), 10, labels=False)
    table = (
        pd.DataFrame({"predicted": predicted, "stayed": stayed, "decile": decile})
        .groupby("decile")
        .agg(members=("stayed", "size"), predicted=("predicted", "mean"), stayed=("stayed", "mean"))
    )
    gap = float((table["predicted"] - table["stayed"]).abs().mean())
    assert gap <= 0.04, f"mean absolute gap {gap:.4f} over deciles\n{table.round(4)}"


def test_bar_3_first_month_members_follow_the_tables_kaplan_meier_curve(
    simulation: tuple[ChurnModel, pd.DataFrame, SimulatedClub],
) -> None:
    """The table's own survival by tenure (left-truncated Kaplan-Meier from one month of
    outcomes) against the mean predicted curve of its members in their first month.

    The comparison is fair only as far as the table's members at tenure t - 1 are like the
    first-month members t - 1 months on (the bundled table is not a steady-state club, and
    behaviour is held in the curves), so the bar is loose: within 0.1 at every month 1..6.
    The known hazard, chained on the same members, says how much of the gap is the model's.
    """
    model, table, _ = simulation
    km = kaplan_meier(table["Lifetime"], table["Churn"]).set_index("tenure")["survival"]
    newcomers = _features(table[table["Lifetime"] == 0])
    predicted = survival_curves(_model_probability(model), newcomers, CLUB_CLOCK, horizon=6)
    truth = survival_curves(true_hazard, newcomers, CLUB_CLOCK, horizon=6)
    compared = pd.DataFrame(
        {
            "kaplan_meier": km.loc[1:6].to_numpy(),
            "predicted": predicted.mean(axis=0),
            "true_hazard": truth.mean(axis=0),
        },
        index=pd.RangeIndex(1, 7, name="months"),
    )
    worst = float((compared["predicted"] - compared["kaplan_meier"]).abs().max())
    assert worst <= 0.1, f"largest gap {worst:.4f}\n{compared.round(4)}"
