"""Shared fixtures: the club's table, a fitted model, and tables unlike the club's."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from churnlab.data.datasets import load_gym_churn
from churnlab.data.spec import gym_spec
from churnlab.model.churn_model import ChurnModel

# The helper modules' asserts explain their failures as the tests' own do (registered before
# any is imported).
pytest.register_assert_rewrite("_cli", "_files")


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
    from churnlab.analysis.analyze import analyze

    return analyze(gym, gym_spec(), source="the bundled club table", lang="en")


@pytest.fixture(scope="session", autouse=True)
def _private_session_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Fixtures wider than one test (models trained once per module) record their runs in a
    store of the session's own: never the user's, and never one two test processes share."""
    folder = tmp_path_factory.mktemp("session-store")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHURNLAB_STORE", f"sqlite:///{folder}/store.db")
        yield


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
    from churnlab.scoring.bundle import load_bundle

    return load_bundle(run=club_run_dir)


# --- PostgreSQL --------------------------------------------------------------------------------
# One throwaway server per test session (tests/postgres.py). When the run includes
# tests/store/test_history.py (or a folder that holds it) it starts in pytest_configure, before
# collection, because that module reads CHURNLAB_TEST_POSTGRES when it is imported; otherwise the
# postgres_url fixture starts it when a test first needs it. Under pytest-xdist the controller
# starts it (the workers inherit its port through the environment) and every process that runs tests
# gets databases of its own, so tests on two workers never drop each other's tables.
# pytest_unconfigure (or, failing that, atexit) stops the server and deletes its folder, whatever
# the tests did.

_POSTGRES: dict[str, object] = {}  # this process's "server", "url" and "problem"
_PG_PORT = "_CHURNLAB_TEST_PG_PORT"  # the session server's port, for xdist workers
_PG_EAGER = ("store/test_history.py", "test_postgres.py")


def _start_postgres(worker: str | None, *, databases: bool = True) -> None:
    """Start the session's server (or use the controller's) and create this process's databases."""
    import atexit
    import os
    from pathlib import Path

    from postgres import PostgresServer, find_bin_dir

    if _PG_PORT in os.environ:  # started by the xdist controller
        server = PostgresServer(find_bin_dir() or Path("/nonexistent"))
        server.port = int(os.environ[_PG_PORT])
    else:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            _POSTGRES["problem"] = (
                "no PostgreSQL server (initdb, pg_ctl) is installed; run `make postgres`"
            )
            return
        server = PostgresServer(bin_dir)
        try:
            server.start()
        except Exception as exc:  # reported by the postgres_url fixture
            _POSTGRES["problem"] = f"cannot start the test PostgreSQL server: {exc}"
            return
        _POSTGRES["server"] = server
        atexit.register(server.stop)  # in case pytest_unconfigure is never reached
        os.environ[_PG_PORT] = str(server.port)
    if not databases:
        return
    suffix = f"_{worker}" if worker else ""
    try:
        _POSTGRES["url"] = server.create_database(f"churnlab_test{suffix}")
        os.environ["CHURNLAB_TEST_POSTGRES"] = server.create_database(f"churnlab_store{suffix}")
    except Exception as exc:
        _POSTGRES["problem"] = f"cannot create the test databases: {exc}"


def pytest_configure(config: pytest.Config) -> None:
    import os
    from pathlib import Path

    if os.environ.get("CHURNLAB_TEST_POSTGRES") and _PG_PORT not in os.environ:
        _POSTGRES["url"] = os.environ["CHURNLAB_TEST_POSTGRES"]  # the user's own server
        return
    worker = getattr(config, "workerinput", {}).get("workerid")
    if _PG_PORT in os.environ:
        if worker is not None:
            _start_postgres(worker)
        return
    here = Path(__file__).resolve().parent
    paths = [Path(str(arg).split("::")[0]).resolve() for arg in config.args]
    eager = any(
        path == here / name or path in (here / name).parents for path in paths for name in _PG_EAGER
    )
    if eager:  # the xdist controller runs no tests: it needs the server, not databases
        _start_postgres(None, databases=getattr(config.option, "dist", "no") == "no")


def pytest_unconfigure(config: pytest.Config) -> None:
    server = _POSTGRES.pop("server", None)
    if server is not None:
        server.stop()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of an empty database of its own on the session's PostgreSQL server (psycopg 3).

    Without a server: a failure when CHURNLAB_REQUIRE_POSTGRES=1 (as in `make test`), else a skip.
    """
    import os

    if "url" not in _POSTGRES and "problem" not in _POSTGRES:
        _start_postgres(os.environ.get("PYTEST_XDIST_WORKER"))
    url = _POSTGRES.get("url")
    if isinstance(url, str):
        return url
    problem = str(_POSTGRES.get("problem") or "no PostgreSQL server; run `make postgres`")
    if os.environ.get("CHURNLAB_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{problem} (CHURNLAB_REQUIRE_POSTGRES=1)", pytrace=False)
    pytest.skip(problem)
