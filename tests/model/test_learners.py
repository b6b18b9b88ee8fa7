"""The candidate learners: the logistic learner's design against one built by hand, the boosting
learner's categories, and that a search's out-of-fold probabilities never saw their own rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import SplineTransformer

from churnlab.data.spec import DatasetSpec, FeatureSpec
from churnlab.model.learners import (
    LEARNERS,
    STOPPING_SHARE,
    Boosting,
    CategoryColumns,
    SplineLogistic,
    stopping_rows,
)

SPEC = DatasetSpec(
    "left",
    1,
    (
        FeatureSpec("tenure", "numeric"),
        FeatureSpec("support", "binary", 0, 1, integer=True),
        FeatureSpec("plan", "categorical"),
    ),
)


def _table(n: int = 120, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Numbers with gaps, a binary with gaps, a category with a rare value and gaps."""
    rng = np.random.default_rng(seed)
    tenure = rng.uniform(0, 60, n)
    tenure[[3, 17, 40]] = np.nan
    support = rng.integers(0, 2, n).astype(float)
    support[[5, 6]] = np.nan
    plan = np.array(["basic"] * (n // 2) + ["plus"] * (n // 2 - 9) + ["gold"] * 4 + [None] * 5)
    plan = rng.permutation(plan)
    score = 1.0 - 0.05 * np.nan_to_num(tenure, nan=30) + 0.8 * (plan == "basic")
    y = (rng.random(n) < 1 / (1 + np.exp(-score))).astype(int)
    return pd.DataFrame({"tenure": tenure, "support": support, "plan": plan}), y


def _hand_design(fit: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """The logistic learner's documented design, built here step by step: cubic splines on 6
    knots of the median-filled numbers, a missing flag for numbers that had gaps in fit, the
    binary with its gaps filled by its most frequent value, and one-hot categories (gaps a
    category of their own) where values seen fewer than 10 times (and unseen ones) share one
    "infrequent" column."""
    median = np.nanmedian(fit["tenure"])
    splines = SplineTransformer(n_knots=6, degree=3, extrapolation="constant")
    splines.fit(fit[["tenure"]].fillna(median))
    spline_part = splines.transform(rows[["tenure"]].fillna(median))
    missing_part = rows[["tenure"]].isna().to_numpy(dtype=float)  # fit had gaps in tenure
    mode = fit["support"].mode().iloc[0]
    binary_part = rows[["support"]].fillna(mode).to_numpy(dtype=float)
    fit_plan = fit["plan"].fillna("(missing)")
    counts = fit_plan.value_counts()
    frequent = sorted(counts[counts >= 10].index)
    plan = rows["plan"].fillna("(missing)")
    onehot = np.column_stack(
        [(plan == c).to_numpy(dtype=float) for c in frequent]
        + [(~plan.isin(frequent)).to_numpy(dtype=float)]
    )
    return np.hstack([spline_part, missing_part, binary_part, onehot])


def test_logistic_design_equals_one_built_by_hand() -> None:
    X, y = _table()
    pipeline = SplineLogistic().build(SPEC, {"C": 1.0}, random_state=0).fit(X, y)
    new = pd.DataFrame(
        {
            "tenure": [np.nan, -5.0, 12.5, 500.0],
            "support": [np.nan, 1.0, 0.0, 1.0],
            "plan": ["gold", "never seen", None, "plus"],
        }
    )
    design = pipeline[:-1].transform(new)
    expected = _hand_design(X, new)
    assert design.shape == (4, 8 + 1 + 1 + 3)  # 8 spline terms, 1 flag, 1 binary, basic/plus/rare
    np.testing.assert_allclose(design, expected, rtol=0, atol=1e-12)
    # the rare "gold", an unseen value and a gap all land in the one "infrequent" column
    np.testing.assert_array_equal(design[:, -3:], [[0, 0, 1], [0, 0, 1], [0, 0, 1], [0, 1, 0]])
    # and the regression on it is the optimum scikit-learn's L-BFGS finds on the hand-built
    # design when run to a tight tolerance (the learner takes Newton steps to it)
    reference = LogisticRegression(C=1.0, max_iter=20_000, tol=1e-10).fit(_hand_design(X, X), y)
    np.testing.assert_allclose(
        pipeline.predict_proba(new)[:, 1],
        reference.predict_proba(expected)[:, 1],
        rtol=0,
        atol=1e-6,
    )


def test_category_columns_keep_fit_categories_and_turn_others_missing() -> None:
    fit = pd.DataFrame({"plan": ["b", "a", None, "b"], "n": [1, 2, 3, 4], "code": [7, 8, 7, 8]})
    step = CategoryColumns(["plan", "code"])
    with pytest.raises(NotFittedError):
        step.transform(fit)
    step.fit(fit)
    assert step.categories_ == {"plan": ["a", "b"], "code": ["7", "8"]}
    out = step.transform(
        pd.DataFrame({"plan": ["a", "z", None, "b"], "n": [9, 8, 7, 6], "code": [8, 9, 7, 7]})
    )
    assert list(out["plan"].cat.categories) == ["a", "b"]
    assert out["plan"].tolist()[::3] == ["a", "b"] and out["plan"].isna().tolist() == [
        False,
        True,  # never seen in fit
        True,  # missing stays missing
        False,
    ]
    assert out["code"].astype(object).where(out["code"].notna(), None).tolist() == [
        "8",
        None,  # 9 was never seen
        "7",
        "7",
    ]
    assert out["n"].tolist() == [9, 8, 7, 6]  # other columns untouched


def _folds(y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    return list(StratifiedKFold(3, shuffle=True, random_state=0).split(np.zeros(len(y)), y))


def test_logistic_search_is_out_of_fold_and_picks_the_best_strength() -> None:
    X, y = _table(150, seed=1)
    folds = _folds(y)
    learner = SplineLogistic()
    learner.strengths = (0.3, 3.0, 30.0)  # three of the grid, for speed
    found = learner.search(X, y, folds, SPEC, random_state=0)
    assert found.params["C"] in learner.strengths
    # the reference: for every strength, a pipeline fitted on each fold's other rows only
    losses = {}
    for strength in learner.strengths:
        oof = np.full(len(y), np.nan)
        for train, test in folds:
            model = learner.build(SPEC, {"C": strength}, 0).fit(X.iloc[train], y[train])
            oof[test] = model.predict_proba(X.iloc[test])[:, 1]
        losses[strength] = log_loss(y, oof)
        if strength == found.params["C"]:
            np.testing.assert_allclose(found.oof_proba, oof, rtol=0, atol=1e-6)
    assert found.params["C"] == min(losses, key=losses.__getitem__)


def test_boosting_search_is_out_of_fold_with_params_in_its_grid() -> None:
    X, y = _table(150, seed=2)
    folds = _folds(y)
    learner = Boosting()
    learner.max_trees, learner.patience = 100, 10  # small, for speed
    found = learner.search(X, y, folds, SPEC, random_state=0)
    assert found.params["num_leaves"] in learner.leaves
    assert 10 <= found.params["n_estimators"] <= round(learner.max_trees * 1.1)
    # each fold's probabilities are those of some number of trees grown on the other rows only,
    # and stopped on some of those other rows, never on the fold's own
    for train, test in folds:
        grow, stop = stopping_rows(y[train], 0)
        assert len(stop) == round(STOPPING_SHARE * len(train)) and not {*grow} & {*stop}
        booster = learner.build(
            SPEC, {"num_leaves": found.params["num_leaves"], "n_estimators": learner.max_trees}, 0
        )
        prepare = booster[:-1].fit(X.iloc[train])  # the encoding learns from the whole fold
        booster[-1].fit(prepare.transform(X.iloc[train]).iloc[grow], y[train][grow])
        rows = prepare.transform(X.iloc[test])
        by_trees = [
            booster[-1].predict_proba(rows, num_iteration=k)[:, 1]
            for k in range(1, learner.max_trees + 1)
        ]
        gaps = [np.abs(p - found.oof_proba[test]).max() for p in by_trees]
        assert min(gaps) < 1e-9


def test_learners_by_name() -> None:
    assert {name: learner.name for name, learner in LEARNERS.items()} == {
        "logistic": "logistic",
        "boosting": "boosting",
    }
