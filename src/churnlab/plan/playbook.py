"""Retention playbooks: the measures a business can take against churn, and their economics.

A :class:`Playbook` lists the measures a business can take against churn (for a fitness club: a
free trainer consultation in the first month, a renewal offer before the contract ends, group-class
reminders ...). Each measure has a cost per member contacted, a success rate (the share of
would-be leavers it keeps), triggers (conditions on the member's columns that must all hold for
the measure to apply) and drivers (the features whose push towards leaving makes it the right
answer). :func:`churnlab.plan.campaign.build_plan` turns a playbook into a plan.

Two playbooks are built in (:data:`BUILTIN_PLAYBOOKS`): ``fitness`` (``churnlab/plan/playbooks/
fitness.yaml``) starts from the measures a fitness club's own documents name and reads the club's
columns; ``subscription`` (``churnlab/plan/playbooks/subscription.yaml``) is for any other
subscription business (telecom, bank, streaming, SaaS) and reads only the churn probability, which
every scored table has. :func:`default_playbook` picks the one that fits a table. Their costs and
success rates are planning assumptions to be replaced by the business's figures and A/B results.

>>> playbook = load_playbook()
>>> playbook.economics.fee, playbook.economics.months_kept
(50.0, 6.0)
>>> playbook.measure("renewal_offer").title["ru"]
'Предложение продлить абонемент'
>>> builtin_playbook("subscription").builtin
'subscription'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, ValidationError as PydanticValidationError, model_validator

from churnlab.data.club import GYM_COLUMNS
from churnlab.data.spec import DatasetSpec
from churnlab.errors import UsageError
from churnlab.model.derived import DERIVED_METRICS
from churnlab.plan.fields import (
    Currency,
    Identifier,
    NonNegative,
    Positive,
    Scalar,
    Share,
    StrictModel,
    Text,
    describe_error,
    error_message,
    in_language,
)

__all__ = [
    "BUILTIN_PLAYBOOKS",
    "Economics",
    "Measure",
    "Members",
    "Playbook",
    "Trigger",
    "builtin_playbook",
    "default_playbook",
    "load_playbook",
    "member_count",
]

#: The playbooks shipped with churnlab, by name: each is ``churnlab/plan/playbooks/<name>.yaml``.
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
    "discount": "--discount",
}


class Trigger(StrictModel):
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
    equals: Scalar = None

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
            return np.zeros(member_count(members), dtype=bool)
        column = members[self.feature]
        if isinstance(self.equals, str):
            text = pd.Series(column, copy=False).astype("string")
            return np.asarray((text == self.equals).fillna(False).to_numpy(dtype=bool))
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


class Measure(StrictModel):
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

    id: Identifier
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
        ok = np.ones(member_count(members), dtype=bool)
        for trigger in self.triggers:
            ok &= trigger.holds(members)
        return ok

    def who(self, lang: str = "en") -> str:
        """Who the measure is for, in ``lang``."""
        if self.audience:
            return in_language(self.audience, lang)
        if not self.triggers:
            return "все клиенты" if lang == "ru" else "all members"
        return "; ".join(t.describe(lang) for t in self.triggers)


class Economics(StrictModel):
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
    discount : float
        The monthly discount rate of future fees in a member's value (``--discount``; 0.01 is
        1 % a month): month t's fee counts ``1 / (1 + discount) ** (t - 1)``.

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
    discount: NonNegative = 0.0

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
                lines.append(f"{_FLAGS.get(name, name)}: {error_message(error)}")
            raise UsageError(
                "; ".join(dict.fromkeys(lines)), fix="give a sensible value and run again"
            ) from None

    @property
    def value_kept(self) -> float:
        """What a member who is kept pays, alike for every member: ``fee × months_kept`` (the
        plan uses each member's own value when their survival curve is known,
        :mod:`churnlab.scoring.value`)."""
        return self.fee * self.months_kept


class Playbook(StrictModel):
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
        ``churnlab/plan/playbooks/fitness.yaml`` (:func:`default_playbook` picks the built-in that
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
    return _parse(text, f"churnlab/plan/playbooks/{file} (built in)")


def default_playbook(spec: DatasetSpec) -> Playbook:
    """The built-in playbook that fits a table: ``fitness`` for a fitness club's table
    (:attr:`DatasetSpec.is_club_table`), ``subscription`` for any other.

    Examples
    --------
    >>> from churnlab.data.spec import FeatureSpec, gym_spec
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
            fix="give the keys name, economics and measures "
            "(see churnlab/plan/playbooks/fitness.yaml)",
        )
    if not isinstance(data, dict):
        raise UsageError(
            f"the playbook must be a mapping of keys to values, not a {type(data).__name__}",
            file=name,
            fix="give the keys name, economics and measures "
            "(see churnlab/plan/playbooks/fitness.yaml)",
        )
    try:
        return Playbook.model_validate(data)
    except PydanticValidationError as exc:
        lines = list(
            dict.fromkeys(describe_error(error, data) for error in exc.errors(include_url=False))
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
            + " named above; churnlab/plan/playbooks/fitness.yaml shows every key",
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


def member_count(members: Members) -> int:
    """How many members: a DataFrame's rows, or the length of a dict's arrays."""
    if isinstance(members, pd.DataFrame):
        return len(members)
    return len(next(iter(members.values()))) if members else 0
