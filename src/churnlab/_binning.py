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
    return pd.qcut(numbers, q=bins, duplicates="drop")


def group_label(value: object) -> float | str:
    """A JSON-ready label of a group key: ``"18–25"`` for a bin, the number, or the category."""
    if isinstance(value, pd.Interval):
        return f"{value.left:.3g}–{value.right:.3g}"
    if isinstance(value, int | float | np.number):
        return float(value)
    return str(value)
