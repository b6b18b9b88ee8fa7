"""Checks at the boundary: every input row comes out either clean or rejected with its reasons.

:func:`check_members` coerces each feature to its kind (numbers stored as text become numbers,
blanks become missing) and finds impossible values. Training refuses a table with any
(:func:`check_training_table` raises); scoring sets those rows aside with their reasons.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from churnlab.data.feature import FeatureSpec, parse_numbers
from churnlab.data.infer import bytes_error, encode_target, holds_bytes
from churnlab.data.spec import DatasetSpec
from churnlab.errors import SchemaError, ValidationError

__all__ = [
    "CheckedMembers",
    "check_columns",
    "check_members",
    "check_training_table",
    "coerce_members",
    "failures_table",
    "reject_rows",
    "require_columns",
]

REJECT_COLUMNS = ["row", "column", "value", "reason"]

#: ``frame.attrs`` key under which a reader leaves the rows it found malformed (a CSV row with
#: fewer fields than the header): ``{"rows": len(frame), "row": [...], "column": [...],
#: "value": [...], "reason": [...]}``. :func:`check_members` counts them as failing cells.
READ_FAILURES = "churnlab.read_failures"


@dataclass(frozen=True)
class CheckedMembers:
    """The outcome of :func:`check_members`.

    Attributes
    ----------
    members : pandas.DataFrame
        The rows that can be used, features coerced to their kind, indexed by input row position.
    rejects : pandas.DataFrame
        One line per rejected input row: ``row``, the id column when there is one, ``column``,
        ``value`` and ``reason`` (several problems in one row are joined with ``"; "``).
    failures : pandas.DataFrame
        One line per failing cell: ``row``, ``column``, ``value``, ``reason``.
    """

    members: pd.DataFrame
    rejects: pd.DataFrame
    failures: pd.DataFrame


def require_columns(
    frame: pd.DataFrame | Collection[str],
    columns: list[str],
    *,
    source: str | None = None,
    what: str = "the model",
) -> None:
    """Raise :class:`SchemaError` naming every column of ``columns`` that ``frame`` (a table,
    or the names it has) lacks."""
    available = list(frame.columns) if isinstance(frame, pd.DataFrame) else list(frame)
    missing = [c for c in columns if c not in available]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise SchemaError(
            f"{len(missing)} column{'s' if len(missing) > 1 else ''} that {what} needs "
            f"{'are' if len(missing) > 1 else 'is'} missing: {names}",
            file=source,
            column=missing[0],
            fix=f"add or rename {'them' if len(missing) > 1 else 'it'}; the table has: "
            + ", ".join(map(str, available)),
        )


def check_members(
    frame: pd.DataFrame,
    spec: DatasetSpec,
    *,
    source: str | None = None,
    with_target: bool = False,
    id_col: str | None = None,
) -> CheckedMembers:
    """Coerce the features of ``frame`` to their kinds and set aside rows with impossible values.

    Parameters
    ----------
    frame : pandas.DataFrame
        The members, one per row; extra columns are ignored.
    spec : DatasetSpec
        What the columns mean and which values are possible.
    source : str, optional
        The file the rows come from, for messages.
    with_target : bool
        Also check the target column: a row without a known outcome is rejected.
    id_col : str, optional
        The member id column to carry into ``rejects`` (default: the spec's, when present).

    Returns
    -------
    CheckedMembers

    Raises
    ------
    SchemaError
        A feature column (or the target, with ``with_target``) is missing, or a feature or the
        id holds raw bytes.

    Examples
    --------
    >>> from churnlab.data.spec import gym_spec
    >>> from churnlab.data.datasets import load_gym_churn
    >>> frame = load_gym_churn().head(3)
    >>> frame.loc[1, "Age"] = -4
    >>> checked = check_members(frame, gym_spec())
    >>> list(checked.members.index), checked.rejects[["row", "column", "reason"]].values.tolist()
    ([0, 2], [[1, 'Age', 'below the minimum 10']])
    """
    needed = spec.feature_names + ([spec.target_col] if with_target else [])
    require_columns(frame, needed, source=source)
    id_col = id_col or (spec.id_col if spec.id_col in frame.columns else None)
    for name in [*spec.feature_names, *([id_col] if id_col is not None else [])]:
        if holds_bytes(frame[name]):
            raise bytes_error(name, source, "the model" if name != id_col else "--id")
    positions = pd.RangeIndex(len(frame))
    coerced, failures = check_columns({f: frame[f].to_numpy() for f in spec.feature_names}, spec)
    failures += _read_failures(frame)
    if with_target:
        raw_target = frame[spec.target_col].set_axis(positions)
        target = encode_target(raw_target, spec.positive_label)
        coerced[spec.target_col] = target
        if target.isna().any():
            failures.append(
                _failures(
                    raw_target.to_numpy(),
                    target.isna().to_numpy(),
                    spec.target_col,
                    "the target is missing",
                )
            )
    if id_col is not None:
        coerced[id_col] = frame[id_col].to_numpy()
    table = pd.DataFrame(coerced, index=positions)
    failed = failures_table(failures)
    rejects = reject_rows(failed, table, id_col)
    if failed.empty:
        return CheckedMembers(members=table, rejects=rejects, failures=failed)
    return CheckedMembers(
        members=table.drop(index=failed["row"].unique()), rejects=rejects, failures=failed
    )


def failures_table(failures: list[pd.DataFrame]) -> pd.DataFrame:
    """The failing cells found by :func:`check_columns` as one table, by row."""
    if not failures:
        return _no_failures()
    failed = pd.concat(failures, ignore_index=True)
    return failed.sort_values(["row"], kind="stable", ignore_index=True)


def check_columns(
    columns: Mapping[str, np.ndarray], spec: DatasetSpec
) -> tuple[dict[str, Any], list[pd.DataFrame]]:
    """The core of :func:`check_members`, on arrays: each feature coerced to its kind, and the
    failing cells (``row``, ``column``, ``value``, ``reason`` frames; none when all is well).

    Examples
    --------
    >>> from churnlab.data.feature import FeatureSpec
    >>> from churnlab.data.spec import DatasetSpec
    >>> spec = DatasetSpec("left", 1, (FeatureSpec("visits", "numeric", 0, None),))
    >>> values, failures = check_columns({"visits": np.array([2, -1, None], dtype=object)}, spec)
    >>> values["visits"].tolist(), failures[0][["row", "reason"]].values.tolist()
    ([2.0, -1.0, nan], [[1, 'below the minimum 0']])
    """
    coerced: dict[str, Any] = {}
    failures: list[pd.DataFrame] = []
    for feature in spec.features:
        raw = np.asarray(columns[feature.name])
        values, problems = _coerce(raw, feature)
        coerced[feature.name] = values
        failures += [_failures(raw, mask, feature.name, reason) for reason, mask in problems]
    return coerced, failures


def check_training_table(
    frame: pd.DataFrame, spec: DatasetSpec, *, source: str | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """The features and the 0/1 target of a training table; any impossible value is an error.

    Raises
    ------
    ValidationError
        With every failing cell (row, column, value, reason).
    """
    checked = check_members(frame, spec, source=source, with_target=True)
    if len(checked.failures):
        raise ValidationError(checked.failures, file=source)
    members = checked.members
    return members[spec.feature_names], members[spec.target_col].astype(int)


def coerce_members(
    X: pd.DataFrame | Mapping[str, Any],
    spec: DatasetSpec,
    *,
    strict: bool = True,
    what: str = "the model",
) -> pd.DataFrame:
    """The spec's features of ``X``, in its order, each coerced to its kind: the one coercion
    every path uses (training, scoring, the API, Dask, segments).

    Text is stripped and a blank is missing; numbers stored as text are read; a binary's words
    become 0 and 1. Unlike :func:`check_members` no range is checked, so this is fast.

    Parameters
    ----------
    X : pandas.DataFrame or mapping of str to array
        The members; other columns are ignored.
    spec : DatasetSpec
    strict : bool
        Raise :class:`SchemaError` for a value that is not of its column's kind (text in a
        number column); otherwise it becomes missing.
    what : str
        Who needs the columns, for the message when some are missing (``"segmenting"``).

    Examples
    --------
    >>> from churnlab.data.feature import FeatureSpec
    >>> spec = DatasetSpec("left", 1, (FeatureSpec("plan", "categorical"),
    ...                                FeatureSpec("visits", "numeric", 0, None)))
    >>> coerce_members(pd.DataFrame({"plan": [" gold ", " "], "visits": ["2", 3]}), spec)
       plan  visits
    0  gold     2.0
    1   NaN     3.0
    """
    require_columns(X if isinstance(X, pd.DataFrame) else list(X), spec.feature_names, what=what)
    columns = {}
    for feature in spec.features:
        values, wrong = _as_kind(_array(X[feature.name]), feature)
        if strict and wrong is not None and wrong[1].any():
            rows = np.flatnonzero(wrong[1]).tolist()
            wanted = "a number" if feature.values is None else " or ".join(feature.values)
            raise SchemaError(
                f"holds text that is not {wanted} ({_array(X[feature.name])[rows[0]]!r})",
                column=feature.name,
                rows=rows,
                fix="score through churnlab.score_members, which sets such rows aside",
            )
        columns[feature.name] = values
    index = X.index if isinstance(X, pd.DataFrame) else None
    return pd.DataFrame(columns, index=index)


def _array(column: Any) -> np.ndarray:
    return column.to_numpy() if isinstance(column, pd.Series) else np.asarray(column)


def _coerce(
    raw: np.ndarray, feature: FeatureSpec
) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
    """The column as its kind (float numbers, or text with blanks missing) and its problems."""
    values, wrong = _as_kind(raw, feature)
    problems = ([wrong] if wrong is not None else []) + _impossible(values, feature)
    return values, [(reason, mask) for reason, mask in problems if mask.any()]


def _as_kind(
    raw: np.ndarray, feature: FeatureSpec
) -> tuple[np.ndarray, tuple[str, np.ndarray] | None]:
    """The column as its kind, and the cells that are not of it with the reason (if any can
    fail: a category never does)."""
    if feature.kind == "categorical":
        text = pd.Series(raw, dtype=object).astype("string").str.strip().replace("", pd.NA)
        return text.to_numpy(dtype=object, na_value=np.nan), None
    if feature.values is not None:  # a binary feature held as text: "No"/"Yes" -> 0/1
        column = pd.Series(raw, dtype=None if raw.dtype.kind in "biuf" else object)
        codes, other = feature.numbers(column)
        wanted = f"must be {feature.values[0]} or {feature.values[1]}"
        return codes.to_numpy(dtype=float), (wanted, other.to_numpy(dtype=bool))
    numbers = _as_numbers(raw)
    if numbers is None:  # text among the numbers: parse it, and flag what is not a number
        parsed, not_numbers = parse_numbers(pd.Series(raw, dtype=object))
        return parsed.to_numpy(dtype=float), ("not a number", not_numbers.to_numpy(dtype=bool))
    return numbers, None


def _impossible(numbers: np.ndarray, feature: FeatureSpec) -> list[tuple[str, np.ndarray]]:
    """The impossible values of a number column: infinite, outside the range, not whole."""
    if feature.kind == "categorical" or feature.values is not None:
        return []
    problems: list[tuple[str, np.ndarray]] = []
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(numbers)
        problems.append(("not a finite number", np.isinf(numbers)))
        if feature.kind == "binary":
            problems.append(("must be 0 or 1", finite & (numbers != 0.0) & (numbers != 1.0)))
        else:
            if feature.min is not None:
                problems.append(
                    (f"below the minimum {_number(feature.min)}", finite & (numbers < feature.min))
                )
            if feature.max is not None:
                problems.append(
                    (f"above the maximum {_number(feature.max)}", finite & (numbers > feature.max))
                )
            if feature.integer:
                problems.append(("not a whole number", finite & (np.floor(numbers) != numbers)))
    return problems


def _as_numbers(raw: np.ndarray) -> np.ndarray | None:
    """``raw`` as floats when it holds only numbers and gaps (None, NaN, NA), else None."""
    if raw.dtype.kind in "biuf":
        return raw.astype(float)
    if raw.dtype != object:
        return None
    if not all(isinstance(v, int | float) or v is None or v is pd.NA for v in raw):
        return None  # text (parsed by parse_numbers, which knows blanks and spaces)
    return np.array([_as_float(v) for v in raw], dtype=float)


def _as_float(value: Any) -> float:
    """A number or gap as a float; an integer too large for one is infinite, so the check
    names it as not a finite number (its own value is what the failure shows)."""
    if value is None or value is pd.NA:
        return np.nan
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _read_failures(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """The rows the reader found malformed (:data:`READ_FAILURES`), if ``frame`` is the table
    it read (not a part of it)."""
    found = frame.attrs.get(READ_FAILURES)
    if not isinstance(found, dict) or found.get("rows") != len(frame) or not found.get("row"):
        return []
    return [pd.DataFrame({column: found[column] for column in REJECT_COLUMNS})]


def _failures(raw: np.ndarray, mask: np.ndarray, name: str, reason: str) -> pd.DataFrame:
    rows = np.flatnonzero(mask)
    return pd.DataFrame(
        {
            "row": rows,
            "column": name,
            "value": np.asarray(raw, dtype=object)[rows],
            "reason": reason,
        }
    )


def _no_failures() -> pd.DataFrame:
    return _empty({"row": int, "column": object, "value": object, "reason": object})


def _empty(dtypes: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({name: np.empty(0, dtype=dtype) for name, dtype in dtypes.items()})


def reject_rows(failed: pd.DataFrame, table: pd.DataFrame, id_col: str | None) -> pd.DataFrame:
    """One line per rejected row from the failing cells: their columns, values and reasons
    joined by ``"; "``, with the member id from ``table`` when ``id_col`` is given."""
    columns = [
        "row",
        *([id_col] if id_col is not None else []),
        "column",
        "value",
        "reason",
    ]
    if failed.empty:
        return _empty({c: int if c == "row" else object for c in columns})
    text = failed.assign(value=failed["value"].map(_show))
    joined = text.groupby("row", sort=True)[["column", "value", "reason"]].agg("; ".join)
    joined = joined.reset_index()
    if id_col is not None:
        joined.insert(1, id_col, table[id_col].iloc[joined["row"]].to_numpy())
    return joined[columns]


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def member_key(value: Any) -> str | None:
    """A member id as the history keys it: text without surrounding spaces, ``12`` (not
    ``12.0``) for whole numbers; None when missing or blank.

    Examples
    --------
    >>> [member_key(v) for v in [12.0, " A7 ", "", None, float("nan"), 3]]
    ['12', 'A7', None, None, None, '3']
    """
    if value is None or (not isinstance(value, str) and _is_missing(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # array-like values
        return False


def given_id_column(frame: pd.DataFrame, name: str, source: str | None) -> str:
    """The member id column named with ``--id``, checked: a :class:`SchemaError` listing the
    table's columns when it has none of that name."""
    if name not in frame.columns:
        raise SchemaError(
            f"no member id column {name!r}",
            file=source,
            column=name,
            fix="the columns are: " + ", ".join(map(str, frame.columns)),
        )
    return name


#: Names of the member id column looked for in an imported file (contacts, outcomes) when none
#: is given, after the club's own.
ID_COLUMNS = ("member", "member_id", "id")


def imported_id_column(
    frame: pd.DataFrame,
    given: str | None,
    source: str | None,
    known: Sequence[str] = (),
    *,
    what: str = "table",
) -> str:
    """The member id column of an imported file (`what`: "contacts", "outcomes"): `given`
    (``--id``), else the first of `known`, then :data:`ID_COLUMNS`, that the table has.

    Raises
    ------
    SchemaError
        There is none.
    """
    if given is not None:
        return given_id_column(frame, given, source)
    for name in (*known, *ID_COLUMNS):
        if name in frame.columns:
            return name
    raise SchemaError(
        f"the {what} have no member id column",
        file=source,
        fix=f"name it {' or '.join(map(repr, (*known, *ID_COLUMNS)))}, or give it with --id",
    )
