"""How long `churnlab analyze` takes on the club's table (the bar: 30 s on 2 cores).

The peer is what the public studies of this table did by hand, as one plain script: logistic
regression and random forest on the 80/20 split, a Ward dendrogram, k-means with 5 clusters,
churn by cluster, a CSV. churnlab does far more (tuned and calibrated model, explanations, reasons
for every member, portraits, a priced plan, an HTML report in one file); the peer shows what the
bare minimum costs on the same machine.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _util import machine, print_table, python_script, time_commands

PEER = """
import warnings; warnings.filterwarnings("ignore")
import sys
import matplotlib; matplotlib.use("Agg")
import matplotlib.pyplot as plt
from scipy.cluster.hierarchy import dendrogram, linkage
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from churnlab.data.datasets import load_gym_churn
frame = load_gym_churn()
X, y = frame.drop(columns="Churn"), frame["Churn"]
X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
scaler = StandardScaler().fit(X_fit)
for model in (LogisticRegression(max_iter=1000), RandomForestClassifier(random_state=0)):
    model.fit(scaler.transform(X_fit), y_fit)
    roc_auc_score(y_test, model.predict_proba(scaler.transform(X_test))[:, 1])
Z = StandardScaler().fit_transform(X)
dendrogram(linkage(Z, method="ward"), no_labels=True)
plt.savefig(sys.argv[1] + "/dendrogram.png")
frame["cluster"] = KMeans(n_clusters=5, n_init=10, random_state=0).fit_predict(Z)
frame.groupby("cluster").mean().to_csv(sys.argv[1] + "/clusters.csv")
"""


def main(repeats: int = 3) -> None:
    churnlab = str(Path(sys.executable).with_name("churnlab"))
    with tempfile.TemporaryDirectory() as folder:
        commands = {
            "churnlab analyze (model, reasons, portraits, plan, report)": [
                churnlab,
                "analyze",
                "--out",
                f"{folder}/report",
            ],
            "churnlab analyze --lang ru": [
                churnlab,
                "analyze",
                "--lang",
                "ru",
                "--out",
                f"{folder}/report-ru",
            ],
            "peer: the public studies' analysis as a plain script": [*python_script(PEER), folder],
        }
        rows = time_commands(commands, repeats)
    print_table(
        f"analyze on the club table (4,000 members), {repeats} runs; {machine()}",
        ["command", "median s", "max s", "peak MB"],
        rows,
    )


if __name__ == "__main__":
    main()
