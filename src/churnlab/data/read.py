"""Reading member tables from files or databases.

:func:`read_table` turns a CSV, Parquet or Excel file, a folder of Parquet files, or an SQL table
or query, into a :class:`pandas.DataFrame` with a fresh ``RangeIndex``; :func:`read_batches`
reads CSV and Parquet batch by batch. The file's ending picks the reader: CSV files are sniffed
by :mod:`churnlab.data.csv_reader`, databases read by :mod:`churnlab.data.sql`.

Every problem a user can fix is raised as a :class:`~churnlab.errors.ReadError`,
:class:`~churnlab.errors.SchemaError` or :class:`~churnlab.errors.UsageError` whose message names
the source and says the fix.
"""

from __future__ import annotations

import itertools
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from churnlab.data.csv_reader import csv_batches, read_csv
from churnlab.data.sources import (
    check_has_rows,
    check_unique,
    clean_columns,
    empty_file,
    fresh_index,
    not_a_table,
    source_name,
)
from churnlab.data.sql import is_url, read_sql
from churnlab.errors import ReadError, UsageError

__all__ = ["is_csv", "parquet_files", "read_batches", "read_table"]

_CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_FORMATS = {
    **dict.fromkeys(_CSV_SUFFIXES, "csv"),
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
}
_READ_FORMATS = ".csv, .txt, .tsv (also gzipped: .csv.gz), .parquet, .pq, .xlsx, .xlsm"
_FOLDER_BATCH_ROWS = 1_000_000  # rows a Parquet file of a folder is read in, when read whole
_BLANK_CHECK_BYTES = 1 << 16  # a file this small may be only whitespace


def read_table(
    source: str | os.PathLike[str],
    *,
    query: str | None = None,
    table: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a member table from a file or a database.

    Parameters
    ----------
    source : str or path-like
        A file path, whose extension (case-insensitive) picks the format: ``.csv``, ``.txt``,
        ``.tsv`` (optionally followed by ``.gz``), ``.parquet``, ``.pq``, ``.xlsx``, ``.xlsm``;
        a folder of Parquet files (and its subfolders, files in name order), as one table, as
        :func:`read_batches` reads it. Or an SQLAlchemy URL such as ``sqlite:///members.db`` or
        ``postgresql://user:password@host/db`` (``postgresql://`` and ``postgres://`` without a
        driver use psycopg 3).
    query : str, optional
        For a database: the SELECT statement to run. Give exactly one of `query` and `table`.
        It runs in a transaction that is rolled back, never committed.
    table : str, optional
        For a database: the name of the table (or view) to read whole. It is looked up in the
        database, never pasted into SQL, so any name is safe.
    sheet : str or int, optional
        For an Excel file: the sheet name or its 0-based position. The first sheet by default.

    Returns
    -------
    pandas.DataFrame
        The table, with column names stripped of surrounding spaces and a ``RangeIndex``
        0..n-1.

    Raises
    ------
    ReadError
        The source is missing, empty, has no rows, or is not a readable table.
    SchemaError
        Two columns have the same name.
    UsageError
        The format is not supported, or the options do not fit the source.

    Examples
    --------
    A semicolon-separated cp1251 file with a decimal comma, as Russian Excel saves it:

    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "members.csv"
    ...     _ = path.write_bytes("Возраст;Взнос\\r\\n25;12,75\\r\\n41;8\\r\\n".encode("cp1251"))
    ...     frame = read_table(path)
    >>> frame
       Возраст  Взнос
    0       25  12.75
    1       41   8.00
    >>> frame["Взнос"].dtype
    dtype('float64')
    """
    name = source_name(source)
    if is_url(source):
        if sheet is not None:
            raise UsageError(
                "sheet= applies to Excel files only", file=name, fix="leave out sheet="
            )
        frame = read_sql(os.fspath(source), query=query, table=table)
    elif Path(source).is_dir():  # a folder of Parquet files, read as the local engine reads it
        _check_file_options("parquet", query=query, table=table, sheet=sheet, name=name)
        batches, _ = _folder_batches(Path(source), name, _FOLDER_BATCH_ROWS, None)
        frame = pd.concat(list(batches), ignore_index=True)
    else:
        path = Path(source)
        file_format = _file_format(path, name)
        _check_file_options(file_format, query=query, table=table, sheet=sheet, name=name)
        _check_file(path, name)
        if file_format == "csv":
            frame = read_csv(path, name)
        elif file_format == "parquet":
            frame = _read_parquet(path, name)
        else:
            frame = _read_excel(path, name, sheet=sheet)
    frame = clean_columns(fresh_index(frame), name)
    check_has_rows(frame, name)
    return frame


def read_batches(
    source: str | os.PathLike[str],
    *,
    batch_rows: int = 250_000,
    columns: list[str] | None = None,
    query: str | None = None,
    table: str | None = None,
) -> tuple[Iterator[pd.DataFrame], int | None]:
    """Read a CSV or Parquet file batch by batch, so that its size does not matter.

    Parameters
    ----------
    source : str or path-like
        A ``.csv`` / ``.tsv`` / ``.txt`` (optionally ``.gz``) or ``.parquet`` file, or a folder
        of Parquet files (read in name order, as one table); other sources (Excel, databases)
        are read whole by :func:`read_table` and come as one batch.
    batch_rows : int
        Rows per batch (the last may be shorter).
    columns : list of str, optional
        For Parquet: read only these columns (those missing are left out, for the caller to
        report); CSV files are read whole, row by row.
    query, table : str, optional
        For a database, as :func:`read_table`.

    Returns
    -------
    batches : iterator of pandas.DataFrame
        Each with a ``RangeIndex`` from 0 and the columns named as :func:`read_table` names them.
        The first batch is read before this function returns, so that an unreadable file fails
        here.
    rows : int or None
        The number of rows, when the file says it (Parquet), for a progress bar.

    Raises
    ------
    ReadError, SchemaError, UsageError
        As :func:`read_table`; a file without rows is a ReadError.
    """
    name = source_name(source)
    path = Path(source)
    if not is_url(source) and path.is_dir():
        return _folder_batches(path, name, batch_rows, columns)
    file_format = "sql" if is_url(source) else _file_format(path, name)
    if file_format in {"sql", "excel"} or query is not None or table is not None:
        frame = read_table(source, query=query, table=table)
        return iter([frame]), len(frame)
    _check_file(path, name)
    if file_format == "parquet":
        batches, rows = _parquet_batches(path, name, batch_rows, columns)
    else:
        batches, rows = csv_batches(path, name, batch_rows), None
    first = next(batches, None)
    if first is None or first.empty:
        raise ReadError("the table has no rows", file=name, fix="give a table with members in it")
    return itertools.chain([first], batches), rows


def _folder_batches(
    folder: Path, name: str, batch_rows: int, columns: list[str] | None
) -> tuple[Iterator[pd.DataFrame], int | None]:
    """The Parquet files of a folder (and its subfolders), in name order, as one table."""
    files = parquet_files(folder)
    if not files:
        raise ReadError(
            "is a folder without .parquet files",
            file=name,
            fix="give a table file, or a folder of Parquet files",
        )
    opened = [_parquet_batches(f, source_name(f), batch_rows, columns) for f in files]
    batches = itertools.chain.from_iterable(b for b, _ in opened)
    first = next(batches, None)
    if first is None:
        raise ReadError("the table has no rows", file=name, fix="give a table with members in it")
    return itertools.chain([first], batches), sum(rows for _, rows in opened)


def _parquet_batches(
    path: Path, name: str, batch_rows: int, columns: list[str] | None
) -> tuple[Iterator[pd.DataFrame], int]:
    try:
        parquet_file = pq.ParquetFile(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise not_a_table(
            name, "Parquet", exc, "give the path of a Parquet file, or write the file again"
        ) from exc
    names = [field.name for field in parquet_file.schema_arrow]
    check_unique(names, name)
    wanted = None if columns is None else [c for c in names if c.strip() in set(columns)]

    def batches() -> Iterator[pd.DataFrame]:
        with parquet_file:
            try:
                for batch in parquet_file.iter_batches(batch_size=batch_rows, columns=wanted):
                    yield clean_columns(batch.to_pandas(), name)
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise not_a_table(
                    name, "Parquet", exc, "give the path of a Parquet file, or write it again"
                ) from exc

    return batches(), parquet_file.metadata.num_rows


def parquet_files(source: str | os.PathLike[str]) -> list[Path]:
    """The Parquet files a source names: the file itself, or every ``.parquet`` / ``.pq`` file
    below a folder, in path order (the order the rows of a folder are numbered in)."""
    path = Path(source)
    if path.is_file():
        return [path]
    return sorted(path.rglob("*.parquet")) + sorted(path.rglob("*.pq"))


def is_csv(path: str | os.PathLike[str]) -> bool:
    """Whether the file's name says CSV text (``.csv``, ``.txt``, ``.tsv``, also gzipped)."""
    suffixes = [suffix.lower() for suffix in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return bool(suffixes) and suffixes[-1] in _CSV_SUFFIXES


def _file_format(path: Path, name: str) -> str:
    if is_csv(path):
        return "csv"
    suffixes = [suffix.lower() for suffix in path.suffixes]
    file_format = _FORMATS.get(suffixes[-1] if suffixes else "")
    if file_format is None:
        raise UsageError(
            f"cannot read {path.suffix or 'files without an extension'!r}: unsupported format",
            file=name,
            fix=f"save the table in one of the formats {_READ_FORMATS}",
        )
    return file_format


def _check_file_options(
    file_format: str, *, query: str | None, table: str | None, sheet: str | int | None, name: str
) -> None:
    if query is not None or table is not None:
        raise UsageError(
            "query= and table= apply to databases only",
            file=name,
            fix="leave them out, or give a database URL such as sqlite:///members.db",
        )
    if sheet is not None and file_format != "excel":
        raise UsageError("sheet= applies to Excel files only", file=name, fix="leave out sheet=")


def _check_file(path: Path, name: str) -> None:
    """Raise a ReadError if `path` is not an existing, readable, non-empty file."""
    if not path.exists():
        raise ReadError(
            "the file does not exist",
            file=name,
            fix=f"check the path (a relative path starts from {Path.cwd()})",
        )
    try:
        with path.open("rb") as handle:
            start = handle.read(_BLANK_CHECK_BYTES)
            at_end = not handle.read(1)
    except PermissionError as exc:
        raise ReadError(
            "no permission to read the file",
            file=name,
            fix="ask for read access, or copy the file to a folder of yours",
        ) from exc
    except OSError as exc:
        raise ReadError(
            f"cannot open the file: {exc.strerror or exc}", file=name, fix="check the path"
        ) from exc
    if at_end and not start.strip():
        raise empty_file(name)


def _read_parquet(path: Path, name: str) -> pd.DataFrame:
    try:
        # not pd.read_parquet: its dataset reader fails on duplicate column names
        with pq.ParquetFile(path) as parquet_file:
            return parquet_file.read().to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise not_a_table(
            name, "Parquet", exc, "give the path of a Parquet file, or write the file again"
        ) from exc


def _read_excel(path: Path, name: str, *, sheet: str | int | None) -> pd.DataFrame:
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            chosen = _pick_sheet(book.sheet_names, sheet, name)
            header = pd.read_excel(book, sheet_name=chosen, header=None, nrows=1)
            check_unique(header.iloc[0].tolist() if len(header) else [], name)
            frame = pd.read_excel(book, sheet_name=chosen)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise not_a_table(
            name,
            "Excel",
            exc,
            "open it in Excel and save it as an .xlsx workbook (or as CSV UTF-8)",
        ) from exc
    if frame.shape[1] == 0:
        raise ReadError(
            f"the sheet {chosen!r} is empty",
            file=name,
            fix="choose the sheet with the table using sheet=",
        )
    return frame


def _pick_sheet(names: list[Any], sheet: str | int | None, name: str) -> Any:
    if sheet is None:
        return names[0]
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return names[sheet]
    if sheet in names:
        return sheet
    raise UsageError(
        f"there is no sheet {sheet!r}",
        file=name,
        fix=f"use one of the sheets {', '.join(map(repr, names))} (or its position from 0)",
    )
