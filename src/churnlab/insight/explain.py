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

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from churnlab.data.feature import Role
from churnlab.data.spec import DatasetSpec
from churnlab.data.validate import coerce_members
from churnlab.insight.binning import group_label, value_groups
from churnlab.insight.reason_text import sentence_codes
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
    "ToldReasons",
    "contributions",
    "drivers",
    "member_reasons",
    "reasons",
    "told_reasons",
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
    told = told_reasons(
        contrib.values.to_numpy(dtype=float),
        contrib.base,
        list(contrib.values.columns),
        contrib.features,
        model.spec_,
        lang=lang,
        top=top,
    )
    sentences = [_texts_at(told.texts, told.sentences[:, k]) for k in range(top)]
    heads = [_texts_at(told.names, told.heads[:, k]) for k in range(top)]
    empty = pa.scalar("", type=pa.large_string())
    table = {f"reason_{k + 1}": pc.fill_null(text, empty) for k, text in enumerate(sentences)}
    table["reason_features"] = _joined(heads, ";", len(told.heads))
    table["reasons"] = _joined(sentences, "; ", len(told.sentences))
    kind = pd.DataFrame([{"text": ""}])["text"].dtype  # what pandas makes of a table of text
    return pd.DataFrame(
        {name: _text_column(text, kind) for name, text in table.items()},
        index=contrib.values.index,
    )


class ToldReasons(NamedTuple):
    """Each member's reasons as codes into the distinct sentences (what :func:`told_reasons`
    returns).

    Attributes
    ----------
    sentences : ndarray of int, shape (n_members, top)
        Each member's sentences, first to last, as positions in ``texts``; then -1.
    texts : ndarray of str (object)
        The sentences.
    heads : ndarray of int, shape (n_members, top)
        The features (or group heads) of the reasons to leave, as positions in ``names``; then
        -1 (all -1 for a member told what keeps them).
    names : ndarray of str (object)
        The group heads.
    """

    sentences: np.ndarray
    texts: np.ndarray
    heads: np.ndarray
    names: np.ndarray


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

    See Also
    --------
    told_reasons : the same as arrays, without lists per member.
    """
    told = told_reasons(values, base, columns, features, spec, lang=lang, top=top)
    texts = np.append(told.texts, "")  # -1, no sentence, reads as the last
    names = np.append(told.names, "")
    return [
        (sentences[:k], heads[:h])
        for sentences, k, heads, h in zip(
            texts[told.sentences].tolist(),
            (told.sentences >= 0).sum(axis=1).tolist(),
            names[told.heads].tolist(),
            (told.heads >= 0).sum(axis=1).tolist(),
            strict=True,
        )
    ]


def told_reasons(
    values: np.ndarray,
    base: float,
    columns: list[str],
    features: Mapping[str, Any],
    spec: DatasetSpec,
    *,
    lang: str = "en",
    top: int = 3,
) -> ToldReasons:
    """:func:`member_reasons` as arrays, for all members at once.

    A member's reasons are their ``top`` largest group contributions that raise the risk by
    half a point at least; a member without any is told, instead, the (up to ``top``)
    contributions that lower it most. Each sentence is written once per distinct combination
    of what it reads (:func:`~churnlab.insight.reason_text.sentence_codes`).

    Examples
    --------
    >>> from churnlab.data.spec import gym_spec
    >>> told = told_reasons(np.array([[1.0, -0.5], [-0.2, -0.4]]), -1.0, ["Lifetime", "Age"],
    ...                     {"Lifetime": np.array([1.0, 12.0]), "Age": np.array([22.0, 40.0])},
    ...                     gym_spec(), top=2)
    >>> [[told.texts[c] if c >= 0 else "" for c in row] for row in told.sentences]
    [['a member for only 1 month (+22 pts)', ''], \
['40 years old (keeps the risk low)', 'a member for only 12 months (keeps the risk low)']]
    >>> told.heads.tolist(), told.names.tolist()
    ([[0, -1], [-1, -1]], ['Lifetime', 'Age'])
    """
    heads, grouped = group_sums(values, columns)
    points = probability_points(grouped, base + values.sum(axis=1), base)
    order = np.argsort(-grouped, axis=1, kind="stable")[:, :top]
    rising = (np.take_along_axis(grouped, order, axis=1) > 0) & (
        np.take_along_axis(points, order, axis=1) >= 0.5
    )
    chosen = _kept_in_order(order, rising, top)
    calm = np.flatnonzero(chosen[:, 0] < 0) if top else np.zeros(0, dtype=np.int64)
    keep_order = np.argsort(grouped[calm], axis=1, kind="stable")[:, :top]
    keeping = np.full_like(chosen, -1)  # nothing pushes them to leave: what keeps them
    keeping[calm] = _kept_in_order(
        keep_order, np.take_along_axis(grouped[calm], keep_order, axis=1) < 0, top
    )
    arrays = {name: np.asarray(features[name]) for name in features}
    sentences = np.full(chosen.shape, -1, dtype=np.int64)
    texts: list[np.ndarray] = []
    written = 0
    for which, leaving in ((chosen, True), (keeping, False)):
        for j, (members, slots) in _by_head(which, len(heads)):
            found, codes = sentence_codes(
                heads[j], arrays, members, points[members, j] if leaving else None, spec, lang
            )
            sentences[members, slots] = written + codes
            texts.append(found)
            written += len(found)
    every = np.concatenate(texts) if texts else np.zeros(0, dtype=object)
    return ToldReasons(sentences, every, chosen, np.array(heads, dtype=object))


def _kept_in_order(order: np.ndarray, keep: np.ndarray, top: int) -> np.ndarray:
    """Each row's entries of ``order`` where ``keep`` holds, moved to the front in order and
    padded with -1 to ``top`` columns.

    >>> _kept_in_order(np.array([[4, 2, 7]]), np.array([[False, True, True]]), 4)
    array([[ 2,  7, -1, -1]])
    """
    kept = np.full((len(order), top), -1, dtype=np.int64)
    rows, cols = np.nonzero(keep)
    kept[rows, np.cumsum(keep, axis=1)[rows, cols] - 1] = order[rows, cols]
    return kept


def _by_head(
    heads: np.ndarray, n_heads: int
) -> Iterator[tuple[int, tuple[np.ndarray, np.ndarray]]]:
    """For each head named in ``heads`` (members by slots, -1 for none): the members and the
    slots that name it, members in order.

    >>> [(j, m.tolist(), s.tolist()) for j, (m, s) in _by_head(np.array([[1, 0], [0, -1]]), 2)]
    [(0, [0, 1], [1, 0]), (1, [0], [0])]
    """
    flat = heads.ravel().astype(np.int16 if n_heads < 2**15 else np.int64)
    order = np.argsort(flat, kind="stable")  # a radix sort, for small integers
    bounds = np.searchsorted(flat[order], np.arange(n_heads + 1))
    width = heads.shape[1]
    for j in range(n_heads):
        at = order[bounds[j] : bounds[j + 1]]
        if len(at):
            yield j, (at // width, at % width)


def _texts_at(texts: np.ndarray, codes: np.ndarray) -> pa.Array:
    """The texts at ``codes``, missing where a code is -1 (copied in Arrow, not per member)."""
    return pc.take(pa.array(texts, type=pa.large_string()), pa.array(codes, mask=codes < 0))


def _joined(parts: list[pa.Array], separator: str, n: int) -> pa.Array:
    """Each row's parts joined by ``separator``, as :meth:`str.join` would; a row's parts are
    missing only after its last (so the longest whole prefix of the parts is the join).

    >>> a = pa.array(["a", "c", None], type=pa.large_string())
    >>> b = pa.array(["b", None, None], type=pa.large_string())
    >>> _joined([a, b], "; ", 3).to_pylist()
    ['a; b', 'c', '']
    """
    separator_ = pa.scalar(separator, type=pa.large_string())
    prefixes = [
        pc.binary_join_element_wise(*parts[:k], separator_, null_handling="emit_null")
        for k in range(len(parts), 1, -1)
    ]
    empty = pa.scalar("", type=pa.large_string())
    if not parts:
        return pa.array([""] * n, type=pa.large_string())
    return pc.coalesce(*prefixes, parts[0], empty)


def _text_column(text: pa.Array, kind: Any) -> Any:
    """Arrow text as a column of ``kind``, the dtype pandas gives a table of strings."""
    if isinstance(kind, pd.StringDtype) and kind.storage == "pyarrow":
        return pd.array(text, dtype=kind)
    return pd.array(text.to_numpy(zero_copy_only=False), dtype=kind)
