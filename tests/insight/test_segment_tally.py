"""churnlab.insight.segment_tally: the portraits' figures summed part by part are those of the
whole table, checked against pandas' own statistics of every member."""

from __future__ import annotations

import functools
import itertools
import operator

import numpy as np
import pandas as pd

from churnlab.data.infer import infer_spec
from churnlab.data.validate import coerce_members
from churnlab.insight.segment import describe_segments, portraits_of
from churnlab.insight.segment_tally import SegmentTally


def _table(n: int = 2_000) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "plan": rng.choice(["gold", "silver", "basic", None], n),
            "tenure": rng.integers(0, 60, n).astype(float),
            "spend": rng.lognormal(8, 1, n) + 1e6,  # a large mean: naive variance would cancel
            "region": rng.choice(list("abcde"), n, p=[0.4, 0.3, 0.2, 0.05, 0.05]),
        }
    )
    frame.loc[rng.random(n) < 0.1, "tenure"] = np.nan
    labels = rng.integers(0, 4, n)
    labels[frame["region"] == "e"] = 7  # a segment that some parts do not have
    return frame, labels, rng.integers(0, 2, n)


def test_the_parts_tallies_add_up_to_every_members_figures() -> None:
    frame, labels, y = _table()
    spec = infer_spec(frame.assign(Churn=y), target_col="Churn")
    coerced = coerce_members(frame, spec, strict=False, what="segmenting")
    cuts = [0, 3, 500, 1_200, 2_000]
    parts = [
        SegmentTally.of(coerced.iloc[a:b], labels[a:b], y[a:b], spec)
        for a, b in itertools.pairwise(cuts)
    ]
    tally = functools.reduce(operator.add, parts)
    by = pd.Series(labels)
    assert tally.sizes.to_dict() == by.value_counts().sort_index().to_dict()
    assert tally.churn_rate() == y.mean()
    for sid in by.unique():
        rows = labels == sid
        assert tally.churn_rate(sid) == y[rows].mean()
        for number in ("tenure", "spend"):
            assert np.isclose(tally.mean(number, sid), coerced[number][rows].mean(), rtol=1e-12)
        observed = coerced["plan"][rows].value_counts(normalize=True)
        assert np.allclose(tally.shares("plan", sid)[observed.index], observed, rtol=1e-12)
    for number in ("tenure", "spend"):
        assert np.isclose(tally.mean(number), coerced[number].mean(), rtol=1e-12)
        assert np.isclose(tally.overall_spread(number), coerced[number].std(ddof=0), rtol=1e-9)
    shares = tally.shares("region")
    assert shares.index[:3].tolist() == ["a", "b", "c"]  # most common first
    assert (np.diff(shares.to_numpy()) <= 0).all()
    assert np.allclose(shares, coerced["region"].value_counts(normalize=True)[shares.index])


def test_the_portraits_of_added_tallies_are_the_whole_tables() -> None:
    frame, labels, y = _table()
    spec = infer_spec(frame.assign(Churn=y), target_col="Churn")
    coerced = coerce_members(frame, spec, strict=False, what="segmenting")
    tally = SegmentTally.of(coerced.iloc[:900], labels[:900], y[:900], spec) + SegmentTally.of(
        coerced.iloc[900:], labels[900:], y[900:], spec
    )
    for lang in ("en", "ru"):
        whole = describe_segments(frame, labels, y, spec, lang=lang)
        parts = portraits_of(tally, spec, lang=lang)
        assert [(p.id, p.name, p.size, p.description) for p in parts] == [
            (p.id, p.name, p.size, p.description) for p in whole
        ]
