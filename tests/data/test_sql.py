"""churnlab.data.sql: tables and queries from a database, and passwords kept out of messages."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from _files import assert_range_index
from churnlab.data.read import read_table
from churnlab.errors import ReadError, UsageError


@pytest.fixture
def database(tmp_path, members) -> str:
    path = tmp_path / "m.db"
    with sqlite3.connect(path) as connection:
        members.to_sql("members", connection, index=False)
        members.head(2).to_sql('odd "name"; drop', connection, index=False)
    connection.close()
    return f"sqlite:///{path}"


def test_sql_table(database, members):
    frame = read_table(database, table="members")
    pd.testing.assert_frame_equal(frame, members)
    assert_range_index(frame)


def test_sql_query(database):
    frame = read_table(database, query="SELECT id, fee FROM members WHERE fee > 5 ORDER BY id")
    assert frame.to_dict("list") == {"id": [1, 2], "fee": [12.75, 8.0]}


def test_sql_table_name_is_quoted_safely(database):
    frame = read_table(database, table='odd "name"; drop')
    assert len(frame) == 2
    assert len(read_table(database, table="members")) == 3  # nothing was dropped


def test_sql_unknown_table_lists_tables(database):
    with pytest.raises(ReadError, match=r"m\.db: there is no table named 'nope'(.|\n)*'members'"):
        read_table(database, table="nope")


def test_sql_bad_query(database):
    with pytest.raises(ReadError, match=r"m\.db: cannot read from the database: .*no such table"):
        read_table(database, query="SELECT * FROM nope")


@pytest.mark.parametrize(
    "options", [{}, {"query": "SELECT 1", "table": "members"}], ids=["neither", "both"]
)
def test_sql_needs_query_or_table(database, options):
    with pytest.raises(UsageError, match="exactly one of query= and table="):
        read_table(database, **options)


def test_sql_missing_sqlite_file_is_not_created(tmp_path):
    with pytest.raises(ReadError, match="does not exist"):
        read_table(f"sqlite:///{tmp_path}/missing.db", table="members")
    assert not (tmp_path / "missing.db").exists()


def test_sql_missing_driver_masks_password():
    with pytest.raises(ReadError, match=r"user:\*\*\*@host") as info:
        read_table("nosuchdialect://user:s3cret@host/db", table="members")
    assert "s3cret" not in str(info.value)


def test_a_failing_sql_read_never_shows_the_password():
    """data.sql owns the engine and its errors: neither the source shown nor the driver's reason
    quotes the password (port 1 on localhost refuses at once)."""
    pytest.importorskip("psycopg")
    with pytest.raises(ReadError) as info:
        read_table("postgresql://user:s3cret@127.0.0.1:1/db?connect_timeout=2", table="members")
    message = str(info.value)
    assert "s3cret" not in message and "user:***@127.0.0.1:1" in message
    assert "cannot read from the database" in message


def test_a_driver_message_quoting_the_password_is_masked():
    from churnlab.data.sql import reason

    url = "postgresql://user:s3cret@127.0.0.1:1/db"
    assert reason(RuntimeError("password 's3cret' refused"), url=url) == "password '***' refused"
