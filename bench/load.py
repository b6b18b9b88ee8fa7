"""Load on a real `churnlab serve` on loopback: latency at a fixed request rate, and errors.

The goal (issue): p99 under 25 ms for one member per request at 100 requests/s on 2 cores, and
no errors. The load tool is `hey` (Debian's package; `make loadtools`): N workers, each held to
Q requests/s, so the rate is N x Q (N = rate / 50, rounded up: hey's workers tick together,
so fewer workers mean smaller bursts); every request's latency and status is read from its CSV
output. The peer is `GET /health` at the same rate, from the same server in the same run: the
cost of HTTP, the middlewares and the request log with no scoring work.

hey measures a request from when it is sent. If the server falls behind, the workers wait and
send less, so read the "achieved/s" column: below the rate, the latencies flatter the server. A
case that cannot finish in 1.5 x its duration + 10 s is stopped there; "success" is the share of
the planned requests answered with a 2xx, "errors" the non-2xx answers and transport errors.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _util import machine, print_table

from churnlab.data.datasets import load_gym_churn

KEY = "bench-load-key"
GOAL_P99_MS = 25.0
HOST = "127.0.0.1"  # loopback only


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    rate: int  # requests per second, in all
    seconds: int
    members: int = 0  # 0: a GET without a body

    @property
    def requests(self) -> int:
        return self.rate * self.seconds


CASES = [
    Case("peer: GET /health (no scoring)", "/health", 100, 20),
    Case("POST /v1/score, 1 member (light load)", "/v1/score", 2, 20, members=1),
    Case("POST /v1/score, 1 member", "/v1/score", 100, 20, members=1),
    Case("POST /v1/score, 100 members", "/v1/score", 20, 20, members=100),
    Case("POST /v1/score, 100 members", "/v1/score", 100, 20, members=100),
]


def main() -> None:
    hey = shutil.which("hey")
    if hey is None:
        sys.exit("bench/load.py needs the load tool `hey`: run `make loadtools`")
    churnlab = str(Path(sys.executable).with_name("churnlab"))
    gym = load_gym_churn().drop(columns="Churn")
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "CHURNLAB_API_KEY": KEY,
            "CHURNLAB_STORE": f"sqlite:///{folder}/s.db",  # never the user's run history
        }
        subprocess.run(
            [churnlab, "analyze", "--out", f"{folder}/run"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in {c.members for c in CASES if c.members}:
            body = {"members": gym.head(n).to_dict("records")}
            Path(folder, f"body-{n}.json").write_text(json.dumps(body))
        port = _free_port()
        with open(Path(folder, "server.log"), "w") as log:
            server = subprocess.Popen(
                [churnlab, "serve", "--run", f"{folder}/run", "--host", HOST, "--port", str(port),
                 "--store", f"sqlite:///{folder}/s.db"],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                base = f"http://{HOST}:{port}"
                _wait_for_health(base, server)
                rows = []
                for case in CASES:
                    body = Path(folder, f"body-{case.members}.json") if case.members else None
                    _warm_up(base, case, body)
                    rows.append(_row(case, _attack(hey, base, case, body)))
            finally:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
    print_table(
        f"churnlab serve under load on {HOST}, hey at a fixed rate; {machine()}",
        ["case", "rate/s", "achieved/s", "answered", "p50 ms", "p99 ms", "max ms", "errors",
         "success"],
        rows,
    )  # fmt: skip
    single = next(r for r, c in zip(rows, CASES, strict=True) if c.members == 1 and c.rate == 100)
    held = float(single[8]) == 1.0  # every request sent and answered 2xx
    verdict = "met" if held and float(single[5]) < GOAL_P99_MS and single[7] == 0 else "NOT met"
    print(
        f"\ngoal: p99 under {GOAL_P99_MS:.0f} ms for 1 member at 100 requests/s with no "
        f"errors: {verdict} (p99 {single[5]} ms, {single[7]} errors, success {single[8]})"
    )


@dataclass(frozen=True)
class Result:
    latencies_ms: np.ndarray  # one per answered request
    ok: int  # 2xx answers
    errors: int  # non-2xx answers and requests with no answer
    seconds: float  # from the first request sent to the last answer
    stopped: bool  # stopped at the time bound before every request was sent


def _attack(hey: str, base: str, case: Case, body: Path | None) -> Result:
    """``case.requests`` requests at ``case.rate``/s, from as few workers as can hold the rate.

    hey's workers tick together, so N workers send bursts of N requests: few workers (at most 50
    requests/s each) keep the load close to evenly spaced.
    """
    workers = math.ceil(case.rate / 50)
    argv = [hey, "-n", str(case.requests), "-c", str(workers), "-q", str(case.rate / workers),
            "-t", "10", "-o", "csv"]  # fmt: skip
    if body is not None:
        argv += ["-m", "POST", "-T", "application/json", "-D", str(body)]
    if case.path.startswith("/v1"):
        argv += ["-H", f"Authorization: Bearer {KEY}"]
    hey_run = subprocess.Popen(
        [*argv, base + case.path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    bound = 1.5 * case.seconds + 10  # bounded in time as well as in count
    try:
        stdout, _ = hey_run.communicate(timeout=bound)
        stopped = False
    except subprocess.TimeoutExpired:  # the server is behind: stop sending, keep what was answered
        hey_run.send_signal(signal.SIGINT)
        stdout, _ = hey_run.communicate(timeout=30)
        stopped = True
    # response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
    # (seconds); hey writes one line per answered request, none for a transport error.
    answered = list(csv.DictReader(io.StringIO(stdout)))
    latencies = np.array([1000 * float(r["response-time"]) for r in answered])
    ok = sum(200 <= int(r["status-code"]) < 300 for r in answered)
    ends = [float(r["offset"]) + float(r["response-time"]) for r in answered]
    errors = len(answered) - ok  # non-2xx
    if not stopped:
        errors += case.requests - len(answered)  # sent, never answered (transport errors)
    return Result(latencies, ok, errors, max(ends, default=0.0), stopped)


def _row(case: Case, result: Result) -> list[object]:
    lat = result.latencies_ms
    p50, p99, top = np.percentile(lat, [50, 99, 100]).tolist() if len(lat) else [0.0] * 3
    return [
        case.name + (" (stopped at the time bound)" if result.stopped else ""),
        case.rate,
        f"{len(lat) / result.seconds:.1f}" if result.seconds else "0",
        len(lat),
        f"{p50:.1f}",
        f"{p99:.1f}",
        f"{top:.1f}",
        result.errors,
        f"{result.ok / case.requests:.4f}",
    ]


def _warm_up(base: str, case: Case, body: Path | None, n: int = 20) -> None:
    """A few requests first: the first scoring call pays for imports and caches."""
    for _ in range(n):
        _request(base + case.path, None if body is None else body.read_bytes())


def _request(url: str, body: bytes | None) -> int:
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return int(answer.status)


def _wait_for_health(base: str, server: subprocess.Popen[bytes], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            if _request(base + "/health", None) == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        if server.poll() is not None:
            sys.exit(f"the server stopped with code {server.returncode} before it answered")
        if time.monotonic() > deadline:
            sys.exit(f"the server did not answer /health in {limit:.0f} s")
        time.sleep(0.3)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
