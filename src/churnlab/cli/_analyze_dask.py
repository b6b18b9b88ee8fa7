"""`churnlab analyze --engine dask`: the model and the segments fitted on a random sample, then
every member scored, explained, placed and planned for on a Dask cluster
(:func:`churnlab.analysis.on_dask.analyze_on_dask`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from churnlab.cli._common import record_run
from churnlab.data.atomic import outputs_together
from churnlab.data.sources import source_name
from churnlab.errors import UsageError

if TYPE_CHECKING:
    from distributed import Client

    from churnlab.analysis.analyze import Analysis
    from churnlab.analysis.on_dask import DaskAnalysis
    from churnlab.cli.analyze import Run
    from churnlab.plan.playbook import Economics


def check_dask_source(data: str | None, *, query: str | None, table: str | None) -> str:
    """DATA, once known to be what the Dask engine reads; refused, before any work, otherwise."""
    if data is None or "://" in data:
        raise UsageError(
            "--engine dask needs DATA: a Parquet file or a folder of them",
            fix="give the path, e.g. churnlab analyze members/ --engine dask",
        )
    for option, value in (("--query", query), ("--table", table)):
        if value is not None:
            raise UsageError(
                f"{option} works with --engine local only",
                fix=f"leave out {option}, or --engine dask",
            )
    path = Path(data)
    if path.is_file() and path.suffix.lower() != ".parquet":
        raise UsageError(
            "--engine dask reads Parquet, and this is not a .parquet file",
            file=data,
            fix="save the table as Parquet (in pandas: pd.read_csv(path).to_parquet("
            "'members.parquet')), or leave out --engine dask",
        )
    return data


def read_sample(data: str, client: Client, rows: int, seed: int) -> tuple[pd.DataFrame, int, str]:
    """A seeded random sample of about ``rows`` of the table's members, drawn on the cluster;
    the table's number of rows; its display name."""
    from churnlab.scoring.distributed import read_parquet_partitions

    frame, lengths = read_parquet_partitions(data)
    total = int(lengths.sum())
    if rows < total:
        frame = frame.sample(frac=rows / total, random_state=seed)
    sample = client.compute(frame).result()
    return sample.reset_index(drop=True), total, source_name(data)


def on_the_cluster(
    run: Run,
    data: str,
    sample: Analysis,
    economics: Economics,
    client: Client,
    objective: str,
) -> DaskAnalysis:
    """Analyse every partition with the sample's fits into the folder's ``scores/``, write the
    rest of the folder from the whole table's summary and plan, and record the run (its
    counts: each member's scores are in the parts, not in the run history). The folder's files
    appear together, once the run is recorded, or none of them."""
    from churnlab.analysis.on_dask import analyze_on_dask
    from churnlab.report.export import OUTPUTS, SCORES_PARTS, write_outputs
    from churnlab.report.html import AT_RISK

    files = {role: run.out_dir / name for role, name in OUTPUTS.items()}
    parts = run.out_dir / SCORES_PARTS
    # scores a local run left in the folder are wrong once these are in
    stale = [files.pop("scores"), files.pop("scores_parquet")]
    with outputs_together(files.values(), folders=[parts], stale=stale) as staged:
        done = analyze_on_dask(data, sample, economics, staged[parts], client=client,
                               objective=objective, at_risk=AT_RISK)  # fmt: skip
        whole = replace(sample, summary=done.summary, plan=done.plan, rejects=done.rejects,
                        members=done.at_risk, reasons=pd.Series(dtype=object))  # fmt: skip
        write_outputs(whole, staged[files["report"]].parent, club_id=run.folder.id_file(),
                      with_scores=False)  # fmt: skip
        record_run(
            run.history_store(),
            kind="analyze",
            source=run.source,
            model=sample.model,
            model_path=files["model"],
            rows=done.summary.data.rows,
            scored=done.summary.data.members,
            rejected=len(done.rejects),
            month=run.month,
        )
    return done
