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

The next month (August: July's members less a random quarter who left, a month older) closes
July before it plans: leavers counted, July's predictions back-tested (ROC-AUC with a 1,000-draw
bootstrap, Brier, calibration), each measure against its control group (Newcombe interval,
posterior success rate), every feature checked for drift, and the measured rates fed to the
plan. Its peer is a plain script of the same review with scikit-learn and scipy: leavers, AUC
with a 1,000-draw bootstrap loop, Brier, each measure's churn difference with a normal
interval, and scipy's Wasserstein and Jensen-Shannon distances per feature.
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

NEXT = """
import sys, numpy as np, pandas as pd
july = pd.read_csv(sys.argv[1])
stay = july[np.random.default_rng(1).random(len(july)) >= 0.25].copy()
stay["Lifetime"] += 1
stay.to_csv(sys.argv[2], index=False)
"""

PEER_REVIEW = """
import sys, numpy as np, pandas as pd
from scipy.spatial.distance import jensenshannon
from scipy.stats import norm, wasserstein_distance
from sklearn.metrics import brier_score_loss, roc_auc_score
before = pd.read_csv(sys.argv[1], dtype={"member_id": str})
now = pd.read_csv(sys.argv[2], dtype={"member_id": str})
history = pd.read_csv(sys.argv[3])
left = (~before["member_id"].isin(now["member_id"])).to_numpy().astype(int)
p = before["churn_probability"].to_numpy()
rng = np.random.default_rng(0)
aucs = []
for _ in range(1000):
    i = rng.integers(0, len(p), len(p))
    aucs.append(roc_auc_score(left[i], p[i]))
report = {"left": int(left.sum()), "auc": roc_auc_score(left, p),
          "band": np.percentile(aucs, [2.5, 97.5]), "brier": brier_score_loss(left, p)}
for measure, part in before[before["measure"].notna()].groupby("measure"):
    y = left[part.index]
    t, c = y[(part["group"] == "contact").to_numpy()], y[(part["group"] == "control").to_numpy()]
    if len(t) and len(c):
        d = c.mean() - t.mean()
        se = np.sqrt(c.mean() * (1 - c.mean()) / len(c) + t.mean() * (1 - t.mean()) / len(t))
        report[measure] = (d, d - norm.ppf(0.975) * se, d + norm.ppf(0.975) * se)
for column in history.columns.drop(["member_id", "Churn"]):
    if history[column].nunique() <= 2:
        a = history[column].value_counts(normalize=True)
        b = now[column].value_counts(normalize=True).reindex(a.index, fill_value=0)
        report[column] = jensenshannon(a, b, base=2)
    else:
        report[column] = wasserstein_distance(history[column], now[column]) / history[column].std()
print(len(report))
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
        # the next month closes July: August's snapshot, then the month and its peer
        subprocess.run([*python_script(NEXT), f"{folder}/july.csv", f"{folder}/august.csv"],
                       check=True)  # fmt: skip
        closing = {
            "churnlab month, closing the previous month (review, drift, learnt rates) first": [
                churnlab, "month", f"{folder}/august.csv", "--run", f"{folder}/club",
                "--month", "2024-08", *store,
            ],
            "peer: the same review as a plain script (scikit-learn, scipy)": [
                *python_script(PEER_REVIEW), f"{folder}/club/months/2024-07/scores.csv",
                f"{folder}/august.csv", f"{folder}/history.csv",
            ],
        }  # fmt: skip
        rows += time_commands(closing, repeats)
    print_table(
        f"month on the club's 4,000 members, {repeats} runs; {machine()}",
        ["command", "median s", "max s", "peak MB"],
        rows,
    )


if __name__ == "__main__":
    main()
