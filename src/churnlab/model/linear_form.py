"""The spline logistic regression as arithmetic: one piecewise polynomial per feature.

Each numeric feature's spline terms times their coefficients is itself one cubic polynomial per
knot interval, evaluated by Horner's rule; missing-value indicators and binary features are one
weight each; a categorical feature's weight per category comes from running the fitted encoder on
the distinct values only. :class:`LinearForm` sums them (the form
:class:`~churnlab.model.compiled.CompiledModel` computes with for ``logistic`` models); it is plain
data, written with ``to_dict`` and read back, every field checked, with ``from_dict``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from churnlab.data.jsonable import is_finite_number, plain

if TYPE_CHECKING:
    from scipy.interpolate import BSpline

    from churnlab.model.fitted import FittedPipeline

__all__ = ["Columns", "LinearForm", "read_mapping", "read_names", "read_number", "read_numbers"]

#: Feature columns by name, as the forms compute on them.
Columns = dict[str, np.ndarray]


# --- the checks of data read back ----------------------------------------------------------------


def read_mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} is not a mapping")
    return value


def read_number(value: Any, what: str) -> float:
    """A finite number (not a bool, not a string)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} is not a number ({type(value).__name__})")
    if not is_finite_number(value):
        raise ValueError(f"{what} is not finite ({float(value)})")
    return float(value)


def read_numbers(value: Any, what: str) -> list[float]:
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list")
    return [read_number(v, f"{what}[{i}]") for i, v in enumerate(value)]


def read_names(value: Any, what: str, *, empty: bool = False) -> list[str]:
    """A list of distinct strings (non-empty unless ``empty``)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} is not a list of names")
    if not value and not empty:
        raise ValueError(f"{what} is empty")
    if len(set(value)) != len(value):
        raise ValueError(f"{what} name a column twice")
    return list(value)


# --- the terms, one per encoder block ---------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    """One encoder block's part of the log-odds, attributed to one feature column.

    ``mean`` is the block's value for the average training member (coef @ encoded mean).
    Subclasses are plain data: :meth:`to_dict` writes the fields, ``_TERMS`` reads them back.
    """

    column: str
    mean: float
    type: ClassVar[str]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        fields = {name: plain(value) for name, value in vars(self).items()}
        return {"type": self.type, **fields}


@dataclass(frozen=True)
class _Spline(_Term):
    """A numeric feature's spline terms times their coefficients: one cubic per interval."""

    curve: _Cubic
    type: ClassVar[str] = "spline"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.curve(x)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "column": self.column, "mean": self.mean,
                "curve": self.curve.to_dict()}  # fmt: skip


@dataclass(frozen=True)
class _Indicator(_Term):
    """A missing-value indicator's weight."""

    weight: float
    type: ClassVar[str] = "missing"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.weight * np.isnan(np.asarray(x, dtype=float)))


@dataclass(frozen=True)
class _Binary(_Term):
    """A 0/1 feature's weight; a gap counts as the training table's most frequent value."""

    weight: float
    fill: float
    type: ClassVar[str] = "binary"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return self.weight * np.where(np.isnan(x), self.fill, x)


@dataclass(frozen=True)
class _Category(_Term):
    """A weight per category the encoder knows; one for a gap and one for anything unseen."""

    known: tuple[str, ...]
    weights: tuple[float, ...]
    missing: float
    unseen: float
    type: ClassVar[str] = "category"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        text = pd.Series(x, dtype=object)
        position = pd.Index(self.known, dtype=object).get_indexer(text)
        weights = np.append(np.asarray(self.weights, dtype=float), self.unseen)
        result = weights[position]  # -1 picks the unseen weight
        result[text.isna().to_numpy()] = self.missing
        return np.asarray(result)


_TERMS: dict[str, type[_Term]] = {t.type: t for t in (_Spline, _Indicator, _Binary, _Category)}


def _term_from_dict(data: Mapping[str, Any], columns: list[str]) -> _Term:
    """One term, checked: a known type, a known column, finite numbers, consistent lengths."""
    data = read_mapping(data, "a term")
    kind = _TERMS.get(data.get("type"))  # type: ignore[arg-type]
    if kind is None:
        raise ValueError(f"unknown term type {data.get('type')!r}")
    expected = {"type", *(f.name for f in fields(kind))}
    if set(data) != expected:
        raise ValueError(
            f"a {kind.type!r} term has the fields {sorted(data)}, not {sorted(expected)}"
        )
    column = data["column"]
    if column not in columns:
        raise ValueError(f"a term is on {column!r}, which is not one of the columns")
    where = f"the {kind.type} term of {column!r}"
    values: dict[str, Any] = {"column": column, "mean": read_number(data["mean"], f"{where}: mean")}
    if kind is _Spline:
        values["curve"] = _Cubic.from_dict(read_mapping(data["curve"], f"{where}: curve"), where)
    elif kind is _Category:
        known = read_names(data["known"], f"{where}: known", empty=True)
        weights = read_numbers(data["weights"], f"{where}: weights")
        if len(weights) != len(known):
            raise ValueError(f"{where}: {len(weights)} weights for {len(known)} categories")
        values |= {"known": tuple(known), "weights": tuple(weights),
                   "missing": read_number(data["missing"], f"{where}: missing"),
                   "unseen": read_number(data["unseen"], f"{where}: unseen")}  # fmt: skip
    else:
        values |= {
            name: read_number(data[name], f"{where}: {name}")
            for name in expected - {"type", "column", "mean"}
        }
    return kind(**values)


class LinearForm:
    """The spline logistic regression: the log-odds are a sum of one term per feature block."""

    def __init__(self, terms: list[_Term], intercept: float, columns: list[str]) -> None:
        self.terms = terms
        self.intercept = intercept
        self.base = intercept + float(sum(t.mean for t in terms))
        self.columns = columns
        self.position = {c: i for i, c in enumerate(columns)}

    @classmethod
    def from_pipeline(cls, model: FittedPipeline) -> LinearForm:
        derive = model.estimator_.named_steps["derive"]
        encoder = model.estimator_.named_steps["encode"]
        regression = model.estimator_.named_steps["model"]
        coef, mean = regression.coef_[0], model.encoded_mean_
        assert mean is not None, "a logistic ChurnModel stores encoded_mean_"
        makers = {
            "splines": _spline_terms,
            "missing": _missing_terms,
            "binary": _binary_terms,
            "categories": _category_terms,
        }
        terms: list[_Term] = []
        for name, transformer, inputs in encoder.transformers_:
            if name == "remainder" or transformer == "drop":
                continue
            block = encoder.output_indices_[name]
            terms += makers[name](transformer, list(inputs), coef[block], mean[block])
        columns = [str(c) for c in derive.get_feature_names_out()]
        return cls(terms, float(regression.intercept_[0]), columns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept,
            "columns": self.columns,
            "terms": [t.to_dict() for t in self.terms],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], columns: list[str]) -> LinearForm:
        """The arithmetic :meth:`to_dict` wrote, on ``columns``; every column must have exactly
        one spline, binary or category term, and may have one missing-value indicator."""
        if read_names(data.get("columns"), "linear columns") != columns:
            raise ValueError("the arithmetic's columns are not the model's")
        intercept = read_number(data.get("intercept"), "intercept")
        raw = data.get("terms")
        if not isinstance(raw, list):
            raise ValueError("terms is not a list")
        terms = [_term_from_dict(t, columns) for t in raw]
        main = [t.column for t in terms if not isinstance(t, _Indicator)]
        indicators = [t.column for t in terms if isinstance(t, _Indicator)]
        if sorted(main) != sorted(columns):
            missing = sorted(set(columns) - set(main))
            raise ValueError(
                f"not one term per column (none for {missing})"
                if missing
                else "a column has more than one term"
            )
        if len(set(indicators)) != len(indicators):
            raise ValueError("a column has more than one missing-value indicator")
        return cls(terms, intercept, columns)

    def parts(self, values: Columns) -> tuple[np.ndarray, float]:
        n = len(next(iter(values.values())))
        parts = np.zeros((n, len(self.position)))
        for term in self.terms:
            parts[:, self.position[term.column]] += term(values[term.column]) - term.mean
        return parts, self.base

    def total(self, values: Columns) -> np.ndarray:
        total = np.full(len(next(iter(values.values()))), self.intercept)
        for term in self.terms:
            total += term(values[term.column])
        return total


class _Cubic:
    """One fitted spline curve, constant beyond its outer knots, by Horner's rule per interval.

    Equals ``SplineTransformer(extrapolation="constant")`` terms times their coefficients: the
    same polynomial pieces, without building the basis.
    """

    def __init__(
        self, low: float, high: float, fill: float, starts: np.ndarray, powers: list[np.ndarray]
    ) -> None:
        self.low, self.high, self.fill = low, high, fill
        self.starts = np.ascontiguousarray(starts, dtype=float)
        self.powers = [np.ascontiguousarray(p, dtype=float) for p in powers]
        steps = np.diff(np.append(self.starts, high))
        self.step = float(steps[0]) if len(steps) else 0.0
        self.uniform = len(steps) > 0 and self.step > 0 and bool(np.allclose(steps, self.step))

    @classmethod
    def from_spline(cls, spline: BSpline, weights: np.ndarray, fill: float) -> _Cubic:
        from scipy.interpolate import BSpline, PPoly

        degree = spline.k
        knots = np.asarray(spline.t, dtype=float)
        last = len(knots) - degree - 1  # intervals degree .. last-1 make the base range
        pieces = PPoly.from_spline(BSpline(knots, weights, degree, extrapolate=True))
        powers = [pieces.c[d, degree:last] for d in range(degree + 1)]
        return cls(knots[degree], knots[last], fill, pieces.x[degree:last], powers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "low": float(self.low),
            "high": float(self.high),
            "fill": float(self.fill),
            "starts": self.starts.tolist(),
            "powers": [p.tolist() for p in self.powers],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "a curve") -> _Cubic:
        """The curve :meth:`to_dict` wrote: finite numbers, ``low < high``, interval starts
        increasing from ``low`` and below ``high``, and one to four coefficient lists (cubic at
        most) as long as the starts."""
        if set(data) != {"low", "high", "fill", "starts", "powers"}:
            raise ValueError(f"{where}: the curve has the fields {sorted(data)}")
        low, high = (
            read_number(data["low"], f"{where}: low"),
            read_number(data["high"], f"{where}: high"),
        )
        fill = read_number(data["fill"], f"{where}: fill")
        starts = np.asarray(read_numbers(data["starts"], f"{where}: starts"), dtype=float)
        if not low < high:
            raise ValueError(f"{where}: the range {low}..{high} is empty")
        if not len(starts) or starts[0] != low or starts[-1] >= high:
            raise ValueError(f"{where}: the intervals do not start at {low} inside {low}..{high}")
        if not bool(np.all(np.diff(starts) > 0)):
            raise ValueError(f"{where}: the interval starts are not increasing")
        raw = data["powers"]
        if not isinstance(raw, list) or not 1 <= len(raw) <= 4:
            raise ValueError(f"{where}: powers is not a list of one to four coefficient lists")
        powers = [np.asarray(read_numbers(p, f"{where}: powers"), dtype=float) for p in raw]
        if any(len(p) != len(starts) for p in powers):
            raise ValueError(f"{where}: {len(starts)} intervals but coefficient lists of "
                             f"{[len(p) for p in powers]}")  # fmt: skip
        return cls(low, high, fill, starts, powers)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        missing = np.isnan(x)
        if missing.any():
            x = np.where(missing, self.fill, x)
        x = np.clip(x, self.low, self.high)
        if self.uniform:
            piece = ((x - self.low) * (1.0 / self.step)).astype(np.intp)
        else:
            piece = np.searchsorted(self.starts, x, side="right") - 1
        offset = x - np.take(self.starts, piece, mode="clip")
        result = np.take(self.powers[0], piece, mode="clip")
        for power in self.powers[1:]:
            result *= offset
            result += np.take(power, piece, mode="clip")
        return result


def _spline_terms(
    pipeline: Any, inputs: list[str], coef: np.ndarray, mean: np.ndarray
) -> list[_Term]:
    imputer, splines = pipeline[0], pipeline[1]
    assert splines.extrapolation == "constant" and splines.include_bias, "spline settings"
    terms: list[_Term] = []
    start = 0
    for column, fill, spline in zip(inputs, imputer.statistics_, splines.bsplines_, strict=True):
        block = slice(start, start + spline.c.shape[1])
        curve = _Cubic.from_spline(spline, coef[block], float(fill))
        terms.append(_Spline(column, float(coef[block] @ mean[block]), curve))
        start = block.stop
    assert start == len(coef), "spline blocks do not cover the coefficients"
    return terms


def _missing_terms(
    indicator: Any, inputs: list[str], coef: np.ndarray, mean: np.ndarray
) -> list[_Term]:
    return [
        _Indicator(inputs[feature], float(coef[k]) * float(mean[k]), float(coef[k]))
        for k, feature in enumerate(indicator.features_)
    ]


def _binary_terms(
    imputer: Any, inputs: list[str], coef: np.ndarray, mean: np.ndarray
) -> list[_Term]:
    fills = imputer.statistics_
    return [
        _Binary(column, float(coef[k]) * float(mean[k]), float(coef[k]), float(fill))
        for k, (column, fill) in enumerate(zip(inputs, fills, strict=True))
    ]


def _category_terms(
    pipeline: Any, inputs: list[str], coef: np.ndarray, mean: np.ndarray
) -> list[_Term]:
    """A weight per category, read off the fitted encoder run on each known value, a gap and
    a value it never saw."""
    owners = np.asarray([_owner(str(n), inputs) for n in pipeline.get_feature_names_out(inputs)])
    encoder = pipeline[-1]

    def term(index: int, column: str) -> _Term:
        block = owners == column
        weights = coef[block]
        known = [str(c) for c in encoder.categories_[index]]
        unseen = _never_seen(known)
        probe = [*known, np.nan, unseen]
        frame = pd.DataFrame({c: np.asarray(probe, dtype=object) for c in inputs})
        encoded = np.asarray(pipeline.transform(frame), dtype=float)[:, block] @ weights
        return _Category(column, float(weights @ mean[block]), tuple(known),
                         tuple(float(w) for w in encoded[:-2]),
                         float(encoded[-2]), float(encoded[-1]))  # fmt: skip

    return [term(index, column) for index, column in enumerate(inputs)]


def _never_seen(known: list[str]) -> str:
    unseen = "(never seen)"
    while unseen in known:
        unseen += "!"
    return unseen


def _owner(encoded: str, inputs: list[str]) -> str:
    """The longest input column that an encoded column's name starts with."""
    return max((c for c in inputs if encoded.startswith(f"{c}_")), key=len)
