"""`churnlab serve`: a real server on loopback, its key rule, and what it logs."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from typer.testing import CliRunner

from churnlab.cli import app
from churnlab.cli.serve import is_loopback
from churnlab.store import Store

CHURNLAB = str(Path(sys.executable).with_name("churnlab"))


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
        CHURNLAB,
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
        _wait_until_up(base, server, lambda: server.stdout.read() if server.stdout else "")
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


def _wait_until_up(base: str, server: subprocess.Popen[Any], output: Callable[[], str]) -> None:
    """Wait (60 s at most) until the server at ``base`` answers /health; fail with its
    ``output`` if it exits first."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert server.poll() is None, output()
        assert time.monotonic() < deadline, "the server did not start in 60 s"
        time.sleep(0.3)


@contextmanager
def _serving(
    run_dir: Path, log: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[str]:
    """A real `churnlab serve --run run_dir` on a free loopback port: yields its base URL.

    Its output goes to `log` (a pipe nobody reads would stall a server that logs every request).
    """
    port = _free_port()
    environment = {**os.environ, **(env or {})}
    environment.pop("CHURNLAB_API_KEY", None)
    command = [CHURNLAB, "serve", "--run", str(run_dir), "--port", str(port), *args]
    with log.open("w") as output:
        server = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, server, log.read_text)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_a_real_server_refuses_a_chunked_body_over_the_limit_as_it_arrives(
    run_dir: Path, tmp_path: Path, gym: pd.DataFrame
) -> None:
    with _serving(run_dir, tmp_path / "serve.log") as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(
                b"POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            chunk = b"x" * 65_536
            framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
            sock.sendall(b'18\r\n{"members": [], "pad": "\r\n')
            sent = 0
            try:
                while sent < 50_000_000:  # 50 MB unless the server answers first
                    sock.sendall(framed)
                    sent += len(chunk)
                    if select.select([sock], [], [], 0)[0]:
                        break
            except (BrokenPipeError, ConnectionResetError):
                pass  # it answered and closed the connection: the answer is there to read
            assert sent < 50_000_000, "the server read 50 MB without answering"
            reply = b""
            while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
                piece = sock.recv(65_536)
                if not piece:
                    break
                reply += piece
        assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
        assert b"request body passed the limit of 2000000 bytes" in reply
        # the server answered once 2 MB had passed (the socket buffers hold a few MB more)
        assert sent < 12_000_000, f"{sent} bytes were sent before the answer"

        def fifty_megabytes() -> Iterator[bytes]:
            yield b'{"members": [], "pad": "'
            for _ in range(800):
                yield chunk
            yield b'"}'

        refused = httpx.post(
            f"{base}/v1/score", content=fifty_megabytes(), timeout=60,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        assert refused.status_code == 413 and "limit of 2000000 bytes" in refused.text

        members = [
            {**m, "note": "x" * 1_600}
            for m in gym.drop(columns="Churn").head(1000).to_dict("records")
        ]
        body = json.dumps({"members": members}).encode()
        assert 1_850_000 < len(body) < 2_000_000
        pieces = (body[i : i + 50_000] for i in range(0, len(body), 50_000))
        answer = httpx.post(
            f"{base}/v1/score", content=pieces, headers={"Content-Type": "application/json"},
            timeout=60,
        )  # fmt: skip
        assert answer.request.headers["transfer-encoding"] == "chunked"
        assert answer.status_code == 200 and len(answer.json()["results"]) == 1000


#: The routes a dashboard reads; row:7 is a member of every score run of the club table.
_POLLED = ("/health", "/v1/members?limit=20", "/v1/members/row:7", "/v1/summary",
           "/v1/members?tier=high&search=row:1&limit=5")  # fmt: skip


def test_the_service_and_monthly_score_runs_share_a_duckdb_store(
    run_dir: Path, tmp_path: Path
) -> None:
    """The bar of the issue: 4 `churnlab score` runs record while a live service is read.

    Two pollers (say a dashboard and a script) read the service without a pause, so its reads
    overlap one another and every write of the score runs.
    """
    store_url = f"duckdb:///{tmp_path}/history.duckdb"
    env = {**os.environ, "CHURNLAB_STORE": store_url}
    env.pop("CHURNLAB_API_KEY", None)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    counting = threading.Lock()
    stop = threading.Event()
    months = ["2026-01", "2026-02", "2026-03", "2026-04"]

    def poll(base: str) -> None:
        deadline = time.monotonic() + 400
        with httpx.Client(base_url=base, timeout=60) as client:
            while not stop.is_set() and time.monotonic() < deadline:
                for route in _POLLED:
                    try:
                        status = client.get(route).status_code
                    except httpx.HTTPError as exc:
                        with counting:
                            failures.append(f"{route}: {exc!r}")
                        continue
                    with counting:
                        statuses[status] += 1
                        if status >= 500:
                            failures.append(f"{route}: {status}")

    with _serving(run_dir, tmp_path / "serve.log", env={"CHURNLAB_STORE": store_url}) as base:
        pollers = [threading.Thread(target=poll, args=(base,), daemon=True) for _ in range(2)]
        started = time.monotonic()
        for poller in pollers:
            poller.start()
        outcomes, took = [], []
        for month in months:
            command = [CHURNLAB, "score", "--model", str(run_dir / "model.churnlab"),
                       "--out", str(tmp_path / f"scores-{month}.csv"),
                       "--store", store_url, "--month", month]  # fmt: skip
            began = time.monotonic()
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
            took.append(time.monotonic() - began)
            outcomes.append((done.returncode, done.stderr))
        with counting:
            polls_while_scoring = sum(statuses.values())
        time.sleep(1)  # and the service reads the last run
        stop.set()
        for poller in pollers:
            poller.join(timeout=120)
        elapsed = time.monotonic() - started
    print(
        f"\n{len(months)} score runs in {elapsed:.1f} s (each {', '.join(f'{t:.1f}' for t in took)}"
        f" s); {sum(statuses.values())} polls ({polls_while_scoring} while scoring), statuses "
        f"{dict(sorted(statuses.items()))}"
    )
    assert [code for code, _ in outcomes] == [0] * len(months), outcomes
    assert all("recorded score run" in told for _, told in outcomes), outcomes
    assert not failures, f"{len(failures)} failed polls: {failures[:10]}"
    assert polls_while_scoring >= 250
    assert statuses[200] > 0 and set(statuses) <= {200, 404}
    with Store(store_url) as store:
        runs = store.runs()
        assert sorted(runs.loc[runs["kind"] == "score", "month"]) == months
        assert store.latest_scores(limit=1)[1] == 4000
        assert store.member_history("row:7")["month"].tolist() == months
    assert not (tmp_path / "history.duckdb.writer-waiting").exists()
