"""The fitted model as plain array arithmetic: the same probabilities at a fraction of the cost.

A fitted :class:`~churnlab.model.churn_model.ChurnModel` is a scikit-learn pipeline; calling it
costs ~15 ms of pandas and validation overhead even for one member, and its spline encoding runs at
~200,000 members a second. Both learners reduce to a few array operations:

- ``logistic``: the log-odds are a sum of one smooth function per feature
  (:mod:`churnlab.model.linear_form`): one cubic polynomial per knot interval for each numeric
  feature, one weight for each missing-value indicator and binary feature, a weight per category
  for each categorical feature.
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
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from churnlab.model.calibration import calibrate
from churnlab.model.derived import DERIVED_METRICS
from churnlab.model.fitted import FittedPipeline
from churnlab.model.linear_form import (
    Columns,
    LinearForm,
    read_mapping,
    read_names,
    read_numbers,
)

__all__ = ["TOLERANCE", "CompiledModel", "LogOdds", "compile_model"]

_LOG = logging.getLogger(__name__)
_METRICS = {m.name: m for m in DERIVED_METRICS}

#: Largest difference in probability allowed between the compiled path and the pipeline.
TOLERANCE = 1e-9


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
    def of(cls, model: FittedPipeline, form: _Form, kind: str) -> CompiledModel:
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
        if not isinstance(self._form, LinearForm):
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
        data = read_mapping(data, "the compiled model")
        if data.get("kind") != "linear":
            raise ValueError(f"cannot rebuild a {data.get('kind')!r} compiled model from data")
        features = read_names(data.get("features"), "features")
        metrics = read_names(data.get("metrics"), "metrics", empty=True)
        unknown = [m for m in metrics if m not in _METRICS]
        if unknown:
            raise ValueError(f"unknown derived metrics {unknown}")
        columns = read_names(data.get("columns"), "columns")
        if sorted(columns) != sorted([*features, *metrics]):
            raise ValueError("columns are not the features and the derived metrics")
        calibration = read_numbers(data.get("calibration"), "calibration")
        if len(calibration) != 2:
            raise ValueError("calibration is not a (slope, intercept) pair")
        return cls(
            LinearForm.from_dict(read_mapping(data.get("linear"), "linear"), columns),
            "linear",
            features=features,
            metrics=metrics,
            columns=columns,
            calibration=(calibration[0], calibration[1]),
        )


def _frame(values: Columns, columns: list[str], index: pd.Index) -> pd.DataFrame:
    """``values`` as a DataFrame; all-number columns go in as one block (far quicker)."""
    if all(values[c].dtype == np.float64 for c in columns):
        return pd.DataFrame(np.column_stack([values[c] for c in columns]), index, columns)
    return pd.DataFrame({c: values[c] for c in columns}, index=index)


def compile_model(model: FittedPipeline) -> CompiledModel:
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
    >>> from churnlab.data.validate import coerce_members
    >>> X = coerce_members(members, model.spec_)
    >>> slow = calibrate(model.estimator_.predict_proba(X)[:, 1], model.calibration_)
    >>> bool(np.abs(fast.probability(X) - slow).max() < 1e-12)
    True
    """
    kind = "linear" if model.learner_ == "logistic" else "trees"
    try:
        form: _Form = LinearForm.from_pipeline(model) if kind == "linear" else _Trees(model)
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


# --- boosting: the booster on a matrix -----------------------------------------------------------


class _Trees:
    """LightGBM's booster on a float matrix; TreeSHAP values as the parts."""

    def __init__(self, model: FittedPipeline) -> None:
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

    def __init__(self, model: FittedPipeline) -> None:
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
        return np.asarray(np.log(raw / (1 - raw)))


def _gap_to_pipeline(compiled: CompiledModel, model: FittedPipeline) -> float:
    probe = _probe_members(model)
    fast = compiled.probability(probe)
    slow = calibrate(model.estimator_.predict_proba(probe)[:, 1], model.calibration_)
    if isinstance(compiled._form, LinearForm):  # the plain data a model file carries, read back
        again = CompiledModel.from_dict(json.loads(json.dumps(compiled.to_dict())))
        fast = np.append(fast, again.probability(probe))
        slow = np.append(slow, slow)
    return float(np.max(np.abs(fast - slow)))


def _probe_members(model: FittedPipeline, n: int = 64) -> pd.DataFrame:
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


def _seen_categories(model: FittedPipeline, column: str) -> list[Any]:
    steps = model.estimator_.named_steps
    if "categories" in steps:
        return list(steps["categories"].categories_.get(column, []))
    for name, transformer, inputs in steps["encode"].transformers_:
        if name == "categories" and column in inputs:
            return list(transformer[-1].categories_[list(inputs).index(column)])
    return []
