"""`churnlab score --engine dask`: partitions scored on a Dask cluster."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from churnlab.cli._common import (
    check_output_format,
    open_store,
    progress,
    record_run,
    say_scored,
)
from churnlab.cli._words import number, say
from churnlab.data.atomic import outputs_together, refuse_overwriting_inputs
from churnlab.data.sources import source_name
from churnlab.data.write import write_table
from churnlab.errors import UsageError
from churnlab.model.persist import load_scorer


def score_with_dask(
    data: str | None,
    model_path: Path,
    out: Path | None,
    rejects: Path | None,
    id_col: str | None,
    scheduler: str | None,
    out_table: str | None,
    store_url: str | None,
    month: str | None,
    with_reasons: bool,
) -> None:
    """Score DATA (Parquet) on the cluster into the folder --out, then record the run."""
    from churnlab.scoring.distributed import dask_client, score_on_dask

    if data is None:
        raise UsageError(
            "--engine dask needs DATA: a Parquet file or a folder of them",
            fix="give the path, e.g. churnlab score members/ --engine dask --out scores/",
        )
    if out_table is not None or with_reasons:
        option = "--out-table" if out_table is not None else "--reasons"
        raise UsageError(
            f"{option} works with --engine local only", fix=f"leave out {option} or --engine dask"
        )
    out = out or Path("scores")
    if out.suffix.lower() == ".csv" or out.is_file():
        raise UsageError(
            f"with --engine dask, --out names a folder for Parquet parts, not {str(out)!r}",
            fix="give a folder name, e.g. --out scores/",
        )
    rejects_path = rejects or out.with_name(out.name + ".rejects.csv")
    check_output_format("--rejects", rejects_path)
    refuse_overwriting_inputs(
        {"--rejects": rejects_path}, [data, model_path], folders={"--out": out}
    )
    refuse_overwriting_inputs({"--out": out}, [data, model_path])
    model = load_scorer(model_path)  # before the store: a refused model leaves nothing behind
    store = open_store(store_url)
    where = escape(scheduler) if scheduler else say("local_cluster")
    # the parts folder and the rejects appear together once the run is recorded, or neither
    with outputs_together([rejects_path], folders=[out]) as staged:
        scoring = say("scoring_on", source=escape(source_name(data)), where=where)
        with progress(scoring), dask_client(scheduler) as client:
            done = score_on_dask(model, data, staged[out], client=client, id_col=id_col)
        write_table(done.rejects, staged[rejects_path])
        record_run(
            store,
            kind="score",
            source=source_name(data),
            model=model,
            model_path=model_path,
            rows=done.n_input,
            scored=done.n_scored,
            rejected=len(done.rejects),
            month=month,
        )
    target = say("parts_on", folder=f"{escape(str(out))}/", partitions=number(done.partitions),
                 where=where)  # fmt: skip
    say_scored(done.n_scored, done.n_input, source_name(data), target, len(done.rejects),
               rejects_path)  # fmt: skip
