"""churnlab.data.xlsx: the sheet's XML built by columns, read back by openpyxl and pandas."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import shutil
import subprocess
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from churnlab.data.write import Sheet, write_table
from churnlab.data.xlsx import Layout, write_sheet

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _expected_text(text: str) -> str | None:
    """What openpyxl gets for a text cell: blank when empty, a ``'`` before text a spreadsheet
    would run (OWASP), unless it is a plain signed number, and the characters XML forbids as
    Excel escapes them (openpyxl does not undo it in inline strings; Excel does) -- a
    re-implementation."""
    if text == "":
        return None
    if text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        text = "'" + text
    text = re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", text)
    return "".join(
        f"_x{ord(c):04X}_" if (ord(c) < 32 and c not in "\t\n") or c in "\ufffe\uffff" else c
        for c in text
    )


def _values(path, sheet_name=None):
    book = openpyxl.load_workbook(path)
    sheet = book[sheet_name] if sheet_name else book.active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as book:
        return book.read("xl/worksheets/sheet1.xml").decode("utf-8")


HOSTILE = ['=HYPERLINK("http://evil","x")', "@SUM(1)", "+1", "-1", "+1 call", "\t=1", "\r=1"]
SPECIAL = ["a<b&c>\"'", "\x01", "_x0041_", "_x005F_", "a\x1fb\x0bc", "\ufffe", "tab\tnew\nline"]
UNICODE = ["Анна Петрова", "emoji 😀🏋️", "中文", "\u2028sep"]
SPACED = [" lead", "trail ", "  both  ", "\tx", "x\n", " "]


@pytest.mark.parametrize("reader", ["openpyxl", "pandas"])
def test_text_reads_back_as_written_neutralised(tmp_path, reader):
    texts = HOSTILE + SPECIAL + UNICODE + SPACED + [None, ""]
    frame = pd.DataFrame({"text": texts, "=head": range(len(texts))})
    path = write_table(frame, tmp_path / "out.xlsx")
    expected = [None if t is None else _expected_text(t) for t in texts]
    assert "<f>" not in _sheet_xml(path) and "<f " not in _sheet_xml(path)
    if reader == "openpyxl":
        rows = _values(path)
        assert rows[0] == ["text", "'=head"]
        assert [row[0] for row in rows[1:]] == expected
    else:
        back = pd.read_excel(path, dtype=object)
        assert list(back.columns) == ["text", "'=head"]
        got = [None if isinstance(v, float) and math.isnan(v) else v for v in back["text"]]
        assert got == expected
        assert back["'=head"].tolist() == list(range(len(texts)))


def test_text_escapes_as_excel_does(tmp_path):
    frame = pd.DataFrame({"t": ["a<b&c>", "\x01", "_x0041_", " x "]})
    xml = _sheet_xml(write_table(frame, tmp_path / "out.xlsx"))
    assert "<t>a&lt;b&amp;c&gt;</t>" in xml
    assert "<t>_x0001_</t>" in xml  # the character XML 1.0 forbids, as Excel writes it
    assert "<t>_x005F_x0041_</t>" in xml  # the literal text, its underscore escaped
    assert '<t xml:space="preserve"> x </t>' in xml


@pytest.mark.parametrize("reader", ["openpyxl", "pandas"])
def test_numbers_booleans_and_blanks_read_back_equal(tmp_path, reader):
    floats = [0.1, 1e-300, 1e20, -0.0, 2.0**53, 1 / 3, 5e-324, 1.7976931348623157e308, np.nan]
    frame = pd.DataFrame(
        {
            "f": floats,
            "i": np.array([0, -1, 2**53 + 1, 2**62, -(2**63), 7, 8, 9, 10], dtype=np.int64),
            "b": [True, False] * 4 + [True],
            "o": [True, None, 3, 2.5, "x", np.nan, dt.date(2024, 2, 29), False, -np.inf],
        }
    )
    path = write_table(frame, tmp_path / "out.xlsx")
    if reader == "openpyxl":
        rows = _values(path)[1:]
        columns = [list(column) for column in zip(*rows, strict=True)]
    else:
        back = pd.read_excel(path, dtype=object)
        columns = [
            [None if isinstance(v, float) and math.isnan(v) else v for v in back[c]]
            for c in back.columns
        ]
    f, i, b, o = columns
    assert f[:-1] == floats[:-1] and f[-1] is None
    # -0.0 is written "-0", as XlsxWriter wrote it: Excel has no negative zero
    assert [type(v) for v in i] == [int] * 9 and i == frame["i"].tolist()
    assert b == frame["b"].tolist() and {type(v) for v in b} == {bool}
    assert o == [True, None, 3, 2.5, "x", None, dt.datetime(2024, 2, 29), False, "-inf"]


def test_dates_times_and_durations(tmp_path):
    frame = pd.DataFrame(
        {
            "when": pd.to_datetime(
                ["1900-03-01", "2024-12-31 23:59:59", None, "1970-01-01"], format="ISO8601"
            ),
            "day": [dt.date(1999, 12, 31), None, dt.date(2000, 1, 1), dt.date(2024, 2, 29)],
            "long": pd.to_timedelta(["2D", None, "12h", "-6h"]),
            "zone": pd.to_datetime(["2024-06-01 12:00"] * 4).tz_localize("Europe/Moscow"),
        }
    )
    book = openpyxl.load_workbook(write_table(frame, tmp_path / "out.xlsx"))
    rows = list(book.active.iter_rows(min_row=2))
    when, day, long, zone = ([row[i] for row in rows] for i in range(4))
    assert [c.value for c in when] == [
        dt.datetime(1900, 3, 1), dt.datetime(2024, 12, 31, 23, 59, 59), None,
        dt.datetime(1970, 1, 1),
    ]  # fmt: skip
    assert [c.number_format for c in when] == ["YYYY-MM-DD HH:MM:SS"] * 2 + ["General"] + [
        "YYYY-MM-DD HH:MM:SS"
    ]
    assert [c.value for c in day] == [
        dt.datetime(1999, 12, 31), None, dt.datetime(2000, 1, 1), dt.datetime(2024, 2, 29)
    ]  # fmt: skip
    assert {c.number_format for c in day if c.value} == {"YYYY-MM-DD"}
    assert [c.value for c in long] == [2, None, 0.5, -0.25]
    assert {c.number_format for c in long if c.value is not None} == {"0"}
    assert {c.value for c in zone} == {dt.datetime(2024, 6, 1, 12)}  # the wall-clock time


def test_a_laid_out_sheet(tmp_path):
    frame = pd.DataFrame({"id": ["007", None], "p": [0.5, np.nan], "net": [1.0, 2.0]})
    layout = Sheet(
        name="План удержания & <co> and a name much longer than 31 characters",
        headers={"p": 'Share "now"'},
        percent=["p"],
        money=["net"],
        currency='U"SD',
        text=["id"],
    )
    path = write_table(frame, tmp_path / "plan.xlsx", sheet=layout)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["План удержания & <co> and a nam"]
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert [(c.value, c.font.b) for c in sheet[1]] == [
        ("id", True), ('Share "now"', True), ("net", True)
    ]  # fmt: skip
    assert [c.number_format for c in sheet[2]] == ["@", "0.0%", '#,##0.00 "U"SD"']
    assert [(c.value, c.number_format) for c in sheet[3]][:2] == [(None, "@"), (None, "0.0%")]
    # width 2 + the longest of header and values, plus XlsxWriter's padding (under one)
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert [math.floor(w) for w in widths] == [5, 13, 5]


def test_sheet_names_excel_forbids_are_refused():
    with pytest.raises(ValueError, match="sheet name"):
        write_sheet(pd.DataFrame({"a": [1]}), io.BytesIO(), Layout(name="a/b"))


def test_text_longer_than_excel_allows_is_cut_as_xlsxwriter_cuts_it(tmp_path):
    frame = pd.DataFrame({"t": ["a" * 40_000, "😀" * 20_000, "b" * 32_767]})
    rows = _values(write_table(frame, tmp_path / "out.xlsx"))[1:]
    assert [row[0] for row in rows] == ["a" * 32_767, "😀" * 16_383, "b" * 32_767]


def test_categorical_and_nullable_columns(tmp_path):
    frame = pd.DataFrame(
        {
            "tier": pd.Categorical(["high", None, "=low", "high"]),
            "n": pd.array([1, None, 3, 4], dtype="Int64"),
            "f": pd.array([0.5, None, 1.5, 2.5], dtype="Float64"),
            "ok": pd.array([True, None, False, True], dtype="boolean"),
            "s": pd.array(["a", None, "", "d"], dtype="string"),
        }
    )
    rows = _values(write_table(frame, tmp_path / "out.xlsx"))[1:]
    assert rows == [
        ["high", 1, 0.5, True, "a"],
        [None, None, None, None, None],
        ["'=low", 3, 1.5, False, None],
        ["high", 4, 2.5, True, "d"],
    ]


def test_an_empty_table_and_one_without_columns(tmp_path):
    assert _values(write_table(pd.DataFrame({"a": []}), tmp_path / "a.xlsx")) == [["a"]]
    openpyxl.load_workbook(write_table(pd.DataFrame(), tmp_path / "b.xlsx"))


_cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)


@st.composite
def _frames(draw):
    rows = draw(st.integers(min_value=1, max_value=6))
    columns = {}
    for position in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["int", "float", "bool", "text", "mixed"]))
        name = f"c{position}"
        if kind == "int":
            values = draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=rows, max_size=rows))
            columns[name] = np.array(values, dtype=np.int64)
        elif kind == "float":
            values = draw(st.lists(st.floats(), min_size=rows, max_size=rows))
            columns[name] = np.array(values, dtype=np.float64)
        elif kind == "bool":
            columns[name] = np.array(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)))
        elif kind == "text":
            values = draw(st.lists(st.none() | st.text(max_size=12), min_size=rows, max_size=rows))
            columns[name] = pd.Series(values, dtype=object)
        else:
            values = draw(st.lists(_cells, min_size=rows, max_size=rows))
            columns[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(columns)


def _expected(value):
    """A value as a reader gets it back: NaN and None blank, ±inf the text, text neutralised."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, float | np.floating) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, str):
        return _expected_text(value)
    return value.item() if isinstance(value, np.generic) else value


def _same(value, want, mixed) -> bool:
    """Numbers of object columns of several types may be written as floats (Excel's numbers,
    as XlsxWriter wrote them); others read back exactly."""
    if isinstance(want, bool) or want is None or isinstance(want, str):
        return value == want and type(value) is type(want)
    number = not isinstance(value, bool) and isinstance(value, int | float)
    return number and (value == want or (mixed and value == float(want)))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(frame=_frames())
def test_random_frames_read_back_equal(tmp_path, frame):
    path = write_table(frame, tmp_path / "random.xlsx")
    rows = _values(path)
    assert rows[0] == list(frame.columns)
    mixed = [frame[c].dtype == object and not frame[c].map(_is_text).all() for c in frame]
    expected = [[_expected(v) for v in row] for row in frame.astype(object).itertuples(index=False)]
    got = rows[1:] + [[None] * frame.shape[1]] * (len(frame) + 1 - len(rows))
    assert len(got) == len(expected)
    for got_row, expected_row in zip(got, expected, strict=True):
        for value, want, m in zip(got_row, expected_row, mixed, strict=True):
            assert _same(value, want, m), (value, want)


def _is_text(value) -> bool:
    return value is None or isinstance(value, str)


def test_opens_in_libreoffice(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    frame = pd.DataFrame({"id": ["=1+1", "a<b"], "p": [0.1, 2.5]})
    path = write_table(frame, tmp_path / "out.xlsx")
    subprocess.run(
        [soffice, "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(path)],
        check=True,
        timeout=120,
        capture_output=True,
    )
    assert (tmp_path / "out.csv").read_text().split() == ["id,p", "'=1+1,0.1", "a<b,2.5"]


def test_a_reader_gets_what_xlsxwriter_gave(tmp_path):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    texts = HOSTILE + SPECIAL + UNICODE + SPACED + ["a" * 40_000]
    numbers = [0.1, 1e-300, 1e20, 0.25, 2.0**53, -3.0, 1e16, 123456.789, 0.0, 1.5] * 4
    frame = pd.DataFrame({"text": texts, "number": numbers[: len(texts)]})
    ours = _values(write_table(frame, tmp_path / "ours.xlsx"))
    path = tmp_path / "theirs.xlsx"  # the neutralised cells, written one by one
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "text")
    sheet.write_string(0, 1, "number")
    for row, (text, number) in enumerate(zip(frame["text"], frame["number"], strict=True), 1):
        sheet.write_string(row, 0, _neutral(text))
        sheet.write_number(row, 1, number)
    book.close()
    assert ours == _values(path)


def _neutral(text: str) -> str:
    if text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def test_object_columns_of_dates_durations_and_booleans(tmp_path):
    frame = pd.DataFrame(
        {
            "day": [dt.date(2024, 5, 6), None, dt.date(1900, 1, 1)],
            "when": [dt.datetime(2024, 5, 6, 7, 8, 9), None, dt.datetime(9999, 12, 31)],
            "wait": [dt.timedelta(hours=6), None, dt.timedelta(days=-2)],
            "ok": [True, None, False],
            "zones": [
                dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC),
                None,
                dt.datetime(2024, 1, 1, 11, tzinfo=dt.timezone(dt.timedelta(hours=3))),
            ],
        }
    )
    rows = list(openpyxl.load_workbook(write_table(frame, tmp_path / "o.xlsx")).active.iter_rows())
    assert [(c.value, c.number_format) for c in rows[1]] == [
        (dt.datetime(2024, 5, 6), "YYYY-MM-DD"),
        (dt.datetime(2024, 5, 6, 7, 8, 9), "YYYY-MM-DD HH:MM:SS"),
        (0.25, "0"),
        (True, "General"),
        (dt.datetime(2024, 1, 1, 10), "YYYY-MM-DD HH:MM:SS"),  # wall-clock times
    ]
    assert [c.value for c in rows[2]] == [None] * 5
    assert [c.value for c in rows[3][2:]] == [-2, False, dt.datetime(2024, 1, 1, 11)]
    assert [c.value for c in rows[3][:2]] == [dt.datetime(1900, 1, 1), dt.datetime(9999, 12, 31)]
