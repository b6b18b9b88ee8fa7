"""Shared fixtures: the club's table, a fitted model, and tables unlike the club's."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from churnlab.datasets import load_gym_churn
from churnlab.model import ChurnModel
from churnlab.spec import gym_spec


@pytest.fixture(autouse=True)
def _quiet_lightgbm() -> None:
    warnings.filterwarnings("ignore", module="lightgbm")


@pytest.fixture(scope="session")
def gym() -> pd.DataFrame:
    return load_gym_churn()


@pytest.fixture(scope="session")
def gym_model(gym: pd.DataFrame) -> ChurnModel:
    """The default model on the whole club table (fitted once per test session)."""
    return ChurnModel(gym_spec()).fit(gym.drop(columns="Churn"), gym["Churn"])


@pytest.fixture(scope="session")
def small_gym(gym: pd.DataFrame) -> pd.DataFrame:
    return gym.sample(600, random_state=1).reset_index(drop=True)


def make_telco(n: int = 1500, *, random_state: int = 0) -> pd.DataFrame:
    """A table unlike the club's: ids, Yes/No target, categories, numbers as text with blanks.

    Churn depends non-linearly on tenure and charges and on the contract type.
    """
    rng = np.random.default_rng(random_state)
    tenure = rng.integers(0, 72, n)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.55, 0.25, 0.2])
    monthly = np.round(rng.uniform(18, 120, n), 2)
    support = rng.choice(["Yes", "No"], n)
    score = (
        1.2
        - 0.06 * tenure
        + 0.0004 * (monthly - 70) ** 2
        + np.select([contract == "One year", contract == "Two year"], [-1.4, -2.6], 0.0)
        - 0.6 * (support == "Yes")
    )
    left = rng.random(n) < 1 / (1 + np.exp(-score))
    total = np.round(monthly * tenure, 2).astype(str)
    total[tenure == 0] = " "  # new customers have no total yet: a blank, as in real exports
    return pd.DataFrame(
        {
            "customerID": [f"C{i:05d}" for i in range(n)],
            "tenure": tenure,
            "Contract": contract,
            "MonthlyCharges": monthly,
            "TotalCharges": total,
            "TechSupport": support,
            "Notes": [
                f"called on day {d} about bill {b}"
                for d, b in zip(rng.integers(1, 28, n), rng.integers(1000, 99999, n), strict=True)
            ],
            "Churn": np.where(left, "Yes", "No"),
        }
    )


@pytest.fixture(scope="session")
def telco() -> pd.DataFrame:
    return make_telco()


@pytest.fixture(scope="session")
def club_analysis(gym: pd.DataFrame):  # type: ignore[no-untyped-def]
    """`analyze` on the whole club table, in English (run once per test session)."""
    from churnlab.analysis import analyze

    return analyze(gym, gym_spec(), source="the bundled club table", lang="en")


@pytest.fixture(autouse=True)
def _private_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test records its runs in a store of its own, never in the user's data folder."""
    folder = tmp_path_factory.mktemp("store")
    monkeypatch.setenv("CHURNLAB_STORE", f"sqlite:///{folder}/store.db")


@pytest.fixture(scope="session")
def club_run_dir(club_analysis, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The folder `churnlab analyze --out` writes for the club table (written once per session)."""
    from churnlab.report.export import write_outputs

    folder = tmp_path_factory.mktemp("club-run")
    write_outputs(club_analysis, folder)
    return folder


@pytest.fixture(scope="session")
def club_bundle(club_run_dir):  # type: ignore[no-untyped-def]
    """The club's run folder loaded for serving."""
    from churnlab.bundle import load_bundle

    return load_bundle(run=club_run_dir)
