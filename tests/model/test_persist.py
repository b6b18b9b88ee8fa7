"""churnlab.model.persist: model files written and read back, and files that are not models."""

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from churnlab.errors import ModelFileError
from churnlab.model.churn_model import ChurnModel
from churnlab.model.persist import FORMAT_VERSION, load_model, read_manifest, save_model


def test_round_trip_gives_identical_probabilities(
    tmp_path: Path, gym: pd.DataFrame, gym_model: ChurnModel
) -> None:
    path = save_model(gym_model, tmp_path / "m.churnlab")
    loaded = load_model(path)
    X = gym.drop(columns="Churn")
    np.testing.assert_array_equal(loaded.predict_proba(X), gym_model.predict_proba(X))
    assert loaded.spec_ == gym_model.spec_ and loaded.threshold_ == gym_model.threshold_
    np.testing.assert_array_equal(loaded.risk_tier(np.array([0.9])), ["high"])


def test_manifest_carries_version_spec_hash_learner_metrics(
    tmp_path: Path, gym_model: ChurnModel
) -> None:
    manifest = read_manifest(save_model(gym_model, tmp_path / "m.churnlab"))
    assert manifest["format"] == "churnlab-model" and manifest["format_version"] == FORMAT_VERSION
    assert manifest["data_hash"] == gym_model.data_hash_
    assert manifest["learner"] == gym_model.learner_
    assert manifest["oof_metrics"]["roc_auc"] == pytest.approx(gym_model.oof_metrics_["roc_auc"])
    assert manifest["spec"]["target_col"] == "Churn"


@pytest.fixture
def saved(tmp_path: Path, small_gym: pd.DataFrame) -> Path:
    model = ChurnModel(learner="logistic", folds=3).fit(
        small_gym.drop(columns="Churn"), small_gym["Churn"]
    )
    return save_model(model, tmp_path / "small.churnlab")


def _rewrite(path: Path, *, manifest: dict | None = None, estimator: bytes | None = None) -> None:
    with zipfile.ZipFile(path) as archive:
        old_manifest = archive.read("churnlab.json")
        old_estimator = archive.read("estimator.skops")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("churnlab.json", json.dumps(manifest) if manifest else old_manifest)
        archive.writestr("estimator.skops", estimator if estimator is not None else old_estimator)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is not a churnlab model file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "is not a churnlab model file"),
        (b"age,churn\n1,0\n", "is not a churnlab model file"),
    ],
)
def test_files_that_are_not_models(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "m.churnlab"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message) as info:
        load_model(path)
    assert str(path) in str(info.value) and "fix:" in str(info.value)


def test_a_zip_that_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ModelFileError, match="a zip archive but not a churnlab model file"):
        load_model(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "nope.churnlab")
    with pytest.raises(ModelFileError, match="is a directory"):
        load_model(tmp_path)


def test_truncated_file_is_damaged(saved: Path) -> None:
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=r"not a churnlab model file|damaged"):
        load_model(saved)


def test_damaged_estimator(saved: Path) -> None:
    _rewrite(saved, estimator=b"garbage")
    with pytest.raises(ModelFileError, match="the model file is damaged"):
        load_model(saved)


def test_newer_format_is_refused(saved: Path) -> None:
    manifest = read_manifest(saved)
    _rewrite(saved, manifest={**manifest, "format_version": FORMAT_VERSION + 1})
    with pytest.raises(ModelFileError, match="written by a newer churnlab"):
        load_model(saved)


class Payload:
    """A type churnlab never writes: loading it must be refused, not executed."""


def test_untrusted_types_are_refused(saved: Path) -> None:
    _rewrite(saved, estimator=sio.dumps(Payload()))
    with pytest.raises(ModelFileError, match=r"holds types churnlab does not load: .*Payload"):
        load_model(saved)


def test_failed_save_leaves_nothing(tmp_path: Path, gym_model: ChurnModel, monkeypatch) -> None:
    def boom(obj: object) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(sio, "dumps", boom)
    with pytest.raises(RuntimeError):
        save_model(gym_model, tmp_path / "m.churnlab")
    assert list(tmp_path.iterdir()) == []
