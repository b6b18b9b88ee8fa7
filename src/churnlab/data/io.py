"""Read member tables from files or databases, and write outputs atomically.

:func:`read_table` turns a CSV, Parquet or Excel file, or an SQL table or query, into a
:class:`pandas.DataFrame` with a fresh ``RangeIndex``. CSV files are sniffed for what Russian
Excel exports need: the encoding (UTF-8, UTF-8 with BOM, UTF-16 with BOM, cp1251), the separator
(``,`` ``;`` tab ``|``) and the decimal comma. Nothing else is guessed: the values stay as pandas
parses them.

Every problem a user can fix is raised as a :class:`~churnlab.errors.ReadError`,
:class:`~churnlab.errors.SchemaError` or :class:`~churnlab.errors.UsageError` whose message names
the source and says the fix.

:func:`write_table` writes CSV, Parquet or Excel through a temporary file in the target folder
(:mod:`churnlab.data.atomic`), so a reader never sees half a file; in CSV and Excel files,
:func:`neutralise_formulas` defuses every cell and header that a spreadsheet would run as a
formula.
"""

from __future__ import annotations

import codecs
import csv
import functools
import gzip
import io
import itertools
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

import charset_normalizer
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from churnlab.data.atomic import atomic_output, cannot_write
from churnlab.errors import ReadError, SchemaError, UsageError

__all__ = [
    "atomic_output",
    "neutralise_arrow_formulas",
    "neutralise_formulas",
    "read_batches",
    "read_table",
    "source_name",
    "with_default_driver",
    "write_bytes",
    "write_sql_table",
    "write_table",
]

_CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_FORMATS = {
    **dict.fromkeys(_CSV_SUFFIXES, "csv"),
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
}
_READ_FORMATS = ".csv, .txt, .tsv (also gzipped: .csv.gz), .parquet, .pq, .xlsx, .xlsm"
#: The file endings :func:`write_table` writes.
WRITE_SUFFIXES = (".csv", ".parquet", ".xlsx")
_WRITE_FORMATS = ", ".join(WRITE_SUFFIXES)

_SAMPLE_BYTES = 1 << 20  # bytes read to sniff a CSV file
_FOLDER_BATCH_ROWS = 1_000_000  # rows a Parquet file of a folder is read in, when read whole
_BLANK_CHECK_BYTES = 1 << 16  # a file this small may be only whitespace
_SNIFF_RECORDS = 50  # records used to choose the separator
_SEPARATORS = (",", ";", "\t", "|")
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
# bytes below 0x20 that never appear in text files
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\v\x1a")
# single-byte encodings worth asking charset-normalizer about, most likely first
_LEGACY_ENCODINGS = ("cp1251", "cp1252", "koi8_r", "cp866", "cp1250", "mac_cyrillic", "latin_1")
# Russian, Ukrainian and Belarusian letters, as cp1251 has them
_CYRILLIC_WORD = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґЎў]+")
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = "^[=+\\-@\t\r]"
# a signed plain number ("-5", "+1.5e3") starts like a formula but a spreadsheet reads a number
_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_SAVE_AS_UTF8 = "save the file again as 'CSV UTF-8' (in Excel: File → Save As → CSV UTF-8)"


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


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
    if _is_url(source):
        if sheet is not None:
            raise UsageError(
                "sheet= applies to Excel files only", file=name, fix="leave out sheet="
            )
        frame = _read_sql(os.fspath(source), query=query, table=table, name=name)
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
            frame = _read_csv(path, name)
        elif file_format == "parquet":
            frame = _read_parquet(path, name)
        else:
            frame = _read_excel(path, name, sheet=sheet)
    frame = _clean_columns(_fresh_index(frame), name)
    _check_has_rows(frame, name)
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
    if not _is_url(source) and path.is_dir():
        return _folder_batches(path, name, batch_rows, columns)
    file_format = "sql" if _is_url(source) else _file_format(path, name)
    if file_format in {"sql", "excel"} or query is not None or table is not None:
        frame = read_table(source, query=query, table=table)
        return iter([frame]), len(frame)
    _check_file(path, name)
    if file_format == "parquet":
        batches, rows = _parquet_batches(path, name, batch_rows, columns)
    else:
        batches, rows = _csv_batches(path, name, batch_rows), None
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
        raise _not_a_table(
            name, "Parquet", exc, "give the path of a Parquet file, or write the file again"
        ) from exc
    names = [field.name for field in parquet_file.schema_arrow]
    _check_unique(names, name)
    wanted = None if columns is None else [c for c in names if c.strip() in set(columns)]

    def batches() -> Iterator[pd.DataFrame]:
        with parquet_file:
            try:
                for batch in parquet_file.iter_batches(batch_size=batch_rows, columns=wanted):
                    yield _clean_columns(batch.to_pandas(), name)
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise _not_a_table(
                    name, "Parquet", exc, "give the path of a Parquet file, or write it again"
                ) from exc

    return batches(), parquet_file.metadata.num_rows


def _csv_batches(path: Path, name: str, batch_rows: int) -> Iterator[pd.DataFrame]:
    options, text = _csv_options(path, name)
    offset = 0
    with (
        _ShortRows(path, name, options, text) as short,
        _csv_errors(name, options, text),
        pd.read_csv(path, **options, chunksize=batch_rows) as reader,
    ):
        for chunk in reader:
            chunk = _clean_columns(chunk.reset_index(drop=True), name)
            short.mark(chunk, offset)
            offset += len(chunk)
            yield chunk


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str], *, index: bool = False) -> Path:
    """Write a table atomically: readers see the old file or the whole new one, never a part.

    The table goes to a temporary file in the same folder, which then replaces `path`. If
    anything fails, the temporary file is removed and `path` is left as it was.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to write.
    path : str or path-like
        Where to write; the extension picks the format: ``.csv`` (UTF-8), ``.parquet`` or
        ``.xlsx``. Missing parent folders are created. CSV and XLSX files are for people to
        open: their text cells and headers are neutralised (:func:`neutralise_formulas`).
    index : bool, default False
        Whether to write the index as a column.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    UsageError
        The extension is not supported, or the file cannot be written there (a folder with that
        name, no permission).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     written = write_table(pd.DataFrame({"id": [1, 2]}), Path(folder) / "out" / "ids.csv")
    ...     print(written.name, written.read_text(encoding="utf-8").split())
    ids.csv ['id', '1', '2']
    """
    path = Path(path)
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        raise UsageError(
            f"cannot write {path.suffix or 'files without an extension'!r}: unsupported format",
            file=str(path),
            fix=f"use one of the extensions {_WRITE_FORMATS}",
        )
    _write_atomically(path, lambda handle: writer(frame, handle, index))
    return path


def write_sql_table(frame: pd.DataFrame, url: str, table: str) -> None:
    """Replace the database table `table` with `frame`, in one transaction.

    The old table is dropped and the new one created and filled in the same transaction, so
    if anything fails readers keep the old table, whole (on databases whose DDL is
    transactional, such as PostgreSQL and SQLite).

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to write; the index is not written.
    url : str
        An SQLAlchemy URL, as :func:`read_table` takes it.
    table : str
        The table's name; quoted by SQLAlchemy, never pasted into SQL.

    Raises
    ------
    ReadError
        The URL is not usable or its driver is missing.
    UsageError
        The table cannot be written (unreachable database, no permission).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     url = f"sqlite:///{folder}/club.db"
    ...     write_sql_table(pd.DataFrame({"id": [1, 2]}), url, "scores")
    ...     write_sql_table(pd.DataFrame({"id": [3]}), url, "scores")
    ...     print(read_table(url, table="scores")["id"].tolist())
    [3]
    """
    name = source_name(url)
    engine = _create_engine(url, name, must_exist=False)
    try:
        with engine.begin() as connection:
            frame.to_sql(table, connection, if_exists="replace", index=False, chunksize=1000)
    except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
        raise UsageError(
            f"cannot write the table {table!r}: {_short(exc)}",
            file=name,
            fix="check that the database is reachable and that you may create tables in it",
        ) from exc
    finally:
        engine.dispose()


def write_bytes(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write bytes atomically (a report, a JSON summary, a model): all of them or nothing.

    Raises
    ------
    UsageError
        The file cannot be written there (a folder with that name, no permission).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print(write_bytes(b"{}", Path(folder) / "out" / "summary.json").read_text())
    {}
    """
    path = Path(path)

    def write(handle: IO[bytes]) -> None:
        handle.write(data)

    _write_atomically(path, write)
    return path


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy in which no text cell and no header can run as a spreadsheet formula.

    Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    ``'``, as OWASP advises against CSV injection; so do column names. Numbers are left alone,
    so a negative number stays a number, and so is text that is only a signed number (``-5``,
    which a spreadsheet reads as the number); only text (object, string and categorical)
    columns are changed. :func:`write_table` applies it to every CSV and XLSX it writes.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table about to be written for people to open.

    Returns
    -------
    pandas.DataFrame
        A copy with the dangerous text cells and column names prefixed.

    Examples
    --------
    >>> frame = pd.DataFrame({"note": ["=SUM(A1)", "-2+3", "-2"], "@id": [-2, 0, 3]})
    >>> neutralise_formulas(frame)
            note  '@id
    0  '=SUM(A1)    -2
    1      '-2+3     0
    2         -2     3
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        elif not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue
        dangerous = _starts_like_formula(column)
        if dangerous.any():
            column = column.copy()
            column[dangerous] = "'" + column[dangerous]
            out.isetitem(position, column.array)
    out.columns = [_neutral_name(name) for name in out.columns]
    if out.index.name is not None:
        out.index.name = _neutral_name(out.index.name)
    return out


def neutralise_arrow_formulas(table: pa.Table) -> pa.Table:
    """:func:`neutralise_formulas` for an Arrow table (the streaming scorer's CSV batches).

    Examples
    --------
    >>> table = pa.table({"=id": ["=1+1", "A7", None], "p": [0.5, 0.1, 0.2]})
    >>> neutralise_arrow_formulas(table).to_pydict()
    {"'=id": ["'=1+1", 'A7', None], 'p': [0.5, 0.1, 0.2]}
    """
    import pyarrow.compute as pc

    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            dangerous = pc.and_(
                pc.match_substring_regex(column, _FORMULA_PATTERN),
                pc.invert(pc.match_substring_regex(column, _PLAIN_NUMBER)),
            )
            quote, nothing = pa.scalar("'", column.type), pa.scalar("", column.type)
            column = pc.if_else(dangerous, pc.binary_join_element_wise(quote, column, nothing),
                                column)  # fmt: skip
        columns.append(column)
    return pa.table(columns, names=[_neutral_name(name) for name in table.column_names])


def source_name(source: str | os.PathLike[str]) -> str:
    """Name a source for messages: a path as given, a database URL with its password hidden.

    Parameters
    ----------
    source : str or path-like
        A file path or an SQLAlchemy URL.

    Returns
    -------
    str
        The display name.

    Examples
    --------
    >>> source_name("postgresql://analyst:s3cret@db.example.org/club")
    'postgresql://analyst:***@db.example.org/club'
    >>> source_name("data/members.csv")
    'data/members.csv'
    """
    text = os.fspath(source)
    if not _is_url(text):
        return text
    try:
        return make_url(text).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        # not a URL SQLAlchemy understands; still never show what looks like a password
        return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", text)


# --------------------------------------------------------------------------------------------
# choosing the reader
# --------------------------------------------------------------------------------------------


def _is_url(source: str | os.PathLike[str]) -> bool:
    return "://" in os.fspath(source)


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
        raise _empty_file(name)


def _empty_file(name: str) -> ReadError:
    return ReadError(
        "the file is empty", file=name, fix="export the table again, with its header and rows"
    )


def _not_a_table(name: str, kind: str, exc: BaseException | str, fix: str) -> ReadError:
    reason = exc if isinstance(exc, str) else _short(exc)
    return ReadError(f"is not a readable {kind} table ({reason})", file=name, fix=fix)


def _short(exc: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message (of the driver's error, for SQLAlchemy)."""
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    text = lines[0] if lines else type(inner).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def _read_csv(path: Path, name: str) -> pd.DataFrame:
    options, text = _csv_options(path, name)
    with _csv_errors(name, options, text):
        frame = pd.read_csv(path, **options)
    with _ShortRows(path, name, options, text) as short:
        short.mark(frame, 0)
    return frame


def _csv_options(path: Path, name: str) -> tuple[dict[str, Any], str]:
    """``pd.read_csv`` options sniffed from the file's first bytes, and the decoded sample."""
    compressed = path.suffix.lower() == ".gz"
    sample, truncated = _read_sample(path, name, compressed=compressed)
    if _looks_binary(sample):
        raise _not_a_table(
            name, "CSV", "it holds binary data, not text", "give the path of a CSV text file"
        )
    encoding = _sniff_encoding(sample)
    text = _decode_sample(sample, encoding, truncated=truncated)
    if not text.strip():
        raise _empty_file(name)
    separator = _sniff_separator(text)
    decimal = _sniff_decimal(text, separator)
    _check_unique(_header(text, separator), name)
    options = {
        "sep": separator,
        "decimal": decimal,
        "encoding": encoding,
        "compression": "gzip" if compressed else None,
        "index_col": False,
        "low_memory": False,
    }
    return options, text


@contextmanager
def _csv_errors(name: str, options: dict[str, Any], text: str) -> Iterator[None]:
    """Reading errors of ``pd.read_csv`` as ReadErrors that say what is wrong and what to do."""
    separator, encoding = options["sep"], options["encoding"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            yield
    except pd.errors.ParserWarning as exc:
        # the first rows have more fields than the header; pandas would drop the extra ones
        raise _ragged(name, separator, *_first_long_line(text, separator)) from exc
    except pd.errors.ParserError as exc:
        match = _RAGGED.search(str(exc))
        if match:
            expected, line, seen = (int(group) for group in match.groups())
            raise _ragged(name, separator, line, expected, seen) from exc
        raise _not_a_table(name, "CSV", exc, "check that the file is a CSV table") from exc
    except UnicodeDecodeError as exc:
        reason = f"some bytes are not valid {encoding}; the file mixes encodings"
        raise _not_a_table(name, "CSV", reason, _SAVE_AS_UTF8) from exc
    except (pd.errors.EmptyDataError, ValueError, OSError, EOFError) as exc:
        raise _not_a_table(name, "CSV", exc, "check that the file is a CSV table") from exc


def _read_sample(path: Path, name: str, *, compressed: bool) -> tuple[bytes, bool]:
    """The first bytes of the (decompressed) file, and whether there are more."""
    try:
        with gzip.open(path, "rb") if compressed else path.open("rb") as handle:
            sample = handle.read(_SAMPLE_BYTES)
            truncated = bool(handle.read(1))
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise _not_a_table(name, "CSV", exc, "give the path of a gzipped CSV file") from exc
    return sample, truncated


def _looks_binary(sample: bytes) -> bool:
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return b"\x00" in sample or controls > max(1, len(sample) // 100)


def _sniff_encoding(sample: bytes) -> str:
    """BOM, else UTF-8 if the bytes decode, else cp1251 if it reads as Cyrillic, else a guess."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # an incremental decoder accepts a character cut in two at the end of the sample
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    if _reads_as_cyrillic(sample.decode("cp1251", errors="replace")):
        return "cp1251"
    return _guess_legacy_encoding(sample)


def _reads_as_cyrillic(text: str) -> bool:
    """Whether most non-ASCII words are well-formed Cyrillic words (``Отток``, ``МГУ``).

    Western text decoded as cp1251 mixes scripts inside words (``José`` -> ``Josй``), and KOI8-R
    text decoded as cp1251 has its case inverted (``Москва`` -> ``мОСКВА``).
    """
    words = [word for word in re.findall(r"[^\W\d_]+", text) if not word.isascii()]
    if not words:
        return False
    good = sum(
        _CYRILLIC_WORD.fullmatch(word) is not None
        and (len(word) == 1 or word.isupper() or word[1:].islower())
        for word in words
    )
    return good >= 0.8 * len(words)


def _guess_legacy_encoding(sample: bytes) -> str:
    """Ask charset-normalizer among likely single-byte encodings; cp1251 if it cannot tell."""
    matches = charset_normalizer.from_bytes(sample, cp_isolation=list(_LEGACY_ENCODINGS))

    def rank(match: charset_normalizer.CharsetMatch) -> tuple[float, float, int]:
        order = (
            _LEGACY_ENCODINGS.index(match.encoding)
            if match.encoding in _LEGACY_ENCODINGS
            else len(_LEGACY_ENCODINGS)
        )
        return round(match.chaos, 2), -round(match.coherence, 2), order

    return min(matches, key=rank).encoding if len(matches) else "cp1251"


def _decode_sample(sample: bytes, encoding: str, *, truncated: bool) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text: str = decoder.decode(sample, final=not truncated)
    if truncated and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # drop the last, partial line
    return text


def _records(text: str, separator: str, limit: int | None = None) -> list[list[str]]:
    """The first non-blank CSV records of `text`, quotes understood."""
    records = []
    try:
        for record in csv.reader(io.StringIO(text), delimiter=separator):
            if any(field.strip() for field in record):
                records.append(record)
            if limit is not None and len(records) >= limit:
                break
    except csv.Error:
        pass
    return records


def _sniff_separator(text: str) -> str:
    """The separator giving the same field count (> 1) as the header on most of the first rows.

    Ties go to the separator found most often in the header. A file where no candidate splits
    the header is a one-column file: then the candidate found least in the text is used.
    """
    scores = {}
    for separator in _SEPARATORS:
        counts = [len(record) for record in _records(text, separator, _SNIFF_RECORDS)]
        if counts and counts[0] > 1:
            scores[separator] = sum(count == counts[0] for count in counts)
    if not scores:
        return min(_SEPARATORS, key=text.count)
    header = text.splitlines()[0] if text.splitlines() else ""
    return max(scores, key=lambda separator: (scores[separator], header.count(separator)))


def _sniff_decimal(text: str, separator: str) -> str:
    """``","`` when values look like ``12,75`` and none like ``12.75``; else ``"."``."""
    if separator == ",":
        return "."
    sep = re.escape(separator)

    def number(mark: str) -> re.Pattern[str]:
        return re.compile(rf'(?:^|{sep})[ "]*[-+]?\d+{mark}\d+[ "]*(?={sep}|\r|\n|$)', re.M)

    has_comma = number(",").search(text) is not None
    return "," if has_comma and number(r"\.").search(text) is None else "."


def _header(text: str, separator: str) -> list[str]:
    records = _records(text, separator, limit=1)
    return records[0] if records else []


def _table_records(lines: Iterable[str], separator: str) -> Iterator[tuple[int, list[str]]]:
    """The records of CSV text as pandas counts them, the header first: the line each starts on
    (1-based) and its fields, quotes understood (a quoted field may hold separators and line
    breaks); lines of only spaces and tabs are skipped, as pandas skips them.

    Raises
    ------
    csv.Error
        A record the csv module cannot read (a field over its size limit, a NUL byte).
    """
    blank = set(" \t\r\n") - {separator}
    last = ""

    def tracked() -> Iterator[str]:
        nonlocal last
        for line in lines:
            last = line
            yield line

    reader = csv.reader(tracked(), delimiter=separator)
    start = 1
    for record in reader:
        end = reader.line_num
        # a one-field record on one line whose text is blank: a blank line (not a quoted "")
        if len(record) > 1 or end != start or not set(last) <= blank:
            yield start, record
        start = end + 1


def _named_width(header: list[str]) -> int:
    """Fields of the header up to its last named one (a trailing separator names no column)."""
    width = len(header)
    while width > 1 and not header[width - 1].strip():
        width -= 1
    return width


def _first_long_line(text: str, separator: str) -> tuple[int | None, int | None, int | None]:
    """Line number (1-based), header width and width of the first record wider than the header."""
    width = None
    try:
        for line, record in _table_records(io.StringIO(text), separator):
            if width is None:
                width = len(record)
            elif len(record) > width:
                return line, width, len(record)
    except csv.Error:
        pass
    return None, None, None


class _ShortRows:
    """Finds the data rows with fewer fields than the header, which pandas would fill with
    missing values, and marks them on the table read (see
    :data:`churnlab.data.validate.READ_FAILURES`) so that the check rejects them (scoring) or names
    them (training).

    pandas does not tell which rows were short. A short row always leaves the last named column
    missing, so the file is read again only when the table (or batch) has a missing value there,
    and from where the last search stopped. NumPy counts the separators of each record in the
    bytes, block by block, those inside quoted fields left out (quotes pair up: a separator or
    line break is quoted when an odd number of quotes comes before it); from the first block
    with a quote inside an unquoted field or a lone CR, and in UTF-16, the csv module reads the
    records. Each row found is checked against the table (its missing fields are missing there
    too); a file whose rows cannot be matched is refused naming the line.
    """

    def __init__(self, path: Path, name: str, options: dict[str, Any], text: str) -> None:
        self.path, self.name, self.options = path, name, options
        self.separator: str = options["sep"]
        self.encoding: str = options["encoding"]
        self.text = text
        self.found: Iterator[tuple[int, list[str]]] | None = None
        self.pending: tuple[int, list[str]] | None = None
        self.handles: list[IO[Any]] = []

    def __enter__(self) -> _ShortRows:
        return self

    def __exit__(self, *error: object) -> None:
        if self.found is not None:
            cast(Any, self.found).close()
        for handle in self.handles:
            handle.close()

    @functools.cached_property
    def width(self) -> int:
        """The fields of the header up to its last named one."""
        return _named_width(_header(self.text, self.separator))

    def mark(self, frame: pd.DataFrame, offset: int) -> None:
        """Mark the short rows of ``frame``, the rows ``offset`` .. of the file."""
        if frame.empty or not frame.iloc[:, -1].isna().any():
            return  # no row of this part can be short: the usual case costs nothing more
        if self.width < 2 or frame.shape[1] < self.width:
            return
        if not frame.iloc[:, self.width - 1].isna().any():
            return
        found = self._short(offset, offset + len(frame))
        if not found:
            return
        columns = [str(c) for c in frame.columns]
        failures: dict[str, list[Any]] = {"row": [], "column": [], "value": [], "reason": []}
        for row, fields in found:
            position = row - offset
            if not frame.iloc[position, len(fields) : self.width].isna().all():
                raise self._unmatched(row, len(fields))
            text = self.separator.join(fields)
            failures["row"].append(position)
            failures["column"].append(columns[len(fields)])
            failures["value"].append(text if len(text) <= 80 else text[:79] + "…")
            failures["reason"].append(
                f"the row has {len(fields)} field{'s' if len(fields) != 1 else ''}, "
                f"the header has {self.width}"
            )
        from churnlab.data.validate import READ_FAILURES

        frame.attrs[READ_FAILURES] = {"rows": len(frame), **failures}

    def _short(self, start: int, stop: int) -> list[tuple[int, list[str]]]:
        """The short rows among the data rows ``start`` .. ``stop - 1``: (row, fields)."""
        if self.found is None:
            self.found = self._short_records()
        found = []
        try:
            while True:
                if self.pending is None:
                    self.pending = next(self.found, None)
                    if self.pending is None:
                        break
                row, fields = self.pending
                if row >= stop:
                    break
                self.pending = None
                if row < start:  # in a part where pandas saw no missing value
                    raise self._unmatched(row, len(fields))
                found.append((row, fields))
        except UnicodeDecodeError as exc:
            reason = f"some bytes are not valid {self.encoding}; the file mixes encodings"
            raise _not_a_table(self.name, "CSV", reason, _SAVE_AS_UTF8) from exc
        except (csv.Error, pa.ArrowException, OSError, EOFError) as exc:
            raise ReadError(
                f"cannot count the fields of its rows: {exc}",
                file=self.name,
                fix="check that the file is a CSV table, with quotes around values that "
                "hold separators or line breaks",
            ) from exc
        return found

    def _short_records(self) -> Iterator[tuple[int, list[str]]]:
        """Every short data row of the file, in order: (row, fields).

        pyarrow's CSV reader, streaming and converting nothing but its first column, hands every
        record whose field count is not the header's to a handler: quotes, line breaks inside
        quoted fields, encodings and compression are understood as by any CSV reader. Records of
        one blank field are lines pandas skips: they number no row.
        """
        import pyarrow.csv as pacsv

        names = [f"c{i}" for i in range(len(_header(self.text, self.separator)))]
        found: list[tuple[int, list[str]]] = []
        skipped = 0  # lines of spaces before this record, which pandas does not count as rows

        def invalid(record: pacsv.InvalidRow) -> str:
            nonlocal skipped
            if record.actual_columns == 1 and not record.text.strip(" \t\r\n"):
                skipped += 1
            elif record.actual_columns < self.width:
                fields = next(csv.reader(io.StringIO(record.text, newline=""),
                                         delimiter=self.separator))  # fmt: skip
                found.append((record.number - 2 - skipped, fields))  # 1 is the header
            return "skip"  # longer records are refused by the reader itself

        reader = pacsv.open_csv(
            self._binary(),
            read_options=pacsv.ReadOptions(
                use_threads=False, skip_rows=1, column_names=names, encoding=self.encoding
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=self.separator, newlines_in_values=True, invalid_row_handler=invalid
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=names[:1], column_types={names[0]: pa.string()}
            ),
        )
        for _ in reader:
            yield from found
            found.clear()
        yield from found

    def _binary(self) -> IO[bytes]:
        """The file's bytes (decompressed), open until the search ends."""
        opener = gzip.open if self.options["compression"] == "gzip" else open
        handle = cast(IO[bytes], opener(self.path, "rb"))
        self.handles.append(handle)
        return handle

    def _unmatched(self, row: int, fields: int) -> ReadError:
        return ReadError(
            f"row {row} has {fields} field{'s' if fields != 1 else ''}, the header has "
            f"{self.width}, but its fields were read otherwise",
            file=self.name,
            fix="give the line its missing values (empty between separators if unknown), or "
            'put values that contain a separator or a line break in double quotes ("...")',
        )


def _ragged(
    name: str,
    separator: str,
    line: int | None,
    expected: int | None = None,
    seen: int | None = None,
) -> ReadError:
    where = f"line {line}" if line is not None else "a line near the top"
    counts = f" ({seen} instead of {expected})" if expected is not None and seen is not None else ""
    separator_name = _SEPARATOR_NAMES.get(separator, repr(separator))
    return ReadError(
        f"{where} has more fields than the header{counts}",
        file=name,
        fix=f"remove the extra {separator_name} separators from {where}, or put the values that "
        f'contain a {separator_name} in double quotes ("...")',
    )


# --------------------------------------------------------------------------------------------
# Parquet and Excel
# --------------------------------------------------------------------------------------------


def _read_parquet(path: Path, name: str) -> pd.DataFrame:
    try:
        # not pd.read_parquet: its dataset reader fails on duplicate column names
        with pq.ParquetFile(path) as parquet_file:
            return parquet_file.read().to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _not_a_table(
            name, "Parquet", exc, "give the path of a Parquet file, or write the file again"
        ) from exc


def _read_excel(path: Path, name: str, *, sheet: str | int | None) -> pd.DataFrame:
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            chosen = _pick_sheet(book.sheet_names, sheet, name)
            header = pd.read_excel(book, sheet_name=chosen, header=None, nrows=1)
            _check_unique(header.iloc[0].tolist() if len(header) else [], name)
            frame = pd.read_excel(book, sheet_name=chosen)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _not_a_table(
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


# --------------------------------------------------------------------------------------------
# SQL
# --------------------------------------------------------------------------------------------


def _read_sql(url: str, *, query: str | None, table: str | None, name: str) -> pd.DataFrame:
    if (query is None) == (table is None):
        raise UsageError(
            "a database source needs exactly one of query= and table=",
            file=name,
            fix="pass table='members' to read a whole table, or query='SELECT ...'",
        )
    engine = _create_engine(url, name)
    try:
        with engine.connect() as connection:  # never committed: rolled back on exit
            statement = (
                cast(str, query) if table is None else _select_table(connection, table, name)
            )
            return pd.read_sql(statement, connection)
    except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
        fix = (
            "check that the database is reachable, and that the query is a valid SELECT"
            if table is None
            else "check that the database is reachable and that you may read the table"
        )
        raise ReadError(
            f"cannot read from the database: {_short(exc)}", file=name, fix=fix
        ) from exc
    finally:
        engine.dispose()


def _create_engine(url: str, name: str, *, must_exist: bool = True) -> sa.Engine:
    try:
        parsed = make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise ReadError(
            f"is not a database URL ({_short(exc)})",
            file=name,
            fix="write it as dialect://user:password@host/database, e.g. sqlite:///members.db",
        ) from exc
    database = parsed.database or ""
    is_file = database not in ("", ":memory:") and not database.startswith("file:")
    sqlite_file = parsed.get_backend_name() == "sqlite" and is_file
    if sqlite_file and must_exist and not Path(database).is_file():
        # SQLite would silently create an empty database instead
        raise ReadError(
            f"the database file {database!r} does not exist",
            file=name,
            fix="check the path: sqlite:///members.db is relative, sqlite:////data/members.db "
            "is absolute",
        )
    parsed = with_default_driver(parsed)
    try:
        return sa.create_engine(parsed)
    except (sa.exc.NoSuchModuleError, ImportError) as exc:
        raise ReadError(
            f"cannot load the database driver ({_short(exc)})",
            file=name,
            fix="install the driver for this database (e.g. pip install 'psycopg[binary]' for "
            "PostgreSQL), or check the dialect name in the URL",
        ) from exc
    except sa.exc.ArgumentError as exc:
        raise ReadError(
            f"is not a usable database URL ({_short(exc)})",
            file=name,
            fix="write it as dialect://user:password@host/database, e.g. sqlite:///members.db",
        ) from exc


def _select_table(connection: sa.Connection, table: str, name: str) -> sa.Select[Any]:
    """``SELECT * FROM table``, the name looked up by reflection and quoted by SQLAlchemy."""
    try:
        reflected = sa.Table(table, sa.MetaData(), autoload_with=connection)
    except sa.exc.NoSuchTableError as exc:
        inspector = sa.inspect(connection)
        known = sorted(inspector.get_table_names() + inspector.get_view_names())
        raise ReadError(
            f"there is no table named {table!r}",
            file=name,
            fix=f"use one of the tables {', '.join(map(repr, known))}"
            if known
            else "check the URL: this database has no tables",
        ) from exc
    return sa.select(reflected)


# --------------------------------------------------------------------------------------------
# checks shared by every reader
# --------------------------------------------------------------------------------------------


def with_default_driver(url: sa.URL) -> sa.URL:
    """``postgresql://`` and ``postgres://`` use psycopg 3, the driver churnlab installs.

    SQLAlchemy's own default for PostgreSQL is psycopg2, which churnlab does not install.

    Examples
    --------
    >>> from sqlalchemy.engine import make_url
    >>> with_default_driver(make_url("postgres://u@host/db")).drivername
    'postgresql+psycopg'
    """
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    return url


def _fresh_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Named index levels (e.g. from a Parquet file) become columns; then a RangeIndex."""
    keep = [level for level in frame.index.names if level is not None and level not in frame]
    if keep:
        frame = frame.reset_index(level=keep)
    return frame.reset_index(drop=True)


def _clean_columns(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    frame.columns = [
        column.strip() if isinstance(column, str) else column for column in frame.columns
    ]
    _check_unique(frame.columns, name)
    return frame


def _check_unique(names: Iterable[Any], name: str) -> None:
    """Raise a SchemaError for the first column name given twice (surrounding spaces ignored)."""
    seen = set()
    for column in names:
        if isinstance(column, str):
            column = column.strip()
        if column is None or column == "" or (isinstance(column, float) and column != column):
            continue
        if column in seen:
            raise SchemaError(
                "two columns have this name",
                file=name,
                column=str(column),
                fix="rename one of them in the header so that every column name is unique",
            )
        seen.add(column)


def _check_has_rows(frame: pd.DataFrame, name: str) -> None:
    if len(frame) == 0:
        raise ReadError(
            "the table has a header but no rows",
            file=name,
            fix="check that you exported the data, not only the column names",
        )


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------


def _write_csv(frame: pd.DataFrame, handle: IO[bytes], index: bool) -> None:
    neutralise_formulas(frame).to_csv(handle, index=index, encoding="utf-8")


def _write_parquet(frame: pd.DataFrame, handle: IO[bytes], index: bool) -> None:
    frame.to_parquet(handle, engine="pyarrow", index=index)


def _write_excel(frame: pd.DataFrame, handle: IO[bytes], index: bool) -> None:
    neutralise_formulas(frame).to_excel(handle, engine="openpyxl", index=index)


_WRITERS: dict[str, Callable[[pd.DataFrame, IO[bytes], bool], None]] = {
    ".csv": _write_csv,
    ".parquet": _write_parquet,
    ".xlsx": _write_excel,
}


def _write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write through :func:`atomic_output`; an error while writing is a :class:`UsageError`."""
    with atomic_output(path) as handle:
        try:
            write(handle)
        except OSError as exc:
            raise cannot_write(path, exc) from exc


def _neutral_name(name: Any) -> Any:
    """A column name that cannot run as a formula: text names get the same ``'`` as cells."""
    if (
        isinstance(name, str)
        and name.startswith(_FORMULA_STARTS)
        and not re.match(_PLAIN_NUMBER, name)
    ):
        return "'" + name
    return name


def _starts_like_formula(column: pd.Series) -> pd.Series:
    try:
        starts = column.str.startswith(_FORMULA_STARTS, na=False).astype(bool)
        if not starts.any():
            return starts
        return starts & ~column.str.match(_PLAIN_NUMBER, na=False).astype(bool)
    except AttributeError:  # an object column without any text
        return pd.Series(False, index=column.index)
