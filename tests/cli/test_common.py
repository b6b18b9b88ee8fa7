"""churnlab.cli._common: what every command shares: outputs all or none, options, the store."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pandas as pd
import pytest
from typer.testing import Result

from _cli import assert_ok, files_in, flat, invoke, runner
from churnlab.cli import app
from churnlab.data.atomic import TEMPORARY_SUFFIX
from churnlab.errors import UsageError
from churnlab.model.churn_model import ChurnModel
from churnlab.model.persist import read_manifest, save_model
from churnlab.store import Store

pytestmark = pytest.mark.usefixtures("_in_tmp")


def assert_user_error(result: Result, *fragments: str) -> None:
    """Exit 2, no traceback, the fragments in stderr (looser than _cli.assert_user_error: a refusal
    need not come with a fix)."""
    assert result.exit_code == 2, (result.exit_code, result.output, repr(result.exception))
    assert "Traceback" not in result.output
    text = " ".join(result.stderr.split())
    for fragment in fragments:
        assert fragment in text, (fragment, result.stderr)


def listing(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


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


def test_help_lists_the_three_commands() -> None:
    result = invoke("--help")
    assert_ok(result)
    for command in ("train", "score", "evaluate"):
        assert f" {command} " in result.stdout
    assert "Usage" in result.stdout


@pytest.mark.parametrize("command", ["train", "evaluate", "analyze", "make-members"])
@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_seed_out_of_numpys_range_is_a_usage_error(command: str, seed: str) -> None:
    arguments = ["10"] if command == "make-members" else []
    result = invoke(command, *arguments, "--seed", seed)
    assert result.exit_code == 2, (result.output, repr(result.exception))
    assert "Invalid value for '--seed'" in flat(result.stderr)
    assert "Traceback" not in result.output and files_in(Path.cwd()) == set()


def test_largest_seed_is_accepted(tmp_path: Path) -> None:
    result = invoke("make-members", "10", "--seed", str(2**32 - 1), "--out", "m")
    assert_ok(result)


def test_every_command_reads_a_folder_of_parquet_files(small_gym: pd.DataFrame) -> None:
    folder = Path("members")
    folder.mkdir()
    for k, start in enumerate(range(0, len(small_gym), 250)):
        small_gym.iloc[start : start + 250].to_parquet(folder / f"part-{k}.parquet")
    assert_ok(invoke("train", folder, "--folds", "3", "--model", "m.churnlab"))
    assert read_manifest("m.churnlab")["spec"]["target_col"] == "Churn"
    evaluated = invoke("evaluate", folder, "--folds", "3", "--repeats", "1", "--json")
    assert_ok(evaluated)
    assert json.loads(evaluated.stdout)["rows"] == len(small_gym)
    assert_ok(invoke("score", folder, "--model", "m.churnlab", "--out", "s.csv"))
    assert len(pd.read_csv("s.csv")) == len(small_gym)
    assert_ok(invoke("analyze", folder, "--out", "report"))
    assert json.loads(Path("report/summary.json").read_text())["data"]["rows"] == len(small_gym)


def test_no_developer_notes_on_a_users_stderr(small_gym: pd.DataFrame) -> None:
    # a booster without an arithmetic form is scored through its pipeline: nothing to tell.
    # In a process of its own: pytest's log capture would hide what Python prints by default.
    code = (
        "import sys, churnlab.model.compiled, churnlab.cli\n"
        "def no_form(model):\n"
        "    raise AssertionError(\"the booster's columns are the derived frame's\")\n"
        "churnlab.model.compiled._Trees = no_form\n"
        "sys.argv = ['churnlab', *sys.argv[1:]]\n"
        "churnlab.cli.main()\n"
    )
    small_gym.to_csv("m.csv", index=False)
    for arguments in (["train", "m.csv", "--learner", "boosting", "--folds", "3"],
                      ["score", "m.csv", "--out", "s.csv"]):  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-c", code, *arguments], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "pipeline" not in done.stderr and "arithmetic" not in done.stderr, done.stderr


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
        text = (tmp_path / "report" / name).read_text(encoding="utf-8-sig")
        cells = [c for line in text.splitlines() for c in line.split(",")]
        assert not [c for c in cells if c[:1] in {"=", "+", "@"}], (name, text[:300])
    assert "'=1+1" in (tmp_path / "report" / "rejects.csv").read_text()
    sheet = openpyxl.load_workbook(tmp_path / "report" / "plan.xlsx").active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'=HYPERLINK(1)" in [cell.value for cell in cells]

    result = invoke("score", "members.csv", "--model", "report/model.churnlab", "--out", "s.csv")
    assert result.exit_code == 0, result.output
    header = Path("s.csv").read_text(encoding="utf-8-sig").splitlines()[0]
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


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "stopped: nothing was written"), ("ru", "остановлено: ничего не записано")],
)
def test_sigterm_while_scoring_leaves_nothing(
    model: Path, many_members: Path, tmp_path: Path, lang: str, said: str
) -> None:
    Path("scores.csv").write_text("last month\n")
    process = _churnlab("score", many_members, "--model", model, "--out", "scores.csv",
                        "--reasons", "--lang", lang, cwd=tmp_path)  # fmt: skip
    _wait_for_a_temporary(tmp_path, process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert said in stderr and "Traceback" not in stderr
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


# --------------------------------------------------------------------------------------------
# every train, analyze and score run is recorded in the store (--store), month by month
# --------------------------------------------------------------------------------------------


def _ok(*args: str | os.PathLike[str]) -> None:
    result = runner.invoke(app, [os.fspath(a) for a in args])
    assert result.exit_code == 0, result.output
    assert "recorded" in result.stderr


def test_runs_and_member_history(tmp_path: Path, gym: pd.DataFrame) -> None:
    store_url = f"sqlite:///{tmp_path}/history.db"
    data = tmp_path / "members.csv"
    gym.head(600).assign(member_id=[f"M{i:03d}" for i in range(600)]).to_csv(data, index=False)
    model = tmp_path / "m.churnlab"
    _ok(
        "train",
        data,
        "--model",
        model,
        "--folds",
        "3",
        "--learner",
        "logistic",
        "--store",
        store_url,
    )
    for month in ("2026-10", "2026-11", "2026-11"):  # the same month again replaces it
        _ok(
            "score",
            data,
            "--model",
            model,
            "--out",
            tmp_path / "s.csv",
            "--store",
            store_url,
            "--month",
            month,
        )
    with Store(store_url) as store:
        runs = store.runs()
        assert sorted(runs["kind"]) == ["score", "score", "score", "train"]
        assert len(store.models()) == 1
        history = store.member_history("M007")
        assert history["month"].tolist() == ["2026-10", "2026-11"]
        page, total = store.latest_scores(limit=10)
        assert total == 600 and len(page) == 10
        assert page["churn_probability"].is_monotonic_decreasing


def test_analyze_records_segments_reasons_and_actions(tmp_path: Path, gym: pd.DataFrame) -> None:
    store_url = f"sqlite:///{tmp_path}/history.db"
    data = tmp_path / "members.csv"
    gym.sample(800, random_state=0).to_csv(data, index=False)
    _ok("analyze", data, "--out", tmp_path / "report", "--store", store_url)
    from churnlab.store.folder import ClubFolder

    with Store(store_url, club=ClubFolder(tmp_path / "report").id) as store:
        page, total = store.latest_scores(tier="high", limit=5)
        assert total > 0 and (page["risk_tier"] == "high").all()
        assert page["segment"].notna().all() and page["reasons"].str.contains("pts").all()
        # each member's reasons as scores.csv tells them, one after the other
        scores = pd.read_csv(tmp_path / "report" / "scores.csv").set_index("row")
        told = scores.loc[page["row"], ["reason_1", "reason_2", "reason_3"]].fillna("")
        expected = ["; ".join(r for r in member if r) for member in told.to_numpy().tolist()]
        assert page["reasons"].tolist() == expected
        # the campaign's first calls carry their measure (the riskiest may not be among them:
        # a call sways a member near certain to leave less)
        calls, _ = store.latest_scores(order="campaign", limit=5)
        assert calls["campaign_rank"].tolist() == [1, 2, 3, 4, 5]
        assert calls["action"].notna().all() and calls["measure"].notna().all()


def test_a_bad_store_fails_before_any_work(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["train", "--model", str(tmp_path / "m.churnlab"), "--store", "nosuchdb://x"]
    )
    assert result.exit_code == 2 and "--store" in result.stderr
    assert not (tmp_path / "m.churnlab").exists()


def test_a_score_run_held_off_the_store_beyond_its_wait_says_so(
    tmp_path: Path, gym: pd.DataFrame
) -> None:
    members = gym.sample(300, random_state=0)
    model = ChurnModel(learner="logistic", folds=3).fit(
        members.drop(columns="Churn"), members["Churn"]
    )
    save_model(model, tmp_path / "m.churnlab")
    data = tmp_path / "members.csv"
    members.to_csv(data, index=False)
    path = tmp_path / "history.duckdb"
    Store(f"duckdb:///{path}").close()
    command = [str(Path(sys.executable).with_name("churnlab")), "score", str(data),
               "--model", str(tmp_path / "m.churnlab"), "--out", str(tmp_path / "s.csv"),
               "--store", f"duckdb:///{path}"]  # fmt: skip
    env = {**os.environ, "CHURNLAB_STORE_WAIT": "1"}
    holder = duckdb.connect(str(path))  # this process writes: no other may open the file
    try:
        started = time.monotonic()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        took = time.monotonic() - started
    finally:
        holder.close()
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "duckdb.IOException" not in done.stderr
    assert str(path) in done.stderr and "another process holds the store" in done.stderr
    assert "CHURNLAB_STORE_WAIT" in done.stderr
    assert took < 60
    with Store(f"duckdb:///{path}") as store:
        assert store.runs().empty


def test_a_replaced_model_is_kept_under_a_name_of_hex_digits_only(tmp_path: Path) -> None:
    """The kept copy's name comes from the model file's manifest, which a hostile file could
    fill with a path: only its hexadecimal digits make the name."""
    from types import SimpleNamespace

    from churnlab.cli._common import FolderModel

    for given, name in [("../../etc/passwd", "ecad.churnlab"), ("/", "previous.churnlab"),
                        ("ABCDEF0123456789ffff", "abcdef0123456789.churnlab")]:  # fmt: skip
        files = FolderModel.of(tmp_path, SimpleNamespace(data_hash_=given))  # type: ignore[arg-type]
        assert files.kept == tmp_path / "models" / name


def test_stages_show_each_stage_and_its_share_of_the_time_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from rich.console import Console

    from churnlab.cli import _common

    screen = io.StringIO()
    monkeypatch.setattr(_common, "err", Console(file=screen, force_terminal=True, width=100))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with _common.stages("analysing") as stage:
        stage("reading")
        time.sleep(0.05)
        stage("training")
        time.sleep(0.15)
    import re

    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    lines = [line for line in re.split(r"[\r\n]", shown) if "✓" in line or "time:" in line]
    assert any("✓ reading" in line for line in lines), shown
    assert any("✓ training" in line for line in lines), shown
    share = next(line for line in lines if "time:" in line)
    reading, training = (
        int(share.split(f"{name} ")[1].split(" %")[0]) for name in ("reading", "training")
    )
    assert reading + training in (99, 100, 101) and training > reading >= 10, share


def test_stages_show_nothing_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from churnlab.cli._common import stages

    with stages("analysing") as stage:
        stage("reading")
    assert capsys.readouterr().err == ""


def test_a_sigterm_after_the_outputs_are_in_place_lets_the_run_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before a run's outputs are published a SIGTERM stops it (nothing written); after, its
    files are whole and recorded, so the stop must not claim that nothing was written."""
    from churnlab import cli
    from churnlab.data import atomic

    monkeypatch.setattr(atomic, "_published", False)
    with pytest.raises(cli.Stopped):
        cli._stop(signal.SIGTERM, None)
    target = tmp_path / "out.csv"
    with atomic.outputs_together([target]) as staged:
        staged[target].write_text("a\n1\n")
        with pytest.raises(cli.Stopped):  # still on its way: the stop undoes it
            cli._stop(signal.SIGTERM, None)
    assert target.read_text() == "a\n1\n"
    assert cli._stop(signal.SIGTERM, None) is None  # in place: the run ends as it would have
