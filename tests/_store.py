"""The store's tests' helpers: a store's URL, a run's scores, recording them, counting rows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from churnlab.store import Store


def _url(backend: str, folder: Path) -> str:
    return f"duckdb:///{folder}/s.duckdb" if backend == "duckdb" else f"sqlite:///{folder}/s.db"


def _scores(
    probabilities: list[float],
    *,
    ids: list[str] | None = None,
    segments: Sequence[int | None] | None = None,
) -> pd.DataFrame:
    n = len(probabilities)
    frame = pd.DataFrame({"row": range(n)})
    if ids is not None:
        frame["member_id"] = ids
    frame["churn_probability"] = probabilities
    frame["risk_tier"] = [
        "high" if p >= 0.5 else "medium" if p >= 0.25 else "low" for p in probabilities
    ]
    if segments is not None:
        frame["segment"] = pd.array(segments, dtype="Int64")
    frame["reasons"] = [f"reason {i}" for i in range(n)]
    frame["action"] = ["call"] * n
    return frame


def _record(store: Store, scores: pd.DataFrame, *, month: str | None, source: str = "m.csv",
            id_col: str | None = "member_id") -> str:  # fmt: skip
    return store.record_run(
        kind="score",
        source=source,
        rows=len(scores),
        scored=len(scores),
        rejected=0,
        model_id=None,
        month=month,
        scores=scores,
        id_col=id_col,
    )


def _count(store: Store, table: str) -> int:
    with store._engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
