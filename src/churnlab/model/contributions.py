"""Each member's churn log-odds split by feature: the :class:`Contributions` both learners give,
and :func:`pipeline_contributions`, the reference computed through the fitted pipeline itself
(which the arithmetic form, :mod:`churnlab.model.compiled`, is checked against).

:mod:`churnlab.insight.explain` computes them the fast way and turns them into drivers and
reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from churnlab.data.validate import coerce_members
from churnlab.model.fitted import FittedPipeline
from churnlab.model.groups import group_features

__all__ = [
    "Contributions",
    "group_sums",
    "pipeline_contributions",
    "probability_points",
    "sigmoid",
]


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float))))


@dataclass(frozen=True)
class Contributions:
    """Each member's calibrated churn log-odds, split by feature.

    Attributes
    ----------
    values : pandas.DataFrame
        One row per member, one column per feature (derived metrics included): how much the
        feature moves the member's log-odds away from the average member's. Positive: towards
        leaving.
    base : float
        The average member's log-odds.
    features : pandas.DataFrame
        The members' feature values, derived metrics included (for sentences and shapes).
    """

    values: pd.DataFrame
    base: float
    features: pd.DataFrame

    @property
    def logit(self) -> np.ndarray:
        """Each member's calibrated log-odds: ``base`` plus the sum of the contributions."""
        return np.asarray(self.base + self.values.to_numpy().sum(axis=1))

    @property
    def probability(self) -> np.ndarray:
        return sigmoid(self.logit)

    def grouped(self) -> pd.DataFrame:
        """Contributions summed over each feature group (one column per group head)."""
        heads, summed = group_sums(self.values.to_numpy(dtype=float), list(self.values.columns))
        return pd.DataFrame(summed, index=self.values.index, columns=heads)

    def points(self, values: pd.DataFrame | None = None) -> pd.DataFrame:
        """Contributions on the probability scale, in percentage points.

        A member's probability differs from the average member's by a gap; each column of
        ``values`` (default: :meth:`grouped`) gets the share of that gap its log-odds
        contribution makes: ``contribution × (p − p_average) / (logit − logit_average)``, the
        sigmoid's mean slope between the two. The points add up to the gap exactly and, unlike
        "the probability without this feature", do not vanish for members near 0 % or 100 %.
        """
        values = self.grouped() if values is None else values
        shares = probability_points(values.to_numpy(dtype=float), self.logit, self.base)
        return pd.DataFrame(shares, index=values.index, columns=values.columns)


def group_sums(values: np.ndarray, columns: list[str]) -> tuple[list[str], np.ndarray]:
    """The group heads, and the contributions summed over each group (one matrix product)."""
    groups = group_features(columns)
    membership = np.zeros((len(columns), len(groups)))
    for j, members in enumerate(groups.values()):
        membership[[columns.index(c) for c in members], j] = 1.0
    return list(groups), values @ membership


def probability_points(values: np.ndarray, logit: np.ndarray, base: float) -> np.ndarray:
    """:meth:`Contributions.points` on arrays."""
    rise = logit - base
    slope = np.where(
        np.abs(rise) > 1e-9,
        (sigmoid(logit) - sigmoid(base)) / np.where(rise == 0, 1.0, rise),
        sigmoid(base) * (1 - sigmoid(base)),
    )
    return np.asarray(100 * values * slope[:, None])


def pipeline_contributions(model: FittedPipeline, X: pd.DataFrame) -> Contributions:
    """:func:`contributions` computed through the fitted pipeline itself (the reference)."""
    features = coerce_members(X, model.spec_)
    encode = model.estimator_[:-1]
    encoded = encode.transform(features)
    derived = model.estimator_.named_steps["derive"].transform(features)
    if model.learner_ == "logistic":
        raw, raw_base = _linear_contributions(model, encoded)
    else:
        raw, raw_base = _tree_contributions(model, encoded)
    slope, intercept = model.calibration_
    values = pd.DataFrame(slope * raw, index=X.index, columns=list(derived.columns))
    return Contributions(
        values=values, base=float(slope * raw_base + intercept), features=derived.set_axis(X.index)
    )


def _linear_contributions(model: FittedPipeline, encoded: np.ndarray) -> tuple[np.ndarray, float]:
    regression = model.estimator_.named_steps["model"]
    encoder = model.estimator_.named_steps["encode"]
    coef = regression.coef_[0]
    mean = model.encoded_mean_
    assert mean is not None, "a logistic ChurnModel stores encoded_mean_"
    terms = (np.asarray(encoded, dtype=float) - mean) * coef
    sources = _encoded_sources(encoder)
    columns = list(model.estimator_.named_steps["derive"].get_feature_names_out())
    raw = np.column_stack([terms[:, sources == c].sum(axis=1) for c in columns])
    return raw, float(regression.intercept_[0] + mean @ coef)


def _encoded_sources(encoder: object) -> np.ndarray:
    """For each encoded column, the feature it comes from."""
    sources: list[str] = []
    for name, transformer, columns in encoder.transformers_:  # type: ignore[attr-defined]
        if name == "remainder" or transformer == "drop":
            continue
        out = transformer.get_feature_names_out(columns)
        if name == "splines":
            sources += [_owner(o, columns, "_sp_") for o in out]
        elif name == "missing":
            sources += [o.removeprefix("missingindicator_") for o in out]
        elif name == "categories":
            sources += [_owner(o, columns, "_") for o in out]
        else:
            sources += list(out)
    return np.asarray(sources, dtype=object)


def _owner(encoded_name: str, columns: list[str], separator: str) -> str:
    """The longest source column that ``encoded_name`` starts with (names may share prefixes)."""
    owners = [c for c in columns if encoded_name.startswith(c + separator)]
    return max(owners, key=len)


def _tree_contributions(model: FittedPipeline, encoded: pd.DataFrame) -> tuple[np.ndarray, float]:
    booster = model.estimator_.named_steps["model"]
    shap = np.asarray(booster.predict_proba(encoded, pred_contrib=True), dtype=float)
    return shap[:, :-1], float(shap[0, -1])
