"""`churnlab serve`: a real server on loopback, its key rule, and what it logs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from typer.testing import CliRunner

from churnlab.cli import app
from churnlab.cli.serve import is_loopback


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
        ("::", False),
    ],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_refuses_a_public_address_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHURNLAB_API_KEY", raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--model", "m.churnlab"])
    assert result.exit_code == 2
    assert "without an API key" in result.stderr and "CHURNLAB_API_KEY" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def run_dir(club_run_dir: Path) -> Path:
    return club_run_dir


def test_a_real_server_scores_and_keeps_member_data_out_of_its_log(
    run_dir: Path, tmp_path: Path, gym: pd.DataFrame
) -> None:
    port = _free_port()
    env = {**os.environ, "CHURNLAB_API_KEY": "s3cret"}
    command = [
        str(Path(sys.executable).with_name("churnlab")),
        "serve",
        "--run",
        str(run_dir),
        "--port",
        str(port),
        "--store",
        f"sqlite:///{tmp_path}/store.db",
    ]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "the server did not start in 60 s"
            time.sleep(0.3)
        member = gym.drop(columns="Churn").head(1).to_dict("records")
        assert httpx.post(f"{base}/v1/score", json={"members": member}).status_code == 401
        answer = httpx.post(
            f"{base}/v1/score", json={"members": member}, headers={"Authorization": "Bearer s3cret"}
        )
        assert answer.status_code == 200 and len(answer.json()["results"]) == 1
        for _ in range(2):
            asked = httpx.get(
                f"{base}/v1/members/MEMBER-SECRET-42", headers={"Authorization": "Bearer s3cret"}
            )
            assert asked.status_code == 404 and "no scores" in asked.text
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=30)
    assert "POST /v1/score 200" in log and "GET /v1/members/{member}" in log
    assert "MEMBER-SECRET-42" not in log and "Avg_additional_charges_total" not in log
