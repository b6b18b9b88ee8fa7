"""Writing outputs atomically: a reader sees the old file or the whole new one, never a part.

:func:`write_table` writes CSV (UTF-8 with a byte-order mark, so that Excel shows Cyrillic),
Parquet or Excel (laid out for people by a :class:`Sheet`), :func:`write_bytes` any bytes (a
report, a JSON summary, a model), through a temporary file in the target folder
(:func:`churnlab.data.atomic.atomic_output`). In CSV and Excel files, every cell and header that a
spreadsheet would run as a formula is defused (:func:`churnlab.data.formulas.neutralise_formulas`).
Tables for databases are written by :func:`churnlab.data.sql.write_sql_table`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

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
    handle.write(BOM)
    neutralise_formulas(frame).to_csv(handle, index=index, encoding="utf-8")


def _write_parquet(
    frame: pd.DataFrame, handle: IO[bytes], index: bool, sheet: Sheet | None
) -> None:
    frame.to_parquet(handle, engine="pyarrow", index=index)


def _write_excel(frame: pd.DataFrame, handle: IO[bytes], index: bool, sheet: Sheet | None) -> None:
    if sheet is not None:
        _write_sheet(frame, handle, sheet)
    else:
        neutralise_formulas(frame).to_excel(handle, engine="openpyxl", index=index)


def _write_sheet(frame: pd.DataFrame, handle: IO[bytes], sheet: Sheet) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    table = frame.copy()
    for column in sheet.text:
        if column in table.columns:
            table[column] = [None if _missing(v) else str(v) for v in table[column]]
    formats = {c: "0.0%" for c in sheet.percent} | {
        c: f'#,##0.00 "{sheet.currency}"' if sheet.currency else "#,##0.00" for c in sheet.money
    } | {c: "@" for c in sheet.text}  # fmt: skip
    names = list(table.columns)
    table.columns = [sheet.headers.get(str(c), str(c)) for c in names]
    with pd.ExcelWriter(handle, engine="openpyxl") as book:
        neutralise_formulas(table).to_excel(book, sheet_name=sheet.name[:31], index=False)
        cells = book.sheets[sheet.name[:31]]
        cells.freeze_panes = "A2"
        for position, column in enumerate(names, start=1):
            letter = get_column_letter(position)
            cells[f"{letter}1"].font = Font(bold=True)
            values = table.iloc[:, position - 1]
            longest = max([len(str(table.columns[position - 1]))] +
                          [len(str(v)) for v in values.head(1000) if not _missing(v)])  # fmt: skip
            cells.column_dimensions[letter].width = min(WIDEST, longest + 2)
            if column in formats:
                for (cell,) in cells.iter_rows(min_row=2, min_col=position, max_col=position):
                    cell.number_format = formats[column]


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
