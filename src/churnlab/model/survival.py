"""Months ahead from the next-month model: its probabilities chained into a survival curve.

The churn model gives each member's probability of leaving next month. Read as a discrete-time
hazard, it says how long a member is likely to stay: roll the member forward a month at a time
(:class:`Clock`: tenure + 1, contract months - 1, the contract renewed for its length when it
ends), score them again, and multiply the chances of staying (:func:`survival_curves`).
:func:`member_value` turns the curves into staying chances and expected (discounted) months
and fees; :func:`kaplan_meier` estimates the table's own survival by tenure, to check the
curves against.

The one assumption: a member's behaviour (visits, spending, group classes, everything the
calendar does not move) is held at its last values for the months ahead. Members whose visits
are falling will, in truth, often keep falling, so curves are best read as "if nothing
changes".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from churnlab.data.club import club_definition
from churnlab.data.spec import DatasetSpec

__all__ = ["Clock", "kaplan_meier", "member_value", "survival_curves"]

#: Names (and labels) that mark each calendar feature of a table other than the club's.
_TENURE_NAMES = ("tenure", "lifetime", "months_active", "tenure_months", "membership_months")
_MONTHS_LEFT_NAMES = (
    "months_to_end_contract",
    "months_left",
    "contract_months_left",
    "remaining_months",
)
_CONTRACT_NAMES = ("contract_period", "contract_months", "contract_length")

#: The club's own calendar columns (:data:`churnlab.data.club.GYM_COLUMNS`).
_CLUB_TENURE, _CLUB_MONTHS_LEFT, _CLUB_CONTRACT = (
    "Lifetime",
    "Month_to_end_contract",
    "Contract_period",
)

#: How many months :func:`member_value` needs the curves to cover.
VALUE_MONTHS = 12


@dataclass(frozen=True)
class Clock:
    """Which features move with the calendar: tenure (+1 a month), months left of the contract
    (-1 a month, renewed to the contract's length at its end), the contract's length.

    Each is a column name, or None when the table has no such feature. Columns are taken to
    count months. With none of them, nothing moves: every month the model sees the member as
    they are now, so the hazard is constant and survival geometric, ``(1 - p) ** t``.

    Parameters
    ----------
    tenure : str, optional
        Months since joining.
    months_left : str, optional
        Months left of the current contract (1 in its last month).
    contract : str, optional
        The contract's length in months: what ``months_left`` renews to. Without it, a
        contract that ends runs on month to month (``months_left`` stays at 1).

    Examples
    --------
    >>> from churnlab.data.spec import gym_spec
    >>> clock = Clock.of(gym_spec())
    >>> clock
    Clock(tenure='Lifetime', months_left='Month_to_end_contract', contract='Contract_period')
    >>> members = pd.DataFrame(
    ...     {"Lifetime": [0, 5], "Month_to_end_contract": [1.0, 4.0], "Contract_period": [6, 6]})
    >>> clock.step(members)
       Lifetime  Month_to_end_contract  Contract_period
    0         1                    6.0                6
    1         6                    3.0                6
    """

    tenure: str | None = None
    months_left: str | None = None
    contract: str | None = None

    @classmethod
    def of(cls, spec: DatasetSpec) -> Clock:
        """The calendar features of a table: the club's columns when ``spec`` has them with the
        club's meaning; otherwise numeric features found by name or label, case-insensitive
        (tenure: ``tenure``, ``lifetime``, ``months_active``, ``tenure_months``,
        ``membership_months``; months left: ``months_to_end_contract``, ``months_left``,
        ``contract_months_left``, ``remaining_months``; contract length: ``contract_period``,
        ``contract_months``, ``contract_length``). Columns named as the club's whose values do
        not fit its meaning (``spec.unlike_club``, a ``Lifetime`` in days) are not taken.

        Examples
        --------
        >>> from churnlab.data.feature import FeatureSpec
        >>> spec = DatasetSpec("left", 1, (FeatureSpec("Seniority", "numeric",
        ...                                             label={"en": "Tenure, months"}),))
        >>> Clock.of(spec)
        Clock(tenure='Seniority', months_left=None, contract=None)
        """
        club = {f.name for f in spec.features if club_definition(f) is not None}
        numeric = [
            f for f in spec.features if f.kind == "numeric" and f.name not in spec.unlike_club
        ]
        taken: set[str] = set()

        def find(club_name: str, names: tuple[str, ...]) -> str | None:
            if club_name in club:
                taken.add(club_name)
                return club_name
            for wanted in names:
                for feature in numeric:
                    if feature.name in taken:
                        continue
                    if wanted in {_plain(t) for t in (feature.name, *feature.label.values())}:
                        taken.add(feature.name)
                        return feature.name
            return None

        return cls(
            tenure=find(_CLUB_TENURE, _TENURE_NAMES),
            months_left=find(_CLUB_MONTHS_LEFT, _MONTHS_LEFT_NAMES),
            contract=find(_CLUB_CONTRACT, _CONTRACT_NAMES),
        )

    @property
    def moves(self) -> bool:
        """Whether anything moves with the calendar (False: constant hazard)."""
        return self.tenure is not None or self.months_left is not None

    def step(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The members a month later (a copy; ``frame`` is not changed).

        Tenure grows by one; months left fall by one, and a contract that reaches 0 months left
        renews for its length (to 1, month to month, when the length is unknown or missing).
        Whether the member renews at all is in the hazard of the contract's last month, which
        the model sees through months left = 1. Missing values stay missing. Every other
        column is held.
        """
        later = frame.copy()
        if self.tenure is not None:
            later[self.tenure] = _same_kind(frame[self.tenure], _numbers(frame[self.tenure]) + 1)
        if self.months_left is not None:
            left = _numbers(frame[self.months_left]) - 1
            renewal = np.ones(len(frame))
            if self.contract is not None:
                length = _numbers(frame[self.contract])
                renewal = np.where(np.isfinite(length) & (length >= 1), length, 1.0)
            left = np.where(left <= 0, renewal, left)  # NaN stays NaN (NaN <= 0 is False)
            later[self.months_left] = _same_kind(frame[self.months_left], left)
        return later


def _plain(text: str) -> str:
    """A name or label as lower-case words joined by ``_`` (``"Tenure, months"`` ->
    ``"tenure_months"``)."""
    return "_".join(re.findall(r"[^\W_]+", str(text).lower()))


def _numbers(column: pd.Series) -> np.ndarray:
    return np.asarray(pd.to_numeric(column, errors="coerce"), dtype=float)


def _same_kind(original: pd.Series, values: np.ndarray) -> pd.Series:
    """``values`` with the original column's index, and its integer dtype when it had one."""
    out = pd.Series(values, index=original.index, name=original.name)
    if pd.api.types.is_integer_dtype(original.dtype) and np.isfinite(values).all():
        return out.astype(original.dtype)
    return out


def survival_curves(
    probability: Callable[[pd.DataFrame], np.ndarray],
    members: pd.DataFrame,
    clock: Clock,
    *,
    horizon: int = 12,
) -> np.ndarray:
    """Each member's chance of still being a member after 1, 2, ... ``horizon`` months.

    ``S[:, t-1] = prod_{u <= t} (1 - p_u)``: ``p_1`` is the model's probability of leaving for
    the members as they are, ``p_2`` for them a month on (:meth:`Clock.step`), and so on.
    Behaviour is held at its last values (see the module's note).

    Parameters
    ----------
    probability : callable
        ``probability(frame) -> array of shape (n,)``: each member's probability of leaving
        next month, from a frame of the model's features as the model takes them (for a fitted
        model, ``lambda f: compiled.probability_of(compiled.values(f))``). Called ``horizon``
        times, each time on all members at once.
    members : pandas.DataFrame
        The members now, with the model's features.
    clock : Clock
        The features that move with the calendar.
    horizon : int
        Months ahead, at least 1.

    Returns
    -------
    ndarray of shape (n_members, horizon)
        Non-increasing along each row, in [0, 1]; probabilities outside [0, 1] are clipped.

    Raises
    ------
    ValueError
        ``horizon`` below 1, or ``probability`` returning the wrong number of values.

    Examples
    --------
    >>> members = pd.DataFrame({"tenure": [0, 10]})
    >>> leaving = lambda f: 0.5 / (1 + f["tenure"].to_numpy())  # falls with tenure
    >>> survival_curves(leaving, members, Clock(tenure="tenure"), horizon=3).round(4)
    array([[0.5   , 0.375 , 0.3125],
           [0.9545, 0.9148, 0.8796]])
    """
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 month, not {horizon}")
    n = len(members)
    staying = np.ones((n, horizon))
    if n == 0:
        return staying
    frame = members
    for month in range(horizon):
        if month:
            frame = clock.step(frame)
        p = np.asarray(probability(frame), dtype=float).reshape(-1)
        if p.shape != (n,):
            raise ValueError(f"probability returned {p.size} values for {n} members")
        staying[:, month] = 1.0 - np.clip(p, 0.0, 1.0)
    return np.cumprod(staying, axis=1)


def member_value(
    curves: np.ndarray,
    *,
    fee: float,
    extra_per_month: np.ndarray | None = None,
    discount: float = 0.0,
) -> dict[str, np.ndarray]:
    """Staying chances, expected months and expected takings over the next 12 months.

    Convention: a member pays for month ``t`` when still a member after ``t`` months' leaving
    (``S_t``), so the first payment counts with the chance of staying the first month. Payments
    are discounted at ``discount`` a month (a monthly rate): month ``t`` weighs
    ``d ** (t - 1)`` with ``d = 1 / (1 + discount)``, the first month undiscounted.

    Parameters
    ----------
    curves : ndarray of shape (n_members, horizon)
        :func:`survival_curves`, ``horizon`` at least 12 (later months are not used).
    fee : float
        The membership fee a month.
    extra_per_month : ndarray of shape (n_members,), optional
        Each member's other spending a month (0 when None).
    discount : float
        Monthly discount rate, above -1; 0 gives plain expected months.

    Returns
    -------
    dict of ndarray
        ``stay_3m``, ``stay_6m``, ``stay_12m`` (the chance of being a member after 3, 6 and 12
        months), ``expected_months_12`` (``sum_{t=1..12} S_t d ** (t-1)``) and
        ``member_value`` (``(fee + extra_per_month) * expected_months_12``).

    Raises
    ------
    ValueError
        Curves shorter than 12 months, not two-dimensional, a discount of -1 or below, or
        ``extra_per_month`` of the wrong length.

    Examples
    --------
    >>> curves = np.array([[0.9 ** t for t in range(1, 13)]])
    >>> value = member_value(curves, fee=30.0)
    >>> round(float(value["stay_3m"][0]), 4), round(float(value["expected_months_12"][0]), 4)
    (0.729, 6.4581)
    >>> round(float(value["member_value"][0]), 2)
    193.74
    """
    curves = np.asarray(curves, dtype=float)
    if curves.ndim != 2 or curves.shape[1] < VALUE_MONTHS:
        raise ValueError(
            f"member_value needs curves of at least {VALUE_MONTHS} months (n_members, horizon); "
            f"got shape {curves.shape}: use survival_curves(..., horizon={VALUE_MONTHS})"
        )
    if not discount > -1:
        raise ValueError(f"a monthly discount rate must be above -1, not {discount}")
    n = curves.shape[0]
    extra = np.zeros(n) if extra_per_month is None else np.asarray(extra_per_month, dtype=float)
    if extra.shape != (n,):
        raise ValueError(f"extra_per_month has {extra.size} values for {n} members")
    weights = (1.0 / (1.0 + discount)) ** np.arange(VALUE_MONTHS)
    expected = curves[:, :VALUE_MONTHS] @ weights
    return {
        "stay_3m": curves[:, 2].copy(),
        "stay_6m": curves[:, 5].copy(),
        "stay_12m": curves[:, 11].copy(),
        "expected_months_12": expected,
        "member_value": (float(fee) + extra) * expected,
    }


def kaplan_meier(
    tenure: Iterable[float] | np.ndarray, left: Iterable[bool] | np.ndarray
) -> pd.DataFrame:
    """The table's own survival by tenure: a left-truncated product-limit estimate.

    Each member is seen entering at their tenure ``L`` (left-truncated: they are in the table
    only because they stayed ``L`` months) and for one month: an event at ``L + 1`` if they left,
    censored at ``L + 1`` otherwise. At tenure ``t`` the members at risk are those who entered
    before ``t`` and had not exited before ``t`` (here, those with ``L = t - 1``);
    ``S(t) = prod_{u <= t} (1 - left_u / at_risk_u)``, ``S(0) = 1``.

    Members with a missing tenure or outcome are left out. The table runs to ``max(L) + 1``,
    or stops before the first tenure with nobody at risk (beyond it the survival is unknown).

    Parameters
    ----------
    tenure : array-like of whole numbers >= 0
        Months each member had been a member when seen.
    left : array-like of bool or 0/1
        Whether each left within the following month.

    Returns
    -------
    pandas.DataFrame
        Columns ``tenure`` (0, 1, ...), ``at_risk``, ``left`` and ``survival``.

    Raises
    ------
    ValueError
        Tenures that are negative or not whole numbers, or inputs of different lengths.

    Examples
    --------
    >>> kaplan_meier([0, 0, 0, 0, 1, 1], [1, 0, 0, 0, 1, 0])
       tenure  at_risk  left  survival
    0       0        0     0     1.000
    1       1        4     1     0.750
    2       2        2     1     0.375
    """
    entry = np.asarray(pd.to_numeric(pd.Series(list(tenure)), errors="coerce"), dtype=float)
    event = np.asarray(pd.to_numeric(pd.Series(list(left)), errors="coerce"), dtype=float)
    if entry.shape != event.shape:
        raise ValueError(f"{entry.size} tenures but {event.size} outcomes")
    known = np.isfinite(entry) & np.isfinite(event)
    entry, event = entry[known], event[known] != 0
    if (entry < 0).any() or (entry != np.round(entry)).any():
        raise ValueError("tenure must hold whole numbers of months, 0 or more")
    entry_month = entry.astype(int)
    exit_month = entry_month + 1
    last = int(exit_month.max()) if len(exit_month) else 0
    months = np.arange(last + 1)
    entered = np.bincount(entry_month, minlength=last + 1)
    exited = np.bincount(exit_month, minlength=last + 1)
    # at risk at t: entered before t (entry < t), minus those who exited before t (exit < t)
    entered_before = np.concatenate([[0], np.cumsum(entered)[:-1]])
    exited_before = np.concatenate([[0], np.cumsum(exited)[:-1]])
    at_risk = entered_before - exited_before
    deaths = np.bincount(exit_month[event], minlength=last + 1)
    empty = np.flatnonzero((at_risk == 0) & (months >= 1))
    end = int(empty[0]) if len(empty) else last + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, deaths / np.maximum(at_risk, 1), 0.0)
    survival = np.cumprod(1.0 - hazard)
    return pd.DataFrame(
        {
            "tenure": months[:end],
            "at_risk": at_risk[:end],
            "left": deaths[:end],
            "survival": survival[:end],
        }
    )
