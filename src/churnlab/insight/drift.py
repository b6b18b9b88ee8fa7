"""Has this month's membership drifted away from what the model was trained on?

:func:`feature_reference` summarises the training table's features in a small JSON-ready dict
(saved beside the model as ``reference.json``); :func:`feature_drift` compares a month's
snapshot with it, feature by feature, and says which features moved beyond chance and how much
each shift moves the mean predicted churn.

How each feature is compared
----------------------------
Both functions read the features through the model's own coercion
(:func:`churnlab.data.validate.coerce_members`, not strict): numbers as floats, a binary as its
codes 0 and 1 (also when the table holds it as text, ``"No"`` / ``"Yes"``), a category as its
stripped text. So the same member gives the same value in training and in a month, and a
category spelt differently (``"1"`` and ``"1.0"``) is the unseen category the model sees too.
Missing values (and infinite numbers) are left out of the distributions; their share is
compared on its own (below).

- **number** (a ``numeric`` feature): the Wasserstein-1 distance between the month's values and
  the reference distribution, ``∫ |Q_month(u) − Q_ref(u)| du`` over the levels ``u`` in (0, 1),
  by the midpoint rule on the reference's ``K`` quantile intervals (the reference's quantile at
  a midpoint is the mean of the two stored quantiles around it; the month's is its
  inverted-CDF quantile), divided by the reference standard deviation: **scaled
  Wasserstein**. The two outer intervals are read at their inner edge (levels ``1/K`` and
  ``1 − 1/K``): their outer edges are the training table's single smallest and largest
  values, and half of one of those would stand for the whole of the interval's tail. It is
  at least the shift of the mean in standard deviations. A feature constant in training
  (standard deviation 0) is scaled by :data:`STD_FLOOR_SHARE` of its size instead
  (``max(|mean|, 1)``), so any visible change of a value the model has only seen constant is
  drift, and no change scores 0.
- **category** (a ``binary`` or ``categorical`` feature): the Jensen–Shannon distance (base 2,
  the square root of the divergence; 0 for the same shares, 1 for disjoint ones) between the
  reference's and the month's shares, categories unseen in training counting with a reference
  share of 0.

A feature is **drifted** when its statistic exceeds its threshold: the larger of a practical
floor (:data:`WASSERSTEIN_FLOOR`, :data:`JENSEN_SHANNON_FLOOR`) and the 99.9th percentile of the
statistic for a month of the same size drawn from the reference itself (:data:`NULL_DRAWS`
seeded draws, inverse-CDF sampling from the stored shares or quantiles: linear between them,
or for a ``discrete`` number, one taking few values, the stored quantile nearest, so a draw
takes only the values the training table holds, as a real month does). The percentile keeps a
small club's month (a few hundred members, whose shares wander by chance) from raising false
alarms; the floor keeps a big club's month from flagging changes too small to matter.

It is also drifted when its **missing share** moved by more than the larger of
:data:`MISSING_FLOOR` (five points) and the 99.9th percentile of that change by chance (binomial
draws at the reference's missing share): a column that stops being filled in is drift whatever
its remaining values look like.

How much a shift moves churn
----------------------------
``churn_shift`` is the mean predicted churn of the month minus that of the same month with only
this feature mapped back to the reference distribution, everything else about each member kept:

- a number by quantile mapping: the member at rank ``r`` of ``n`` (ties broken at random,
  seeded) gets the reference quantile at level ``(r + ½) / n``, so the members keep their order
  and the column takes the reference's distribution;
- a category by moving the fewest members: in each category holding more members than its
  reference share, that excess (chosen at random, seeded) is redrawn into the categories short
  of theirs, so the column takes the reference's shares (to a member) while every other member
  keeps their own value and its link to their other features.

Missing values stay missing. ``mean_probability_reference_mix`` is the mean predicted churn
with every compared feature mapped back at once: the month's members as the model would see
them had nothing drifted.

Examples
--------
>>> from churnlab.data.datasets import load_gym_churn
>>> from churnlab.data.spec import gym_spec
>>> club = load_gym_churn()
>>> reference = feature_reference(club, gym_spec())
>>> reference["features"]["Age"]["kind"], len(reference["features"]["Age"]["quantiles"])
('number', 201)
>>> older = club.assign(Age=club["Age"] + 8)
>>> drift = feature_drift(reference, older, gym_spec())
>>> drift["drifted"]
['Age']
>>> age = drift["features"][0]
>>> age["statistic"], round(age["value"], 1), round(age["mean"] - age["reference_mean"], 1)
('wasserstein_scaled', 2.5, 8.0)
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from churnlab.data.feature import FeatureSpec
from churnlab.data.spec import DatasetSpec
from churnlab.data.validate import coerce_members

__all__ = [
    "JENSEN_SHANNON_FLOOR",
    "MISSING_FLOOR",
    "NULL_DRAWS",
    "NULL_PERCENTILE",
    "STD_FLOOR_SHARE",
    "WASSERSTEIN_FLOOR",
    "Probability",
    "feature_drift",
    "feature_reference",
]

#: A function of the members' features (a DataFrame of the spec's features as
#: :func:`~churnlab.data.validate.coerce_members` returns them) giving each one's churn
#: probability, e.g. ``CompiledModel.probability``.
Probability = Callable[[pd.DataFrame], Any]

#: The smallest scaled Wasserstein distance flagged: the members moved by a tenth of a standard
#: deviation on average. It bounds the shift of the mean in standard deviations from above, and
#: 0.1 is the usual bound of a negligible standardised mean difference between two groups.
WASSERSTEIN_FLOOR = 0.1
#: The smallest Jensen–Shannon distance flagged: a 50 / 50 split moving to 62 / 38 (0.103); a
#: share of 20 % doubling is 0.187, of 10 % doubling 0.120, of 5 % doubling 0.081 (a move of five
#: members in a hundred, too small to change a club's plan).
JENSEN_SHANNON_FLOOR = 0.1
#: The smallest change of a feature's missing share flagged (five percentage points).
MISSING_FLOOR = 0.05
#: How many months of the same size are drawn from the reference to find the threshold.
NULL_DRAWS = 500
#: The percentile of the statistic under no change that a month must exceed to be drifted.
NULL_PERCENTILE = 99.9
#: A feature constant in training is scaled by this share of ``max(|mean|, 1)`` instead of its
#: standard deviation of 0.
STD_FLOOR_SHARE = 1e-6
#: Significant digits kept of each quantile and share in the reference (it stays small).
DIGITS = 8


def feature_reference(
    frame: pd.DataFrame, spec: DatasetSpec, *, quantiles: int = 200
) -> dict[str, Any]:
    """A JSON-ready summary of the training table's features, to compare months with.

    Parameters
    ----------
    frame : pandas.DataFrame
        The training members; the spec's features are read as the model reads them
        (:func:`~churnlab.data.validate.coerce_members`), other columns are ignored.
    spec : DatasetSpec
    quantiles : int
        ``K``: a number feature keeps its quantiles at the ``K + 1`` levels ``0, 1/K, ..., 1``.

    Returns
    -------
    dict
        ``{"members": n, "quantiles": K, "features": {name: summary}}``; a ``numeric``
        feature's summary is ``{"kind": "number", "quantiles": [K + 1 values], "mean", "std",
        "discrete", "missing"}`` (the quantiles are the training values at those levels,
        inverted-CDF; ``discrete``: it takes at most ``K / 4`` distinct values, so a draw from
        it takes only those values); a ``binary`` or ``categorical`` one's is ``{"kind":
        "category", "frequencies": {value: share}, "missing"}``, shares of the members with a
        value, largest first. A binary's values are its codes ``"0"`` and ``"1"`` (also when
        the table spells them ``"No"`` / ``"Yes"``), a category's its stripped text.
        ``missing`` is the share of members without a value. A feature with no value at all has
        ``quantiles`` (or ``frequencies``) empty and ``mean`` and ``std`` None.

    Examples
    --------
    >>> from churnlab.data.feature import FeatureSpec
    >>> spec = DatasetSpec("left", 1, (FeatureSpec("plan", "categorical"),
    ...                                FeatureSpec("visits", "numeric")))
    >>> frame = pd.DataFrame({"plan": ["gold", "basic ", "gold", None],
    ...                       "visits": [1.0, 2.0, 3.0, 4.0]})
    >>> reference = feature_reference(frame, spec, quantiles=4)
    >>> reference["features"]["plan"]
    {'kind': 'category', 'frequencies': {'gold': 0.66666667, 'basic': 0.33333333}, 'missing': 0.25}
    >>> reference["features"]["visits"]["quantiles"]
    [1.0, 1.0, 2.0, 3.0, 4.0]
    """
    if quantiles < 1:
        raise ValueError(f"quantiles must be at least 1, not {quantiles}")
    values = coerce_members(frame, spec, strict=False, what="the drift reference")
    levels = np.linspace(0.0, 1.0, quantiles + 1)
    features: dict[str, Any] = {}
    for feature in spec.features:
        column = values[feature.name].to_numpy()
        if feature.kind == "numeric":
            features[feature.name] = _number_summary(column, levels)
        else:
            features[feature.name] = _category_summary(column, feature.kind == "binary")
    return {"members": len(frame), "quantiles": quantiles, "features": features}


def feature_drift(
    reference: Mapping[str, Any],
    frame: pd.DataFrame,
    spec: DatasetSpec,
    *,
    probability: Probability | None = None,
    lang: str = "en",
    seed: int = 0,
) -> dict[str, Any]:
    """How far each feature of this month's members is from the training reference.

    Parameters
    ----------
    reference : dict
        What :func:`feature_reference` returned for the training table (or its JSON read back).
    frame : pandas.DataFrame
        This month's members.
    spec : DatasetSpec
    probability : callable, optional
        Each member's churn probability from a DataFrame of the spec's features, coerced
        (:data:`Probability`). Called once on the month, once per compared feature with that
        feature mapped back, and once with all of them mapped back. Without it (or when the
        frame lacks some of the spec's features, so the model cannot score it) ``churn_shift``
        and the mean probabilities are None.
    lang : str
        The language of the features' labels.
    seed : int
        Seed of the draws under no change, of the ties broken in quantile mapping and of the
        members redrawn among categories: the same call gives the same result.

    Returns
    -------
    dict
        ``reference_members`` and ``members`` (the month's rows); ``features``: one dict per
        compared feature, ``feature``, ``label``, ``kind`` (``number`` or ``category``),
        ``statistic`` (``wasserstein_scaled`` or ``jensen_shannon``), ``value``,
        ``threshold``, ``drifted``, ``churn_shift``, ``missing`` (``reference_share``,
        ``share``, ``threshold``, ``drifted``), and for a number ``reference_mean`` and
        ``mean``, for a category ``top_change`` (the value whose share changed most:
        ``value``, ``reference_share``, ``share``); ranked by ``|churn_shift|``, largest first,
        then by ``value / threshold``. ``value``, ``threshold`` and the month's figures are None
        when the month has no value of the feature (an empty month, an empty column).
        ``drifted``: the names of the drifted features in that order; ``skipped``: the spec's
        features the reference or the frame lacks (or whose kind changed since), not compared;
        ``mean_probability`` and ``mean_probability_reference_mix``.

    Examples
    --------
    >>> from churnlab.data.feature import FeatureSpec
    >>> spec = DatasetSpec("left", 1, (FeatureSpec("plan", "categorical"),))
    >>> training = pd.DataFrame({"plan": ["basic"] * 600 + ["gold"] * 400})
    >>> month = pd.DataFrame({"plan": ["basic"] * 200 + ["gold"] * 750 + ["VIP"] * 50})
    >>> drift = feature_drift(feature_reference(training, spec), month, spec)
    >>> plan = drift["features"][0]
    >>> round(plan["value"], 3), plan["drifted"], plan["top_change"]
    (0.374, True, {'value': 'basic', 'reference_share': 0.6, 'share': 0.2})
    """
    known: Mapping[str, Any] = reference.get("features", {})
    compared: list[FeatureSpec] = []
    skipped: list[str] = []
    for feature in spec.features:
        summary = known.get(feature.name)
        kind = "number" if feature.kind == "numeric" else "category"
        if feature.name not in frame.columns or summary is None or summary.get("kind") != kind:
            skipped.append(feature.name)
        else:
            compared.append(feature)
    present = tuple(f for f in spec.features if f.name in frame.columns)
    values = coerce_members(
        frame, DatasetSpec(spec.target_col, spec.positive_label, present), strict=False
    )
    scoring = probability is not None and len(present) == len(spec.features) and len(frame) > 0
    base = _mean(probability(values)) if scoring and probability is not None else None
    reports: list[dict[str, Any]] = []
    mapped_columns: dict[str, np.ndarray] = {}
    null = _NullDraws(seed)
    for feature in compared:
        summary = known[feature.name]
        column = values[feature.name].to_numpy()
        rng = np.random.default_rng([seed, zlib.crc32(feature.name.encode())])
        if summary["kind"] == "number":
            report, mapped = _number_drift(summary, column, null, rng)
        else:
            report, mapped = _category_drift(summary, column, feature, null, rng)
        report["missing"] = _missing_drift(summary, column, feature, null)
        report["drifted"] = bool(report["drifted"] or report["missing"]["drifted"])
        shift = None
        if base is not None and probability is not None and mapped is not None:
            mapped_columns[feature.name] = mapped
            back = _mean(probability(values.assign(**{feature.name: mapped})))
            shift = None if back is None else base - back
        reports.append(
            {
                "feature": feature.name,
                "label": feature.title(lang),
                **report,
                "churn_shift": _plain(shift),
            }
        )
    mix = None
    if base is not None and probability is not None:
        mix = _mean(probability(values.assign(**mapped_columns))) if mapped_columns else base
    reports.sort(key=_rank)
    return {
        "reference_members": int(reference.get("members", 0)),
        "members": len(frame),
        "features": reports,
        "drifted": [r["feature"] for r in reports if r["drifted"]],
        "skipped": skipped,
        "mean_probability": _plain(base),
        "mean_probability_reference_mix": _plain(mix),
    }


# --- the reference ------------------------------------------------------------------------------


def _number_summary(column: np.ndarray, levels: np.ndarray) -> dict[str, Any]:
    numbers = np.asarray(column, dtype=float)
    finite = numbers[np.isfinite(numbers)]
    missing = 1.0 - len(finite) / len(numbers) if len(numbers) else 0.0
    if not len(finite):
        return {
            "kind": "number",
            "quantiles": [],
            "mean": None,
            "std": None,
            "discrete": False,
            "missing": _round(missing),
        }
    ordered = np.sort(finite)
    picked = ordered[_step_ranks(levels, len(ordered))]
    distinct = int(np.count_nonzero(np.diff(ordered)) + 1)
    return {
        "kind": "number",
        "quantiles": [_round(v) for v in picked],
        "mean": _round(float(finite.mean())),
        "std": _round(float(finite.std())),
        "discrete": distinct <= (len(levels) - 1) / 4,
        "missing": _round(missing),
    }


def _category_summary(column: np.ndarray, binary: bool) -> dict[str, Any]:
    keys, missing = _category_keys(column, binary)
    counts = pd.Series(keys, dtype=object).value_counts(sort=True)
    shares = counts / counts.sum() if len(counts) else counts.astype(float)
    return {
        "kind": "category",
        "frequencies": {str(k): _round(float(v)) for k, v in shares.items()},
        "missing": _round(float(missing)),
    }


def _category_keys(column: np.ndarray, binary: bool) -> tuple[np.ndarray, float]:
    """The values of a coerced category column as text keys (a binary's codes as ``"0"`` and
    ``"1"``), missing ones left out, and the share missing."""
    n = len(column)
    if binary:
        numbers = np.asarray(column, dtype=float)
        codes, positions = np.unique(numbers[np.isfinite(numbers)], return_inverse=True)
        keys = np.array([_code_text(v) for v in codes] or [""], dtype=object)[positions]
    else:
        series = pd.Series(column, dtype=object)
        keys = series[series.notna()].astype(str).to_numpy(dtype=object)
    return keys, (1.0 - len(keys) / n if n else 0.0)


def _code_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# --- the statistics -----------------------------------------------------------------------------


class _NullDraws:
    """Months drawn from the reference under no change, shared by the features of one call:
    the uniform order statistics a sample of ``n`` needs, and binomial / multinomial counts."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._uniform: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def uniform_order_statistics(self, n: int, quantiles: int) -> tuple[np.ndarray, np.ndarray]:
        """For :data:`NULL_DRAWS` samples of ``n`` uniform numbers, the order statistics the
        statistic reads (:func:`_read_levels`; rows: draws), and where each level reads them.

        The ``r``-th of ``n`` sorted uniforms is ``S_r / S_(n+1)``, ``S`` the running sum of
        ``n + 1`` standard exponentials; only the needed ranks are drawn, as gamma increments.
        """
        key = (n, quantiles)
        if key not in self._uniform:
            ranks = _step_ranks(_read_levels(quantiles), n)
            needed, where = np.unique(ranks, return_inverse=True)
            gaps = np.diff(np.concatenate([[-1], needed, [n]])).astype(float)
            rng = np.random.default_rng([self.seed, n, quantiles, 1])
            sums = np.cumsum(rng.standard_gamma(gaps, size=(NULL_DRAWS, len(gaps))), axis=1)
            self._uniform[key] = (sums[:, :-1] / sums[:, -1:], where)
        return self._uniform[key]

    def rng(self, *key: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, *key])


def _number_drift(
    summary: Mapping[str, Any],
    column: np.ndarray,
    null: _NullDraws,
    rng: np.random.Generator,
) -> tuple[dict[str, Any], np.ndarray | None]:
    numbers = np.asarray(column, dtype=float)
    finite = np.isfinite(numbers)
    month = numbers[finite]
    stored = np.asarray(summary["quantiles"], dtype=float)
    report: dict[str, Any] = {
        "kind": "number",
        "statistic": "wasserstein_scaled",
        "value": None,
        "threshold": None,
        "drifted": False,
        "reference_mean": _plain(summary.get("mean")),
        "mean": _plain(float(month.mean())) if len(month) else None,
    }
    if not len(month) or len(stored) < 2:
        return report, None
    quantiles = len(stored) - 1
    discrete = bool(summary.get("discrete", False))
    reference_mid = _reference_at_read_levels(stored)
    scale = _scale(summary)
    ordered = np.sort(month)
    month_mid = ordered[_step_ranks(_read_levels(quantiles), len(month))]
    value = float(np.mean(np.abs(month_mid - reference_mid))) / scale
    uniforms, where = null.uniform_order_statistics(len(month), quantiles)
    drawn = _quantile_function(stored, uniforms, discrete)[:, where]
    under_null = np.mean(np.abs(drawn - reference_mid), axis=1) / scale
    threshold = max(WASSERSTEIN_FLOOR, float(np.percentile(under_null, NULL_PERCENTILE)))
    report.update(value=value, threshold=threshold, drifted=value > threshold)
    order = np.lexsort((rng.random(len(month)), month))
    levels = np.empty(len(month))
    levels[order] = (np.arange(len(month)) + 0.5) / len(month)
    mapped = numbers.copy()
    mapped[finite] = _quantile_function(stored, levels, discrete)
    return report, mapped


def _category_drift(
    summary: Mapping[str, Any],
    column: np.ndarray,
    feature: FeatureSpec,
    null: _NullDraws,
    rng: np.random.Generator,
) -> tuple[dict[str, Any], np.ndarray | None]:
    keys, _ = _category_keys(column, feature.kind == "binary")
    frequencies: Mapping[str, float] = summary["frequencies"]
    counted = pd.Series(keys, dtype=object).value_counts(sort=False)
    names = list(frequencies) + [k for k in counted.index if k not in frequencies]
    expected = np.array([frequencies.get(k, 0.0) for k in names], dtype=float)
    counts = np.array([counted.get(k, 0) for k in names], dtype=float)
    report: dict[str, Any] = {
        "kind": "category",
        "statistic": "jensen_shannon",
        "value": None,
        "threshold": None,
        "drifted": False,
        "top_change": None,
    }
    n = len(keys)
    if not n or expected.sum() <= 0:
        return report, None
    expected = expected / expected.sum()
    shares = counts / n
    value = float(_jensen_shannon(expected[None, :], shares[None, :])[0])
    seen = expected > 0
    drawn = null.rng(n, 2).multinomial(n, expected[seen], size=NULL_DRAWS) / n
    under_null = _jensen_shannon(expected[seen][None, :], drawn)
    threshold = max(JENSEN_SHANNON_FLOOR, float(np.percentile(under_null, NULL_PERCENTILE)))
    top = int(np.argmax(np.abs(shares - expected)))
    report.update(
        value=value,
        threshold=threshold,
        drifted=value > threshold,
        top_change={
            "value": names[top],
            "reference_share": _round(float(expected[top])),
            "share": _round(float(shares[top])),
        },
    )
    return report, _redrawn(column, keys, names, expected, counts, feature, rng)


def _missing_drift(
    summary: Mapping[str, Any], column: np.ndarray, feature: FeatureSpec, null: _NullDraws
) -> dict[str, Any]:
    """The change of the missing share, and whether it is beyond chance and the floor."""
    reference_share = float(summary.get("missing", 0.0))
    n = len(column)
    if not n:
        return {
            "reference_share": reference_share,
            "share": None,
            "threshold": None,
            "drifted": False,
        }
    if feature.kind == "categorical":
        share = float(pd.isna(pd.Series(column, dtype=object)).mean())
    else:
        share = 1.0 - float(np.isfinite(np.asarray(column, dtype=float)).mean())
    drawn = null.rng(n, 3).binomial(n, min(max(reference_share, 0.0), 1.0), size=NULL_DRAWS) / n
    chance = float(np.percentile(np.abs(drawn - reference_share), NULL_PERCENTILE))
    threshold = max(MISSING_FLOOR, chance)
    return {
        "reference_share": reference_share,
        "share": _round(share),
        "threshold": threshold,
        "drifted": abs(share - reference_share) > threshold,
    }


def _jensen_shannon(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The base-2 Jensen–Shannon distance between the rows of ``p`` and those of ``q``."""
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(p > 0, p * np.log2(p / m), 0.0)
        right = np.where(q > 0, q * np.log2(q / m), 0.0)
    divergence = np.clip((left + right).sum(axis=1) / 2, 0.0, 1.0)
    return np.asarray(np.sqrt(divergence))


# --- mapping back to the reference --------------------------------------------------------------


def _redrawn(
    column: np.ndarray,
    keys: np.ndarray,
    names: list[str],
    expected: np.ndarray,
    counts: np.ndarray,
    feature: FeatureSpec,
    rng: np.random.Generator,
) -> np.ndarray:
    """The column with the fewest members moved so that its shares are the reference's: the
    excess of each category over its reference count, chosen at random, redrawn into the
    categories short of theirs."""
    n = len(keys)
    wanted = _largest_remainder(expected * n)
    index = {name: i for i, name in enumerate(names)}
    codes = np.array([index[k] for k in keys], dtype=int)
    shuffled = rng.permutation(n)
    place = np.empty(n, dtype=int)  # each member's place among its category's, at random
    by_code = np.argsort(codes[shuffled], kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts.astype(int))])
    place[shuffled[by_code]] = np.arange(n) - starts[codes[shuffled[by_code]]]
    moved = place >= wanted[codes]
    deficits = np.maximum(wanted - counts.astype(int), 0)
    slots = rng.permutation(np.repeat(np.arange(len(names)), deficits))
    new_codes = codes.copy()
    new_codes[moved] = slots[: int(moved.sum())]
    texts = np.array(names, dtype=object)[new_codes]
    if feature.kind == "binary":
        numbers = np.asarray(column, dtype=float).copy()
        numbers[np.isfinite(numbers)] = texts.astype(float)
        return numbers
    result = np.asarray(column, dtype=object).copy()
    result[pd.notna(pd.Series(column, dtype=object)).to_numpy()] = texts
    return result


def _largest_remainder(targets: np.ndarray) -> np.ndarray:
    """Whole counts adding up to ``round(targets.sum())``, each the floor of its target or one
    more (the largest remainders get the one more)."""
    floors = np.floor(targets).astype(int)
    short = round(float(targets.sum())) - int(floors.sum())
    if short > 0:
        floors[np.argsort(floors - targets, kind="stable")[:short]] += 1
    return np.asarray(floors, dtype=int)


# --- small helpers ------------------------------------------------------------------------------


def _read_levels(quantiles: int) -> np.ndarray:
    """The level at which each of the ``K`` quantile intervals is read: its midpoint, but the
    inner edge of the two outer ones (``1/K`` and ``1 - 1/K``)."""
    levels = (np.arange(quantiles) + 0.5) / quantiles
    if quantiles > 2:
        levels[0], levels[-1] = 1 / quantiles, 1 - 1 / quantiles
    return np.asarray(levels, dtype=float)


def _reference_at_read_levels(stored: np.ndarray) -> np.ndarray:
    """The reference's quantile at each :func:`_read_levels` level: the mean of the two stored
    quantiles around a midpoint, the stored one at an outer interval's inner edge."""
    values = (stored[:-1] + stored[1:]) / 2
    if len(stored) > 3:
        values[0], values[-1] = stored[1], stored[-2]
    return np.asarray(values, dtype=float)


def _step_ranks(levels: np.ndarray, n: int) -> np.ndarray:
    """The (0-based) order statistic of ``n`` sorted values at each level: the inverted-CDF
    quantile, the smallest value with at least that share of the values at or below it."""
    ranks = np.ceil(levels * n - 1e-9).astype(int) - 1
    return np.asarray(np.clip(ranks, 0, n - 1), dtype=int)


def _quantile_function(stored: np.ndarray, levels: np.ndarray, discrete: bool) -> np.ndarray:
    """The reference's value at each level: linear between the stored quantiles, or (for a
    discrete feature, which takes only its stored values) the stored quantile nearest."""
    quantiles = len(stored) - 1
    if discrete:
        return np.asarray(stored[np.rint(levels * quantiles).astype(int)])
    return np.asarray(np.interp(levels, np.linspace(0.0, 1.0, quantiles + 1), stored))


def _scale(summary: Mapping[str, Any]) -> float:
    """The reference standard deviation, or for a constant feature its floor."""
    std = float(summary.get("std") or 0.0)
    mean = float(summary.get("mean") or 0.0)
    return max(std, STD_FLOOR_SHARE * max(abs(mean), 1.0))


def _mean(probabilities: Any) -> float | None:
    values = np.asarray(probabilities, dtype=float)
    if not values.size or not np.isfinite(values).all():
        return None
    return float(values.mean())


def _round(value: float) -> float:
    return float(f"{float(value):.{DIGITS}g}")


def _plain(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if np.isfinite(number) else None


def _rank(report: Mapping[str, Any]) -> tuple[float, float]:
    shift = report["churn_shift"]
    value, threshold = report["value"], report["threshold"]
    ratio = value / threshold if value is not None and threshold else -1.0
    return (-abs(shift) if shift is not None else 1.0, -ratio)
