"""Errors a user can cause, and how they are told.

Every error a user can fix is a :class:`ChurnlabError`. Its message names the file, the column, the
rows and the fix, so the command-line tool can print it as it is (no traceback) and exit
with code 2.
Anything else that escapes is a bug.

The tree::

    ChurnlabError
    ├── UsageError          an option or argument that cannot work (unknown format, missing value)
    │   └── MissingPartError an optional part is not installed (churnlab[service], [dask] ...)
    ├── DataError           the input data cannot be used as it is
    │   ├── ReadError       the source cannot be read as a table (missing, empty, not a table)
    │   ├── SchemaError     a column is missing, or the target cannot be used
    │   └── ValidationError values that are impossible (a negative age); carries every failing cell
    └── ModelFileError      a model file that is not a churnlab model, is damaged, or is too new

Rows are counted from 0, the header excluded, as in the ``row`` column of every churnlab output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = [
    "ChurnlabError",
    "DataError",
    "MissingPartError",
    "ModelFileError",
    "ReadError",
    "SchemaError",
    "UsageError",
    "ValidationError",
]

_MAX_ROWS_SHOWN = 5

#: The most characters of a name shown in a message, a chart or a sentence.
LONGEST = 60


def shorten(text: object, limit: int = LONGEST) -> str:
    """``text`` if it is at most ``limit`` characters, else its start and end around "…".

    Examples
    --------
    >>> shorten("a" * 100)
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…aaaaaaaaaaaaaa'
    >>> len(shorten("a" * 100)), shorten("short")
    (60, 'short')
    """
    text = str(text)
    if len(text) <= limit:
        return text
    tail = (limit - 1) // 4
    return text[: limit - 1 - tail] + "…" + text[len(text) - tail :]


def _format_rows(rows: Sequence[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:_MAX_ROWS_SHOWN])
    more = len(rows) - _MAX_ROWS_SHOWN
    word = "row" if len(rows) == 1 else "rows"
    return f"{word} {shown}" + (f" (and {more} more)" if more > 0 else "")


class ChurnlabError(Exception):
    """Base of every error a user can fix.

    Parameters
    ----------
    problem : str
        What is wrong, in one sentence.
    file : str, optional
        The file or source the problem is in.
    column : str, optional
        The column the problem is in.
    rows : sequence of int, optional
        The 0-based data rows the problem is in.
    fix : str, optional
        What the user can do about it.

    Examples
    --------
    >>> print(ChurnlabError("Age is negative", file="members.csv", column="Age", rows=[3],
    ...                     fix="correct the age"))
    members.csv: column 'Age', row 3: Age is negative
      fix: correct the age
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        column: str | None = None,
        rows: Sequence[int] | None = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = None if file is None else str(file)
        self.column = column
        self.rows = list(rows) if rows is not None else []
        self.fix = fix
        super().__init__(self.message)

    @property
    def where(self) -> str:
        """``file: column 'X', rows 1, 2`` — whichever of the three are known."""
        parts = []
        if self.column is not None:
            parts.append(f"column {shorten(self.column)!r}")
        if self.rows:
            parts.append(_format_rows(self.rows))
        place = ", ".join(parts)
        if self.file:
            return f"{self.file}: {place}" if place else self.file
        return place

    @property
    def message(self) -> str:
        where = self.where
        text = f"{where}: {self.problem}" if where else self.problem
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text

    def __str__(self) -> str:
        return self.message


class UsageError(ChurnlabError):
    """An option or argument that cannot work."""


class MissingPartError(UsageError, ImportError):
    """An optional part of churnlab (:mod:`churnlab.extras`) that is not installed; an
    ``ImportError`` too, so code that guards an import catches it."""


class DataError(ChurnlabError):
    """The input data cannot be used as it is."""


class ReadError(DataError):
    """The source cannot be read as a table."""


class SchemaError(DataError):
    """A column is missing, or the target column cannot be used."""


class ValidationError(DataError):
    """Impossible values, with every failing cell.

    Parameters
    ----------
    failures : pandas.DataFrame
        One row per failing cell, with columns ``row``, ``column``, ``value`` and ``reason``.
    file : str, optional
        The file the values come from.
    fix : str, optional
        What the user can do about it.
    """

    def __init__(
        self, failures: pd.DataFrame, *, file: str | None = None, fix: str | None = None
    ) -> None:
        self.failures = failures.reset_index(drop=True)
        lines = []
        for (column, reason), group in self.failures.groupby(["column", "reason"], sort=False):
            values = ", ".join(_show(v) for v in group["value"].head(3))
            lines.append(
                f"column {column!r}, {_format_rows(group['row'].tolist())}: {reason} "
                f"(found {values})"
            )
        n = self.failures["row"].nunique()
        problem = f"{n} row{'s' if n != 1 else ''} with impossible values:\n  " + "\n  ".join(lines)
        first = self.failures.iloc[0]
        super().__init__(
            problem,
            file=file,
            fix=fix or "correct or remove these rows and run again",
        )
        self.column = str(first["column"])
        self.rows = sorted(set(self.failures["row"].tolist()))

    @property
    def message(self) -> str:
        head = f"{self.file}: " if self.file else ""
        text = head + self.problem
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class ModelFileError(ChurnlabError):
    """A model file that is not a churnlab model, is damaged, or was written by a newer version."""


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return repr(value) if isinstance(value, str) else str(value)
