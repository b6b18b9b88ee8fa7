"""A fitted model reduced to what scoring needs, read from a model file without scikit-learn.

``churnlab score`` spends most of a small run importing scikit-learn and rebuilding the
pipeline (about two seconds) before it scores a single member. A spline-logistic model is plain
arithmetic (:mod:`churnlab.model.compiled`), and its model file carries that arithmetic as data:
:class:`ScoringModel` holds it with the spec, calibration and thresholds, and answers what
:func:`~churnlab.scoring.members.score_members`, the streaming scorer and the run history ask of a
:class:`~churnlab.model.churn_model.ChurnModel`, with the same probabilities to the last bit.

Read one with :func:`churnlab.model.persist.load_scorer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from churnlab.data.spec import DatasetSpec
from churnlab.model.calibration import TIERS, risk_codes
from churnlab.model.compiled import CompiledModel

__all__ = ["Scorer", "ScoringModel"]


class Scorer(Protocol):
    """What scores members and is recorded: a fitted
    :class:`~churnlab.model.churn_model.ChurnModel`, or the :class:`ScoringModel` read from its
    file without scikit-learn. Scoring, streaming, the Dask engine and the run history take
    either."""

    @property
    def spec_(self) -> DatasetSpec: ...

    @property
    def learner_(self) -> str: ...

    @property
    def params_(self) -> dict[str, Any]: ...

    @property
    def calibration_(self) -> tuple[float, float]: ...

    @property
    def threshold_(self) -> float: ...

    @property
    def base_rate_(self) -> float: ...

    @property
    def data_hash_(self) -> str: ...

    @property
    def oof_metrics_(self) -> dict[str, float]: ...

    def compiled(self) -> CompiledModel:
        """The model's arithmetic form."""
        ...

    def risk_codes(self, proba: np.ndarray) -> np.ndarray:
        """Risk tiers as codes: 0 low, 1 medium, 2 high."""
        ...


@dataclass(frozen=True, eq=False)
class ScoringModel:
    """The scoring half of a fitted :class:`~churnlab.model.churn_model.ChurnModel`.

    ``arithmetic`` is the model as :meth:`CompiledModel.from_dict
    <churnlab.model.compiled.CompiledModel.from_dict>` rebuilt it; the other attribute names are the
    fitted model's, so either can be scored and recorded.
    """

    arithmetic: CompiledModel = field(repr=False)
    spec_: DatasetSpec
    learner_: str
    calibration_: tuple[float, float]
    threshold_: float
    base_rate_: float
    data_hash_: str
    oof_metrics_: dict[str, float]
    params_: dict[str, Any] = field(default_factory=dict)
    #: The table the model was trained on, and when (UTC, ISO 8601), as its file records them.
    trained_on_: str | None = None
    created_: str | None = None

    def compiled(self) -> CompiledModel:
        """The model's arithmetic form, as :meth:`ChurnModel.compiled` returns it."""
        return self.arithmetic

    def risk_tier(self, proba: np.ndarray) -> np.ndarray:
        """``high``, ``medium`` or ``low``, as :meth:`ChurnModel.risk_tier`."""
        return np.asarray(TIERS[self.risk_codes(proba)])

    def risk_codes(self, proba: np.ndarray) -> np.ndarray:
        """:meth:`risk_tier` as codes: 0 low, 1 medium, 2 high."""
        return risk_codes(proba, base_rate=self.base_rate_, threshold=self.threshold_)
