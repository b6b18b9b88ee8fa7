"""The retention plan: target groups, the measure for each, the members to call first, the payoff.

A :class:`Playbook` lists the measures a business can take against churn (for a fitness club: a
free trainer consultation in the first month, a renewal offer before the contract ends, group-class
reminders ...). Each measure
has a cost per member contacted, a success rate (the share of would-be leavers it keeps), triggers
(conditions on the member's columns that must all hold for the measure to apply) and drivers (the
features whose push towards leaving makes it the right answer). :func:`build_plan` gives every
member the applicable measure whose drivers push that member hardest towards leaving, prices it,
and keeps the members whose expected saving exceeds the cost, best first, within a budget::

    expected saving = churn probability x success rate x monthly fee x months kept
    expected net    = expected saving - cost

Two playbooks are built in (:data:`BUILTIN_PLAYBOOKS`): ``fitness`` (``churnlab/playbooks/
fitness.yaml``) starts from the measures a fitness club's own documents name and reads the club's
columns; ``subscription`` (``churnlab/playbooks/subscription.yaml``) is for any other subscription
business (telecom, bank, streaming, SaaS) and reads only the churn probability, which every scored
table has. :func:`default_playbook` picks the one that fits a table. Their costs and success rates
are planning assumptions to be replaced by the business's figures and A/B results.

>>> playbook = load_playbook()
>>> playbook.economics.fee, playbook.economics.months_kept
(50.0, 6.0)
>>> playbook.measure("renewal_offer").title["ru"]
'Предложение продлить абонемент'
>>> builtin_playbook("subscription").builtin
'subscription'
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TypeAlias

import numpy as np
import pandas as pd
import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from churnlab.data.club import GYM_COLUMNS
from churnlab.data.spec import DatasetSpec
from churnlab.errors import DataError, UsageError
from churnlab.model.derived import DERIVED_METRICS

__all__ = [
    "BUILTIN_PLAYBOOKS",
    "Economics",
    "Measure",
    "Plan",
    "Playbook",
    "TargetGroup",
    "Trigger",
    "build_plan",
    "builtin_playbook",
    "default_playbook",
    "load_playbook",
    "recommend",
]

#: The playbooks shipped with churnlab, by name: each is ``churnlab/playbooks/<name>.yaml``.
BUILTIN_PLAYBOOKS = ("fitness", "subscription")

#: Members as the triggers read them: a DataFrame, or a dict of equally long arrays.
Members: TypeAlias = pd.DataFrame | Mapping[str, Any]
#: Economics fields and the command-line options that override them.
_FLAGS = {
    "fee": "--fee",
    "months_kept": "--months-kept",
    "offer_cost": "--offer-cost",
    "success_rate": "--success-rate",
    "budget": "--budget",
    "currency": "--currency",
}


# --- validators ----------------------------------------------------------------------------------


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number (found {value})")
    return value


def _positive(value: float) -> float:
    if _finite(value) <= 0:
        raise ValueError(f"must be above 0 (found {value:g})")
    return value


def _non_negative(value: float) -> float:
    if _finite(value) < 0:
        raise ValueError(f"must be 0 or more (found {value:g})")
    return value


def _share(value: float) -> float:
    if not 0 < _finite(value) <= 1:
        raise ValueError(f"must be between 0 and 1 (above 0, at most 1; found {value:g})")
    return value


def _text(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("must give the text in at least one language, e.g. {en: ..., ru: ...}")
    blank = [lang for lang, text in value.items() if not text.strip()]
    if blank:
        raise ValueError(f"the {blank[0]!r} text is empty")
    return value


def _scalar(value: Any) -> Any:
    if not isinstance(value, int | float | str | None):
        raise ValueError(f"must be a number or text (found {value!r})")
    return value


def _identifier(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", value):
        raise ValueError(f"must be letters, digits, '_' or '-' only (found {value!r})")
    return value


Positive = Annotated[float, AfterValidator(_positive)]
NonNegative = Annotated[float, AfterValidator(_non_negative)]
Share = Annotated[float, AfterValidator(_share)]
#: A currency as reports show it: a code or a sign, "USD", "EUR", "₽".
Currency = Annotated[str, Field(min_length=1, max_length=12, pattern=r"^\S(.*\S)?$")]
#: A text by language code, e.g. ``{"en": "Renewal offer", "ru": "Предложение продлить"}``.
Text = Annotated[dict[str, str], AfterValidator(_text)]


def _in(text: Mapping[str, str], lang: str) -> str:
    """``text`` in ``lang``, else in English, else in its first language."""
    return text.get(lang) or text.get("en") or next(iter(text.values()))


class _Model(BaseModel):
    """Frozen, and unknown keys are refused with the list of the keys allowed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = [str(k) for k in data if k not in cls.model_fields]
            if unknown:
                raise ValueError(
                    f"unknown key {unknown[0]!r}; the keys allowed here are: "
                    + ", ".join(cls.model_fields)
                )
        return data


# --- the playbook --------------------------------------------------------------------------------


class Trigger(_Model):
    """A condition on one member column; a measure applies when all its triggers hold.

    Parameters
    ----------
    feature : str
        A member column: a club column, a derived metric (``visits_trend`` ...) or
        ``churn_probability``.
    min, max : float, optional
        The smallest / largest value for which the trigger holds (both included).
    equals : float or str, optional
        The one value for which it holds. Give either ``equals`` or ``min`` / ``max``.

    Examples
    --------
    >>> trigger = Trigger(feature="Month_to_end_contract", max=2)
    >>> trigger.holds(pd.DataFrame({"Month_to_end_contract": [1, 2, 6]})).tolist()
    [True, True, False]
    >>> Trigger(feature="Group_visits", equals=0).describe("en")
    'attends group classes = 0'
    """

    feature: str = Field(min_length=1)
    min: float | None = None
    max: float | None = None
    equals: Annotated[float | str | None, BeforeValidator(_scalar)] = None

    @model_validator(mode="after")
    def _one_condition(self) -> Trigger:
        bounds = self.min is not None or self.max is not None
        if self.equals is None and not bounds:
            raise ValueError("give a condition: min, max or equals")
        if self.equals is not None and bounds:
            raise ValueError("give either equals or min/max, not both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is above max ({self.max:g})")
        return self

    def holds(self, members: Members) -> np.ndarray:
        """Whether the trigger holds for each member (False where the value is missing).

        ``members`` is a DataFrame or a dict of equally long arrays.
        """
        if self.feature not in members:
            return np.zeros(_length(members), dtype=bool)
        column = members[self.feature]
        if isinstance(self.equals, str):
            text = pd.Series(column, copy=False).astype("string")
            return (text == self.equals).fillna(False).to_numpy(dtype=bool)
        values = np.asarray(column)
        numbers = (
            values.astype(float, copy=False)
            if values.dtype.kind in "biuf"
            else pd.to_numeric(pd.Series(column, copy=False), errors="coerce").to_numpy(float)
        )
        with np.errstate(invalid="ignore"):
            if self.equals is not None:
                return np.asarray(numbers == self.equals)
            ok = ~np.isnan(numbers)
            if self.min is not None:
                ok &= numbers >= self.min
            if self.max is not None:
                ok &= numbers <= self.max
        return np.asarray(ok)

    def describe(self, lang: str = "en") -> str:
        """The condition in words, with the feature's label when churnlab knows it."""
        label = _feature_label(self.feature, lang)
        if self.equals is not None:
            value = self.equals if isinstance(self.equals, str) else f"{self.equals:g}"
            return f"{label} = {value}"
        parts = []
        if self.min is not None:
            parts.append(f"{label} ≥ {self.min:g}")
        if self.max is not None:
            parts.append(f"{label} ≤ {self.max:g}")
        return ", ".join(parts)


def _feature_label(name: str, lang: str) -> str:
    if name in GYM_COLUMNS:
        return GYM_COLUMNS[name].title(lang)
    for metric in DERIVED_METRICS:
        if metric.name == name:
            return metric.title(lang)
    if name == "churn_probability":
        return "вероятность ухода" if lang == "ru" else "churn probability"
    return name


class Measure(_Model):
    """One retention measure.

    Parameters
    ----------
    id : str
        A short name, unique in the playbook (letters, digits, ``_``, ``-``).
    title, description : dict
        Its name and what staff do, by language code (``{"en": ..., "ru": ...}``).
    audience : dict, optional
        Who it is for, by language code; names the target group. Default: the triggers in words.
    cost : float
        Cost per member contacted, in the fee's currency.
    success_rate : float
        The share of would-be leavers contacted that the measure keeps, in (0, 1].
    triggers : list of Trigger
        Conditions that must all hold (and whose columns must exist) for the measure to apply.
        A measure without triggers applies to everyone: the fallback.
    drivers : list of str
        Features whose contribution towards leaving makes this measure the right answer. A
        measure with triggers but no drivers is chosen on its triggers alone, when no measure's
        drivers push the member towards leaving (see :func:`recommend`).
    """

    id: Annotated[str, AfterValidator(_identifier)]
    title: Text
    description: Text
    audience: Text | None = None
    cost: NonNegative
    success_rate: Share
    triggers: list[Trigger] = Field(default_factory=list)
    drivers: list[str] = Field(default_factory=list)

    @property
    def generic(self) -> bool:
        """Whether the measure applies to every member (it has no triggers)."""
        return not self.triggers

    def applies(self, members: Members) -> np.ndarray:
        """Whether every trigger holds for each member (all False if a trigger's column is
        missing)."""
        ok = np.ones(_length(members), dtype=bool)
        for trigger in self.triggers:
            ok &= trigger.holds(members)
        return ok

    def who(self, lang: str = "en") -> str:
        """Who the measure is for, in ``lang``."""
        if self.audience:
            return _in(self.audience, lang)
        if not self.triggers:
            return "все клиенты" if lang == "ru" else "all members"
        return "; ".join(t.describe(lang) for t in self.triggers)


class Economics(_Model):
    """The money side of the plan: the fee, how long a kept member stays, and overrides.

    Parameters
    ----------
    fee : float
        The monthly membership fee.
    months_kept : float
        How many more months a member who is kept goes on paying.
    currency : str
        The fee's currency, a label for reports.
    offer_cost : float, optional
        A cost per member contacted that replaces every measure's own (``--offer-cost``).
    success_rate : float, optional
        A success rate that replaces every measure's own.
    budget : float, optional
        The most the campaign may cost; the best members are kept until it is spent (``--budget``).

    Examples
    --------
    >>> economics = Economics().override(fee=80, budget=None)
    >>> economics.fee, economics.months_kept, economics.budget
    (80.0, 6.0, None)
    """

    fee: Positive = 50.0
    months_kept: Positive = 6.0
    currency: Currency = "USD"
    offer_cost: NonNegative | None = None
    success_rate: Share | None = None
    budget: NonNegative | None = None

    def override(self, **changes: Any) -> Economics:
        """A copy with the given fields replaced; ``None`` values leave a field as it is.

        Raises
        ------
        UsageError
            A value that cannot work, named by its command-line option (``--fee: must be above 0``).
        """
        unknown = [k for k in changes if k not in type(self).model_fields]
        if unknown:
            raise UsageError(
                f"unknown economics setting {unknown[0]!r}",
                fix="use one of: " + ", ".join(type(self).model_fields),
            )
        given = {k: v for k, v in changes.items() if v is not None}
        try:
            return type(self).model_validate({**self.model_dump(), **given})
        except PydanticValidationError as exc:
            lines = []
            for error in exc.errors(include_url=False):
                name = str(error["loc"][0]) if error["loc"] else ""
                lines.append(f"{_FLAGS.get(name, name)}: {_message(error)}")
            raise UsageError(
                "; ".join(dict.fromkeys(lines)), fix="give a sensible value and run again"
            ) from None

    @property
    def value_kept(self) -> float:
        """What a member who is kept pays: ``fee × months_kept``."""
        return self.fee * self.months_kept


class Playbook(_Model):
    """The measures a business can take against churn, and the default economics.

    Parameters
    ----------
    name : dict
        The playbook's name by language code.
    economics : Economics
        The defaults: fee, months kept, currency.
    measures : list of Measure
        At least one, with unique ids, and at least one without triggers (the fallback, so every
        member gets a measure).
    """

    name: Text = Field(default_factory=lambda: {"en": "Retention playbook"})
    economics: Economics = Field(default_factory=Economics)
    measures: list[Measure] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_and_fallback(self) -> Playbook:
        seen: dict[str, int] = {}
        for i, measure in enumerate(self.measures):
            if measure.id in seen:
                raise ValueError(
                    f"measures[{seen[measure.id]}] and measures[{i}] have the same id "
                    f"{measure.id!r}; ids must be unique"
                )
            seen[measure.id] = i
        if not any(m.generic for m in self.measures):
            raise ValueError(
                "measures: none is without triggers; add a fallback measure with `triggers: []` "
                "(e.g. a personal call) so that every member gets a measure"
            )
        return self

    def measure(self, measure_id: str) -> Measure:
        """The measure with this id."""
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    @property
    def languages(self) -> list[str]:
        """The language codes of the measures' titles."""
        return list(dict.fromkeys(lang for m in self.measures for lang in m.title))

    @property
    def builtin(self) -> str | None:
        """The name of the built-in playbook this one is (its every field the same), or None for
        one's own.

        Examples
        --------
        >>> load_playbook().builtin
        'fitness'
        >>> Playbook(measures=[Measure(id="call", title={"en": "Call"},
        ...                            description={"en": "Call them."}, cost=5,
        ...                            success_rate=0.1)]).builtin is None
        True
        """
        return next((name for name in BUILTIN_PLAYBOOKS if _builtin(name) == self), None)


def load_playbook(path: str | os.PathLike[str] | None = None) -> Playbook:
    """Read a retention playbook from a YAML file.

    Parameters
    ----------
    path : str or path-like, optional
        The YAML file. Default: the built-in fitness-club playbook,
        ``churnlab/playbooks/fitness.yaml`` (:func:`default_playbook` picks the built-in that
        fits a table instead).

    Returns
    -------
    Playbook

    Raises
    ------
    UsageError
        The file is missing or unreadable, is not valid YAML (the line is given), or a field is
        wrong; the message names the file and each field, e.g.
        ``measures[2].success_rate: must be between 0 and 1``.

    Examples
    --------
    >>> [m.id for m in load_playbook().measures][:3]
    ['first_month_onboarding', 'renewal_offer', 'visit_drop_reengagement']
    """
    if path is None:
        return builtin_playbook("fitness")
    name = os.fspath(path)
    return _parse(_read(Path(path), name), name)


def builtin_playbook(name: str) -> Playbook:
    """One of the playbooks shipped with churnlab, by name (:data:`BUILTIN_PLAYBOOKS`).

    Parameters
    ----------
    name : {"fitness", "subscription"}
        ``fitness``: a fitness club's measures, read from the club's columns. ``subscription``:
        measures for any subscription business, chosen by churn probability alone.

    Raises
    ------
    UsageError
        No built-in playbook has that name.

    Examples
    --------
    >>> playbook = builtin_playbook("subscription")
    >>> playbook.name["en"]
    'Retention playbook for subscription businesses'
    >>> [m.id for m in playbook.measures]
    ['win_back_offer', 'plan_change', 'service_check', 'survey', 'personal_call']
    """
    if name not in BUILTIN_PLAYBOOKS:
        raise UsageError(
            f"no built-in playbook {name!r}",
            fix="use one of: " + ", ".join(BUILTIN_PLAYBOOKS) + ", or give your own YAML file",
        )
    return _builtin(name).model_copy(deep=True)


@cache
def _builtin(name: str) -> Playbook:
    """The built-in playbook ``name``, read once (a playbook is frozen, so it can be shared)."""
    file = f"{name}.yaml"
    text = resources.files("churnlab.plan.playbooks").joinpath(file).read_text(encoding="utf-8")
    return _parse(text, f"churnlab/playbooks/{file} (built in)")


def default_playbook(spec: DatasetSpec) -> Playbook:
    """The built-in playbook that fits a table: ``fitness`` for a fitness club's table
    (:attr:`DatasetSpec.is_club_table`), ``subscription`` for any other.

    Examples
    --------
    >>> from churnlab.data.feature import FeatureSpec
    >>> from churnlab.data.spec import gym_spec
    >>> default_playbook(gym_spec()).builtin
    'fitness'
    >>> telco = DatasetSpec("Churn", "Yes", (FeatureSpec("tenure", "numeric"),))
    >>> default_playbook(telco).builtin
    'subscription'
    """
    return builtin_playbook("fitness" if spec.is_club_table else "subscription")


def _parse(text: str, name: str) -> Playbook:
    """A playbook from its YAML text; ``name`` (the file) is for the messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = getattr(exc, "problem", None) or str(exc)
        line = f"line {mark.line + 1}" if mark is not None else "the file"
        raise UsageError(
            f"not valid YAML{where}: {what}",
            file=name,
            fix=f"correct {line} (indentation, a missing ':' or an unclosed quote)",
        ) from None
    if data is None:
        raise UsageError(
            "the playbook is empty",
            file=name,
            fix="give the keys name, economics and measures (see churnlab/playbooks/fitness.yaml)",
        )
    if not isinstance(data, dict):
        raise UsageError(
            f"the playbook must be a mapping of keys to values, not a {type(data).__name__}",
            file=name,
            fix="give the keys name, economics and measures (see churnlab/playbooks/fitness.yaml)",
        )
    try:
        return Playbook.model_validate(data)
    except PydanticValidationError as exc:
        lines = list(
            dict.fromkeys(_describe(error, data) for error in exc.errors(include_url=False))
        )
        shown = lines[:8] + ([f"(and {len(lines) - 8} more)"] if len(lines) > 8 else [])
        problem = "not a valid playbook:" + (
            f" {shown[0]}" if len(shown) == 1 else "\n  " + "\n  ".join(shown)
        )
        raise UsageError(
            problem,
            file=name,
            fix="correct the field"
            + ("s" if len(lines) > 1 else "")
            + " named above; churnlab/playbooks/fitness.yaml shows every key",
        ) from None


def _read(path: Path, name: str) -> str:
    if not path.exists():
        raise UsageError(
            "no such playbook file",
            file=name,
            fix="check the path, or leave the playbook out to use the built-in one that fits the "
            "table",
        )
    if path.is_dir():
        raise UsageError("is a folder, not a playbook file", file=name, fix="give the YAML file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(
            "the playbook is not UTF-8 text", file=name, fix="save it as UTF-8 and run again"
        ) from None
    except OSError as exc:
        raise UsageError(
            f"cannot read the playbook: {exc.strerror or exc}",
            file=name,
            fix="check the file's permissions",
        ) from None


def _describe(error: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """One validation error as ``measures[2].success_rate: must be ... , in measure 'x'``."""
    # Union members and validator wrappers appear in the location as type names: leave them out.
    loc = [p for p in error["loc"] if isinstance(p, int) or not _is_type_tag(str(p))]
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    text = f"{path}: {_message(error)}" if path else _message(error)
    if len(loc) >= 2 and loc[0] == "measures" and isinstance(loc[1], int):
        measures = data.get("measures")
        if isinstance(measures, list) and loc[1] < len(measures):
            raw = measures[loc[1]]
            if isinstance(raw, Mapping) and isinstance(raw.get("id"), str) and loc[2:] != ["id"]:
                text += f" — measure {raw['id']!r}"
    return text


def _is_type_tag(part: str) -> bool:
    return part in {"float", "str", "int", "bool", "dict", "list"} or "[" in part


def _message(error: Mapping[str, Any]) -> str:
    kind = str(error["type"])
    found = error.get("input")
    if kind == "missing":
        return "is missing"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"must be a mapping of keys to values (found {found!r})"
    if kind == "list_type":
        return f"must be a list (found {found!r})"
    if kind.startswith(("float_", "int_")):
        return f"must be a number (found {found!r})"
    if kind == "string_type":
        return f"must be text (found {found!r})"
    if kind == "too_short":
        return "must not be empty"
    return str(error["msg"]).removeprefix("Value error, ")


# --- the plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetGroup:
    """The members of the campaign who get one measure.

    Attributes
    ----------
    measure : str
        The measure's id.
    name : str
        The measure's title and who they are, e.g. "Renewal offer — contracts ending within 2
        months".
    members : int
        How many members of the campaign are in the group.
    action : str
        What staff do (the measure's description).
    expected_cost, expected_saving, expected_net : float
        Sums over the group.
    churn_probability : float
        The group's mean churn probability.
    cost_per_member, success_rate : float
        The values used for the measure (the playbook's, or the overrides).
    segments : list of int
        The segments most common in the group, most common first (at most three).
    """

    measure: str
    name: str
    members: int
    action: str
    expected_cost: float
    expected_saving: float
    expected_net: float
    churn_probability: float
    cost_per_member: float
    success_rate: float
    segments: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: plain ``str``, ``int``, ``float`` and lists."""
        return {
            "measure": self.measure,
            "name": self.name,
            "members": int(self.members),
            "action": self.action,
            "expected_cost": round(float(self.expected_cost), 2),
            "expected_saving": round(float(self.expected_saving), 2),
            "expected_net": round(float(self.expected_net), 2),
            "churn_probability": round(float(self.churn_probability), 4),
            "cost_per_member": float(self.cost_per_member),
            "success_rate": float(self.success_rate),
            "segments": [int(s) for s in self.segments],
        }


@dataclass(frozen=True)
class Plan:
    """The retention plan built by :func:`build_plan`.

    Attributes
    ----------
    campaign : pandas.DataFrame
        The members worth contacting, best first: ``rank`` (from 1), ``row``, the id column when
        given, ``churn_probability``, ``segment``, ``measure`` (id), ``measure_title``,
        ``expected_cost``, ``expected_saving`` and ``expected_net``.
    recommendations : pandas.Series
        Every member's recommended measure id, in or out of the campaign; index as the members'.
    target_groups : list of TargetGroup
        One per measure used in the campaign, by expected saving, largest first.
    economics : Economics
        The values used (defaults and overrides), for the report to state.
    lang : str
        The language of the titles and actions.
    playbook : str
        The name of the playbook the measures came from, in ``lang``.
    builtin : str, optional
        Which built-in playbook that is (:data:`BUILTIN_PLAYBOOKS`); None for one's own.
    """

    campaign: pd.DataFrame
    recommendations: pd.Series
    target_groups: list[TargetGroup]
    economics: Economics
    lang: str = "en"
    playbook: str = ""
    builtin: str | None = None

    @property
    def expected_cost(self) -> float:
        return float(self.campaign["expected_cost"].sum())

    @property
    def expected_saving(self) -> float:
        return float(self.campaign["expected_saving"].sum())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"target_groups": [...], "economics": {...}, "campaign": {...},
        "lang": ..., "playbook": {"name", "builtin", "file"}}``; ``file`` is the built-in
        playbook's YAML (to copy and change), None for one's own."""
        economics = {
            k: (float(v) if isinstance(v, int | float) else v)
            for k, v in self.economics.model_dump().items()
        }
        return {
            "target_groups": [g.to_dict() for g in self.target_groups],
            "economics": economics,
            "campaign": {
                "members": len(self.campaign),
                "expected_cost": round(self.expected_cost, 2),
                "expected_saving": round(self.expected_saving, 2),
                "expected_net": round(self.expected_saving - self.expected_cost, 2),
            },
            "lang": self.lang,
            "playbook": {
                "name": self.playbook,
                "builtin": self.builtin,
                "file": None if self.builtin is None else f"churnlab/playbooks/{self.builtin}.yaml",
            },
        }


def build_plan(
    members: pd.DataFrame,
    contributions: pd.DataFrame,
    playbook: Playbook,
    economics: Economics | None = None,
    *,
    lang: str = "en",
    id_col: str | None = None,
) -> Plan:
    """Give every member a measure, and rank the members worth contacting.

    Each member gets a measure by the rule of :func:`recommend`. The campaign keeps the members
    whose expected net is above 0, by net, largest first, and under a budget the top of that list
    while the cumulated cost stays within it.

    Parameters
    ----------
    members : pandas.DataFrame
        One row per member: ``churn_probability``, optionally ``row`` (0-based input position;
        default the position here), ``segment`` (int) and the id column, plus the feature columns
        the triggers look at. Derived metrics (``visits_trend`` ...) missing from it are computed
        when their input columns are there.
    contributions : pandas.DataFrame
        Same index as ``members``, one column per feature: its contribution to the member's churn
        log-odds (positive pushes towards leaving). Features without a column count as 0.
    playbook : Playbook
        The measures (see :func:`load_playbook`).
    economics : Economics, optional
        Fee, months kept, overrides and budget. Default: the playbook's.
    lang : str
        Language of the titles and actions ("en", "ru").
    id_col : str, optional
        The member id column of ``members``, carried to the campaign.

    Returns
    -------
    Plan

    Raises
    ------
    DataError
        ``churn_probability`` is missing or outside [0, 1], or ``contributions`` lacks members.
    UsageError
        ``id_col`` is not a column of ``members``, or the playbook has no texts in ``lang``.

    Examples
    --------
    >>> members = pd.DataFrame({"churn_probability": [0.9, 0.6, 0.05], "segment": [2, 2, 0],
    ...                         "Lifetime": [0, 5, 8], "Month_to_end_contract": [1, 1, 11]})
    >>> contributions = pd.DataFrame({"Lifetime": [1.5, -0.5, -1.0],
    ...                               "Month_to_end_contract": [0.4, 1.2, -0.8]})
    >>> plan = build_plan(members, contributions, load_playbook())
    >>> plan.recommendations.tolist()
    ['first_month_onboarding', 'renewal_offer', 'personal_call']
    >>> plan.campaign[["rank", "row", "measure", "expected_cost", "expected_saving"]]
       rank  row                 measure  expected_cost  expected_saving
    0     1    0  first_month_onboarding           15.0             67.5
    1     2    1           renewal_offer           20.0             45.0
    >>> plan.target_groups[1].name
    'Renewal offer — contracts ending within 2 months'
    """
    economics = playbook.economics if economics is None else economics
    n = len(members)
    if lang not in playbook.languages:
        raise UsageError(
            f"the playbook has no texts in the language {lang!r}",
            fix="use one of: " + ", ".join(playbook.languages),
        )
    probability = _probabilities(members)
    if id_col is not None and id_col not in members.columns:
        raise UsageError(
            f"no member id column {id_col!r}",
            column=id_col,
            fix="the columns are: " + ", ".join(map(str, members.columns)),
        )
    for what, frame_ in (("members", members), ("contributions", contributions)):
        if not frame_.index.is_unique:
            raise DataError(
                f"the {what} have a repeated index label",
                fix="give one row per member, e.g. with .reset_index(drop=True) on both frames",
            )
    lacking = ~members.index.isin(contributions.index)
    if lacking.any():
        raise DataError(
            f"{int(lacking.sum())} members have no contributions",
            rows=_rows(members, lacking),
            fix="give contributions with the same index as the members",
        )
    contrib = contributions.reindex(members.index).apply(pd.to_numeric, errors="coerce").fillna(0.0)
    chosen = recommend(members, contrib, playbook, economics)
    costs, rates = _costs_and_rates(playbook, economics)

    ids = np.array([m.id for m in playbook.measures], dtype=object)
    titles = np.array([_in(m.title, lang) for m in playbook.measures], dtype=object)
    cost = np.asarray(costs, dtype=float)[chosen]
    saving = probability * np.asarray(rates, dtype=float)[chosen] * economics.value_kept
    columns: dict[str, Any] = {
        "row": members["row"].to_numpy() if "row" in members.columns else np.arange(n),
    }
    if id_col is not None:
        columns[id_col] = members[id_col].to_numpy()
    columns |= {
        "churn_probability": probability,
        "segment": members["segment"].to_numpy()
        if "segment" in members.columns
        else pd.array([pd.NA] * n, dtype="Int64"),
        "measure": ids[chosen],
        "measure_title": titles[chosen],
        "expected_cost": cost,
        "expected_saving": saving,
        "expected_net": saving - cost,
    }
    everyone = pd.DataFrame(columns, index=members.index)
    recommendations = pd.Series(ids[chosen], index=members.index, name="measure", dtype=object)

    campaign = everyone[everyone["expected_net"] > 0].sort_values(
        "expected_net", ascending=False, kind="mergesort"
    )
    if economics.budget is not None:
        campaign = campaign[campaign["expected_cost"].cumsum() <= economics.budget + 1e-9]
    campaign = campaign.reset_index(drop=True)
    campaign.insert(0, "rank", np.arange(1, len(campaign) + 1))

    groups = [
        _target_group(playbook.measure(measure_id), part, lang, costs, rates, playbook)
        for measure_id, part in campaign.groupby("measure", sort=False)
    ]
    groups.sort(key=lambda g: (-g.expected_saving, g.measure))
    return Plan(
        campaign,
        recommendations,
        groups,
        economics,
        lang,
        playbook=_in(playbook.name, lang),
        builtin=playbook.builtin,
    )


def recommend(
    members: Members,
    contributions: Members,
    playbook: Playbook,
    economics: Economics | None = None,
) -> np.ndarray:
    """Each member's measure, as a position in ``playbook.measures``.

    Among the measures whose triggers all hold for a member, the member gets the one whose drivers
    carry the largest total positive contribution to that member's churn; on a tie the cheaper
    (then the first in the playbook). When no applicable measure's drivers push the member towards
    leaving, the cheapest applicable measure that has triggers but no drivers (it is chosen on its
    triggers alone, e.g. a band of churn probability); failing that, the cheapest measure without
    triggers (the fallback).

    Parameters
    ----------
    members : pandas.DataFrame or dict of arrays
        The columns the triggers look at (derived metrics are added when missing).
    contributions : pandas.DataFrame or dict of arrays
        Numeric contributions to churn log-odds, one row per member in the order of ``members``.
    playbook : Playbook
    economics : Economics, optional
        Its cost overrides decide ties. Default: the playbook's.

    Examples
    --------
    >>> playbook = load_playbook()
    >>> members = pd.DataFrame({"Month_to_end_contract": [1, 12]})
    >>> pushed = pd.DataFrame({"Month_to_end_contract": [0.8, 0.8]})
    >>> [playbook.measures[i].id for i in recommend(members, pushed, playbook)]
    ['renewal_offer', 'personal_call']

    The subscription playbook's measures have no drivers: churn probability bands choose them.

    >>> bands = builtin_playbook("subscription")
    >>> members = {"churn_probability": np.array([0.9, 0.6, 0.4, 0.2, 0.05])}
    >>> [bands.measures[i].id for i in recommend(members, {}, bands)]
    ['win_back_offer', 'plan_change', 'service_check', 'survey', 'personal_call']
    """
    economics = playbook.economics if economics is None else economics
    n = _length(members)
    frame = _with_derived(members)
    position = {c: i for i, c in enumerate(contributions)}
    values = np.column_stack(
        [np.asarray(contributions[c], dtype=float) for c in position] or [np.zeros(n)]
    )
    costs, _ = _costs_and_rates(playbook, economics)
    # Candidates in order of cost (then playbook order), so argmax picks the cheaper on a tie.
    order = sorted(range(len(playbook.measures)), key=lambda i: (costs[i], i))
    scores = np.full((n, len(order)), -np.inf)
    # Measures with triggers but no drivers that apply: chosen on their triggers alone.
    on_triggers = np.zeros((n, len(order)), dtype=bool)
    for j, i in enumerate(order):
        measure = playbook.measures[i]
        drivers = [position[d] for d in measure.drivers if d in position]
        pushed = np.clip(values[:, drivers], 0.0, None).sum(axis=1) if drivers else np.zeros(n)
        applies = measure.applies(frame)
        scores[applies, j] = pushed[applies]
        on_triggers[:, j] = applies & (not measure.generic and not measure.drivers)
    fallback = next(j for j, i in enumerate(order) if playbook.measures[i].generic)
    if not n:
        return np.zeros(0, dtype=int)
    best = scores.argmax(axis=1)
    otherwise = np.where(on_triggers.any(axis=1), on_triggers.argmax(axis=1), fallback)
    best = np.where(scores[np.arange(n), best] > 0, best, otherwise)
    return np.asarray(order, dtype=int)[best]


def _costs_and_rates(playbook: Playbook, economics: Economics) -> tuple[list[float], list[float]]:
    """Each measure's cost per member and success rate, with the economics' overrides."""
    costs = [
        m.cost if economics.offer_cost is None else economics.offer_cost for m in playbook.measures
    ]
    rates = [
        m.success_rate if economics.success_rate is None else economics.success_rate
        for m in playbook.measures
    ]
    return costs, rates


def _probabilities(members: pd.DataFrame) -> np.ndarray:
    if "churn_probability" not in members.columns:
        raise DataError(
            "the members have no churn_probability column",
            column="churn_probability",
            fix="score the members first (churnlab score) and plan from the scores",
        )
    p = pd.to_numeric(members["churn_probability"], errors="coerce").to_numpy(dtype=float)
    bad = ~((p >= 0) & (p <= 1))
    if bad.any():
        raise DataError(
            "churn probabilities must be numbers between 0 and 1",
            column="churn_probability",
            rows=_rows(members, bad),
            fix="plan from the probabilities churnlab score writes",
        )
    return p


def _rows(members: pd.DataFrame, mask: np.ndarray) -> list[int]:
    """The input rows (the ``row`` column, else the positions) where ``mask`` holds."""
    rows = members["row"].to_numpy() if "row" in members.columns else np.arange(len(members))
    return [int(r) for r in rows[np.asarray(mask, dtype=bool)]]


def _with_derived(members: Members) -> Members:
    """``members`` with the derived metrics it lacks but has the inputs for."""
    added = {}
    for metric in DERIVED_METRICS:
        if metric.name in members or not set(metric.inputs) <= set(members):
            continue
        try:
            added[metric.name] = np.asarray(metric.compute(members), dtype=float)
        except (TypeError, ValueError):  # inputs that are not numbers: the metric stays absent
            continue
    if not added:
        return members
    return members.assign(**added) if isinstance(members, pd.DataFrame) else {**members, **added}


def _length(members: Members) -> int:
    """How many members: a DataFrame's rows, or the length of a dict's arrays."""
    if isinstance(members, pd.DataFrame):
        return len(members)
    return len(next(iter(members.values()))) if members else 0


def _target_group(
    measure: Measure,
    part: pd.DataFrame,
    lang: str,
    costs: Sequence[float],
    rates: Sequence[float],
    playbook: Playbook,
) -> TargetGroup:
    i = playbook.measures.index(measure)
    segments: list[int] = []
    known = part["segment"].dropna()
    if len(known):
        counts = known.astype(int).value_counts(sort=False)
        # Most common first; equal counts by segment id.
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        segments = [int(s) for s, _ in ranked[:3]]
    return TargetGroup(
        measure=measure.id,
        name=f"{_in(measure.title, lang)} — {measure.who(lang)}",
        members=len(part),
        action=_in(measure.description, lang),
        expected_cost=float(part["expected_cost"].sum()),
        expected_saving=float(part["expected_saving"].sum()),
        expected_net=float(part["expected_net"].sum()),
        churn_probability=float(part["churn_probability"].mean()),
        cost_per_member=float(costs[i]),
        success_rate=float(rates[i]),
        segments=segments,
    )
