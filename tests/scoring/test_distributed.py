"""Dask: partitions scored on a LocalCluster of 2 workers equal scoring on one machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from churnlab.cli import app
from churnlab.data.datasets import make_members
from churnlab.errors import ReadError, SchemaError, ValidationError
from churnlab.model.churn_model import ChurnModel
from churnlab.model.persist import load_model, save_model
from churnlab.scoring import distributed
from churnlab.scoring.distributed import dask_client, score_on_dask, train_on_dask
from churnlab.scoring.members import score_members

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
    assert "(9 partitions on tcp://" in " ".join(result.stderr.split())
    assert len(pd.read_parquet(tmp_path / "out")) == 5997
    assert pd.read_csv(tmp_path / "out.rejects.csv")["row"].tolist() == [10, 2500, 5999]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

    # a second run replaces the parts folder whole: a part left from an older, longer run
    # would otherwise be read back with the new ones
    (tmp_path / "out" / "part.99.parquet").write_bytes((tmp_path / "out" / "part.0.parquet")
                                                       .read_bytes())  # fmt: skip
    again = runner.invoke(
        app, ["score", str(folder), "--engine", "dask", "--scheduler", address, "--out", "out"]
    )
    assert again.exit_code == 0, again.stderr
    assert len(pd.read_parquet(tmp_path / "out")) == 5997

    # a folder that holds anything else is not churnlab's to replace
    (tmp_path / "out" / "notes.txt").write_text("mine")
    refused = runner.invoke(
        app, ["score", str(folder), "--engine", "dask", "--scheduler", address, "--out", "out"]
    )
    assert refused.exit_code == 2, refused.stderr
    assert "holds files churnlab did not write (notes.txt)" in " ".join(refused.stderr.split())
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


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


# --- training --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def training_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16,000 synthetic members with a category, in 4 files."""
    root = tmp_path_factory.mktemp("training")
    rng = np.random.default_rng(3)
    for k in range(4):
        part = make_members(4000, random_state=20 + k)
        part["Plan"] = rng.choice(["basic", "plus", "family"], len(part))
        part.to_parquet(root / f"part-{k}.parquet")
    return root


def test_training_on_the_cluster_learns_like_one_machine(
    client: object, training_folder: Path, tmp_path: Path
) -> None:
    model = train_on_dask(training_folder, client=client)
    assert model.learner_ == "boosting" and model.compiled().kind == "trees"
    assert "Plan" in model.spec_.feature_names
    test = make_members(4000, random_state=99).assign(Plan="plus")
    on_cluster = roc_auc_score(test["Churn"], model.predict_proba(test)[:, 1])
    train = pd.concat([pd.read_parquet(p) for p in sorted(training_folder.glob("*.parquet"))])
    local = ChurnModel(learner="boosting", folds=3).fit(train.drop(columns="Churn"), train["Churn"])
    assert on_cluster == pytest.approx(
        roc_auc_score(test["Churn"], local.predict_proba(test)[:, 1]), abs=0.01
    )
    assert model.oof_metrics_["roc_auc"] > 0.9 and len(model.oof_proba_) == pytest.approx(
        3200, rel=0.1
    )
    save_model(model, tmp_path / "m.churnlab")
    again = load_model(tmp_path / "m.churnlab")
    np.testing.assert_array_equal(again.predict_proba(test), model.predict_proba(test))


def test_training_refuses_impossible_values_naming_the_row(client: object, tmp_path: Path) -> None:
    for k in range(2):
        part = make_members(300, random_state=k)
        if k == 1:
            part.loc[7, "Age"] = -2
        part.to_parquet(tmp_path / f"p{k}.parquet")
    with pytest.raises(ValidationError) as caught:
        train_on_dask(tmp_path, client=client)
    assert caught.value.failures[["row", "column"]].values.tolist() == [[307, "Age"]]


def test_training_refuses_infinite_values_naming_the_row(client: object, tmp_path: Path) -> None:
    for k in range(2):  # both in the rows inference reads and beyond them, on the cluster
        part = make_members(300, random_state=k)
        part.loc[5, "Avg_additional_charges_total"] = np.inf if k == 0 else -np.inf
        part.to_parquet(tmp_path / f"p{k}.parquet")
    with pytest.raises(ValidationError, match="not a finite number") as caught:
        train_on_dask(tmp_path, client=client)
    assert caught.value.failures[["row", "column"]].values.tolist() == [
        [5, "Avg_additional_charges_total"],
        [305, "Avg_additional_charges_total"],
    ]


def test_raw_bytes_are_left_out_of_training_and_refused_as_a_feature(
    client: object, gym_model: ChurnModel, tmp_path: Path
) -> None:
    part = pa.Table.from_pandas(make_members(600, random_state=3), preserve_index=False)
    raw = pa.array([bytes([i % 256, 0x80]) for i in range(600)], pa.binary())
    pq.write_table(part.append_column("scan", raw), tmp_path / "m.parquet")
    model = train_on_dask(tmp_path / "m.parquet", client=client)
    assert "scan" not in model.spec_.feature_names
    assert ("scan", "bytes") in [(a.column, a.kind) for a in model.spec_.set_aside]
    features = part.drop_columns(["Age"]).append_column("Age", raw)
    pq.write_table(features, tmp_path / "f.parquet")
    with pytest.raises(SchemaError, match=r"column 'Age'.*raw bytes"):
        score_on_dask(gym_model, tmp_path / "f.parquet", tmp_path / "s", client=client)


def test_the_train_command_on_a_running_scheduler(
    client: object, training_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHURNLAB_STORE", f"sqlite:///{tmp_path}/history.db")
    address = client.scheduler.address  # type: ignore[attr-defined]
    result = runner.invoke(
        app, ["train", str(training_folder), "--engine", "dask", "--scheduler", address]
    )
    assert result.exit_code == 0, result.stderr
    assert "trained on 16,000 rows" in " ".join(result.stderr.split())
    assert load_model(tmp_path / "model.churnlab").learner_ == "boosting"
    refused = runner.invoke(app, ["train", str(training_folder), "--engine", "dask",
                                  "--learner", "logistic"])  # fmt: skip
    assert refused.exit_code == 2 and "trains LightGBM" in " ".join(refused.stderr.split())


def test_padded_and_blank_categories_score_alike_on_every_path(
    client: object, tmp_path: Path
) -> None:
    """One coercion: " plus ", "plus  " are "plus", and "", "  " are missing, whether a member
    is scored by predict_proba, score_members, the API, the Dask engine, or learnt from on it."""
    from fastapi.testclient import TestClient

    from churnlab.api import create_app
    from churnlab.scoring.bundle import load_bundle

    rng = np.random.default_rng(8)
    train = make_members(3000, random_state=5)
    train["Plan"] = rng.choice(["basic", "plus", "family"], len(train))
    train.loc[train["Plan"] == "family", "Churn"] = 0  # a category that matters
    model = ChurnModel(folds=3).fit(train.drop(columns="Churn"), train["Churn"])
    save_model(model, tmp_path / "m.churnlab")

    members = make_members(40, random_state=6).drop(columns="Churn")
    clean = rng.choice(["basic", "plus", "family"], len(members)).astype(object)
    clean[:8] = np.nan
    padded = np.array([f"  {p} " if isinstance(p, str) else p for p in clean], dtype=object)
    padded[:8] = ["", " ", "\t", None, "", "   ", None, " "]
    raw = members.assign(Plan=padded)
    # the reference: the model on categories cleaned here, by hand
    expected = model.predict_proba(members.assign(Plan=clean))[:, 1]
    assert len(set(np.round(expected, 6))) > 10  # the members differ

    np.testing.assert_array_equal(model.predict_proba(raw)[:, 1], expected)
    scored = score_members(model, raw).scores["churn_probability"].to_numpy()
    np.testing.assert_array_equal(scored, expected)
    api = TestClient(create_app(load_bundle(model=tmp_path / "m.churnlab")))
    records = [{k: (None if v is None or v != v else v) for k, v in r.items()}
               for r in raw.to_dict("records")]  # fmt: skip
    answer = api.post("/v1/score", json={"members": records}).json()["results"]
    np.testing.assert_allclose([r["churn_probability"] for r in answer], expected, rtol=1e-12)
    raw.to_parquet(tmp_path / "raw.parquet")
    score_on_dask(model, tmp_path / "raw.parquet", tmp_path / "s", client=client)
    on_dask = pd.read_parquet(tmp_path / "s").sort_values("row")["churn_probability"]
    np.testing.assert_array_equal(on_dask.to_numpy(), expected)

    # training on the cluster learns the categories as the coercion spells them
    (tmp_path / "train").mkdir()
    for k in range(2):
        part = train.iloc[k::2].copy()
        part["Plan"] = "  " + part["Plan"] + " "
        part.iloc[:5, part.columns.get_loc("Plan")] = " "
        part.to_parquet(tmp_path / "train" / f"part-{k}.parquet")
    learnt = train_on_dask(tmp_path / "train", client=client)
    categories = learnt.estimator_.named_steps["categories"].categories_["Plan"]
    assert categories == ["basic", "family", "plus"]
