"""Fixtures of the command line's tests: models trained by `churnlab train` once per session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from _cli import assert_ok, invoke


@pytest.fixture
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test runs in its own temporary folder and may pass short relative names (a file's tests
    ask for it with ``pytestmark``)."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def trained(small_gym: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A model trained by `churnlab train` on a CSV of the 600-row club sample (3 folds)."""
    folder = tmp_path_factory.mktemp("gym_model")
    data = folder / "small_gym.csv"
    small_gym.to_csv(data, index=False)
    model = folder / "model.churnlab"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        result = invoke("train", data.name, "--model", model.name, "--folds", "3")
    assert_ok(result)
    return {"data": data, "model": model, "result": result}


@pytest.fixture(scope="session")
def telco_trained(telco: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("telco_model")
    data = folder / "telco.csv"
    telco.to_csv(data, index=False)
    model = folder / "telco.churnlab"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        result = invoke(
            "train", data.name, "--target", "Churn", "--model", model.name, "--folds", "3"
        )
    assert_ok(result)
    return {"data": data, "model": model, "result": result}
