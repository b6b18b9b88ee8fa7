"""Dask: partitions scored on a LocalCluster of 2 workers equal scoring on one machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from churnlab import distributed
from churnlab.cli import app
from churnlab.datasets import make_members
from churnlab.distributed import dask_client, score_on_dask
from churnlab.errors import ReadError, SchemaError
from churnlab.model import ChurnModel
from churnlab.persist import save_model
from churnlab.scoring import score_members

runner = CliRunner()


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with dask_client(n_workers=2) as connected:
        yield connected


@pytest.fixture(scope="module")
def members() -> pd.DataFrame:
    """6,000 synthetic members with ids and a few impossible values."""
    frame = make_members(6000, random_state=7).drop(columns="Churn")
    frame.insert(0, "member_id", [f"M{i:05d}" for i in range(len(frame))])
    frame.loc[[10, 2500, 5999], "Age"] = [-1, 300, -5]
    return frame


@pytest.fixture(scope="module")
def folder(members: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three files of 2,000 rows, each in row groups of 700: 9 partitions."""
    root = tmp_path_factory.mktemp("members")
    for k in range(3):
        part = pa.Table.from_pandas(members.iloc[2000 * k : 2000 * (k + 1)], preserve_index=False)
        pq.write_table(part, root / f"part-{k}.parquet", row_group_size=700)
    return root


def test_partitions_on_the_cluster_equal_one_machine(
    client: object, gym_model: ChurnModel, members: pd.DataFrame, folder: Path, tmp_path: Path
) -> None:
    done = score_on_dask(gym_model, folder, tmp_path / "scores", client=client, id_col="member_id")
    local = score_members(gym_model, members, id_col="member_id")
    assert (done.n_input, done.n_scored, done.partitions) == (6000, 5997, 9)
    scores = pd.read_parquet(tmp_path / "scores").sort_values("row", ignore_index=True)
    assert len(list((tmp_path / "scores").glob("*.parquet"))) == 9
    assert scores["row"].tolist() == local.scores["row"].tolist()
    assert scores["member_id"].tolist() == local.scores["member_id"].tolist()
    np.testing.assert_array_equal(scores["churn_probability"], local.scores["churn_probability"])
    assert scores["risk_tier"].astype(str).tolist() == local.scores["risk_tier"].tolist()
    assert done.rejects[["row", "member_id", "column", "reason"]].values.tolist() == (
        local.rejects[["row", "member_id", "column", "reason"]].values.tolist()
    )


def test_bad_sources(client: object, gym_model: ChurnModel, tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=r"no \.parquet files"):
        score_on_dask(gym_model, tmp_path, tmp_path / "out", client=client)
    make_members(10).drop(columns="Age").to_parquet(tmp_path / "m.parquet")
    with pytest.raises(SchemaError, match="'Age'"):
        score_on_dask(gym_model, tmp_path / "m.parquet", tmp_path / "out", client=client)


def test_the_command_on_a_running_scheduler(
    client: object,
    gym_model: ChurnModel,
    members: pd.DataFrame,
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHURNLAB_STORE", f"sqlite:///{tmp_path}/history.db")
    save_model(gym_model, tmp_path / "model.churnlab")
    address = client.scheduler.address  # type: ignore[attr-defined]
    result = runner.invoke(
        app, ["score", str(folder), "--engine", "dask", "--scheduler", address, "--out", "out"]
    )
    assert result.exit_code == 0, result.stderr
    assert "scored 5,997 of 6,000 rows" in " ".join(result.stderr.split())
    assert "in 9 partitions" in result.stderr
    assert len(pd.read_parquet(tmp_path / "out")) == 5997
    assert pd.read_csv(tmp_path / "out.rejects.csv")["row"].tolist() == [10, 2500, 5999]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["members.csv", "--engine", "dask"], "reads Parquet"),
        (["members.parquet", "--engine", "dask", "--out", "s.csv"], "names a folder"),
        (["members.parquet", "--engine", "dask", "--reasons"], "--reasons works with"),
        (["members.parquet", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs"),
        (
            ["members.parquet", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"],
            "cannot reach the Dask scheduler",
        ),
    ],
)
def test_user_errors(
    gym_model: ChurnModel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHURNLAB_STORE", f"sqlite:///{tmp_path}/history.db")
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", "1s")
    save_model(gym_model, tmp_path / "model.churnlab")
    members = make_members(20).drop(columns="Churn")
    members.to_csv(tmp_path / "members.csv", index=False)
    members.to_parquet(tmp_path / "members.parquet")
    result = runner.invoke(app, ["score", *arguments])
    assert result.exit_code == 2, (result.stderr, result.exception)
    assert message in " ".join(result.stderr.split()) and "fix:" in result.stderr
    assert "Traceback" not in result.output
