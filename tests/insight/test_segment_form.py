"""churnlab.insight.segment_form: the portraits' arithmetic, equal to the fitted segmenter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from churnlab.data.infer import encode_target, infer_spec
from churnlab.errors import ModelFileError
from churnlab.insight.segment import Segmenter
from churnlab.insight.segment_form import SegmentForm, SegmentFormError
from churnlab.scoring.bundle import load_bundle


def _odd(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Members with missing values, unseen categories and padding, as a new month brings."""
    odd = frame.head(300).copy()
    for column in columns:
        odd[column] = odd[column].astype(object)
        odd.loc[odd.index[::7], column] = None
    return odd


def test_the_club_members_get_the_fitted_segmenters_segments(gym: pd.DataFrame) -> None:
    spec = infer_spec(gym)
    X, y = gym.drop(columns="Churn"), gym["Churn"]
    segmenter = Segmenter(spec, random_state=0).fit(X, y)
    form = SegmentForm.from_dict(json.loads(json.dumps(SegmentForm.of(segmenter).to_dict())), spec)
    np.testing.assert_array_equal(form.predict(X), segmenter.labels_)
    odd = _odd(X, ["Age", "Lifetime", "Contract_period"])
    np.testing.assert_array_equal(form.predict(odd), segmenter.predict(odd))


def test_categories_seen_unseen_and_missing_are_placed_as_the_encoder_places_them(
    telco: pd.DataFrame,
) -> None:
    spec = infer_spec(telco, target_col="Churn")
    X, y = telco.drop(columns="Churn"), encode_target(telco["Churn"], "Yes")
    segmenter = Segmenter(spec, random_state=0).fit(X, y)
    form = SegmentForm.from_dict(SegmentForm.of(segmenter).to_dict(), spec)
    categorical = [f.name for f in spec.features if f.kind == "categorical"]
    assert categorical, "the table must have categories for this test"
    odd = _odd(X, categorical)
    odd.loc[odd.index[1::5], categorical[0]] = "a plan never seen"
    odd.loc[odd.index[2::5], categorical[0]] = f"  {X[categorical[0]].iloc[0]}  "
    np.testing.assert_array_equal(form.predict(odd), segmenter.predict(odd))


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: d.update(format=2),
        lambda d: d.update(centres=d["centres"][:1]),
        lambda d: d["centres"][0].__setitem__(0, float("nan")),
        lambda d: d["centres"][0].__setitem__(0, "__import__('os')"),
        lambda d: d["blocks"][0].update(columns=["not_a_feature"]),
        lambda d: d["blocks"][0].update(kind="pickle"),
        lambda d: d["blocks"][0].update(scale=[0.0] * len(d["blocks"][0]["scale"])),
        lambda d: d.update(segment_of_cluster=[1] * len(d["segment_of_cluster"])),
        lambda d: d.update(blocks="rm -rf /"),
    ],
)
def test_a_damaged_or_hostile_description_is_refused(gym: pd.DataFrame, spoil) -> None:  # type: ignore[no-untyped-def]
    spec = infer_spec(gym)
    segmenter = Segmenter(spec, random_state=0, n_segments=4).fit(gym.drop(columns="Churn"))
    data = SegmentForm.of(segmenter).to_dict()
    spoil(data)
    with pytest.raises(SegmentFormError):
        SegmentForm.from_dict(data, spec)


def test_a_folders_bad_segments_file_is_a_model_file_error(club_run_dir: Path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    folder = tmp_path / "club"
    shutil.copytree(club_run_dir, folder)
    (folder / "segments.json").write_text('{"format": 1, "blocks": []}', encoding="utf-8")
    with pytest.raises(ModelFileError) as caught:
        load_bundle(run=folder)
    assert (
        "segments.json" in caught.value.message
        and "rerun `churnlab analyze`" in caught.value.message
    )


def test_a_folder_scores_new_members_without_scikit_learn(
    club_run_dir: Path, club_analysis, gym
) -> None:  # type: ignore[no-untyped-def]
    """A monthly run loads no scikit-learn, skops or matplotlib: some 4 seconds saved."""
    program = (
        "import sys, json\n"
        "from churnlab.data.datasets import load_gym_churn\n"
        "from churnlab.scoring.bundle import load_bundle\n"
        f"bundle = load_bundle(run={str(club_run_dir)!r})\n"
        "scores = bundle.score(load_gym_churn().head(500)).scores\n"
        "heavy = [m for m in ('sklearn', 'skops', 'scipy', 'matplotlib') if m in sys.modules]\n"
        "print(json.dumps({'heavy': heavy, 'segments': scores['segment'].tolist(),\n"
        "                  'p': scores['churn_probability'].tolist()}))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          check=True)  # fmt: skip
    answer = json.loads(done.stdout)
    assert answer["heavy"] == []
    # the reference: the fitted segmenter and model of the analysis itself
    assert answer["segments"] == club_analysis.segmenter.predict(gym.head(500)).tolist()
    expected = club_analysis.model.predict_proba(gym.head(500).drop(columns="Churn"))[:, 1]
    np.testing.assert_allclose(answer["p"], expected, rtol=0, atol=1e-12)


def test_a_huge_segments_file_is_refused_unread(club_run_dir: Path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    folder = tmp_path / "club"
    shutil.copytree(club_run_dir, folder)
    with open(folder / "segments.json", "r+b") as handle:
        handle.truncate(65 << 20)  # sparse: no disk used, but larger than any real one
    with pytest.raises(ModelFileError, match="larger than 64 MiB"):
        load_bundle(run=folder)
