"""Independent references for the scoring paths' probabilities."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from churnlab.data.validate import coerce_members
from churnlab.model.calibration import calibrate


def pipeline_probability(model: Any, X: pd.DataFrame) -> np.ndarray:
    """The fitted scikit-learn pipeline's own probability of leaving, Platt-calibrated: not the
    compiled arithmetic that ``predict_proba``, ``score_members``, bundles and the API share."""
    features = coerce_members(X, model.spec_)
    return calibrate(model.estimator_.predict_proba(features)[:, 1], model.calibration_)
