"""The main job in parts: a table analysed part by part with a sample's fits gives the
portraits, value, campaign and member table that analyze() gives on the whole table with
the same fits."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from churnlab.analysis.analyze import analyze
from churnlab.analysis.in_parts import analyze_part, combine_parts, with_segment_names
from churnlab.data.spec import gym_spec


@pytest.mark.parametrize("budget", [None, 3_000.0])
def test_the_parts_give_the_whole_tables_analysis(gym: pd.DataFrame, budget: float | None) -> None:
    spec = gym_spec()
    table = gym.copy()
    table.loc[[7, 1999, 3998], "Age"] = [-3, 400, -1]  # impossible: rejected, in every part
    sample = table.sample(1_200, random_state=5)
    fitted = analyze(sample, spec, folds=3)
    economics = fitted.playbook.economics.override(budget=budget)
    whole = analyze(table, spec, model=fitted.model, segmenter=fitted.segmenter,
                    playbook=fitted.playbook, economics=economics)  # fmt: skip

    cuts = [0, 1, 7, 8, 1_000, 2_000, 2_001, 4_000]  # one part a single rejected row
    parts = [
        analyze_part(table.iloc[a:b], a, fitted, economics) for a, b in itertools.pairwise(cuts)
    ]
    summary, plan = combine_parts(fitted, parts, economics)

    pd.testing.assert_frame_equal(plan.campaign, whole.plan.campaign)
    assert summary.plan == whole.summary.plan
    named = [with_segment_names(p.members, summary) for p in parts if len(p.members)]
    members = pd.concat(named, ignore_index=True)  # (an empty part has untyped columns)
    pd.testing.assert_frame_equal(members, whole.members, check_exact=False, rtol=1e-12)
    rejects = pd.concat([p.rejects for p in parts], ignore_index=True)
    assert rejects["row"].tolist() == whole.rejects["row"].tolist() == [7, 1999, 3998]
    for found, expected in zip(summary.segments, whole.summary.segments, strict=True):
        assert {k: found[k] for k in ("id", "name", "size", "description")} == {
            k: expected[k] for k in ("id", "name", "size", "description")
        }
        assert found["churn_rate"] == pytest.approx(expected["churn_rate"], abs=1e-12)
        assert found["member_value"] == pytest.approx(expected["member_value"], abs=0.011)
    assert sum(s["size"] for s in summary.segments) == len(table) - 3
    assert summary.segmentation["names"] == whole.summary.segmentation["names"]
    for key in ("rows", "rejected", "members", "leavers"):
        assert getattr(summary.data, key) == getattr(whole.summary.data, key)
    assert summary.value["value_at_risk"] == pytest.approx(
        whole.summary.value["value_at_risk"], abs=0.011
    )
    assert summary.conclusions[0] != fitted.summary.conclusions[0]  # the table's, not the sample's
    assert np.isclose(summary.data.churn_rate, (table["Churn"].drop([7, 1999, 3998])).mean())
