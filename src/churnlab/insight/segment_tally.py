"""What the portraits are drawn from, summed over members: a tally that adds up across parts.

A :class:`SegmentTally` holds, for each segment, its members, its leavers, and per feature the
count, mean and sum of squared deviations of a number (merged as Chan et al. do for parallel
variances) or the count of each category. :func:`churnlab.insight.segment.describe_segments`
draws the portraits from it; a table on a Dask cluster is tallied partition by partition and
the tallies added, so its portraits are those of every member, not of a sample.

Examples
--------
>>> from churnlab.data.feature import FeatureSpec
>>> spec = DatasetSpec("Churn", 1, (FeatureSpec("tenure", "numeric"),
...                                 FeatureSpec("plan", "categorical")))
>>> X = pd.DataFrame({"tenure": [1.0, 2, 3, 30, 40, 50], "plan": list("aabbbb")})
>>> whole = SegmentTally.of(X, [1, 1, 1, 2, 2, 2], [1, 1, 0, 0, 0, 0], spec)
>>> parts = (SegmentTally.of(X[:2], [1, 1], [1, 1], spec)
...          + SegmentTally.of(X[2:], [1, 2, 2, 2], [0, 0, 0, 0], spec))
>>> parts.sizes.tolist(), parts.leavers.tolist(), round(parts.overall_spread("tenure"), 6)
([3, 3], [2, 0], 19.866219)
>>> round(float(np.std(X["tenure"])), 6) == round(whole.overall_spread("tenure"), 6)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from churnlab.data.spec import DatasetSpec

__all__ = ["SegmentTally"]

#: The figures of a number per segment: members with a value, their mean, and the sum of their
#: squared deviations from it.
_MOMENTS = ["n", "mean", "m2"]


@dataclass(frozen=True)
class SegmentTally:
    """Each segment's members and features, summed; add two tallies to tally both parts.

    Attributes
    ----------
    sizes : pandas.Series
        Members by segment id, in id order.
    leavers : pandas.Series or None
        Members who left, by segment id; None when the outcome is unknown.
    numbers : dict of str to pandas.DataFrame
        Per numeric feature, one row per segment id: ``n`` (members with a value), ``mean``
        and ``m2`` (the sum of squared deviations from the mean).
    categories : dict of str to pandas.DataFrame
        Per categorical feature, members by segment id (rows) and category (columns); a
        missing value is not counted.
    """

    sizes: pd.Series
    leavers: pd.Series | None
    numbers: dict[str, pd.DataFrame]
    categories: dict[str, pd.DataFrame]

    @classmethod
    def of(
        cls, frame: pd.DataFrame, labels: ArrayLike, y: ArrayLike | None, spec: DatasetSpec
    ) -> SegmentTally:
        """Tally members: ``frame`` holds the spec's features coerced to their kinds (numbers as
        floats, categories as text, missing as NaN), ``labels`` each one's segment id, ``y``
        whether each left (0/1) or None."""
        ids = pd.Series(np.asarray(labels), index=frame.index)
        groups = ids.groupby(ids, sort=True)
        sizes = groups.size().astype("int64")
        leavers = None
        if y is not None:
            left = pd.Series(np.asarray(y, dtype=float), index=frame.index)
            leavers = left.groupby(ids, sort=True).sum().astype("int64")
        numbers: dict[str, pd.DataFrame] = {}
        categories: dict[str, pd.DataFrame] = {}
        for feature in spec.features:
            column = frame[feature.name]
            if feature.kind == "categorical":
                counts = pd.crosstab(ids, column).reindex(sizes.index, fill_value=0)
                categories[feature.name] = counts.astype("int64").rename_axis(
                    index=None, columns=None
                )
            else:
                values = column.astype(float).groupby(ids, sort=True)
                mean = values.mean()
                deviation = column.astype(float) - ids.map(mean)
                m2 = (deviation**2).groupby(ids, sort=True).sum(min_count=0)
                numbers[feature.name] = pd.DataFrame(
                    {"n": values.count().astype(float), "mean": mean, "m2": m2}
                ).reindex(sizes.index)
        return cls(sizes, leavers, numbers, categories)

    def __add__(self, other: SegmentTally) -> SegmentTally:
        sizes = self.sizes.add(other.sizes, fill_value=0).astype("int64")
        leavers = None
        if self.leavers is not None and other.leavers is not None:
            leavers = self.leavers.add(other.leavers, fill_value=0).astype("int64")
        numbers = {
            name: _merged(moments, other.numbers[name], sizes.index)
            for name, moments in self.numbers.items()
        }
        categories = {
            name: _added(counts, other.categories[name], sizes.index)
            for name, counts in self.categories.items()
        }
        return SegmentTally(sizes, leavers, numbers, categories)

    @property
    def members(self) -> int:
        return int(self.sizes.sum())

    def churn_rate(self, segment: int | None = None) -> float:
        """The share who left, of a segment or (None) of everyone; NaN when unknown."""
        if self.leavers is None:
            return float("nan")
        if segment is None:
            return float(self.leavers.sum() / self.members)
        return float(self.leavers[segment] / self.sizes[segment])

    def mean(self, feature: str, segment: int | None = None) -> float:
        """A number's mean over a segment's members with a value, or (None) everyone's."""
        moments = self.numbers[feature]
        if segment is not None:
            return float(moments.at[segment, "mean"])
        n = moments["n"].sum()
        return float((moments["n"] * moments["mean"].fillna(0.0)).sum() / n) if n else np.nan

    def overall_spread(self, feature: str) -> float:
        """A number's standard deviation over everyone with a value (``ddof=0``)."""
        moments = self.numbers[feature]
        n = moments["n"].sum()
        if not n:
            return float("nan")
        between = (moments["n"] * (moments["mean"].fillna(0.0) - self.mean(feature)) ** 2).sum()
        return float(np.sqrt((moments["m2"].fillna(0.0).sum() + between) / n))

    def shares(self, feature: str, segment: int | None = None) -> pd.Series:
        """A category's share of a segment's members with a value, or (None) everyone's; the
        categories by their count over everyone, most common first, equal counts by name."""
        counts = self.categories[feature]
        overall = counts.sum(axis=0)
        order = sorted(overall.index, key=lambda c: (-overall[c], str(c)))
        row = overall if segment is None else counts.loc[segment]
        total = row.sum()
        shares = row.reindex(order) / total if total else row.reindex(order) * 0.0
        return shares.astype(float)


def _added(a: pd.DataFrame, b: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Two parts' counts of categories in one: every segment of either, every category."""
    columns = a.columns.union(b.columns, sort=False)
    return (
        a.reindex(index=index, columns=columns, fill_value=0)
        + b.reindex(index=index, columns=columns, fill_value=0)
    ).astype("int64")


def _merged(a: pd.DataFrame, b: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Two parts' moments of a number in one (Chan, Golub and LeVeque's pairwise update)."""
    a, b = a.reindex(index), b.reindex(index)
    na, nb = a["n"].fillna(0.0), b["n"].fillna(0.0)
    n = na + nb
    mean_a, mean_b = a["mean"].fillna(0.0), b["mean"].fillna(0.0)
    delta = mean_b - mean_a
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (mean_a + delta * nb / n).where(n > 0)
        m2 = (a["m2"].fillna(0.0) + b["m2"].fillna(0.0) + delta**2 * na * nb / n).where(n > 0)
    return pd.DataFrame({"n": n, "mean": mean, "m2": m2.fillna(0.0).where(n > 0, 0.0)})
