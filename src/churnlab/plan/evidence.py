"""What a retention measure really did: its contacted members against its randomised control group.

Each month the campaign gives every targeted member a measure, and within each measure a random
share is held back as a control group and not contacted (:mod:`churnlab.plan.control`). A month
later we know who left. For one measure, :class:`Arms` holds the four counts::

    n_t = members contacted        x_t = of them, left
    n_c = members held back        x_c = of them, left

Counts may be non-integer: :func:`pooled` adds months with weights. Every figure below is computed
by the formula given, with numpy and the standard library only.

**Churn of each group.** ``contact_churn = x_t / n_t`` and ``control_churn = x_c / n_c``; each is
undefined (None) when its group is empty.

**Wilson score interval** of one churn rate (:func:`wilson_interval`; Wilson 1927, Newcombe 1998a
method 3), with ``z`` the standard normal quantile of ``(1 + level) / 2`` (1.96 for 95 %) and
``p = x / n``::

    centre     = (x + z²/2) / (n + z²)
    half-width = z / (n + z²) · √(n·p·(1 − p) + z²/4)
    interval   = centre ± half-width

It stays inside [0, 1], is 0 at its lower end when no one left and 1 at its upper end when all
left. With no members nothing is known: (0, 1).

**Uplift**: ``uplift = control_churn − contact_churn``, the share of contacted members the
measure kept (positive: fewer left among the contacted). Its interval (:func:`uplift_interval`) is
Newcombe's hybrid score interval (Newcombe 1998b, method 10), built from the two Wilson intervals
``[l_c, u_c]`` (control) and ``[l_t, u_t]`` (contact)::

    low  = uplift − √((control_churn − l_c)² + (u_t − contact_churn)²)
    high = uplift + √((u_c − control_churn)² + (contact_churn − l_t)²)

It is defined whenever both groups have members, including when no one or everyone left.

**Success rate.** The playbook's ``success_rate`` of a measure is the share of would-be leavers
that a contact keeps. If ``q`` is the churn of like members who are not contacted (the control
group measures it) and ``s`` the success rate, a contacted member leaves with probability
``q × (1 − s)``. So *the success rate is implied by the uplift*::

    s = 1 − contact_churn / control_churn = uplift / control_churn

and the data alone estimate it by that ratio. The ratio is unstable when few members of the
control group left (and undefined when none did), so :func:`success_posterior` combines the data
with the playbook's assumption, weighted by how much each is worth:

- ``q`` has a flat prior, Beta(1, 1), updated by the control group: Beta(1 + x_c, 1 + n_c − x_c);
- ``s`` lies in [0, 1] with prior Beta(k·r, k·(1 − r)), where ``r`` is the playbook's success
  rate (clipped to [0.005, 0.995] so the prior is proper) and ``k = prior_strength``: the
  assumption counts as ``k`` observed would-be leavers (default 10);
- the contacted members who left: ``x_t ~ Binomial(n_t, q × (1 − s))``.

The joint posterior of ``(q, s)`` is computed on a grid of cells (400 × 400 by default, after
coarser passes that narrow the grid to where the posterior lies), with each cell's prior mass
integrated exactly where a prior density is unbounded at 0 or 1 and the likelihood at the cell's
midpoint; fractional counts enter the log-likelihoods as they are. The success rate reported is
the mean of ``s``'s marginal posterior, with its equal-tailed ``level`` interval. Because ``s``
cannot be negative, a measure that makes members leave *more* shows as ``s`` near 0 here, and as a
negative uplift above.

**Evidence**: what the two groups are worth in observations of ``s``, read off the posterior: a
Beta posterior of mean ``m`` and variance ``v`` is worth ``m (1 − m) / v − 1`` observations, of
which the prior brought ``prior_strength``; the rest is the data's::

    evidence = max(0, m (1 − m) / v − 1 − prior_strength)

The measure counts as ``measured`` when the evidence outweighs the assumption:
``evidence > prior_strength``, i.e. the posterior is at least twice as sure as the prior. It counts
everything that limits what the data say: few contacted would-be leavers (``n_t ×`` control churn
bounds it), and a small control group, whose churn is itself uncertain (200 contacted against 6
held back stay "assumed" however many of them left). With 2,000 members in each group and a
control churn of 0.3, a playbook rate of 0.1 against a true 0.4 still pulls the success rate down
by about 0.015, half its standard error; with 10,000 in each group the pull is about a fifth of
the standard error.

**Does it pay?** A contact pays when what it keeps is worth more than it costs:
``s × q × value_kept > cost``, with ``value_kept = fee × months_kept`` and ``cost`` per member
contacted (the plan's expected saving per member is churn probability × success rate ×
value_kept). ``p_pays`` is the posterior probability of that.

**Money** (:func:`measure_effect`), for the members contacted::

    saves = uplift × n_t           (members kept by the contacts; its interval: the uplift's × n_t)
    value = saves × value_kept     (and its interval likewise)
    cost  = n_t × cost per member
    net   = value − cost

Older months (:func:`pooled`) count less: a month ``age`` months old is weighted by
``0.5 ** (age / half_life)``, and the weighted counts are summed.

References: E. B. Wilson (1927), Probable inference, the law of succession, and statistical
inference, JASA 22, 209-212. R. G. Newcombe (1998a), Two-sided confidence intervals for the single
proportion: comparison of seven methods, Statistics in Medicine 17, 857-872. R. G. Newcombe
(1998b), Interval estimation for the difference between independent proportions: comparison of
eleven methods, Statistics in Medicine 17, 873-890.

>>> effect = measure_effect(Arms(contact=400, contact_left=60, control=100, control_left=25),
...                         prior_rate=0.3, cost=5.0, value_kept=300.0)
>>> effect["uplift"], effect["saves"], effect["net"]
(0.1, 40.0, 10000.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from statistics import NormalDist
from typing import Any

import numpy as np

__all__ = [
    "Arms",
    "SuccessPosterior",
    "measure_effect",
    "pooled",
    "success_posterior",
    "uplift_interval",
    "wilson_interval",
]

#: The playbook's success rate is clipped to this range for its prior, so the prior is proper.
_RATE_BOUNDS = (0.005, 0.995)
#: Cells per axis of the coarse passes that narrow the grid to where the posterior lies.
_COARSE = 100
#: Posterior mass below which the tails are left out of the narrowed grid (each side, each axis).
_TAIL = 1e-10
#: Coarse cells kept beyond the tails on each side.
_PAD = 2
#: The narrowest the grid gets along an axis (keeps the midpoints distinct and inside (0, 1)).
_NARROWEST = 1e-9


@dataclass(frozen=True)
class Arms:
    """The two groups of one measure: how many members each had and how many of them left.

    Counts may be non-integer (weighted, pooled across months: :func:`pooled`).

    Parameters
    ----------
    contact, contact_left : float
        Members contacted, and how many of them left.
    control, control_left : float
        Members held back (the control group), and how many of them left.

    Raises
    ------
    ValueError
        A count is negative or not finite, or more members left than a group had.

    Examples
    --------
    >>> arms = Arms(contact=80, contact_left=12, control=20, control_left=5)
    >>> arms.contact_churn, arms.control_churn
    (0.15, 0.25)
    >>> Arms(0, 0, 0, 0).contact_churn is None
    True
    """

    contact: float
    contact_left: float
    control: float
    control_left: float

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise ValueError(f"{field.name} must be a number, not {value!r}")
            value = float(value)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{field.name} must be a finite count of 0 or more, not {value}")
            object.__setattr__(self, field.name, value)
        for group in ("contact", "control"):
            members, left = getattr(self, group), getattr(self, f"{group}_left")
            if left > members * (1 + 1e-12):
                raise ValueError(
                    f"{group}_left ({left:g}) is more than the {group} group's members "
                    f"({members:g})"
                )
            object.__setattr__(self, f"{group}_left", min(left, members))

    @property
    def contact_churn(self) -> float | None:
        """``contact_left / contact``; None when no one was contacted."""
        return self.contact_left / self.contact if self.contact > 0 else None

    @property
    def control_churn(self) -> float | None:
        """``control_left / control``; None when no one was held back."""
        return self.control_left / self.control if self.control > 0 else None


@dataclass(frozen=True)
class SuccessPosterior:
    """What the data and the playbook's assumption together say of a measure's success rate.

    Attributes
    ----------
    mean, low, high : float
        The posterior mean of the success rate and its equal-tailed interval.
    evidence : float
        What the data are worth in observations of the success rate: the posterior's worth,
        ``mean (1 − mean) / variance − 1``, less the prior's (0 without data).
    prior_rate : float
        The playbook's success rate, the prior's centre (as given; clipped to [0.005, 0.995]
        for the prior itself).
    prior_strength : float
        What the assumption is worth in observations.
    measured : bool
        Whether the data outweigh the assumption: ``evidence > prior_strength``.
    p_pays : float or None
        The posterior probability that a contact pays, ``s × q × value_kept > cost``; None when
        the cost or the value of a kept member is not given.
    """

    mean: float
    low: float
    high: float
    evidence: float
    prior_rate: float
    prior_strength: float
    measured: bool
    p_pays: float | None


def wilson_interval(x: float, n: float, *, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of the proportion ``x / n``.

    Parameters
    ----------
    x, n : float
        Members who left, and members (non-integer counts allowed).
    level : float
        The confidence level, in (0, 1).

    Returns
    -------
    (float, float)
        The interval's ends; (0, 1) when ``n`` is 0.

    Examples
    --------
    Newcombe (1998a), Table I:

    >>> [round(end, 4) for end in wilson_interval(81, 263)]
    [0.2553, 0.3662]
    >>> [round(end, 4) for end in wilson_interval(0, 20)]
    [0.0, 0.1611]
    """
    z = _z(level)
    _check_count(x, n)
    x = min(x, n)
    if n == 0:
        return (0.0, 1.0)
    p = x / n
    centre = (x + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(n * p * (1 - p) + z * z / 4)
    low = 0.0 if x == 0 else max(0.0, centre - half)
    high = 1.0 if x == n else min(1.0, centre + half)
    return (float(low), float(high))


def uplift_interval(
    arms: Arms, *, level: float = 0.95
) -> tuple[float | None, float | None, float | None]:
    """The uplift, ``control churn − contact churn``, and Newcombe's hybrid score interval.

    Parameters
    ----------
    arms : Arms
        The measure's two groups.
    level : float
        The confidence level, in (0, 1).

    Returns
    -------
    (uplift, low, high)
        Positive: the measure kept members. All None when a group is empty.

    Examples
    --------
    Newcombe (1998b), Table II, example (a): 56/70 against 48/80.

    >>> uplift, low, high = uplift_interval(Arms(80, 48, 70, 56))
    >>> round(uplift, 4), round(low, 4), round(high, 4)
    (0.2, 0.0524, 0.3339)
    >>> uplift_interval(Arms(80, 48, 0, 0))
    (None, None, None)
    """
    _z(level)
    if arms.contact == 0 or arms.control == 0:
        return (None, None, None)
    control = arms.control_left / arms.control
    contact = arms.contact_left / arms.contact
    control_low, control_high = wilson_interval(arms.control_left, arms.control, level=level)
    contact_low, contact_high = wilson_interval(arms.contact_left, arms.contact, level=level)
    uplift = control - contact
    low = uplift - math.hypot(control - control_low, contact_high - contact)
    high = uplift + math.hypot(control_high - control, contact - contact_low)
    return (float(uplift), float(low), float(high))


def success_posterior(
    arms: Arms,
    *,
    prior_rate: float,
    prior_strength: float = 10.0,
    cost: float | None = None,
    value_kept: float | None = None,
    level: float = 0.95,
    grid: int = 400,
) -> SuccessPosterior:
    """The success rate's posterior: the two groups' data and the playbook's assumption.

    The model and the grid are described in the module's documentation.

    Parameters
    ----------
    arms : Arms
        The measure's two groups.
    prior_rate : float
        The playbook's success rate for the measure, in [0, 1].
    prior_strength : float
        What the playbook's rate is worth, in observed would-be leavers (above 0).
    cost : float, optional
        Cost per member contacted; with ``value_kept`` it gives ``p_pays``.
    value_kept : float, optional
        What a kept member is worth (``Economics.value_kept``: fee × months kept).
    level : float
        The interval's level, in (0, 1).
    grid : int
        Cells per axis of the final grid (at least 20).

    Returns
    -------
    SuccessPosterior

    Examples
    --------
    >>> posterior = success_posterior(Arms(2000, 300, 500, 125), prior_rate=0.3,
    ...                               cost=5.0, value_kept=300.0)
    >>> round(posterior.mean, 2), round(posterior.evidence), posterior.measured
    (0.38, 63, True)
    >>> round(posterior.p_pays, 3)
    1.0
    >>> round(success_posterior(Arms(0, 0, 0, 0), prior_rate=0.3).mean, 3)
    0.3
    """
    _z(level)
    if not isinstance(grid, int) or grid < 20:
        raise ValueError(f"grid must be a whole number of cells of at least 20, not {grid!r}")
    if not _finite(prior_rate) or not 0 <= prior_rate <= 1:
        raise ValueError(f"prior_rate must be from 0 to 1, not {prior_rate!r}")
    if not _finite(prior_strength) or prior_strength <= 0:
        raise ValueError(f"prior_strength must be above 0, not {prior_strength!r}")
    for name, money in (("cost", cost), ("value_kept", value_kept)):
        if money is not None and (not _finite(money) or money < 0):
            raise ValueError(f"{name} must be 0 or more, not {money!r}")
    rate = min(max(float(prior_rate), _RATE_BOUNDS[0]), _RATE_BOUNDS[1])
    prior = (prior_strength * rate, prior_strength * (1 - rate))

    q_range, s_range = (0.0, 1.0), (0.0, 1.0)
    for _ in range(5):
        q_edges, s_edges = np.linspace(*q_range, _COARSE + 1), np.linspace(*s_range, _COARSE + 1)
        mass = _joint_posterior(arms, prior, q_edges, s_edges)
        new_q = _support(mass.sum(axis=1), q_edges)
        new_s = _support(mass.sum(axis=0), s_edges)
        narrowed = _width(new_q) < 0.5 * _width(q_range) or _width(new_s) < 0.5 * _width(s_range)
        q_range, s_range = new_q, new_s
        if not narrowed:
            break
    q_edges, s_edges = np.linspace(*q_range, grid + 1), np.linspace(*s_range, grid + 1)
    mass = _joint_posterior(arms, prior, q_edges, s_edges)
    s_mass = mass.sum(axis=0)
    s_mid = (s_edges[:-1] + s_edges[1:]) / 2
    tail = (1 - level) / 2
    low, high = _quantiles(s_mass, s_edges, [tail, 1 - tail])

    p_pays: float | None = None
    if cost is not None and value_kept is not None:
        q_mid = (q_edges[:-1] + q_edges[1:]) / 2
        pays = np.outer(q_mid, s_mid) * value_kept > cost
        p_pays = float(min(1.0, mass[pays].sum()))

    mean = float(np.dot(s_mass, s_mid))
    spread = float(np.dot(s_mass, (s_mid - mean) ** 2)) + (s_edges[1] - s_edges[0]) ** 2 / 12
    worth = mean * (1 - mean) / spread - 1 if spread > 0 else math.inf
    evidence = min(max(0.0, worth - prior_strength), 1e12)
    return SuccessPosterior(
        mean=mean,
        low=low,
        high=high,
        evidence=float(evidence),
        prior_rate=float(prior_rate),
        prior_strength=float(prior_strength),
        measured=bool(evidence > prior_strength),
        p_pays=p_pays,
    )


def pooled(months: Sequence[tuple[float, Arms]], *, half_life: float = 6.0) -> Arms:
    """One measure's months as one: counts weighted by ``0.5 ** (age / half_life)`` and summed.

    Parameters
    ----------
    months : sequence of (float, Arms)
        Each month's age in months (0 for the latest) and its groups.
    half_life : float
        The age at which a month counts half (above 0; ``math.inf`` weighs all months alike).

    Returns
    -------
    Arms
        All zeros when there are no months.

    Examples
    --------
    >>> pooled([(0, Arms(100, 10, 20, 4)), (6, Arms(100, 20, 20, 6))])
    Arms(contact=150.0, contact_left=20.0, control=30.0, control_left=7.0)
    """
    if not isinstance(half_life, int | float) or math.isnan(half_life) or half_life <= 0:
        raise ValueError(f"half_life must be above 0, not {half_life!r}")
    totals = [0.0, 0.0, 0.0, 0.0]
    for age, arms in months:
        if not _finite(age) or age < 0:
            raise ValueError(f"a month's age must be 0 or more, not {age!r}")
        weight = 0.5 ** (float(age) / half_life)
        counts = (arms.contact, arms.contact_left, arms.control, arms.control_left)
        totals = [total + weight * count for total, count in zip(totals, counts, strict=True)]
    return Arms(*totals)


def measure_effect(
    arms: Arms,
    *,
    prior_rate: float,
    cost: float,
    value_kept: float,
    prior_strength: float = 10.0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Everything the two groups say of one measure, JSON-ready.

    Parameters
    ----------
    arms : Arms
        The measure's two groups (one month's, or :func:`pooled`).
    prior_rate : float
        The playbook's success rate for the measure.
    cost : float
        Cost per member contacted.
    value_kept : float
        What a kept member is worth (fee × months kept).
    prior_strength : float
        What the playbook's rate is worth, in observed would-be leavers.
    level : float
        The intervals' level.

    Returns
    -------
    dict
        ``contact``, ``control``, ``contact_left``, ``control_left``, ``contact_churn``,
        ``control_churn``; ``uplift``, ``uplift_low``, ``uplift_high``; ``success_rate``,
        ``success_low``, ``success_high`` (the posterior's), ``prior_rate``, ``evidence``,
        ``measured``, ``p_pays``; ``saves``, ``saves_low``, ``saves_high`` (the uplift and its
        interval × contact); ``value``, ``value_low``, ``value_high`` (× value_kept); ``cost``
        (contact × cost) and ``net`` (value − cost). Plain floats rounded to 6 decimals, None
        where undefined, ``measured`` a bool.

    Examples
    --------
    >>> effect = measure_effect(Arms(0, 0, 30, 9), prior_rate=0.2, cost=4.0, value_kept=300.0)
    >>> effect["uplift"], effect["saves"], effect["cost"], effect["measured"]
    (None, None, 0.0, False)
    """
    for name, money in (("cost", cost), ("value_kept", value_kept)):
        if not _finite(money) or money < 0:
            raise ValueError(f"{name} must be 0 or more, not {money!r}")
    uplift, uplift_low, uplift_high = uplift_interval(arms, level=level)
    posterior = success_posterior(
        arms,
        prior_rate=prior_rate,
        prior_strength=prior_strength,
        cost=cost,
        value_kept=value_kept,
        level=level,
    )

    def times(value: float | None, factor: float) -> float | None:
        return None if value is None else value * factor

    saves, saves_low, saves_high = (
        times(uplift, arms.contact),
        times(uplift_low, arms.contact),
        times(uplift_high, arms.contact),
    )
    value = times(saves, value_kept)
    total_cost = arms.contact * cost
    figures: dict[str, float | None] = {
        "contact": arms.contact,
        "control": arms.control,
        "contact_left": arms.contact_left,
        "control_left": arms.control_left,
        "contact_churn": arms.contact_churn,
        "control_churn": arms.control_churn,
        "uplift": uplift,
        "uplift_low": uplift_low,
        "uplift_high": uplift_high,
        "success_rate": posterior.mean,
        "success_low": posterior.low,
        "success_high": posterior.high,
        "prior_rate": posterior.prior_rate,
        "evidence": posterior.evidence,
    }
    money_figures: dict[str, float | None] = {
        "saves": saves,
        "saves_low": saves_low,
        "saves_high": saves_high,
        "value": value,
        "value_low": times(saves_low, value_kept),
        "value_high": times(saves_high, value_kept),
        "cost": total_cost,
        "net": None if value is None else value - total_cost,
    }
    return {
        **{name: _rounded(figure) for name, figure in figures.items()},
        "measured": posterior.measured,
        "p_pays": _rounded(posterior.p_pays),
        **{name: _rounded(figure) for name, figure in money_figures.items()},
    }


def _joint_posterior(
    arms: Arms, prior: tuple[float, float], q_edges: np.ndarray, s_edges: np.ndarray
) -> np.ndarray:
    """The posterior mass of each cell of the (q, s) grid, summing to 1."""
    log_q = _log_cell_mass(
        q_edges, 1 + arms.control_left, 1 + arms.control - arms.control_left
    )  # the control group's posterior of q (flat prior)
    log_s = _log_cell_mass(s_edges, *prior)
    q_mid = (q_edges[:-1] + q_edges[1:]) / 2
    s_mid = (s_edges[:-1] + s_edges[1:]) / 2
    stayed = arms.contact - arms.contact_left
    with np.errstate(divide="ignore"):
        if arms.contact_left > 0:  # log(q (1 - s)) = log q + log(1 - s): one term per axis
            log_q = log_q + arms.contact_left * np.log(q_mid)
            log_s = log_s + arms.contact_left * np.log1p(-s_mid)
        log_mass: np.ndarray = np.add.outer(log_q, log_s)
        if stayed > 0:  # a contacted member stays with probability 1 - q (1 - s)
            stay = np.outer(q_mid, s_mid - 1)
            np.log1p(stay, out=stay)
            stay *= stayed
            log_mass += stay
    log_mass -= log_mass.max()
    np.exp(log_mass, out=log_mass)
    log_mass /= log_mass.sum()
    return log_mass


def _log_cell_mass(edges: np.ndarray, a: float, b: float) -> np.ndarray:
    """The log of each cell's mass under the density ``x^(a−1) (1−x)^(b−1)``, up to a constant.

    A factor bounded on the cell (exponent ≥ 0) is taken at the cell's midpoint; an unbounded one
    (``a < 1`` near 0, ``b < 1`` near 1) is integrated exactly over the cell, so a prior that piles
    up at 0 or 1 has its mass in the end cells.
    """
    low, high = edges[:-1], edges[1:]
    width = high - low
    mid = (low + high) / 2
    with np.errstate(divide="ignore"):
        if a < 1:  # log ∫ x^(a-1) dx = log((high^a - low^a) / a)
            left = a * np.log(high) + np.log(-np.expm1(a * (np.log(low) - np.log(high))))
            left = left - math.log(a)
        else:
            left = (a - 1) * np.log(mid) + np.log(width)
        if b < 1:  # log ∫ (1-x)^(b-1) dx = log(((1-low)^b - (1-high)^b) / b)
            right = b * np.log1p(-low) + np.log(-np.expm1(b * (np.log1p(-high) - np.log1p(-low))))
            right = right - math.log(b)
        else:
            right = (b - 1) * np.log1p(-mid) + np.log(width)
    return np.asarray(left + right - np.log(width))


def _support(mass: np.ndarray, edges: np.ndarray) -> tuple[float, float]:
    """The range of cells that holds all but ``_TAIL`` of the mass on each side, padded."""
    cdf = np.cumsum(mass)
    first = int(np.searchsorted(cdf, _TAIL))
    last = int(np.searchsorted(cdf, 1 - _TAIL))
    low = float(edges[max(first - _PAD, 0)])
    high = float(edges[min(last + _PAD, len(mass) - 1) + 1])
    if high - low < _NARROWEST:
        centre = min(max((low + high) / 2, _NARROWEST), 1 - _NARROWEST)
        low, high = centre - _NARROWEST / 2, centre + _NARROWEST / 2
    return low, high


def _quantiles(mass: np.ndarray, edges: np.ndarray, levels: Sequence[float]) -> list[float]:
    """Quantiles of a distribution given by cell masses, linear within each cell."""
    cdf = np.concatenate([[0.0], np.cumsum(mass)])
    cdf /= cdf[-1]
    found = []
    for level in levels:
        cell = int(np.clip(np.searchsorted(cdf, level) - 1, 0, len(mass) - 1))
        share = (level - cdf[cell]) / mass[cell] if mass[cell] > 0 else 0.5
        share = min(max(share, 0.0), 1.0)
        found.append(float(edges[cell] + share * (edges[cell + 1] - edges[cell])))
    return found


def _width(bounds: tuple[float, float]) -> float:
    return bounds[1] - bounds[0]


def _z(level: float) -> float:
    """The standard normal quantile of ``(1 + level) / 2``."""
    if not _finite(level) or not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level!r}")
    return NormalDist().inv_cdf((1 + level) / 2)


def _check_count(x: float, n: float) -> None:
    if not _finite(x) or not _finite(n) or x < 0 or n < 0 or x > n * (1 + 1e-12):
        raise ValueError(f"need counts with 0 ≤ x ≤ n, not x={x!r}, n={n!r}")


def _finite(value: object) -> bool:
    return (
        isinstance(value, int | float | np.number)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _rounded(value: float | None) -> float | None:
    """A plain float rounded to 6 decimals (no -0.0), or None."""
    return None if value is None else round(float(value), 6) + 0.0
