"""The model's defaults that the command line needs before scikit-learn is loaded.

Nothing here imports more than Python: ``churnlab train`` defines its options from these without
paying for scikit-learn (about a second) on ``--help``.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["MIN_TUNE_ROWS", "TUNE_BASE", "TUNE_ROWS", "TuneRows", "tuning_size"]

#: Tables of up to this many members are chosen, tuned and calibrated on every row.
TUNE_BASE = 10_000
#: The largest sample ``tune_rows="auto"`` draws; the refit sees every row.
TUNE_ROWS = 100_000
#: The smallest ``tune_rows`` allowed.
MIN_TUNE_ROWS = 1_000

#: How many members to tune on: ``"auto"`` (:func:`tuning_size`), at most this many, or every row.
TuneRows = int | Literal["auto"] | None


def tuning_size(members: int, tune_rows: TuneRows = "auto") -> int:
    """How many of ``members`` to choose, tune and calibrate the model on.

    ``"auto"``: every member up to :data:`TUNE_BASE`; above, a sample that grows with the fourth
    root of the table, up to :data:`TUNE_ROWS`. Tuning costs grow with the sample, while what it
    settles (the learner, its strength or tree size, the calibration) barely moves past some
    ten thousand members: a million members tune on 31,623, ten million on 56,234.
    An int: at most that many. None: every member.

    Examples
    --------
    >>> [tuning_size(n) for n in (4_000, 10_000, 100_000, 1_000_000)]
    [4000, 10000, 17783, 31623]
    >>> tuning_size(1_000_000, 100_000), tuning_size(1_000_000, None)
    (100000, 1000000)
    """
    if tune_rows is None:
        return members
    if tune_rows == "auto":
        grown = round(TUNE_BASE * (members / TUNE_BASE) ** 0.25)
        return int(min(members, max(TUNE_BASE, min(grown, TUNE_ROWS))))
    return min(members, int(tune_rows))
