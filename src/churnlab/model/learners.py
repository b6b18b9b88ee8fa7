"""The candidate learners a :class:`~churnlab.model.churn_model.ChurnModel` chooses from.

Each candidate tunes itself on the folds it is given and returns its out-of-fold probabilities, so
all candidates are compared on the same rows and the same folds:

- ``logistic``: a regularised logistic regression on spline terms of every numeric feature
  (non-linear yet readable: each feature's effect is a smooth curve); the strength is tuned.
- ``boosting``: LightGBM gradient-boosted trees; the number of trees is found by early stopping
  on each fold, and the tree size is tuned.

The folds are fitted side by side, one thread per core (:func:`on_folds`): both learners spend
their time in code that releases Python's lock (NumPy's and LightGBM's), each on one thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, SplineTransformer
from sklearn.utils.validation import check_is_fitted

from churnlab.data.spec import DatasetSpec
from churnlab.model.features import BehaviourMetrics, derived_metrics_for

__all__ = ["LEARNERS", "CategoryColumns", "Learner", "Search", "on_folds"]

Folds = Sequence[tuple[np.ndarray, np.ndarray]]
Fold = tuple[np.ndarray, np.ndarray]
T = TypeVar("T")


def on_folds(fit: Callable[[Fold], T], folds: Folds) -> list[T]:
    """``fit`` on each fold, the folds side by side on one thread per core; results in fold order.

    Each fold's work is independent and seeded, so the results do not depend on how many run at
    once.

    Examples
    --------
    >>> folds = [(np.array([0, 1]), np.array([2])), (np.array([1, 2]), np.array([0]))]
    >>> on_folds(lambda fold: int(fold[1][0]), folds)
    [2, 0]
    """
    workers = min(len(folds), _cores())
    if workers <= 1:
        return [fit(fold) for fold in folds]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fit, folds))


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - macOS and Windows


@dataclass(frozen=True)
class Search:
    """What tuning a learner on the folds found."""

    params: dict[str, Any]
    oof_proba: np.ndarray


class Learner(Protocol):
    name: str

    def search(
        self, X: pd.DataFrame, y: np.ndarray, folds: Folds, spec: DatasetSpec, random_state: int
    ) -> Search: ...

    def build(self, spec: DatasetSpec, params: dict[str, Any], random_state: int) -> Pipeline: ...


def _columns(spec: DatasetSpec) -> tuple[list[str], list[str], list[str]]:
    """Numeric (with derived metrics), binary and categorical column names."""
    derived = [m.name for m in derived_metrics_for(spec)]
    numeric = [f.name for f in spec.features if f.kind == "numeric"] + derived
    binary = [f.name for f in spec.features if f.kind == "binary"]
    categorical = [f.name for f in spec.features if f.kind == "categorical"]
    return numeric, binary, categorical


def _derive(spec: DatasetSpec) -> BehaviourMetrics:
    return BehaviourMetrics([m.name for m in derived_metrics_for(spec)])


# --- logistic ----------------------------------------------------------------------------------


class SplineLogistic:
    """Logistic regression on spline terms, missing-value indicators and one-hot categories."""

    name = "logistic"
    strengths: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0, 30.0)

    def _encoder(self, spec: DatasetSpec) -> ColumnTransformer:
        numeric, binary, categorical = _columns(spec)
        parts: list[tuple[str, Any, list[str]]] = []
        if numeric:
            splines = make_pipeline(
                SimpleImputer(strategy="median"),
                SplineTransformer(n_knots=6, degree=3, extrapolation="constant"),
            )
            parts += [
                ("splines", splines, numeric),
                ("missing", MissingIndicator(error_on_new=False), numeric),
            ]
        if binary:
            parts.append(("binary", SimpleImputer(strategy="most_frequent"), binary))
        if categorical:
            onehot = make_pipeline(
                SimpleImputer(strategy="constant", fill_value="(missing)"),
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    min_frequency=10,
                    max_categories=40,
                    sparse_output=False,
                ),
            )
            parts.append(("categories", onehot, categorical))
        return ColumnTransformer(parts, remainder="drop")

    def _regression(self, strength: float, random_state: int) -> LogisticRegression:
        # Newton steps on the exact Hessian: a few hundred columns and many rows, where it reaches
        # the optimum in some 7 iterations (L-BFGS stopped short of it after 40-100).
        return LogisticRegression(
            C=strength, solver="newton-cholesky", max_iter=500, random_state=random_state
        )

    def search(
        self, X: pd.DataFrame, y: np.ndarray, folds: Folds, spec: DatasetSpec, random_state: int
    ) -> Search:
        def held_out(fold: Fold) -> np.ndarray:
            train, test = fold
            encode = make_pipeline(_derive(spec), self._encoder(spec))
            fit_rows = encode.fit_transform(X.iloc[train], y[train])
            test_rows = encode.transform(X.iloc[test])
            return np.array(
                [
                    self._regression(strength, random_state)
                    .fit(fit_rows, y[train])
                    .predict_proba(test_rows)[:, 1]
                    for strength in self.strengths
                ]
            )

        oof = np.zeros((len(self.strengths), len(y)))
        for (_, test), proba in zip(folds, on_folds(held_out, folds), strict=True):
            oof[:, test] = proba
        best = int(np.argmin([log_loss(y, p, labels=[0, 1]) for p in oof]))
        return Search({"C": self.strengths[best]}, oof[best])

    def build(self, spec: DatasetSpec, params: dict[str, Any], random_state: int) -> Pipeline:
        return Pipeline(
            [
                ("derive", _derive(spec)),
                ("encode", self._encoder(spec)),
                ("model", self._regression(params["C"], random_state)),
            ]
        )


# --- boosting ----------------------------------------------------------------------------------


class CategoryColumns(TransformerMixin, BaseEstimator):
    """Keep the named text columns as pandas categories with the categories seen in ``fit``.

    LightGBM splits such columns natively; a category never seen in ``fit`` becomes missing.
    """

    def __init__(self, columns: Sequence[str] = ()) -> None:
        self.columns = columns

    def fit(self, X: pd.DataFrame, y: object = None) -> CategoryColumns:
        self.categories_ = {
            c: sorted(X[c].dropna().astype(str).unique().tolist()) for c in self.columns
        }
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self)
        return X.assign(
            **{
                c: pd.Categorical(_known(X[c].astype("string"), cats), categories=cats)
                for c, cats in self.categories_.items()
            }
        )


def _known(values: pd.Series, categories: list[str]) -> pd.Series:
    """Categories never seen in training become missing."""
    return values.where(values.isin(categories))


#: Share of a fold's training rows held back to stop the boosting on (never the fold's test rows).
STOPPING_SHARE = 0.15


def stopping_rows(y: np.ndarray, random_state: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the rows trees grow on and of the rows that stop them (a stratified
    :data:`STOPPING_SHARE`), among one fold's training rows ``y``.

    Early stopping on the test fold itself would pick the number of trees on the rows they then
    score, and the out-of-fold figures would flatter the model.

    Examples
    --------
    >>> grow, stop = stopping_rows(np.array([0, 1] * 50), 0)
    >>> len(grow), len(stop), sorted({*grow, *stop}) == list(range(100))
    (85, 15, True)
    """
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(y))
    stratify = y if min(np.bincount(y, minlength=2)) >= 2 else None
    grow, stop = train_test_split(
        rows, test_size=STOPPING_SHARE, stratify=stratify, random_state=random_state
    )
    return np.sort(grow), np.sort(stop)


class Boosting:
    """LightGBM with the number of trees found by early stopping and the tree size tuned."""

    name = "boosting"
    leaves: tuple[int, ...] = (4, 15)
    max_trees = 3000
    patience = 100

    def _booster(self, params: dict[str, Any], random_state: int) -> lgb.LGBMClassifier:
        return lgb.LGBMClassifier(
            n_estimators=params.get("n_estimators", self.max_trees),
            num_leaves=params["num_leaves"],
            learning_rate=0.05,
            min_child_samples=20,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            reg_lambda=1.0,
            random_state=random_state,
            n_jobs=1,
            verbose=-1,
        )

    def _prepare(self, spec: DatasetSpec) -> Pipeline:
        categorical = [f.name for f in spec.features if f.kind == "categorical"]
        return make_pipeline(_derive(spec), CategoryColumns(categorical))

    def search(
        self, X: pd.DataFrame, y: np.ndarray, folds: Folds, spec: DatasetSpec, random_state: int
    ) -> Search:
        def held_out(fold: Fold) -> list[tuple[int, np.ndarray]]:
            train, test = fold
            grow, stop = stopping_rows(y[train], random_state)  # the test fold stays unseen
            prepare = self._prepare(spec)
            fit_rows = prepare.fit_transform(X.iloc[train])
            test_rows = prepare.transform(X.iloc[test])
            found = []
            for leaves in self.leaves:
                booster = self._booster({"num_leaves": leaves}, random_state)
                booster.fit(
                    fit_rows.iloc[grow],
                    y[train][grow],
                    eval_X=(fit_rows.iloc[stop],),
                    eval_y=(y[train][stop],),
                    callbacks=[lgb.early_stopping(self.patience, verbose=False)],
                )
                trees = booster.best_iteration_ or self.max_trees
                found.append((trees, np.asarray(booster.predict_proba(test_rows))[:, 1]))
            return found

        oof = np.zeros((len(self.leaves), len(y)))
        trees = np.zeros((len(self.leaves), len(folds)))
        for k, ((_, test), found) in enumerate(zip(folds, on_folds(held_out, folds), strict=True)):
            for i, (n_trees, proba) in enumerate(found):
                trees[i, k] = n_trees
                oof[i, test] = proba
        best = int(np.argmin([log_loss(y, p, labels=[0, 1]) for p in oof]))
        # The final model learns from all folds, a fifth more rows: allow a tenth more trees.
        n_trees = max(10, round(float(np.mean(trees[best])) * 1.1))
        return Search({"num_leaves": self.leaves[best], "n_estimators": n_trees}, oof[best])

    def build(self, spec: DatasetSpec, params: dict[str, Any], random_state: int) -> Pipeline:
        return Pipeline(
            [
                ("derive", _derive(spec)),
                (
                    "categories",
                    CategoryColumns([f.name for f in spec.features if f.kind == "categorical"]),
                ),
                ("model", self._booster(params, random_state)),
            ]
        )


#: Candidate learners by name.
LEARNERS: dict[str, Learner] = {"logistic": SplineLogistic(), "boosting": Boosting()}
