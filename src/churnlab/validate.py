"""Checks at the boundary: every input row comes out either clean or rejected with its reasons.

:func:`check_members` coerces each feature to its kind (numbers stored as text become numbers,
blanks become missing) and finds impossible values. Training refuses a table with any
(:func:`check_training_table` raises); scoring sets those rows aside with their reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from churnlab.errors import SchemaError, ValidationError
from churnlab.spec import DatasetSpec, FeatureSpec, encode_target, parse_numbers

__all__ = ["CheckedMembers", "check_members", "check_training_table", "require_columns"]

REJECT_COLUMNS = ["row", "column", "value", "reason"]


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
    frame: pd.DataFrame, columns: list[str], *, source: str | None = None, what: str = "the model"
) -> None:
    """Raise :class:`SchemaError` naming every column of ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise SchemaError(
            f"{len(missing)} column{'s' if len(missing) > 1 else ''} that {what} needs "
            f"{'are' if len(missing) > 1 else 'is'} missing: {names}",
            file=source,
            column=missing[0],
            fix=f"add or rename {'them' if len(missing) > 1 else 'it'}; the table has: "
            + ", ".join(map(str, frame.columns)),
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
        A feature column (or the target, with ``with_target``) is missing.

    Examples
    --------
    >>> from churnlab.spec import gym_spec
    >>> from churnlab.datasets import load_gym_churn
    >>> frame = load_gym_churn().head(3)
    >>> frame.loc[1, "Age"] = -4
    >>> checked = check_members(frame, gym_spec())
    >>> list(checked.members.index), checked.rejects[["row", "column", "reason"]].values.tolist()
    ([0, 2], [[1, 'Age', 'below the minimum 10']])
    """
    needed = spec.feature_names + ([spec.target_col] if with_target else [])
    require_columns(frame, needed, source=source)
    positions = pd.RangeIndex(len(frame))
    coerced: dict[str, pd.Series] = {}
    failures: list[pd.DataFrame] = []
    for feature in spec.features:
        column = frame[feature.name].set_axis(positions)
        values, problems = _coerce(column, feature)
        coerced[feature.name] = values
        failures += [_failures(column, mask, feature.name, reason) for reason, mask in problems]
    if with_target:
        target = encode_target(frame[spec.target_col].set_axis(positions), spec.positive_label)
        coerced[spec.target_col] = target
        failures.append(
            _failures(
                frame[spec.target_col].set_axis(positions),
                target.isna(),
                spec.target_col,
                "the target is missing",
            )
        )
    id_col = id_col or (spec.id_col if spec.id_col in frame.columns else None)
    if id_col is not None:
        coerced[id_col] = frame[id_col].set_axis(positions)
    table = pd.DataFrame(coerced, index=positions)
    failed = pd.concat(failures, ignore_index=True) if failures else _no_failures()
    failed = failed.sort_values(["row"], kind="stable", ignore_index=True)
    bad_rows = failed["row"].unique()
    rejects = _rejects(failed, table, id_col)
    members = table.drop(index=bad_rows) if len(bad_rows) else table
    return CheckedMembers(members=members, rejects=rejects, failures=failed)


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


def _coerce(
    column: pd.Series, feature: FeatureSpec
) -> tuple[pd.Series, list[tuple[str, pd.Series]]]:
    if feature.kind == "categorical":
        text = column.astype("string").str.strip().replace("", pd.NA)
        return pd.Series(text.to_numpy(dtype=object, na_value=np.nan), index=column.index), []
    numbers, not_numbers = parse_numbers(column)
    problems: list[tuple[str, pd.Series]] = [("not a number", not_numbers)]
    infinite = np.isinf(numbers)
    finite = numbers.notna() & ~infinite
    problems.append(("not a finite number", infinite))
    if feature.kind == "binary":
        problems.append(("must be 0 or 1", finite & ~numbers.isin([0.0, 1.0])))
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
            whole = np.mod(numbers.where(finite, 0.0), 1) == 0
            problems.append(("not a whole number", finite & ~whole))
    return numbers, [(reason, mask) for reason, mask in problems if mask.any()]


def _failures(column: pd.Series, mask: pd.Series, name: str, reason: str) -> pd.DataFrame:
    rows = np.flatnonzero(mask.to_numpy())
    return pd.DataFrame(
        {
            "row": rows,
            "column": name,
            "value": column.iloc[rows].to_numpy(dtype=object),
            "reason": reason,
        }
    )


def _no_failures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.Series(dtype=int),
            "column": pd.Series(dtype=object),
            "value": pd.Series(dtype=object),
            "reason": pd.Series(dtype=object),
        }
    )


def _rejects(failed: pd.DataFrame, table: pd.DataFrame, id_col: str | None) -> pd.DataFrame:
    columns = [
        "row",
        *([id_col] if id_col is not None else []),
        "column",
        "value",
        "reason",
    ]
    if failed.empty:
        return pd.DataFrame({c: pd.Series(dtype=int if c == "row" else object) for c in columns})
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
