"""From a learner's raw probabilities to calibrated ones, and from those to risk tiers.

Platt scaling fits ``p = 1 / (1 + exp(-(slope * logit(raw) + intercept)))`` on out-of-fold
(or held-out) raw probabilities; the tiers split members at the base churn rate and at the
model's threshold. Plain NumPy: scoring uses it without scikit-learn (fitting imports it).
"""

from __future__ import annotations

import numpy as np

__all__ = ["EPS", "TIERS", "calibrate", "fit_platt", "logit", "risk_codes"]

#: Raw probabilities are clipped to [EPS, 1 - EPS] before Platt scaling.
EPS = 1e-6

#: Risk tiers by code: 0 low, 1 medium, 2 high.
TIERS = np.array(["low", "medium", "high"], dtype=object)


def logit(p: np.ndarray) -> np.ndarray:
    """The log-odds of probabilities clipped to [EPS, 1 - EPS] (what Platt scaling is fitted on).

    >>> logit(np.array([0.5, 0.0])).round(2).tolist()
    [0.0, -13.82]
    """
    p = np.clip(p, EPS, 1 - EPS)
    return np.asarray(np.log(p / (1 - p)))


def calibrate(raw: np.ndarray, calibration: tuple[float, float]) -> np.ndarray:
    """Platt scaling: ``1 / (1 + exp(-(slope * logit(raw) + intercept)))``.

    >>> calibrate(np.array([0.5]), (1.0, 0.0)).tolist()
    [0.5]
    """
    slope, intercept = calibration
    return np.asarray(1.0 / (1.0 + np.exp(-(slope * logit(raw) + intercept))))


def fit_platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The slope and intercept of Platt scaling for raw probabilities ``raw`` of outcomes ``y``:
    an (effectively unpenalised) logistic regression of ``y`` on ``logit(raw)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.uniform(0.05, 0.95, 20_000)
    >>> y = (rng.random(20_000) < truth).astype(int)
    >>> slope, intercept = fit_platt(truth, y)  # already calibrated: slope 1, intercept 0
    >>> round(slope, 1), round(intercept, 1)
    (1.0, 0.0)
    """
    from sklearn.linear_model import LogisticRegression  # fitting only: scoring never needs it

    platt = LogisticRegression(C=1e6).fit(logit(np.asarray(raw, dtype=float))[:, None], y)
    return float(platt.coef_[0, 0]), float(platt.intercept_[0])


def risk_codes(proba: np.ndarray, *, base_rate: float, threshold: float) -> np.ndarray:
    """0 (low) below the base churn rate, 2 (high) from ``threshold`` up, else 1 (medium).

    Examples
    --------
    >>> risk_codes(np.array([0.1, 0.3, 0.7]), base_rate=0.25, threshold=0.5).tolist()
    [0, 1, 2]
    """
    medium = min(base_rate, threshold)
    proba = np.asarray(proba)
    return np.asarray((proba >= medium).astype(np.int8) + (proba >= threshold).astype(np.int8))
