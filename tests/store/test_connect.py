"""churnlab.store.connect: where the store is, URLs, drivers, passwords, a busy DuckDB file."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import churnlab.store.connect as store_connect
from _store import _count, _record, _scores, _url
from churnlab.errors import UsageError
from churnlab.model.churn_model import ChurnModel
from churnlab.store import Store, StoreBusyError, default_store_url

# --- a DuckDB file shared between processes ---------------------------------------------------


_HOLD = (
    "import duckdb, sys, time\n"
    "held = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'read')\n"
    "print('held', flush=True)\n"
    "time.sleep(float(sys.argv[3]))\n"
    "held.close()\n"
)


@contextmanager
def _held(path: Path, seconds: float = 60.0, *, mode: str = "write") -> Iterator[None]:
    """Another process holds the DuckDB file at `path` (to `mode`) for `seconds` or the block."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), mode, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_a_write_waits_while_another_process_holds_the_file(tmp_path: Path) -> None:
    with Store(_url("duckdb", tmp_path)) as store:
        with _held(tmp_path / "s.duckdb", 1.5):
            start = time.monotonic()
            run = _record(store, _scores([0.3, 0.6], ids=["a", "b"]), month="2024-05")
            waited = time.monotonic() - start
        assert waited > 0.5, "the file was free: the test proves nothing"
        assert store.runs()["id"].tolist() == [run]
        assert _count(store, "scores") == 2


def test_a_write_held_off_beyond_its_wait_says_who_and_leaves_nothing(
    tmp_path: Path, fitted: ChurnModel
) -> None:
    with Store(_url("duckdb", tmp_path), wait=0.5) as store:
        kept = _record(store, _scores([0.4], ids=["a"]), month="2024-04")
        with _held(tmp_path / "s.duckdb"):
            start = time.monotonic()
            with pytest.raises(StoreBusyError) as caught:
                _record(store, _scores([0.9, 0.8], ids=["a", "b"]), month="2024-04")
            assert 0.5 <= time.monotonic() - start < 5
            with pytest.raises(StoreBusyError):
                store.record_model(fitted)
        message = str(caught.value)
        assert "s.duckdb" in message and "another process holds the store" in message
        assert "cannot record the run" in message and "CHURNLAB_STORE_WAIT" in message
        assert isinstance(caught.value, UsageError)
        # nothing of the refused run, and the scores it would have replaced are still there
        assert store.runs()["id"].tolist() == [kept] and store.models().empty
        assert store.latest_scores()[0]["churn_probability"].tolist() == [0.4]


def test_reads_share_the_file_and_wait_for_a_writer(tmp_path: Path) -> None:
    with Store(_url("duckdb", tmp_path)) as store:
        _record(store, _scores([0.3, 0.6], ids=["a", "b"]), month="2024-05")
        with _held(tmp_path / "s.duckdb", mode="read"):  # readers do not block one another
            assert store.latest_scores()[1] == 2
        with _held(tmp_path / "s.duckdb", 1.0):
            start = time.monotonic()
            assert store.member_history("b")["churn_probability"].tolist() == [0.6]
            assert time.monotonic() - start > 0.3, "the file was free: the test proves nothing"


_READERS = (
    "import sys, threading, time\n"
    "from churnlab.store import Store\n"
    "store = Store(sys.argv[1])\n"
    "until = time.monotonic() + 60\n"
    "def read():\n"
    "    while time.monotonic() < until:\n"
    "        store.runs(limit=5)\n"
    "threads = [threading.Thread(target=read, daemon=True) for _ in range(4)]\n"
    "[thread.start() for thread in threads]\n"
    "print('reading', flush=True)\n"
    "sys.stdin.read()\n"
)


def test_a_writer_gets_in_between_readers_that_never_pause(tmp_path: Path) -> None:
    """Four threads of another process read without a pause: the writer's note lets it in."""
    url = _url("duckdb", tmp_path)
    Store(url).close()
    readers = subprocess.Popen(
        [sys.executable, "-c", _READERS, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert readers.stdout is not None and readers.stdout.readline().strip() == "reading"
        time.sleep(1)
        with Store(url, wait=5) as store:
            took = []
            for month in ("2024-01", "2024-02", "2024-03"):
                start = time.monotonic()
                _record(store, _scores([0.2, 0.7], ids=["a", "b"]), month=month)
                took.append(time.monotonic() - start)
        assert readers.poll() is None, "the readers stopped: the test proves nothing"
    finally:
        readers.kill()
        readers.wait(timeout=30)
    with Store(url) as store:
        assert sorted(store.runs()["month"]) == ["2024-01", "2024-02", "2024-03"]
    assert not (tmp_path / "s.duckdb.writer-waiting").exists()
    assert max(took) < 5


def test_a_read_held_off_beyond_its_wait_is_a_store_busy_error(tmp_path: Path) -> None:
    with (
        Store(_url("duckdb", tmp_path), wait=0.3) as store,
        _held(tmp_path / "s.duckdb"),
        pytest.raises(StoreBusyError, match="cannot read the run history"),
    ):
        store.runs()


def test_the_wait_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHURNLAB_STORE_WAIT", "2.5")
    with Store(_url("sqlite", tmp_path)) as store:
        assert store.wait == 2.5
    assert Store(_url("sqlite", tmp_path), wait=0).wait == 0
    for bad in ("soon", "-1", "inf"):
        monkeypatch.setenv("CHURNLAB_STORE_WAIT", bad)
        with pytest.raises(UsageError, match="CHURNLAB_STORE_WAIT"):
            Store(_url("sqlite", tmp_path))


# --- where the store is -----------------------------------------------------------------------


def test_default_store_url_honours_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHURNLAB_STORE", "sqlite:///elsewhere.db")
    assert default_store_url() == "sqlite:///elsewhere.db"


def test_default_store_is_duckdb_in_the_user_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    folder = tmp_path / "data" / "churnlab"
    asked = []

    def user_data_dir(appname: str, *args: object, **kwargs: object) -> str:
        asked.append(appname)
        return str(folder)

    monkeypatch.setattr(store_connect.platformdirs, "user_data_dir", user_data_dir)
    url = default_store_url()
    assert asked == ["churnlab"]
    assert url == f"duckdb:///{folder.as_posix()}/churnlab.duckdb"
    assert folder.is_dir()
    with Store() as store:
        assert store.url == url
        _record(store, _scores([0.5], ids=["a"]), month="2024-01")
    assert (folder / "churnlab.duckdb").is_file()


# --- errors -----------------------------------------------------------------------------------


def test_an_unknown_database_kind_says_the_fix() -> None:
    with pytest.raises(UsageError) as caught:
        Store("nosuchdb://x")
    message = str(caught.value)
    assert "nosuchdb://x" in message
    assert "--store" in message and "CHURNLAB_STORE" in message


def test_not_a_url_says_the_fix() -> None:
    with pytest.raises(UsageError, match="CHURNLAB_STORE"):
        Store("history.duckdb")


def test_a_missing_driver_says_to_install_it() -> None:
    with pytest.raises(UsageError) as caught:
        Store("postgresql+pg8000://analyst:s3cret@localhost/club")
    message = str(caught.value)
    assert "not installed" in message and "install" in message
    assert "s3cret" not in message and "analyst:***@localhost" in message


def test_an_unreachable_database_masks_the_password(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/no/such/folder/s.db"
    with pytest.raises(UsageError, match="--store"):
        Store(url)
    # a server that is not there (port 9 on localhost refuses at once)
    pytest.importorskip("psycopg")
    with pytest.raises(UsageError) as caught:
        Store("postgresql+psycopg://analyst:s3cret@127.0.0.1:9/club?connect_timeout=2")
    message = str(caught.value)
    assert "s3cret" not in message and "analyst:***@127.0.0.1:9" in message
    assert "reachable" in message and "CHURNLAB_STORE" in message


def test_display_url_masks_the_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(f"sqlite:///{tmp_path}/s.db") as plain:
        assert plain.display_url == plain.url
    pytest.importorskip("psycopg")
    # no server here: skip creating the tables, which is the only thing that connects at once
    monkeypatch.setattr(Store, "_create_tables", lambda self: None)
    store = Store("postgresql+psycopg://analyst:s3cret@db.example.org/club")
    assert store.url == "postgresql+psycopg://analyst:s3cret@db.example.org/club"
    assert store.display_url == "postgresql+psycopg://analyst:***@db.example.org/club"
    assert "s3cret" not in repr(store)
    assert "s3cret" not in store._reason(RuntimeError("password s3cret was refused"))
    store.close()


def test_arguments_the_driver_refuses_are_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        Store(f"duckdb://analyst:s3cret@/{tmp_path}/s.duckdb")
    assert "s3cret" not in str(caught.value) and "--store" in str(caught.value)


def test_a_failing_store_open_never_shows_the_password() -> None:
    """The store opens its engine through data.sql, as SQL sources do: the same masking."""
    pytest.importorskip("psycopg")
    with pytest.raises(UsageError) as caught:
        Store("postgresql://user:s3cret@127.0.0.1:1/db?connect_timeout=2")
    message = str(caught.value)
    assert "s3cret" not in message and "user:***@127.0.0.1:1" in message
    assert "cannot open the run history" in message
