"""churnlab.insight.explain: contributions that add up, the drivers, each member's reasons."""

import numpy as np
import pandas as pd
import pytest

from churnlab.data.infer import encode_target, infer_spec
from churnlab.data.spec import gym_spec
from churnlab.insight.explain import contributions, drivers, reasons
from churnlab.model.churn_model import ChurnModel


@pytest.fixture(scope="module")
def boosted(gym: pd.DataFrame) -> ChurnModel:
    return ChurnModel(gym_spec(), learner="boosting", folds=3).fit(
        gym.drop(columns="Churn"), gym["Churn"]
    )


@pytest.mark.parametrize("which", ["gym_model", "boosted"])
def test_contributions_add_up_to_the_calibrated_probability(
    request: pytest.FixtureRequest, gym: pd.DataFrame, which: str
) -> None:
    model = request.getfixturevalue(which)
    c = contributions(model, gym.head(500))
    np.testing.assert_allclose(c.probability, model.predict_proba(gym.head(500))[:, 1], atol=1e-5)
    np.testing.assert_allclose(c.grouped().sum(axis=1), c.values.sum(axis=1), atol=1e-9)
    assert "visits_trend" in c.values.columns  # derived metrics are explained too


@pytest.mark.parametrize("which", ["gym_model", "boosted"])
def test_known_drivers_lead_and_point_the_right_way(
    request: pytest.FixtureRequest, gym: pd.DataFrame, which: str
) -> None:
    model = request.getfixturevalue(which)
    found = drivers(contributions(model, gym), model)
    top = [d.feature for d in found[:4]]
    assert {"Lifetime", "Avg_class_frequency_current_month", "Month_to_end_contract"} <= set(top)
    by_name = {d.feature: d for d in found}
    assert by_name["Lifetime"].direction == "down" and by_name["Lifetime"].role == "trait"
    assert by_name["Avg_class_frequency_current_month"].role == "lever"
    assert [d.importance for d in found] == sorted((d.importance for d in found), reverse=True)
    # the shape of tenure: newcomers leave far more often than members of a year
    shape = by_name["Lifetime"].shape
    assert shape[0]["churn_probability"] > 2 * shape[-1]["churn_probability"]
    assert sum(p["members"] for p in shape) == len(gym)


def test_groups_are_one_driver(gym: pd.DataFrame, gym_model: ChurnModel) -> None:
    names = [d.feature for d in drivers(contributions(gym_model, gym), gym_model)]
    assert "visits_trend" not in names and "Contract_period" not in names
    assert len(names) == len(set(names)) == 11


def test_reasons_are_sentences_that_explain_the_risk(
    gym: pd.DataFrame, gym_model: ChurnModel
) -> None:
    members = gym.head(300)
    table = reasons(contributions(gym_model, members), gym_model)
    proba = gym_model.predict_proba(members)[:, 1]
    risky = proba > 0.5
    assert (table.loc[risky, "reason_1"] != "").all()
    # every member has reasons: what pushes them to leave, or, when nothing does, what keeps them
    pushed = table["reasons"].str.contains(r"\(\+\d+ pts\)")
    kept = table["reasons"].str.contains("(keeps the risk low)", regex=False)
    assert (table["reason_1"] != "").all() and (pushed ^ kept).all()
    assert kept.any() and proba[kept.to_numpy()].max() < 0.05
    # a newcomer on a monthly contract that ends: the contract and the short tenure are named
    newcomer = gym[(gym["Lifetime"] <= 1) & (gym["Month_to_end_contract"] == 1)].head(1)
    text = reasons(contributions(gym_model, newcomer), gym_model)["reasons"].iloc[0]
    assert "contract ends in 1 month" in text
    assert "a member for only" in text or "joined less than a month ago" in text


def test_russian_reasons(gym: pd.DataFrame, gym_model: ChurnModel) -> None:
    newcomer = gym[(gym["Lifetime"] <= 1) & (gym["Month_to_end_contract"] == 1)].head(1)
    text = reasons(contributions(gym_model, newcomer), gym_model, lang="ru")["reasons"].iloc[0]
    assert "абонемент заканчивается через 1 мес." in text and "п.п." in text
    assert "contract" not in text and "pts" not in text


def test_a_visit_drop_is_told_as_a_fall(gym: pd.DataFrame, gym_model: ChurnModel) -> None:
    member = gym.head(1).assign(
        Avg_class_frequency_total=2.1,
        Avg_class_frequency_current_month=0.4,
        Lifetime=6,
        Contract_period=12,
        Month_to_end_contract=6,
    )
    text = reasons(contributions(gym_model, member), gym_model)["reasons"].iloc[0]
    assert "visits fell from 2.1 to 0.4 a week" in text


def test_generic_table_reasons(telco: pd.DataFrame) -> None:
    spec = infer_spec(telco)
    model = ChurnModel(spec, learner="boosting", folds=3).fit(
        telco, encode_target(telco["Churn"], spec.positive_label).astype(int)
    )
    c = contributions(model, telco)
    np.testing.assert_allclose(c.probability, model.predict_proba(telco)[:, 1], atol=1e-6)
    table = reasons(c, model)
    assert table["reasons"].str.contains(r"(?:tenure|Contract|MonthlyCharges|TotalCharges): ").any()
    top = drivers(c, model)[0]
    assert top.feature in {"tenure", "Contract", "MonthlyCharges", "TotalCharges"}
    contract = next(d for d in drivers(c, model) if d.feature == "Contract")
    assert {p["value"] for p in contract.shape} == {"Month-to-month", "One year", "Two year"}


def test_a_direction_is_stated_only_where_the_shape_is_monotone() -> None:
    import pandas as pd

    from churnlab.analysis.conclusions import _direction_phrase
    from churnlab.insight.explain import _direction

    # products held: churn falls from 1 to 2 and jumps at 3 (3 % of members)
    values = pd.Series([1] * 500 + [2] * 470 + [3] * 30)
    effect = values.map({1: -0.5, 2: -2.0, 3: 3.0}).astype(float)
    assert _direction(values, effect) == "mixed"  # Spearman alone said "down" (rho -0.8)
    assert _direction(values, -effect.where(values != 3, -3.5)) == "up"  # 0.5, 2, 3.5
    assert _direction(values, effect.where(values != 3, -3.0)) == "down"  # -0.5, -2, -3
    # a tiny bin against the trend does not decide it
    tiny = pd.Series([1] * 600 + [2] * 390 + [3] * 10)
    assert _direction(tiny, tiny.map({1: 1.0, 2: -1.0, 3: 5.0}).astype(float)) == "down"

    shape = [
        {"value": 1.0, "churn_probability": 0.20, "members": 500},
        {"value": 2.0, "churn_probability": 0.05, "members": 470},
        {"value": 3.0, "churn_probability": 0.83, "members": 30},
    ]
    driver = {"label": "num of products", "direction": "mixed", "shape": shape}
    from churnlab.analysis.conclusions import _TEXT as TEXT

    assert _direction_phrase(driver, TEXT["en"], "en") == (
        "num of products — most leave at 3, fewest at 2"
    )
    assert "при 3" in _direction_phrase(driver, TEXT["ru"], "ru")
