"""Member portraits: a few segments of similar members, each with its size, churn rate and words.

:class:`Segmenter` clusters members on their standardised features with k-means — the target is
never used to form the segments — choosing the number of segments by silhouette when it is not
given, and measuring how stable the segments are under bootstrap resampling. On a large
table this is done on a fixed random sample of members (:data:`FIT_ROWS`), and every member
is then placed in the segment of its nearest centre.
:func:`describe_segments` turns segments into :class:`Portrait` objects: a short name, the
features that set each segment apart, and a one- or two-sentence description in English or
Russian.

Examples
--------
>>> from churnlab.data.datasets import load_gym_churn
>>> from churnlab.data.spec import gym_spec
>>> members = load_gym_churn()
>>> X, y = members.drop(columns="Churn"), members["Churn"]
>>> segmenter = Segmenter(gym_spec(), n_bootstrap=5).fit(X, y)
>>> segmenter.n_segments_, int(segmenter.sizes_.sum())
(5, 4000)
>>> portraits = describe_segments(X, segmenter.labels_, y, gym_spec())
>>> portraits[0].churn_rate > 0.4 > 0.1 > portraits[-1].churn_rate
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.cluster.hierarchy import linkage
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from churnlab.data.spec import DatasetSpec
from churnlab.data.validate import coerce_members
from churnlab.insight import segment_text as text
from churnlab.insight.segment_tally import SegmentTally

__all__ = ["Portrait", "Segmenter", "describe_segments", "portraits_of", "tally_segments"]

#: At most this many members go into the Ward linkage kept for a dendrogram.
LINKAGE_ROWS = 500

#: By default the number of segments, the k-means fit and the stability check use a fixed
#: random sample of at most this many members, and every member is then placed in the segment
#: of its nearest centre; the club's own table (4,000 members) is used whole. The work on the
#: sample costs the same at any size: some 3 s of one slow core. On 100,000 synthetic members
#: the segments of samples of 4,000 (four seeds) agreed with those of k-means on every member
#: at an adjusted Rand index of 0.92 to 0.96; a sample of 20,000 cost 8 s and, its 30
#: restarts ending in a poorer optimum, agreed at 0.53.
FIT_ROWS = 4_000

#: Members encoded and placed in segments at a time, so memory stays flat on a large table.
ASSIGN_BATCH = 100_000


class Segmenter(BaseEstimator):
    """Segments of similar members: k-means on the standardised features.

    Numeric and binary features are imputed (median / most frequent) and standardised;
    categorical ones are imputed and one-hot encoded. The target is never used to form the
    segments — only to number them.

    Parameters
    ----------
    spec : DatasetSpec
        Which columns are features and of what kind.
    n_segments : int, optional
        The number of segments. When not given it is chosen in ``k_range`` by silhouette.
    k_range : tuple of int
        The smallest and largest number of segments to try (both included).
    n_bootstrap : int
        Bootstrap resamples used to measure :attr:`stability_` (0 to skip it).
    sample_size : int
        Silhouette scores are computed on a fixed random sample of at most this many members
        (of the fit sample).
    fit_rows : int or None
        The encoder, the choice of the number of segments, k-means and the stability check
        use a fixed random sample of at most this many members (drawn from ``random_state``,
        never from the target); every member is then placed in the segment of its nearest
        centre. ``None``: every member. A table at or below this size is used whole.
    random_state : int
        Seed of k-means, the samples and the resamples.
    n_init : int
        k-means restarts; the best (lowest inertia) is kept. On the club's table 10 restarts
        still end in different local optima for different seeds, 30 agree.

    Attributes
    ----------
    n_segments_ : int
        The number of segments.
    labels_ : numpy.ndarray
        Each training member's segment id, 1 .. ``n_segments_`` (every member, not only the
        fit sample).
    fit_rows_ : numpy.ndarray
        Positions of the members in the fit sample (every position when the table was used
        whole).
    scores_ : dict
        The silhouette score of each number of segments tried (on the fit sample).
    sizes_ : pandas.Series
        Members per segment id (every member).
    churn_rates_ : pandas.Series or None
        The churn rate per segment id, of every member (when ``fit`` was given the target).
    centers_ : pandas.DataFrame
        Each segment's center in the features' own units (the modal category for categorical
        features), indexed by segment id.
    stability_ : float
        Mean adjusted Rand index between the segments and those found on bootstrap resamples
        (1: always the same segments; near 0: no better than chance); ``nan`` without resamples.
        Measured on the fit sample, as are :attr:`stability_runs_`.
    linkage_ : numpy.ndarray
        Ward linkage of a sample of members (rows :attr:`linkage_rows_`), for a dendrogram.
    linkage_rows_ : numpy.ndarray
        Positions (in ``X``) of the members in the linkage sample, a part of the fit sample.

    Notes
    -----
    Segments are numbered by churn rate, highest first, when ``fit`` is given the target,
    otherwise by size, largest first: segment 1 is the riskiest (or the largest).

    Each bootstrap resample is clustered again — the better (by inertia) of 3 fresh k-means
    starts and one start from the segments' centers — and its segments of the fit sample are
    compared with the original ones. On the club's table this gives the same stability as 30
    fresh starts at a tenth of the time.

    On a table larger than ``fit_rows`` all of this runs on the fit sample, so it costs the
    same at any size; the members are then encoded and placed :data:`ASSIGN_BATCH` at a time.

    Examples
    --------
    >>> from churnlab.data.datasets import load_gym_churn
    >>> from churnlab.data.spec import gym_spec
    >>> members = load_gym_churn()
    >>> segmenter = Segmenter(gym_spec(), n_segments=5, n_bootstrap=0)
    >>> segmenter = segmenter.fit(members.drop(columns="Churn"), members["Churn"])
    >>> segmenter.churn_rates_.round(2).tolist()
    [0.52, 0.44, 0.27, 0.07, 0.03]
    >>> segmenter.predict(members.head(3)).tolist() == segmenter.labels_[:3].tolist()
    True
    """

    def __init__(
        self,
        spec: DatasetSpec,
        *,
        n_segments: int | None = None,
        k_range: tuple[int, int] = (3, 8),
        n_bootstrap: int = 20,
        sample_size: int = 2000,
        random_state: int = 0,
        n_init: int = 30,
        fit_rows: int | None = FIT_ROWS,
    ) -> None:
        self.spec = spec
        self.n_segments = n_segments
        self.k_range = k_range
        self.n_bootstrap = n_bootstrap
        self.sample_size = sample_size
        self.random_state = random_state
        self.n_init = n_init
        self.fit_rows = fit_rows

    def fit(self, X: pd.DataFrame, y: ArrayLike | None = None) -> Segmenter:
        """Find the segments of the members in ``X``.

        Parameters
        ----------
        X : pandas.DataFrame
            The members, with the spec's feature columns (others are ignored).
        y : array-like of 0/1, optional
            Whether each member left. Only used to number the segments and for
            :attr:`churn_rates_`.

        Returns
        -------
        Segmenter
            The fitted segmenter.
        """
        # One thread: these problems are small, and with both cores busy (other processes,
        # pytest-xdist) OpenMP k-means ran some 20 times slower on two threads than on one.
        with threadpool_limits(limits=1):
            return self._fit(X, y)

    def _fit(self, X: pd.DataFrame, y: ArrayLike | None) -> Segmenter:
        candidates = self._candidates()
        frame = _features(X, self.spec)
        target = None if y is None else _target(y, len(frame))
        self.fit_rows_ = _fit_sample(len(frame), self.fit_rows, self.random_state)
        whole = len(self.fit_rows_) == len(frame)
        sample = frame if whole else frame.iloc[self.fit_rows_].reset_index(drop=True)
        self.encoder_ = _encoder(self.spec).fit(sample)
        Z = np.asarray(self.encoder_.transform(sample), dtype=float)
        candidates = [k for k in candidates if k < len(Z)]
        if not candidates:
            raise ValueError(f"too few members ({len(Z)}) for {self._candidates()[0]} segments")

        scored = _sample(len(Z), self.sample_size, self.random_state, 1)
        fits: dict[int, KMeans] = {}
        self.scores_: dict[int, float] = {}
        for k in candidates:
            fits[k] = KMeans(k, n_init=self.n_init, random_state=self.random_state).fit(Z)
            self.scores_[k] = _silhouette(Z[scored], fits[k].labels_[scored])
        best = max(candidates, key=lambda k: (_nan_lowest(self.scores_[k]), -k))
        self.kmeans_ = fits[best]
        self.n_segments_ = best
        raw = self.kmeans_.labels_ if whole else self._clusters(frame)

        sizes = np.bincount(raw, minlength=best)
        if target is not None:
            rates = _rates(raw, target, best)
            order = sorted(range(best), key=lambda c: (-_nan_lowest(float(rates[c])), -sizes[c], c))
        else:
            order = sorted(range(best), key=lambda c: (-sizes[c], c))
        self.segment_of_cluster_ = np.empty(best, dtype=int)
        self.segment_of_cluster_[order] = np.arange(1, best + 1)
        self.labels_ = self.segment_of_cluster_[raw]
        ids = pd.Index(range(1, best + 1), name="segment")
        self.sizes_ = pd.Series(sizes[order], index=ids, name="size")
        self.churn_rates_ = (
            None if target is None else pd.Series(rates[order], index=ids, name="churn_rate")
        )
        self.centers_ = self._centers(order, ids)
        in_linkage = np.sort(_sample(len(Z), LINKAGE_ROWS, self.random_state, 2))
        self.linkage_rows_ = self.fit_rows_[in_linkage]
        self.linkage_ = linkage(Z[in_linkage], method="ward")
        self.stability_runs_ = self._stability(Z)
        runs = self.stability_runs_
        self.stability_ = float(runs.mean()) if len(runs) else math.nan
        return self

    def predict(self, X: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
        """The segment id (1 .. ``n_segments_``) of each member in ``X``.

        Only the fitted encoding and centres are used, so any part of a table (a chunk, a
        partition) can be placed on its own: the segments of the parts, put together, are
        those of the whole table.

        Parameters
        ----------
        X : pandas.DataFrame or dict
            The members (a DataFrame, or a dict of equally long arrays), with the spec's
            feature columns.

        Returns
        -------
        numpy.ndarray
            Each member's segment id, in the order of ``X``.
        """
        check_is_fitted(self, "kmeans_")
        return np.asarray(self.segment_of_cluster_[self._clusters(_features(X, self.spec))])

    def _clusters(self, frame: pd.DataFrame) -> np.ndarray:
        """The nearest k-means centre of each member of ``frame`` (as :func:`_features` gives
        it), encoded and placed :data:`ASSIGN_BATCH` members at a time."""
        centres = self.kmeans_.cluster_centers_
        lengths = (centres**2).sum(axis=1)
        clusters = np.empty(len(frame), dtype=np.intp)
        for start in range(0, len(frame), ASSIGN_BATCH):
            part = frame.iloc[start : start + ASSIGN_BATCH]
            Z = _encode(self.encoder_, part)
            # |z - c|^2 = |z|^2 - 2 z.c + |c|^2, and |z|^2 is the same for all c.
            clusters[start : start + len(part)] = np.argmin(lengths - 2.0 * Z @ centres.T, axis=1)
        return clusters

    def _candidates(self) -> list[int]:
        if self.n_segments is not None:
            if int(self.n_segments) < 2:
                raise ValueError(f"n_segments must be at least 2, not {self.n_segments}")
            return [int(self.n_segments)]
        low, high = (int(k) for k in self.k_range)
        if low < 2 or high < low:
            raise ValueError(
                f"k_range must be (low, high) with 2 <= low <= high, not {self.k_range}"
            )
        return list(range(low, high + 1))

    def _centers(self, order: list[int], ids: pd.Index) -> pd.DataFrame:
        centers = self.kmeans_.cluster_centers_[order]
        columns: dict[str, Any] = {}
        for name, pipeline, names in self.encoder_.transformers_:
            if name == "remainder":
                continue
            block = centers[:, self.encoder_.output_indices_[name]]
            if name == "categorical":
                onehot = pipeline[-1]
                start = 0
                for column, categories in zip(names, onehot.categories_, strict=True):
                    part = block[:, start : start + len(categories)]
                    columns[column] = np.asarray(categories, dtype=object)[part.argmax(axis=1)]
                    start += len(categories)
            else:
                values = np.round(pipeline[-1].inverse_transform(block), 12) + 0.0
                columns.update({column: values[:, i] for i, column in enumerate(names)})
        return pd.DataFrame(columns, index=ids)[[f.name for f in self.spec.features]]

    def _stability(self, Z: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng([self.random_state, 3])
        k = self.n_segments_
        scores = []
        for run in range(self.n_bootstrap):
            rows = rng.integers(0, len(Z), len(Z))
            fresh = KMeans(k, n_init=3, random_state=self.random_state + 1 + run).fit(Z[rows])
            warm = KMeans(k, init=self.kmeans_.cluster_centers_, n_init=1).fit(Z[rows])
            model = warm if warm.inertia_ <= fresh.inertia_ else fresh
            scores.append(adjusted_rand_score(self.kmeans_.labels_, model.predict(Z)))
        return np.asarray(scores, dtype=float)


@dataclass(frozen=True)
class Portrait:
    """A segment of members in numbers and words.

    Attributes
    ----------
    id : int
        The segment id.
    name : str
        A short name, distinct among the segments ("Newcomers on monthly contracts").
    size : int
        Members in the segment.
    share : float
        Its share of all members.
    churn_rate : float
        The share of its members who left (``nan`` without a target).
    description : str
        One or two sentences: size, churn and what sets the segment apart.
    distinguishing : list of dict
        The features that set it apart most: ``feature``, ``label``, ``category`` (for a
        categorical feature: its over-represented category, else None), ``segment_mean``,
        ``overall_mean`` (for a category: its share) and ``difference_sd`` (the difference in
        standard deviations of all members).
    """

    id: int
    name: str
    size: int
    share: float
    churn_rate: float
    description: str
    distinguishing: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return asdict(self)


def describe_segments(
    X: pd.DataFrame,
    labels: ArrayLike,
    y: ArrayLike | None,
    spec: DatasetSpec,
    *,
    lang: str = "en",
    top: int = 3,
) -> list[Portrait]:
    """A portrait of each segment: size, churn, what sets it apart, a name and a description.

    Parameters
    ----------
    X : pandas.DataFrame
        The members, with the spec's feature columns.
    labels : array-like
        Each member's segment id (e.g. :attr:`Segmenter.labels_`).
    y : array-like of 0/1 or None
        Whether each member left.
    spec : DatasetSpec
        What the columns mean; the club's columns get hand-written phrases.
    lang : {"en", "ru"}
        The language of names, labels and descriptions.
    top : int
        How many distinguishing features to keep per segment.

    Returns
    -------
    list of Portrait
        One per segment, in segment id order.

    Examples
    --------
    >>> X = pd.DataFrame({"tenure": [1, 2, 3, 30, 40, 50], "plan": list("aabbbb")})
    >>> from churnlab.data.feature import FeatureSpec
    >>> spec = DatasetSpec("Churn", 1, (FeatureSpec("tenure", "numeric"),
    ...                                 FeatureSpec("plan", "categorical")))
    >>> first, second = describe_segments(X, [1, 1, 1, 2, 2, 2], [1, 1, 0, 0, 0, 0], spec)
    >>> first.name, first.churn_rate
    ('Low tenure, plan: a', 0.666...)
    >>> print(first.description)
    3 members (50 %), churn 67 % — twice the overall 33 %. Compared with the average member they
    have lower tenure (2.0 vs 21.0) and more often have plan “a” (67 % vs 33 %).
    >>> describe_segments(X, [1, 1, 1, 2, 2, 2], None, spec, lang="ru")[1].name
    'Высокий tenure, plan: b'
    """
    text.check_lang(lang)
    return portraits_of(tally_segments(X, labels, y, spec), spec, lang=lang, top=top)


def tally_segments(
    X: pd.DataFrame, labels: ArrayLike, y: ArrayLike | None, spec: DatasetSpec
) -> SegmentTally:
    """The :class:`~churnlab.insight.segment_tally.SegmentTally` of members ``X`` in segments
    ``labels`` (see :func:`describe_segments` for the parameters): tally once, then draw the
    portraits in each language with :func:`portraits_of`."""
    frame = _features(X, spec)
    ids = np.asarray(labels)
    if ids.shape != (len(frame),):
        raise ValueError(f"labels must have one segment id per member ({len(frame)})")
    target = None if y is None else _target(y, len(frame))
    return SegmentTally.of(frame, ids, target, spec)


def portraits_of(
    tally: SegmentTally, spec: DatasetSpec, *, lang: str = "en", top: int = 3
) -> list[Portrait]:
    """The portraits of a :class:`~churnlab.insight.segment_tally.SegmentTally`: what
    :func:`describe_segments` gives for the members tallied (a table's parts' tallies added
    give the whole table's portraits)."""
    text.check_lang(lang)
    overall_rate = tally.churn_rate()
    features = {f.name: f for f in spec.features}
    segments = [int(s) for s in tally.sizes.index]
    ranked = {sid: _ranked(tally, sid, spec, lang) for sid in segments}
    names = text.name_segments(ranked, features, lang)
    club = spec.is_club_table
    portraits = []
    for sid in segments:
        size = int(tally.sizes[sid])
        share = size / tally.members
        rate = tally.churn_rate(sid)
        portraits.append(
            Portrait(
                id=sid,
                name=names[sid],
                size=size,
                share=share,
                churn_rate=rate,
                description=text.describe(
                    size=size,
                    share=share,
                    churn_rate=rate,
                    overall_rate=overall_rate,
                    items=ranked[sid],
                    features=features,
                    lang=lang,
                    club=club,
                    top=top,
                ),
                distinguishing=[dict(item) for item in ranked[sid][:top]],
            )
        )
    return portraits


def _ranked(
    tally: SegmentTally, segment: int, spec: DatasetSpec, lang: str
) -> list[dict[str, Any]]:
    """Every feature's difference between the segment and all members, largest first."""
    items = []
    for feature in spec.features:
        if feature.kind == "categorical":
            shares = tally.shares(feature.name)
            spread = np.sqrt(shares * (1 - shares))
            inside = tally.shares(feature.name, segment)
            diffs = ((inside - shares) / spread.where(spread > 0)).dropna()
            if diffs.empty or diffs.max() <= 0:
                continue
            category = diffs.idxmax()
            segment_mean, overall_mean = float(inside[category]), float(shares[category])
            sd = float(diffs[category])
            label = f"{feature.title(lang)}: {category}"
        else:
            spread = tally.overall_spread(feature.name)
            overall_mean = tally.mean(feature.name)
            segment_mean = tally.mean(feature.name, segment)
            if not spread > 0 or math.isnan(segment_mean):
                continue
            category, sd, label = None, (segment_mean - overall_mean) / spread, feature.title(lang)
        items.append(
            {
                "feature": feature.name,
                "label": label,
                "category": None if category is None else str(category),
                "segment_mean": segment_mean,
                "overall_mean": overall_mean,
                "difference_sd": sd,
            }
        )
    return sorted(items, key=lambda item: -abs(item["difference_sd"]))


def _features(X: pd.DataFrame | Mapping[str, Any], spec: DatasetSpec) -> pd.DataFrame:
    """The spec's features of ``X``: numbers as floats, categories as text (missing: NaN), as
    every path coerces them (:func:`churnlab.data.validate.coerce_members`); a value not of its
    kind is missing here."""
    return coerce_members(X, spec, strict=False, what="segmenting").reset_index(drop=True)


def _encode(encoder: ColumnTransformer, frame: pd.DataFrame) -> np.ndarray:
    """``encoder.transform(frame)`` as plain arithmetic: the fitted imputers' fills, the scalers'
    means and scales; categories one-hot encoded once per distinct combination."""
    blocks = []
    for name, pipeline, columns in encoder.transformers_:
        if name == "remainder" or pipeline == "drop":
            continue
        if name == "categorical":
            part = pd.DataFrame({c: frame[c] for c in columns})
            distinct = part.drop_duplicates()
            codes = part.groupby(list(columns), dropna=False, sort=False).ngroup().to_numpy()
            blocks.append(np.asarray(pipeline.transform(distinct), dtype=float)[codes])
            continue
        imputer, scaler = pipeline
        x = np.column_stack([np.asarray(frame[c], dtype=float) for c in columns])
        x = np.where(np.isnan(x), imputer.statistics_, x)
        blocks.append((x - scaler.mean_) / scaler.scale_)
    return np.hstack(blocks)


def _target(y: ArrayLike, n: int) -> np.ndarray:
    target = np.asarray(y, dtype=float)
    if target.shape != (n,):
        raise ValueError(f"y must have one value per member ({n}), not shape {target.shape}")
    if not np.isin(target, [0.0, 1.0]).all():
        raise ValueError("y must hold only 0 and 1 (1: the member left)")
    return target


def _encoder(spec: DatasetSpec) -> ColumnTransformer:
    kinds: dict[str, list[str]] = {"numeric": [], "binary": [], "categorical": []}
    for feature in spec.features:
        kinds[feature.kind].append(feature.name)
    steps = {
        "numeric": lambda: make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
        ),
        "binary": lambda: make_pipeline(
            SimpleImputer(strategy="most_frequent", keep_empty_features=True), StandardScaler()
        ),
        "categorical": lambda: make_pipeline(
            SimpleImputer(strategy="most_frequent", keep_empty_features=True),
            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
        ),
    }
    parts = [(kind, steps[kind](), names) for kind, names in kinds.items() if names]
    return ColumnTransformer(parts, remainder="drop")


def _fit_sample(n: int, size: int | None, random_state: int) -> np.ndarray:
    """The sorted positions of the fit sample: every one of ``n`` when ``size`` is None or at
    least ``n``, else ``size`` of them drawn from ``random_state`` alone."""
    if size is None or n <= size:
        return np.arange(n)
    if size < 2:
        raise ValueError(f"fit_rows must be at least 2 (or None), not {size}")
    return np.sort(_sample(n, int(size), random_state, 4))


def _rates(clusters: np.ndarray, target: np.ndarray, k: int) -> np.ndarray:
    """The mean target of each of ``k`` clusters (``nan`` for an empty one)."""
    counts = np.bincount(clusters, minlength=k).astype(float)
    left = np.bincount(clusters, weights=target, minlength=k)
    rates: np.ndarray = np.divide(left, counts, out=np.full(k, math.nan), where=counts > 0)
    return rates


def _sample(n: int, size: int, random_state: int, stream: int) -> np.ndarray:
    """A fixed random sample of at most ``size`` of ``n`` row positions."""
    if n <= size:
        return np.arange(n)
    return np.random.default_rng([random_state, stream]).choice(n, size, replace=False)


def _silhouette(Z: np.ndarray, labels: np.ndarray) -> float:
    if not 2 <= len(np.unique(labels)) < len(labels):
        return math.nan
    return float(silhouette_score(Z, labels))


def _nan_lowest(value: float) -> float:
    """A score to rank by: NaN (and the infinities) below every number."""
    return value if math.isfinite(value) else -math.inf
