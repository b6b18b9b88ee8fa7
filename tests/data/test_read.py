"""churnlab.data.read: Parquet, Excel, folders of Parquet files, and the errors of any file."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from _files import assert_range_index, write
from churnlab.data.read import read_batches, read_table
from churnlab.errors import ChurnlabError, ReadError, SchemaError, UsageError

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + bytes(
    40
)


def test_extension_is_case_insensitive(tmp_path):
    assert read_table(write(tmp_path / "M.Csv", "a,b\n1,2\n")).shape == (1, 2)


# --------------------------------------------------------------------------------------------
# Parquet, Excel
# --------------------------------------------------------------------------------------------


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
