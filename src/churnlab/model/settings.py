"""The model's defaults that the command line needs before scikit-learn is loaded.

Nothing here imports more than Python: ``churnlab train`` defines its options from these without
paying for scikit-learn (about a second) on ``--help``.
"""

from __future__ import annotations

__all__ = ["MIN_TUNE_ROWS", "TUNE_ROWS"]

#: Largest number of members to choose, tune and calibrate on; the refit sees every row.
TUNE_ROWS = 100_000
#: The smallest ``tune_rows`` allowed.
MIN_TUNE_ROWS = 1_000
