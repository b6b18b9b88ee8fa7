"""The pipeline step that adds the derived metrics.

The metrics themselves (:data:`DERIVED_METRICS`) live in :mod:`churnlab.model.derived`, and the
groups of columns explained together in :mod:`churnlab.model.groups`, both of which scoring
imports without scikit-learn; the metrics are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from churnlab.model.derived import (
    DERIVED_METRICS,
    DerivedMetric,
    derived_metrics_for,
)

__all__ = ["DERIVED_METRICS", "BehaviourMetrics", "DerivedMetric", "derived_metrics_for"]

_BY_NAME = {m.name: m for m in DERIVED_METRICS}


class BehaviourMetrics(TransformerMixin, BaseEstimator):
    """Add derived behaviour metrics as new columns.

    Parameters
    ----------
    metrics : sequence of str
        Names from :data:`DERIVED_METRICS`.

    Examples
    --------
    >>> frame = pd.DataFrame({"Avg_class_frequency_current_month": [0.5],
    ...                       "Avg_class_frequency_total": [2.0]})
    >>> BehaviourMetrics(["visits_trend"]).fit_transform(frame)["visits_trend"].tolist()
    [-1.5]
    """

    def __init__(self, metrics: Sequence[str] = ()) -> None:
        self.metrics = metrics

    def fit(self, X: pd.DataFrame, y: object = None) -> BehaviourMetrics:
        unknown = [m for m in self.metrics if m not in _BY_NAME]
        if unknown:
            raise ValueError(f"unknown derived metric {unknown[0]!r}; known: {sorted(_BY_NAME)}")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self)
        added = {name: np.asarray(_BY_NAME[name].compute(X), dtype=float) for name in self.metrics}
        return X.assign(**added)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self)
        return np.asarray([*self.feature_names_in_, *self.metrics], dtype=object)
