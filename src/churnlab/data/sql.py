"""Databases: the one place churnlab builds SQLAlchemy engines and words their failures.

Every database churnlab touches — a member table read from an SQL source (:func:`read_sql`),
scores written back (:func:`write_sql_table`), the run history (:class:`churnlab.store.Store`) —
goes through this module:

- :func:`create_engine` turns a URL into an engine (``postgresql://`` meaning psycopg 3,
  :func:`with_default_driver`), and an unknown dialect, a missing driver or arguments the driver
  refuses into a churnlab error that says the fix;
- :func:`masked_url` shows a URL with its password hidden, and :func:`reason` quotes a driver's
  error with that password hidden too, so a password never reaches a message;
- :func:`database_errors` turns a failing connection or statement into a churnlab error naming
  what could not be done.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from churnlab.errors import ChurnlabError, ReadError, UsageError
from churnlab.extras import require

__all__ = [
    "create_engine",
    "database_errors",
    "is_url",
    "masked_url",
    "parse_url",
    "read_sql",
    "reason",
    "with_default_driver",
    "write_sql_table",
]

#: The SQLAlchemy driver of ``postgresql://`` URLs: psycopg 3.
POSTGRES_DRIVER = "postgresql+psycopg"
#: How to give a database URL, the fix when one is not usable.
URL_FIX = "write it as dialect://user:password@host/database, e.g. sqlite:///members.db"
# what goes wrong while connecting or running a statement, by default
_FAILURES: tuple[type[BaseException], ...] = (sa.exc.SQLAlchemyError, pd.errors.DatabaseError)


def is_url(source: str | os.PathLike[str]) -> bool:
    """Whether a source is a database URL rather than a path (it has ``://``)."""
    return "://" in os.fspath(source)


def masked_url(url: str | sa.URL) -> str:
    """A URL for messages: its password hidden, whatever else it holds.

    Examples
    --------
    >>> masked_url("postgresql://analyst:s3cret@db.example.org/club")
    'postgresql://analyst:***@db.example.org/club'
    >>> masked_url("weird://analyst:s3cret@[not a host")
    'weird://analyst:***@[not a host'
    """
    if isinstance(url, sa.URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        # not a URL SQLAlchemy understands; still never show what looks like a password
        return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", url)


def _password(url: str | sa.URL | None) -> str | None:
    if url is None:
        return None
    try:
        password = (url if isinstance(url, sa.URL) else make_url(url)).password
    except (sa.exc.ArgumentError, ValueError):
        match = re.search(r"://[^/:@]*:([^/@]*)@", str(url))
        password = match.group(1) if match else None
    return str(password) if password else None


def reason(exc: BaseException, *, url: str | sa.URL | None = None, limit: int = 200) -> str:
    """The first line of an exception's message (of the driver's error, for SQLAlchemy), with
    the password of `url` hidden.

    Examples
    --------
    >>> reason(RuntimeError("password s3cret refused\\nmore"), url="postgresql://u:s3cret@h/db")
    'password *** refused'
    """
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    text = lines[0] if lines else type(inner).__name__
    password = _password(url)
    if password:
        text = text.replace(password, "***")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def with_default_driver(url: sa.URL) -> sa.URL:
    """``postgresql://`` and ``postgres://`` use psycopg 3, the driver of churnlab's optional
    part ``postgres`` (``pip install 'churnlab[postgres]'``).

    SQLAlchemy's own default for PostgreSQL is psycopg2, which churnlab does not install.

    Examples
    --------
    >>> from sqlalchemy.engine import make_url
    >>> with_default_driver(make_url("postgres://u@host/db")).drivername
    'postgresql+psycopg'
    """
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername=POSTGRES_DRIVER)
    return url


def parse_url(url: str, *, error: type[ChurnlabError] = ReadError, fix: str = URL_FIX) -> sa.URL:
    """The URL parsed, with churnlab's default driver (:func:`with_default_driver`).

    Raises
    ------
    ChurnlabError
        `error` (a ReadError by default): it is not a database URL; `fix` says how to give one.
    """
    try:
        return with_default_driver(make_url(url))
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise error(
            f"is not a database URL ({reason(exc, url=url)})", file=masked_url(url), fix=fix
        ) from exc


def create_engine(
    url: str | sa.URL,
    *,
    error: type[ChurnlabError] = ReadError,
    fix: str = URL_FIX,
    **options: Any,
) -> sa.Engine:
    """An SQLAlchemy engine for `url` (nothing is connected yet).

    Parameters
    ----------
    url : str or sqlalchemy.URL
        The database; a string is parsed by :func:`parse_url`.
    error : type of ChurnlabError
        The error raised when the URL cannot make an engine (ReadError by default).
    fix : str
        How to give another URL, the end of every fix.
    **options
        Passed to :func:`sqlalchemy.create_engine` (``poolclass``, ``connect_args``).

    Raises
    ------
    ChurnlabError
        `error`: not a database URL, no dialect of that name, its driver not installed, or
        arguments the driver refuses. The message shows the URL with its password masked.

    Examples
    --------
    >>> create_engine("sqlite://").dialect.name
    'sqlite'
    >>> create_engine("nosuchdb://analyst:s3cret@host/db")
    Traceback (most recent call last):
    ...
    churnlab.errors.ReadError: nosuchdb://analyst:***@host/db: no database driver is known for 'nosuchdb'
      fix: check the URL's first part (duckdb, sqlite, postgresql, ...), or install the package that provides this dialect; or write it as dialect://user:password@host/database, e.g. sqlite:///members.db
    """  # noqa: E501
    parsed = parse_url(url, error=error, fix=fix) if isinstance(url, str) else url
    shown = masked_url(parsed)
    if parsed.drivername == POSTGRES_DRIVER:
        require("postgres", f"a PostgreSQL URL ({shown})")
    try:
        return sa.create_engine(parsed, **options)
    except sa.exc.NoSuchModuleError as exc:
        raise error(
            f"no database driver is known for {parsed.drivername!r}",
            file=shown,
            fix="check the URL's first part (duckdb, sqlite, postgresql, ...), or install "
            f"the package that provides this dialect; or {fix}",
        ) from exc
    except ImportError as exc:
        raise error(
            f"the database driver for {parsed.drivername!r} is not installed "
            f"({reason(exc, url=parsed)})",
            file=shown,
            fix="install the driver (e.g. pip install duckdb-engine for duckdb://, pip install "
            f"'churnlab[postgres]' for postgresql://); or {fix}",
        ) from exc
    except (sa.exc.ArgumentError, TypeError, ValueError) as exc:
        raise error(
            f"is not a usable database URL ({reason(exc, url=parsed)})", file=shown, fix=fix
        ) from exc


@contextmanager
def database_errors(
    url: str | sa.URL,
    doing: str,
    *,
    fix: str,
    error: type[ChurnlabError] = UsageError,
    catch: tuple[type[BaseException], ...] = _FAILURES,
) -> Iterator[None]:
    """Failures of the database (unreachable, refused, a bad statement) as a churnlab error.

    The message is ``<url>: <doing>: <the driver's first line>``, the password masked in both.

    Examples
    --------
    >>> with database_errors("sqlite://", "cannot count", fix="check the query"):
    ...     with create_engine("sqlite://").connect() as connection:
    ...         _ = connection.exec_driver_sql("SELECT * FROM nowhere")
    Traceback (most recent call last):
    ...
    churnlab.errors.UsageError: sqlite://: cannot count: no such table: nowhere
      fix: check the query
    """
    try:
        yield
    except catch as exc:
        raise error(f"{doing}: {reason(exc, url=url)}", file=masked_url(url), fix=fix) from exc


# --------------------------------------------------------------------------------------------
# SQL sources
# --------------------------------------------------------------------------------------------


def read_sql(url: str, *, query: str | None, table: str | None) -> pd.DataFrame:
    """A member table from a database: the rows of `query`, or the whole `table`.

    The query runs in a transaction that is rolled back, never committed; a table's name is
    looked up in the database, never pasted into SQL. Called by
    :func:`churnlab.data.read.read_table`, which cleans the columns and the index.

    Raises
    ------
    ReadError
        The URL is not usable, the SQLite file does not exist, the table is unknown, or the
        database cannot be read.
    UsageError
        Not exactly one of `query` and `table`.
    """
    name = masked_url(url)
    if (query is None) == (table is None):
        raise UsageError(
            "a database source needs exactly one of query= and table=",
            file=name,
            fix="pass table='members' to read a whole table, or query='SELECT ...'",
        )
    parsed = parse_url(url)
    _check_sqlite_file(parsed, name)
    engine = create_engine(parsed)
    fix = (
        "check that the database is reachable, and that the query is a valid SELECT"
        if table is None
        else "check that the database is reachable and that you may read the table"
    )
    try:
        with (
            database_errors(url, "cannot read from the database", fix=fix, error=ReadError),
            engine.connect() as connection,  # never committed: rolled back on exit
        ):
            statement = (
                cast(str, query) if table is None else _select_table(connection, table, name)
            )
            return pd.read_sql(statement, connection)
    finally:
        engine.dispose()


def _check_sqlite_file(parsed: sa.URL, name: str) -> None:
    """A SQLite file to read must exist: SQLite would silently create an empty database."""
    database = parsed.database or ""
    is_file = database not in ("", ":memory:") and not database.startswith("file:")
    if parsed.get_backend_name() == "sqlite" and is_file and not Path(database).is_file():
        raise ReadError(
            f"the database file {database!r} does not exist",
            file=name,
            fix="check the path: sqlite:///members.db is relative, sqlite:////data/members.db "
            "is absolute",
        )


def _select_table(connection: sa.Connection, table: str, name: str) -> sa.Select[Any]:
    """``SELECT * FROM table``, the name looked up by reflection and quoted by SQLAlchemy."""
    try:
        reflected = sa.Table(table, sa.MetaData(), autoload_with=connection)
    except sa.exc.NoSuchTableError as exc:
        inspector = sa.inspect(connection)
        known = sorted(inspector.get_table_names() + inspector.get_view_names())
        raise ReadError(
            f"there is no table named {table!r}",
            file=name,
            fix=f"use one of the tables {', '.join(map(repr, known))}"
            if known
            else "check the URL: this database has no tables",
        ) from exc
    return sa.select(reflected)


def write_sql_table(frame: pd.DataFrame, url: str, table: str) -> None:
    """Replace the database table `table` with `frame`, in one transaction.

    The old table is dropped and the new one created and filled in the same transaction, so
    if anything fails readers keep the old table, whole (on databases whose DDL is
    transactional, such as PostgreSQL and SQLite).

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to write; the index is not written.
    url : str
        An SQLAlchemy URL, as :func:`churnlab.data.read.read_table` takes it.
    table : str
        The table's name; quoted by SQLAlchemy, never pasted into SQL.

    Raises
    ------
    ReadError
        The URL is not usable or its driver is missing.
    UsageError
        The table cannot be written (unreachable database, no permission).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     url = f"sqlite:///{folder}/club.db"
    ...     write_sql_table(pd.DataFrame({"id": [1, 2]}), url, "scores")
    ...     write_sql_table(pd.DataFrame({"id": [3]}), url, "scores")
    ...     print(read_sql(url, query=None, table="scores")["id"].tolist())
    [3]
    """
    engine = create_engine(url)
    try:
        with (
            database_errors(
                url,
                f"cannot write the table {table!r}",
                fix="check that the database is reachable and that you may create tables in it",
            ),
            engine.begin() as connection,
        ):
            frame.to_sql(table, connection, if_exists="replace", index=False, chunksize=1000)
    finally:
        engine.dispose()
