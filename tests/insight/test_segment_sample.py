"""Segments of a large table: fitted on a fixed sample, each member placed by its nearest centre."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from churnlab.data.feature import FeatureSpec
from churnlab.data.spec import DatasetSpec, gym_spec
from churnlab.insight.segment import FIT_ROWS, Segmenter

BLOBS = 4
ROWS = 30_000

SPEC = DatasetSpec(
    "Churn",
    1,
    (
        FeatureSpec("visits", "numeric"),
        FeatureSpec("tenure", "numeric"),
        FeatureSpec("spend", "numeric"),
        FeatureSpec("plan", "categorical"),
    ),
)


@pytest.fixture(scope="module")
def blobs() -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Four well-separated groups of members (in three numbers and a plan), plus noise; who
    left depends on the group."""
    rng = np.random.default_rng(11)
    group = rng.integers(0, BLOBS, ROWS)
    centres = np.array([[0.0, 0.0, 0.0], [8.0, 0.0, 2.0], [0.0, 9.0, -3.0], [7.0, 8.0, 6.0]])
    numbers = centres[group] + rng.normal(0.0, 1.3, (ROWS, 3))
    plans = np.array(["monthly", "yearly"])[(group >= 2).astype(int) ^ (rng.random(ROWS) < 0.1)]
    X = pd.DataFrame(
        {"visits": numbers[:, 0], "tenure": numbers[:, 1], "spend": numbers[:, 2], "plan": plans}
    )
    y = pd.Series((rng.random(ROWS) < np.array([0.5, 0.3, 0.15, 0.05])[group]).astype(int))
    return X, y, group


@pytest.fixture(scope="module")
def sampled(blobs: tuple[pd.DataFrame, pd.Series, np.ndarray]) -> Segmenter:
    X, y, _ = blobs
    return Segmenter(SPEC, k_range=(3, 6), n_bootstrap=3, n_init=10, fit_rows=3_000).fit(X, y)


def _standardised(X: pd.DataFrame) -> np.ndarray:
    """Every member encoded as the segmenter does, but fitted on all of them, by scikit-learn."""
    numbers = StandardScaler().fit_transform(X[["visits", "tenure", "spend"]])
    plans = OneHotEncoder(sparse_output=False).fit_transform(X[["plan"]])
    return np.hstack([numbers, plans])


def test_a_sample_finds_the_segments_of_every_member(
    blobs: tuple[pd.DataFrame, pd.Series, np.ndarray], sampled: Segmenter
) -> None:
    X, y, group = blobs
    assert len(sampled.fit_rows_) == 3_000
    assert sampled.n_segments_ == BLOBS
    reference = KMeans(BLOBS, n_init=4, random_state=0).fit(_standardised(X)).labels_
    assert adjusted_rand_score(reference, sampled.labels_) >= 0.9
    assert adjusted_rand_score(group, sampled.labels_) >= 0.9
    # sizes and churn rates are of every member, not of the sample
    assert sampled.labels_.shape == (ROWS,)
    assert sampled.sizes_.sum() == ROWS
    counts = pd.Series(sampled.labels_).value_counts().sort_index()
    assert sampled.sizes_.tolist() == counts.tolist()
    rates = y.groupby(sampled.labels_).mean()
    assert sampled.churn_rates_ is not None
    np.testing.assert_allclose(sampled.churn_rates_.to_numpy(), rates.to_numpy())
    assert (np.diff(sampled.churn_rates_.to_numpy()) < 0).all()
    # what comes from the sample
    assert sampled.stability_runs_.shape == (3,)
    assert sampled.stability_ > 0.95
    assert set(sampled.linkage_rows_) <= set(sampled.fit_rows_)
    assert sampled.linkage_.shape == (499, 4)


def test_every_member_is_in_the_segment_of_its_nearest_centre(
    blobs: tuple[pd.DataFrame, pd.Series, np.ndarray], sampled: Segmenter
) -> None:
    X, _, _ = blobs
    Z = sampled.encoder_.transform(X)
    nearest = cdist(Z, sampled.kmeans_.cluster_centers_, "sqeuclidean").argmin(axis=1)
    np.testing.assert_array_equal(sampled.labels_, sampled.segment_of_cluster_[nearest])


def test_chunks_are_placed_on_their_own_as_in_the_whole_table(
    blobs: tuple[pd.DataFrame, pd.Series, np.ndarray], sampled: Segmenter
) -> None:
    X, _, _ = blobs
    centres = sampled.kmeans_.cluster_centers_.copy()
    chunks = [X.iloc[start : start + 7_001] for start in range(0, ROWS, 7_001)]
    placed = np.concatenate([sampled.predict(chunk) for chunk in chunks[::-1]][::-1])
    np.testing.assert_array_equal(placed, sampled.labels_)
    np.testing.assert_array_equal(sampled.kmeans_.cluster_centers_, centres)  # nothing refitted
    as_dict = {name: X[name].to_numpy()[:50] for name in X.columns}
    np.testing.assert_array_equal(sampled.predict(as_dict), sampled.labels_[:50])


def test_the_sample_is_fixed_by_the_seed_and_blind_to_the_target(
    blobs: tuple[pd.DataFrame, pd.Series, np.ndarray], sampled: Segmenter
) -> None:
    X, y, _ = blobs
    small = {"k_range": (4, 4), "n_bootstrap": 0, "n_init": 3, "fit_rows": 3_000}
    shuffled = pd.Series(np.random.default_rng(5).permutation(y.to_numpy()))
    blind = Segmenter(SPEC, **small).fit(X)
    other_target = Segmenter(SPEC, **small).fit(X, shuffled)
    np.testing.assert_array_equal(blind.fit_rows_, sampled.fit_rows_)
    np.testing.assert_array_equal(other_target.fit_rows_, sampled.fit_rows_)
    # the same segments, numbered by size or by the other churn
    assert adjusted_rand_score(blind.labels_, other_target.labels_) == 1.0
    other_seed = Segmenter(SPEC, **small, random_state=1).fit(X)
    assert len(np.intersect1d(other_seed.fit_rows_, sampled.fit_rows_)) < 1_000
    assert len(np.unique(sampled.fit_rows_)) == 3_000


def test_a_table_within_the_sample_is_used_whole(gym: pd.DataFrame) -> None:
    X, y = gym.drop(columns="Churn").head(1_500), gym["Churn"].head(1_500)
    settings = {"k_range": (4, 5), "n_bootstrap": 3, "n_init": 5}
    whole = Segmenter(gym_spec(), **settings, fit_rows=None).fit(X, y)
    for fit_rows in (1_500, 10**9):
        same = Segmenter(gym_spec(), **settings, fit_rows=fit_rows).fit(X, y)
        np.testing.assert_array_equal(same.fit_rows_, np.arange(1_500))
        np.testing.assert_array_equal(same.labels_, whole.labels_)
        assert same.scores_ == whole.scores_
        pd.testing.assert_series_equal(same.sizes_, whole.sizes_)
        pd.testing.assert_frame_equal(same.centers_, whole.centers_)
        np.testing.assert_array_equal(same.stability_runs_, whole.stability_runs_)
        np.testing.assert_array_equal(same.linkage_rows_, whole.linkage_rows_)
        np.testing.assert_array_equal(same.linkage_, whole.linkage_)
    # one member more than the sample: a sample of 1,499 of them
    fewer = Segmenter(gym_spec(), **settings, fit_rows=1_499).fit(X, y)
    assert len(fewer.fit_rows_) == 1_499
    assert fewer.sizes_.sum() == 1_500
    assert FIT_ROWS >= 4_000  # the club's own table is used whole by default


def test_a_sample_too_small_is_refused(gym: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="fit_rows"):
        Segmenter(gym_spec(), fit_rows=1).fit(gym.drop(columns="Churn").head(100))
