"""Every train, analyze and score run is recorded in the store, month by month."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
from typer.testing import CliRunner

from churnlab.cli import app
from churnlab.model.churn_model import ChurnModel
from churnlab.model.persist import save_model
from churnlab.store import Store

runner = CliRunner()


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
    with Store(store_url) as store:
        page, total = store.latest_scores(tier="high", limit=5)
        assert total > 0 and (page["risk_tier"] == "high").all()
        assert page["segment"].notna().all() and page["action"].notna().all()
        assert page["reasons"].str.contains("pts").all()


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
