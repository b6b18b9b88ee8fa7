"""Values made ready for JSON, and the check of a number read from JSON.

NumPy's scalars (``np.float64``, ``np.int64``, ``np.bool_``) and arrays are not JSON; Python's
numbers and lists are. Two readings, which differ only in NaN and the infinities:
:func:`plain` keeps them (for data already checked to be finite, as a model's arithmetic), and
:func:`strict` writes them as None, since strict JSON has no NaN (summaries, run records).

>>> import numpy as np
>>> plain({"n": np.int64(3), "x": (np.float64(0.5), np.nan), 1: np.array([1, 2])})
{'n': 3, 'x': [0.5, nan], '1': [1, 2]}
>>> strict({"x": [np.float64(0.5), np.nan, np.inf], "ok": np.bool_(True)})
{'x': [0.5, None, None], 'ok': True}
>>> is_finite_number(2.5), is_finite_number(True), is_finite_number(float("nan"))
(True, False, False)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["is_finite_number", "plain", "python_scalar", "strict"]


def python_scalar(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds; anything else as it is.

    >>> type(python_scalar(np.float32(1.5))).__name__, python_scalar("a")
    ('float', 'a')
    """
    return value.item() if isinstance(value, np.generic) else value


def plain(value: Any) -> Any:
    """``value`` with NumPy scalars and arrays as Python numbers and lists, tuples as lists and
    mapping keys as text, all the way down; NaN and the infinities stay as they are."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    return python_scalar(value)


def strict(value: Any) -> Any:
    """:func:`plain`, with NaN and the infinities as None: ready for strict JSON."""
    if isinstance(value, Mapping):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [strict(v) for v in value]
    value = python_scalar(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def is_finite_number(value: Any) -> bool:
    """Whether a value read from JSON is a finite number: an int or a float, not a bool, not NaN
    nor an infinity."""
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
