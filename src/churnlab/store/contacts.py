"""Staff's calls: what came of contacting a member in a month, checked before it is recorded.

A contact is a member (the id as the history knows it), a month (``YYYY-MM``), an outcome
(:data:`~churnlab.store.schema.CONTACT_OUTCOMES`) and an optional note. They come one at a time
from the dashboard (``POST /v1/members/{id}/contacts``) or as a table from clubs that log calls
elsewhere (``churnlab contacts FILE``); :func:`check_contacts` reads such a table, naming every
cell it cannot use.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from churnlab.data.validate import imported_id_column, member_key
from churnlab.errors import SchemaError, ValidationError
from churnlab.store.schema import (
    _MONTH,
    _ONE_TICK,
    CONTACT_OUTCOMES,
    _contacts,
    _of_club,
    _utcnow,
)

__all__ = [
    "CONTACT_COLUMNS",
    "CONTACT_FRAME",
    "NOTE_LONGEST",
    "check_contacts",
    "contact_rows",
    "contacts_query",
]

#: The columns of a contacts table besides the member id, as :func:`check_contacts` returns it.
CONTACT_COLUMNS = ("month", "outcome", "note")
#: The columns of :meth:`churnlab.store.Store.contacts`.
CONTACT_FRAME = ["member", "month", "outcome", "note", "created", "source", "id"]
#: The most characters of a note kept.
NOTE_LONGEST = 2000


def check_contacts(
    frame: pd.DataFrame,
    *,
    id_col: str | None = None,
    source: str | None = None,
    known_ids: Sequence[str] = (),
) -> pd.DataFrame:
    """The contacts of a table, as the history records them: ``member``, ``month``,
    ``outcome``, ``note``.

    Outcomes are compared without case or surrounding spaces (``No_Answer`` is ``no_answer``);
    a blank note is none.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per contact: the member id, ``month``, ``outcome`` and optionally ``note``.
    id_col : str, optional
        The member id column. Default: the first of `known_ids`, then
        :data:`~churnlab.data.validate.ID_COLUMNS`, that the table has.
    source : str, optional
        Where the table comes from, for messages.
    known_ids : sequence of str
        Id columns to look for first (the club's own id column).

    Raises
    ------
    SchemaError
        A needed column is missing.
    ValidationError
        A month, outcome or id cannot be used; every such cell is named.

    Examples
    --------
    >>> calls = pd.DataFrame({"member_id": ["A1", 17], "month": ["2024-06", "2024-06"],
    ...                       "outcome": ["Reached", " no_answer "], "note": ["booked", ""]})
    >>> check_contacts(calls)
      member    month    outcome    note
    0     A1  2024-06    reached  booked
    1     17  2024-06  no_answer    None
    """
    column = imported_id_column(frame, id_col, source, known_ids, what="contacts")
    missing = [c for c in ("month", "outcome") if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"the contacts lack the column{'s' if len(missing) > 1 else ''} "
            + ", ".join(map(repr, missing)),
            file=source,
            column=missing[0],
            fix="give one row per contact with the columns member id, month (YYYY-MM), "
            f"outcome ({', '.join(CONTACT_OUTCOMES)}) and optionally note",
        )
    failures: list[dict[str, object]] = []
    members = []
    for row, value in enumerate(frame[column].tolist()):
        key = member_key(value)
        if key is None:
            failures.append(_failure(row, column, value, "the member id is missing"))
        members.append(key or "")
    months = [str(v).strip() for v in frame["month"].tolist()]
    for row, (value, month) in enumerate(zip(frame["month"].tolist(), months, strict=True)):
        if not _MONTH.fullmatch(month):
            failures.append(_failure(row, "month", value, "must be a month as YYYY-MM"))
    outcomes = [str(v).strip().lower() for v in frame["outcome"].tolist()]
    for row, (value, outcome) in enumerate(zip(frame["outcome"].tolist(), outcomes, strict=True)):
        if outcome not in CONTACT_OUTCOMES:
            failures.append(
                _failure(row, "outcome", value, f"must be one of {', '.join(CONTACT_OUTCOMES)}")
            )
    if failures:
        raise ValidationError(
            pd.DataFrame(failures).sort_values("row", kind="stable"),
            file=source,
            fix="correct these rows and import the file again (nothing was recorded)",
        )
    notes = frame["note"].tolist() if "note" in frame.columns else [None] * len(frame)
    return pd.DataFrame(
        {
            "member": members,
            "month": months,
            "outcome": outcomes,
            "note": pd.Series([_note(v) for v in notes], dtype=object),
        }
    )


def _note(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text[:NOTE_LONGEST] or None


def _failure(row: int, column: str, value: object, reason: str) -> dict[str, object]:
    return {"row": row, "column": column, "value": value, "reason": reason}


def contact_rows(contacts: pd.DataFrame, *, club: str | None, source: str) -> list[dict[str, Any]]:
    """The rows of the ``contacts`` table for checked contacts (:func:`check_contacts`)."""
    created = _utcnow()
    return [
        {
            "id": uuid.uuid4().hex,
            "created": created + position * _ONE_TICK,  # in the table's order
            "club": club,
            "member": str(member),
            "month": str(month),
            "outcome": str(outcome),
            "note": _note(note),
            "source": source,
        }
        for position, (member, month, outcome, note) in enumerate(zip(
            contacts["member"], contacts["month"], contacts["outcome"], contacts["note"],
            strict=True,
        ))
    ]  # fmt: skip


def contacts_query(club: str | None, member: str | None, month: str | None) -> sa.Select[Any]:
    """The club's contacts, of one member and/or month when given, oldest first."""
    query = sa.select(*(_contacts.c[name] for name in CONTACT_FRAME)).where(
        _of_club(_contacts, club)
    )
    if member is not None:
        query = query.where(_contacts.c.member == str(member))
    if month is not None:
        query = query.where(_contacts.c.month == month)
    return query.order_by(_contacts.c.created, _contacts.c.id)
