"""`churnlab analyze --engine dask` on a running 2-worker cluster: the same segments' sizes, plan
and members as the local engine on the same sample, the folder all-or-nothing, and its errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from _cli import assert_ok, assert_user_error, files_in, flat, invoke
from churnlab.analysis.analyze import analyze
from churnlab.data.infer import infer_spec
from churnlab.model.persist import load_model
from churnlab.plan.playbook import default_playbook
from churnlab.report.export import OUTPUTS
from churnlab.scoring.distributed import dask_client, read_parquet_partitions
from churnlab.store import Store
from churnlab.store.folder import ClubFolder

SAMPLE = 1500
BUDGET = 2500.0


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    with dask_client(n_workers=2) as client:
        yield str(client.scheduler.address)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def table(gym: pd.DataFrame) -> pd.DataFrame:
    """The club's members with ids and two impossible ages (rows 5 and 2222)."""
    frame = gym.copy()
    frame.insert(0, "member_id", [f"M{i:05d}" for i in range(len(frame))])
    frame.loc[[5, 2222], "Age"] = [-2, 500]
    return frame


@pytest.fixture(scope="module")
def parquet(table: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two files in row groups of 900: six partitions."""
    folder = tmp_path_factory.mktemp("members")
    for k in range(2):
        part = pa.Table.from_pandas(table.iloc[2000 * k : 2000 * (k + 1)], preserve_index=False)
        pq.write_table(part, folder / f"part-{k}.parquet", row_group_size=900)
    return folder


@pytest.fixture(scope="module")
def run_dir(address: str, parquet: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "report"
    history = f"sqlite:///{out.parent / 'history.db'}"
    dask = ["--engine", "dask", "--scheduler", address, "--sample-rows", str(SAMPLE)]
    result = invoke("analyze", parquet, *dask, "--budget", str(BUDGET), "--out", out,
                    "--store", history)  # fmt: skip
    assert_ok(result)
    assert "analysed 3,998 members from" in flat(result.stderr)
    assert "2 rows rejected" in flat(result.stderr)
    return out


def test_the_cluster_finds_what_the_local_engine_finds_on_the_same_sample(
    run_dir: Path, parquet: Path, table: pd.DataFrame
) -> None:
    # the reference: the same seeded sample, analysed on one machine, its fits used on every row
    frame, lengths = read_parquet_partitions(parquet)
    sample = frame.sample(frac=SAMPLE / lengths.sum(), random_state=0).compute()
    sample = sample.reset_index(drop=True)
    spec = infer_spec(sample, target_col="Churn", source=str(parquet))
    playbook = default_playbook(spec)
    economics = playbook.economics.override(budget=BUDGET)
    fitted = analyze(sample, spec, playbook=playbook, economics=economics, random_state=0)
    whole = analyze(table, spec, model=fitted.model, segmenter=fitted.segmenter,
                    playbook=playbook, economics=economics)  # fmt: skip

    assert load_model(run_dir / OUTPUTS["model"]).data_hash_ == fitted.model.data_hash_
    summary = json.loads((run_dir / OUTPUTS["summary"]).read_text(encoding="utf-8"))
    found = [(s["id"], s["size"], s["name"]) for s in summary["segments"]]
    assert found == [(s["id"], s["size"], s["name"]) for s in whole.summary.segments]
    rates = [s["churn_rate"] for s in summary["segments"]]
    assert rates == pytest.approx([s["churn_rate"] for s in whole.summary.segments], abs=1e-12)
    assert summary["data"]["members"] == 3998
    assert summary["meta"]["fitted_on"] == fitted.summary.data.members
    assert summary["plan"] == json.loads(json.dumps(whole.summary.plan))
    plan = pd.read_csv(run_dir / OUTPUTS["plan_csv"])
    assert plan["row"].tolist() == whole.plan.campaign["row"].tolist()
    assert plan["measure"].tolist() == whole.plan.campaign["measure"].tolist()
    assert plan["expected_cost"].sum() <= BUDGET
    members = pd.read_parquet(run_dir / "scores").sort_values("row", ignore_index=True)
    pd.testing.assert_frame_equal(
        members, whole.members, check_exact=False, rtol=1e-12, check_dtype=False
    )
    assert pd.read_csv(run_dir / OUTPUTS["rejects"])["row"].tolist() == [5, 2222]


def test_the_folder_has_the_report_and_exports_but_the_scores_in_parts(run_dir: Path) -> None:
    expected = set(OUTPUTS.values()) - {OUTPUTS["scores"], OUTPUTS["scores_parquet"]}
    names = files_in(run_dir)
    assert {n for n in names if "/" not in n} == expected | {"scores"}
    assert {n for n in names if n.startswith("scores/")} == {
        f"scores/part.{i}.parquet" for i in range(6)
    }
    html = (run_dir / OUTPUTS["report"]).read_text(encoding="utf-8")
    summary = json.loads((run_dir / OUTPUTS["summary"]).read_text(encoding="utf-8"))
    sample = f"{summary['meta']['fitted_on']:,}"
    assert f"a random sample of {sample} of the 3,998 members" in html
    assert "every member is in scores/." in html
    # the report's members most at risk are the table's, not the sample's
    members = pd.read_parquet(run_dir / "scores")
    riskiest = members.sort_values(["churn_probability", "row"], ascending=[False, True]).head(100)
    listed = [i for i in riskiest["member_id"] if f">{i}<" in html]
    assert listed == riskiest["member_id"].tolist()


def test_the_run_is_recorded_with_its_counts(run_dir: Path) -> None:
    club = ClubFolder(run_dir).id
    runs = Store(f"sqlite:///{run_dir.parent / 'history.db'}", club=club).runs()
    assert len(runs) == 1
    run = runs.iloc[0]
    assert (run["kind"], run["rows"], run["scored"], run["rejected"]) == ("analyze", 4000, 3998, 2)


def test_an_engine_replaces_the_others_scores(
    address: str, parquet: Path, table: pd.DataFrame, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    table.iloc[:1500].to_parquet(tmp_path / "few.parquet", index=False)
    assert_ok(invoke("analyze", tmp_path / "few.parquet", "--out", out))
    assert (out / OUTPUTS["scores"]).is_file()
    assert_ok(invoke("analyze", tmp_path / "few.parquet", "--engine", "dask", "--scheduler",
                     address, "--out", out))  # fmt: skip
    assert not (out / OUTPUTS["scores"]).exists() and not (out / OUTPUTS["scores_parquet"]).exists()
    assert len(pd.read_parquet(out / "scores")) == 1499  # row 5 is rejected
    assert_ok(invoke("analyze", tmp_path / "few.parquet", "--out", out))
    assert not (out / "scores").exists() and len(pd.read_csv(out / OUTPUTS["scores"])) == 1499


@pytest.mark.parametrize(
    ("arguments", "fragments"),
    [
        (["members.csv", "--engine", "dask"], ["not a .parquet file", "to_parquet"]),
        (["--engine", "dask"], ["--engine dask needs DATA"]),
        (["members.parquet", "--engine", "dask", "--query", "x"], ["--query works with"]),
        (["members.parquet", "--scheduler", "tcp://127.0.0.1:1"], ["--scheduler needs"]),
        (["members.parquet", "--sample-rows", "5000"], ["--sample-rows needs"]),
        (
            ["members.parquet", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"],
            ["cannot reach the Dask scheduler"],
        ),
    ],
)
def test_user_errors_leave_nothing_behind(
    arguments: list[str],
    fragments: list[str],
    table: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    table.iloc[:1200].to_csv("members.csv", index=False)
    table.iloc[:1200].to_parquet("members.parquet", index=False)
    assert_user_error(invoke("analyze", *arguments, "--out", "out"), *fragments)
    assert not (tmp_path / "out").exists()


def test_a_sample_too_small_to_fit_on_is_refused(tmp_path: Path) -> None:
    result = invoke("analyze", tmp_path / "members.parquet", "--engine", "dask",
                    "--sample-rows", "10", "--out", tmp_path / "out")  # fmt: skip
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--sample-rows" in result.output and "1000" in flat(result.output)
    assert not (tmp_path / "out").exists()


def test_a_run_on_the_cluster_in_russian_prints_no_english(
    address: str,
    table: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    english_words: Callable[..., set[str]],
    on_a_terminal: list[str],
) -> None:
    """analyze, score and train on the cluster: every line, and what the progress shows, in
    Russian; the cluster made for the run is this module's, so the runs say they are on a local
    one."""
    from churnlab.scoring import distributed

    monkeypatch.setattr(distributed, "dask_client", lambda scheduler=None: dask_client(address))
    few = tmp_path / "few.parquet"  # whole paths: the workers do not run in this folder
    table.iloc[:1500].to_parquet(few, index=False)
    analysed = invoke("analyze", few, "--engine", "dask", "--sample-rows", "1000", "--out",
                      tmp_path / "report", "--lang", "ru")  # fmt: skip
    scored = invoke("score", few, "--engine", "dask", "--model",
                    tmp_path / "report" / OUTPUTS["model"], "--out", tmp_path / "scores",
                    "--lang", "ru")  # fmt: skip
    possible = tmp_path / "possible.parquet"  # training refuses the impossible age of row 5
    table.iloc[6:1500].to_parquet(possible, index=False)
    trained = invoke("train", possible, "--engine", "dask", "--model", tmp_path / "m.churnlab",
                     "--lang", "ru")  # fmt: skip
    for result in (analysed, scored, trained):
        assert_ok(result)
        assert english_words(result.output, names=table.columns) == set(), result.output
    assert f"проанализировано клиентов: 1\xa0499 (данные: {few})" in analysed.stderr
    assert "✓ выборка: обучение модели и поиск портретов" in analysed.stderr
    assert "(частей: 1, на локальном кластере)" in scored.stderr
    assert "Finding random open ports" not in trained.output  # nor LightGBM's own lines
    unwrapped = trained.stderr.replace("\n", " ")  # Rich breaks lines at spaces
    assert f"обучено на строках: 1\xa0494 (данные: {possible}) на локальном кластере" in unwrapped
    assert "Метрики на отложенных строках (20\xa0% строк" in trained.stdout
    assert "обучение на локальном кластере, строк: 1\xa0494" in on_a_terminal, on_a_terminal
    assert "анализ всех клиентов на кластере" in " ".join(on_a_terminal)
    assert f"оценка {few} на локальном кластере" in on_a_terminal, on_a_terminal
    assert english_words("\n".join(on_a_terminal)) == set(), on_a_terminal


def test_relative_paths_name_the_callers_folder_not_the_workers(
    address: str, table: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the workers were started in another folder: a relative path read or written there would
    # miss the files, or write them where nobody looks
    monkeypatch.chdir(tmp_path)
    table.iloc[6:1500].to_parquet("few.parquet", index=False)
    dask = ["--engine", "dask", "--scheduler", address]
    assert_ok(invoke("analyze", "few.parquet", *dask, "--sample-rows", "1000", "--out", "report"))
    assert_ok(invoke("score", "few.parquet", *dask, "--model", Path("report") / OUTPUTS["model"],
                     "--out", "scores"))  # fmt: skip
    assert_ok(invoke("train", "few.parquet", *dask, "--model", "m.churnlab"))
    for folder in ("report/scores", "scores"):
        parts = pd.concat(pd.read_parquet(p) for p in sorted(Path(folder).glob("*.parquet")))
        assert sorted(parts["row"]) == list(range(1494)), folder  # every member, here
