"""A club's months for the tests: the labelled history with member ids, and next month's
snapshot of the members who stayed (a month older) plus new joiners."""

from __future__ import annotations

import numpy as np
import pandas as pd

from churnlab.data.datasets import load_gym_churn

ID = "member_id"


def club_history() -> pd.DataFrame:
    """The bundled club table with a member id in front (``M00000`` …)."""
    members = load_gym_churn()
    members.insert(0, ID, [f"M{i:05d}" for i in range(len(members))])
    return members


def next_snapshot(history: pd.DataFrame, *, joiners: int = 200, seed: int = 0) -> pd.DataFrame:
    """The active members a month later, without the target: those who stayed, a month longer
    in the club (a contract that ended renewed for its period), and `joiners` new members in
    their first month (drawn from the table's newcomers, with new ids)."""
    rng = np.random.default_rng(seed)
    stayed = history[history["Churn"] == 0].drop(columns="Churn").copy()
    stayed["Lifetime"] += 1
    ended = stayed["Month_to_end_contract"] <= 1
    stayed["Month_to_end_contract"] = np.where(
        ended, stayed["Contract_period"], stayed["Month_to_end_contract"] - 1
    )
    newcomers = history[history["Lifetime"] <= 1].drop(columns="Churn")
    new = newcomers.sample(joiners, replace=True, random_state=int(rng.integers(2**31))).copy()
    new["Lifetime"] = 0
    new[ID] = [f"N{i:05d}" for i in range(joiners)]
    return pd.concat([stayed, new], ignore_index=True)


# --- a simulated club: members month after month, with a known hazard and known effects --------

#: Each measure's true effect in the simulation: the share of would-be leavers a contact keeps.
TRUE_EFFECTS = {
    "first_month_onboarding": 0.35,
    "renewal_offer": 0.45,
    "visit_drop_reengagement": 0.30,
    "group_class_reminders": 0.10,
    "bring_a_friend": 0.15,
    "partner_programme": 0.10,
    "community_app": 0.05,
    "leaver_survey": 0.0,
    "personal_call": 0.20,
}


def true_hazard(members: pd.DataFrame) -> np.ndarray:
    """The simulated club's known probability of leaving within a month, uncontacted: a
    logistic function of tenure, contract, visits, age, group classes and spending (its
    mean on the bundled table is 0.23; as a score of the table's own churn, ROC-AUC 0.96)."""
    f = members
    logit = (
        2.2
        - 0.45 * f["Lifetime"]
        - 0.10 * f["Month_to_end_contract"]
        - 1.1 * f["Avg_class_frequency_current_month"]
        - 0.10 * (f["Age"] - 29)
        - 0.4 * f["Group_visits"]
        - 0.003 * f["Avg_additional_charges_total"]
        + 0.8 * (f["Avg_class_frequency_total"] - f["Avg_class_frequency_current_month"])
    )
    return np.asarray(1 / (1 + np.exp(-logit.to_numpy(dtype=float))))


class SimulatedClub:
    """A club whose members leave by :func:`true_hazard`, and whose measures keep the share
    :data:`TRUE_EFFECTS` of the contacted would-be leavers.

    ``history()`` is a labelled table to analyse; ``snapshot()`` the active members now;
    ``advance(plan)`` plays the month out: each member leaves with their hazard, times one
    minus the measure's effect when contacted; the survivors are rolled a month forward
    (tenure + 1, contract months − 1, renewed when ended; this month's visits wander) and
    new members join.
    """

    def __init__(
        self, *, seed: int = 0, joiners: int = 250, effects: dict[str, float] | None = None
    ):
        self.rng = np.random.default_rng(seed)
        self.joiners = joiners
        self.effects = TRUE_EFFECTS if effects is None else effects
        self.members = club_history().drop(columns="Churn")
        self.born = len(self.members)
        self.newcomers = self.members[self.members["Lifetime"] <= 1]

    def history(self) -> pd.DataFrame:
        """The members now, each with whether they left drawn from the hazard (no campaign)."""
        left = self.rng.random(len(self.members)) < true_hazard(self.members)
        return self.members.assign(Churn=left.astype(int))

    def snapshot(self) -> pd.DataFrame:
        return self.members.copy()

    def advance(self, plan: pd.DataFrame | None = None) -> pd.DataFrame:
        """Play the month out; what became of each member: ``member_id``, ``hazard`` (before
        any contact), ``measure``, ``group``, ``effect`` (0 unless contacted), ``left``."""
        members = self.members
        hazard = true_hazard(members)
        outcome = pd.DataFrame({ID: members[ID].to_numpy(), "hazard": hazard})
        outcome["measure"] = None
        outcome["group"] = None
        if plan is not None and len(plan):
            placed = plan.set_index(plan[ID].astype(str))
            outcome["measure"] = outcome[ID].map(placed["measure"])
            outcome["group"] = outcome[ID].map(placed["group"])
        contacted = (outcome["group"] == "contact").to_numpy()
        effect = outcome["measure"].map(self.effects).fillna(0.0).to_numpy(dtype=float)
        outcome["effect"] = np.where(contacted, effect, 0.0)
        outcome["left"] = self.rng.random(len(members)) < hazard * (1 - outcome["effect"])
        self.members = self._rolled(members[~outcome["left"].to_numpy()])
        return outcome

    def _rolled(self, stayed: pd.DataFrame) -> pd.DataFrame:
        stayed = stayed.copy()
        stayed["Lifetime"] += 1
        ended = stayed["Month_to_end_contract"] <= 1
        stayed["Month_to_end_contract"] = np.where(
            ended, stayed["Contract_period"], stayed["Month_to_end_contract"] - 1
        )
        wander = self.rng.lognormal(0.0, 0.15, len(stayed))
        current = (stayed["Avg_class_frequency_current_month"] * wander).clip(0, 6)
        stayed["Avg_class_frequency_total"] = (
            stayed["Avg_class_frequency_total"] * 0.8 + current * 0.2
        )
        stayed["Avg_class_frequency_current_month"] = current
        new = self.newcomers.sample(
            self.joiners, replace=True, random_state=int(self.rng.integers(2**31))
        ).copy()
        new["Lifetime"] = 0
        new["Month_to_end_contract"] = new["Contract_period"]
        new[ID] = [f"J{self.born + i:05d}" for i in range(self.joiners)]
        self.born += self.joiners
        return pd.concat([stayed, new], ignore_index=True)


def true_uplift(
    outcome: pd.DataFrame, measure: str, effects: dict[str, float] = TRUE_EFFECTS
) -> float:
    """The measure's true uplift on its campaign members: its effect times their mean hazard
    (what the control group's churn minus the contact group's estimates)."""
    part = outcome[outcome["measure"] == measure]
    return float(effects[measure] * part["hazard"].mean())
