"""How long the run history takes to record a month's scores, against writing the same rows plainly.

Each case records one run of ``n`` members (id, probability, tier, portrait, reasons, measure)
into a fresh file with :meth:`churnlab.store.Store.record_run`: the run row, one score row per
member, all in one transaction. The peer writes the same frame into a fresh file with no run,
no checks and no transaction of its own: ``DataFrame.to_sql`` (SQLite) and DuckDB's own insert
of a pandas frame. Median of 3 runs, in this process (imports excluded).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import sqlalchemy as sa
from _util import machine, print_table

from churnlab.store import Store

SIZES = (4_000, 100_000)


def scores(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    probability = rng.random(n).round(6)
    return pd.DataFrame(
        {
            "row": np.arange(n),
            "member_id": [f"C{i:07d}" for i in range(n)],
            "churn_probability": probability,
            "risk_tier": np.where(probability >= 0.5, "high", "low"),
            "segment": pd.array(rng.integers(1, 6, n), dtype="Int64"),
            "reasons": [f"reason {i % 40}" for i in range(n)],
            "action": np.where(probability >= 0.5, "call", ""),
        }
    )


def churnlab_duckdb(path: Path, frame: pd.DataFrame) -> None:
    _record(f"duckdb:///{path}.duckdb", frame)


def churnlab_sqlite(path: Path, frame: pd.DataFrame) -> None:
    _record(f"sqlite:///{path}.db", frame)


def _record(url: str, frame: pd.DataFrame) -> None:
    with Store(url) as store:
        store.record_run(kind="score", source="m.csv", rows=len(frame), scored=len(frame),
                         rejected=0, model_id=None, month="2024-01", scores=frame,
                         id_col="member_id")  # fmt: skip


def duckdb_insert(path: Path, frame: pd.DataFrame) -> None:
    with duckdb.connect(f"{path}.duckdb") as connection:
        connection.register("frame", frame)
        connection.execute("CREATE TABLE scores AS SELECT * FROM frame")


def pandas_to_sql(path: Path, frame: pd.DataFrame) -> None:
    engine = sa.create_engine(f"sqlite:///{path}.db")
    frame.to_sql("scores", engine, index=False, chunksize=10_000)
    engine.dispose()


WRITERS: dict[str, Callable[[Path, pd.DataFrame], None]] = {
    "churnlab Store, DuckDB": churnlab_duckdb,
    "peer: DuckDB insert of the frame": duckdb_insert,
    "churnlab Store, SQLite": churnlab_sqlite,
    "peer: pandas to_sql, SQLite": pandas_to_sql,
}


def median_seconds(
    write: Callable[[Path, pd.DataFrame], None], frame: pd.DataFrame, repeats: int
) -> float:
    times = []
    for i in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            write(Path(folder) / f"history{i}", frame)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(repeats: int = 3) -> None:
    rows = []
    for n in SIZES:
        frame = scores(n)
        for name, write in WRITERS.items():
            seconds = median_seconds(write, frame, repeats)
            rows.append([f"{n:,}", name, f"{seconds:.2f}", f"{n / seconds / 1000:.0f}"])
    print_table(
        f"Recording a month's scores ({machine()}; median of {repeats})",
        ["members", "writer", "seconds", "k rows/s"],
        rows,
    )


if __name__ == "__main__":
    main()
