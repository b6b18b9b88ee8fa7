"""churnlab.cli.evaluate: out-of-fold figures as JSON, and the errors a user can fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from _cli import _text_in, assert_ok, assert_user_error, invoke

pytestmark = pytest.mark.usefixtures("_in_tmp")


def test_evaluate_json(trained: dict[str, Any]) -> None:
    result = invoke("evaluate", trained["data"], "--folds", "3", "--repeats", "1", "--json")
    assert_ok(result)
    figures = json.loads(result.stdout)
    assert figures["rows"] == 600
    assert figures["folds"] == 3
    assert figures["repeats"] == 1
    roc_auc = figures["metrics"]["roc_auc"]
    assert 0.9 <= roc_auc["mean"] <= 1
    assert 0 <= roc_auc["std"] < 0.1
    holdout = figures["holdout_80_20"]
    assert 0.9 <= holdout["roc_auc"] <= 1
    assert set(holdout) == set(figures["metrics"])


def test_evaluate_reports_user_errors_too(tmp_path: Path) -> None:
    (tmp_path / "nothing.csv").write_bytes(b"")
    result = invoke("evaluate", "nothing.csv", "--folds", "3", "--json")
    assert_user_error(result, "nothing.csv", "the file is empty")


def test_evaluate_names_infinite_values(small_gym: pd.DataFrame, tmp_path: Path) -> None:
    _text_in("Age", 3, "inf")(small_gym, tmp_path / "members.csv")
    result = invoke("evaluate", "members.csv", "--folds", "3", "--json")
    assert_user_error(result, "members.csv", "column 'Age'", "row 3", "not a finite number")
