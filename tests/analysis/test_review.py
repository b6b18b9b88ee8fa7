"""The review of a closed month, on months of a simulated club whose truth is known: the
hazard each member left with and the effect each measure had on the members contacted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from _months import TRUE_EFFECTS, true_hazard, true_uplift
from churnlab.analysis.review import close_month, review_month, treated_members
from churnlab.data.datasets import load_gym_churn
from churnlab.plan.playbook import load_playbook

PLAYBOOK = load_playbook()
MEASURES = ["renewal_offer", "first_month_onboarding", "personal_call"]


def _month(seed: int, *, n: int = 3000, share: float = 0.3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A month's scores as the history holds them, and what truly happened: members of the
    club table with their true hazard, scored with a noisy probability; a third of them in a
    campaign of three measures, `share` of each held back; leaving drawn from the hazard,
    lowered by the measure's true effect for the members contacted."""
    rng = np.random.default_rng(seed)
    members = load_gym_churn().sample(n, random_state=seed).reset_index(drop=True)
    hazard = true_hazard(members)
    noisy = 1 / (1 + np.exp(-(np.log(hazard / (1 - hazard)) + rng.normal(0, 0.5, n))))
    measure = np.where(rng.random(n) < 0.35, rng.choice(MEASURES, n), None)
    group = np.where(pd.isna(measure), None, np.where(rng.random(n) < share, "control", "contact"))
    effect = np.where(group == "contact", pd.Series(measure).map(TRUE_EFFECTS).fillna(0), 0.0)
    left = rng.random(n) < hazard * (1 - effect.astype(float))
    scores = pd.DataFrame(
        {
            "member": [f"M{i}" for i in range(n)],
            "churn_probability": noisy,
            "risk_tier": np.where(noisy > 0.5, "high", np.where(noisy > 0.2, "medium", "low")),
            "measure": measure,
            "action": pd.Series(measure).map(lambda m: m.title() if isinstance(m, str) else None),
            "campaign_group": group,
        }
    )
    truth = pd.DataFrame(
        {"member": scores["member"], "hazard": hazard, "measure": measure, "group": group,
         "left": left}
    )  # fmt: skip
    return scores, truth


def _review(scores: pd.DataFrame, truth: pd.DataFrame, **options: object) -> dict:
    present = [*truth.loc[~truth["left"], "member"].tolist(), "NEW1", "NEW2"]
    closing = close_month("2024-06", scores["member"].tolist(), present)
    return review_month(closing, scores, playbook=PLAYBOOK, economics=PLAYBOOK.economics, **options)


def test_closing_counts_the_absent_as_leavers_and_the_file_wins() -> None:
    scored = ["A", "B", "C", "D"]
    given = pd.DataFrame({"row": [0, 1, 2], "member": ["A", "B", "X"],
                          "left": [True, False, False]})  # fmt: skip
    closing = close_month("2024-06", scored, ["A", "C", "E"], given=given, outcomes_file="f.csv")
    left = dict(zip(closing.outcomes["member"], closing.outcomes["left"], strict=True))
    # A present but cancelled; B absent but frozen (stayed); C present; D absent
    assert left == {"A": True, "B": False, "C": False, "D": True}
    sources = dict(zip(closing.outcomes["member"], closing.outcomes["source"], strict=True))
    assert sources == {"A": "f.csv", "B": "f.csv", "C": "snapshot", "D": "snapshot"}
    assert (closing.joined, closing.from_file) == (1, 2)
    assert closing.unmatched[["row", "member"]].to_dict("list") == {"row": [2], "member": ["X"]}


def test_the_review_against_the_truth_of_one_month() -> None:
    scores, truth = _month(0)
    review = _review(scores, truth)
    outcomes = review["outcomes"]
    assert (outcomes["scored"], outcomes["left"], outcomes["joined"]) == (
        len(truth), int(truth["left"].sum()), 2
    )  # fmt: skip
    assert outcomes["expected_leavers"] == pytest.approx(scores["churn_probability"].sum(), 0.01)
    everyone = review["backtest"]["all"]
    assert everyone["roc_auc"] == pytest.approx(
        roc_auc_score(truth["left"], scores["churn_probability"]), abs=1e-6
    )
    untreated = truth["group"] != "contact"
    assert review["backtest"]["untreated"]["members"] == int(untreated.sum())
    assert review["backtest"]["untreated"]["roc_auc"] == pytest.approx(
        roc_auc_score(truth.loc[untreated, "left"], scores.loc[untreated, "churn_probability"]),
        abs=1e-6,
    )
    by_measure = {m["measure"]: m for m in review["measures"]}
    assert set(by_measure) == set(MEASURES)
    for name, measure in by_measure.items():
        part = truth[truth["measure"] == name]
        contact, control = part[part["group"] == "contact"], part[part["group"] == "control"]
        assert (measure["contact"], measure["control"]) == (len(contact), len(control))
        assert measure["uplift"] == pytest.approx(
            control["left"].mean() - contact["left"].mean(), abs=1e-6
        )
        assert measure["title"] == name.title()
        assert measure["prior_rate"] == PLAYBOOK.measure(name).success_rate
    assert [m["contact"] for m in review["measures"]] == sorted(
        (m["contact"] for m in review["measures"]), reverse=True
    )
    assert review["history"][-1]["month"] == "2024-06"


def test_uplift_intervals_cover_the_true_effects_at_their_nominal_rate() -> None:
    """Over many simulated months, each measure's 95 % uplift interval holds its true uplift
    (its effect times its members' mean hazard) about 95 % of the time."""
    covered = []
    for seed in range(120):
        scores, truth = _month(seed, n=1500)
        review = _review(scores, truth, draws=20)
        for measure in review["measures"]:
            truth_of = true_uplift(truth, measure["measure"])
            covered.append(measure["uplift_low"] <= truth_of <= measure["uplift_high"])
    rate = float(np.mean(covered))
    assert 0.91 <= rate <= 0.985, rate


def test_staff_calls_give_a_labelled_per_protocol_view_and_treat_control_members() -> None:
    scores, truth = _month(1)
    campaign = scores[scores["measure"] == "renewal_offer"]
    contact = campaign[campaign["campaign_group"] == "contact"]["member"].tolist()
    control = campaign[campaign["campaign_group"] == "control"]["member"].tolist()
    calls = pd.DataFrame(
        {
            "member": contact[:60] + contact[60:80] + control[:5],
            "outcome": ["accepted"] * 60 + ["no_answer"] * 20 + ["reached"] * 5,
            "created": pd.date_range("2024-06-01", periods=85, freq="h", tz="UTC"),
        }
    )
    review = _review(scores, truth, contacts=calls)
    measure = next(m for m in review["measures"] if m["measure"] == "renewal_offer")
    view = measure["per_protocol"]
    assert view["label"] == "per-protocol"
    assert (view["recorded"], view["reached"]) == (80, 60)
    reached = truth.set_index("member").loc[contact[:60], "left"]
    assert view["reached_churn"] == pytest.approx(reached.mean(), abs=1e-6)
    # the randomised figures are untouched by the calls
    assert measure["contact"] == len(contact) and measure["control"] == len(control)
    # control members staff reached anyway are not untreated any more
    treated = treated_members(scores, calls)
    assert treated[scores["member"].isin(control[:5]).to_numpy()].all()
    assert review["backtest"]["untreated"]["members"] == int((~treated).sum())
    assert int((~treated).sum()) == int((truth["group"] != "contact").sum()) - 5


def test_the_recommendation_says_why() -> None:
    scores, truth = _month(2)
    calm = _review(scores, truth, drift={"drifted": []}, trained_auc=0.5)
    assert calm["recommendation"] == {"retrain": False, "reasons": []}
    worried = _review(scores, truth, drift={"drifted": ["Age"]}, trained_auc=0.999)
    assert worried["recommendation"]["retrain"]
    assert set(worried["recommendation"]["reasons"]) >= {"drift", "auc_drop"}
    # probabilities twice too high: the untreated leavers fall far below their band
    doubled = scores.assign(churn_probability=(scores["churn_probability"] * 2).clip(0, 1))
    assert "miscalibrated" in _review(doubled, truth)["recommendation"]["reasons"]
