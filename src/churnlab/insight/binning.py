"""How a feature's values are grouped for display: by value, by quantile bin, or by category."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Numeric features with at most this many distinct values are shown value by value.
MAX_VALUES = 12
#: Categorical features show at most this many categories; the rest are "(other)".
MAX_CATEGORIES = 10


def value_groups(values: pd.Series, *, bins: int = 8) -> pd.Series:
    """A group key per row: the value itself, its quantile bin, or its category.

    Examples
    --------
    >>> value_groups(pd.Series([1, 6, 12, 1])).tolist()
    [1.0, 6.0, 12.0, 1.0]
    >>> value_groups(pd.Series(["gold", None])).tolist()
    ['gold', '(missing)']
    """
    numbers = pd.to_numeric(values, errors="coerce") if values.dtype != object else None
    if numbers is None or numbers.notna().sum() == 0:
        groups = values.astype("string").fillna("(missing)")
        top = groups.value_counts().index[:MAX_CATEGORIES]
        return groups.where(groups.isin(top), "(other)")
    if numbers.nunique() <= MAX_VALUES:
        return numbers.astype(float)
    return _lowest_edge_at_the_minimum(pd.qcut(numbers, q=bins, duplicates="drop"), numbers)


def _lowest_edge_at_the_minimum(groups: pd.Series, numbers: pd.Series) -> pd.Series:
    """Quantile bins whose lowest edge is the smallest value itself: pandas moves it down by
    0.1 % of the range, which shows a balance that is never negative as starting at -0.001."""
    edges = groups.cat.categories
    lefts = edges.left.to_numpy(dtype=float).copy()
    lefts[0] = float(numbers.min())
    fixed = pd.IntervalIndex.from_arrays(lefts, edges.right, closed=edges.closed)
    return groups.cat.rename_categories(fixed)


def group_label(value: object) -> float | str:
    """A JSON-ready label of a group key: ``"18–25"`` for a bin (``"1,130–1,380"`` from a
    thousand on), the number, or the category.

    Examples
    --------
    >>> group_label(pd.Interval(0.0, 508.0)), group_label(pd.Interval(1130.4, 13800.0))
    ('0–508', '1,130–13,800')
    >>> group_label(pd.Interval(0.0523, 0.35))
    '0.0523–0.35'
    """
    if isinstance(value, pd.Interval):
        return f"{_edge(value.left)}–{_edge(value.right)}"
    if isinstance(value, int | float | np.number):
        return float(value)
    return str(value)


def _edge(value: float) -> str:
    """A bin's edge for reading: three significant digits, whole numbers with thousands
    separators from a thousand on (never ``1.13e+03``)."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
