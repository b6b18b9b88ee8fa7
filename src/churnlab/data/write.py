"""Writing outputs atomically: a reader sees the old file or the whole new one, never a part.

:func:`write_table` writes CSV (UTF-8 with a byte-order mark, so that Excel shows Cyrillic),
Parquet or Excel (laid out for people by a :class:`Sheet`), :func:`write_bytes` any bytes (a
report, a JSON summary, a model), through a temporary file in the target folder
(:func:`churnlab.data.atomic.atomic_output`). In CSV and Excel files, every cell and header that a
spreadsheet would run as a formula is defused (:func:`churnlab.data.formulas.neutralise_formulas`).
Excel files are written by XlsxWriter in constant-memory mode, row after row, each cell by its
type (``write_string``, ``write_number``...): text is never read as a formula, a link or a number.
Tables for databases are written by :func:`churnlab.data.sql.write_sql_table`.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import numbers
import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from churnlab.data.atomic import atomic_output, cannot_write
from churnlab.data.formulas import neutralise_formulas
from churnlab.errors import UsageError

__all__ = ["BOM", "WRITE_SUFFIXES", "Sheet", "write_bytes", "write_table"]

#: The UTF-8 byte-order mark every CSV starts with: Excel then reads the file as UTF-8.
BOM = "\ufeff".encode()
#: The widest column of a sheet, in characters.
WIDEST = 60

#: The file endings :func:`write_table` writes.
WRITE_SUFFIXES = (".csv", ".parquet", ".xlsx")
_WRITE_FORMATS = ", ".join(WRITE_SUFFIXES)
#: The rows of an Excel file prepared at a time (their cells as Python lists) before writing.
CHUNK_ROWS = 10_000
_EXCEL_ROWS, _EXCEL_COLUMNS = 1_048_576, 16_384
# XlsxWriter's write() would turn text starting with "=" into a formula, "http..." into a link
# and "12" into a number: cells go through write_string/write_number, and these are off too
_BOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


@dataclass(frozen=True)
class Sheet:
    """How an Excel file is laid out for people: a named sheet, a frozen bold header, column
    widths, and formats by column (the columns as named in the frame).

    Attributes
    ----------
    name : str
        The sheet's name (at most 31 characters, as Excel allows).
    headers : mapping of str to str
        Readable headers, by column; others keep their names.
    percent : collection of str
        Shares from 0 to 1, shown as percentages.
    money : collection of str
        Amounts, shown with two decimals and `currency`.
    currency : str
    text : collection of str
        Columns kept as text, whatever they hold (ids: ``007`` stays ``007``).
    """

    name: str = "Sheet1"
    headers: Mapping[str, str] = field(default_factory=dict)
    percent: Collection[str] = ()
    money: Collection[str] = ()
    currency: str = ""
    text: Collection[str] = ()


def write_table(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    index: bool = False,
    sheet: Sheet | None = None,
) -> Path:
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
        open: their text cells and headers are neutralised
        (:func:`~churnlab.data.formulas.neutralise_formulas`).
    index : bool, default False
        Whether to write the index as a column.
    sheet : Sheet, optional
        The layout of an ``.xlsx`` file (default: plain, as pandas writes it).

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
    ...     print(written.name, written.read_text(encoding="utf-8-sig").split())
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
    _write_atomically(path, lambda handle: writer(frame, handle, index, sheet))
    return path


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


def _write_csv(frame: pd.DataFrame, handle: IO[bytes], index: bool, sheet: Sheet | None) -> None:
    import pyarrow as pa
    import pyarrow.csv as arrow_csv

    table = neutralise_formulas(_with_index(frame) if index else frame)
    columns = [_arrow_column(table.iloc[:, position]) for position in range(table.shape[1])]
    names = [str(name) for name in table.columns]
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(names)  # quoted only where needed
    handle.write(BOM + header.getvalue().encode("utf-8"))
    arrow_csv.write_csv(
        pa.Table.from_arrays(columns, names=names),
        handle,
        arrow_csv.WriteOptions(include_header=False),
    )


def _arrow_column(column: pd.Series) -> Any:
    """A column as Arrow writes it to CSV (some 15 times faster than pandas): numbers and
    booleans as they are, missing values empty; text, dates and anything else as pandas shows
    them (``str`` of each value, dates as ``2024-01-31``)."""
    import pyarrow as pa

    kind = column.dtype
    numeric = pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind)
    if numeric and not isinstance(kind, pd.CategoricalDtype):
        return pa.array(column, from_pandas=True)
    if pd.api.types.is_datetime64_any_dtype(kind) or pd.api.types.is_timedelta64_dtype(kind):
        text = column.astype(str).where(column.notna())
    else:
        text = column.astype(object).where(column.notna())
        if pd.api.types.infer_dtype(text, skipna=True) not in ("string", "empty"):
            text = text.map(str, na_action="ignore")
    return pa.array(text.astype(object).where(text.notna(), None), type=pa.string())


def _write_parquet(
    frame: pd.DataFrame, handle: IO[bytes], index: bool, sheet: Sheet | None
) -> None:
    frame.to_parquet(handle, engine="pyarrow", index=index)


def _write_excel(frame: pd.DataFrame, handle: IO[bytes], index: bool, sheet: Sheet | None) -> None:
    """Write `frame` with XlsxWriter in constant-memory mode: rows go out in order, a chunk of
    :data:`CHUNK_ROWS` at a time, so memory stays that of the frame whatever its length."""
    import xlsxwriter

    table = _with_index(frame) if index else frame
    _check_fits_a_sheet(table)
    book = xlsxwriter.Workbook(handle, _BOOK_OPTIONS)
    try:
        if sheet is None:
            _write_cells(book, book.add_worksheet("Sheet1"), table, {}, bold=None)
        else:
            _write_laid_out(book, table, sheet)
    finally:
        book.close()


def _write_laid_out(book: Any, frame: pd.DataFrame, sheet: Sheet) -> None:
    """The :class:`Sheet` layout: readable headers in bold, the first row frozen, column widths
    from the first 1,000 values, the text columns as text and formats by column."""
    table = _as_text(frame, sheet.text)
    names = [str(c) for c in table.columns]
    table.columns = pd.Index([sheet.headers.get(name, name) for name in names], dtype=object)
    cells = book.add_worksheet(sheet.name[:31])
    cells.freeze_panes(1, 0)
    for position, width in enumerate(_widths(table)):
        cells.set_column(position, position, width)
    number_formats = _column_formats(sheet)
    formats = {
        position: book.add_format({"num_format": number_formats[name]})
        for position, name in enumerate(names)
        if name in number_formats
    }
    _write_cells(book, cells, table, formats, bold=book.add_format({"bold": True}))


def _column_formats(sheet: Sheet) -> dict[str, str]:
    """The number format of each formatted column: percent, money (with the currency), text."""
    money = f'#,##0.00 "{sheet.currency}"' if sheet.currency else "#,##0.00"
    return ({c: "0.0%" for c in sheet.percent} | {c: money for c in sheet.money}
            | {c: "@" for c in sheet.text})  # fmt: skip


def _as_text(frame: pd.DataFrame, columns: Collection[str]) -> pd.DataFrame:
    """`frame` with `columns` (those present) as text: ``str`` of each value, missing kept."""
    table = frame.copy()
    for position, name in enumerate(table.columns):
        if name in columns:
            column = table.iloc[:, position]
            present = column.notna().to_numpy()
            text = np.full(len(column), None, dtype=object)
            text[present] = [str(v) for v in column.to_numpy(dtype=object)[present]]
            table.isetitem(position, text)
    return table


def _widths(table: pd.DataFrame) -> list[int]:
    """Each column's width: its longest header or first 1,000 values, plus 2, at most
    :data:`WIDEST`."""
    head = table.head(1000)
    widths = []
    for position, header in enumerate(table.columns):
        values = head.iloc[:, position]
        longest = max([len(str(header))] + [len(str(v)) for v in values[values.notna()]])
        widths.append(min(WIDEST, longest + 2))
    return widths


def _write_cells(
    book: Any, cells: Any, table: pd.DataFrame, formats: Mapping[int, Any], bold: Any
) -> None:
    """The header then every row, in order (constant-memory mode writes a row once it is left),
    each cell through the ``write_*`` method of its type: text never becomes a formula."""
    by_type = _TypeFormats(book)
    header = neutralise_formulas(table.iloc[:0]).columns
    for position, name in enumerate(header):
        write, value, number_format = _cell(cells, name, by_type)
        write(0, position, value, bold if bold is not None else number_format)
    for start in range(0, len(table), CHUNK_ROWS):
        chunk = neutralise_formulas(_plain_objects(table.iloc[start : start + CHUNK_ROWS]))
        columns = [
            _column_cells(cells, chunk.iloc[:, position], by_type, formats.get(position))
            for position in range(chunk.shape[1])
        ]
        for offset in range(len(chunk)):
            row = start + offset + 1
            for position, (writes, values, cell_formats) in enumerate(columns):
                writes[offset](row, position, values[offset], cell_formats[offset])


class _TypeFormats:
    """The formats pandas gives dates, times and durations, made once per workbook."""

    def __init__(self, book: Any) -> None:
        self.datetime = book.add_format({"num_format": "YYYY-MM-DD HH:MM:SS"})
        self.date = book.add_format({"num_format": "YYYY-MM-DD"})
        self.duration = book.add_format({"num_format": "0"})


_Cells = tuple[list[Callable[..., Any]], list[Any], list[Any]]


def _column_cells(cells: Any, column: pd.Series, by_type: _TypeFormats, fixed: Any) -> _Cells:
    """How to write each value of `column`: the ``write_*`` methods, the values, the formats
    (`fixed`, the column's format, when it has one)."""
    size = len(column)
    if column.dtype == np.bool_:
        return [cells.write_boolean] * size, column.tolist(), [fixed] * size
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iuf":
        writes, values = _number_cells(cells, column.to_numpy())
        return writes, values, [fixed] * size
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        blank = (column.isna() | (column == "")).to_numpy(dtype=bool)
        writes = np.where(blank, cells.write_blank, cells.write_string).tolist()
        return writes, column.to_numpy(dtype=object).tolist(), [fixed] * size
    written = [_cell(cells, value, by_type) for value in column.to_numpy(dtype=object)]
    writes, values, cell_formats = ([*part] for part in zip(*written, strict=True)) if written \
        else ([], [], [])  # fmt: skip
    return writes, values, cell_formats if fixed is None else [fixed] * size


def _number_cells(cells: Any, numbers: np.ndarray) -> tuple[list[Any], list[Any]]:
    """The methods and values of a numpy column of numbers: NaN is blank, ±inf the text
    ``inf`` and ``-inf`` (as pandas writes them)."""
    values = numbers.astype(object)
    writes = np.full(len(numbers), cells.write_number, dtype=object)
    if numbers.dtype.kind == "f":
        writes[np.isnan(numbers)] = cells.write_blank
        infinite = np.isinf(numbers)
        writes[infinite] = cells.write_string
        values[infinite] = np.where(numbers[infinite] > 0, "inf", "-inf")
    return writes.tolist(), values.tolist()


def _cell(cells: Any, value: Any, by_type: _TypeFormats) -> tuple[Callable[..., Any], Any, Any]:
    """The ``write_*`` method, the value and the format of one value, as pandas writes it:
    missing and empty text are blank, ±inf is the text ``inf``, dates get a date format and
    durations are numbers of days."""
    if value is None or (isinstance(value, str) and not value) or _missing(value):
        return cells.write_blank, None, None
    if isinstance(value, bool | np.bool_):
        return cells.write_boolean, bool(value), None
    if isinstance(value, numbers.Integral):
        return cells.write_number, int(value), None
    if isinstance(value, numbers.Real | Decimal):
        number = float(value)
        if math.isinf(number):
            return cells.write_string, "inf" if number > 0 else "-inf", None
        return cells.write_number, number, None
    if isinstance(value, datetime.datetime):
        return cells.write_datetime, value, by_type.datetime
    if isinstance(value, datetime.date):
        return cells.write_datetime, value, by_type.date
    if isinstance(value, datetime.timedelta):
        return cells.write_number, value.total_seconds() / 86400, by_type.duration
    return cells.write_string, str(value), None


# what pandas.api.types.infer_dtype calls columns of those only
_PLAIN_KINDS = {"string", "empty", "integer", "floating", "mixed-integer-float", "decimal",
                "boolean", "datetime", "date", "timedelta"}  # fmt: skip
_WRITTEN_AS_THEY_ARE = (str, numbers.Number, Decimal, datetime.date, datetime.timedelta)


def _plain_objects(chunk: pd.DataFrame) -> pd.DataFrame:
    """`chunk` with the values of object columns that are not text, numbers, booleans, dates or
    durations (lists, ``bytes``...) as their ``str``, so that the neutralising sees them."""
    out = chunk
    for position in range(chunk.shape[1]):
        column = chunk.iloc[:, position]
        if column.dtype != object or pd.api.types.infer_dtype(column) in _PLAIN_KINDS:
            continue
        values = column.to_numpy()
        other = np.fromiter(
            (not isinstance(v, _WRITTEN_AS_THEY_ARE) and not _missing(v) for v in values),
            dtype=bool,
            count=len(values),
        )
        if other.any():
            values = values.copy()
            values[other] = [str(v) for v in values[other]]
            out = out.copy() if out is chunk else out
            out.isetitem(position, values)
    return out


def _with_index(frame: pd.DataFrame) -> pd.DataFrame:
    """The index as the first columns, its header blank when it has no name (as pandas)."""
    names = ["" if name is None else name for name in frame.index.names]
    return frame.reset_index(names=names, allow_duplicates=True)


def _check_fits_a_sheet(table: pd.DataFrame) -> None:
    """Excel's sheet holds 1,048,576 rows (the header's included) of 16,384 columns."""
    rows, columns = table.shape
    if rows + 1 > _EXCEL_ROWS or columns > _EXCEL_COLUMNS:
        raise UsageError(
            f"a table of {rows:,} rows and {columns:,} columns does not fit an Excel sheet "
            f"({_EXCEL_ROWS - 1:,} rows and {_EXCEL_COLUMNS:,} columns at most)",
            fix="write a .csv or .parquet file instead",
        )


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


_WRITERS: dict[str, Callable[[pd.DataFrame, IO[bytes], bool, Sheet | None], None]] = {
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
