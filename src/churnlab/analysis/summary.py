"""The one object every output of `churnlab analyze` is made from.

:class:`Summary` holds what the analysis found — the data at a glance, the model's quality, the
drivers, the segments, the plan and the conclusions — as plain values. ``report.html``,
``summary.json`` and the API all render this object, so they never disagree.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from churnlab.data.jsonable import strict

__all__ = ["DataSummary", "FeatureProfile", "ModelQuality", "Summary"]


@dataclass(frozen=True)
class FeatureProfile:
    """One feature at a glance: churn along its values, and the means of stayers and leavers."""

    feature: str
    label: str
    kind: str
    role: str
    stayers_mean: float | None
    leavers_mean: float | None
    churn_by_value: list[dict[str, Any]]  # {"value", "members", "churn_rate"}
    values: list[str] | None = None  # a binary's words for 0 and 1, if not no and yes


@dataclass(frozen=True)
class DataSummary:
    """The table at a glance."""

    source: str
    rows: int
    rejected: int
    members: int
    leavers: int
    churn_rate: float
    id_col: str | None
    set_aside: list[dict[str, str]]
    features: list[FeatureProfile]
    correlations: dict[str, Any]  # {"columns": [...], "values": [[...]]}
    correlated_pairs: list[dict[str, Any]]  # {"a", "b", "r"}


@dataclass(frozen=True)
class QualityWarning:
    """Something to check before trusting the model, as a code the report words.

    Attributes
    ----------
    code : {"too_good", "leakage"}
        ``too_good``: out-of-fold ROC-AUC so high that a column probably gives the outcome away;
        ``leakage``: columns set aside for predicting the outcome almost perfectly on their own.
    columns : tuple of str
        The columns concerned (``leakage``), whole.

    Examples
    --------
    >>> QualityWarning("leakage", ("Cancel_date",)).columns
    ('Cancel_date',)
    """

    code: Literal["too_good", "leakage"]
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelQuality:
    """How far the probabilities can be trusted, out of fold."""

    learner: str
    params: dict[str, Any]
    candidates: dict[str, float]
    folds: int
    threshold: float
    metrics: dict[str, float]
    spread: dict[str, float]
    curves: dict[str, Any]
    warnings: list[QualityWarning] = field(default_factory=list)

    def warned(self, code: str) -> QualityWarning | None:
        """The warning of ``code``, if there is one."""
        return next((w for w in self.warnings if w.code == code), None)


@dataclass(frozen=True)
class Summary:
    """Everything `churnlab analyze` found, ready to render.

    Attributes
    ----------
    meta : dict
        Source, language, churnlab version, creation time, model file, training-data hash.
    data : DataSummary
    quality : ModelQuality
    drivers : list of dict
        ``feature``, ``label``, ``role``, ``importance`` (mean change to a member's probability,
        in points), ``direction`` (up, down, mixed), ``shape``; most important first.
    segments : list of dict
        ``id``, ``name``, ``size``, ``share``, ``churn_rate``, ``description``, ``distinguishing``.
    segmentation : dict
        How the segments were found: ``method``, ``k_scores``, ``chosen_k``, ``stability``,
        ``dendrogram``.
    plan : dict
        ``target_groups`` (``name``, ``members``, ``action``, ``expected_cost``,
        ``expected_saving`` …), ``economics`` and the campaign totals.
    value : dict
        The members' value (:func:`churnlab.scoring.value.value_of`): ``member_value``,
        ``value_at_risk``, mean ``stay_3m``, ``stay_12m``, ``expected_months_12``, and the
        ``discount`` used.
    conclusions : list of str
        The few findings a manager must know, written from the numbers above.
    """

    meta: dict[str, Any]
    data: DataSummary
    quality: ModelQuality
    drivers: list[dict[str, Any]]
    segments: list[dict[str, Any]]
    segmentation: dict[str, Any]
    plan: dict[str, Any]
    value: dict[str, Any]
    conclusions: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``summary.json``): plain values, NaN written as null."""
        out = asdict(self)
        out["metrics"] = {**self.quality.metrics, "spread": self.quality.spread}
        cleaned: dict[str, Any] = strict(out)
        return cleaned

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
