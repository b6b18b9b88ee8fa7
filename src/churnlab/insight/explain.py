"""Why the model says what it says: each feature's contribution, the drivers, each member's reasons.

A member's churn log-odds split exactly into a base (the average member) plus one contribution per
feature, derived metrics included:

- ``logistic``: each feature's spline terms times their coefficients, measured from the average
  training member (exact: the model is additive in its features);
- ``boosting``: LightGBM's TreeSHAP values (``pred_contrib``), exact Shapley values of the trees.

Both are scaled by the Platt calibration, so contributions add up to the calibrated log-odds.
From them come the **drivers** (each feature's overall importance, direction and shape) and each
member's **reasons** (the features that push their probability up most, as plain sentences).
Columns that describe one thing (visits last month, the average, their trend) are explained
together, as one group (:data:`churnlab.model.groups.FEATURE_GROUPS`): contributions add, so a
group's contribution is exactly the sum of its members'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from churnlab.data.feature import Role
from churnlab.data.spec import DatasetSpec
from churnlab.data.validate import coerce_members
from churnlab.insight.binning import group_label, value_groups
from churnlab.insight.reason_text import reason_sentence, staying_sentence
from churnlab.model.contributions import (
    Contributions,
    group_sums,
    probability_points,
    sigmoid,
)
from churnlab.model.derived import DERIVED_METRICS
from churnlab.model.groups import FEATURE_GROUPS, group_features

if TYPE_CHECKING:
    from churnlab.model.churn_model import ChurnModel

__all__ = [
    "Contributions",
    "Driver",
    "contributions",
    "drivers",
    "member_reasons",
    "reasons",
]

_DERIVED = {m.name: m for m in DERIVED_METRICS}


def contributions(model: ChurnModel, X: pd.DataFrame) -> Contributions:
    """Split each member's calibrated churn log-odds by feature.

    Parameters
    ----------
    model : ChurnModel
        A fitted model.
    X : pandas.DataFrame
        The members (the model's feature columns, any order).

    Examples
    --------
    >>> from churnlab.data.datasets import load_gym_churn
    >>> members = load_gym_churn().sample(500, random_state=0)
    >>> from churnlab.model.churn_model import ChurnModel
    >>> model = ChurnModel(learner="logistic", folds=3).fit(members.drop(columns="Churn"),
    ...                                                     members["Churn"])
    >>> c = contributions(model, members)
    >>> bool(np.allclose(c.probability, model.predict_proba(members)[:, 1], atol=1e-5))
    True
    """
    log_odds = model.compiled().log_odds(coerce_members(X, model.spec_))
    slope, intercept = model.calibration_
    return Contributions(
        values=pd.DataFrame(slope * log_odds.parts, index=X.index, columns=log_odds.columns),
        base=float(slope * log_odds.base + intercept),
        features=log_odds.features.set_axis(X.index),
    )


@dataclass(frozen=True)
class Driver:
    """One feature's part in churn across all members.

    Attributes
    ----------
    feature : str
        The column (or derived metric) name.
    label : str
        Its human name in the chosen language.
    role : {"lever", "trait", "unknown"}
        Whether the club can move it.
    importance : float
        The mean absolute change it makes to a member's churn probability, in percentage points.
    direction : {"up", "down", "mixed"}
        ``up``: higher values mean more churn; ``down``: less; ``mixed``: neither throughout.
    shape : list of dict
        How churn changes along the feature: ``{"value", "churn_probability", "members"}`` per bin
        (the average member's probability with this feature's effect at that value).
    """

    feature: str
    label: str
    role: Role
    importance: float
    direction: str
    shape: list[dict[str, float | str]]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def drivers(contrib: Contributions, model: ChurnModel, *, lang: str = "en") -> list[Driver]:
    """Every feature's importance, direction and shape, most important first.

    A feature group counts as one driver, named after its head column; its direction and shape
    are read along the head column.

    Examples
    --------
    >>> from churnlab.data.datasets import load_gym_churn
    >>> members = load_gym_churn().sample(500, random_state=0)
    >>> from churnlab.model.churn_model import ChurnModel
    >>> model = ChurnModel(learner="logistic", folds=3).fit(members.drop(columns="Churn"),
    ...                                                     members["Churn"])
    >>> top = drivers(contributions(model, members), model)[0]
    >>> top.importance > 0, top.direction in {"up", "down", "mixed"}
    (True, True)
    """
    grouped = contrib.grouped()
    groups = group_features(list(contrib.values.columns))
    points = contrib.points(grouped).abs().mean()
    found = []
    for feature in grouped.columns:
        values = contrib.features[feature]
        effect = grouped[feature]
        label, role = _describe(feature, model, lang, grouped=len(groups[feature]) > 1)
        found.append(
            Driver(
                feature=feature,
                label=label,
                role=role,
                importance=float(points[feature]),
                direction=_direction(values, effect),
                shape=_shape(values, effect, contrib.base),
            )
        )
    return sorted(found, key=lambda d: -d.importance)


def _describe(feature: str, model: ChurnModel, lang: str, *, grouped: bool) -> tuple[str, Role]:
    if grouped:
        group = FEATURE_GROUPS[feature]
        return group.title(lang), group.role
    if feature in _DERIVED:
        return _DERIVED[feature].title(lang), _DERIVED[feature].role
    spec = model.spec_.feature(feature)
    return spec.title(lang), spec.role


#: Bins holding less than this share of the members do not decide a driver's direction.
_DIRECTION_SHARE = 0.02
#: A step against the trend smaller than this share of the effect's range is noise.
_DIRECTION_SLACK = 0.1


def _direction(values: pd.Series, effect: pd.Series, bins: int = 10) -> str:
    """``up`` or ``down`` only when the effect is monotone along the value, across the bins
    that hold most members (each at least 2 %); otherwise ``mixed`` (churn highest somewhere
    between, or at both ends)."""
    numbers = pd.to_numeric(values, errors="coerce")
    known = numbers.notna()
    if known.sum() < 3 or numbers[known].nunique() < 2 or effect[known].nunique() < 2:
        return "mixed"
    table = effect[known].groupby(value_groups(numbers[known], bins=bins), observed=True)
    table = table.agg(["mean", "size"]).sort_index()
    means = table["mean"][table["size"] >= _DIRECTION_SHARE * known.sum()].to_numpy()
    if len(means) < 2:
        return "mixed"
    slack = _DIRECTION_SLACK * (means.max() - means.min())
    steps = np.diff(means)
    if means[-1] - means[0] > slack and (steps >= -slack).all():
        return "up"
    if means[0] - means[-1] > slack and (steps <= slack).all():
        return "down"
    return "mixed"


def _shape(
    values: pd.Series, effect: pd.Series, base: float, bins: int = 10
) -> list[dict[str, Any]]:
    table = effect.groupby(value_groups(values, bins=bins), observed=True).agg(["mean", "size"])
    return [
        {
            "value": group_label(value),
            "churn_probability": float(sigmoid(base + row["mean"])),
            "members": int(row["size"]),
        }
        for value, row in table.iterrows()
    ]


def reasons(
    contrib: Contributions, model: ChurnModel, *, lang: str = "en", top: int = 3
) -> pd.DataFrame:
    """Each member's top reasons to leave, as plain sentences on the probability scale.

    Parameters
    ----------
    contrib : Contributions
    model : ChurnModel
    lang : {"en", "ru"}
    top : int
        How many reasons per member, at most (only features that raise the risk count).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``contrib.values``: columns ``reason_1`` … ``reason_{top}`` (a sentence, or
        empty), ``reason_features`` (the features or group heads, ``;``-joined) and ``reasons``
        (the sentences joined by ``"; "``). A reason must add at least half a point.

    Examples
    --------
    >>> from churnlab.data.datasets import load_gym_churn
    >>> members = load_gym_churn().head(400)
    >>> from churnlab.model.churn_model import ChurnModel
    >>> model = ChurnModel(learner="logistic", folds=3).fit(members.drop(columns="Churn"),
    ...                                                     members["Churn"])
    >>> table = reasons(contributions(model, members), model)
    >>> table.loc[2, "reason_1"]  # doctest: +SKIP
    'contract ends in 1 month (+21 pts)'
    """
    told = member_reasons(
        contrib.values.to_numpy(dtype=float),
        contrib.base,
        list(contrib.values.columns),
        contrib.features,
        model.spec_,
        lang=lang,
        top=top,
    )
    rows: list[dict[str, str]] = []
    for sentences, heads in told:
        row = {f"reason_{k + 1}": (sentences[k] if k < len(sentences) else "") for k in range(top)}
        row["reason_features"] = ";".join(heads)
        row["reasons"] = "; ".join(sentences)
        rows.append(row)
    return pd.DataFrame(rows, index=contrib.values.index)


def member_reasons(
    values: np.ndarray,
    base: float,
    columns: list[str],
    features: Mapping[str, Any],
    spec: DatasetSpec,
    *,
    lang: str = "en",
    top: int = 3,
) -> list[tuple[list[str], list[str]]]:
    """:func:`reasons` on arrays: each member's sentences and the group heads they name.

    Parameters
    ----------
    values : ndarray of shape (n_members, n_columns)
        Calibrated contributions (:attr:`Contributions.values` as an array).
    base : float
        The average member's calibrated log-odds.
    columns : list of str
        The columns of ``values``.
    features : mapping of str to array
        The members' feature values, derived metrics included.
    """
    heads, grouped = group_sums(values, columns)
    points = probability_points(grouped, base + values.sum(axis=1), base)
    order = np.argsort(-grouped, axis=1, kind="stable")[:, :top]
    arrays = {name: np.asarray(features[name]) for name in features}
    told = []
    for i in range(len(values)):
        chosen = [j for j in order[i] if grouped[i, j] > 0 and points[i, j] >= 0.5]
        record = {name: column[i] for name, column in arrays.items()}
        if chosen:
            sentences = [
                reason_sentence(heads[j], record, points[i, j], spec, lang) for j in chosen
            ]
        else:  # nothing pushes the member to leave: what keeps them, strongest first
            keeping = [j for j in np.argsort(grouped[i], kind="stable")[:top] if grouped[i, j] < 0]
            sentences = [staying_sentence(heads[j], record, spec, lang) for j in keeping]
        told.append((sentences, [heads[j] for j in chosen]))
    return told
