"""Connecting to the run history: the engines, the waits for a busy DuckDB file, the errors.

A DuckDB file can be open for writing in one process, or for reading in many, never both (see
:mod:`churnlab.store`): :class:`Connections` holds it only as long as one statement or
transaction takes, and waits while another process holds it (:meth:`Connections._patiently`),
up to :class:`StoreBusyError`. Engines are built, and database failures worded, by
:mod:`churnlab.data.sql`, so a password in the URL never reaches a message.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import platformdirs
import sqlalchemy as sa

from churnlab.data.sql import create_engine, database_errors, is_url, masked_url, parse_url, reason
from churnlab.errors import UsageError

__all__ = ["READ_WAIT", "WRITE_WAIT", "Connections", "StoreBusyError", "default_store_url"]

_ENV = "CHURNLAB_STORE"
_WAIT_ENV = "CHURNLAB_STORE_WAIT"
#: Seconds a write waits, by default, for a DuckDB file another process holds.
WRITE_WAIT = 30.0
#: Seconds a read waits at most for a DuckDB file another process holds.
READ_WAIT = 10.0
# the pauses between tries: from the first to the longest, each the last times the growth
_PAUSES = (0.005, 0.2, 1.5)
# seconds a waiting writer's note holds readers back after it was last touched
_FRESH_NOTE = 3.0
# why a reader did not even try: a writer waits for the file
_WRITER_FIRST = "a writer waits for the file: readers let it go first"
_CHOOSE = (
    f"choose the store with --store URL or the {_ENV} environment variable, e.g. "
    "duckdb:///churnlab.duckdb, sqlite:///churnlab.db or postgresql://user:password@host/db"
)

T = TypeVar("T")


class StoreBusyError(UsageError):
    """Another process held the store's DuckDB file for longer than this one could wait.

    Parameters
    ----------
    store : str
        The store, as shown (password masked).
    doing : str
        What could not be done, e.g. ``"cannot record the run"``.
    waited : float
        How long it waited, in seconds.
    write : bool
        Whether it wanted to write (the fix differs).
    """

    def __init__(self, store: str, doing: str, waited: float, *, write: bool) -> None:
        self.waited = waited
        super().__init__(
            f"{doing}: another process holds the store (a DuckDB file is written by one process "
            f"at a time, and read only while no one writes); waited {waited:g} s",
            file=store,
            fix=(
                "run this again once the other churnlab command is done; "
                + (
                    f"set {_WAIT_ENV} to wait longer (seconds); "
                    if write
                    else "a score run holds it for a few seconds; "
                )
                + "for many writers at once, keep the history in PostgreSQL "
                "(--store postgresql://user:password@host/db)"
            ),
        )


def default_store_url() -> str:
    """The store used when none is given: ``CHURNLAB_STORE``, else a DuckDB file of the user's.

    Returns
    -------
    str
        The ``CHURNLAB_STORE`` environment variable when it is set, else
        ``duckdb:///<user data folder>/churnlab.duckdb`` (the folder is created).

    Raises
    ------
    UsageError
        The user data folder cannot be created.

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"CHURNLAB_STORE": "sqlite:///history.db"}):
    ...     default_store_url()
    'sqlite:///history.db'
    """
    configured = os.environ.get(_ENV, "").strip()
    if configured:
        return configured
    folder = Path(platformdirs.user_data_dir("churnlab", appauthor=False))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the folder for the run history ({exc.strerror or exc})",
            file=str(folder),
            fix=_CHOOSE,
        ) from exc
    return f"duckdb:///{folder.as_posix()}/churnlab.duckdb"


class Connections:
    """The connections of a store at `url`: an engine that writes and one that reads (the same
    but for a DuckDB file, read read-only), and the patience a DuckDB file needs.

    Parameters
    ----------
    url : str, optional
        An SQLAlchemy URL. Default: :func:`default_store_url`.
    wait : float, optional
        Seconds a write waits for a DuckDB file another process holds. Default: the
        ``CHURNLAB_STORE_WAIT`` environment variable, else :data:`WRITE_WAIT` (30).

    Raises
    ------
    UsageError
        The URL is not a database URL or its driver is not installed; ``CHURNLAB_STORE_WAIT``
        is not a number of seconds.
    """

    def __init__(self, url: str | None = None, *, wait: float | None = None) -> None:
        self.url = default_store_url() if url is None else str(url)
        self.display_url = masked_url(self.url) if is_url(self.url) else self.url
        self.wait = _wait_seconds() if wait is None else float(wait)
        self._engine, self._reader, self._duckdb_file = self._create_engines()

    def close(self) -> None:
        """Close the store's connections (it can still be used; it reconnects when needed)."""
        self._engine.dispose()
        if self._reader is not self._engine:
            self._reader.dispose()

    def _create_engines(self) -> tuple[sa.Engine, sa.Engine, Path | None]:
        """The engine that writes, the one that reads (the same but for a DuckDB file), and
        the DuckDB file."""
        parsed = parse_url(self.url, error=UsageError, fix=_CHOOSE)
        duckdb = parsed.get_backend_name() == "duckdb"
        # DuckDB lets one process write a file, or many read it: no pool keeps a connection
        # (and the file) open beyond the statement or transaction it is for
        options: dict[str, Any] = {"poolclass": sa.pool.NullPool} if duckdb else {}
        engine = create_engine(parsed, error=UsageError, fix=_CHOOSE, **options)
        if not duckdb:
            return engine, engine, None
        memory = parsed.database in (None, "", ":memory:") or parsed.database.startswith(":memory:")
        if memory:  # one process's own database: nothing to share, nothing to open read-only
            return engine, engine, None
        reader = create_engine(
            parsed,
            error=UsageError,
            fix=_CHOOSE,
            poolclass=sa.pool.NullPool,
            connect_args={"read_only": True},
        )
        return engine, reader, Path(str(parsed.database))

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        """A short read: read-only on DuckDB, failures as a UsageError."""
        doing = "cannot read the run history"
        with self._errors(doing), self._connect(doing, write=False) as connection:
            yield connection

    @contextmanager
    def _connect(self, doing: str, *, write: bool) -> Iterator[sa.Connection]:
        """A connection for one read, or one transaction (committed when the block ends).

        On DuckDB, a read opens the file read-only; either waits for a file another process
        holds (see :meth:`_patiently`).
        """
        engine = self._engine if write else self._reader
        with self._patiently(engine.connect, doing, write=write) as connection:
            if not write:
                yield connection
                return
            with connection.begin():
                yield connection

    def _patiently(self, opening: Callable[[], T], doing: str, *, write: bool) -> T:
        """``opening()``, tried again while another process holds the DuckDB file.

        The pauses between tries grow from 5 ms to 200 ms (with jitter, so waiting processes do
        not try in step), for up to :attr:`wait` seconds to write or :data:`READ_WAIT` to read;
        then :class:`StoreBusyError`. Any other failure is raised at once.

        Readers come and go all the time, so a writer could wait for a gap between them in
        vain: a waiting writer says so in a file beside the store (``<file>.writer-waiting``,
        touched at every try, removed once it has the file), and readers do not open the file
        while that note is fresh. A note left behind by a writer that died is stale within
        seconds and ignored.
        """
        wait = self.wait if write else min(self.wait, READ_WAIT)
        started = time.monotonic()
        pause, longest, growth = _PAUSES
        announced = False
        try:
            while True:
                held: BaseException | None = None
                if not write and self._writer_waits():
                    held = RuntimeError(_WRITER_FIRST)
                else:
                    try:
                        return opening()
                    except sa.exc.DBAPIError as exc:
                        if not _held_by_another(exc):
                            raise
                        held = exc
                waited = time.monotonic() - started
                if waited >= wait:
                    raise StoreBusyError(
                        self.display_url, doing, round(waited, 1), write=write
                    ) from held
                if write:
                    announced = self._announce() or announced
                time.sleep(min(pause * random.uniform(0.5, 1.5), wait - waited))
                pause = min(pause * growth, longest)
        finally:
            if announced:
                self._withdraw()

    def _note(self) -> Path | None:
        """The file a waiting writer touches (None when the store is not a DuckDB file)."""
        if self._duckdb_file is None:
            return None
        return self._duckdb_file.with_name(self._duckdb_file.name + ".writer-waiting")

    def _announce(self) -> bool:
        note = self._note()
        if note is None:
            return False
        try:
            note.touch()
        except OSError:  # a folder this process may not write: the writer just waits
            return False
        return True

    def _withdraw(self) -> None:
        note = self._note()
        if note is not None:
            with suppress(OSError):
                note.unlink(missing_ok=True)

    def _writer_waits(self) -> bool:
        note = self._note()
        if note is None:
            return False
        try:
            touched = note.stat().st_mtime
        except OSError:
            return False
        return time.time() - touched < _FRESH_NOTE

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Database failures (unreachable, locked, no permission) as a UsageError."""
        with database_errors(
            self.url,
            what,
            fix="check that the database is reachable, not in use by another program, and "
            f"that you may create and write tables in it; or {_CHOOSE}",
            catch=(sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.ProgrammingError),
        ):
            yield

    def _reason(self, exc: BaseException) -> str:
        """The first line of the driver's message, with the URL's password masked."""
        return reason(exc, url=self.url)


# -------------------------------------------------------------------------------------------
# helpers
# -------------------------------------------------------------------------------------------


# DuckDB's words when another process holds the file, or when this process has it open with
# other settings (read-write while a read-only connection is wanted, or the other way round)
_HELD = ("could not set lock on file", "conflicting lock", "different configuration")


def _held_by_another(exc: sa.exc.DBAPIError) -> bool:
    """Whether opening failed because the DuckDB file is held (so trying again can succeed)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(words in text for words in _HELD)


def _wait_seconds() -> float:
    """``CHURNLAB_STORE_WAIT`` as seconds, else :data:`WRITE_WAIT`."""
    text = os.environ.get(_WAIT_ENV, "").strip()
    if not text:
        return WRITE_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not math.isfinite(seconds) or seconds < 0:
        raise UsageError(
            f"{_WAIT_ENV}={text!r} is not a number of seconds",
            fix=f"set it to how long a write may wait for a busy store, e.g. {_WAIT_ENV}=60, or "
            "unset it (30 s)",
        )
    return seconds
