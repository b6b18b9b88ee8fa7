"""The fitted model as plain array arithmetic: the same probabilities at a fraction of the cost.

A fitted :class:`~churnlab.model.churn_model.ChurnModel` is a scikit-learn pipeline; calling it
costs ~15 ms of pandas and validation overhead even for one member, and its spline encoding runs at
~200,000 members a second. Both learners reduce to a few array operations:

- ``logistic``: the log-odds are a sum of one smooth function per feature. Each numeric
  feature's spline terms times their coefficients is itself one cubic polynomial per knot
  interval, evaluated by Horner's rule; missing-value indicators and binary features are one
  weight each; a categorical feature's weight per category comes from running the fitted
  encoder on the distinct values only.
- ``boosting``: the LightGBM booster on a plain float matrix (categories as the codes it was
  trained with).

Each feature's part of the log-odds is its exact contribution (see :mod:`churnlab.insight.explain`),
so probabilities and contributions come from one pass. :func:`compile_model` checks itself on
probe members against the pipeline; if the two ever differ by more than :data:`TOLERANCE`, it
keeps the pipeline (``kind == "pipeline"``): results never change, only their speed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from churnlab.model.calibration import calibrate
from churnlab.model.derived import DERIVED_METRICS

if TYPE_CHECKING:
    from scipy.interpolate import BSpline

    from churnlab.model.churn_model import ChurnModel

__all__ = ["TOLERANCE", "CompiledModel", "LogOdds", "compile_model"]

_LOG = logging.getLogger(__name__)
_METRICS = {m.name: m for m in DERIVED_METRICS}

#: Largest difference in probability allowed between the compiled path and the pipeline.
TOLERANCE = 1e-9

Columns = dict[str, np.ndarray]


@dataclass(frozen=True)
class LogOdds:
    """Members' churn log-odds before calibration, split by feature.

    Attributes
    ----------
    parts : ndarray of shape (n_members, n_columns)
        Each column's part, measured from the average member (0 for an average value).
    base : float
        The average member's log-odds.
    columns : list of str
        The feature columns, derived metrics included, in the pipeline's order.
    features : pandas.DataFrame
        The members' features with the derived metrics.
    """

    parts: np.ndarray
    base: float
    columns: list[str]
    features: pd.DataFrame


class _Form(Protocol):
    """How one learner turns feature columns into log-odds."""

    def parts(self, values: Columns) -> tuple[np.ndarray, float]: ...

    def total(self, values: Columns) -> np.ndarray: ...


class CompiledModel:
    """A fitted model's probabilities and contributions, without the pipeline's overhead.

    Build it with :func:`compile_model` (or :meth:`ChurnModel.compiled`, which keeps it).
    ``members`` given to its methods hold the model's feature columns coerced to their kinds
    (numbers as floats, categories as text), as :func:`~churnlab.data.validate.check_members`
    returns them. A ``linear`` one is plain data: :meth:`to_dict` and :meth:`from_dict` carry
    it in a model file, and scoring it needs neither scikit-learn nor SciPy.

    Attributes
    ----------
    kind : {"linear", "trees", "pipeline"}
        How it computes: the spline-logistic arithmetic, the booster on a matrix, or (when the
        arithmetic cannot reproduce the pipeline) the pipeline itself.
    estimator : sklearn.pipeline.Pipeline or None
        The fitted pipeline it was built from (None when read back with :meth:`from_dict`).
    features : list of str
        The model's input columns.
    columns : list of str
        The feature columns with the derived metrics, in the pipeline's order.
    calibration : tuple of float
        Platt scaling's slope and intercept.
    """

    def __init__(
        self,
        form: _Form,
        kind: str,
        *,
        features: list[str],
        metrics: list[str],
        columns: list[str],
        calibration: tuple[float, float],
        estimator: Any = None,
    ) -> None:
        self._form = form
        self._metrics = [_METRICS[name] for name in metrics]
        self.kind = kind
        self.estimator = estimator
        self.features = features
        self.columns = columns
        self.calibration = calibration

    @classmethod
    def of(cls, model: ChurnModel, form: _Form, kind: str) -> CompiledModel:
        """``form`` computing ``model``'s log-odds."""
        derive = model.estimator_.named_steps["derive"]
        return cls(
            form,
            kind,
            features=list(model.spec_.feature_names),
            metrics=list(derive.metrics),
            columns=[str(c) for c in derive.get_feature_names_out()],
            calibration=(float(model.calibration_[0]), float(model.calibration_[1])),
            estimator=model.estimator_,
        )

    def values(self, members: pd.DataFrame | Columns) -> Columns:
        """The members' feature columns as arrays, with the derived metrics added."""
        values = {name: np.asarray(members[name]) for name in self.features}
        for metric in self._metrics:
            with np.errstate(divide="ignore", invalid="ignore"):
                values[metric.name] = np.asarray(metric.compute(values), dtype=float)
        return values

    def log_odds(self, members: pd.DataFrame) -> LogOdds:
        """The uncalibrated log-odds of each member, split by feature."""
        values = self.values(members)
        parts, base = self.parts_of(values)
        return LogOdds(parts, base, self.columns, _frame(values, self.columns, members.index))

    def probability(self, members: pd.DataFrame | Columns) -> np.ndarray:
        """Each member's calibrated probability of leaving, as ``ChurnModel.predict_proba``."""
        return self.probability_of(self.values(members))

    def probability_of(self, values: Columns) -> np.ndarray:
        """:meth:`probability` from the columns :meth:`values` returns."""
        if not len(values[self.columns[0]]):
            return np.zeros(0)
        raw = 1.0 / (1.0 + np.exp(-self._form.total(values)))
        return calibrate(raw, self.calibration)

    def parts_of(self, values: Columns) -> tuple[np.ndarray, float]:
        """Each column's part of the uncalibrated log-odds (columns in :attr:`columns` order),
        and the average member's log-odds, from the columns :meth:`values` returns."""
        return self._form.parts(values)

    def to_dict(self) -> dict[str, Any]:
        """A ``linear`` model as plain JSON-ready data (floats written exactly).

        Raises
        ------
        ValueError
            For the other kinds, which hold a booster or a pipeline.
        """
        if not isinstance(self._form, _Linear):
            raise ValueError(f"a {self.kind!r} compiled model is not plain data")
        return {
            "kind": self.kind,
            "features": self.features,
            "metrics": [m.name for m in self._metrics],
            "columns": self.columns,
            "calibration": list(self.calibration),
            "linear": self._form.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CompiledModel:
        """The model :meth:`to_dict` wrote, its shape checked before anything is built.

        The data comes from a file, so nothing in it is taken on trust: every number must be
        finite, every list as long as the one it pairs with, spline intervals in increasing
        order inside their range, every column named once and covered by exactly one term
        (plus at most one missing-value indicator), and every term on a known column.

        Raises
        ------
        ValueError
            The data is not a compiled linear model (the message says what is wrong); a
            model file reader turns it into a :class:`~churnlab.errors.ModelFileError`.
        """
        data = _mapping(data, "the compiled model")
        if data.get("kind") != "linear":
            raise ValueError(f"cannot rebuild a {data.get('kind')!r} compiled model from data")
        features = _names(data.get("features"), "features")
        metrics = _names(data.get("metrics"), "metrics", empty=True)
        unknown = [m for m in metrics if m not in _METRICS]
        if unknown:
            raise ValueError(f"unknown derived metrics {unknown}")
        columns = _names(data.get("columns"), "columns")
        if sorted(columns) != sorted([*features, *metrics]):
            raise ValueError("columns are not the features and the derived metrics")
        calibration = _finite_list(data.get("calibration"), "calibration")
        if len(calibration) != 2:
            raise ValueError("calibration is not a (slope, intercept) pair")
        return cls(
            _Linear.from_dict(_mapping(data.get("linear"), "linear"), columns),
            "linear",
            features=features,
            metrics=metrics,
            columns=columns,
            calibration=(calibration[0], calibration[1]),
        )


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} is not a mapping")
    return value


def _number(value: Any, what: str) -> float:
    """A finite number (not a bool, not a string)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} is not a number ({type(value).__name__})")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{what} is not finite ({number})")
    return number


def _finite_list(value: Any, what: str) -> list[float]:
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list")
    return [_number(v, f"{what}[{i}]") for i, v in enumerate(value)]


def _names(value: Any, what: str, *, empty: bool = False) -> list[str]:
    """A list of distinct strings (non-empty unless ``empty``)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} is not a list of names")
    if not value and not empty:
        raise ValueError(f"{what} is empty")
    if len(set(value)) != len(value):
        raise ValueError(f"{what} name a column twice")
    return list(value)


def _frame(values: Columns, columns: list[str], index: pd.Index) -> pd.DataFrame:
    """``values`` as a DataFrame; all-number columns go in as one block (far quicker)."""
    if all(values[c].dtype == np.float64 for c in columns):
        return pd.DataFrame(np.column_stack([values[c] for c in columns]), index, columns)
    return pd.DataFrame({c: values[c] for c in columns}, index=index)


def compile_model(model: ChurnModel) -> CompiledModel:
    """The arithmetic form of a fitted model, checked against its pipeline.

    Examples
    --------
    >>> import churnlab
    >>> members = churnlab.load_gym_churn().head(600)
    >>> model = churnlab.ChurnModel(learner="logistic", folds=3).fit(
    ...     members.drop(columns="Churn"), members["Churn"])
    >>> fast = compile_model(model)
    >>> fast.kind
    'linear'
    >>> X = model._features(members, model.spec_)
    >>> slow = calibrate(model.estimator_.predict_proba(X)[:, 1], model.calibration_)
    >>> bool(np.abs(fast.probability(X) - slow).max() < 1e-12)
    True
    """
    kind = "linear" if model.learner_ == "logistic" else "trees"
    try:
        form: _Form = _Linear.from_pipeline(model) if kind == "linear" else _Trees(model)
        compiled = CompiledModel.of(model, form, kind)
        gap = _gap_to_pipeline(compiled, model)
    except (AttributeError, KeyError, TypeError, ValueError, AssertionError) as problem:
        # a model without an arithmetic form (a booster on derived columns): nothing for a user
        _LOG.debug("scoring through the pipeline (no arithmetic form: %s)", problem)
        return CompiledModel.of(model, _Pipeline(model), "pipeline")
    if not gap <= TOLERANCE:  # a bug of churnlab's, told to whoever listens to its log
        _LOG.warning(
            "scoring through the pipeline: the arithmetic form differs from the pipeline by "
            "%.2g on probe members",
            gap,
        )
        return CompiledModel.of(model, _Pipeline(model), "pipeline")
    return compiled


# --- logistic: one piecewise polynomial per feature ----------------------------------------------


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
        fields = {name: _plain_data(value) for name, value in vars(self).items()}
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
        return self.weight * np.isnan(np.asarray(x, dtype=float))


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
        return result


_TERMS: dict[str, type[_Term]] = {t.type: t for t in (_Spline, _Indicator, _Binary, _Category)}


def _term_from_dict(data: Mapping[str, Any], columns: list[str]) -> _Term:
    """One term, checked: a known type, a known column, finite numbers, consistent lengths."""
    data = _mapping(data, "a term")
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
    values: dict[str, Any] = {"column": column, "mean": _number(data["mean"], f"{where}: mean")}
    if kind is _Spline:
        values["curve"] = _Cubic.from_dict(_mapping(data["curve"], f"{where}: curve"), where)
    elif kind is _Category:
        known = _names(data["known"], f"{where}: known", empty=True)
        weights = _finite_list(data["weights"], f"{where}: weights")
        if len(weights) != len(known):
            raise ValueError(f"{where}: {len(weights)} weights for {len(known)} categories")
        values |= {"known": tuple(known), "weights": tuple(weights),
                   "missing": _number(data["missing"], f"{where}: missing"),
                   "unseen": _number(data["unseen"], f"{where}: unseen")}  # fmt: skip
    else:
        values |= {
            name: _number(data[name], f"{where}: {name}")
            for name in expected - {"type", "column", "mean"}
        }
    return kind(**values)


def _plain_data(value: Any) -> Any:
    if isinstance(value, np.ndarray | tuple | list):
        return [_plain_data(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


class _Linear:
    """The spline logistic regression: the log-odds are a sum of one term per feature block."""

    def __init__(self, terms: list[_Term], intercept: float, columns: list[str]) -> None:
        self.terms = terms
        self.intercept = intercept
        self.base = intercept + float(sum(t.mean for t in terms))
        self.columns = columns
        self.position = {c: i for i, c in enumerate(columns)}

    @classmethod
    def from_pipeline(cls, model: ChurnModel) -> _Linear:
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
    def from_dict(cls, data: Mapping[str, Any], columns: list[str]) -> _Linear:
        """The arithmetic :meth:`to_dict` wrote, on ``columns``; every column must have exactly
        one spline, binary or category term, and may have one missing-value indicator."""
        if _names(data.get("columns"), "linear columns") != columns:
            raise ValueError("the arithmetic's columns are not the model's")
        intercept = _number(data.get("intercept"), "intercept")
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
        low, high = _number(data["low"], f"{where}: low"), _number(data["high"], f"{where}: high")
        fill = _number(data["fill"], f"{where}: fill")
        starts = np.asarray(_finite_list(data["starts"], f"{where}: starts"), dtype=float)
        if not low < high:
            raise ValueError(f"{where}: the range {low}..{high} is empty")
        if not len(starts) or starts[0] != low or starts[-1] >= high:
            raise ValueError(f"{where}: the intervals do not start at {low} inside {low}..{high}")
        if not bool(np.all(np.diff(starts) > 0)):
            raise ValueError(f"{where}: the interval starts are not increasing")
        raw = data["powers"]
        if not isinstance(raw, list) or not 1 <= len(raw) <= 4:
            raise ValueError(f"{where}: powers is not a list of one to four coefficient lists")
        powers = [np.asarray(_finite_list(p, f"{where}: powers"), dtype=float) for p in raw]
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


# --- boosting: the booster on a matrix -----------------------------------------------------------


class _Trees:
    """LightGBM's booster on a float matrix; TreeSHAP values as the parts."""

    def __init__(self, model: ChurnModel) -> None:
        steps = model.estimator_.named_steps
        self.categories: dict[str, list[Any]] = steps["categories"].categories_
        self.booster = steps["model"].booster_
        self.columns = [str(c) for c in steps["model"].feature_names_in_]
        derived = [str(c) for c in steps["derive"].get_feature_names_out()]
        assert self.columns == derived, "the booster's columns are the derived frame's"

    def matrix(self, values: Columns) -> np.ndarray:
        n = len(next(iter(values.values())))
        matrix = np.empty((n, len(self.columns)))
        for j, column in enumerate(self.columns):
            if column in self.categories:
                text = pd.Series(values[column], dtype=object).astype("string")
                codes = pd.Index(self.categories[column], dtype="string").get_indexer(text)
                matrix[:, j] = np.where(codes < 0, np.nan, codes)  # unseen or missing
            else:
                matrix[:, j] = np.asarray(values[column], dtype=float)
        return matrix

    def parts(self, values: Columns) -> tuple[np.ndarray, float]:
        shap = np.asarray(self.booster.predict(self.matrix(values), pred_contrib=True))
        base = float(shap[0, -1]) if len(shap) else 0.0
        return shap[:, :-1].astype(float), base

    def total(self, values: Columns) -> np.ndarray:
        return np.asarray(self.booster.predict(self.matrix(values), raw_score=True), dtype=float)


# --- the pipeline itself, and the check ----------------------------------------------------------


class _Pipeline:
    """The fitted pipeline, through :func:`churnlab.model.contributions.pipeline_contributions`."""

    def __init__(self, model: ChurnModel) -> None:
        self.model = model

    def parts(self, values: Columns) -> tuple[np.ndarray, float]:
        from churnlab.model.contributions import pipeline_contributions

        members = pd.DataFrame({c: values[c] for c in self.model.spec_.feature_names})
        contrib = pipeline_contributions(self.model, members)
        slope, intercept = self.model.calibration_
        return contrib.values.to_numpy() / slope, (contrib.base - intercept) / slope

    def total(self, values: Columns) -> np.ndarray:
        members = pd.DataFrame({c: values[c] for c in self.model.spec_.feature_names})
        raw = self.model.estimator_.predict_proba(members)[:, 1]
        raw = np.clip(raw, 1e-15, 1 - 1e-15)
        return np.log(raw / (1 - raw))


def _gap_to_pipeline(compiled: CompiledModel, model: ChurnModel) -> float:
    probe = _probe_members(model)
    fast = compiled.probability(probe)
    slow = calibrate(model.estimator_.predict_proba(probe)[:, 1], model.calibration_)
    if isinstance(compiled._form, _Linear):  # the plain data a model file carries, read back
        again = CompiledModel.from_dict(json.loads(json.dumps(compiled.to_dict())))
        fast = np.append(fast, again.probability(probe))
        slow = np.append(slow, slow)
    return float(np.max(np.abs(fast - slow)))


def _probe_members(model: ChurnModel, n: int = 64) -> pd.DataFrame:
    """Members spread over and beyond each feature's range, with gaps and unseen categories."""
    rng = np.random.default_rng(0)
    columns: dict[str, Any] = {}
    for feature in model.spec_.features:
        if feature.kind == "categorical":
            pool: list[Any] = [*_seen_categories(model, feature.name), "(never seen)", np.nan]
            columns[feature.name] = np.asarray(pool, dtype=object)[rng.integers(len(pool), size=n)]
        elif feature.kind == "binary":
            columns[feature.name] = rng.choice([0.0, 1.0, np.nan], size=n)
        else:
            low = feature.min if feature.min is not None else -50.0
            high = feature.max if feature.max is not None else 500.0
            values = rng.uniform(low, high, size=n)
            values[rng.random(n) < 0.1] = np.nan
            values[:3] = [low, high, min(max(0.0, low), high)]
            columns[feature.name] = values
    return pd.DataFrame(columns)


def _seen_categories(model: ChurnModel, column: str) -> list[Any]:
    steps = model.estimator_.named_steps
    if "categories" in steps:
        return list(steps["categories"].categories_.get(column, []))
    for name, transformer, inputs in steps["encode"].transformers_:
        if name == "categories" and column in inputs:
            return list(transformer[-1].categories_[list(inputs).index(column)])
    return []
