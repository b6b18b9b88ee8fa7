"""Fixtures of the command line's tests: models trained by `churnlab train` once per session;
the English words of a run's lines; the progress displays as a terminal shows them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from rich.progress import Progress, TaskID

from _cli import assert_ok, invoke

# names a line may hold in any language: commands, metrics, a learner's settings
_NAMES = {"analyze", "train", "score", "month", "ROC", "AUC", "PR", "ECE", "F1", "LightGBM", "C"}
# paths, URLs and files; options; a learner's settings; run ids; currency codes (USD)
_NAMED = re.compile(r"\S*[/\\.]\S*|--\S+|\{[^}]*\}|\b[0-9a-f]{8}\b|\b[A-Z]{3}\b")


def _english_words(text: str, names: Iterable[str] = ()) -> set[str]:
    for name in sorted(names, key=len, reverse=True):  # a table's own columns, say
        text = text.replace(name, " ")
    return set(re.findall(r"[A-Za-z][A-Za-z_]+|\b[A-Za-z]\b", _NAMED.sub(" ", text))) - _NAMES


@pytest.fixture(scope="session")
def english_words() -> Callable[..., set[str]]:
    """``english_words(text, names=())``: the English words of a run's lines, but for what a line
    names in any language (the commands, metrics, paths, options, run ids, currency codes, and
    the ``names`` given: a table's columns)."""
    return _english_words


@pytest.fixture
def on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The commands' progress displays shown, as on a terminal: the stages' lines are printed
    with the run's; the list holds every text a bar or spinner shows, in the order shown."""
    from churnlab.cli import _common

    shown: list[str] = []

    class Shown(Progress):
        def add_task(self, description: str, *args: Any, **kwargs: Any) -> TaskID:
            shown.append(description)
            return super().add_task(description, *args, **kwargs)

        def update(self, task_id: TaskID, *, description: str | None = None, **kwargs: Any) -> None:
            if description is not None:
                shown.append(description)
            super().update(task_id, description=description, **kwargs)

    terminal = SimpleNamespace(stderr=SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr(_common, "Progress", Shown)
    monkeypatch.setattr(_common, "sys", terminal)
    return shown


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
