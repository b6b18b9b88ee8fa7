"""Scoring a file batch by batch gives exactly what scoring it whole gives, rejects included."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from churnlab.errors import UsageError
from churnlab.insight.explain import contributions, reasons
from churnlab.model.churn_model import ChurnModel
from churnlab.scoring import streaming
from churnlab.scoring.members import score_members
from churnlab.scoring.streaming import score_file


@pytest.fixture(scope="module")
def members(gym: pd.DataFrame) -> pd.DataFrame:
    """The club's members with a member id and bad cells in several batches."""
    frame = gym.drop(columns="Churn").assign(member_id=[f"M{i:05d}" for i in range(len(gym))])
    frame = frame.astype({"Age": object, "Lifetime": float})
    frame.loc[[5, 1999, 2000, 3999], "Age"] = ["old", -3, None, "41"]
    frame.loc[2500, "Lifetime"] = np.inf
    return frame


def _whole(model: ChurnModel, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    result = score_members(model, frame, id_col="member_id")
    return result.scores, result.rejects


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_batches_give_what_the_whole_table_gives(
    gym_model: ChurnModel, members: pd.DataFrame, tmp_path: Path, suffix: str
) -> None:
    source = tmp_path / f"members{suffix}"
    if suffix == ".csv":
        members.to_csv(source, index=False)
    else:
        members.astype({"Age": str}).replace({"Age": {"None": None}}).to_parquet(source)
    progress: list[tuple[int, int | None]] = []
    done = score_file(
        gym_model,
        source,
        tmp_path / f"scores{suffix}",
        id_col="member_id",
        batch_rows=700,
        on_progress=lambda rows, total: progress.append((rows, total)),
    )
    scores = (
        pd.read_parquet(tmp_path / "scores.parquet")
        if suffix == ".parquet"
        else (pd.read_csv(tmp_path / "scores.csv"))
    )
    expected, expected_rejects = _whole(gym_model, members)
    assert (done.n_input, done.n_scored) == (4000, 3997) and len(scores) == 3997
    assert scores["row"].tolist() == expected["row"].tolist()
    assert scores["member_id"].tolist() == expected["member_id"].tolist()
    np.testing.assert_array_equal(scores["churn_probability"], expected["churn_probability"])
    assert scores["risk_tier"].astype(str).tolist() == expected["risk_tier"].tolist()
    assert done.rejects["row"].tolist() == [5, 1999, 2500]  # a blank Age is missing, not bad
    assert done.rejects[["row", "member_id", "column"]].values.tolist() == (
        expected_rejects[["row", "member_id", "column"]].values.tolist()
    )
    assert [rows for rows, _ in progress] == [700 * k for k in range(1, 6)] + [4000]
    assert {total for _, total in progress} == ({4000} if suffix == ".parquet" else {None})
    assert done.kept_scores is None


def test_reasons_on_demand_and_scores_kept_for_the_history(
    gym_model: ChurnModel, gym: pd.DataFrame, tmp_path: Path
) -> None:
    frame = gym.drop(columns="Churn").head(900)
    frame.to_parquet(tmp_path / "m.parquet")
    done = score_file(
        gym_model,
        tmp_path / "m.parquet",
        tmp_path / "s.parquet",
        with_reasons=True,
        batch_rows=400,
        keep_scores=1000,
    )
    scores = pd.read_parquet(tmp_path / "s.parquet")
    told = reasons(contributions(gym_model, frame), gym_model)
    for column in ("reason_1", "reason_2", "reason_3"):
        assert scores[column].tolist() == told[column].tolist()
    assert done.kept_scores is not None
    assert list(done.kept_scores.columns) == ["row", "churn_probability", "risk_tier"]
    assert done.kept_scores["row"].tolist() == list(range(900))


def test_a_failure_part_way_leaves_no_output(
    gym_model: ChurnModel, gym: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gym.drop(columns="Churn").to_parquet(tmp_path / "m.parquet")
    calls = {"n": 0}
    real = streaming.score_members

    def fails_on_the_third(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise MemoryError("out of memory in batch 3")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(streaming, "score_members", fails_on_the_third)
    with pytest.raises(MemoryError):
        score_file(gym_model, tmp_path / "m.parquet", tmp_path / "s.parquet", batch_rows=500)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.parquet"]


def test_a_batch_without_a_feature_is_a_schema_error(
    gym_model: ChurnModel, gym: pd.DataFrame, tmp_path: Path
) -> None:
    gym.drop(columns=["Churn", "Age"]).to_parquet(tmp_path / "m.parquet")
    with pytest.raises(Exception, match="'Age'"):
        score_file(gym_model, tmp_path / "m.parquet", tmp_path / "s.parquet")
    assert not (tmp_path / "s.parquet").exists()


def test_short_csv_rows_are_rejected_in_every_batch(
    gym_model: ChurnModel, gym: pd.DataFrame, tmp_path: Path
) -> None:
    lines = gym.drop(columns="Churn").head(1000).to_csv(index=False).splitlines()
    for row in (10, 450, 999):  # in the first, second and last batch
        lines[row + 1] = ",".join(lines[row + 1].split(",")[:4])
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n\n\n")
    done = score_file(gym_model, tmp_path / "m.csv", tmp_path / "s.csv", batch_rows=400)
    assert (done.n_input, done.n_scored) == (1000, 997)
    assert done.rejects[["row", "column", "reason"]].values.tolist() == [
        [row, "Phone", "the row has 4 fields, the header has 13"] for row in (10, 450, 999)
    ]
    assert pd.read_csv(tmp_path / "s.csv")["row"].tolist() == sorted(
        set(range(1000)) - {10, 450, 999}
    )


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_ids_numbers_in_the_first_batch_and_text_later_keep_their_values(
    gym_model: ChurnModel, gym: pd.DataFrame, tmp_path: Path, suffix: str
) -> None:
    frame = gym.drop(columns="Churn").head(1000)
    ids = [str(1000 + i) if i < 500 else f"M{i}" for i in range(1000)]
    ids[150] = ""  # a member without an id, among the numbers: its batch reads them as floats
    frame.insert(0, "member_id", ids)
    frame.to_csv(tmp_path / "m.csv", index=False)
    done = score_file(
        gym_model, tmp_path / "m.csv", tmp_path / f"s{suffix}", id_col="member_id", batch_rows=400
    )
    assert (done.n_input, done.n_scored) == (1000, 1000)
    scores = (
        pd.read_parquet(tmp_path / "s.parquet")
        if suffix == ".parquet"
        else pd.read_csv(tmp_path / "s.csv", dtype={"member_id": str}, keep_default_na=False)
    )
    assert scores["row"].tolist() == list(range(1000))
    assert scores["member_id"].fillna("").tolist() == ids


def test_parquet_files_typing_the_id_differently_keep_every_id(
    gym_model: ChurnModel, gym: pd.DataFrame, tmp_path: Path
) -> None:
    frame = gym.drop(columns="Churn").head(600)
    (tmp_path / "in").mkdir()
    frame.head(300).assign(member_id=np.arange(300)).to_parquet(tmp_path / "in" / "a.parquet")
    frame.tail(300).assign(member_id=[f"X{i}" for i in range(300)]).to_parquet(
        tmp_path / "in" / "b.parquet"
    )
    done = score_file(gym_model, tmp_path / "in", tmp_path / "s.parquet", id_col="member_id")
    assert done.n_scored == 600
    scores = pd.read_parquet(tmp_path / "s.parquet")
    assert scores["member_id"].tolist() == [str(i) for i in range(300)] + [
        f"X{i}" for i in range(300)
    ]


def test_one_parquet_file_keeps_the_type_of_its_ids(
    gym_model: ChurnModel, gym: pd.DataFrame, tmp_path: Path
) -> None:
    gym.drop(columns="Churn").head(900).assign(member_id=np.arange(900)).to_parquet(
        tmp_path / "m.parquet"
    )
    score_file(
        gym_model,
        tmp_path / "m.parquet",
        tmp_path / "s.parquet",
        id_col="member_id",
        batch_rows=400,
    )
    assert pd.read_parquet(tmp_path / "s.parquet")["member_id"].tolist() == list(range(900))


def _disk_full_at_the_second_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    real = streaming._ScoresWriter.write
    calls = {"n": 0}

    def write(self: streaming._ScoresWriter, table: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, table)  # type: ignore[arg-type]

    monkeypatch.setattr(streaming._ScoresWriter, "write", write)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_a_full_disk_is_told_and_leaves_nothing(
    gym_model: ChurnModel,
    gym: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,
) -> None:
    gym.drop(columns="Churn").to_parquet(tmp_path / "m.parquet")
    _disk_full_at_the_second_batch(monkeypatch)
    out = tmp_path / f"s{suffix}"
    with pytest.raises(
        UsageError, match=rf"s\{suffix}: cannot write the file: the disk is full"
    ) as caught:
        score_file(gym_model, tmp_path / "m.parquet", out, batch_rows=500)
    assert "free some space" in str(caught.value.fix) and "--out" in str(caught.value.fix)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.parquet"]  # no .s.csv.*.tmp either
