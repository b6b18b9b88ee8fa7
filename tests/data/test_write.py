"""churnlab.data.write: outputs written atomically, their cells neutralised against formulas."""

from __future__ import annotations

import os
import sys

import pandas as pd
import pytest

from _files import write
from churnlab.data.read import read_table
from churnlab.data.write import write_table
from churnlab.errors import UsageError


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_write_table_round_trip(tmp_path, members, suffix):
    path = tmp_path / "out" / "deeper" / f"scores{suffix}"
    written = write_table(members, path)
    assert written == path
    pd.testing.assert_frame_equal(read_table(path), members, check_dtype=False)
    assert os.listdir(path.parent) == [path.name]


def test_write_table_csv_is_utf8_with_a_byte_order_mark_and_without_index(tmp_path, members):
    data = write_table(members, tmp_path / "scores.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # so that Excel reads it as UTF-8
    assert data[3:].decode("utf-8").splitlines()[0] == "id,Возраст,fee,plan"


def test_write_table_replaces_an_existing_file(tmp_path, members):
    path = write(tmp_path / "scores.csv", "old\n")
    write_table(members, path)
    assert len(read_table(path)) == 3


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_write_table_gives_the_usual_permissions(tmp_path, members):
    umask = os.umask(0o022)
    try:
        path = write_table(members, tmp_path / "scores.csv")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_write_table_is_atomic(tmp_path, members, monkeypatch):
    path = tmp_path / "scores.parquet"

    def half_write(self, handle, **kwargs):
        handle.write(b"PAR1 half a file")
        raise RuntimeError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_write)
    with pytest.raises(RuntimeError, match="disk full"):
        write_table(members, path)
    assert os.listdir(tmp_path) == []


def test_write_table_failure_keeps_the_old_file(tmp_path, members, monkeypatch):
    path = write(tmp_path / "scores.csv", "old\n")
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda *args, **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_table(members, path)
    assert os.listdir(tmp_path) == ["scores.csv"]
    assert path.read_text() == "old\n"


def test_write_table_unknown_extension(tmp_path, members):
    with pytest.raises(UsageError, match=r"scores\.json: cannot write '\.json'.*\n.*\.parquet"):
        write_table(members, tmp_path / "scores.json")
    assert os.listdir(tmp_path) == []


def test_write_table_onto_a_folder(tmp_path, members):
    (tmp_path / "scores.csv").mkdir()
    with pytest.raises(UsageError, match=r"scores\.csv: cannot write the file"):
        write_table(members, tmp_path / "scores.csv")
    assert os.listdir(tmp_path) == ["scores.csv"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_table_neutralises_every_cell_and_header(tmp_path, suffix):
    import openpyxl

    frame = pd.DataFrame({"=cmd|'/C calc'!A0": ["@SUM(1)", "ok"], "value": ["=1+1", "-3"]})
    path = write_table(frame, tmp_path / f"out{suffix}")
    if suffix == ".csv":
        back = pd.read_csv(path)
        cells = [*back.columns, *back.astype(str).to_numpy().ravel()]
    else:
        sheet = openpyxl.load_workbook(path).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        cells = [cell.value for row in sheet.iter_rows() for cell in row]
    assert set(cells) == {"'=cmd|'/C calc'!A0", "value", "'@SUM(1)", "ok", "'=1+1", "-3"}


def test_write_table_parquet_keeps_values_as_they_are(tmp_path):
    frame = pd.DataFrame({"=id": ["=1+1"]})
    back = pd.read_parquet(write_table(frame, tmp_path / "out.parquet"))
    assert back.to_dict("list") == {"=id": ["=1+1"]}  # a machine format: nothing to defuse
