"""What the closed months teach: pooled measured success rates, and the untreated members as
training rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from churnlab.analysis.learning import ClosedMonth, measured_success, training_rows
from churnlab.plan.evidence import Arms, success_posterior
from churnlab.plan.playbook import load_playbook

PLAYBOOK = load_playbook()


def _closed(month: str, rows: list[tuple[str, str, bool]]) -> ClosedMonth:
    """A closed month of (measure, group, left) rows."""
    frame = pd.DataFrame(rows, columns=["measure", "campaign_group", "left"])
    frame.insert(0, "member", [f"{month}-{i}" for i in range(len(frame))])
    return ClosedMonth(month, frame)


def _arm_rows(measure: str, contact: int, contact_left: int, control: int, control_left: int):
    return [(measure, "contact", i < contact_left) for i in range(contact)] + [
        (measure, "control", i < control_left) for i in range(control)
    ]


def test_closed_months_pool_with_older_ones_weighing_less() -> None:
    may = _closed("2024-05", _arm_rows("renewal_offer", 200, 40, 50, 20))
    november = _closed("2023-11", _arm_rows("renewal_offer", 100, 30, 30, 12))
    found = measured_success([november, may], now="2024-06", playbook=PLAYBOOK,
                             economics=PLAYBOOK.economics)  # fmt: skip
    # May is last month (weight 1); November six months before it (weight 1/2)
    pooled = Arms(contact=200 + 50, contact_left=40 + 15, control=50 + 15, control_left=20 + 6)
    reference = success_posterior(
        pooled, prior_rate=0.25, cost=20.0, value_kept=PLAYBOOK.economics.value_kept
    )
    assert found["renewal_offer"].mean == pytest.approx(reference.mean, abs=1e-9)
    assert found["renewal_offer"].evidence == pytest.approx(reference.evidence, abs=1e-9)
    assert set(found) == {"renewal_offer"}


def test_a_well_measured_measure_lands_near_its_true_effect() -> None:
    rng = np.random.default_rng(0)
    q, s = 0.5, 0.4  # control churn, true success
    rows = [("renewal_offer", "contact", bool(x)) for x in rng.random(2000) < q * (1 - s)]
    rows += [("renewal_offer", "control", bool(x)) for x in rng.random(500) < q]
    rows += [("old_measure", "contact", True)] * 10  # a measure the playbook no longer has
    found = measured_success([_closed("2024-05", rows)], now="2024-06", playbook=PLAYBOOK,
                             economics=PLAYBOOK.economics)  # fmt: skip
    posterior = found["renewal_offer"]
    assert posterior.measured and abs(posterior.mean - s) < 0.06
    assert posterior.low < s < posterior.high
    assert "old_measure" not in found


def test_training_rows_are_the_untreated_members_with_their_outcome() -> None:
    scores = pd.DataFrame(
        {
            "member": ["a", "b", "c", "d", "e"],
            "measure": ["renewal_offer", "renewal_offer", "renewal_offer", None, None],
            "campaign_group": ["contact", "control", "control", None, None],
            "left": [True, False, True, True, False],
        }
    )
    calls = pd.DataFrame({"member": ["c"], "outcome": ["reached"],
                          "created": pd.to_datetime(["2024-05-03"], utc=True)})  # fmt: skip
    members = pd.DataFrame({"member": ["e", "d", "c", "b", "a"], "Age": [30, 31, 32, 33, 34]})
    rows, left = training_rows([ClosedMonth("2024-05", scores, calls)], [members])
    # a was contacted; c held back but reached by staff anyway: both out
    assert rows[["month", "member", "Age"]].to_dict("list") == {
        "month": ["2024-05"] * 3,
        "member": ["e", "d", "b"],
        "Age": [30, 31, 33],
    }
    assert left.tolist() == [0, 1, 0]
