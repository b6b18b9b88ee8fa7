"""How long `churnlab analyze` takes at a chain's size, against a plain script doing a fraction of
the work, in the same run (issue 16's bars).

The tables: the club's 4,000 members, and 100,000 and 1,000,000 synthetic members
(`write_members`, Parquet). Each command is a fresh process (imports, model file, report and
exports included); the club is run 3 times (median shown), the synthetic tables once. The peer
is the least a script would do on the same table: one default LightGBM fit, its predictions,
k-means with 5 clusters on the standardised features, and the scores written as CSV. churnlab
chooses and tunes two learners, calibrates, explains every member, finds and describes the
portraits, values every member, plans the campaign, and writes the report, the exports and the
run's history.

Bars: the club within 6 s; 100,000 members within 25 s; 1,000,000 within 4x the peer and under
3 GB. Also printed: the out-of-fold ROC-AUC and Brier of each run, read from its summary.json.

The million is also analysed with ``--engine dask`` on a local cluster (one worker per core):
fitted on a sample of 100,000, every member analysed on the workers. Its peak is that of its
largest process (this one or a worker), not their sum.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from _util import machine, print_table, python_script, time_commands

from churnlab.data.datasets import write_members

PEER = """
import sys, warnings; warnings.filterwarnings("ignore")
import lightgbm as lgb, pandas as pd
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
from churnlab.data.datasets import load_gym_churn
frame = load_gym_churn() if sys.argv[1] == "club" else pd.read_parquet(sys.argv[1])
X, y = frame.drop(columns="Churn"), frame["Churn"]
model = lgb.LGBMClassifier(verbose=-1).fit(X, y)
scores = pd.DataFrame({"churn_probability": model.predict_proba(X)[:, 1]})
Z = StandardScaler().fit_transform(X)
scores["cluster"] = KMeans(n_clusters=5, n_init=1, random_state=0).fit_predict(Z)
scores.to_csv(sys.argv[2], index=False)
"""

SIZES = (100_000, 1_000_000)
DASK = "churnlab analyze --engine dask (local cluster)"
BARS = {"4,000 (club)": "6 s", "100,000": "25 s", "1,000,000": "4x the peer, 3 GB"}


def main(repeats: int = 3) -> None:
    churnlab = str(Path(sys.executable).with_name("churnlab"))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tables = {"4,000 (club)": None} | {
            f"{n:,}": write_members(Path(folder, f"m{n}"), n)[0] for n in SIZES
        }
        for name, data in tables.items():
            out = Path(folder, f"report-{len(rows)}")
            outs = {"churnlab analyze": out, DASK: out.with_name(out.name + "-dask")}
            commands = {
                "churnlab analyze": [churnlab, "analyze", *([str(data)] if data else []),
                                     "--out", str(out)],
                "peer: LightGBM fit + predict, k-means 5, scores CSV": [
                    *python_script(PEER), str(data or "club"), f"{folder}/peer.csv"
                ],
            }  # fmt: skip
            if name == "1,000,000":
                commands[DASK] = [churnlab, "analyze", str(data), "--engine", "dask",
                                  "--out", str(outs[DASK])]  # fmt: skip
            timed = time_commands(commands, repeats if data is None else 1)
            for command, row in zip(commands, timed, strict=True):
                rows.append([name, *row, _quality(outs[command]) if command in outs else ""])
    print_table(
        f"analyze at scale; {machine()}",
        ["members", "command", "median s", "max s", "peak MB", "out-of-fold ROC-AUC / Brier"],
        rows,
    )
    print("\nbars: " + "; ".join(f"{k}: {v}" for k, v in BARS.items()))


def _quality(out: Path) -> str:
    """The out-of-fold ROC-AUC and Brier of the run written to ``out``."""
    metrics = json.loads((out / "summary.json").read_text())["quality"]["metrics"]
    return f"{metrics['roc_auc']:.4f} / {metrics['brier']:.4f}"


if __name__ == "__main__":
    main()
