"""The review of a closed month: who left, how good the predictions were, what each measure did.

When the club runs month M, the history holds month M-1's scores: each member's probability,
risk tier, and for the campaign's members the measure and the group (contacted, or held back at
random as the control group). :func:`close_month` says what became of each of them: a member
absent from M's snapshot left during M-1, one present stayed, and an outcomes file the club
exports overrides or completes that. :func:`review_month` then measures:

- ``outcomes``: how many left against how many were expected (the sum of the probabilities),
  with the 95 % band of that count if the probabilities were right (Poisson-binomial);
- ``backtest``: ROC-AUC with its bootstrap interval, Brier score, calibration error, calibration
  by tier and decile, top-decile lift (:func:`churnlab.model.backtest.backtest`), for all
  members and for the untreated ones (the control group and those outside the campaign, whose
  outcomes no call changed);
- ``measures``: each measure's contact group against its control group: the uplift with its
  Newcombe interval, the implied success rate from a posterior whose prior is the playbook's
  assumption, the chance the measure pays for itself, the members it kept and their value
  (:func:`churnlab.plan.evidence.measure_effect`); the calls staff recorded give a second,
  per-protocol view (reached members only), labelled as such;
- ``drift`` (computed by the caller with :func:`churnlab.insight.drift.feature_drift`);
- ``recommendation``: retrain or not, and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from churnlab.model.backtest import backtest, expected_band
from churnlab.plan.campaign import measure_terms
from churnlab.plan.control import CONTACT, CONTROL
from churnlab.plan.evidence import Arms, measure_effect, uplift_interval
from churnlab.plan.playbook import Economics, Playbook

__all__ = [
    "REACHED",
    "Closing",
    "backtest_row",
    "close_month",
    "review_month",
    "survival_backtest",
    "treated_members",
]

#: The risk tiers, riskiest first.
TIERS = ("high", "medium", "low")
#: The recorded contact outcomes that mean staff reached the member.
REACHED = ("reached", "accepted", "declined")
#: How many months the review's month-over-month table shows.
HISTORY_MONTHS = 12
#: The back-test's bootstrap draws.
DRAWS = 1000


@dataclass(frozen=True)
class Closing:
    """What became of the members scored in a closed month (:func:`close_month`).

    Attributes
    ----------
    month : str
        The month closed, ``YYYY-MM``.
    outcomes : pandas.DataFrame
        One row per member scored in the month: ``member`` (the history's key), ``left``
        (bool), ``source`` (``snapshot``, or the outcomes file's name).
    joined : int
        Members of the next month's snapshot who were not scored in the month: new.
    from_file : int
        Outcomes given by the outcomes file.
    unmatched : pandas.DataFrame
        Rows of the outcomes file naming members not scored in the month: ``row``,
        ``member``, ``reason``. They are not used.
    outcomes_file : str or None
        The outcomes file's name.
    """

    month: str
    outcomes: pd.DataFrame
    joined: int
    from_file: int
    unmatched: pd.DataFrame
    outcomes_file: str | None = None


def close_month(
    month: str,
    scored: Sequence[str],
    present: Iterable[str],
    *,
    given: pd.DataFrame | None = None,
    outcomes_file: str | None = None,
) -> Closing:
    """Who of a month's members left: absent from the next snapshot, unless a file says otherwise.

    Parameters
    ----------
    month : str
        The month closed.
    scored : sequence of str
        The keys of the members scored in it.
    present : iterable of str
        The keys of the members in the next month's snapshot.
    given : pandas.DataFrame, optional
        The club's own outcomes (:func:`churnlab.data.outcomes.read_outcomes`: ``row``,
        ``member``, ``left``); they win over the snapshot.
    outcomes_file : str, optional
        Its name, recorded as the outcomes' source.

    Examples
    --------
    >>> closing = close_month("2024-06", ["A", "B", "C"], ["A", "C", "D"],
    ...                       given=pd.DataFrame({"row": [0, 1], "member": ["C", "Z"],
    ...                                           "left": [True, True]}),
    ...                       outcomes_file="cancellations.csv")
    >>> closing.outcomes
      member   left             source
    0      A  False           snapshot
    1      B   True           snapshot
    2      C   True  cancellations.csv
    >>> closing.joined, closing.from_file, closing.unmatched["member"].tolist()
    (1, 1, ['Z'])
    """
    members = pd.Index([str(m) for m in scored], dtype=object)
    now = set(map(str, present))
    left = pd.Series(~members.isin(list(now)), index=members)
    source = pd.Series("snapshot", index=members, dtype=object)
    unmatched = pd.DataFrame({"row": [], "member": [], "reason": []})
    from_file = 0
    if given is not None and len(given):
        known = given["member"].isin(members)
        unmatched = given.loc[~known, ["row", "member"]].assign(
            reason=f"the member was not scored in {month}"
        )
        mine = given[known]
        left[mine["member"].to_numpy()] = mine["left"].to_numpy(dtype=bool)
        source[mine["member"].to_numpy()] = outcomes_file or "outcomes file"
        from_file = len(mine)
    outcomes = pd.DataFrame(
        {"member": members.to_numpy(), "left": left.to_numpy(), "source": source.to_numpy()}
    )
    joined = len(now - set(members))
    unmatched = unmatched.reset_index(drop=True)
    return Closing(month, outcomes, joined, from_file, unmatched, outcomes_file)


def treated_members(scores: pd.DataFrame, contacts: pd.DataFrame | None) -> np.ndarray:
    """Whether each member of a month's scores was treated: in the contact group, or reached
    by staff though held back (a control member called anyway)."""
    treated = (scores["campaign_group"] == CONTACT).to_numpy(dtype=bool, copy=True)
    if contacts is not None and len(contacts):
        reached = set(contacts.loc[contacts["outcome"].isin(REACHED), "member"].astype(str))
        treated |= scores["member"].astype(str).isin(reached).to_numpy()
    return np.asarray(treated, dtype=bool)


def backtest_row(
    month: str, scores: pd.DataFrame, left: np.ndarray, *, draws: int = DRAWS
) -> dict[str, Any]:
    """One month of the review's month-over-month table: the back-test of all its members."""
    p = scores["churn_probability"].to_numpy(dtype=float)
    test = backtest(left.astype(int), p, tiers=None, draws=draws, seed=0)
    return {
        "month": month,
        "members": test["members"],
        "left": test["left"],
        "churn_rate": test["churn_rate"],
        "expected_leavers": round(float(p.sum()), 2),
        **{k: test[k] for k in ("roc_auc", "roc_auc_low", "roc_auc_high", "brier", "ece")},
    }


def review_month(
    closing: Closing,
    scores: pd.DataFrame,
    *,
    playbook: Playbook,
    economics: Economics,
    contacts: pd.DataFrame | None = None,
    model: Mapping[str, Any] | None = None,
    history: Sequence[Mapping[str, Any]] = (),
    drift: Mapping[str, Any] | None = None,
    trained_auc: float | None = None,
    draws: int = DRAWS,
) -> dict[str, Any]:
    """The review of a closed month, for ``month.json`` (its layout: the README's "The review").

    Parameters
    ----------
    closing : Closing
        What became of the month's members (:func:`close_month`).
    scores : pandas.DataFrame
        The month's scores from the history (:meth:`churnlab.store.Store.month_scores`):
        ``member``, ``churn_probability``, ``risk_tier``, ``measure``, ``action`` (the
        measure's title), ``campaign_group``.
    playbook, economics
        The measures' assumed success rates and costs, and what a kept member is worth.
    contacts : pandas.DataFrame, optional
        The calls staff recorded for the month (:meth:`churnlab.store.Store.contacts`).
    model : mapping, optional
        The model that scored the month (``learner``, ``data_hash``).
    history : sequence of mapping
        The earlier closed months' rows of the month-over-month table (:func:`backtest_row`),
        oldest first.
    drift : mapping, optional
        This month's drift against the model's training data.
    trained_auc : float, optional
        The model's out-of-fold ROC-AUC when it was trained: a back-test whose interval lies
        wholly below it recommends retraining.
    draws : int
        The back-test's bootstrap draws.
    """
    frame = scores.merge(closing.outcomes[["member", "left"]], on="member", how="left")
    if frame["left"].isna().any():
        raise ValueError("every scored member needs an outcome (see close_month)")
    left = frame["left"].to_numpy(dtype=bool)
    p = frame["churn_probability"].to_numpy(dtype=float)
    low, high = expected_band(p)
    treated = treated_members(frame, contacts)
    tiers = frame["risk_tier"].to_numpy()
    untreated = backtest(
        left[~treated].astype(int), p[~treated], tiers=tiers[~treated], draws=draws, seed=0
    )
    untreated_low, untreated_high = expected_band(p[~treated])
    untreated |= {
        "expected_leavers": round(float(p[~treated].sum()), 2),
        "expected_low": untreated_low,
        "expected_high": untreated_high,
        "within_band": bool(untreated_low <= left[~treated].sum() <= untreated_high),
    }
    everyone = backtest(left.astype(int), p, tiers=tiers, draws=draws, seed=0)
    outcomes = {
        "scored": len(frame),
        "left": int(left.sum()),
        "stayed": int((~left).sum()),
        "churn_rate": round(float(left.mean()), 6) if len(left) else None,
        "joined": closing.joined,
        "expected_leavers": round(float(p.sum()), 2),
        "expected_low": low,
        "expected_high": high,
        "within_band": bool(low <= left.sum() <= high),
        "from_file": closing.from_file,
        "outcomes_file": closing.outcomes_file,
        "unmatched": len(closing.unmatched),
    }
    this_row = backtest_row(closing.month, scores, left, draws=draws)
    measures = _measures(frame, left, contacts, playbook, economics)
    return {
        "month": closing.month,
        "model": dict(model) if model is not None else None,
        "outcomes": outcomes,
        "backtest": {"all": everyone, "untreated": untreated},
        "history": [*list(history)[-(HISTORY_MONTHS - 1) :], this_row],
        "measures": measures,
        "drift": dict(drift) if drift is not None else None,
        "recommendation": _recommendation(untreated, drift, trained_auc),
    }


def _measures(
    frame: pd.DataFrame,
    left: np.ndarray,
    contacts: pd.DataFrame | None,
    playbook: Playbook,
    economics: Economics,
) -> list[dict[str, Any]]:
    terms = measure_terms(playbook, economics)
    titles = {m.id: dict(m.title) for m in playbook.measures}
    reached = _reached_outcomes(contacts)
    found = []
    for measure, part in frame[frame["measure"].notna()].groupby("measure", sort=False):
        in_part = left[part.index.to_numpy()]
        contact = (part["campaign_group"] == CONTACT).to_numpy()
        control = (part["campaign_group"] == CONTROL).to_numpy()
        cost, rate = terms.get(str(measure), (0.0, 0.1))
        value_kept = economics.value_kept
        tiers = part["risk_tier"].to_numpy()
        recorded = part["action"].dropna()  # the title as last month's campaign named it
        found.append(
            {
                "measure": str(measure),
                "title": str(recorded.iloc[0]) if len(recorded) else str(measure),
                # the playbook's title in each of its languages, for a page in any of them
                "titles": titles.get(str(measure), {}),
                **_effect(_arms(in_part, contact, control), rate, cost, value_kept),
                "per_protocol": _per_protocol(part, in_part, contact, control, reached),
                # within each risk tier: whether near-certain leavers are swayed as often
                "by_tier": [
                    {
                        "tier": tier,
                        **_effect(
                            _arms(
                                in_part[tiers == tier],
                                contact[tiers == tier],
                                control[tiers == tier],
                            ),
                            rate,
                            cost,
                            value_kept,
                        ),
                    }
                    for tier in TIERS
                    if (tiers == tier).any()
                ],
            }
        )
    found.sort(key=lambda m: (-m["contact"], m["measure"]))
    return found


def _effect(arms: Arms, rate: float, cost: float, value_kept: float) -> dict[str, Any]:
    found = measure_effect(arms, prior_rate=rate, cost=cost, value_kept=value_kept)
    counts = ("contact", "contact_left", "control", "control_left")
    return found | {k: int(found[k]) for k in counts}  # whole members, not weights


def _arms(left: np.ndarray, contact: np.ndarray, control: np.ndarray) -> Arms:
    return Arms(
        contact=float(contact.sum()),
        contact_left=float(left[contact].sum()),
        control=float(control.sum()),
        control_left=float(left[control].sum()),
    )


def _reached_outcomes(contacts: pd.DataFrame | None) -> pd.Series | None:
    """Each member's last recorded call outcome of the month, when staff recorded any."""
    if contacts is None or not len(contacts):
        return None
    last = contacts.sort_values("created", kind="stable").groupby("member").tail(1)
    return pd.Series(last["outcome"].to_numpy(), index=last["member"].astype(str).to_numpy())


def _per_protocol(
    part: pd.DataFrame,
    left: np.ndarray,
    contact: np.ndarray,
    control: np.ndarray,
    reached: pd.Series | None,
) -> dict[str, Any] | None:
    """The contacted members staff recorded as reached, against the whole control group: not
    randomised (who answers the phone is not chance), so always labelled per-protocol."""
    if reached is None:
        return None
    outcome = part["member"].astype(str).map(reached).to_numpy()
    recorded = contact & pd.notna(outcome)
    if not recorded.any():
        return None
    got = contact & np.isin(outcome, REACHED)
    uplift, low, high = uplift_interval(_arms(left, got, control))
    return {
        "label": "per-protocol",
        "recorded": int(recorded.sum()),
        "reached": int(got.sum()),
        "reached_left": int(left[got].sum()),
        "reached_churn": round(float(left[got].mean()), 6) if got.any() else None,
        "uplift": uplift,
        "uplift_low": low,
        "uplift_high": high,
    }


def _recommendation(
    untreated: Mapping[str, Any], drift: Mapping[str, Any] | None, trained_auc: float | None
) -> dict[str, Any]:
    """Retrain when features drifted, when the back-test's ROC-AUC is surely below the model's
    own, or when the untreated members' leavers fall outside the band their probabilities
    give."""
    reasons = []
    if drift is not None and drift.get("drifted"):
        reasons.append("drift")
    high = untreated.get("roc_auc_high")
    if trained_auc is not None and high is not None and high < trained_auc:
        reasons.append("auc_drop")
    if untreated.get("members") and not untreated.get("within_band", True):
        reasons.append("miscalibrated")
    return {"retrain": bool(reasons), "reasons": reasons}


def survival_backtest(
    month: str, scores: pd.DataFrame, present: Iterable[str], *, contacts: pd.DataFrame | None
) -> dict[str, Any] | None:
    """Predicted 3-month staying against what happened, by decile: the members scored three
    months ago (``stay_3m`` of `scores`) who were not treated then, and whether they are in
    this month's snapshot (`present`). None when the scores carry no ``stay_3m``.

    Examples
    --------
    >>> scores = pd.DataFrame({"member": list("abcdefghij"), "stay_3m": np.linspace(0.1, 1, 10),
    ...                        "campaign_group": [None] * 10})
    >>> check = survival_backtest("2024-03", scores, list("fghij"), contacts=None)
    >>> check["members"], check["predicted"], check["realised"]
    (10, 0.55, 0.5)
    """
    if "stay_3m" not in scores.columns or scores["stay_3m"].isna().all():
        return None
    mine = scores[~treated_members(scores, contacts) & scores["stay_3m"].notna()]
    if not len(mine):
        return None
    predicted = mine["stay_3m"].to_numpy(dtype=float)
    stayed = mine["member"].astype(str).isin(set(map(str, present))).to_numpy()
    order = np.argsort(predicted, kind="stable")
    deciles = []
    for i, part in enumerate(np.array_split(order, min(10, len(order)))):
        deciles.append(
            {
                "decile": i + 1,
                "members": len(part),
                "predicted": round(float(predicted[part].mean()), 6),
                "realised": round(float(stayed[part].mean()), 6),
            }
        )
    gaps = [abs(d["predicted"] - d["realised"]) for d in deciles]
    return {
        "month": month,
        "members": len(mine),
        "predicted": round(float(predicted.mean()), 6),
        "realised": round(float(stayed.mean()), 6),
        "mean_gap": round(float(np.mean(gaps)), 6),
        "by_decile": deciles,
    }
