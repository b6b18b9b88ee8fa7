"""How long `churnlab train` takes on the club's table, against a plain scikit-learn script.

Each is a fresh process (imports included), run 3 times; the table shows the median wall time and
the peak memory. The peer fits one LightGBM with default settings: no learner choice, no tuning,
no calibration — the least a script would do.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _util import machine, print_table, python_script, time_commands

PEER = """
import warnings; warnings.filterwarnings("ignore")
import lightgbm as lgb
from churnlab.datasets import load_gym_churn
frame = load_gym_churn()
lgb.LGBMClassifier(verbose=-1).fit(frame.drop(columns="Churn"), frame["Churn"])
"""


def main(repeats: int = 3) -> None:
    churnlab = str(Path(sys.executable).with_name("churnlab"))
    with tempfile.TemporaryDirectory() as folder:
        commands = {
            "churnlab train (auto: 2 learners tuned, calibrated)": [
                churnlab,
                "train",
                "--model",
                f"{folder}/m.churnlab",
            ],
            "churnlab train --learner logistic": [
                churnlab,
                "train",
                "--learner",
                "logistic",
                "--model",
                f"{folder}/l.churnlab",
            ],
            "peer: one default LightGBM fit, plain script": python_script(PEER),
        }
        rows = time_commands(commands, repeats)
    print_table(
        f"Training on the club table (4,000 members), median of {repeats} runs; {machine()}",
        ["command", "median s", "max s", "peak MB"],
        rows,
    )


if __name__ == "__main__":
    main()
