"""Scoring at scale: 1M, 2M and 10M members from Parquet to Parquet, against the peers.

Every case is a fresh process (imports, model loading and writing included) reading the same
Parquet input (`write_members`: files of 1M rows in row groups of 250,000) and writing Parquet:

- floor: read the input and write it back with pyarrow, no scoring: the I/O alone;
- peer: a plain pandas + scikit-learn script: `pd.read_parquet`, the fitted scikit-learn pipeline's
  `predict_proba` (the model file's own pipeline, with its calibration), `DataFrame.to_parquet`;
- churnlab local: `churnlab score DATA --out scores.parquet` (batches, 2 threads);
- churnlab on Dask with 1 and 2 workers: `churnlab score DATA --engine dask --scheduler ...`, on
  a LocalCluster started before the command (its start-up is not timed). Peak memory is the
  command's; the workers' peak is shown apart.

Each command starts after ``os.sync()``, so none pays for the previous one's writes. The floor
and churnlab local run three times (median seconds, largest peak), the slower cases once. rows/s
is members per second of the whole command. The bar (issue): for 2M members, churnlab local
takes at most 1.5x the peer's time with a peak under 700 MB; Dask's probabilities equal local ones.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _util import machine, print_table, python_script, run_timed

from churnlab.data.datasets import write_members

SIZES = (1_000_000, 2_000_000, 10_000_000)
#: Runs of the floor and of churnlab local (the median is shown); the others run once.
REPEATS = 3

FLOOR = """
import sys, pyarrow.parquet as pq, pyarrow.dataset as ds
table = ds.dataset(sys.argv[1], format="parquet").to_table()
pq.write_table(table, sys.argv[2])
"""

PEER = """
import sys, numpy as np, pandas as pd
from churnlab.model.persist import load_model  # only to open the model file: the rest is sklearn
model = load_model(sys.argv[3])
pipeline, (slope, intercept) = model.estimator_, model.calibration_
frame = pd.read_parquet(sys.argv[1])
raw = np.clip(pipeline.predict_proba(frame[model.spec_.feature_names])[:, 1], 1e-6, 1 - 1e-6)
p = 1 / (1 + np.exp(-(slope * np.log(raw / (1 - raw)) + intercept)))
pd.DataFrame({"row": np.arange(len(frame)), "churn_probability": p}).to_parquet(sys.argv[2])
"""


def main() -> None:
    from distributed import Client, LocalCluster

    churnlab = str(Path(sys.executable).with_name("churnlab"))
    rows_out: list[list[object]] = []
    checks: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        store = ["--store", f"sqlite:///{root}/history.db"]
        model = str(root / "model.churnlab")
        run_timed([churnlab, "train", "--model", model, *store])
        for n in SIZES:
            data = root / f"data{n}"
            write_members(data, n, churn=False)
            source = str(data / "part-00000.parquet") if n <= 2_000_000 else str(data)
            if n == 2_000_000:  # one file of 2M rows, as a user would have it
                pd.read_parquet(data).to_parquet(root / "data2M.parquet", row_group_size=250_000)
                source = str(root / "data2M.parquet")
            # churnlab first, the peer last: its many GB would push the input out of the cache
            cases = {
                "floor: read + write Parquet (pyarrow)": [
                    *python_script(FLOOR), source, f"{root}/floor.parquet"
                ],
                "churnlab score (local)": [churnlab, "score", source, "--model", model,
                                           "--out", f"{root}/local.parquet", *store],
            }  # fmt: skip
            timings: dict[str, tuple[float, float, float | None]] = {
                name: (*_run_settled(argv, repeats=REPEATS), None) for name, argv in cases.items()
            }
            for workers in (1, 2):
                with (
                    LocalCluster(
                        n_workers=workers, threads_per_worker=1, dashboard_address=None
                    ) as cluster,
                    Client(cluster) as client,
                ):
                    argv = [churnlab, "score", source, "--model", model, "--engine", "dask",
                            "--scheduler", cluster.scheduler_address,
                            "--out", f"{root}/dask{workers}", *store]  # fmt: skip
                    seconds, peak = _run_settled(argv)
                    worker_peak = max(client.run(_peak_mb).values())
                timings[f"churnlab score --engine dask, {workers} worker(s)"] = (
                    seconds,
                    peak,
                    worker_peak,
                )
            peer_argv = [*python_script(PEER), source, f"{root}/peer.parquet", model]
            timings["peer: pandas + scikit-learn script"] = (*_run_settled(peer_argv), None)
            for name, (seconds, peak, worker_peak) in timings.items():
                workers_mb = "" if worker_peak is None else f"{worker_peak:.0f}"
                rows_out.append(
                    [f"{n / 1e6:.0f}M", name, f"{seconds:.2f}", f"{n / seconds / 1e6:.2f}",
                     f"{peak:.0f}", workers_mb]
                )  # fmt: skip
            local = pd.read_parquet(root / "local.parquet").sort_values("row")
            dask2 = pd.read_parquet(root / "dask2").sort_values("row")
            same = np.array_equal(local["churn_probability"], dask2["churn_probability"])
            peer = pd.read_parquet(root / "peer.parquet")
            gap = float(np.max(np.abs(peer["churn_probability"] - local["churn_probability"])))
            checks.append(
                f"{n / 1e6:.0f}M: Dask probabilities equal local ones: {same}; "
                f"largest difference from the peer's pipeline: {gap:.1e}"
            )
            if n == 2_000_000:
                ratio = (
                    timings["churnlab score (local)"][0]
                    / timings["peer: pandas + scikit-learn script"][0]
                )
                peak = timings["churnlab score (local)"][1]
                checks.append(
                    f"bar, 2M: churnlab local / peer time = {ratio:.2f} (at most 1.5): "
                    f"{'met' if ratio <= 1.5 else 'NOT met'}; peak {peak:.0f} MB (under 700): "
                    f"{'met' if peak < 700 else 'NOT met'}"
                )
            shutil.rmtree(data)  # keep the disk use to one size at a time
            (root / "data2M.parquet").unlink(missing_ok=True)
    print_table(
        f"Scoring Parquet to Parquet (floor and local: median of {REPEATS} runs); {machine()}",
        ["rows", "command", "seconds", "M rows/s", "peak MB", "worker peak MB"],
        rows_out,
    )
    print()
    for line in checks:
        print(line)


def _run_settled(argv: list[str], repeats: int = 1) -> tuple[float, float]:
    """:func:`run_timed`, each run after the previous output is on disk (so no run pays for
    another's writes): the median seconds and the largest peak."""
    runs = []
    for _ in range(repeats):
        os.sync()
        runs.append(run_timed(argv))
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
