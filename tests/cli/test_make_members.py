"""churnlab.cli.make_members: a synthetic member table written as partitioned Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def test_make_members_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from churnlab.cli import app

    result = CliRunner().invoke(
        app, ["make-members", "2500", "--out", str(tmp_path / "m"), "--rows-per-file", "1000"]
    )
    assert result.exit_code == 0, result.stderr
    assert "wrote 2,500 members in 3 files" in result.stderr
    assert len(pd.read_parquet(tmp_path / "m")) == 2500

    # again, smaller, into the same folder: it is replaced whole, no part of the larger table
    # is read back with the new one
    result = CliRunner().invoke(
        app, ["make-members", "1200", "--out", str(tmp_path / "m"), "--rows-per-file", "1000"]
    )
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]
    assert len(pd.read_parquet(tmp_path / "m")) == 1200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
