"""Tests for churnlab.data.atomic: outputs whole or not at all, stale temporaries, inputs kept."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from churnlab.data.atomic import (
    TEMPORARY_SUFFIX,
    atomic_output,
    outputs_together,
    refuse_overwriting_inputs,
)
from churnlab.errors import UsageError

# A writer that creates its temporary through atomic_output, says so, and waits to be killed.
_KILLED_WRITER = """
import sys, time
from churnlab.data.atomic import atomic_output
with atomic_output(sys.argv[1]) as handle:
    handle.write(b"half")
    handle.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


def _age(path: Path, seconds: float = 60.0) -> None:
    """Make a file look older than it is (a killed writer's leftover from a while ago)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def _kill_a_writer(target: Path, code: str = _KILLED_WRITER) -> Path:
    """Start a writer of ``target``, kill it with SIGKILL mid-write; return its leftover."""
    writer = subprocess.Popen(
        [sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    writer.kill()
    writer.wait(timeout=10)
    leftovers = [p for p in target.parent.iterdir() if p.name.endswith(TEMPORARY_SUFFIX)]
    assert len(leftovers) == 1, leftovers  # kill -9 leaves it: no code runs in the writer
    return leftovers[0]


def test_atomic_output_removes_a_killed_writers_temporary(tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    leftover = _kill_a_writer(target)
    _age(leftover)
    with atomic_output(target) as handle:
        handle.write(b"whole")
    assert sorted(os.listdir(tmp_path)) == ["scores.csv"]
    assert target.read_bytes() == b"whole"


def test_atomic_output_keeps_a_live_writers_temporary(tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    with atomic_output(target) as first:
        first.write(b"first")
        (live,) = [p for p in tmp_path.iterdir() if p.name.endswith(TEMPORARY_SUFFIX)]
        _age(live)  # old, but its writer (this block) holds its lock: not stale
        with atomic_output(target) as second:
            second.write(b"second")
        assert live.exists()
    assert target.read_bytes() == b"first"
    assert sorted(os.listdir(tmp_path)) == ["scores.csv"]


def test_atomic_output_leaves_young_and_foreign_files_alone(tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    young = _kill_a_writer(target)  # just killed: younger than the grace period
    foreign = tmp_path / ".scores.csv.1234.tmp"  # not churnlab's naming: not provably its own
    foreign.write_bytes(b"someone else's")
    _age(foreign)
    with atomic_output(target) as handle:
        handle.write(b"whole")
    assert young.exists() and foreign.exists()


def test_atomic_output_disk_full_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    full = r"scores\.csv: cannot write the file: the disk is full"
    with pytest.raises(UsageError, match=full), atomic_output(target) as handle:
        handle.write(b"part")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert os.listdir(tmp_path) == []


def test_outputs_together_publish_all_or_nothing(tmp_path: Path) -> None:
    old_scores = tmp_path / "scores.csv"
    old_scores.write_text("last month")
    rejects = tmp_path / "scores.rejects.csv"
    with pytest.raises(RuntimeError), outputs_together([old_scores, rejects]) as staged:
        staged[old_scores].write_text("this month")
        staged[rejects].write_text("row")
        raise RuntimeError("the run history cannot be written")
    assert sorted(os.listdir(tmp_path)) == ["scores.csv"]
    assert old_scores.read_text() == "last month"

    with outputs_together([old_scores, rejects]) as staged:
        staged[old_scores].write_text("this month")
        staged[rejects].write_text("row")
        assert not rejects.exists()  # nothing appears before the block ends
    assert sorted(os.listdir(tmp_path)) == ["scores.csv", "scores.rejects.csv"]
    assert old_scores.read_text() == "this month"


def test_stale_outputs_go_only_once_the_new_ones_are_in(tmp_path: Path) -> None:
    old = tmp_path / "scores.csv"
    old.write_text("a local run's")
    parts, mine = tmp_path / "scores", tmp_path / "theirs"
    report = tmp_path / "report.html"
    for folder, name in ((parts, "part.0.parquet"), (mine, "notes.txt")):
        folder.mkdir()
        (folder / name).write_text("x")
    with pytest.raises(RuntimeError), outputs_together([report], stale=[old, parts]) as staged:
        staged[report].write_text("new")
        raise RuntimeError("the run history cannot be written")
    assert old.read_text() == "a local run's" and (parts / "part.0.parquet").exists()

    with outputs_together([report], stale=[old, parts, mine, tmp_path / "never"]) as staged:
        staged[report].write_text("new")
        assert old.exists()
    # a folder holding a file churnlab did not write stays, with it
    assert sorted(os.listdir(tmp_path)) == ["report.html", "theirs"]
    assert (mine / "notes.txt").read_text() == "x"


def test_outputs_together_removes_the_folders_it_made(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "report.html"
    with pytest.raises(KeyError), outputs_together([target]) as staged:
        staged[target].write_text("<html>")
        raise KeyError("boom")
    assert os.listdir(tmp_path) == []


def test_outputs_together_undoes_a_publish_that_fails_half_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("old a")
    second.write_text("old b")
    real_replace = os.replace
    failed: list[Path] = []

    def replace(source: os.PathLike[str], target: os.PathLike[str]) -> None:
        if Path(target) == second and Path(source).parent != tmp_path and not failed:
            failed.append(Path(source))  # the new b cannot be moved in, once
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(source, target)

    full = r"b\.csv: cannot write the file: the disk is full"
    with pytest.raises(UsageError, match=full), outputs_together([first, second]) as staged:
        staged[first].write_text("new a")
        staged[second].write_text("new b")
        monkeypatch.setattr(os, "replace", replace)
    assert failed
    assert (first.read_text(), second.read_text()) == ("old a", "old b")  # both put back
    assert sorted(os.listdir(tmp_path)) == ["a.csv", "b.csv"]


def test_outputs_together_removes_a_killed_runs_staging_folder(tmp_path: Path) -> None:
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from churnlab.data.atomic import outputs_together\n"
        "target = Path(sys.argv[1])\n"
        "with outputs_together([target]) as staged:\n"
        "    staged[target].write_text('half')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
    )
    target = tmp_path / "report.html"
    staging = _kill_a_writer(target, code)
    _age(staging / ".lock")
    with outputs_together([target]) as staged:
        staged[target].write_text("whole")
    assert sorted(os.listdir(tmp_path)) == ["report.html"]


def test_a_staging_folder_killed_before_it_was_locked_is_removed_once_old(tmp_path: Path) -> None:
    """kill -9 between making the staging folder and locking it leaves a folder without a
    lock: a later run removes it once it is older than a live writer could be unlocked."""
    target = tmp_path / "report.html"
    young = tmp_path / ".churnlab-staging-0a0b0c0d.churnlab-tmp"
    old = tmp_path / ".churnlab-staging-01020304.churnlab-tmp"
    for folder in (young, old):
        folder.mkdir()
        (folder / "report.html").write_text("half")
    _age(old)
    with outputs_together([target]) as staged:
        staged[target].write_text("whole")
    assert sorted(os.listdir(tmp_path)) == [young.name, "report.html"]  # young: maybe alive


@pytest.mark.parametrize("how", ["same", "relative", "symlink", "hardlink"])
def test_refuse_overwriting_inputs(tmp_path: Path, how: str) -> None:
    data = tmp_path / "members.csv"
    data.write_text("Churn\n1\n")
    output = {
        "same": data,
        "relative": tmp_path / "sub" / ".." / "members.csv",
        "symlink": tmp_path / "link.csv",
        "hardlink": tmp_path / "hard.csv",
    }[how]
    (tmp_path / "sub").mkdir()
    if how == "symlink":
        output.symlink_to(data)
    if how == "hardlink":
        os.link(data, output)
    with pytest.raises(UsageError, match=r"--out names the input .*members\.csv"):
        refuse_overwriting_inputs({"--out": output}, [data])
    assert data.read_text() == "Churn\n1\n"


def test_refuse_an_output_folder_that_holds_an_input(tmp_path: Path) -> None:
    data = tmp_path / "report" / "members.csv"
    data.parent.mkdir()
    data.write_text("Churn\n1\n")
    with pytest.raises(UsageError, match=r"--out names the folder .* which holds the input"):
        refuse_overwriting_inputs({}, [data], folders={"--out": tmp_path / "report"})
    refuse_overwriting_inputs({"--out": tmp_path / "scores.csv"}, [data, None, "sqlite:///x.db"])
