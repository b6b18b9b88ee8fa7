"""How good the churn probabilities are: metrics, out-of-fold evaluation, the public 80/20 split.

Every figure churnlab reports is out-of-fold: the model that scores a member never saw that member.
:func:`cross_evaluate` refits the whole :class:`~churnlab.model.churn_model.ChurnModel` (learner
choice, tuning, calibration and threshold included) on each fold of a repeated stratified k-fold,
so the spread across folds is the honest uncertainty of each figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    precision_recall_curve,
    roc_auc_score,
)
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split

__all__ = [
    "METRICS",
    "Evaluation",
    "best_threshold",
    "classification_metrics",
    "cross_evaluate",
    "expected_calibration_error",
    "holdout_evaluate",
    "top_decile_lift",
]

#: Metric names, in the order they are shown; ``True`` where higher is better.
METRICS: dict[str, bool] = {
    "roc_auc": True,
    "pr_auc": True,
    "brier": False,
    "log_loss": False,
    "ece": False,
    "accuracy": True,
    "precision": True,
    "recall": True,
    "f1": True,
    "lift_top_decile": True,
}


def expected_calibration_error(y: np.ndarray, proba: np.ndarray, *, n_bins: int = 10) -> float:
    """The mean gap between predicted and observed churn over equal-width probability bins.

    Examples
    --------
    >>> expected_calibration_error(np.array([0, 1, 0, 1]), np.array([0.0, 1.0, 0.0, 1.0]))
    0.0
    >>> round(expected_calibration_error(np.array([0, 0, 1, 1]), np.full(4, 0.9)), 2)
    0.4
    """
    y, proba = np.asarray(y, dtype=float), np.asarray(proba, dtype=float)
    bins = np.minimum((proba * n_bins).astype(int), n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    gap = np.abs(np.bincount(bins, weights=proba - y, minlength=n_bins))
    return float(gap.sum() / max(counts.sum(), 1))


def top_decile_lift(y: np.ndarray, proba: np.ndarray, *, share: float = 0.1) -> float:
    """Churn rate among the ``share`` of members ranked riskiest, over the overall churn rate.

    Examples
    --------
    >>> top_decile_lift(np.array([1] + [0] * 9), np.linspace(1, 0, 10))
    10.0
    """
    y = np.asarray(y, dtype=float)
    n_top = max(1, round(share * len(y)))
    top = np.argsort(-np.asarray(proba), kind="stable")[:n_top]
    base = y.mean()
    return float(y[top].mean() / base) if base > 0 else float("nan")


def best_threshold(y: np.ndarray, proba: np.ndarray) -> float:
    """The probability cut-off that maximises F1 (where the model says "will leave").

    Examples
    --------
    >>> best_threshold(np.array([0, 0, 1, 1]), np.array([0.1, 0.3, 0.6, 0.8]))
    0.6
    """
    precision, recall, thresholds = precision_recall_curve(y, proba)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0)
    return float(thresholds[int(np.argmax(f1[:-1]))])


def classification_metrics(
    y: np.ndarray, proba: np.ndarray, *, threshold: float = 0.5
) -> dict[str, float]:
    """Every metric of :data:`METRICS` for true outcomes ``y`` (0/1) and probabilities ``proba``.

    Examples
    --------
    >>> m = classification_metrics(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> m["roc_auc"], m["accuracy"]
    (0.75, 0.75)
    """
    y = np.asarray(y, dtype=int)
    proba = np.asarray(proba, dtype=float)
    said = proba >= threshold
    tp = float(np.sum(said & (y == 1)))
    precision = tp / said.sum() if said.sum() else 0.0
    recall = tp / (y == 1).sum() if (y == 1).sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "roc_auc": float(roc_auc_score(y, proba)),
        "pr_auc": float(average_precision_score(y, proba)),
        "brier": float(brier_score_loss(y, proba)),
        "log_loss": float(log_loss(y, proba, labels=[0, 1])),
        "ece": expected_calibration_error(y, proba),
        "accuracy": float(np.mean(said == (y == 1))),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "lift_top_decile": top_decile_lift(y, proba),
    }


@dataclass(frozen=True)
class Evaluation:
    """Out-of-fold figures of a model.

    Attributes
    ----------
    per_fold : pandas.DataFrame
        One row per (repeat, fold), one column per metric.
    holdout : dict
        The metrics on the 80/20 split with ``random_state=0`` used by public studies.
    oof_proba : numpy.ndarray
        Each member's out-of-fold probability, averaged over the repeats.
    folds, repeats : int
    """

    per_fold: pd.DataFrame
    holdout: dict[str, float]
    oof_proba: np.ndarray
    folds: int
    repeats: int

    @property
    def summary(self) -> pd.DataFrame:
        """Mean and standard deviation of each metric across folds."""
        table = self.per_fold[list(METRICS)].agg(["mean", "std"]).T
        table["holdout_80_20"] = pd.Series(self.holdout)
        return table

    def to_dict(self) -> dict[str, Any]:
        s = self.summary
        return {
            "folds": self.folds,
            "repeats": self.repeats,
            "metrics": {m: {"mean": s.loc[m, "mean"], "std": s.loc[m, "std"]} for m in METRICS},
            "holdout_80_20": self.holdout,
        }


def cross_evaluate(
    model: Any,
    X: pd.DataFrame,
    y: pd.Series | np.ndarray,
    *,
    folds: int = 5,
    repeats: int = 2,
    random_state: int = 0,
    on_fold: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Refit ``model`` on every fold of a repeated stratified k-fold and measure it out of fold.

    Parameters
    ----------
    model : ChurnModel
        An unfitted model (it is cloned for each fold); its ``threshold_`` sets the cut-off of
        accuracy, precision, recall and F1.
    X : pandas.DataFrame
    y : array-like of 0/1
    folds, repeats : int
    random_state : int
    on_fold : callable, optional
        Called as ``on_fold(done, total)`` after each fit, for progress bars.

    Returns
    -------
    Evaluation
    """
    y = np.asarray(y, dtype=int)
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=random_state)
    rows, oof = [], np.zeros((repeats, len(y)))
    total = folds * repeats + 1
    for k, (train, test) in enumerate(splitter.split(X, y)):
        fitted = clone(model).fit(X.iloc[train], y[train])
        proba = fitted.predict_proba(X.iloc[test])[:, 1]
        oof[k // folds, test] = proba
        rows.append(
            {
                "repeat": k // folds,
                "fold": k % folds,
                **classification_metrics(y[test], proba, threshold=fitted.threshold_),
            }
        )
        if on_fold:
            on_fold(k + 1, total)
    holdout = holdout_evaluate(model, X, y)
    if on_fold:
        on_fold(total, total)
    return Evaluation(pd.DataFrame(rows), holdout, oof.mean(axis=0), folds, repeats)


def holdout_evaluate(model: Any, X: pd.DataFrame, y: pd.Series | np.ndarray) -> dict[str, float]:
    """Metrics on the 80/20 split (``train_test_split(..., test_size=0.2, random_state=0)``).

    This is the split the public studies of the club's table used, so their figures compare.
    """
    X_fit, X_test, y_fit, y_test = train_test_split(X, np.asarray(y), test_size=0.2, random_state=0)
    fitted = clone(model).fit(X_fit, y_fit)
    return classification_metrics(
        y_test, fitted.predict_proba(X_test)[:, 1], threshold=fitted.threshold_
    )
