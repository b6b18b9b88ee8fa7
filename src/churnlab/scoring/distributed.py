"""Score and train on a Dask cluster: the same model file, the same probabilities.

:func:`score_on_dask` reads a Parquet file or a folder of Parquet files as a Dask DataFrame, scores
each partition on the cluster with :func:`churnlab.score_members` (rows numbered across the whole
input, rejects as on one machine), and writes the scores as partitioned Parquet.
:func:`train_on_dask` trains the LightGBM learner through LightGBM's own Dask interface (see its
docstring for the strategy). :func:`dask_client` connects to a scheduler, or starts a
``LocalCluster`` for the run when no address is given.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from churnlab.data.infer import bytes_error
from churnlab.data.read import parquet_files
from churnlab.data.sources import source_name
from churnlab.data.validate import check_members, coerce_members, require_columns
from churnlab.errors import ReadError, UsageError
from churnlab.extras import require
from churnlab.model.settings import TUNE_ROWS
from churnlab.scoring.members import score_members

if TYPE_CHECKING:
    from distributed import Client

    from churnlab.model.churn_model import ChurnModel
    from churnlab.model.scorer import Scorer

__all__ = [
    "DaskScores",
    "binary_columns",
    "dask_client",
    "read_parquet_partitions",
    "score_on_dask",
    "train_on_dask",
]

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
    MissingPartError
        Dask is not installed (``pip install 'churnlab[dask]'``).
    """
    require("dask", "--engine dask")
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
    model: Scorer,
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    client: Client,
    id_col: str | None = None,
) -> DaskScores:
    """Score a Parquet file or folder on a Dask cluster into a folder of Parquet files.

    Parameters
    ----------
    model : ChurnModel or ScoringModel
        A fitted model, or its scoring half (:func:`churnlab.model.persist.load_scorer`); it is sent
        to every worker once.
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
    if path.exists() and not (path.is_dir() or path.suffix.lower() in {".parquet", ".pq"}):
        raise UsageError(
            "--engine dask reads Parquet: a .parquet file or a folder of them",
            file=name,
            fix="use --engine local for other formats, or convert the file to Parquet",
        )
    spec = model.spec_
    frame, lengths = read_parquet_partitions(source)
    for column in binary_columns(source):
        if column in spec.feature_names or column in (id_col, spec.id_col):
            raise bytes_error(column, name, "the model" if column in spec.feature_names else "--id")
    present = list(frame.columns)
    require_columns(present, spec.feature_names, source=name)
    if id_col is not None:
        require_columns(present, [id_col], source=name, what="--id")
    chosen_id = id_col or (spec.id_col if spec.id_col in present else None)
    frame = frame[[*spec.feature_names, *([chosen_id] if chosen_id else [])]]
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int)
    shared = client.scatter(model, broadcast=True)  # one copy per worker: compiled once there
    scores_meta, rejects_meta = _score_partition(frame._meta, model, 0, chosen_id, name)
    # one task per row group reads, checks and scores it once; its scores and rejects go on
    done = [
        dask.delayed(_score_partition, nout=2)(part, shared, int(offset), chosen_id, name)
        for part, offset in zip(frame.to_delayed(), offsets, strict=True)
    ]
    scored = dd.from_delayed([scores for scores, _ in done], meta=scores_meta, verify_meta=False)
    rejected = dd.from_delayed(
        [rejects for _, rejects in done], meta=rejects_meta, verify_meta=False
    )
    written = scored.to_parquet(str(Path(out).absolute()), write_index=False, compute=False)
    _, rejects = dask.compute(written, rejected)  # one graph: the tasks above run once
    rejects = rejects.reset_index(drop=True)
    n_input = int(lengths.sum())
    return DaskScores(
        n_input=n_input,
        n_scored=n_input - len(rejects),
        partitions=len(lengths),
        rejects=rejects,
    )


def read_parquet_partitions(
    source: str | os.PathLike[str], columns: list[str] | None = None
) -> tuple[Any, np.ndarray]:
    """A Parquet file or folder as a Dask DataFrame, one partition per row group (files in name
    order), and each partition's number of rows (read from the files' metadata).

    Without ``columns``, every column but those of raw bytes (:func:`binary_columns`).

    Raises
    ------
    ReadError
        No such path, no Parquet files, or no rows.
    SchemaError
        A column of ``columns`` is missing.
    """
    require("dask", "reading Parquet for Dask")
    import dask.dataframe as dd

    name = source_name(source)
    path = Path(source).absolute()  # the workers' folder need not be the client's
    if not path.exists():
        raise ReadError("no such file or folder", file=name, fix="check the path")
    pieces, present = _row_groups(path, name)
    if columns is None:  # raw bytes cannot be used (nor converted to Dask's strings): left out
        binary = set(binary_columns(source))
        present = [c for c in present if c not in binary]
    wanted = present if columns is None else columns
    require_columns(present, wanted, source=name)
    meta = _read_piece(pieces[0], wanted).iloc[:0]
    frame = dd.from_map(_read_piece, pieces, wanted=wanted, meta=meta, enforce_metadata=False)
    return frame, np.array([rows for _, _, rows in pieces])


def binary_columns(source: str | os.PathLike[str]) -> list[str]:
    """The columns of raw bytes (Parquet ``binary``) of a Parquet file or folder's first file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(source)
    files = parquet_files(path)
    if not files:
        return []
    try:
        schema = pq.read_schema(files[0])
    except (pa.ArrowException, OSError):
        return []  # reported by the reader
    kinds = (pa.types.is_binary, pa.types.is_large_binary, pa.types.is_fixed_size_binary)
    return [f.name.strip() for f in schema if any(kind(f.type) for kind in kinds)]


def _row_groups(path: Path, name: str) -> tuple[list[tuple[str, int, int]], list[str]]:
    """Every row group of the Parquet file or folder, in file-name order: (file, group, rows);
    and the columns of the first file. One partition per row group, so rows are numbered
    without reading the data."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = parquet_files(path)
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


def _score_partition(
    part: pd.DataFrame,
    model: Scorer,
    offset: int,
    id_col: str | None,
    source: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One partition's scores and rejected rows, rows numbered across the whole input."""
    result = score_members(model, part.reset_index(drop=True), source=source, id_col=id_col)
    scores = result.scores
    scores["row"] += offset
    rejects = result.rejects
    return scores, rejects.assign(row=rejects["row"].astype("int64") + offset)


# --- training ------------------------------------------------------------------------------------

#: Share of the rows held out to calibrate the model and measure it.
HOLDOUT = 0.2


def train_on_dask(
    source: str | os.PathLike[str],
    *,
    client: Client,
    target_col: str = "Churn",
    positive: Any = None,
    id_col: str | None = None,
    keep: tuple[str, ...] = (),
    levers: tuple[str, ...] = (),
    traits: tuple[str, ...] = (),
    random_state: int = 0,
) -> ChurnModel:
    """Train a churn model on a Parquet file or folder bigger than one machine's memory.

    The strategy (LightGBM is the learner with a Dask interface; the spline logistic regression
    has none):

    1. The spec is inferred, and the tree size and number of trees are tuned
       (:class:`ChurnModel` with ``learner="boosting"``, 3 folds), on the first
       :data:`~churnlab.model.settings.TUNE_ROWS` rows, read onto this machine.
    2. Every row is checked on the cluster; any impossible value stops the training, as on one
       machine. Each category seen anywhere is kept.
    3. ``lightgbm.dask.DaskLGBMClassifier`` learns from a random 80 % of the rows, on the workers.
    4. The other :data:`HOLDOUT` of the rows calibrate it (Platt scaling), set the threshold and
       give the quality figures: held-out figures, not out-of-fold ones.

    The result is an ordinary :class:`ChurnModel`: it saves, loads and scores like any other,
    locally or with :func:`score_on_dask`.

    Raises
    ------
    ReadError, SchemaError, ValidationError
        As for a table on one machine.
    """
    import dask
    from lightgbm.dask import DaskLGBMClassifier
    from sklearn.metrics import log_loss
    from sklearn.pipeline import Pipeline

    from churnlab.data.infer import encode_target, infer_spec
    from churnlab.data.spec import SetAside
    from churnlab.errors import ValidationError
    from churnlab.model.churn_model import ChurnModel, data_hash
    from churnlab.model.learners import Boosting, CategoryColumns

    name = source_name(source)
    frame, lengths = read_parquet_partitions(source)
    binary = binary_columns(source)
    for column in binary:
        if column == id_col or column in keep:
            raise bytes_error(column, name, "--id" if column == id_col else "--keep")
    sample = _head(frame, lengths, TUNE_ROWS)
    spec = infer_spec(
        sample,
        target_col=target_col,
        positive=positive,
        id_col=id_col,
        keep=keep,
        levers=levers,
        traits=traits,
        source=name,
    )
    if binary:  # left out by the reader: said in the spec, as on one machine
        aside = tuple(SetAside(column, "bytes") for column in binary if column != target_col)
        spec = dataclasses.replace(spec, set_aside=spec.set_aside + aside)
    columns = [*spec.feature_names, spec.target_col]
    frame = frame[columns]
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int)

    failures = frame.map_partitions(
        _failures, spec, offsets, name, meta=_failures(frame._meta, spec, offsets, name)
    ).compute()
    if len(failures):
        raise ValidationError(failures.reset_index(drop=True), file=name)

    X_sample = sample[spec.feature_names]
    y_sample = encode_target(sample[spec.target_col], spec.positive_label).astype(int)
    tuned = ChurnModel(spec, learner="boosting", folds=3, random_state=random_state)
    tuned.fit(X_sample, y_sample)
    derive = tuned.estimator_.named_steps["derive"]
    categories = CategoryColumns([f.name for f in spec.features if f.kind == "categorical"])
    categories.fit(X_sample)
    if categories.columns:  # every category seen anywhere, as the one coercion spells it
        seen = dask.compute(
            *[frame[c].dropna().astype(str).str.strip().unique() for c in categories.columns]
        )
        categories.categories_ = {
            c: sorted({value for value in map(str, values) if value})
            for c, values in zip(categories.columns, seen, strict=True)
        }
    prepare = Pipeline([("derive", derive), ("categories", categories)])

    def features(part: pd.DataFrame) -> pd.DataFrame:
        # every row passed the checks above: coercing each column to its kind is enough here
        return prepare.transform(coerce_members(part.reset_index(drop=True), spec))

    def target(part: pd.DataFrame) -> pd.Series:
        return encode_target(part[spec.target_col], spec.positive_label).astype(int)

    learn, hold = frame.random_split([1 - HOLDOUT, HOLDOUT], random_state=random_state)
    meta_X = features(frame._meta)
    booster = Boosting()._booster(tuned.params_, random_state)
    settings = {k: v for k, v in booster.get_params().items() if k != "n_jobs"}  # workers decide
    distributed_model = DaskLGBMClassifier(client=client, **settings)
    # LightGBM's Dask driver prints its progress ("Finding random open ports for workers") to
    # standard output, which is the command's data stream; it says nothing a user needs.
    with contextlib.redirect_stdout(io.StringIO()):
        distributed_model.fit(
            learn.map_partitions(features, meta=meta_X),
            learn.map_partitions(target, meta=pd.Series(dtype=int)),
        )
    trees = distributed_model.to_local()
    estimator = Pipeline([("derive", derive), ("categories", categories), ("model", trees)])

    held_X, held_y = dask.compute(
        hold.map_partitions(features, meta=meta_X),
        hold.map_partitions(target, meta=pd.Series(dtype=int)),
    )
    held_y = held_y.to_numpy()
    raw = np.asarray(trees.predict_proba(held_X))[:, 1]

    model = ChurnModel(spec, learner="boosting", folds=3, random_state=random_state)
    model.held_out(raw, held_y)
    model.oof_fold_ = np.zeros(len(held_y), dtype=int)
    model.candidates_ = {"boosting": float(log_loss(held_y, model.oof_proba_, labels=[0, 1]))}
    parts = frame.map_partitions(lambda p: pd.Series([data_hash(p)]), meta=pd.Series(dtype=str))
    model.fitted_as(
        spec=spec,
        learner="boosting",
        params=tuned.params_,
        estimator=estimator,
        base_rate=float(frame.map_partitions(target, meta=pd.Series(dtype=int)).mean().compute()),
        data_hash=data_hash(pd.DataFrame({"parts": parts.compute().tolist()})),
        encoded_mean=None,
    )
    model.compiled()  # checked against the pipeline now, not at the first scoring
    return model


def _head(frame: Any, lengths: np.ndarray, rows: int) -> pd.DataFrame:
    """The first ``rows`` rows (fewer if the data has fewer), on this machine."""
    import dask

    needed = int(np.searchsorted(np.cumsum(lengths), rows) + 1)
    parts = dask.compute(*[frame.get_partition(i) for i in range(min(needed, len(lengths)))])
    return pd.concat(parts, ignore_index=True).head(rows)


def _offset(offsets: np.ndarray, partition_info: dict[str, Any] | None) -> int:
    """The input row of a partition's first row (Dask passes ``partition_info``)."""
    return int(offsets[partition_info["number"]]) if partition_info else 0


def _failures(
    part: pd.DataFrame,
    spec: Any,
    offsets: np.ndarray,
    source: str,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """One partition's impossible cells, rows numbered across the whole input."""
    offset = _offset(offsets, partition_info)
    failures = check_members(
        part.reset_index(drop=True), spec, source=source, with_target=True
    ).failures
    return failures.assign(row=failures["row"].astype("int64") + offset)
