"""churnlab.data.csv_reader: CSV dialects, encodings, ragged and short rows."""

from __future__ import annotations

import gzip
import random

import pandas as pd
import pytest

from _files import assert_range_index, write
from churnlab.data.read import read_batches, read_table
from churnlab.data.validate import READ_FAILURES
from churnlab.errors import ReadError, SchemaError

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


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


def test_empty_gzipped_csv(tmp_path):
    path = tmp_path / "empty.csv.gz"
    path.write_bytes(gzip.compress(b"\n"))
    with pytest.raises(ReadError, match=r"empty\.csv\.gz: the file is empty"):
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
