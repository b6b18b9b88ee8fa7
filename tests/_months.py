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
