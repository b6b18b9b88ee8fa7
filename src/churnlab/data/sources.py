"""Naming a source for messages, and the checks every table reader shares.

A source is a path or a database URL; :func:`source_name` shows either, a URL with its password
masked (:func:`churnlab.data.sql.masked_url`). The checks name the source in their errors:
:func:`check_unique` (no column named twice), :func:`check_has_rows`, and the errors a reader
raises for a file that is empty (:func:`empty_file`) or not a table of its kind
(:func:`not_a_table`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import pandas as pd

from churnlab.data.sql import is_url, masked_url, reason
from churnlab.errors import ReadError, SchemaError

__all__ = [
    "check_has_rows",
    "check_unique",
    "clean_columns",
    "empty_file",
    "fresh_index",
    "not_a_table",
    "source_name",
]


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
    return masked_url(text) if is_url(text) else text


def fresh_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Named index levels (e.g. from a Parquet file) become columns; then a RangeIndex."""
    keep = [level for level in frame.index.names if level is not None and level not in frame]
    if keep:
        frame = frame.reset_index(level=keep)
    return frame.reset_index(drop=True)


def clean_columns(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    frame.columns = [
        column.strip() if isinstance(column, str) else column for column in frame.columns
    ]
    check_unique(frame.columns, name)
    return frame


def check_unique(names: Iterable[Any], name: str) -> None:
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


def check_has_rows(frame: pd.DataFrame, name: str) -> None:
    if len(frame) == 0:
        raise ReadError(
            "the table has a header but no rows",
            file=name,
            fix="check that you exported the data, not only the column names",
        )


def empty_file(name: str) -> ReadError:
    return ReadError(
        "the file is empty", file=name, fix="export the table again, with its header and rows"
    )


def not_a_table(name: str, kind: str, exc: BaseException | str, fix: str) -> ReadError:
    why = exc if isinstance(exc, str) else reason(exc)
    return ReadError(f"is not a readable {kind} table ({why})", file=name, fix=fix)
