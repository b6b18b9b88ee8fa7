"""How long the club's monthly run takes on 4,000 members (the bar: under 10 s on 2 cores).

`churnlab month` reads the snapshot, loads the club's folder (model, portraits, playbook),
scores, explains and portrays every member, builds the campaign under the budget, holds back a
stratified random control group, writes scores.csv, plan.csv, plan.xlsx, report.html and
month.json, and records the month in the folder's DuckDB history. The folder is analysed once
before the timed runs. Each run is a fresh process (imports included).

The peer is the least a club's analyst would script for the same month: load a fitted
scikit-learn pipeline, score the snapshot, sort by probability, hold back a random fifth of the
top members and write the call list as CSV and XLSX: no reasons, portraits, measures, report or
history.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from _util import machine, print_table, python_script, time_commands

from churnlab.data.datasets import load_gym_churn

PEER_FIT = """
import sys, joblib, warnings; warnings.filterwarnings("ignore")
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
history = pd.read_csv(sys.argv[1])
X, y = history.drop(columns=["member_id", "Churn"]), history["Churn"]
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
joblib.dump(model, sys.argv[2])
"""

PEER = """
import sys, joblib, warnings; warnings.filterwarnings("ignore")
import numpy as np, pandas as pd
members = pd.read_csv(sys.argv[1])
model = joblib.load(sys.argv[2])
members["churn_probability"] = model.predict_proba(members.drop(columns="member_id"))[:, 1]
calls = members.sort_values("churn_probability", ascending=False).head(300).copy()
calls["group"] = np.where(np.random.default_rng(0).random(len(calls)) < 0.2, "control", "contact")
calls.to_csv(sys.argv[3] + "/plan.csv", index=False)
calls.to_excel(sys.argv[3] + "/plan.xlsx", index=False)
"""


def main(repeats: int = 3) -> None:
    churnlab = str(Path(sys.executable).with_name("churnlab"))
    with tempfile.TemporaryDirectory() as folder:
        history = load_gym_churn()
        history.insert(0, "member_id", [f"M{i:05d}" for i in range(len(history))])
        history.to_csv(f"{folder}/history.csv", index=False)
        history.drop(columns="Churn").to_csv(f"{folder}/july.csv", index=False)
        store = ["--store", f"duckdb:///{folder}/club/history.duckdb"]
        subprocess.run([churnlab, "analyze", f"{folder}/history.csv", "--out", f"{folder}/club",
                        *store], check=True, capture_output=True)  # fmt: skip
        subprocess.run([*python_script(PEER_FIT), f"{folder}/history.csv",
                        f"{folder}/peer.joblib"], check=True)  # fmt: skip
        commands = {
            "churnlab month (scores, portraits, reasons, campaign, control, files, history)": [
                churnlab, "month", f"{folder}/july.csv", "--run", f"{folder}/club",
                "--month", "2024-07", *store,
            ],
            "peer: score and list the top members, a plain script": [
                *python_script(PEER), f"{folder}/july.csv", f"{folder}/peer.joblib", folder,
            ],
        }  # fmt: skip
        rows = time_commands(commands, repeats)
    print_table(
        f"month on the club's 4,000 members, {repeats} runs; {machine()}",
        ["command", "median s", "max s", "peak MB"],
        rows,
    )


if __name__ == "__main__":
    main()
