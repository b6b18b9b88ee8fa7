"""Score and train on a Dask cluster: the same model file, the same probabilities.

:func:`score_on_dask` reads a Parquet file or a folder of Parquet files as a Dask DataFrame, scores
each partition on the cluster with :func:`churnlab.score_members` (rows numbered across the whole
input, rejects as on one machine), and writes the scores as partitioned Parquet.
:func:`train_on_dask` trains the LightGBM learner through LightGBM's own Dask interface (see its
docstring for the strategy). :func:`dask_client` connects to a scheduler, or starts a
``LocalCluster`` for the run when no address is given.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from churnlab.errors import ReadError, UsageError
from churnlab.io import source_name
from churnlab.model import ChurnModel
from churnlab.scoring import score_members
from churnlab.validate import check_members, require_columns

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["DaskScores", "dask_client", "score_on_dask"]

TIERS = ["low", "medium", "high"]
#: How long to try to reach a scheduler.
CONNECT_TIMEOUT = "10s"


@contextmanager
def dask_client(scheduler: str | None = None, *, n_workers: int | None = None) -> Iterator[Client]:
    """A client of the scheduler at ``scheduler``, or of a ``LocalCluster`` made for the run.

    Parameters
    ----------
    scheduler : str, optional
        The scheduler's address, e.g. ``tcp://10.0.0.5:8786``.
    n_workers : int, optional
        Workers of the local cluster (one thread each); default: one per core.

    Raises
    ------
    UsageError
        The scheduler cannot be reached.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(
                f"cannot reach the Dask scheduler at {scheduler!r} ({exc})",
                fix="check the address (tcp://host:8786) and that the scheduler runs, or leave "
                "out --scheduler to start a local cluster",
            ) from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=n_workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@dataclass(frozen=True)
class DaskScores:
    """What :func:`score_on_dask` did.

    Attributes
    ----------
    n_input, n_scored : int
        Rows read and rows scored.
    partitions : int
        Partitions scored (and Parquet files written).
    rejects : pandas.DataFrame
        One row per rejected input row, as :attr:`ScoreResult.rejects`.
    """

    n_input: int
    n_scored: int
    partitions: int
    rejects: pd.DataFrame


def score_on_dask(
    model: ChurnModel,
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    client: Client,
    id_col: str | None = None,
) -> DaskScores:
    """Score a Parquet file or folder on a Dask cluster into a folder of Parquet files.

    Parameters
    ----------
    model : ChurnModel
        A fitted model; it is sent to every worker once.
    source : str or path-like
        A ``.parquet`` file, or a folder of them (one partition per file or row group).
    out : str or path-like
        The folder to write: ``part.0.parquet`` ... with ``row`` (position in the whole
        input), the id column, ``churn_probability`` and ``risk_tier``.
    client : distributed.Client
        See :func:`dask_client`.
    id_col : str, optional
        The member id column (default: the model's, when the data has it).

    Returns
    -------
    DaskScores
    """
    import dask
    import dask.dataframe as dd

    name = source_name(source)
    path = Path(source)
    if not path.exists():
        raise ReadError("no such file or folder", file=name, fix="check the path")
    if not (path.is_dir() or path.suffix.lower() in {".parquet", ".pq"}):
        raise UsageError(
            "--engine dask reads Parquet: a .parquet file or a folder of them",
            file=name,
            fix="use --engine local for other formats, or convert the file to Parquet",
        )
    spec = model.spec_
    pieces, columns = _row_groups(path, name)
    require_columns(columns, spec.feature_names, source=name)
    if id_col is not None:
        require_columns(columns, [id_col], source=name, what="--id")
    chosen_id = id_col or (spec.id_col if spec.id_col in columns else None)
    wanted = [*spec.feature_names, *([chosen_id] if chosen_id else [])]
    meta = _read_piece(pieces[0], wanted).iloc[:0]
    frame = dd.from_map(_read_piece, pieces, wanted=wanted, meta=meta, enforce_metadata=False)
    lengths = np.array([rows for _, _, rows in pieces])
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int)
    shared = client.scatter(model, broadcast=True)  # one copy per worker: compiled once there
    scores_meta = _scores(frame._meta, model, offsets, chosen_id, name, {"number": 0})
    rejects_meta = _rejects(frame._meta, model, offsets, chosen_id, name, {"number": 0})
    scored = frame.map_partitions(
        _scores, shared, offsets, chosen_id, name, meta=scores_meta, align_dataframes=False
    )
    rejected = frame.map_partitions(
        _rejects, shared, offsets, chosen_id, name, meta=rejects_meta, align_dataframes=False
    )
    # one graph: each row group is read once, for its scores and its rejects
    written = scored.to_parquet(str(out), write_index=False, compute=False)
    _, rejects = dask.compute(written, rejected)
    rejects = rejects.reset_index(drop=True)
    n_input = int(lengths.sum())
    return DaskScores(
        n_input=n_input,
        n_scored=n_input - len(rejects),
        partitions=len(lengths),
        rejects=rejects,
    )


def _row_groups(path: Path, name: str) -> tuple[list[tuple[str, int, int]], list[str]]:
    """Every row group of the Parquet file or folder, in file-name order: (file, group, rows);
    and the columns of the first file. One partition per row group, so rows are numbered
    without reading the data."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = (
        [path] if path.is_file() else sorted(path.rglob("*.parquet")) + sorted(path.rglob("*.pq"))
    )
    if not files:
        raise ReadError("the folder holds no .parquet files", file=name, fix="check the path")
    pieces: list[tuple[str, int, int]] = []
    columns: list[str] = []
    for file in files:
        try:
            metadata = pq.ParquetFile(file).metadata
        except (pa.ArrowException, OSError) as exc:
            raise ReadError(
                f"is not a Parquet file ({exc})", file=str(file), fix="give Parquet files"
            ) from None
        if not columns:
            columns = [c.strip() for c in metadata.schema.to_arrow_schema().names]
        pieces += [
            (str(file), group, metadata.row_group(group).num_rows)
            for group in range(metadata.num_row_groups)
        ]
    if not pieces or sum(rows for _, _, rows in pieces) == 0:
        raise ReadError("the table has no rows", file=name, fix="give a table with members in it")
    return pieces, columns


def _read_piece(piece: tuple[str, int, int], wanted: list[str]) -> pd.DataFrame:
    import pyarrow.parquet as pq

    file, group, _ = piece
    parquet_file = pq.ParquetFile(file)
    present = [n for n in parquet_file.schema_arrow.names if n.strip() in set(wanted)]
    frame = parquet_file.read_row_group(group, columns=present).to_pandas()
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def _scores(
    part: pd.DataFrame,
    model: ChurnModel,
    offsets: np.ndarray,
    id_col: str | None,
    source: str,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """One partition's scores, rows numbered across the whole input."""
    offset = int(offsets[partition_info["number"]]) if partition_info else 0
    result = score_members(model, part.reset_index(drop=True), source=source, id_col=id_col)
    scores = result.scores
    scores["row"] += offset
    codes = model.risk_codes(scores["churn_probability"].to_numpy())
    scores["risk_tier"] = pd.Categorical.from_codes(codes, categories=TIERS)
    return scores


def _rejects(
    part: pd.DataFrame,
    model: ChurnModel,
    offsets: np.ndarray,
    id_col: str | None,
    source: str,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """One partition's rejected rows (validation only, no scoring)."""
    offset = int(offsets[partition_info["number"]]) if partition_info else 0
    checked = check_members(part.reset_index(drop=True), model.spec_, source=source, id_col=id_col)
    rejects = checked.rejects
    return rejects.assign(row=rejects["row"].astype("int64") + offset)
