"""`churnlab score`: each member's probability of leaving next month."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from churnlab.cli._common import (
    DataArg,
    IdOpt,
    MonthOpt,
    QueryOpt,
    StoreOpt,
    TableOpt,
    default_rejects_path,
    err,
    handles_errors,
    open_store,
    progress,
    read_members,
    record_run,
)
from churnlab.errors import UsageError
from churnlab.io import write_table
from churnlab.persist import load_model
from churnlab.scoring import score_members

_OUTPUTS = (".csv", ".parquet")


@handles_errors
def score(
    data: DataArg = None,
    model_path: Annotated[
        Path, typer.Option("--model", help="A model file from `churnlab train`.")
    ] = Path("model.churnlab"),
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the scores (.csv or .parquet).")
    ] = Path("scores.csv"),
    id_col: IdOpt = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where to write rows that cannot be scored "
            "(default: <out>.rejects.csv beside --out).",
        ),
    ] = None,
    query: QueryOpt = None,
    table: TableOpt = None,
    store_url: StoreOpt = None,
    month: MonthOpt = None,
) -> None:
    """Score every member of DATA with --model; write --out and the rejected rows."""
    if out.suffix.lower() not in _OUTPUTS:
        raise UsageError(
            f"cannot write scores to {out.name!r}",
            fix=f"give --out a name ending in {' or '.join(_OUTPUTS)}",
        )
    rejects_path = rejects or default_rejects_path(out)
    if rejects_path.resolve() == out.resolve():
        raise UsageError(
            f"--rejects and --out both name {str(out)!r}",
            fix="give the rejected rows a file of their own",
        )
    store = open_store(store_url)
    model = load_model(model_path)
    frame, source = read_members(data, query=query, table=table)
    with progress(f"scoring {len(frame):,} members"):
        result = score_members(model, frame, source=source, id_col=id_col)
    write_table(result.scores, out)
    try:
        write_table(result.rejects, rejects_path)
    except BaseException:
        out.unlink(missing_ok=True)  # both files or neither
        raise
    err.print(
        f"scored {len(result.scores):,} of {result.n_input:,} rows from {escape(source)} "
        f"-> [bold]{escape(str(out))}[/]"
    )
    if len(result.rejects):
        err.print(
            f"[yellow]{len(result.rejects):,} rows rejected[/] (row, column and reason) "
            f"-> [bold]{escape(str(rejects_path))}[/]"
        )
    else:
        err.print("0 rows rejected")
    record_run(
        store,
        kind="score",
        source=source,
        model=model,
        model_path=model_path,
        rows=result.n_input,
        scored=len(result.scores),
        rejected=len(result.rejects),
        scores=result.scores,
        id_col=id_col or model.spec_.id_col,
        month=month,
    )
