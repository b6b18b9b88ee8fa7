"""Fixtures of the store's tests: a small fitted model (fitted once per test session)."""

from __future__ import annotations

import pytest

from churnlab.data.datasets import load_gym_churn
from churnlab.model.churn_model import ChurnModel


@pytest.fixture(scope="session")
def fitted() -> ChurnModel:
    members = load_gym_churn().sample(400, random_state=0)
    return ChurnModel(learner="logistic", folds=3).fit(
        members.drop(columns="Churn"), members["Churn"]
    )
