"""Defusing spreadsheet formulas in the tables churnlab writes for people to open.

A cell or header that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
by a spreadsheet as a formula (CSV injection); :func:`neutralise_formulas` (pandas) and
:func:`neutralise_arrow_formulas` (Arrow, for the streaming scorer) prefix it with ``'``, as
OWASP advises. :func:`churnlab.data.write.write_table` applies it to every CSV and XLSX file.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pyarrow as pa

__all__ = ["neutralise_arrow_formulas", "neutralise_formulas"]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = "^[=+\\-@\t\r]"
# a signed plain number ("-5", "+1.5e3") starts like a formula but a spreadsheet reads a number
_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy in which no text cell and no header can run as a spreadsheet formula.

    Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    ``'``, as OWASP advises against CSV injection; so do column names. Numbers are left alone,
    so a negative number stays a number, and so is text that is only a signed number (``-5``,
    which a spreadsheet reads as the number); only text (object, string and categorical)
    columns are changed. :func:`~churnlab.data.write.write_table` applies it to every CSV and
    XLSX it writes.

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
