"""What the commands write, when they fail or are stopped: all of their outputs or none, never
in place of an input, and no cell a spreadsheet would run."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from churnlab.cli import app
from churnlab.data.atomic import TEMPORARY_SUFFIX
from churnlab.errors import UsageError

runner = CliRunner()


def invoke(*args: str | os.PathLike[str]) -> Result:
    return runner.invoke(app, [os.fspath(a) for a in args])


def assert_user_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output, repr(result.exception))
    assert "Traceback" not in result.output
    text = " ".join(result.stderr.split())
    for fragment in fragments:
        assert fragment in text, (fragment, result.stderr)


def listing(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def model(small_gym: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    small_gym.to_csv(folder / "members.csv", index=False)
    path = folder / "model.churnlab"
    result = invoke("train", folder / "members.csv", "--model", path, "--folds", "3")
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture()
def members(small_gym: pd.DataFrame, tmp_path: Path) -> Path:
    path = tmp_path / "members.csv"
    small_gym.to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------------------------
# no output in place of an input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--out", "--rejects"])
@pytest.mark.parametrize("spelling", ["members.csv", "./sub/../members.csv", "link.csv"])
def test_score_refuses_to_write_over_its_input(
    model: Path, members: Path, tmp_path: Path, option: str, spelling: str
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to(members)
    before = listing(tmp_path)
    result = invoke("score", "members.csv", "--model", model, option, spelling)
    assert_user_error(result, f"{option} names the input", "another file name")
    assert listing(tmp_path) == before  # the input untouched, nothing written


def test_score_refuses_to_write_over_the_model(model: Path, members: Path) -> None:
    copy = Path("model.csv")  # a model file may have any name
    copy.write_bytes(model.read_bytes())
    result = invoke("score", members, "--model", copy, "--out", "model.csv")
    assert_user_error(result, "--out names the input model.csv")
    assert copy.read_bytes() == model.read_bytes()


def test_train_refuses_a_model_path_that_is_the_data(members: Path, tmp_path: Path) -> None:
    before = listing(tmp_path)
    result = invoke("train", members, "--model", "members.csv", "--folds", "3")
    assert_user_error(result, "--model names the input")
    assert listing(tmp_path) == before


def test_analyze_refuses_an_out_folder_that_holds_the_input(
    small_gym: pd.DataFrame, tmp_path: Path
) -> None:
    folder = tmp_path / "report"
    folder.mkdir()
    small_gym.to_csv(folder / "scores.csv", index=False)  # the name analyze writes
    before = listing(tmp_path)
    result = invoke("analyze", folder / "scores.csv", "--out", folder)
    assert_user_error(result, "--out names the folder", "which holds the input")
    assert listing(tmp_path) == before


def test_analyze_refuses_an_out_that_is_a_file(members: Path, tmp_path: Path) -> None:
    result = invoke("analyze", "--out", members)
    assert_user_error(result, "--out names a file, not a folder")
    assert list(tmp_path.iterdir()) == [members]


# --------------------------------------------------------------------------------------------
# options checked before any work
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["score", "analyze"])
def test_a_bad_month_is_refused_before_any_work(
    command: str, model: Path, members: Path, tmp_path: Path
) -> None:
    extra = ["--model", str(model)] if command == "score" else ["--out", "report"]
    started = time.perf_counter()
    result = invoke(command, members, *extra, "--month", "2024-13")
    assert result.exit_code == 2
    assert "'2024-13' is not a month" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
    assert time.perf_counter() - started < 2  # refused as it is parsed: nothing was trained
    assert [p.name for p in tmp_path.iterdir()] == ["members.csv"]


# --------------------------------------------------------------------------------------------
# all outputs or none
# --------------------------------------------------------------------------------------------


def _store_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    from churnlab.store import Store

    def refuse(self: Store, **_: Any) -> str:
        raise UsageError("cannot write the run history: it is read-only", file=self.display_url)

    monkeypatch.setattr(Store, "record_run", refuse)


def test_score_leaves_nothing_when_the_run_cannot_be_recorded(
    model: Path, members: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path("scores.csv").write_text("last month's scores\n")
    before = listing(tmp_path)
    _store_refuses(monkeypatch)
    result = invoke("score", members, "--model", model, "--out", "scores.csv")
    assert_user_error(result, "cannot write the run history")
    assert listing(tmp_path) == before  # last month's file as it was, no rejects, no temporaries


def test_score_writes_both_outputs_when_it_succeeds(
    model: Path, members: Path, tmp_path: Path
) -> None:
    Path("scores.csv").write_text("last month's scores\n")
    result = invoke("score", members, "--model", model, "--out", "scores.csv")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "members.csv",
        "scores.csv",
        "scores.rejects.csv",
    ]
    assert len(pd.read_csv("scores.csv")) == 600


def test_train_leaves_no_model_when_the_run_cannot_be_recorded(
    members: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_refuses(monkeypatch)
    result = invoke("train", members, "--model", "model.churnlab", "--folds", "3")
    assert_user_error(result, "cannot write the run history")
    assert [p.name for p in tmp_path.iterdir()] == ["members.csv"]


@pytest.fixture()
def previous_report(tmp_path: Path) -> Path:
    """A folder holding an earlier analysis (one file is enough to tell it was kept)."""
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "report.html").write_text("<p>last month</p>")
    return folder


def test_analyze_leaves_nothing_when_the_run_cannot_be_recorded(
    members: Path, tmp_path: Path, previous_report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = listing(tmp_path)
    _store_refuses(monkeypatch)
    result = invoke("analyze", members, "--out", previous_report)
    assert_user_error(result, "cannot write the run history")
    assert listing(tmp_path) == before


def test_analyze_on_a_full_disk_leaves_nothing(
    members: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import churnlab.data.write

    def full(*_: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(
        churnlab.data.write, "_write_excel", full
    )  # plan.xlsx comes after several files
    monkeypatch.setitem(churnlab.data.write._WRITERS, ".xlsx", full)
    result = invoke("analyze", members, "--out", "report")
    assert_user_error(result, "plan.xlsx: cannot write the file: the disk is full")
    assert [p.name for p in tmp_path.iterdir()] == ["members.csv"]  # not even the folder


# --------------------------------------------------------------------------------------------
# formulas
# --------------------------------------------------------------------------------------------


def test_exports_neutralise_a_hostile_id_column_name_and_values(
    small_gym: pd.DataFrame, tmp_path: Path
) -> None:
    frame = small_gym.copy()
    frame.insert(0, "=HYPERLINK(1)", [f"@M{i}" if i % 2 else f"M{i}" for i in range(len(frame))])
    frame["Age"] = frame["Age"].astype(object)
    frame.loc[3, "Age"] = "=1+1"  # rejected: its value reaches rejects.csv
    frame.to_csv("members.csv", index=False)
    result = invoke("analyze", "members.csv", "--id", "=HYPERLINK(1)", "--out", "report")
    assert result.exit_code == 0, result.output
    for name in ("scores.csv", "plan.csv", "rejects.csv"):
        text = (tmp_path / "report" / name).read_text(encoding="utf-8")
        cells = [c for line in text.splitlines() for c in line.split(",")]
        assert not [c for c in cells if c[:1] in {"=", "+", "@"}], (name, text[:300])
    assert "'=1+1" in (tmp_path / "report" / "rejects.csv").read_text()
    sheet = openpyxl.load_workbook(tmp_path / "report" / "plan.xlsx").active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'=HYPERLINK(1)" in [cell.value for cell in cells]

    result = invoke("score", "members.csv", "--model", "report/model.churnlab", "--out", "s.csv")
    assert result.exit_code == 0, result.output
    header = Path("s.csv").read_text().splitlines()[0]
    assert [name.strip('"') for name in header.split(",")][:2] == ["row", "'=HYPERLINK(1)"]
    ids = pd.read_csv("s.csv").iloc[:, 1]
    assert (
        ids.str.startswith("@").sum() == 0 and ids.str.startswith("'@").sum() == 299
    )  # row 3 rejected


# --------------------------------------------------------------------------------------------
# stopped runs
# --------------------------------------------------------------------------------------------


def _churnlab(*args: str | os.PathLike[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "churnlab"), *map(os.fspath, args)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_a_temporary(folder: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if any(TEMPORARY_SUFFIX in str(p) for p in folder.rglob("*")):
            return
        time.sleep(0.02)
    raise AssertionError("the run wrote no temporary file in time: " + str(process.poll()))


@pytest.fixture()
def many_members(small_gym: pd.DataFrame, tmp_path: Path) -> Path:
    """Enough members that scoring them with reasons takes several seconds."""
    path = tmp_path / "members.csv"
    pd.concat([small_gym] * 100, ignore_index=True).to_csv(path, index=False)
    return path


def test_sigterm_while_scoring_leaves_nothing(
    model: Path, many_members: Path, tmp_path: Path
) -> None:
    Path("scores.csv").write_text("last month\n")
    process = _churnlab(
        "score", many_members, "--model", model, "--out", "scores.csv", "--reasons", cwd=tmp_path
    )
    _wait_for_a_temporary(tmp_path, process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert "stopped: nothing was written" in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["members.csv", "scores.csv"]
    assert Path("scores.csv").read_text() == "last month\n"


def test_a_run_after_kill_9_removes_the_killed_runs_temporaries(
    model: Path, many_members: Path, tmp_path: Path
) -> None:
    process = _churnlab(
        "score", many_members, "--model", model, "--out", "scores.csv", "--reasons", cwd=tmp_path
    )
    _wait_for_a_temporary(tmp_path, process)
    process.kill()
    process.communicate(timeout=60)
    leftovers = [p for p in tmp_path.rglob("*") if TEMPORARY_SUFFIX in str(p)]
    assert leftovers  # kill -9: nothing runs in the killed process
    then = time.time() - 60  # as if killed a minute ago
    for path in leftovers:
        os.utime(path, (then, then))
    result = invoke("score", "members.csv", "--model", model, "--out", "scores.csv")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == [
        "members.csv",
        "scores.csv",
        "scores.rejects.csv",
    ]


def test_score_records_a_table_without_the_models_id_column(
    small_gym: pd.DataFrame, tmp_path: Path
) -> None:
    frame = small_gym.copy()
    frame.insert(0, "member_id", [f"M{i}" for i in range(len(frame))])
    frame.to_csv("train.csv", index=False)
    assert invoke("train", "train.csv", "--folds", "3").exit_code == 0
    frame.drop(columns=["member_id", "Churn"]).to_csv("month.csv", index=False)
    result = invoke("score", "month.csv", "--out", "scores.csv")
    assert result.exit_code == 0, result.output  # it failed at recording time, after the work
    assert len(pd.read_csv("scores.csv")) == len(frame)


@pytest.mark.parametrize("delay", [0.8, 1.2, 1.6, 2.0, 2.4, 2.8])
def test_sigterm_at_any_moment_leaves_all_or_nothing(
    model: Path, many_members: Path, tmp_path: Path, delay: float
) -> None:
    """Stopped at some moment of its run (starting, scoring, writing, publishing), a run leaves
    either nothing of its own or its whole output: never a temporary or half of the files."""
    process = _churnlab("score", many_members, "--model", model, "--out", "s.csv", cwd=tmp_path)
    time.sleep(delay)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "Traceback" not in stderr
    if process.returncode == 0:  # it finished first
        assert names == ["members.csv", "s.csv", "s.rejects.csv"]
        assert len(pd.read_csv(tmp_path / "s.csv")) == 60_000
    else:
        assert process.returncode in (143, -signal.SIGTERM), stderr  # before the handler is in
        assert names == ["members.csv"], stderr
