"""The churn model: each member's calibrated probability of leaving next month."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from churnlab.data.infer import infer_spec
from churnlab.data.spec import DatasetSpec
from churnlab.data.validate import check_members, coerce_members, require_columns
from churnlab.errors import SchemaError, UsageError, ValidationError
from churnlab.model.calibration import TIERS, calibrate, fit_platt, risk_codes
from churnlab.model.compiled import CompiledModel, compile_model
from churnlab.model.evaluate import best_threshold, classification_metrics
from churnlab.model.learners import LEARNERS
from churnlab.model.settings import MIN_TUNE_ROWS, TUNE_ROWS, TuneRows, tuning_size

__all__ = ["MIN_TUNE_ROWS", "TUNE_ROWS", "ChurnModel", "data_hash"]


def data_hash(X: pd.DataFrame, y: Any = None) -> str:
    """A fingerprint of a training table: the same rows and values give the same hash.

    Examples
    --------
    >>> a = pd.DataFrame({"x": [1, 2]})
    >>> data_hash(a) == data_hash(a.copy()), data_hash(a) == data_hash(a.iloc[::-1])
    (True, False)
    """
    import hashlib

    digest = hashlib.sha256()
    digest.update(",".join(map(str, X.columns)).encode())
    digest.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    if y is not None:
        digest.update(np.asarray(y, dtype=float).tobytes())
    return digest.hexdigest()


class ChurnModel(ClassifierMixin, BaseEstimator):
    """Calibrated probability that a member leaves next month.

    Fitting tries each candidate learner (a spline logistic regression and LightGBM) on the same
    stratified folds, tunes each, keeps the one with the lower out-of-fold log loss, calibrates it
    on its out-of-fold probabilities (Platt scaling), and refits it on all rows. On a large table
    the choosing, tuning and calibrating use a stratified sample whose size grows slowly with the
    table (:func:`~churnlab.model.settings.tuning_size`; the out-of-fold figures are the
    sample's), and only the refit sees every row: a million members train in a minute or two
    instead of half an hour.

    Parameters
    ----------
    spec : DatasetSpec, optional
        What the columns mean. Inferred from ``X`` when not given.
    learner : {"auto", "logistic", "boosting"}
        ``auto`` chooses by out-of-fold log loss.
    folds : int
        Folds used to tune, choose and calibrate.
    random_state : int
        Seed of the folds, the sample and the learners.
    tune_rows : "auto", int or None
        How many members to choose, tune and calibrate on: ``"auto"`` grows slowly with the
        table (every row up to 10,000, 17,783 of 100,000, 31,623 of a million), an int is the
        most, None is every row.

    Attributes
    ----------
    spec_ : DatasetSpec
        The spec used.
    feature_names_in_ : ndarray of str
        The columns the model reads.
    learner_ : str
        The chosen learner.
    params_ : dict
        The tuned settings of the chosen learner.
    candidates_ : dict
        Each candidate's out-of-fold log loss.
    estimator_ : sklearn.pipeline.Pipeline
        The chosen learner refitted on all rows.
    calibration_ : tuple of float
        Slope and intercept of the Platt scaling on the learner's log-odds.
    oof_proba_ : ndarray
        Calibrated out-of-fold probabilities of the rows in ``oof_rows_``.
    oof_fold_ : ndarray of int
        The fold in which each of those rows was held out (not saved in model files).
    oof_rows_ : ndarray of int
        The training rows (positions) ``oof_proba_`` and ``oof_fold_`` belong to: every row,
        or the tuning sample (not saved in model files).
    oof_target_ : ndarray of int
        Whether each of those rows left (0/1), so the figures can be redrawn without the
        training table (not saved in model files).
    oof_metrics_ : dict
        Metrics of ``oof_proba_`` (from the tuning folds; see :func:`~churnlab.cross_evaluate`
        for a fully nested estimate with its spread).
    threshold_ : float
        The probability at which the model says "will leave" (maximises out-of-fold F1).
    base_rate_ : float
        The share of leavers in the training rows.
    data_hash_ : str
        Fingerprint of the training rows.
    encoded_mean_ : ndarray or None
        The average training member in the logistic learner's encoding: the reference each
        feature's contribution is measured from (see :mod:`churnlab.insight.explain`). None for
        boosting, whose contributions (TreeSHAP) carry their own reference.

    Examples
    --------
    >>> from churnlab.data.datasets import load_gym_churn
    >>> members = load_gym_churn()
    >>> X, y = members.drop(columns="Churn"), members["Churn"]
    >>> model = ChurnModel(learner="logistic", folds=3).fit(X, y)
    >>> proba = model.predict_proba(X)[:, 1]
    >>> bool(0 <= proba.min() <= proba.max() <= 1), model.oof_metrics_["roc_auc"] > 0.97
    (True, True)
    """

    def __init__(
        self,
        spec: DatasetSpec | None = None,
        *,
        learner: str = "auto",
        folds: int = 5,
        random_state: int = 0,
        tune_rows: TuneRows = "auto",
    ) -> None:
        self.spec = spec
        self.learner = learner
        self.folds = folds
        self.random_state = random_state
        self.tune_rows = tune_rows

    def fit(self, X: pd.DataFrame, y: Any) -> ChurnModel:
        """Choose, tune, calibrate and fit the model.

        Parameters
        ----------
        X : pandas.DataFrame
            One row per member; the spec's feature columns in any order (others are ignored).
        y : array-like of 0/1 or bool
            1 where the member left.
        """
        # Many small linear-algebra calls: BLAS threads cost more than they bring (10x here).
        with threadpool_limits(limits=1, user_api="blas"):
            return self._fit(X, y)

    def _fit(self, X: pd.DataFrame, y: Any) -> ChurnModel:
        if self.learner != "auto" and self.learner not in LEARNERS:
            raise UsageError(
                f"unknown learner {self.learner!r}", fix=f"use one of: auto, {', '.join(LEARNERS)}"
            )
        if not isinstance(X, pd.DataFrame):
            raise TypeError("ChurnModel needs a pandas DataFrame with named columns")
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
        if not set(np.unique(y)) <= {0, 1}:
            raise SchemaError(
                "y must hold 0 (stayed) and 1 (left)",
                fix="encode the target first, e.g. with churnlab.data.infer.encode_target",
            )
        y = y.astype(int)
        if isinstance(self.tune_rows, int) and self.tune_rows < MIN_TUNE_ROWS:
            raise UsageError(
                f"tune_rows={self.tune_rows} is too few to choose and calibrate a model on",
                fix=f"use at least {MIN_TUNE_ROWS:,}, 'auto', or None for every row",
            )
        spec = self.spec or infer_spec(X.assign(__left__=y), target_col="__left__", positive=1)
        X = self._features(X, spec, check=True)
        minority = int(min(np.bincount(y, minlength=2)))
        if minority < 2:
            raise SchemaError("the target needs at least two members who left and two who stayed")
        self.oof_rows_ = _tuning_rows(y, tuning_size(len(y), self.tune_rows), self.random_state)
        tune_X, tune_y = X.iloc[self.oof_rows_], y[self.oof_rows_]
        minority = int(min(np.bincount(tune_y, minlength=2)))
        folds = list(
            StratifiedKFold(
                n_splits=min(self.folds, minority), shuffle=True, random_state=self.random_state
            ).split(tune_X, tune_y)
        )

        names = list(LEARNERS) if self.learner == "auto" else [self.learner]
        searches = {
            n: LEARNERS[n].search(tune_X, tune_y, folds, spec, self.random_state) for n in names
        }
        self.candidates_ = {
            n: float(log_loss(tune_y, s.oof_proba, labels=[0, 1])) for n, s in searches.items()
        }
        learner = min(self.candidates_, key=self.candidates_.__getitem__)
        chosen = searches[learner]
        self.held_out(chosen.oof_proba, tune_y)
        self.oof_fold_ = np.zeros(len(tune_y), dtype=int)
        for k, (_, test) in enumerate(folds):
            self.oof_fold_[test] = k

        estimator = LEARNERS[learner].build(spec, chosen.params, self.random_state)
        # the steps one by one, as Pipeline.fit does, to keep the design for its mean
        design = estimator[:-1].fit_transform(X, y)
        estimator[-1].fit(design, y)
        return self.fitted_as(
            spec=spec,
            learner=learner,
            params=chosen.params,
            estimator=estimator,
            base_rate=float(y.mean()),
            data_hash=data_hash(X, y),
            encoded_mean=(
                np.asarray(design, dtype=float).mean(axis=0) if learner == "logistic" else None
            ),
        )

    def held_out(self, raw: np.ndarray, y: np.ndarray) -> ChurnModel:
        """Calibrate on raw out-of-fold (or held-out) probabilities ``raw`` of outcomes ``y``:
        sets ``calibration_`` (Platt scaling), ``oof_proba_``, ``threshold_`` and
        ``oof_metrics_``. The one place these are computed, for every way a model is trained."""
        self.calibration_ = fit_platt(raw, y)
        self.oof_target_ = np.asarray(y, dtype=int)
        self.oof_proba_ = calibrate(raw, self.calibration_)
        self.threshold_ = best_threshold(y, self.oof_proba_)
        self.oof_metrics_ = classification_metrics(y, self.oof_proba_, threshold=self.threshold_)
        return self

    def fitted_as(
        self,
        *,
        spec: DatasetSpec,
        learner: str,
        params: dict[str, Any],
        estimator: Any,
        base_rate: float,
        data_hash: str,
        encoded_mean: np.ndarray | None,
        **recorded: Any,
    ) -> ChurnModel:
        """Set the fitted attributes that make this a fitted model: the one place they are
        assembled, whether the model was fitted here, on a Dask cluster, or read from a file.

        ``recorded`` are attributes a model file carries instead of :meth:`held_out`'s
        (``calibration_``, ``threshold_``, ``oof_metrics_``, ``candidates_``), by name.
        """
        for name, value in recorded.items():
            setattr(self, name, value)
        self.spec_ = spec
        self.learner_ = learner
        self.params_ = dict(params)
        self.estimator_ = estimator
        self.base_rate_ = float(base_rate)
        self.data_hash_ = data_hash
        self.encoded_mean_ = encoded_mean
        self.feature_names_in_ = np.asarray(spec.feature_names, dtype=object)
        self.n_features_in_ = len(spec.feature_names)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities of staying (column 0) and leaving next month (column 1).

        Parameters
        ----------
        X : pandas.DataFrame
            The training feature columns in any order; other columns are ignored.
        """
        leave = self.compiled().probability(self._features(X, self.spec_))
        return np.column_stack([1.0 - leave, leave])

    def compiled(self) -> CompiledModel:
        """This fitted model as plain array arithmetic (built on first use, then kept).

        Same probabilities as the pipeline, far faster; see :mod:`churnlab.model.compiled`.
        """
        check_is_fitted(self, "estimator_")
        found = self.__dict__.get("_compiled")
        if found is None or found.estimator is not self.estimator_:
            found = self.__dict__["_compiled"] = compile_model(self)
        return found

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_compiled", None)  # rebuilt on demand; closures do not pickle
        return state

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the probability of leaving reaches ``threshold_``."""
        return (self.predict_proba(X)[:, 1] >= self.threshold_).astype(int)

    def risk_tier(self, proba: np.ndarray) -> np.ndarray:
        """``high`` from ``threshold_`` up, ``medium`` from the base churn rate, else ``low``.

        Examples
        --------
        >>> m = ChurnModel(); m.threshold_, m.base_rate_ = 0.5, 0.25
        >>> m.risk_tier(np.array([0.1, 0.3, 0.7])).tolist()
        ['low', 'medium', 'high']
        """
        return np.asarray(TIERS[self.risk_codes(proba)])

    def risk_codes(self, proba: np.ndarray) -> np.ndarray:
        """:meth:`risk_tier` as codes: 0 low, 1 medium, 2 high."""
        return risk_codes(proba, base_rate=self.base_rate_, threshold=self.threshold_)

    @staticmethod
    def _features(X: pd.DataFrame, spec: DatasetSpec, *, check: bool = False) -> pd.DataFrame:
        """The spec's feature columns, in its order, coerced to their kinds.

        With ``check`` any impossible value raises :class:`ValidationError` (used by ``fit``);
        otherwise only the kinds are enforced, which keeps scoring fast.
        """
        require_columns(X, spec.feature_names)
        if check:
            checked = check_members(X.reset_index(drop=True), spec)
            if len(checked.failures):
                raise ValidationError(checked.failures)
            return checked.members[spec.feature_names]
        if _has_kinds(X, spec):  # already coerced, as check_members returns members
            return X if list(X.columns) == spec.feature_names else X[spec.feature_names]
        return coerce_members(X, spec)


def _tuning_rows(y: np.ndarray, limit: int, random_state: int) -> np.ndarray:
    """Every row, or a stratified sample of ``limit`` rows in their original order.

    Examples
    --------
    >>> y = np.array([0] * 900 + [1] * 100)
    >>> rows = _tuning_rows(y, 200, 0)
    >>> len(rows), int(y[rows].sum()), bool((np.diff(rows) > 0).all())
    (200, 20, True)
    """
    if len(y) <= limit:
        return np.arange(len(y))
    from sklearn.model_selection import train_test_split

    sample, _ = train_test_split(
        np.arange(len(y)), train_size=limit, stratify=y, random_state=random_state
    )
    if min(np.bincount(y[sample], minlength=2)) < 2:  # too rare an outcome to sample
        return np.arange(len(y))
    return np.sort(sample)


def _has_kinds(X: pd.DataFrame, spec: DatasetSpec) -> bool:
    """Whether every feature of ``X`` already has its kind's dtype (float, or object for text)."""
    dtypes = X.dtypes
    return all(
        dtypes[f.name] == (object if f.kind == "categorical" else np.float64) for f in spec.features
    )
