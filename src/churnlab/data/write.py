"""Writing outputs atomically: a reader sees the old file or the whole new one, never a part.

:func:`write_table` writes CSV (UTF-8 with a byte-order mark, so that Excel shows Cyrillic),
Parquet or Excel (laid out for people by a :class:`Sheet`), :func:`write_bytes` any bytes (a
report, a JSON summary, a model), through a temporary file in the target folder
(:func:`churnlab.data.atomic.atomic_output`). In CSV and Excel files, every cell and header that a
spreadsheet would run as a formula is defused (:func:`churnlab.data.formulas.neutralise_formulas`).
Excel files are written by :func:`churnlab.data.xlsx.write_sheet`, the sheet's XML built a column
at a time: text is always an inline string, never read as a formula, a link or a number.
Tables for databases are written by :func:`churnlab.data.sql.write_sql_table`.
"""

from __future__ import annotations

import csv
import datetime
import io
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
from churnlab.data.xlsx import Layout, check_fits_a_sheet, write_sheet
from churnlab.errors import UsageError

__all__ = ["BOM", "WRITE_SUFFIXES", "Sheet", "write_bytes", "write_table"]

#: The UTF-8 byte-order mark every CSV starts with: Excel then reads the file as UTF-8.
BOM = "\ufeff".encode()
#: The widest column of a sheet, in characters.
WIDEST = 60

#: The file endings :func:`write_table` writes.
WRITE_SUFFIXES = (".csv", ".parquet", ".xlsx")
_WRITE_FORMATS = ", ".join(WRITE_SUFFIXES)


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
    """Write `frame` as one sheet (:func:`churnlab.data.xlsx.write_sheet`), its cells and
    headers neutralised, laid out by `sheet` when given."""
    table = _with_index(frame) if index else frame
    check_fits_a_sheet(table)
    layout = Layout()
    if sheet is not None:
        table, layout = _laid_out(table, sheet)
    write_sheet(neutralise_formulas(_plain_objects(table)), handle, layout)


def _laid_out(frame: pd.DataFrame, sheet: Sheet) -> tuple[pd.DataFrame, Layout]:
    """The :class:`Sheet` layout: readable headers in bold, the first row frozen, column widths
    from the first 1,000 values, the text columns as text and formats by column."""
    table = _as_text(frame, sheet.text)
    names = [str(c) for c in table.columns]
    table.columns = pd.Index([sheet.headers.get(name, name) for name in names], dtype=object)
    number_formats = _column_formats(sheet)
    layout = Layout(
        name=sheet.name,
        formats={p: number_formats[name] for p, name in enumerate(names) if name in number_formats},
        widths=_widths(table),
        bold_header=True,
        freeze_header=True,
    )
    return table, layout


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
