"""Inferring what a member table means (:func:`infer_spec`), and the target as 0 and 1.

:func:`infer_spec` finds the label that means "left", the member id, each feature's kind and
range, and sets aside what a model should not learn from (identifiers, row numbers, dates, free
text, raw bytes, leakage), saying why. Columns named as the club's keep the club's definitions
when their values fit them (:mod:`churnlab.data.club`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from churnlab.data.club import GYM_COLUMNS, UnlikeClub, unlike_club_reason
from churnlab.data.feature import YES_WORDS, FeatureSpec, Role, parse_numbers
from churnlab.data.spec import DatasetSpec, SetAside, _jsonable
from churnlab.errors import SchemaError

__all__ = [
    "FREE_TEXT_SHARE",
    "LEAKAGE_AUC",
    "MAX_CATEGORIES",
    "bytes_error",
    "encode_target",
    "find_member_id",
    "holds_bytes",
    "infer_spec",
]

#: A single feature whose own ranking of the members reaches this ROC-AUC is reported as leakage.
LEAKAGE_AUC = 0.99
#: Text columns with more distinct values than this share of the rows are free text, not categories.
FREE_TEXT_SHARE = 0.5
MAX_CATEGORIES = 200


_LEAVING_WORDS = {
    "1",
    "true",
    "yes",
    "y",
    "t",
    "churn",
    "churned",
    "left",
    "leave",
    "leaver",
    "exited",
    "exit",
    "cancelled",
    "canceled",
    "cancel",
    "attrited",
    "attrited customer",
    "lost",
    "gone",
    "inactive",
    "terminated",
    "closed",
    "да",
    "ушёл",
    "ушел",
    "ушла",
    "отток",
    "ушли",
    "истина",
}
_STAYING_WORDS = {
    "0",
    "false",
    "no",
    "n",
    "f",
    "stayed",
    "stay",
    "retained",
    "active",
    "existing",
    "existing customer",
    "current",
    "renewed",
    "нет",
    "остался",
    "осталась",
    "ложь",
    "активен",
}
_ID_TOKENS = {"id", "uuid", "guid", "rownumber", "index"}


def infer_spec(
    frame: pd.DataFrame,
    *,
    target_col: str = "Churn",
    positive: Any = None,
    id_col: str | None = None,
    keep: Iterable[str] = (),
    levers: Iterable[str] = (),
    traits: Iterable[str] = (),
    source: str | None = None,
    random_state: int = 0,
) -> DatasetSpec:
    """Infer what each column of a member table means.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, with the target column.
    target_col : str
        The column that says whether the member left.
    positive : object, optional
        The target value that means "left". Inferred when the labels say so plainly
        (1/0, true/false, yes/no, churned/stayed ...).
    id_col : str, optional
        The member id column. When not given, the first identifier-like column is used.
    keep : iterable of str
        Columns to keep as features even though they look like identifiers, free text or leakage.
    levers, traits : iterable of str
        Features the business can move (``levers``: a contract, a plan, a price) and ones it
        cannot (``traits``: age, region). They override the club's known roles; any other
        feature outside the club's columns has the role ``"unknown"`` (not given).
    source : str, optional
        The file the table came from, for messages.
    random_state : int
        Seed of the folds used to test for leakage.

    Returns
    -------
    DatasetSpec

    Raises
    ------
    SchemaError
        The target is missing, has one class or more than two, or its positive label is unclear.

    Examples
    --------
    >>> frame = pd.DataFrame({"member_id": ["a", "b", "c", "d", "e", "f"],
    ...                       "visits": [0.5, 3.0, 2.5, 0.1, 2.0, 1.0],
    ...                       "plan": ["basic", "gold", "basic", "basic", "gold", "gold"],
    ...                       "status": ["left", "stayed", "stayed", "left", "left", "stayed"]})
    >>> spec = infer_spec(frame, target_col="status")
    >>> spec.positive_label, spec.id_col, spec.feature_names
    ('left', 'member_id', ['visits', 'plan'])

    Two-valued text is a binary feature; a club column whose values do not fit the club's
    meaning is read from its data:

    >>> frame = frame.assign(gender=["Female", "Male", "Male", "Female", "Male", "Female"])
    >>> spec = infer_spec(frame, target_col="status", levers=["plan"])
    >>> why = spec.unlike_club["gender"]
    >>> spec.feature("gender").values, spec.feature("plan").role, why.reason
    (('Female', 'Male'), 'lever', 'it holds text (Female, Male), not 0 or 1')
    >>> why.text("ru")
    'в нём текст (Female, Male), а у клуба — 0 или 1'
    """
    keep = set(keep)
    roles = _given_roles(levers, traits, source=source)
    unknown = [c for c in [*keep, *roles, *([id_col] if id_col else [])] if c not in frame.columns]
    if unknown:
        raise SchemaError(
            f"no column {unknown[0]!r} in the table",
            file=source,
            column=unknown[0],
            fix=_did_you_mean(unknown[0], frame.columns),
        )
    if target_col not in frame.columns:
        raise SchemaError(
            f"the target column {target_col!r} is not in the table",
            file=source,
            column=target_col,
            fix=_did_you_mean(target_col, frame.columns, option="--target"),
        )
    target = frame[target_col]
    positive = _infer_positive(target, positive, source=source, target_col=target_col)
    y = encode_target(target, positive)

    set_aside: list[SetAside] = []
    features: list[FeatureSpec] = []
    unlike_club: dict[str, UnlikeClub] = {}
    candidates: list[tuple[str, str]] = []  # id-like columns: (name, kind), in table order
    for name in frame.columns:
        if name == target_col:
            continue
        column = frame[name]
        if holds_bytes(column):  # never a feature or an id: set aside, or refused if asked for
            if name == id_col or name in keep:
                raise bytes_error(name, source, "--id" if name == id_col else "--keep")
            set_aside.append(SetAside(name, "bytes"))
            continue
        if name == id_col:
            continue
        unfit = unlike_club_reason(name, column)
        if unfit is not None:
            unlike_club[str(name)] = unfit
        if name not in keep and (name not in GYM_COLUMNS or unfit is not None):
            kind = _id_kind(name, column)
            if kind:
                candidates.append((name, kind))
                continue
        feature, aside = _infer_feature(name, column, forced=name in keep, as_club=unfit is None)
        if aside is not None:
            set_aside.append(aside)
        elif feature is not None:
            features.append(feature)

    if id_col is None and candidates:
        id_col = _member_id(frame, candidates)
    set_aside += [SetAside(name, kind) for name, kind in candidates if name != id_col]

    looked_at = _leakage_rows(len(frame), random_state)
    leaks = {
        f.name: auc
        for f in features
        if f.name not in keep
        if (auc := _solo_auc(frame[f.name].iloc[looked_at], y.iloc[looked_at], f, random_state))
        >= LEAKAGE_AUC
    }
    features = [f for f in features if f.name not in leaks]
    set_aside += [SetAside(name, "leakage", {"auc": auc}) for name, auc in leaks.items()]
    features = _with_roles(features, roles, set_aside, id_col, target_col, source)
    if not features:
        raise SchemaError(
            "no column is left to learn from",
            file=source,
            fix="the table needs feature columns beside the target; set aside were: "
            + ", ".join(f"{s.column} ({s.reason})" for s in set_aside),
        )
    return DatasetSpec(
        target_col=target_col,
        positive_label=positive,
        features=tuple(features),
        id_col=id_col,
        set_aside=tuple(set_aside),
        unlike_club=unlike_club,
    )


def _given_roles(
    levers: Iterable[str], traits: Iterable[str], *, source: str | None
) -> dict[str, Role]:
    roles: dict[str, Role] = {name: "lever" for name in levers}
    for name in traits:
        if roles.get(name) == "lever":
            raise SchemaError(
                "the column is given both as a lever and as a trait",
                file=source,
                column=name,
                fix=f"give it once: --lever {name} or --trait {name}",
            )
        roles[name] = "trait"
    return roles


def _with_roles(
    features: list[FeatureSpec],
    roles: Mapping[str, Role],
    set_aside: list[SetAside],
    id_col: str | None,
    target_col: str,
    source: str | None,
) -> list[FeatureSpec]:
    """``features`` with the roles the user gave; a role for a column that is no feature is an
    error naming why it is not one."""
    used = {f.name for f in features}
    why = {a.column: a.reason for a in set_aside}
    for name, role in roles.items():
        if name in used:
            continue
        reason = (
            "it is the target"
            if name == target_col
            else "it is the member id"
            if name == id_col
            else f"it is set aside: {why[name]}"
            if name in why
            else "it is not a feature"
        )
        raise SchemaError(
            f"--{role} names a column the model does not use ({reason})",
            file=source,
            column=name,
            fix=f"leave out --{role} {name}"
            + (f", or keep it as a feature with --keep {name}" if name in why else ""),
        )
    return [replace(f, role=roles[f.name]) if f.name in roles else f for f in features]


def encode_target(target: pd.Series, positive: Any) -> pd.Series:
    """1 where ``target`` equals ``positive``, 0 elsewhere, missing where the target is missing.

    Examples
    --------
    >>> encode_target(pd.Series(["Yes", "no", None, "yes "]), "Yes").tolist()
    [1.0, 0.0, nan, 1.0]
    """
    key = _label_key(positive)
    missing = target.isna().to_numpy(dtype=bool)
    present = target[~missing]
    # each distinct label is read once; as text for mixed columns, so True, 1 and 1.0 stay apart
    codes, _ = pd.factorize(present.astype(str) if present.dtype == object else present)
    first = np.unique(codes, return_index=True)[1]
    hits = np.array([_label_key(v) == key for v in present.iloc[first]], dtype=float)
    encoded = np.full(len(target), np.nan)
    encoded[~missing] = hits[codes] if len(codes) else []
    return pd.Series(encoded, index=target.index, name=target.name)


def label_means_left(value: Any) -> bool | None:
    """Whether a target label reads as "left" (True), "stayed" (False), or neither (None).

    Examples
    --------
    >>> [label_means_left(v) for v in ["Cancelled", 0, " да ", "Stayed", "gold"]]
    [True, False, True, False, None]
    """
    key = _label_key(value)
    if key in _LEAVING_WORDS:
        return True
    return False if key in _STAYING_WORDS else None


def _label_key(value: Any) -> str:
    """Labels compare as text: ``1``, ``1.0``, ``"1"`` and ``" 1 "`` are the same label."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip().lower()


def _infer_positive(
    target: pd.Series, positive: Any, *, source: str | None, target_col: str
) -> Any:
    labels = list(pd.unique(target.dropna()))
    keys = {_label_key(v): v for v in labels}
    shown = ", ".join(repr(_jsonable(v)) for v in labels[:10])
    if len(keys) == 0:
        raise SchemaError(
            "the target column is empty",
            file=source,
            column=target_col,
            fix="fill in whether each member left, or pick another --target",
        )
    if len(keys) == 1:
        raise SchemaError(
            f"the target has only one value ({shown}); a model needs members who left and "
            f"members who stayed",
            file=source,
            column=target_col,
            fix="use a table with both outcomes, or pick another --target",
        )
    if len(keys) > 2:
        raise SchemaError(
            f"the target has {len(keys)} values ({shown}{', ...' if len(keys) > 10 else ''}); "
            f"churn needs exactly two",
            file=source,
            column=target_col,
            fix="recode the target to two values (left / stayed), or pick another --target",
        )
    if positive is not None:
        if _label_key(positive) not in keys:
            raise SchemaError(
                f"--positive {positive!r} is not one of the target's values ({shown})",
                file=source,
                column=target_col,
                fix="give one of the values above as --positive",
            )
        return _jsonable(keys[_label_key(positive)])
    leaving = [k for k in keys if k in _LEAVING_WORDS]
    staying = [k for k in keys if k in _STAYING_WORDS]
    if len(leaving) == 1 and len(staying) <= 1 and leaving[0] not in staying:
        return _jsonable(keys[leaving[0]])
    if len(staying) == 1 and not leaving:
        (other,) = (k for k in keys if k != staying[0])
        return _jsonable(keys[other])
    raise SchemaError(
        f"cannot tell which target value means 'left': the values are {shown}",
        file=source,
        column=target_col,
        fix="name it with --positive, e.g. --positive " + repr(str(_jsonable(labels[0]))),
    )


def _name_tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    return [t.lower() for t in re.split(r"[^0-9A-Za-zА-Яа-яЁё]+", spaced) if t]


#: Words that name whom a row is about: a column named with one is a member id.
_WHOM_TOKENS = {"customer", "member", "client", "account", "user", "subscriber", "клиент"}


def _member_id(frame: pd.DataFrame, candidates: list[tuple[str, str]]) -> str:
    """The member id among the id-like columns: one whose name says whom (a customer, member,
    client or account) first, then one that is not a row counter (1..N in order), in table
    order.

    Examples
    --------
    >>> frame = pd.DataFrame({"RowNumber": range(1, 31), "CustomerId": range(7000, 7030)})
    >>> _member_id(frame, [("RowNumber", "id_name"), ("CustomerId", "id_name")])
    'CustomerId'
    """

    def rank(candidate: tuple[str, str]) -> tuple[int, int]:
        name, _ = candidate
        names_whom = bool(_WHOM_TOKENS & set(_name_tokens(name)))
        return (not names_whom, _is_row_counter(frame[name]))

    return min(candidates, key=rank)[0]  # min is stable: table order breaks ties


def find_member_id(frame: pd.DataFrame, *, besides: Collection[str] = ()) -> str | None:
    """The column of `frame` that identifies its members, as :func:`infer_spec` would choose
    it, among the columns not in `besides` (the model's features); None when there is none.

    Examples
    --------
    >>> frame = pd.DataFrame({"visits": range(30), "MemberCode": [f"M{i}" for i in range(30)]})
    >>> find_member_id(frame, besides=["visits"])
    'MemberCode'
    >>> find_member_id(frame[["visits"]], besides=["visits"]) is None
    True
    """
    candidates = [
        (str(name), kind)
        for name in frame.columns
        if name not in besides
        and not holds_bytes(frame[name])
        and (kind := _id_kind(str(name), frame[name])) in ("id_name", "id_distinct")
    ]
    return _member_id(frame, candidates) if candidates else None


def _is_row_counter(column: pd.Series) -> bool:
    """Whether the column numbers the rows: whole numbers rising by one (0..N-1, 1..N)."""
    if not pd.api.types.is_integer_dtype(column) or len(column) < 2:
        return False
    return bool((np.diff(column.to_numpy()) == 1).all())


def _id_kind(name: str, column: pd.Series) -> str | None:
    if _is_row_counter(column) and len(column) >= 20:
        return "row_number"
    tokens = _name_tokens(name)
    if tokens and (
        tokens[-1] in _ID_TOKENS or tokens[0] in _ID_TOKENS or "".join(tokens) in _ID_TOKENS
    ):
        return "id_name"
    values = column.dropna()
    if len(values) < 20 or values.nunique() != len(column):
        return None
    # Codes ("C00042", 1017) are identifiers; distinct sentences are free text, decided later.
    if pd.api.types.is_integer_dtype(column) or (
        _is_text(column) and not values.astype(str).str.contains(r"\s", regex=True).any()
    ):
        return "id_distinct"
    return None


def holds_bytes(column: pd.Series | np.ndarray) -> bool:
    """Whether the column holds raw bytes (a Parquet ``binary`` column, a database BLOB).

    Examples
    --------
    >>> holds_bytes(pd.Series([b"\\x00\\x01", None])), holds_bytes(pd.Series(["a", None]))
    (True, False)
    """
    if getattr(column, "dtype", None) != np.dtype(object):
        return False
    kind = pd.api.types.infer_dtype(column, skipna=True)
    if kind == "mixed":  # text and bytes together, say
        return any(isinstance(value, bytes | bytearray | memoryview) for value in column)
    return bool(kind == "bytes")


def bytes_error(name: str, source: str | None, wanted: str) -> SchemaError:
    """The error for a column of raw bytes that ``wanted`` needs: ``"the model"`` (a feature),
    ``"--keep"`` or ``"--id"`` (the member id)."""
    role = {
        "the model": "a feature of the model",
        "--keep": "kept as a feature (--keep)",
    }.get(wanted, "the member id")
    return SchemaError(
        f"the column holds raw bytes (a binary column), not text or numbers, so it cannot be "
        f"{role}",
        file=source,
        column=str(name),
        fix="write the column as text (a string column; in pyarrow pa.string()) or numbers"
        + {
            "the model": ", as in the table the model was trained on",
            "--keep": f", or leave out --keep {name}",
        }.get(wanted, ", or give another --id"),
    )


def _is_text(column: pd.Series) -> bool:
    return bool(pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column))


def _share_parsed(column: pd.Series) -> float:
    numbers, bad = parse_numbers(column)
    filled = int(numbers.notna().sum() + bad.sum())
    return float(numbers.notna().sum() / filled) if filled else 0.0


def _text_pair(column: pd.Series) -> tuple[str, str] | None:
    """The two values of a two-valued text column, the one meaning 0 first ("No" before "Yes";
    otherwise in alphabetical order, "Female" before "Male"), each as the table most often
    spells it; None when the column holds more or fewer than two."""
    text = column.dropna().astype(str).str.strip()
    text = text[text != ""]
    keys = text.str.lower()
    if keys.nunique() != 2:
        return None
    spelling = {key: group.value_counts().index[0] for key, group in text.groupby(keys)}
    first, second = sorted(spelling, key=lambda key: (key in YES_WORDS, key))
    return spelling[first], spelling[second]


def _infer_feature(
    name: str, column: pd.Series, *, forced: bool, as_club: bool = True
) -> tuple[FeatureSpec | None, SetAside | None]:
    if as_club and name in GYM_COLUMNS:
        return GYM_COLUMNS[name], None
    if column.isna().all():
        return None, SetAside(name, "empty")
    if pd.api.types.is_datetime64_any_dtype(column):
        return None, SetAside(name, "date")
    if pd.api.types.is_bool_dtype(column):
        return FeatureSpec(str(name), "binary", 0, 1, integer=True), None
    if _is_text(column):
        if _share_parsed(column) >= 0.9:
            column = parse_numbers(column)[0]
        else:
            distinct = column.nunique()
            if distinct <= 1 and not forced:
                return None, SetAside(name, "constant")
            pair = _text_pair(column)
            if pair is not None:
                return FeatureSpec(str(name), "binary", 0, 1, integer=True, values=pair), None
            lengths = column.dropna().astype(str).str.len()
            free_text = distinct > MAX_CATEGORIES or (
                distinct > FREE_TEXT_SHARE * len(column) and lengths.mean() > 20
            )
            if free_text and not forced:
                return None, SetAside(name, "free_text", {"distinct": int(distinct)})
            return FeatureSpec(str(name), "categorical"), None
    values = column.dropna()
    if pd.api.types.is_numeric_dtype(values):  # inf is an impossible value, for the check to name
        values = values[np.isfinite(values.to_numpy(dtype=float))]
    if values.nunique() <= 1 and not forced:
        return None, SetAside(name, "constant")
    if set(pd.unique(values)) <= {0, 1}:
        return FeatureSpec(str(name), "binary", 0, 1, integer=True), None
    integer = bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))
    return FeatureSpec(str(name), "numeric", integer=integer), None


#: Leakage is looked for on at most this many rows (a random sample of larger tables): a
#: feature's ROC-AUC on 200,000 members is within about 0.001 of the whole table's.
LEAKAGE_ROWS = 200_000


def _leakage_rows(n: int, random_state: int) -> np.ndarray:
    """The rows leakage is looked for on: every row, or :data:`LEAKAGE_ROWS` of them at random.

    Examples
    --------
    >>> len(_leakage_rows(10, 0)), len(_leakage_rows(10 * LEAKAGE_ROWS, 0))
    (10, 200000)
    """
    if n <= LEAKAGE_ROWS:
        return np.arange(n)
    rng = np.random.default_rng([random_state, 7])
    return np.sort(rng.choice(n, LEAKAGE_ROWS, replace=False))


def _solo_auc(column: pd.Series, y: pd.Series, feature: FeatureSpec, random_state: int) -> float:
    """How well one feature alone ranks leavers above stayers (0.5: not at all; 1: perfectly)."""
    known = y.notna()
    y = y[known].astype(int)
    if y.nunique() < 2:
        return 0.5
    if feature.kind == "categorical":
        score = _out_of_fold_rate(
            column[known].astype("string").fillna("<missing>"), y, random_state
        )
    else:
        numbers = feature.numbers(column[known])[0]
        numbers = numbers.where(np.isfinite(numbers))  # inf: refused by the check, not ranked
        score = numbers.fillna(numbers.median() if numbers.notna().any() else 0.0)
    from sklearn.metrics import roc_auc_score  # here: scoring never needs scikit-learn's import

    auc = float(roc_auc_score(y, score))
    return max(auc, 1.0 - auc)


def _out_of_fold_rate(labels: pd.Series, y: pd.Series, random_state: int) -> np.ndarray:
    """Each row's category churn rate, learnt without that row's fold."""
    rates = np.full(len(y), float(y.mean()))
    n_splits = min(5, int(y.value_counts().min()))
    if n_splits < 2:
        return rates
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    codes = labels.to_numpy()
    target = y.to_numpy()
    for fit_idx, test_idx in folds.split(codes, target):
        means = pd.Series(target[fit_idx]).groupby(codes[fit_idx]).mean()
        rates[test_idx] = pd.Series(codes[test_idx]).map(means).fillna(target[fit_idx].mean())
    return rates


def _did_you_mean(name: str, columns: Iterable[Any], option: str | None = None) -> str:
    names = [str(c) for c in columns]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6) or [
        c for c in names if c.lower() == name.lower()
    ]
    hint = f"did you mean {close[0]!r}? " if close else ""
    where = f"give the right name with {option}; " if option else ""
    return f"{hint}{where}the columns are: {', '.join(names)}"
