"""Column names as people read them: words instead of identifiers, and no name too long to show.

Machine outputs (CSV, Parquet, ``summary.json``'s ``feature`` fields) keep a column's name as it
is; every text for people (the report, reasons, portraits, messages) goes through these.
"""

from __future__ import annotations

import re

# How much of a name is shown belongs to the ground floor, where the error messages are made.
from churnlab.errors import LONGEST, shorten

__all__ = ["LONGEST", "humanise", "shorten"]

_LOWER_UPPER = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")  # activeMember -> active Member
_ACRONYM_WORD = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z])")  # HTTPServer -> HTTP Server
_SEPARATORS = re.compile(r"[\s_\-.]+")


def humanise(name: object) -> str:
    """A column name in words: camelCase and underscores split, lower-case, not too long.

    Examples
    --------
    >>> [humanise(n) for n in ["IsActiveMember", "Total_Trans_Amt", "customerID", "tenure"]]
    ['is active member', 'total trans amt', 'customer id', 'tenure']
    >>> humanise("HTTPServer_errors"), humanise("Q4Revenue"), humanise(7)
    ('http server errors', 'q4 revenue', '7')
    """
    text = str(name)
    words = _ACRONYM_WORD.sub(" ", _LOWER_UPPER.sub(" ", text))
    spoken = _SEPARATORS.sub(" ", words).strip().lower()
    return shorten(spoken or text)
