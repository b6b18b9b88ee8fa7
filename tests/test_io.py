"""Tests for reading member tables and writing outputs (churnlab.data.read, .csv_reader, .sql,
.write, .formulas)."""

from __future__ import annotations

import gzip
import os
import random
import sqlite3
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from churnlab.data.formulas import neutralise_formulas
from churnlab.data.read import read_batches, read_table
from churnlab.data.sources import source_name
from churnlab.data.validate import READ_FAILURES
from churnlab.data.write import write_table
from churnlab.errors import ChurnlabError, ReadError, SchemaError, UsageError

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + bytes(
    40
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def assert_range_index(frame: pd.DataFrame) -> None:
    assert isinstance(frame.index, pd.RangeIndex)
    assert list(frame.index) == list(range(len(frame)))


# --------------------------------------------------------------------------------------------
# CSV dialects
# --------------------------------------------------------------------------------------------


def test_comma_csv(tmp_path):
    path = write(tmp_path / "members.csv", "id,age,plan\n1,25,gold\n2,31,basic\n")
    frame = read_table(path)
    assert list(frame.columns) == ["id", "age", "plan"]
    assert frame["age"].tolist() == [25, 31]
    assert pd.api.types.is_integer_dtype(frame["age"])
    assert frame["plan"].tolist() == ["gold", "basic"]
    assert_range_index(frame)


def test_semicolon_csv_with_decimal_comma(tmp_path):
    path = write(tmp_path / "members.csv", "id;fee;plan\n1;12,75;gold\n2;8;basic\n3;-0,5;x\n")
    frame = read_table(path)
    assert list(frame.columns) == ["id", "fee", "plan"]
    assert frame["fee"].dtype == "float64"
    assert frame["fee"].tolist() == [12.75, 8.0, -0.5]
    assert frame["id"].tolist() == [1, 2, 3]


def test_semicolon_csv_with_decimal_point_keeps_point(tmp_path):
    path = write(tmp_path / "members.csv", "id;fee\n1;12.75\n2;1,5\n")
    frame = read_table(path)
    assert frame["fee"].tolist() == ["12.75", "1,5"]  # mixed marks: not guessed


def test_cp1251_csv_with_cyrillic(tmp_path):
    text = "Возраст;Отток;Город\r\n25;0;Москва\r\n31;1;Санкт-Петербург\r\n44;0;Казань\r\n"
    frame = read_table(write(tmp_path / "выгрузка.csv", text, "cp1251"))
    assert list(frame.columns) == ["Возраст", "Отток", "Город"]
    assert frame["Возраст"].tolist() == [25, 31, 44]
    assert frame["Отток"].tolist() == [0, 1, 0]
    assert frame["Город"].tolist() == ["Москва", "Санкт-Петербург", "Казань"]


def test_cp1251_csv_with_few_cyrillic_letters(tmp_path):
    # too short for charset-normalizer alone, which guesses an East Asian encoding
    frame = read_table(write(tmp_path / "m.csv", "Отток\n1\n0\n", "cp1251"))
    assert list(frame.columns) == ["Отток"]


def test_utf8_bom_is_stripped(tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "Возраст,Отток\n25,0\n".encode())
    frame = read_table(path)
    assert list(frame.columns) == ["Возраст", "Отток"]
    assert frame.columns[0].encode() == "Возраст".encode()


def test_utf16_excel_unicode_text(tmp_path):
    # Excel's "Unicode Text" export: UTF-16 with BOM, tab-separated
    frame = read_table(write(tmp_path / "m.txt", "Возраст\tОтток\n25\t0\n", "utf-16"))
    assert list(frame.columns) == ["Возраст", "Отток"]
    assert frame.iloc[0].tolist() == [25, 0]


def test_crlf_line_endings(tmp_path):
    frame = read_table(write(tmp_path / "m.csv", "id,plan \r\n1,gold\r\n2,basic\r\n"))
    assert list(frame.columns) == ["id", "plan"]
    assert frame["plan"].tolist() == ["gold", "basic"]


def test_tab_separated(tmp_path):
    frame = read_table(write(tmp_path / "m.tsv", "id\tage\tnote\n1\t25\ta, b\n2\t31\tc; d\n"))
    assert list(frame.columns) == ["id", "age", "note"]
    assert frame["note"].tolist() == ["a, b", "c; d"]


def test_pipe_separated_with_quoted_separator(tmp_path):
    frame = read_table(write(tmp_path / "m.txt", 'id|name\n1|"Smith | Co"\n2|Ivanov\n'))
    assert frame["name"].tolist() == ["Smith | Co", "Ivanov"]


def test_one_column_csv(tmp_path):
    frame = read_table(write(tmp_path / "m.csv", "age\n25\n31\n"))
    assert list(frame.columns) == ["age"]
    assert frame["age"].tolist() == [25, 31]


def test_one_column_csv_with_commas_in_values(tmp_path):
    frame = read_table(write(tmp_path / "m.csv", "comment\nfine, thanks\ntoo far, moved\n"))
    assert frame["comment"].tolist() == ["fine, thanks", "too far, moved"]


def test_gzipped_csv(tmp_path):
    path = tmp_path / "members.CSV.GZ"
    path.write_bytes(gzip.compress("Возраст;Взнос\n25;12,75\n".encode("cp1251")))
    frame = read_table(path)
    assert frame.to_dict("list") == {"Возраст": [25], "Взнос": [12.75]}


def test_column_names_are_stripped(tmp_path):
    frame = read_table(write(tmp_path / "m.csv", " id ;  age\n1;2\n"))
    assert list(frame.columns) == ["id", "age"]


def test_blank_cells_are_left_to_pandas(tmp_path):
    frame = read_table(write(tmp_path / "m.csv", "id,age\n1,\n2,30\n"))
    assert frame["age"].isna().tolist() == [True, False]
    assert frame["id"].tolist() == [1, 2]  # no column becomes the index


def test_extension_is_case_insensitive(tmp_path):
    assert read_table(write(tmp_path / "M.Csv", "a,b\n1,2\n")).shape == (1, 2)


# --------------------------------------------------------------------------------------------
# Parquet, Excel, SQL
# --------------------------------------------------------------------------------------------


@pytest.fixture
def members() -> pd.DataFrame:
    return pd.DataFrame(
        {"id": [1, 2, 3], "Возраст": [25, 31, 44], "fee": [12.75, 8.0, 3.5], "plan": list("abc")}
    )


@pytest.mark.parametrize("suffix", [".parquet", ".pq"])
def test_parquet_round_trip(tmp_path, members, suffix):
    path = tmp_path / f"members{suffix}"
    members.to_parquet(path, engine="pyarrow")
    frame = read_table(path)
    pd.testing.assert_frame_equal(frame, members)
    assert_range_index(frame)


def test_parquet_with_a_named_index_keeps_it_as_a_column(tmp_path, members):
    path = tmp_path / "members.parquet"
    members.set_index("id").to_parquet(path)
    frame = read_table(path)
    assert list(frame.columns) == ["id", "Возраст", "fee", "plan"]
    assert_range_index(frame)


def test_parquet_with_duplicate_columns(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "dup.parquet"
    pq.write_table(pa.table([[1], [2]], names=["age", "age"]), path)
    with pytest.raises(SchemaError, match=r"dup\.parquet: column 'age'"):
        read_table(path)


def test_xlsx_round_trip_and_sheet(tmp_path, members):
    path = tmp_path / "members.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        members.to_excel(writer, sheet_name="Members", index=False)
        members.head(1).to_excel(writer, sheet_name="Other", index=False)
    pd.testing.assert_frame_equal(read_table(path), members, check_dtype=False)
    assert len(read_table(path, sheet="Other")) == 1
    assert len(read_table(path, sheet=1)) == 1
    with pytest.raises(
        UsageError, match=r"members\.xlsx: there is no sheet 'Nope'\n.*'Members', 'Other'"
    ):
        read_table(path, sheet="Nope")


def test_xlsx_duplicate_header(tmp_path):
    path = tmp_path / "dup.xlsx"
    pd.DataFrame([[1, 2]], columns=["age", "age "]).to_excel(path, index=False)
    with pytest.raises(SchemaError, match=r"dup\.xlsx: column 'age'"):
        read_table(path)


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


def test_source_name_masks_password():
    assert source_name("postgresql://user:s3cret@host:5432/db") == (
        "postgresql://user:***@host:5432/db"
    )
    assert source_name("sqlite:///m.db") == "sqlite:///m.db"
    assert source_name(Path("data") / "m.csv") == os.path.join("data", "m.csv")


def test_query_on_a_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match=r"m\.csv: query= and table= apply to databases only"):
        read_table(write(tmp_path / "m.csv", "a\n1\n"), query="SELECT 1")


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(ReadError, match=r"nope\.csv: the file does not exist\n  fix: check"):
        read_table(tmp_path / "nope.csv")


def test_a_folder_without_parquet_files(tmp_path):
    (tmp_path / "data.csv").mkdir()
    (tmp_path / "data.csv" / "notes.txt").write_text("a\n1\n")
    with pytest.raises(ReadError, match=r"data\.csv: is a folder without \.parquet files"):
        read_table(tmp_path / "data.csv")


def test_a_folder_of_parquet_files_is_one_table(tmp_path):
    frame = pd.DataFrame({"id": [f"M{i}" for i in range(25)], "age": range(25)})
    (tmp_path / "members" / "z2024").mkdir(parents=True)  # paths sort after part-*
    for k, start in enumerate(range(0, 25, 10)):  # three files, one in a subfolder
        where = tmp_path / "members" / ("z2024" if k == 2 else "")
        frame.iloc[start : start + 10].to_parquet(where / f"part-{k}.parquet")
    back = read_table(tmp_path / "members")
    assert_range_index(back)
    pd.testing.assert_frame_equal(back, frame)  # in file-name order, every row once
    batches, total = read_batches(tmp_path / "members", batch_rows=7)
    assert total == 25
    pd.testing.assert_frame_equal(pd.concat(list(batches), ignore_index=True), back)
    with pytest.raises(UsageError, match="query"):
        read_table(tmp_path / "members", query="select 1")


def test_no_permission(tmp_path, monkeypatch):
    path = write(tmp_path / "secret.csv", "a\n1\n")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)  # works when the tests run as root, too
    with pytest.raises(ReadError, match=r"secret\.csv: no permission to read the file"):
        read_table(path)


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("empty.csv", b""),
        ("empty.csv", b"  \n\r\n\t "),
        ("empty.csv", b"\xef\xbb\xbf\n"),
        ("empty.parquet", b""),
        ("empty.parquet", b"\n\n"),
        ("empty.xlsx", b""),
        ("empty.xlsx", b" \r\n"),
    ],
)
def test_empty_file(tmp_path, filename, content):
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(ReadError, match=rf"{filename}: the file is empty"):
        read_table(path)


def test_empty_gzipped_csv(tmp_path):
    path = tmp_path / "empty.csv.gz"
    path.write_bytes(gzip.compress(b"\n"))
    with pytest.raises(ReadError, match=r"empty\.csv\.gz: the file is empty"):
        read_table(path)


@pytest.mark.parametrize("text", ["id;age\n", "id,age\r\n\r\n"])
def test_header_only(tmp_path, text):
    with pytest.raises(ReadError, match=r"head\.csv: the table has a header but no rows"):
        read_table(write(tmp_path / "head.csv", text))


def test_header_only_xlsx(tmp_path):
    path = tmp_path / "head.xlsx"
    pd.DataFrame(columns=["id", "age"]).to_excel(path, index=False)
    with pytest.raises(ReadError, match=r"head\.xlsx: the table has a header but no rows"):
        read_table(path)


def random_bytes(size: int = 4096) -> bytes:
    return random.Random(0).randbytes(size)


def zip_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("filename", "content", "kind"),
    [
        ("image.csv", lambda _: PNG_BYTES, "CSV"),
        ("noise.csv", lambda _: random_bytes(), "CSV"),
        ("archive.csv", zip_bytes, "CSV"),
        ("noise.csv.gz", lambda _: random_bytes(), "CSV"),
        ("noise.parquet", lambda _: random_bytes(), "Parquet"),
        ("image.parquet", lambda _: PNG_BYTES, "Parquet"),
        ("text.parquet", lambda _: b"id,age\n1,2\n", "Parquet"),
        ("text.xlsx", lambda _: b"id,age\n1,2\n", "Excel"),
        ("archive.xlsx", zip_bytes, "Excel"),
        ("noise.xlsm", lambda _: random_bytes(), "Excel"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_not_a_table(tmp_path, filename, content, kind):
    path = tmp_path / filename
    path.write_bytes(content(tmp_path))
    with pytest.raises(ReadError, match=rf"{filename}: is not a readable {kind} table \(.+\)"):
        read_table(path)


def test_truncated_parquet(tmp_path, members):
    path = tmp_path / "cut.parquet"
    members.to_parquet(path)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ReadError, match=r"cut\.parquet: is not a readable Parquet table"):
        read_table(path)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("id,age\n1,25\n2,31\n3,44,x\n", 4),
        ("id;age\n1;25;x\n2;31;y\n", 2),  # pandas would silently make 'id' the index
    ],
)
def test_ragged_csv(tmp_path, text, line):
    with pytest.raises(ReadError, match=rf"ragged\.csv: line {line} has more fields than") as info:
        read_table(write(tmp_path / "ragged.csv", text))
    assert "double quotes" in info.value.fix


def _short_rows(frame):
    found = frame.attrs.get(READ_FAILURES, {})
    return list(
        zip(found.get("row", []), found.get("column", []), found.get("reason", []), strict=True)
    )


SHORT = 'id,note,age\n1,"two\nlines, one comma",25\n   \n2,x\n\n3,,\n"",\n4\n5,"q",40\n\n\n'


@pytest.mark.parametrize("compressed", [False, True])
def test_short_rows_are_marked_for_the_check(tmp_path, compressed):
    # rows 0 (a quoted field with a line break and a comma), 2 (empty fields) and 5 are whole;
    # lines of spaces and blank lines (also at the end) are no rows, as pandas reads them
    path = tmp_path / ("m.csv.gz" if compressed else "m.csv")
    path.write_bytes(gzip.compress(SHORT.encode()) if compressed else SHORT.encode())
    frame = read_table(path)
    assert frame["id"].tolist()[:1] == [1] and len(frame) == 6
    assert _short_rows(frame) == [
        (1, "age", "the row has 2 fields, the header has 3"),
        (3, "age", "the row has 2 fields, the header has 3"),
        (4, "note", "the row has 1 field, the header has 3"),
    ]
    assert frame.attrs[READ_FAILURES]["value"][0] == "2,x"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1251"])
def test_short_rows_are_found_with_and_without_quotes(tmp_path, encoding):
    text = 'город;n;m\r\nМосква;1;2\r\nТверь;3\r\n \r\nОмск;;\r\nУфа;"4;\r\n5";6\r\nКазань\r\n'
    frame = read_table(write(tmp_path / "m.csv", text, encoding))
    assert frame["город"].tolist() == ["Москва", "Тверь", "Омск", "Уфа", "Казань"]
    assert [(row, column) for row, column, _ in _short_rows(frame)] == [(1, "m"), (4, "n")]
    assert frame.attrs[READ_FAILURES]["value"] == ["Тверь;3", "Казань"]


def test_short_rows_after_a_quote_inside_an_unquoted_field(tmp_path):
    # pandas reads 12" as text, and the quote opens no field: the csv module counts from there
    text = 'size,note,n\n1,a,2\n12",b\n3,"c,d",4\n5,"e\nf"\n'
    frame = read_table(write(tmp_path / "m.csv", text))
    assert frame["size"].tolist() == ["1", '12"', "3", "5"]
    assert [(row, column) for row, column, _ in _short_rows(frame)] == [(1, "n"), (3, "n")]
    assert frame.attrs[READ_FAILURES]["value"] == ['12",b', "5,e\nf"]


def test_short_rows_in_batches_are_numbered_within_each_batch(tmp_path):
    path = write(tmp_path / "m.csv", SHORT)
    batches, _ = read_batches(path, batch_rows=2)
    found = [
        (k, row, reason[:16]) for k, b in enumerate(batches) for row, _, reason in _short_rows(b)
    ]
    assert found == [
        (0, 1, "the row has 2 fi"),
        (1, 1, "the row has 2 fi"),
        (2, 0, "the row has 1 fi"),
    ]


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_short_rows_agree_with_the_csv_module_on_random_files(tmp_path, separator):
    """Random tables (values with separators, quotes and line breaks, quoted by csv.writer),
    some rows cut short: the rows marked are those the csv module reads with too few fields."""
    import csv
    import io as text_io

    rng = random.Random(len(separator) + ord(separator))
    alphabet = ["a", "7", " ", separator, '"', "\n", "x y"]
    for case in range(40):
        width = rng.randint(2, 5)
        lines = text_io.StringIO()
        writer = csv.writer(lines, delimiter=separator, lineterminator="\n")
        writer.writerow([f"c{i}" for i in range(width)])
        expected = []
        for row in range(rng.randint(1, 30)):
            values = ["".join(rng.choices(alphabet, k=rng.randint(1, 4))) for _ in range(width)]
            values[0] = f"r{row}"  # never blank, so pandas reads every line as a row
            values[-1] = "" if rng.random() < 0.3 else values[-1]
            if rng.random() < 0.3:
                values = values[: rng.randint(1, width - 1)]
                expected.append(row)
            writer.writerow(values)
        text = lines.getvalue()
        records = list(csv.reader(text_io.StringIO(text), delimiter=separator))[1:]
        reference = [n for n, record in enumerate(records) if len(record) < width]
        assert reference == expected  # the reference itself reads what was written
        frame = read_table(write(tmp_path / f"m{case}.csv", text))
        assert [row for row, _, _ in _short_rows(frame)] == expected, text


@pytest.mark.parametrize(
    "text",
    [
        "a;b;\n1;2\n3;4\n",  # a trailing separator in the header names no column
        "a,b\n1,\n2,\n3,4\n",  # an empty last field is a field
        "a\tb\n1\t2\n\t\n3\t4\n",  # with tabs, a line of one tab has two empty fields
    ],
)
def test_whole_rows_with_empty_last_fields_are_not_short(tmp_path, text):
    assert _short_rows(read_table(write(tmp_path / "m.csv", text))) == []


def test_trailing_separators_are_dropped(tmp_path):
    frame = read_table(write(tmp_path / "m.csv", "id;age\n1;25;\n2;31;\n"))
    assert frame.to_dict("list") == {"id": [1, 2], "age": [25, 31]}


def test_mixed_encodings_beyond_the_sample(tmp_path, monkeypatch):
    monkeypatch.setattr("churnlab.data.csv_reader._SAMPLE_BYTES", 64)
    text = "id,city\n" + "1,Москва\n" * 10
    path = tmp_path / "mixed.csv"
    path.write_bytes(text.encode() + "2,Казань\n".encode("cp1251"))
    with pytest.raises(ReadError, match=r"mixed\.csv: is not a readable CSV table .*utf-8"):
        read_table(path)


@pytest.mark.parametrize(
    ("text", "column"),
    [("age,age\n1,2\n", "age"), ("age, age \n1,2\n", "age"), ("Возраст;Возраст\n1;2\n", "Возраст")],
)
def test_duplicate_column_names(tmp_path, text, column):
    with pytest.raises(SchemaError, match=rf"dup\.csv: column '{column}'.*\n  fix: rename"):
        read_table(write(tmp_path / "dup.csv", text))


@pytest.mark.parametrize("filename", ["members.json", "members.xls", "members", "m.parquet.gz"])
def test_unknown_extension(tmp_path, filename):
    path = write(tmp_path / filename, "a,b\n1,2\n")
    with pytest.raises(UsageError, match=rf"{filename}: cannot read .*\n  fix: .*\.csv, .*\.xlsx"):
        read_table(path)


def test_every_read_error_names_the_file(tmp_path):
    cases = {
        "missing.csv": None,
        "empty.csv": b"",
        "head.csv": b"a,b\n",
        "image.csv": PNG_BYTES,
        "ragged.csv": b"a,b\n1,2,3,4\n",
        "dup.csv": b"a,a\n1,2\n",
        "format.json": b"{}",
    }
    for filename, content in cases.items():
        path = tmp_path / filename
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(ChurnlabError) as info:
            read_table(path)
        assert str(path) in str(info.value)
        assert info.value.fix


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_write_table_round_trip(tmp_path, members, suffix):
    path = tmp_path / "out" / "deeper" / f"scores{suffix}"
    written = write_table(members, path)
    assert written == path
    pd.testing.assert_frame_equal(read_table(path), members, check_dtype=False)
    assert os.listdir(path.parent) == [path.name]


def test_write_table_csv_is_utf8_without_index(tmp_path, members):
    path = write_table(members, tmp_path / "scores.csv")
    assert path.read_bytes().decode("utf-8").splitlines()[0] == "id,Возраст,fee,plan"


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


# --------------------------------------------------------------------------------------------
# formulas
# --------------------------------------------------------------------------------------------


def test_neutralise_formulas():
    frame = pd.DataFrame(
        {
            "text": ["=SUM(A1)", "+1", "-2", "@x", "\tcmd", "plain", None],
            "number": [-1, -2.5, 0, 3, 4, 5, 6],
            "mixed": ["=1+1", -3, 2.5, None, "ok", "-x", "@"],
        }
    )
    out = neutralise_formulas(frame)
    # a signed plain number is read as that number by a spreadsheet: no formula, left as it is
    assert out["text"].tolist()[:6] == ["'=SUM(A1)", "+1", "-2", "'@x", "'\tcmd", "plain"]
    assert pd.isna(out["text"].iloc[6])
    assert out["number"].tolist() == [-1, -2.5, 0, 3, 4, 5, 6]
    assert out["number"].dtype == frame["number"].dtype
    assert out["mixed"].tolist()[:3] == ["'=1+1", -3, 2.5]
    assert out["mixed"].tolist()[4:] == ["ok", "'-x", "'@"]
    assert frame["text"].iloc[0] == "=SUM(A1)"  # the input is not changed


def test_neutralise_formulas_keeps_dtypes_and_duplicate_names():
    frame = pd.DataFrame([["=a", "b", 1]], columns=["x", "x", "n"])
    frame = frame.astype({"n": "int64"})
    out = neutralise_formulas(frame)
    assert out.iloc[0].tolist() == ["'=a", "b", 1]
    assert list(out.dtypes) == list(frame.dtypes)


def test_neutralise_formulas_categorical():
    frame = pd.DataFrame({"plan": pd.Categorical(["=cmd", "gold"])})
    assert neutralise_formulas(frame)["plan"].tolist() == ["'=cmd", "gold"]


def test_neutralise_formulas_headers_and_formula_like_numbers():
    frame = pd.DataFrame({"=HYPERLINK(1)": ["-1+2", "-1e5", "+.5"], "-2": [1, 2, 3]})
    out = neutralise_formulas(frame)
    assert list(out.columns) == ["'=HYPERLINK(1)", "-2"]
    assert out.iloc[:, 0].tolist() == ["'-1+2", "-1e5", "+.5"]


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


def test_neutralise_arrow_formulas_matches_the_frame_rule():
    import pyarrow as pa

    from churnlab.data.formulas import neutralise_arrow_formulas

    values = ["=SUM(A1)", "+1", "-2+3", "@x", "\tcmd", "plain", None, "-1.5e3"]
    table = pa.table({"@id": values, "n": list(range(len(values)))})
    out = neutralise_arrow_formulas(table)
    reference = neutralise_formulas(pd.DataFrame({"@id": values, "n": range(len(values))}))
    assert out.column_names == list(reference.columns)
    expected = [None if pd.isna(v) else v for v in reference.iloc[:, 0]]
    assert out.column(0).to_pylist() == expected


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
