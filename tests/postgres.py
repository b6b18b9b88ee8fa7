"""A throwaway PostgreSQL server for the tests: started once per test session, always removed.

Debian's server (``make postgres`` installs it) lives in ``/usr/lib/postgresql/<version>/bin``.
PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
``postgres`` user, in a temporary folder that user owns. It listens on 127.0.0.1 only, on a free
port, with its unix socket in that folder. Connections from this machine need no password
(``trust``), except for :data:`PASSWORD_ROLE`, which must give :data:`PASSWORD` (so tests can
check what a wrong password does).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

__all__ = ["PASSWORD", "PASSWORD_ROLE", "PostgresServer", "find_bin_dir"]

SERVER_USER = "postgres"
#: a role that must log in with a password (every other role is trusted)
PASSWORD_ROLE = "churnlab_analyst"
PASSWORD = "s3cret-Pa55"

# Run beside the tests: when they die without cleaning up (SIGTERM from `timeout`, SIGKILL), it
# stops the server and deletes its folder. argv: the tests' pid, the folder, the stop command.
_GUARD = """
import json, os, shutil, subprocess, sys, time
parent, folder, command = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
while os.getppid() == parent and os.path.isdir(folder):
    time.sleep(0.5)
if os.path.isdir(folder):
    try:
        subprocess.run(command, cwd=folder, capture_output=True, timeout=60)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
"""


def find_bin_dir() -> Path | None:
    """The folder with ``initdb`` and ``pg_ctl``: the newest Debian version, else on PATH."""

    def version(folder: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in folder.parent.name.split(".") if part.isdigit())

    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One PostgreSQL server in a temporary folder; :meth:`stop` removes every trace of it."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = 0
        self.folder: Path | None = None
        self._as_root = os.geteuid() == 0
        self._guard: subprocess.Popen[bytes] | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        """Create the cluster, start it and wait until it accepts connections."""
        try:
            self.folder = Path(tempfile.mkdtemp(prefix="churnlab-pg-"))
            if self._as_root:
                user = pwd.getpwnam(SERVER_USER)
                os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._run(
                "initdb",
                "--pgdata",
                str(self.data),
                "--username",
                "postgres",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
                timeout=timeout,
            )
            hba = self.data / "pg_hba.conf"
            rule = f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n"
            hba.write_text(rule + hba.read_text())  # first match wins
            deadline = time.monotonic() + timeout
            for attempt in range(3):  # another program may take the free port first
                self.port = _free_port()
                try:
                    self._run(
                        "pg_ctl",
                        "start",
                        "--pgdata",
                        str(self.data),
                        "--log",
                        str(self.folder / "server.log"),
                        "--wait",
                        "--timeout",
                        str(int(timeout)),
                        "-o",
                        f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                        f"-c unix_socket_directories={self.folder} -c fsync=off "
                        "-c full_page_writes=off -c synchronous_commit=off",
                        timeout=timeout + 10,
                    )
                    break
                except RuntimeError:
                    if attempt == 2:
                        raise
            self._guard = subprocess.Popen(
                [sys.executable, "-c", _GUARD, str(os.getpid()), str(self.folder),
                 json.dumps(self._command("pg_ctl", "stop", "--pgdata", str(self.data),
                                          "-m", "fast", "--wait"))],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C for the tests does not reach it
            )  # fmt: skip
            self._wait_ready(deadline)
            with self._admin() as connection:
                connection.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(PASSWORD_ROLE), sql.Literal(PASSWORD)
                    )
                )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server (fast shutdown, killed if need be) and delete its folder. Idempotent."""
        folder, self.folder = self.folder, None
        if folder is None:
            return
        guard, self._guard = self._guard, None
        if guard is not None:
            guard.kill()
            guard.wait()
        data = folder / "data"
        try:
            if (data / "postmaster.pid").exists():
                try:
                    self._run("pg_ctl", "stop", "--pgdata", str(data), "-m", "fast", "--wait",
                              timeout=60)  # fmt: skip
                except (RuntimeError, subprocess.TimeoutExpired):
                    self._kill(data)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    # --- databases -------------------------------------------------------------------------

    def url(self, database: str = "postgres", *, user: str = "postgres", password: str = "") -> str:
        """A SQLAlchemy URL (psycopg 3) for `database` on this server."""
        secret = f":{password}" if password else ""
        return f"postgresql+psycopg://{user}{secret}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database `name` (dropping one of that name first); its URL."""
        with self._admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            connection.execute(
                sql.SQL("GRANT ALL ON DATABASE {} TO {}").format(
                    sql.Identifier(name), sql.Identifier(PASSWORD_ROLE)
                )
            )
        return self.url(name)

    # --- helpers ---------------------------------------------------------------------------

    @property
    def data(self) -> Path:
        assert self.folder is not None, "the server is not started"
        return self.folder / "data"

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        )

    def _wait_ready(self, deadline: float) -> None:
        while True:
            try:
                with self._admin() as connection:
                    connection.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PostgreSQL did not accept connections in time: {exc}\n{self._log()}"
                    ) from exc
                time.sleep(0.2)

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin_dir / program), *args]
        if self._as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        return command

    def _run(self, program: str, *args: str, timeout: float) -> None:
        done = subprocess.run(
            self._command(program, *args),
            cwd=self.folder,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({done.returncode}): {done.stdout}{done.stderr}\n{self._log()}"
            )

    def _log(self) -> str:
        log = self.folder / "server.log" if self.folder else None
        if log is None or not log.exists():
            return ""
        return "server log:\n" + log.read_text(errors="replace")[-3000:]

    @staticmethod
    def _kill(data: Path) -> None:
        try:
            pid = int((data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass
