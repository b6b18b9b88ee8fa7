"""How long `churnlab train` takes on 4,000, 100,000 and 1,000,000 members, against a plain script.

Each is a fresh process (imports included); the club's table is run 3 times (median shown), the
larger synthetic tables (`write_members`, Parquet) once. The peer fits one LightGBM with default
settings: no learner choice, no tuning, no calibration — the least a script would do. Above
100,000 members `churnlab train` chooses, tunes and calibrates on a stratified sample of 100,000
(`--tune-rows`) and refits on every row.
`--engine dask` starts its own LocalCluster (2 workers) inside the timed command.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _util import machine, print_table, python_script, time_commands

from churnlab.data.datasets import write_members

PEER = """
import sys, warnings; warnings.filterwarnings("ignore")
import lightgbm as lgb, pandas as pd
from churnlab.data.datasets import load_gym_churn
frame = load_gym_churn() if len(sys.argv) < 2 else pd.read_parquet(sys.argv[1])
lgb.LGBMClassifier(verbose=-1).fit(frame.drop(columns="Churn"), frame["Churn"])
"""

SIZES = (100_000, 1_000_000)


def main(repeats: int = 3) -> None:
    churnlab = str(Path(sys.executable).with_name("churnlab"))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        store = ["--store", f"sqlite:///{folder}/history.db"]
        club = {
            "churnlab train (auto: 2 learners tuned, calibrated)": [
                churnlab, "train", "--model", f"{folder}/m.churnlab", *store
            ],
            "churnlab train --learner logistic": [
                churnlab, "train", "--learner", "logistic", "--model", f"{folder}/l.churnlab",
                *store,
            ],
            "peer: one default LightGBM fit, plain script": python_script(PEER),
        }  # fmt: skip
        rows += [["4,000 (club)", *row] for row in time_commands(club, repeats)]
        for n in SIZES:
            data = write_members(Path(folder, f"m{n}"), n)[0]
            commands = {
                "churnlab train (auto; tuned on at most 100,000 rows, refitted on all)": [
                    churnlab, "train", str(data), "--model", f"{folder}/m.churnlab", *store
                ],
                "churnlab train --engine dask (local cluster, 2 workers)": [
                    churnlab, "train", str(data), "--engine", "dask",
                    "--model", f"{folder}/d.churnlab", *store,
                ],
                "peer: one default LightGBM fit, plain script": [*python_script(PEER), str(data)],
            }  # fmt: skip
            rows += [[f"{n:,}", *row] for row in time_commands(commands, 1)]
    print_table(
        f"Training time (club table: median of {repeats} runs; larger: one run); {machine()}",
        ["members", "command", "median s", "max s", "peak MB"],
        rows,
    )


if __name__ == "__main__":
    main()
