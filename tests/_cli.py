"""The command line's tests' helpers: `churnlab` run in process, what its results must show, and
the tables its tests write."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner, Result

from churnlab.cli import app

runner = CliRunner()


def invoke(*args: str | os.PathLike[str]) -> Result:
    return runner.invoke(app, [os.fspath(a) for a in args])


def assert_ok(result: Result) -> None:
    assert result.exit_code == 0, (result.exit_code, result.stderr, result.exception)
    assert "Traceback" not in result.output


def assert_user_error(result: Result, *fragments: str) -> None:
    """Exit 2; stderr has `error:`, a `fix:` line and the fragments; no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, repr(result.exception))
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("error: "), result.stderr
    assert "\n  fix: " in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in flat(result.stderr), (fragment, result.stderr)


def flat(text: str) -> str:
    """Messages with Rich's line wrapping undone."""
    return " ".join(text.split())


def files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _text_in(column: str, row: int, text: str) -> Callable[[pd.DataFrame, Path], None]:
    def build(frame: pd.DataFrame, path: Path) -> None:
        bad = frame.astype({column: object})
        bad.loc[row, column] = text
        bad.to_csv(path, index=False)

    return build


def _with_bytes_column(frame: pd.DataFrame, path: Path, name: str = "photo") -> None:
    """``frame`` as Parquet written by pyarrow, with a ``binary`` column of raw bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    raw = pa.array([bytes([i % 256, 0x80]) for i in range(len(frame))], pa.binary())
    pq.write_table(table.append_column(name, raw), path)
