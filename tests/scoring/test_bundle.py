"""A run folder, loaded for serving, scores members exactly as `analyze` and `score` did."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _reference import pipeline_probability
from churnlab.analysis.analyze import Analysis
from churnlab.errors import ModelFileError, UsageError
from churnlab.scoring.bundle import load_bundle


@pytest.fixture(scope="module")
def run_dir(club_run_dir: Path) -> Path:
    return club_run_dir


def test_bundle_scores_like_analyze_and_score(
    run_dir: Path, club_analysis: Analysis, gym: pd.DataFrame
) -> None:
    bundle = load_bundle(run=run_dir)
    scores, rejects, _ = bundle.score(gym)
    assert rejects.empty and scores["row"].tolist() == list(range(4000))
    members = club_analysis.members
    np.testing.assert_array_equal(scores["churn_probability"], members["churn_probability"])
    np.testing.assert_allclose(
        scores["churn_probability"],
        pipeline_probability(club_analysis.model, gym),  # the fitted pipeline, not the bundle's
        rtol=0,
        atol=1e-12,
    )
    assert (scores["segment"].to_numpy() == members["segment"].to_numpy()).mean() == 1.0
    assert (scores["action"] == members["recommended_measure"]).all()
    first = [r for r in members.loc[2, ["reason_1", "reason_2", "reason_3"]] if r]
    assert scores.loc[2, "reasons"] == first


def test_rows_that_cannot_be_scored_are_returned(run_dir: Path, gym: pd.DataFrame) -> None:
    frame = gym.head(5).astype({"Age": object})
    frame.loc[3, "Age"] = "old"
    scores, rejects, failures = load_bundle(run=run_dir).score(frame)
    assert scores["row"].tolist() == [0, 1, 2, 4] and rejects["row"].tolist() == [3]
    assert failures[["row", "column", "reason"]].values.tolist() == [[3, "Age", "not a number"]]


def test_a_bare_model_scores_without_segments(run_dir: Path, gym: pd.DataFrame) -> None:
    bundle = load_bundle(model=run_dir / "model.churnlab")
    scores = bundle.score(gym.head(10)).scores
    assert scores["segment"].isna().all() and scores["action"].notna().all()


def test_bad_bundles(run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not an analysis folder"):
        load_bundle(run=tmp_path)
    with pytest.raises(UsageError, match="either a run folder or a model file"):
        load_bundle()
    (tmp_path / "model.churnlab").write_bytes((run_dir / "model.churnlab").read_bytes())
    (tmp_path / "summary.json").write_text((run_dir / "summary.json").read_text())
    (tmp_path / "segments.skops").write_bytes(b"garbage")
    with pytest.raises(ModelFileError, match="damaged"):
        load_bundle(run=tmp_path)
