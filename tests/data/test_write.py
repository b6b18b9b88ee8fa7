"""churnlab.data.write: outputs written atomically, their cells neutralised against formulas."""

from __future__ import annotations

import os
import sys

import numpy as np
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
    import pyarrow.csv

    path = write(tmp_path / "scores.csv", "old\n")

    def half_write(table, handle, *args, **kwargs):
        handle.write(b"row,churn_probability\n0,0.")
        raise ZeroDivisionError

    monkeypatch.setattr(pyarrow.csv, "write_csv", half_write)
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


# --- Excel, read back by openpyxl (an independent reader) -----------------


def _cells(path, sheet_name=None):
    import openpyxl

    book = openpyxl.load_workbook(path)
    return book[sheet_name] if sheet_name else book.active


def _column(sheet, position):
    return [sheet.cell(row, position) for row in range(2, sheet.max_row + 1)]


def _width(sheet, position):
    """openpyxl keeps one dimension for a run of columns of the same width."""
    (width,) = [d.width for d in sheet.column_dimensions.values() if d.min <= position <= d.max]
    return width


def test_write_table_xlsx_gives_a_reader_the_types_pandas_gave(tmp_path):
    import datetime as dt

    frame = pd.DataFrame(
        {
            "count": np.array([3, -2], dtype=np.int64),
            "share": [0.25, np.nan],
            "limit": [np.inf, -np.inf],
            "paid": np.array([True, False]),
            "joined": pd.to_datetime(["2024-01-02 03:04:05", None]),
            "day": [dt.date(2024, 5, 6), None],
            "waited": pd.to_timedelta(["36h", None]),
            "name": ["Анна", None],
            "mixed": [7, "x"],
            "visits": pd.array([4, None], dtype="Int64"),
        }
    )
    sheet = _cells(write_table(frame, tmp_path / "out.xlsx"))
    assert sheet.title == "Sheet1"
    assert [c.value for c in sheet[1]] == list(frame.columns)
    got = {
        name: [(c.value, c.data_type, c.number_format) for c in _column(sheet, i)]
        for i, name in enumerate(frame.columns, start=1)
    }
    blank = (None, "n", "General")
    assert got == {
        "count": [(3, "n", "General"), (-2, "n", "General")],
        "share": [(0.25, "n", "General"), blank],
        "limit": [("inf", "s", "General"), ("-inf", "s", "General")],  # pandas' inf_rep
        "paid": [(True, "b", "General"), (False, "b", "General")],
        "joined": [(dt.datetime(2024, 1, 2, 3, 4, 5), "d", "YYYY-MM-DD HH:MM:SS"), blank],
        "day": [(dt.datetime(2024, 5, 6), "d", "YYYY-MM-DD"), blank],
        "waited": [(1.5, "n", "0"), blank],  # days, as pandas writes durations
        "name": [("Анна", "s", "General"), blank],
        "mixed": [(7, "n", "General"), ("x", "s", "General")],
        "visits": [(4, "n", "General"), blank],
    }
    assert sheet.freeze_panes is None and not sheet["A1"].font.b  # plain, as pandas writes it


def test_write_table_xlsx_lays_out_a_sheet(tmp_path):
    from churnlab.data.write import Sheet

    frame = pd.DataFrame(
        {
            "member_id": ['=HYPERLINK("http://evil","x")', "007", None, 12.0],
            "p": [0.125, 0.5, np.nan, 1.0],
            "net": [1234.5, -3.0, np.nan, 0.0],
            "note": ["+1 call", "-2", "ok", "a" * 80],
        }
    )
    layout = Sheet(
        name="Retention plan",
        headers={"p": "@SUM(A1:A9)", "net": "Net"},
        percent=["p"],
        money=["net"],
        currency="₽",
        text=["member_id"],
    )
    sheet = _cells(write_table(frame, tmp_path / "plan.xlsx", sheet=layout), "Retention plan")
    assert sheet.freeze_panes == "A2"
    header = sheet[1]
    assert [c.value for c in header] == ["member_id", "'@SUM(A1:A9)", "Net", "note"]
    assert all(c.font.b and c.data_type == "s" for c in header)
    ids, shares, nets, notes = (_column(sheet, i) for i in range(1, 5))
    assert [c.value for c in ids] == ['\'=HYPERLINK("http://evil","x")', "007", None, "12.0"]
    assert [c.number_format for c in ids] == ["@"] * 4  # the blank too, as openpyxl did
    assert [c.value for c in shares] == [0.125, 0.5, None, 1]
    assert {c.number_format for c in shares} == {"0.0%"}
    assert [c.value for c in nets] == [1234.5, -3, None, 0]
    assert {c.number_format for c in nets} == {'#,##0.00 "₽"'}
    assert [c.value for c in notes] == ["'+1 call", "-2", "ok", "a" * 80]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    # widths: the longest of the header and the values, plus 2, at most 60 (XlsxWriter adds
    # the padding Excel shows, under one character)
    for position, expected in enumerate([len(frame["member_id"][0]) + 2, 13, 8, 60], start=1):
        assert expected <= _width(sheet, position) < expected + 1


def test_write_table_xlsx_never_writes_a_formula(tmp_path):
    import zipfile

    from churnlab.data.write import Sheet

    class Crafted:
        def __str__(self) -> str:
            return "=1+1"

    frame = pd.DataFrame(
        {"=A1": ["=cmd|' /C calc'!A0", "@SUM(1)"], "thing": [Crafted(), b"=2"], "n": [1, 2]}
    )
    for name, layout in [("plain.xlsx", None), ("sheet.xlsx", Sheet(text=["n"]))]:
        path = write_table(frame, tmp_path / name, sheet=layout)
        with zipfile.ZipFile(path) as book:
            xml = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
        assert "<f>" not in xml and "<f " not in xml
        values = [c.value for row in _cells(path).iter_rows() for c in row]
        texts = {v for v in values if isinstance(v, str)}
        assert {"'=A1", "'=cmd|' /C calc'!A0", "'@SUM(1)", "'=1+1", "b'=2'"} <= texts


def test_write_table_xlsx_rows_in_order_across_chunks(tmp_path, monkeypatch):
    import churnlab.data.xlsx as xlsx_module

    monkeypatch.setattr(xlsx_module, "CHUNK_ROWS", 7)
    frame = pd.DataFrame({"i": range(23), "s": [f"m{i}" if i % 5 else None for i in range(23)]})
    sheet = _cells(write_table(frame, tmp_path / "out.xlsx"))
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows == [(i, f"m{i}" if i % 5 else None) for i in range(23)]


def test_write_table_xlsx_of_50000_rows_streams_them(tmp_path):
    import re
    import zipfile

    rows = 50_000
    frame = pd.DataFrame(
        {"id": [f"M{i:06d}" for i in range(rows)], "p": np.arange(rows) / rows, "k": range(rows)}
    )
    path = write_table(frame, tmp_path / "big.xlsx")
    with zipfile.ZipFile(path) as book:  # constant-memory mode: inline strings, no shared table
        assert "xl/sharedStrings.xml" not in book.namelist()
        xml = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    # the sheet's XML read directly (openpyxl takes seconds for 50,000 rows): every row, in order
    numbers = [int(r) for r in re.findall(r'<row r="(\d+)"', xml)]
    assert numbers == list(range(1, rows + 2))
    last = xml[xml.index(f'<row r="{rows + 1}"') :]
    assert re.findall(r"<t>([^<]*)</t>|<v>([^<]*)</v>", last) == [
        ("M049999", ""), ("", repr(49_999 / rows)), ("", "49999")
    ]  # fmt: skip


def test_write_table_xlsx_too_long_for_excel(tmp_path):
    frame = pd.DataFrame({"k": np.zeros(1_048_576, dtype=np.int8)})  # + the header: one too many
    with pytest.raises(UsageError, match=r"1,048,576 rows.*does not fit an Excel sheet"):
        write_table(frame, tmp_path / "out.xlsx")
    assert os.listdir(tmp_path) == []


def test_write_table_parquet_round_trips_scores_typed(tmp_path):
    import pyarrow.parquet as pq

    scores = pd.DataFrame(
        {
            "row": np.array([0, 1, 2], dtype=np.int64),
            "member_id": ["=007", "008", "009"],
            "churn_probability": [0.9, 0.05, 0.4],
            "risk_tier": pd.Categorical(["high", "low", "medium"]),
            "segment": np.array([2, 0, 1], dtype=np.int64),
            "reason_1": ["short contract", None, "few visits"],
            "value_at_risk": [120.5, np.nan, 30.0],
        }
    )
    table = pq.read_table(write_table(scores, tmp_path / "scores.parquet"))
    assert table.schema.field("churn_probability").type == "double"
    assert table.schema.field("row").type == "int64"
    pd.testing.assert_frame_equal(table.to_pandas(), scores)  # values as they are: no quote


def test_csv_reads_back_as_the_table_with_formulas_defused(tmp_path) -> None:
    """The CSV (written by Arrow) read back by Python's csv module, an independent reader."""
    import csv

    frame = pd.DataFrame(
        {
            "member id": ["a,b", 'say "hi"', "line\nbreak", "=HYPERLINK(1)", None, "  padded "],
            "p": [0.1, 1 / 3, np.nan, 1e-300, -2.5, 2.0**53],
            "n": [1, -2, 3, 4, 5, 6],
            "left": [True, False, True, False, True, False],
            "tier": pd.Categorical(["low", "high", None, "low", "@x", "low"]),
            "mixed": [1, "two", 3.5, None, ["a"], "-1+1"],
            "when": pd.to_datetime(
                ["2024-01-31", None, "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01"]
            ),
        }
    )
    path = write_table(frame, tmp_path / "t.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == list(frame.columns)
    columns = dict(zip(header, zip(*rows, strict=True), strict=True))
    assert columns["member id"] == ("a,b", 'say "hi"', "line\nbreak", "'=HYPERLINK(1)", "",
                                    "  padded ")  # fmt: skip
    assert [float(v) if v else None for v in columns["p"]] == [0.1, 1 / 3, None, 1e-300, -2.5,
                                                               2.0**53]  # fmt: skip
    assert [int(v) for v in columns["n"]] == [1, -2, 3, 4, 5, 6]
    assert [v.lower() for v in columns["left"]] == ["true", "false"] * 3
    assert columns["tier"] == ("low", "high", "", "low", "'@x", "low")
    assert columns["mixed"] == ("1", "two", "3.5", "", "['a']", "'-1+1")
    assert columns["when"] == ("2024-01-31", "", "2024-02-01", "2024-03-01", "2024-04-01",
                               "2024-05-01")  # fmt: skip
    indexed = write_table(frame[["n"]].set_axis(["x", "y", "z", "u", "v", "w"]), tmp_path / "i.csv",
                          index=True)  # fmt: skip
    # Arrow quotes every text value, the header only where needed
    assert indexed.read_text(encoding="utf-8-sig").splitlines()[:2] == [",n", '"x",1']
