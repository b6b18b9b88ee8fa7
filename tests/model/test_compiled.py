"""The arithmetic form equals the pipeline it was compiled from, for both learners and any table."""

from __future__ import annotations

import logging
import pickle

import numpy as np
import pandas as pd
import pytest

from _reference import pipeline_probability
from churnlab.data.infer import encode_target
from churnlab.data.spec import gym_spec
from churnlab.data.validate import coerce_members
from churnlab.insight.explain import contributions
from churnlab.model import compiled as compiled_module
from churnlab.model.churn_model import ChurnModel
from churnlab.model.compiled import compile_model
from churnlab.model.contributions import pipeline_contributions


@pytest.fixture(scope="module")
def telco_models(telco: pd.DataFrame) -> dict[str, ChurnModel]:
    X, y = telco.drop(columns="Churn"), encode_target(telco["Churn"], "Yes")
    return {
        learner: ChurnModel(learner=learner, folds=3).fit(X, y)
        for learner in ("logistic", "boosting")
    }


@pytest.fixture(scope="module")
def gym_boosting(small_gym: pd.DataFrame) -> ChurnModel:
    X, y = small_gym.drop(columns="Churn"), small_gym["Churn"]
    return ChurnModel(gym_spec(), learner="boosting", folds=3).fit(X, y)


def test_club_model_compiles_to_splines_and_equals_the_pipeline(
    gym_model: ChurnModel, gym: pd.DataFrame
) -> None:
    fast = gym_model.compiled()
    assert fast.kind == "linear"
    X = gym.drop(columns="Churn")
    np.testing.assert_allclose(
        gym_model.predict_proba(X)[:, 1], pipeline_probability(gym_model, X), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("learner", ["logistic", "boosting"])
def test_table_with_categories_blanks_and_unseen_values(
    telco_models: dict[str, ChurnModel], telco: pd.DataFrame, learner: str
) -> None:
    model = telco_models[learner]
    assert model.compiled().kind == ("linear" if learner == "logistic" else "trees")
    X = telco.drop(columns="Churn").copy()
    X.loc[:9, "Contract"] = "Three year"  # never seen in training
    X.loc[10:19, "Contract"] = np.nan
    X.loc[20:29, "MonthlyCharges"] = np.nan
    X.loc[30:39, "tenure"] = 10_000  # far beyond the training range
    np.testing.assert_allclose(
        model.predict_proba(X)[:, 1], pipeline_probability(model, X), rtol=0, atol=1e-12
    )
    fast, slow = contributions(model, X), pipeline_contributions(model, X)
    assert list(fast.values.columns) == list(slow.values.columns)
    np.testing.assert_allclose(fast.values, slow.values, rtol=0, atol=1e-10)
    assert fast.base == pytest.approx(slow.base, abs=1e-12)
    pd.testing.assert_frame_equal(fast.features, slow.features, check_dtype=False)


def test_boosting_on_the_club_table(gym_boosting: ChurnModel, gym: pd.DataFrame) -> None:
    X = gym.drop(columns="Churn")
    assert gym_boosting.compiled().kind == "trees"
    np.testing.assert_allclose(
        gym_boosting.predict_proba(X)[:, 1],
        pipeline_probability(gym_boosting, X),
        rtol=0,
        atol=1e-12,
    )


def test_one_member_scores_like_many(gym_model: ChurnModel, gym: pd.DataFrame) -> None:
    X = gym.drop(columns="Churn")
    together = gym_model.predict_proba(X.head(50))[:, 1]
    alone = [gym_model.predict_proba(X.iloc[[i]])[0, 1] for i in range(50)]
    np.testing.assert_allclose(alone, together, rtol=0, atol=1e-15)


def test_a_form_that_disagrees_falls_back_to_the_pipeline(
    gym_model: ChurnModel, gym: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    monkeypatch.setattr(compiled_module, "TOLERANCE", -1.0)  # nothing can agree this closely
    with caplog.at_level(logging.WARNING, logger="churnlab.model.compiled"):
        fallback = compile_model(gym_model)
    assert fallback.kind == "pipeline"
    assert "differs from the pipeline" in caplog.text
    X = coerce_members(gym.drop(columns="Churn").head(200), gym_model.spec_)
    np.testing.assert_allclose(
        fallback.probability(X), pipeline_probability(gym_model, X), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(
        fallback.log_odds(X).parts, gym_model.compiled().log_odds(X).parts, rtol=0, atol=1e-9
    )


def test_refitting_rebuilds_and_pickling_drops_the_compiled_form(small_gym: pd.DataFrame) -> None:
    X, y = small_gym.drop(columns="Churn"), small_gym["Churn"]
    model = ChurnModel(gym_spec(), learner="logistic", folds=3).fit(X, y)
    first = model.compiled()
    assert model.compiled() is first
    model.fit(X.iloc[::-1], y.iloc[::-1])
    assert model.compiled() is not first
    copy = pickle.loads(pickle.dumps(model))
    assert "_compiled" not in copy.__dict__
    np.testing.assert_allclose(copy.predict_proba(X), model.predict_proba(X), rtol=0, atol=0)
