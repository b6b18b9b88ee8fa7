"""Writing outputs atomically: a reader sees the old file or the whole new one, never a part.

:func:`write_table` writes CSV (UTF-8), Parquet or Excel, :func:`write_bytes` any bytes (a
report, a JSON summary, a model), through a temporary file in the target folder
(:func:`churnlab.data.atomic.atomic_output`). In CSV and Excel files, every cell and header that a
spreadsheet would run as a formula is defused (:func:`churnlab.data.formulas.neutralise_formulas`).
Tables for databases are written by :func:`churnlab.data.sql.write_sql_table`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd

from churnlab.data.atomic import atomic_output, cannot_write
from churnlab.data.formulas import neutralise_formulas
from churnlab.errors import UsageError

__all__ = ["WRITE_SUFFIXES", "write_bytes", "write_table"]

#: The file endings :func:`write_table` writes.
WRITE_SUFFIXES = (".csv", ".parquet", ".xlsx")
_WRITE_FORMATS = ", ".join(WRITE_SUFFIXES)


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
        open: their text cells and headers are neutralised
        (:func:`~churnlab.data.formulas.neutralise_formulas`).
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
