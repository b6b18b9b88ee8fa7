"""The control group: campaign members held back at random, so next month can measure a measure.

Whether a measure keeps members can only be seen against like members who were not contacted.
:func:`assign_groups` holds back a share of each measure's campaign members. Within a measure the
members are lined up by their probability of leaving and cut into small consecutive blocks
(5 members for a share of 0.2); in each block a seeded random pick of the share's number goes
to ``control``, the rest to ``contact``. So the two groups have the same mix of risk by design
(a randomised block design: strata of near-equal risk), and differ only by chance.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pandas as pd

from churnlab.errors import UsageError

__all__ = ["CONTACT", "CONTROL", "LARGEST_BLOCK", "assign_groups", "check_share"]

CONTACT = "contact"
CONTROL = "control"
#: The largest block: the block of a share is the denominator of the nearest fraction with at
#: most this denominator (5 for 0.2, 3 for 0.33); each block holds back the share on average,
#: exactly where the share times the block is whole.
LARGEST_BLOCK = 20


def check_share(share: float) -> float:
    """The control share, checked: from 0 (no control group) to below 1.

    Raises
    ------
    UsageError
        It is not a number from 0 to below 1.
    """
    if not isinstance(share, int | float) or not 0 <= share < 1 or np.isnan(share):
        raise UsageError(
            f"the control share must be from 0 to below 1, not {share!r}",
            fix="give --control-share as a fraction, e.g. 0.2 (a fifth of each measure's members "
            "is held back; 0 holds no one back, and nothing can then be measured)",
        )
    return float(share)


def assign_groups(
    campaign: pd.DataFrame, *, share: float, seed: int | Sequence[int] = 0
) -> np.ndarray:
    """Each campaign member's group, ``contact`` or ``control``, in the campaign's order.

    Parameters
    ----------
    campaign : pandas.DataFrame
        One row per campaign member, with ``measure`` and ``churn_probability``; ties in
        probability are broken by the row order (the campaign's rank).
    share : float
        The share of each measure's members held back (:func:`check_share`).
    seed : int or sequence of int
        The random seed: the same seed and campaign give the same groups.

    Returns
    -------
    numpy.ndarray of str

    Examples
    --------
    >>> campaign = pd.DataFrame({"measure": ["call"] * 10 + ["offer"] * 5,
    ...                          "churn_probability": np.linspace(0.9, 0.2, 15)})
    >>> groups = assign_groups(campaign, share=0.2, seed=7)
    >>> pd.crosstab(campaign["measure"], groups).to_dict("index")
    {'call': {'contact': 8, 'control': 2}, 'offer': {'contact': 4, 'control': 1}}
    >>> bool((assign_groups(campaign, share=0.2, seed=7) == groups).all())
    True
    """
    share = check_share(share)
    groups = np.full(len(campaign), CONTACT, dtype=object)
    if share == 0 or campaign.empty:
        return groups
    block = Fraction(share).limit_denominator(LARGEST_BLOCK).denominator
    rng = np.random.default_rng(seed)
    probability = campaign["churn_probability"].to_numpy(dtype=float)
    measures = campaign["measure"].astype(str).to_numpy()
    for measure in sorted(set(measures)):
        members = np.flatnonzero(measures == measure)
        lined_up = members[np.argsort(-probability[members], kind="stable")]
        for start in range(0, len(lined_up), block):
            part = lined_up[start : start + block]
            count = _rounded(share * len(part), rng)  # exact for a whole block of 1/5
            groups[rng.choice(part, size=count, replace=False)] = CONTROL
    return groups


def _rounded(expected: float, rng: np.random.Generator) -> int:
    """`expected` rounded down or up at random, so that it is right on average."""
    whole = int(np.floor(expected))
    return whole + int(rng.random() < expected - whole)
