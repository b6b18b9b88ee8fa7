"""`churnlab month` closes the loop on a simulated club: last month's leavers counted, its
predictions back-tested, its measures measured against their control groups, and the next plan
using what was measured.

The club (tests/_months.py) has a known hazard of leaving and known effects of each measure on
the members contacted, so every figure of the review has a truth to be checked against.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from _cli import assert_ok, assert_user_error, invoke
from _months import ID, SimulatedClub, true_uplift
from churnlab.plan.playbook import load_playbook

JUNE, JULY = "2024-06", "2024-07"
CLUB = "5eed0000000000000000000000000003"


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A club analysed on its history, run for June, June played out, then July run."""
    here = tmp_path_factory.mktemp("loop")
    club = SimulatedClub(seed=3)
    club.history().to_csv(here / "history.csv", index=False)
    folder = here / "club"
    # a folder id of its own (analyze keeps it): the control groups are seeded by the id, so
    # the month's groups, and every figure of the review, are the same run after run
    folder.mkdir()
    (folder / "club.json").write_text(json.dumps({"id": CLUB}), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CHURNLAB_STORE", raising=False)
        assert_ok(invoke("analyze", here / "history.csv", "--out", folder))
        club.snapshot().to_csv(here / "june.csv", index=False)
        assert_ok(invoke("month", here / "june.csv", "--run", folder, "--month", JUNE))
        plan = pd.read_csv(folder / "months" / JUNE / "plan.csv", dtype={ID: str})
        june = club.advance(plan)
        club.snapshot().to_csv(here / "july.csv", index=False)
        result = invoke("month", here / "july.csv", "--run", folder, "--month", JULY)
        assert_ok(result)
    return {
        "here": here,
        "folder": folder,
        "club": club,
        "june": june,
        "june_scores": pd.read_csv(folder / "months" / JUNE / "scores.csv", dtype={ID: str}),
        "july": _month_json(folder, JULY),
        "output": result.output,
    }


def _month_json(folder: Path, month: str) -> dict[str, Any]:
    return json.loads((folder / "months" / month / "month.json").read_text(encoding="utf-8"))


def test_the_review_counts_exactly_the_members_who_left(loop: dict[str, Any]) -> None:
    outcomes = loop["july"]["review"]["outcomes"]
    june = loop["june"]
    assert loop["july"]["review"]["month"] == JUNE
    assert outcomes["scored"] == len(june)
    assert outcomes["left"] == int(june["left"].sum())
    assert outcomes["stayed"] == int((~june["left"]).sum())
    assert outcomes["joined"] == loop["club"].joiners
    assert "closed: " in " ".join(loop["output"].split())


def test_expected_leavers_are_the_sum_of_the_probabilities(loop: dict[str, Any]) -> None:
    outcomes = loop["july"]["review"]["outcomes"]
    p = loop["june_scores"]["churn_probability"]
    assert outcomes["expected_leavers"] == pytest.approx(p.sum(), abs=0.01)
    # the band holds the count 95 % of the time if the probabilities are right: check it
    # against a simulation of the probabilities themselves
    draws = (np.random.default_rng(0).random((4000, len(p))) < p.to_numpy()).sum(axis=1)
    inside = np.mean((draws >= outcomes["expected_low"]) & (draws <= outcomes["expected_high"]))
    assert 0.94 <= inside <= 0.97
    assert outcomes["within_band"] == (
        outcomes["expected_low"] <= outcomes["left"] <= outcomes["expected_high"]
    )


def test_the_backtest_is_the_months_own_scores_against_who_left(loop: dict[str, Any]) -> None:
    backtest = loop["july"]["review"]["backtest"]
    scores = loop["june_scores"].merge(loop["june"][[ID, "left"]], on=ID)
    assert len(scores) == len(loop["june"])
    auc = roc_auc_score(scores["left"], scores["churn_probability"])
    assert backtest["all"]["roc_auc"] == pytest.approx(auc, abs=0.003)
    assert backtest["all"]["roc_auc_low"] < auc < backtest["all"]["roc_auc_high"]
    untreated = scores[scores["group"] != "contact"]
    assert backtest["untreated"]["members"] == len(untreated)
    assert backtest["untreated"]["roc_auc"] == pytest.approx(
        roc_auc_score(untreated["left"], untreated["churn_probability"]), abs=0.003
    )
    # the model learnt the club's hazard: its back-test is far better than chance
    assert backtest["untreated"]["roc_auc"] > 0.85
    brier = float(np.mean((scores["churn_probability"] - scores["left"]) ** 2))
    assert backtest["all"]["brier"] == pytest.approx(brier, abs=1e-6)
    history = loop["july"]["review"]["history"]
    assert [row["month"] for row in history] == [JUNE]


def test_the_well_sampled_measures_cover_their_true_uplifts(loop: dict[str, Any]) -> None:
    """Each 95 % interval covers the true uplift; of a handful of measures one may miss (with
    four, two or more miss 1.4 % of the time). Coverage itself is measured over 120 simulated
    months in tests/analysis/test_review.py."""
    measures = loop["july"]["review"]["measures"]
    june = loop["june"]
    well = [m for m in measures if m["contact"] >= 100 and m["control"] >= 25]
    assert well, measures
    missed = []
    for measure in well:
        part = june[june["measure"] == measure["measure"]]
        contact, control = part[part["group"] == "contact"], part[part["group"] == "control"]
        assert (measure["contact"], measure["control"]) == (len(contact), len(control))
        assert measure["contact_churn"] == pytest.approx(contact["left"].mean(), abs=1e-6)
        assert measure["control_churn"] == pytest.approx(control["left"].mean(), abs=1e-6)
        truth = true_uplift(june, measure["measure"])
        if not measure["uplift_low"] <= truth <= measure["uplift_high"]:
            missed.append((measure, truth))
        assert measure["saves"] == pytest.approx(measure["uplift"] * len(contact), abs=1e-3)
        assert measure["per_protocol"] is None  # no calls were recorded
    assert len(missed) <= 1, missed


def test_the_next_plan_uses_the_measured_rate_of_the_best_measured_measure(
    loop: dict[str, Any],
) -> None:
    measures = loop["july"]["review"]["measures"]
    most = max(measures, key=lambda m: m["evidence"])
    assert most["measured"]
    groups = {g["measure"]: g for g in loop["july"]["plan"]["target_groups"]}
    assumed = {m.id: m.success_rate for m in load_playbook().measures}
    group = groups[most["measure"]]
    assert group["success_source"] == "measured"
    assert group["success_assumed"] == assumed[most["measure"]]
    # one closed month pooled: the plan's rate is the review's measured one, and the plan's
    # expected saving is priced with it (probability x rate x fee x months kept)
    assert group["success_rate"] == pytest.approx(most["success_rate"], abs=1e-6)
    plan = pd.read_csv(loop["folder"] / "months" / JULY / "plan.csv", dtype={ID: str})
    contact = plan[(plan["measure"] == most["measure"]) & (plan["group"] == "contact")]
    scores = pd.read_csv(loop["folder"] / "months" / JULY / "scores.csv", dtype={ID: str})
    kept = contact[ID].map(scores.set_index(ID)["kept_value"])
    tier = contact[ID].map(scores.set_index(ID)["risk_tier"])
    p = contact["churn_probability"]
    swayed = 1 - 0.8 * ((p - 0.5) / 0.5).clip(0, 1)  # the stated futility rule
    success = group["success_rate"] * swayed
    for row in most["by_tier"]:  # a tier whose own success was measured: that rate
        if row["measured"]:
            success = success.where(tier != row["tier"], row["success_rate"])
    priced = p * success * kept
    assert contact["expected_saving"].to_numpy() == pytest.approx(priced.to_numpy(), rel=1e-4)
    # measures nobody measured keep the playbook's assumption
    for measure, g in groups.items():
        if g["success_source"] == "assumed":
            assert g["success_rate"] == assumed[measure]
    assert loop["july"]["evidence"]["months"] == [JUNE]


def test_a_first_month_has_nothing_to_review(loop: dict[str, Any]) -> None:
    june = _month_json(loop["folder"], JUNE)
    assert june["review"] is None and june["evidence"] is None
    assert all(g["success_source"] == "assumed" for g in june["plan"]["target_groups"])


def test_an_outcomes_file_overrides_and_completes_the_snapshot(
    loop: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    june = loop["june"]
    stayer = june.loc[~june["left"], ID].iloc[0]  # in July's snapshot: the file says left
    leaver = june.loc[june["left"], ID].iloc[0]  # absent: the file says stayed (frozen)
    pd.DataFrame(
        {ID: [stayer, leaver, "NOBODY"], "status": ["Cancelled", "active", "cancelled"]}
    ).to_csv(tmp_path / "cancellations.csv", index=False)
    result = invoke(
        "month", loop["here"] / "july.csv", "--run", loop["folder"], "--month", JULY,
        "--outcomes", tmp_path / "cancellations.csv",
    )  # fmt: skip
    assert_ok(result)
    outcomes = _month_json(loop["folder"], JULY)["review"]["outcomes"]
    assert outcomes["left"] == int(june["left"].sum())  # one more, one fewer
    assert (outcomes["from_file"], outcomes["unmatched"]) == (2, 1)
    assert outcomes["outcomes_file"].endswith("cancellations.csv")
    unmatched = pd.read_csv(loop["folder"] / "months" / JULY / "outcomes_rejects.csv")
    assert unmatched["member"].tolist() == ["NOBODY"]
    assert "not used" in " ".join(result.output.split())


def test_a_bad_outcomes_file_names_its_rows_and_writes_nothing(
    loop: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    before = (loop["folder"] / "months" / JULY / "month.json").read_bytes()
    pd.DataFrame({ID: ["M00001", "M00002"], "left": ["yes", "maybe"]}).to_csv(
        tmp_path / "bad.csv", index=False
    )
    result = invoke(
        "month", loop["here"] / "july.csv", "--run", loop["folder"], "--month", JULY,
        "--outcomes", tmp_path / "bad.csv",
    )  # fmt: skip
    assert_user_error(result, "bad.csv", "left", "maybe", "row 1")
    assert (loop["folder"] / "months" / JULY / "month.json").read_bytes() == before


@pytest.fixture()
def copied(loop: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the club's folder, to change without touching the module's."""
    import shutil

    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    return Path(shutil.copytree(loop["folder"], tmp_path / "club"))


def test_a_shifted_feature_is_flagged_and_the_same_month_unshifted_is_not(
    loop: dict[str, Any], copied: Path, tmp_path: Path
) -> None:
    unshifted = {f["feature"]: f for f in loop["july"]["review"]["drift"]["features"]}
    assert not unshifted["Age"]["drifted"]
    older = pd.read_csv(loop["here"] / "july.csv")
    older["Age"] += 8
    older.to_csv(tmp_path / "july_older.csv", index=False)
    assert_ok(invoke("month", tmp_path / "july_older.csv", "--run", copied, "--month", JULY))
    review = _month_json(copied, JULY)["review"]
    shifted = {f["feature"]: f for f in review["drift"]["features"]}
    assert shifted["Age"]["drifted"] and "Age" in review["drift"]["drifted"]
    assert shifted["Age"]["mean"] == pytest.approx(shifted["Age"]["reference_mean"] + 8, abs=1.0)
    # older members leave less (the hazard falls with age): the shift lowers predicted churn
    assert shifted["Age"]["churn_shift"] < 0
    assert review["recommendation"]["retrain"] and "drift" in review["recommendation"]["reasons"]


def test_retraining_refits_on_the_closed_months_untreated_members(
    loop: dict[str, Any], copied: Path
) -> None:
    from churnlab.data.spec import gym_spec
    from churnlab.model.churn_model import data_hash
    from churnlab.model.persist import load_model

    old = (copied / "model.churnlab").read_bytes()
    old_hash = load_model(copied / "model.churnlab").data_hash_
    assert_ok(invoke("month", loop["here"] / "july.csv", "--run", copied, "--month", JULY,
                     "--retrain"))  # fmt: skip
    model = load_model(copied / "model.churnlab")
    assert (copied / "models" / f"{old_hash[:16]}.churnlab").read_bytes() == old
    # the training rows, chosen here from June's members and what became of them
    members = pd.read_parquet(copied / "months" / JUNE / "members.parquet")
    june = loop["june"].assign(member=loop["june"][ID].astype(str))
    untreated = members.merge(june[june["group"] != "contact"], on="member")
    spec = gym_spec()
    assert model.data_hash_ == data_hash(
        untreated[spec.feature_names].astype(float), untreated["left"].astype(int).to_numpy()
    )
    july = _month_json(copied, JULY)
    assert july["model"]["data_hash"] == model.data_hash_
    # the reference the next months are checked against is the new training data's
    reference = json.loads((copied / "reference.json").read_text(encoding="utf-8"))
    assert reference["members"] == len(untreated)


def test_train_from_the_folders_closed_months(
    loop: dict[str, Any], copied: Path, english_words: Callable[..., set[str]]
) -> None:
    from churnlab.model.persist import load_model

    before = load_model(copied / "model.churnlab").data_hash_
    result = invoke("train", "--run", copied)
    assert_ok(result)
    assert load_model(copied / "model.churnlab").data_hash_ != before
    assert "closed months" in " ".join(result.output.split())
    refitted = load_model(copied / "model.churnlab").data_hash_
    again = invoke("train", "--run", copied, "--lang", "ru")  # the same fit, told in Russian
    assert_ok(again)
    assert load_model(copied / "model.churnlab").data_hash_ == refitted
    assert english_words(again.output) == set(), again.output
    assert "переобучено на закрытых месяцах" in again.stderr


def test_retraining_needs_a_closed_month(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    club = SimulatedClub(seed=5)
    club.history().to_csv(tmp_path / "history.csv", index=False)
    assert_ok(invoke("analyze", tmp_path / "history.csv", "--out", tmp_path / "club"))
    club.snapshot().to_csv(tmp_path / "june.csv", index=False)
    result = invoke("month", tmp_path / "june.csv", "--run", tmp_path / "club", "--month",
                    JUNE, "--retrain")  # fmt: skip
    assert_user_error(result, "no closed month")
    assert not (tmp_path / "club" / "months").exists()
    pd.DataFrame({ID: ["M00001"], "left": [1]}).to_csv(tmp_path / "may.csv", index=False)
    result = invoke("month", tmp_path / "june.csv", "--run", tmp_path / "club", "--month",
                    JUNE, "--outcomes", tmp_path / "may.csv")  # fmt: skip
    assert_user_error(result, "no monthly run before 2024-06")


def test_the_months_page_shows_its_review(loop: dict[str, Any]) -> None:
    import html as markup
    import re

    html = (loop["folder"] / "months" / JULY / "report.html").read_text(encoding="utf-8")
    text = " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", html)).split())
    outcomes = loop["july"]["review"]["outcomes"]
    assert 'id="review"' in html and "Last month, reviewed" in text
    assert f"{outcomes['left']:,} left" in text, text[:3000]
    assert "measured" in text  # the plan says which success rates were measured


def test_three_months_on_predicted_staying_meets_what_happened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """June's predicted 3-month staying of its untreated members, against who is still a
    member in September, by decile: the simulated club's truth."""
    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    club = SimulatedClub(seed=11)
    club.history().to_csv(tmp_path / "history.csv", index=False)
    folder = tmp_path / "club"
    assert_ok(invoke("analyze", tmp_path / "history.csv", "--out", folder))
    for month in ("2024-06", "2024-07", "2024-08", "2024-09"):
        club.snapshot().to_csv(tmp_path / f"{month}.csv", index=False)
        assert_ok(invoke("month", tmp_path / f"{month}.csv", "--run", folder, "--month", month))
        plan = pd.read_csv(folder / "months" / month / "plan.csv", dtype={ID: str})
        if month != "2024-09":
            club.advance(plan)
    check = _month_json(folder, "2024-09")["review"]["survival"]
    june = pd.read_csv(folder / "months" / JUNE / "scores.csv", dtype={ID: str})
    untreated = june[june["group"] != "contact"]
    september = set(pd.read_csv(tmp_path / "2024-09.csv", dtype={ID: str})[ID])
    assert check["month"] == JUNE and check["members"] == len(untreated)
    assert check["realised"] == pytest.approx(untreated[ID].isin(september).mean(), abs=1e-6)
    assert check["predicted"] == pytest.approx(untreated["stay_3m"].mean(), abs=1e-6)
    assert check["mean_gap"] <= 0.05, check["by_decile"]


def test_a_month_in_russian_prints_no_english(
    loop: dict[str, Any],
    copied: Path,
    tmp_path: Path,
    english_words: Callable[..., set[str]],
    on_a_terminal: list[str],
) -> None:
    """Every line a month prints, and what its progress shows, follows --lang, and the folder's
    language without it: a closing with measured measures, an outcomes file naming a member no
    month scored, drift that calls for retraining, a retraining, and a first month."""
    june = loop["june"]
    older = pd.read_csv(loop["here"] / "july.csv")
    older["Age"] += 8
    older.to_csv(tmp_path / "july_older.csv", index=False)
    stayer = june.loc[~june["left"], ID].iloc[0]
    pd.DataFrame({ID: [stayer, "NOBODY"], "status": ["Cancelled", "cancelled"]}).to_csv(
        tmp_path / "cancellations.csv", index=False
    )
    july = ("month", tmp_path / "july_older.csv", "--run", copied, "--month", JULY)
    runs = {
        "closing": invoke(*july, "--outcomes", tmp_path / "cancellations.csv", "--lang", "ru"),
        "retraining": invoke(*july, "--retrain", "--lang", "ru"),
    }
    summary = json.loads((copied / "summary.json").read_text(encoding="utf-8"))
    summary["meta"]["lang"] = "ru"  # the folder's texts in Russian: the month's default
    (copied / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    runs["first"] = invoke("month", loop["here"] / "june.csv", "--run", copied, "--month",
                           "2024-05")  # fmt: skip
    for name, result in runs.items():
        assert_ok(result)
        assert english_words(result.output) == set(), (name, result.output)
    closing = runs["closing"].output
    assert f"месяц {JUNE} закрыт: ушли " in closing and "в контрольной группе" in closing
    assert re.search(r"эффект [+−]\d+,\d п\.п\. \(от [+−]\d+,\d п\.п\.", closing), closing
    assert "по измеренной доле успеха" in closing and "(список в outcomes_rejects.csv)" in closing
    assert "модель стоит переобучить (клиенты изменились" in closing
    assert "модель переобучена на закрытых месяцах" in runs["retraining"].output
    assert "первый месяц цикла" in runs["first"].output
    assert f"закрытие месяца {JUNE}" in on_a_terminal and f"разбор месяца {JUNE}" in on_a_terminal
    assert "переобучение модели на закрытых месяцах" in on_a_terminal
    assert english_words("\n".join(on_a_terminal)) == set(), on_a_terminal
    # June's campaign was planned in English; July's page in Russian names its measures by the
    # playbook's Russian titles, as the lines above do
    from churnlab.scoring.bundle import load_bundle

    playbook = load_bundle(run=copied).playbook
    reviewed = _month_json(copied, JULY)["review"]["measures"]
    page = (copied / "months" / JULY / "report.html").read_text(encoding="utf-8")
    assert reviewed and all(m["title"] == playbook.measure(m["measure"]).title["en"]
                            for m in reviewed)  # fmt: skip
    for measure in reviewed:
        assert escape(playbook.measure(measure["measure"]).title["ru"]) in page
        assert escape(measure["title"]) not in page
