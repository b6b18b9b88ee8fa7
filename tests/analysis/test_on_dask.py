"""The main job on a 2-worker LocalCluster: the same portraits' sizes, plan and member table as
analyze() on the whole table with the same sample's fits."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from churnlab.analysis.analyze import analyze
from churnlab.analysis.on_dask import analyze_on_dask
from churnlab.data.spec import gym_spec
from churnlab.scoring.distributed import dask_client


def test_the_cluster_gives_the_whole_tables_analysis(gym: pd.DataFrame, tmp_path: Path) -> None:
    spec = gym_spec()
    table = gym.copy()
    table.loc[[5, 2222], "Age"] = [-2, 500]
    folder = tmp_path / "members"
    folder.mkdir()
    for k in range(2):  # two files in row groups of 900: five partitions
        part = pa.Table.from_pandas(table.iloc[2000 * k : 2000 * (k + 1)], preserve_index=False)
        pq.write_table(part, folder / f"part-{k}.parquet", row_group_size=900)
    fitted = analyze(table.sample(1_000, random_state=2), spec, folds=3)
    economics = fitted.playbook.economics.override(budget=2_500.0)
    whole = analyze(table, spec, model=fitted.model, segmenter=fitted.segmenter,
                    playbook=fitted.playbook, economics=economics)  # fmt: skip
    with dask_client(n_workers=2) as client:
        found = analyze_on_dask(folder, fitted, economics, tmp_path / "scores", client=client)

    assert found.partitions == 6
    sizes = [(s["id"], s["size"], s["name"]) for s in found.summary.segments]
    assert sizes == [(s["id"], s["size"], s["name"]) for s in whole.summary.segments]
    pd.testing.assert_frame_equal(found.plan.campaign, whole.plan.campaign)
    assert found.summary.plan == whole.summary.plan
    assert found.rejects["row"].tolist() == [5, 2222]
    files = sorted((tmp_path / "scores").glob("part.*.parquet"), key=lambda p: int(p.stem[5:]))
    members = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    pd.testing.assert_frame_equal(
        members, whole.members, check_exact=False, rtol=1e-12, check_dtype=False
    )
    assert found.summary.data.members == len(table) - 2
    assert found.summary.value["member_value"] == pytest.approx(
        whole.summary.value["member_value"], abs=0.011
    )
