"""What the readers of a fitted churn model's pipeline read from it.

The arithmetic form (:mod:`churnlab.model.compiled`, :mod:`churnlab.model.linear_form`) and
the reference contributions (:mod:`churnlab.model.contributions`) take a fitted
:class:`~churnlab.model.churn_model.ChurnModel` apart. They need only its fitted attributes, so
they take this protocol and do not import the model class that builds on them.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from churnlab.data.spec import DatasetSpec

__all__ = ["FittedPipeline"]


class FittedPipeline(Protocol):
    """A fitted model's pipeline and what was learnt beside it."""

    #: The spec the model was fitted with.
    spec_: DatasetSpec
    #: ``logistic`` or ``boosting``.
    learner_: str
    #: The scikit-learn pipeline: ``derive``, ``encode`` and ``model`` steps (untyped there).
    estimator_: Any
    #: Slope and intercept of the Platt scaling on the learner's log-odds.
    calibration_: tuple[float, float]
    #: The encoded training columns' means (logistic models), the contributions' baseline.
    encoded_mean_: np.ndarray[Any, Any] | None
