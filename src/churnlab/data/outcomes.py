"""What became of last month's members, as a club exports it: a member id and whether they left.

`churnlab month --outcomes FILE` reads such a file to override or complete what the snapshots
say (a member absent from this month's snapshot left during last month). :func:`read_outcomes`
finds the two columns, reads the labels the way a target column is read (``1``/``0``,
``yes``/``no``, ``left``/``stayed``, ``cancelled``, ``ушёл`` ... or the model's own target
labels) and names every row it cannot use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from churnlab.data.infer import label_means_left
from churnlab.data.validate import imported_id_column, member_key
from churnlab.errors import SchemaError, ValidationError

__all__ = ["OUTCOME_COLUMNS", "read_outcomes"]

#: The columns looked for, after the model's target column, that say whether a member left.
OUTCOME_COLUMNS = ("left", "churn", "churned", "outcome", "status")


def read_outcomes(
    frame: pd.DataFrame,
    *,
    id_col: str | None = None,
    known_ids: Sequence[str] = (),
    target_col: str | None = None,
    positive: Any = None,
    source: str | None = None,
) -> pd.DataFrame:
    """The outcomes of a table: one row per member, ``row`` (in the file), ``member`` (the
    history's key) and ``left`` (bool).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per member: an id and whether they left.
    id_col : str, optional
        The id column (``--id``). Default: the first of `known_ids`, then ``member``,
        ``member_id``, ``id``, that the table has.
    known_ids : sequence of str
        The club's own id columns, looked for first.
    target_col : str, optional
        The model's target column, looked for before :data:`OUTCOME_COLUMNS` (names compare
        without case).
    positive : optional
        The model's label for "left"; other labels are read by their words.
    source : str, optional
        The file's name, for messages.

    Raises
    ------
    SchemaError
        No id column, or no outcome column.
    ValidationError
        Ids missing or repeated, or labels that say neither left nor stayed; every such row is
        named.

    Examples
    --------
    >>> export = pd.DataFrame({"member_id": ["A1", "B2", 17.0],
    ...                        "status": ["Cancelled", "active", "cancelled"]})
    >>> read_outcomes(export)
       row member   left
    0    0     A1   True
    1    1     B2  False
    2    2     17   True
    """
    id_name = imported_id_column(frame, id_col, source, known_ids, what="outcomes")
    label_name = _outcome_column(frame, target_col, id_name, source)
    failures: list[dict[str, Any]] = []
    members = [member_key(v) for v in frame[id_name].tolist()]
    seen: dict[str, int] = {}
    for row, (value, key) in enumerate(zip(frame[id_name].tolist(), members, strict=True)):
        if key is None:
            failures.append(_failure(row, id_name, value, "the member id is missing"))
        elif key in seen:
            failures.append(
                _failure(row, id_name, value, f"the member is repeated (also in row {seen[key]})")
            )
        else:
            seen[key] = row
    left = []
    labels = frame[label_name].tolist()
    stayed = _the_other_label(labels, positive)
    for row, value in enumerate(labels):
        means = _means_left(value, positive, stayed)
        if means is None:
            failures.append(
                _failure(row, label_name, value, "says neither that the member left nor stayed")
            )
        left.append(bool(means))
    if failures:
        raise ValidationError(
            pd.DataFrame(failures).sort_values("row", kind="stable"),
            file=source,
            fix="give one row per member with an id and left/stayed (1/0, yes/no); correct "
            "these rows and run again (nothing was written)",
        )
    return pd.DataFrame({"row": range(len(frame)), "member": members, "left": left})


def _the_other_label(labels: list[Any], positive: Any) -> str | None:
    """With the model's label for "left" among exactly two labels, the other one: "stayed"."""
    keys = {_key(v) for v in labels} - {None}
    if positive is None or _key(positive) not in keys or len(keys) != 2:
        return None
    (other,) = keys - {_key(positive)}
    return other


def _means_left(value: Any, positive: Any, stayed: str | None) -> bool | None:
    key = _key(value)
    if key is None:
        return None
    if positive is not None and key == _key(positive):
        return True
    if key == stayed:
        return False
    return label_means_left(value)


def _key(value: Any) -> str | None:
    key = member_key(value)
    return None if key is None else key.lower()


def _outcome_column(
    frame: pd.DataFrame, target_col: str | None, id_name: str, source: str | None
) -> str:
    by_lower = {str(c).lower(): c for c in frame.columns if c != id_name}
    for name in (*([target_col] if target_col else []), *OUTCOME_COLUMNS):
        if name.lower() in by_lower:
            return str(by_lower[name.lower()])
    wanted = ", ".join(repr(n) for n in (*([target_col] if target_col else []), *OUTCOME_COLUMNS))
    raise SchemaError(
        "the outcomes have no column that says whether a member left",
        file=source,
        fix=f"name it one of {wanted} (values such as 1/0, yes/no, left/stayed)",
    )


def _failure(row: int, column: str, value: object, reason: str) -> dict[str, object]:
    return {"row": row, "column": column, "value": value, "reason": reason}
