"""churnlab.model.evaluate: metrics against scikit-learn's, out-of-fold figures and their spread."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from churnlab.data.spec import gym_spec
from churnlab.model.churn_model import ChurnModel
from churnlab.model.evaluate import (
    METRICS,
    best_threshold,
    classification_metrics,
    cross_evaluate,
    expected_calibration_error,
    top_decile_lift,
)


def test_metrics_agree_with_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    p = np.clip(y * 0.4 + rng.uniform(0, 0.6, 500), 0, 1)
    m = classification_metrics(y, p, threshold=0.45)
    assert set(m) == set(METRICS)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, p))
    assert m["precision"] == pytest.approx(precision_score(y, p >= 0.45))
    assert m["recall"] == pytest.approx(recall_score(y, p >= 0.45))
    assert m["f1"] == pytest.approx(f1_score(y, p >= 0.45))


def test_calibration_error_of_a_calibrated_and_a_biased_forecast() -> None:
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, 200_000)
    y = (rng.uniform(0, 1, p.size) < p).astype(int)
    assert expected_calibration_error(y, p) < 0.01
    assert expected_calibration_error(y, np.clip(p + 0.2, 0, 1)) > 0.15


def test_lift_of_a_perfect_and_a_random_ranking() -> None:
    y = np.array([1] * 10 + [0] * 90)
    assert top_decile_lift(y, -np.arange(100)) == pytest.approx(10.0)
    assert top_decile_lift(y, np.zeros(100)) == pytest.approx(10.0)  # stable order keeps 1s first
    assert top_decile_lift(y, np.arange(100)) == pytest.approx(0.0)


def test_best_threshold_maximises_f1() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 300)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, 300), 0, 1)
    t = best_threshold(y, p)
    best = max(f1_score(y, p >= c) for c in np.unique(p))
    assert f1_score(y, p >= t) == pytest.approx(best)


def test_cross_evaluate_gives_every_fold_and_the_public_split(small_gym: pd.DataFrame) -> None:
    model = ChurnModel(gym_spec(), learner="logistic", folds=3)
    X, y = small_gym.drop(columns="Churn"), small_gym["Churn"]
    seen = []
    evaluation = cross_evaluate(
        model, X, y, folds=3, repeats=2, on_fold=lambda d, t: seen.append((d, t))
    )
    assert len(evaluation.per_fold) == 6 and seen[-1] == (7, 7)
    summary = evaluation.summary
    assert (summary.loc[["roc_auc", "brier", "log_loss"], "std"] > 0).all()
    assert summary.loc["roc_auc", "mean"] > 0.9
    assert set(evaluation.holdout) == set(METRICS)
    assert evaluation.oof_proba.shape == (600,)
    assert roc_auc_score(y, evaluation.oof_proba) > 0.9
    as_dict = evaluation.to_dict()
    assert as_dict["metrics"]["brier"]["mean"] == pytest.approx(summary.loc["brier", "mean"])
