"""Each member's months ahead and value, against a month-by-month reference built here from the
fitted pipeline itself (not the compiled arithmetic the value uses)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _reference import pipeline_probability
from churnlab.model.churn_model import ChurnModel
from churnlab.plan.playbook import Economics
from churnlab.scoring.value import VALUE_COLUMNS, member_values, value_of


def _rolled(members: pd.DataFrame) -> pd.DataFrame:
    """The club's members a month later, written out here: tenure + 1, contract months - 1,
    a contract that ends renewed for its period."""
    later = members.copy()
    later["Lifetime"] = later["Lifetime"] + 1
    ended = later["Month_to_end_contract"] <= 1
    later["Month_to_end_contract"] = np.where(
        ended, later["Contract_period"], later["Month_to_end_contract"] - 1
    )
    return later


@pytest.fixture(scope="module")
def members(gym: pd.DataFrame) -> pd.DataFrame:
    return gym.drop(columns="Churn").sample(300, random_state=1).reset_index(drop=True)


def test_values_follow_the_models_own_months(gym_model: ChurnModel, members: pd.DataFrame) -> None:
    economics = Economics(fee=50.0, discount=0.01)
    values = member_values(gym_model, members, economics)
    assert list(values.columns) == list(VALUE_COLUMNS)
    staying, now, curve = np.ones(len(members)), members, []
    for _ in range(12):
        staying = staying * (1 - pipeline_probability(gym_model, now))
        curve.append(staying)
        now = _rolled(now)
    curve = np.column_stack(curve)
    assert values["stay_3m"].to_numpy() == pytest.approx(curve[:, 2], abs=1e-6)
    assert values["stay_12m"].to_numpy() == pytest.approx(curve[:, 11], abs=1e-6)
    months = (curve * (1 / 1.01) ** np.arange(12)).sum(axis=1)
    assert values["expected_months_12"].to_numpy() == pytest.approx(months, abs=1e-5)
    spending = members["Avg_additional_charges_total"] / (members["Lifetime"] + 1)
    value = (50.0 + spending.to_numpy()) * months
    assert values["member_value"].to_numpy() == pytest.approx(value, rel=1e-5)
    assert values["kept_value"].to_numpy() == pytest.approx(value / curve[:, 0], rel=1e-5)
    p = 1 - curve[:, 0]
    assert values["value_at_risk"].to_numpy() == pytest.approx(p * value / curve[:, 0], rel=1e-5)


def test_a_group_in_a_few_figures(gym_model: ChurnModel, members: pd.DataFrame) -> None:
    values = member_values(gym_model, members, Economics())
    found = value_of(values)
    assert found["member_value"] == pytest.approx(values["member_value"].sum(), abs=0.01)
    assert found["stay_3m"] == pytest.approx(values["stay_3m"].mean(), abs=1e-6)
    assert value_of(values.iloc[:0])["stay_3m"] is None


def test_a_tables_value_is_the_sum_of_its_parts_totals() -> None:
    from churnlab.scoring.value import value_of_totals, value_totals

    rng = np.random.default_rng(5)
    values = pd.DataFrame(rng.uniform(0, 1, (1_001, len(VALUE_COLUMNS))), columns=VALUE_COLUMNS)
    values["member_value"] *= 900.0
    parts = [values.iloc[:1], values.iloc[1:400], values.iloc[400:400], values.iloc[400:]]
    totals = sum((value_totals(p) for p in parts), start=value_totals(values.iloc[:0]))
    found = value_of_totals(totals)
    assert found["member_value"] == pytest.approx(round(values["member_value"].sum(), 2))
    assert found["value_at_risk"] == pytest.approx(round(values["value_at_risk"].sum(), 2))
    assert found["stay_3m"] == pytest.approx(values["stay_3m"].mean(), abs=1e-6)
    assert found["expected_months_12"] == pytest.approx(
        values["expected_months_12"].mean(), abs=1e-4
    )
    assert value_of_totals(value_totals(values.iloc[:0]))["stay_3m"] is None
