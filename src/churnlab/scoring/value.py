"""Each member's months ahead and value: the model's survival curve, the fee and the spending.

:func:`member_values` rolls the members forward a month at a time with the model's own
arithmetic (:mod:`churnlab.model.survival`: tenure + 1, contract months - 1 and renewed at the
end, behaviour held) and gives, per member:

- ``stay_3m``, ``stay_6m``, ``stay_12m``: the chance of still being a member after 3, 6, 12
  months;
- ``expected_months_12``: the expected paid months of the next 12, discounted at
  ``Economics.discount`` a month;
- ``member_value``: (fee + spending per month) × ``expected_months_12``; the spending is the
  club table's other services per month (``Avg_additional_charges_total / (Lifetime + 1)``)
  where the table has it, else nothing;
- ``kept_value``: the same for the member kept through next month (``member_value`` / the chance
  of staying next month): what a contact that keeps them is worth, which the plan prices with;
- ``value_at_risk``: ``churn probability × kept_value``, what next month's leaving would cost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from churnlab.model.derived import DERIVED_METRICS
from churnlab.model.scorer import Scorer
from churnlab.model.survival import Clock, member_value, survival_curves
from churnlab.plan.playbook import Economics

__all__ = [
    "HORIZON",
    "VALUE_COLUMNS",
    "member_curves",
    "member_values",
    "value_of",
    "value_of_totals",
    "value_totals",
]

#: Months the curves cover.
HORIZON = 12
#: What :func:`member_values` gives, in order.
VALUE_COLUMNS = (
    "stay_3m",
    "stay_6m",
    "stay_12m",
    "expected_months_12",
    "member_value",
    "kept_value",
    "value_at_risk",
)
_SPENDING = "charges_per_month"


def member_curves(model: Scorer, members: pd.DataFrame) -> np.ndarray:
    """Each member's survival curve from the model's arithmetic: (n, :data:`HORIZON`), the
    chance of still being a member after 1 … 12 months."""
    fast = model.compiled()

    def probability(frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(fast.probability_of(fast.values(frame)))

    return survival_curves(probability, members, Clock.of(model.spec_), horizon=HORIZON)


def member_values(
    model: Scorer,
    members: pd.DataFrame,
    economics: Economics,
    *,
    curves: np.ndarray | None = None,
) -> pd.DataFrame:
    """Each member's staying chances, expected months and value (columns :data:`VALUE_COLUMNS`,
    index as `members`').

    Parameters
    ----------
    model : Scorer
        The fitted model (or its arithmetic).
    members : pandas.DataFrame
        The members' features as the model takes them.
    economics : Economics
        The fee and the discount.
    curves : ndarray, optional
        The members' curves (:func:`member_curves`), when the caller has them already.
    """
    if curves is None:
        curves = member_curves(model, members)
    found = member_value(curves, fee=economics.fee, extra_per_month=_spending(members),
                         discount=economics.discount)  # fmt: skip
    values = pd.DataFrame({name: found[name] for name in VALUE_COLUMNS[:5]}, index=members.index)
    staying = np.clip(curves[:, 0], 1e-9, None) if len(curves) else np.zeros(0)
    values["kept_value"] = values["member_value"].to_numpy() / staying
    values["value_at_risk"] = (1 - curves[:, 0]) * values["kept_value"].to_numpy()
    return values


def value_of(values: pd.DataFrame) -> dict[str, float | None]:
    """A group's value in a few figures: its members' total value and value at risk, and
    their mean staying chances and expected months (None for no members)."""
    return value_of_totals(value_totals(values))


#: The columns :func:`value_totals` sums.
_TOTALLED = ("member_value", "value_at_risk", "stay_3m", "stay_12m", "expected_months_12")


def value_totals(values: pd.DataFrame) -> pd.Series:
    """A group's ``members`` and the sums of its value columns: what :func:`value_of` is drawn
    from, and what a table's parts add up (``a + b``) to give the whole table's figures.

    Examples
    --------
    >>> values = pd.DataFrame({name: [0.5, 0.7, 0.9] for name in VALUE_COLUMNS})
    >>> parts = value_totals(values[:1]) + value_totals(values[1:])
    >>> value_of_totals(parts) == value_of(values)
    True
    """
    return pd.Series(
        {"members": float(len(values))} | {c: float(values[c].sum()) for c in _TOTALLED}
    )


def value_of_totals(totals: pd.Series) -> dict[str, float | None]:
    """:func:`value_of` from a group's :func:`value_totals`."""
    n = totals["members"]
    if not n:
        return {"member_value": 0.0, "value_at_risk": 0.0, "stay_3m": None,
                "stay_12m": None, "expected_months_12": None}  # fmt: skip
    return {
        "member_value": round(float(totals["member_value"]), 2),
        "value_at_risk": round(float(totals["value_at_risk"]), 2),
        "stay_3m": round(float(totals["stay_3m"] / n), 6),
        "stay_12m": round(float(totals["stay_12m"] / n), 6),
        "expected_months_12": round(float(totals["expected_months_12"] / n), 4),
    }


def _spending(members: pd.DataFrame) -> np.ndarray | None:
    """Spending besides the fee, per month, where the table says it (0 where missing)."""
    metric = next(m for m in DERIVED_METRICS if m.name == _SPENDING)
    if not set(metric.inputs) <= set(members.columns):
        return None
    spent = pd.to_numeric(pd.Series(metric.compute(members)), errors="coerce").to_numpy(float)
    return np.where(np.isfinite(spent) & (spent > 0), spent, 0.0)
