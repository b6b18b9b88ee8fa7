"""`churnlab make-members`: a large synthetic member table, as partitioned Parquet."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from churnlab.cli._common import MAX_SEED, err, handles_errors, progress
from churnlab.data.atomic import outputs_together
from churnlab.data.datasets import write_members


@handles_errors
def make_members(
    n: Annotated[int, typer.Argument(min=1, help="How many members.")],
    out: Annotated[Path, typer.Option(help="The folder to write the Parquet files to.")] = Path(
        "members"
    ),
    rows_per_file: Annotated[int, typer.Option(min=1, help="Rows per file.")] = 1_000_000,
    seed: Annotated[
        int,
        typer.Option(
            min=0, max=MAX_SEED, help="Random seed (0 .. 2**32-1): the same seed, the same members."
        ),
    ] = 0,
) -> None:
    """Write N synthetic club members (with Churn) to --out, for trying churnlab at scale."""
    started = time.perf_counter()
    # the folder is replaced whole, once every file is written: no part of an older, larger
    # table is left to be read back with the new one
    with progress(f"writing {n:,} members"), outputs_together([], folders=[out]) as staged:
        files = write_members(staged[out], n, rows_per_file=rows_per_file, random_state=seed)
    err.print(
        f"wrote {n:,} members in {len(files)} files to [bold]{escape(str(out))}/[/] "
        f"in {time.perf_counter() - started:.1f} s"
    )
