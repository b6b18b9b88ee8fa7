"""Fixtures of the plan's tests: the two built-in playbooks, and the club's members with a
stand-in for the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from churnlab.model.features import DERIVED_METRICS
from churnlab.plan.playbook import Playbook, builtin_playbook, load_playbook


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return load_playbook()


@pytest.fixture(scope="module")
def subscription() -> Playbook:
    return builtin_playbook("subscription")


@pytest.fixture(scope="module")
def club(gym: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The club's members with a stand-in for the model (standardised features × their
    correlation with leaving), a segment and a risk tier; and their contributions."""
    features = gym.drop(columns="Churn")
    for metric in DERIVED_METRICS:
        features[metric.name] = metric.compute(features)
    z = (features - features.mean()) / features.std()
    contributions = z * features.corrwith(gym["Churn"]) * 2
    base = np.log(gym["Churn"].mean() / (1 - gym["Churn"].mean()))
    probability = 1 / (1 + np.exp(-(base + contributions.sum(axis=1))))
    members = features.assign(
        row=np.arange(len(gym)),
        churn_probability=probability,
        segment=(features["Lifetime"] // 3).clip(upper=4).astype(int),
        risk_tier=np.where(
            probability >= 0.5, "high", np.where(probability >= 0.2, "medium", "low")
        ),
    )
    return members, contributions
