"""Score a file of any size batch by batch: memory stays flat, output is written as it goes.

:func:`score_file` reads CSV or Parquet in batches (:func:`churnlab.data.read.read_batches`), scores
each with :func:`churnlab.score_members` — so rejects and row numbers are exactly those of a
whole-table run — and appends the scores to a CSV or Parquet file that appears, whole, only when
the last batch is written. Two batches are scored at a time (NumPy and Arrow release the GIL),
while the next is read.
"""

from __future__ import annotations

import io
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from churnlab.data.atomic import atomic_output
from churnlab.data.formulas import neutralise_arrow_formulas
from churnlab.data.read import is_csv, parquet_files, read_batches
from churnlab.data.sources import source_name
from churnlab.data.write import BOM, WRITE_SUFFIXES, write_table
from churnlab.data.xlsx import EXCEL_ROWS
from churnlab.errors import UsageError
from churnlab.scoring.members import score_members

if TYPE_CHECKING:
    from churnlab.model.scorer import Scorer

__all__ = ["BATCH_ROWS", "StreamedScores", "ids_as_text", "score_file"]

#: Rows per batch: large enough for NumPy to run at full speed, small enough to stay flat.
BATCH_ROWS = 250_000
#: Batches scored at once.
IN_FLIGHT = 2


@dataclass(frozen=True)
class StreamedScores:
    """What :func:`score_file` did.

    Attributes
    ----------
    n_input, n_scored : int
        Rows read, and rows scored (the rest are in ``rejects``).
    rejects : pandas.DataFrame
        One row per rejected input row, as :attr:`ScoreResult.rejects`.
    kept_scores : pandas.DataFrame or None
        The scores (``row``, id, ``churn_probability``, ``risk_tier``) when there were at most
        ``keep_scores`` input rows, else None.
    """

    n_input: int
    n_scored: int
    rejects: pd.DataFrame
    kept_scores: pd.DataFrame | None


def score_file(
    model: Scorer,
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    id_col: str | None = None,
    with_reasons: bool = False,
    lang: str = "en",
    batch_rows: int = BATCH_ROWS,
    keep_scores: int = 0,
    on_progress: Callable[[int, int | None], None] | None = None,
    query: str | None = None,
    table: str | None = None,
) -> StreamedScores:
    """Score every member of a CSV or Parquet file into ``out`` (``.csv``, ``.parquet`` or
    ``.xlsx``).

    Parameters
    ----------
    model : ChurnModel or ScoringModel
        A fitted model, or its scoring half (:func:`churnlab.model.persist.load_scorer`; not with
        ``with_reasons``, which needs the whole model).
    source : str or path-like
        The members (other formats are read whole, as one batch).
    out : str or path-like
        Where the scores go: ``row``, the id column, ``churn_probability``, ``risk_tier``, and
        with ``with_reasons`` ``reason_1`` .. ``reason_3``. From a CSV file (or Parquet files
        that type the id differently) the id is written as text (:func:`ids_as_text`): the
        batches may guess its type differently, and each id must keep its value. An ``.xlsx``
        file is one sheet, written once every batch is scored (so the scores are held in
        memory, as Parquet, until then); a table of more rows than a sheet holds (1,048,575)
        is refused before any is scored.
    id_col : str, optional
        The member id column (default: the model's, when the file has it).
    with_reasons : bool
        Also each member's top three reasons, as sentences in ``lang``: about 40x the time
        (some 33,000 members a second instead of over a million).
    batch_rows : int
        Rows per batch.
    keep_scores : int
        Return the scores too when the file has at most this many rows (for the run history).
    on_progress : callable, optional
        Called as ``on_progress(rows_done, rows_total_or_None)`` after each batch.
    query, table : str, optional
        For a database source, as :func:`churnlab.read_table`.

    Returns
    -------
    StreamedScores

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from churnlab.data.datasets import load_gym_churn
    >>> from churnlab.model.churn_model import ChurnModel
    >>> members = load_gym_churn()
    >>> model = ChurnModel(learner="logistic", folds=3).fit(members.drop(columns="Churn"),
    ...                                                     members["Churn"])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     members.to_parquet(Path(folder) / "members.parquet")
    ...     done = score_file(model, Path(folder) / "members.parquet",
    ...                       Path(folder) / "scores.parquet", batch_rows=1000)
    ...     scores = pd.read_parquet(Path(folder) / "scores.parquet")
    >>> done.n_input, done.n_scored, scores["row"].is_monotonic_increasing
    (4000, 4000, True)
    """
    out = Path(out)
    kind = out.suffix.lower()
    if kind not in WRITE_SUFFIXES:
        raise UsageError(
            f"cannot write scores to {out.name!r}",
            fix=f"give a name ending in {', '.join(WRITE_SUFFIXES[:-1])} or {WRITE_SUFFIXES[-1]}",
        )
    whole = None  # the whole model, which reasons need
    if with_reasons:
        from churnlab.insight.explain import contributions, reasons
        from churnlab.model.churn_model import ChurnModel

        if not isinstance(model, ChurnModel):
            raise UsageError(
                "reasons need the whole model, not its scoring half",
                fix="load the model with churnlab.model.persist.load_model",
            )
        whole = model
    spec = model.spec_
    wanted = [*spec.feature_names, *([id_col] if id_col else [spec.id_col] if spec.id_col else [])]
    batches, total = read_batches(
        source, batch_rows=batch_rows, columns=wanted, query=query, table=table
    )
    name = source_name(source)
    if kind == ".xlsx" and total is not None and total >= EXCEL_ROWS:
        raise UsageError(
            f"{total:,} members do not fit an Excel sheet ({EXCEL_ROWS - 1:,} rows at most)",
            file=str(out),
            fix="write the scores to a .csv or .parquet file instead",
        )
    id_text = _ids_as_text(source, id_col or spec.id_col)

    def score(batch: pd.DataFrame, offset: int) -> tuple[pa.Table, pd.DataFrame, pd.DataFrame]:
        result = score_members(model, batch, source=name, id_col=id_col)  # checks the columns
        scores = result.scores
        if id_text is not None and id_text in scores:
            scores[id_text] = ids_as_text(scores[id_text])
        if whole is not None and len(result.members):
            told = reasons(contributions(whole, result.members), whole, lang=lang)
            for column in ("reason_1", "reason_2", "reason_3"):
                scores[column] = told[column].to_numpy()
        scores["row"] += offset
        rejects = result.rejects.assign(row=result.rejects["row"] + offset)
        return pa.Table.from_pandas(scores, preserve_index=False), scores, rejects

    n_input = n_scored = 0
    rejected: list[pd.DataFrame] = []
    kept: list[pd.DataFrame] | None = [] if keep_scores else None
    # the file appears, whole, only if every batch is written; a sheet is written at the end
    sheet = io.BytesIO() if kind == ".xlsx" else None
    with (
        atomic_output(out) if sheet is None else nullcontext(sheet) as handle,
        _ScoresWriter(handle, parquet=kind != ".csv") as writer,
        ThreadPoolExecutor(IN_FLIGHT) as pool,
    ):
        for table, scores, rejects, rows in _in_order(pool, batches, score):
            writer.write(table)
            n_input += rows
            n_scored += len(scores)
            if len(rejects) or not rejected:  # the first, even empty, keeps the columns
                rejected.append(rejects)
            if kept is not None:
                plain = [c for c in scores.columns if not c.startswith("reason_")]
                kept = [*kept, scores[plain]] if n_input <= keep_scores else None
            if on_progress is not None:
                on_progress(n_input, total)
    if sheet is not None:
        sheet.seek(0)
        write_table(pq.read_table(sheet).to_pandas(), out)  # its cells neutralised as any export
    return StreamedScores(
        n_input=n_input,
        n_scored=n_scored,
        rejects=pd.concat(rejected, ignore_index=True),
        kept_scores=pd.concat(kept, ignore_index=True) if kept else None,
    )


Scored = tuple[pa.Table, pd.DataFrame, pd.DataFrame]


def _ids_as_text(source: str | os.PathLike[str], id_col: str | None) -> str | None:
    """The id column, when the scores file must write it as text: when batches may disagree on
    its type, so that the type the first batch gives the file does not fit a later one.

    That is a CSV file, whose types pandas guesses batch by batch (ids all digits in the first
    250,000 rows, ``M1017`` later), and a folder of Parquet files that type the id differently.
    One Parquet file types every batch alike, and other sources come as one batch: their ids
    keep their type.
    """
    if id_col is None or "://" in os.fspath(source):
        return None
    path = Path(source)
    if path.is_dir():
        kinds = set()
        for file in parquet_files(path):
            try:
                schema = pq.read_schema(file)
            except (pa.ArrowException, OSError):
                continue  # reported by the reader
            kinds |= {str(f.type) for f in schema if f.name.strip() == id_col}
        return id_col if len(kinds) > 1 else None
    return id_col if is_csv(path) else None


def ids_as_text(ids: pd.Series) -> pd.Series:
    """Member ids as text, each as it was read: whole numbers without ``.0``, gaps kept.

    Examples
    --------
    >>> ids_as_text(pd.Series([17, 4000000001])).tolist()
    ['17', '4000000001']
    >>> ids_as_text(pd.Series([17.0, None, 2.5])).tolist()
    ['17', <NA>, '2.5']
    >>> ids_as_text(pd.Series([5, "M7"], dtype=object)).tolist()
    ['5', 'M7']
    """
    if pd.api.types.is_string_dtype(ids) and not pd.api.types.is_object_dtype(ids):
        return ids
    if pd.api.types.is_integer_dtype(ids) or pd.api.types.is_bool_dtype(ids):
        return ids.astype("string")

    def text(value: Any) -> Any:
        if isinstance(value, str):
            return value
        if value is None or (not isinstance(value, bytes) and pd.isna(value)):
            return pd.NA
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return ids.map(text).astype("string")


def _in_order(
    pool: ThreadPoolExecutor,
    batches: Iterator[pd.DataFrame],
    score: Callable[[pd.DataFrame, int], Scored],
) -> Iterator[tuple[pa.Table, pd.DataFrame, pd.DataFrame, int]]:
    """Score batches on the pool, at most ``IN_FLIGHT`` at a time, yielding them in order."""
    pending: deque[tuple[Future[Scored], int]] = deque()
    offset = 0
    for batch in batches:
        pending.append((pool.submit(score, batch, offset), len(batch)))
        offset += len(batch)
        if len(pending) >= IN_FLIGHT:
            future, rows = pending.popleft()
            yield (*future.result(), rows)
    while pending:
        future, rows = pending.popleft()
        yield (*future.result(), rows)


class _ScoresWriter:
    """Appends Arrow tables, as Parquet or CSV, to an open binary file."""

    def __init__(self, handle: Any, *, parquet: bool) -> None:
        self.handle = handle
        self.parquet = parquet
        self.writer: Any = None
        self.schema: pa.Schema | None = None

    def __enter__(self) -> _ScoresWriter:
        return self

    def write(self, table: pa.Table) -> None:
        if self.schema is None:
            self.schema = _widened(table.schema)
            if self.parquet:
                # Dictionary pages only for text: on unique numbers they cost time, save nothing.
                text = [f.name for f in self.schema if not _is_number(f.type)]
                self.writer = pq.ParquetWriter(self.handle, self.schema, use_dictionary=text)
            else:  # for people to open: no cell or header may run as a formula
                self.handle.write(BOM)  # so Excel reads it as UTF-8 (Cyrillic included)
                self.writer = pacsv.CSVWriter(
                    self.handle, neutralise_arrow_formulas(self.schema.empty_table()).schema
                )
        table = table.cast(self.schema)
        self.writer.write_table(table if self.parquet else neutralise_arrow_formulas(table))

    def __exit__(self, kind: object, *error: object) -> None:
        if self.writer is None:
            return
        try:
            self.writer.close()
        except OSError:
            if kind is None:
                raise
            # the error under way (a full disk, say) is what to tell, not a second one closing


def _widened(schema: pa.Schema) -> pa.Schema:
    """The first batch's schema, with types later batches may need: ids that were all missing
    (null) or whole numbers may be text or have gaps later."""
    fields = []
    for field in schema:
        if pa.types.is_null(field.type):
            field = field.with_type(pa.string())
        fields.append(field.with_nullable(True))
    return pa.schema(fields)


def _is_number(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind))
