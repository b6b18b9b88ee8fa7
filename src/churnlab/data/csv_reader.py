"""Reading CSV files as Russian Excel exports them, and as anyone else does.

:func:`read_csv` (whole) and :func:`csv_batches` (batch by batch) sniff what a CSV file does not
say: the encoding (UTF-8, UTF-8 with BOM, UTF-16 with BOM, cp1251 or another single-byte
encoding), the separator (``,`` ``;`` tab ``|``) and the decimal comma. Nothing else is guessed:
the values stay as pandas parses them. Rows with more fields than the header are refused naming
the line; rows with fewer are marked on the table read (:class:`_ShortRows`), for the checks to
name them. Called by :func:`churnlab.data.read.read_table` and
:func:`churnlab.data.read.read_batches`.
"""

from __future__ import annotations

import codecs
import csv
import functools
import gzip
import io
import re
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

import charset_normalizer
import pandas as pd
import pyarrow as pa

from churnlab.data.sources import check_unique, clean_columns, empty_file, not_a_table
from churnlab.errors import ReadError

__all__ = ["csv_batches", "read_csv"]

_SAMPLE_BYTES = 1 << 20  # bytes read to sniff a CSV file
_SNIFF_RECORDS = 50  # records used to choose the separator
_SEPARATORS = (",", ";", "\t", "|")
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
# bytes below 0x20 that never appear in text files
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\v\x1a")
# single-byte encodings worth asking charset-normalizer about, most likely first
_LEGACY_ENCODINGS = ("cp1251", "cp1252", "koi8_r", "cp866", "cp1250", "mac_cyrillic", "latin_1")
# Russian, Ukrainian and Belarusian letters, as cp1251 has them
_CYRILLIC_WORD = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґЎў]+")
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_SAVE_AS_UTF8 = "save the file again as 'CSV UTF-8' (in Excel: File → Save As → CSV UTF-8)"


def read_csv(path: Path, name: str) -> pd.DataFrame:
    options, text = _csv_options(path, name)
    with _csv_errors(name, options, text):
        frame = pd.read_csv(path, **options)
    with _ShortRows(path, name, options, text) as short:
        short.mark(frame, 0)
    return frame


def csv_batches(path: Path, name: str, batch_rows: int) -> Iterator[pd.DataFrame]:
    options, text = _csv_options(path, name)
    offset = 0
    with (
        _ShortRows(path, name, options, text) as short,
        _csv_errors(name, options, text),
        pd.read_csv(path, **options, chunksize=batch_rows) as reader,
    ):
        for chunk in reader:
            chunk = clean_columns(chunk.reset_index(drop=True), name)
            short.mark(chunk, offset)
            offset += len(chunk)
            yield chunk


def _csv_options(path: Path, name: str) -> tuple[dict[str, Any], str]:
    """``pd.read_csv`` options sniffed from the file's first bytes, and the decoded sample."""
    compressed = path.suffix.lower() == ".gz"
    sample, truncated = _read_sample(path, name, compressed=compressed)
    if _looks_binary(sample):
        raise not_a_table(
            name, "CSV", "it holds binary data, not text", "give the path of a CSV text file"
        )
    encoding = _sniff_encoding(sample)
    text = _decode_sample(sample, encoding, truncated=truncated)
    if not text.strip():
        raise empty_file(name)
    separator = _sniff_separator(text)
    decimal = _sniff_decimal(text, separator)
    check_unique(_header(text, separator), name)
    options = {
        "sep": separator,
        "decimal": decimal,
        "encoding": encoding,
        "compression": "gzip" if compressed else None,
        "index_col": False,
        "low_memory": False,
    }
    return options, text


@contextmanager
def _csv_errors(name: str, options: dict[str, Any], text: str) -> Iterator[None]:
    """Reading errors of ``pd.read_csv`` as ReadErrors that say what is wrong and what to do."""
    separator, encoding = options["sep"], options["encoding"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            yield
    except pd.errors.ParserWarning as exc:
        # the first rows have more fields than the header; pandas would drop the extra ones
        raise _ragged(name, separator, *_first_long_line(text, separator)) from exc
    except pd.errors.ParserError as exc:
        match = _RAGGED.search(str(exc))
        if match:
            expected, line, seen = (int(group) for group in match.groups())
            raise _ragged(name, separator, line, expected, seen) from exc
        raise not_a_table(name, "CSV", exc, "check that the file is a CSV table") from exc
    except UnicodeDecodeError as exc:
        reason = f"some bytes are not valid {encoding}; the file mixes encodings"
        raise not_a_table(name, "CSV", reason, _SAVE_AS_UTF8) from exc
    except (pd.errors.EmptyDataError, ValueError, OSError, EOFError) as exc:
        raise not_a_table(name, "CSV", exc, "check that the file is a CSV table") from exc


def _read_sample(path: Path, name: str, *, compressed: bool) -> tuple[bytes, bool]:
    """The first bytes of the (decompressed) file, and whether there are more."""
    try:
        with gzip.open(path, "rb") if compressed else path.open("rb") as handle:
            sample = handle.read(_SAMPLE_BYTES)
            truncated = bool(handle.read(1))
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise not_a_table(name, "CSV", exc, "give the path of a gzipped CSV file") from exc
    return sample, truncated


def _looks_binary(sample: bytes) -> bool:
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return b"\x00" in sample or controls > max(1, len(sample) // 100)


def _sniff_encoding(sample: bytes) -> str:
    """BOM, else UTF-8 if the bytes decode, else cp1251 if it reads as Cyrillic, else a guess."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # an incremental decoder accepts a character cut in two at the end of the sample
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    if _reads_as_cyrillic(sample.decode("cp1251", errors="replace")):
        return "cp1251"
    return _guess_legacy_encoding(sample)


def _reads_as_cyrillic(text: str) -> bool:
    """Whether most non-ASCII words are well-formed Cyrillic words (``Отток``, ``МГУ``).

    Western text decoded as cp1251 mixes scripts inside words (``José`` -> ``Josй``), and KOI8-R
    text decoded as cp1251 has its case inverted (``Москва`` -> ``мОСКВА``).
    """
    words = [word for word in re.findall(r"[^\W\d_]+", text) if not word.isascii()]
    if not words:
        return False
    good = sum(
        _CYRILLIC_WORD.fullmatch(word) is not None
        and (len(word) == 1 or word.isupper() or word[1:].islower())
        for word in words
    )
    return bool(good >= 0.8 * len(words))


def _guess_legacy_encoding(sample: bytes) -> str:
    """Ask charset-normalizer among likely single-byte encodings; cp1251 if it cannot tell."""
    matches = charset_normalizer.from_bytes(sample, cp_isolation=list(_LEGACY_ENCODINGS))

    def rank(match: charset_normalizer.CharsetMatch) -> tuple[float, float, int]:
        order = (
            _LEGACY_ENCODINGS.index(match.encoding)
            if match.encoding in _LEGACY_ENCODINGS
            else len(_LEGACY_ENCODINGS)
        )
        return round(match.chaos, 2), -round(match.coherence, 2), order

    return min(matches, key=rank).encoding if len(matches) else "cp1251"


def _decode_sample(sample: bytes, encoding: str, *, truncated: bool) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text: str = decoder.decode(sample, final=not truncated)
    if truncated and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # drop the last, partial line
    return text


def _records(text: str, separator: str, limit: int | None = None) -> list[list[str]]:
    """The first non-blank CSV records of `text`, quotes understood."""
    records = []
    try:
        for record in csv.reader(io.StringIO(text), delimiter=separator):
            if any(field.strip() for field in record):
                records.append(record)
            if limit is not None and len(records) >= limit:
                break
    except csv.Error:
        pass
    return records


def _sniff_separator(text: str) -> str:
    """The separator giving the same field count (> 1) as the header on most of the first rows.

    Ties go to the separator found most often in the header. A file where no candidate splits
    the header is a one-column file: then the candidate found least in the text is used.
    """
    scores = {}
    for separator in _SEPARATORS:
        counts = [len(record) for record in _records(text, separator, _SNIFF_RECORDS)]
        if counts and counts[0] > 1:
            scores[separator] = sum(count == counts[0] for count in counts)
    if not scores:
        return min(_SEPARATORS, key=text.count)
    header = text.splitlines()[0] if text.splitlines() else ""
    return max(scores, key=lambda separator: (scores[separator], header.count(separator)))


def _sniff_decimal(text: str, separator: str) -> str:
    """``","`` when values look like ``12,75`` and none like ``12.75``; else ``"."``."""
    if separator == ",":
        return "."
    sep = re.escape(separator)

    def number(mark: str) -> re.Pattern[str]:
        return re.compile(rf'(?:^|{sep})[ "]*[-+]?\d+{mark}\d+[ "]*(?={sep}|\r|\n|$)', re.M)

    has_comma = number(",").search(text) is not None
    return "," if has_comma and number(r"\.").search(text) is None else "."


def _header(text: str, separator: str) -> list[str]:
    records = _records(text, separator, limit=1)
    return records[0] if records else []


def _table_records(lines: Iterable[str], separator: str) -> Iterator[tuple[int, list[str]]]:
    """The records of CSV text as pandas counts them, the header first: the line each starts on
    (1-based) and its fields, quotes understood (a quoted field may hold separators and line
    breaks); lines of only spaces and tabs are skipped, as pandas skips them.

    Raises
    ------
    csv.Error
        A record the csv module cannot read (a field over its size limit, a NUL byte).
    """
    blank = set(" \t\r\n") - {separator}
    last = ""

    def tracked() -> Iterator[str]:
        nonlocal last
        for line in lines:
            last = line
            yield line

    reader = csv.reader(tracked(), delimiter=separator)
    start = 1
    for record in reader:
        end = reader.line_num
        # a one-field record on one line whose text is blank: a blank line (not a quoted "")
        if len(record) > 1 or end != start or not set(last) <= blank:
            yield start, record
        start = end + 1


def _named_width(header: list[str]) -> int:
    """Fields of the header up to its last named one (a trailing separator names no column)."""
    width = len(header)
    while width > 1 and not header[width - 1].strip():
        width -= 1
    return width


def _first_long_line(text: str, separator: str) -> tuple[int | None, int | None, int | None]:
    """Line number (1-based), header width and width of the first record wider than the header."""
    width = None
    try:
        for line, record in _table_records(io.StringIO(text), separator):
            if width is None:
                width = len(record)
            elif len(record) > width:
                return line, width, len(record)
    except csv.Error:
        pass
    return None, None, None


class _ShortRows:
    """Finds the data rows with fewer fields than the header, which pandas would fill with
    missing values, and marks them on the table read (see
    :data:`churnlab.data.validate.READ_FAILURES`) so that the check rejects them (scoring) or names
    them (training).

    pandas does not tell which rows were short. A short row always leaves the last named column
    missing, so the file is read again only when the table (or batch) has a missing value there,
    and from where the last search stopped. NumPy counts the separators of each record in the
    bytes, block by block, those inside quoted fields left out (quotes pair up: a separator or
    line break is quoted when an odd number of quotes comes before it); from the first block
    with a quote inside an unquoted field or a lone CR, and in UTF-16, the csv module reads the
    records. Each row found is checked against the table (its missing fields are missing there
    too); a file whose rows cannot be matched is refused naming the line.
    """

    def __init__(self, path: Path, name: str, options: dict[str, Any], text: str) -> None:
        self.path, self.name, self.options = path, name, options
        self.separator: str = options["sep"]
        self.encoding: str = options["encoding"]
        self.text = text
        self.found: Iterator[tuple[int, list[str]]] | None = None
        self.pending: tuple[int, list[str]] | None = None
        self.handles: list[IO[Any]] = []

    def __enter__(self) -> _ShortRows:
        return self

    def __exit__(self, *error: object) -> None:
        if self.found is not None:
            cast(Any, self.found).close()
        for handle in self.handles:
            handle.close()

    @functools.cached_property
    def width(self) -> int:
        """The fields of the header up to its last named one."""
        return _named_width(_header(self.text, self.separator))

    def mark(self, frame: pd.DataFrame, offset: int) -> None:
        """Mark the short rows of ``frame``, the rows ``offset`` .. of the file."""
        if frame.empty or not frame.iloc[:, -1].isna().any():
            return  # no row of this part can be short: the usual case costs nothing more
        if self.width < 2 or frame.shape[1] < self.width:
            return
        if not frame.iloc[:, self.width - 1].isna().any():
            return
        found = self._short(offset, offset + len(frame))
        if not found:
            return
        columns = [str(c) for c in frame.columns]
        failures: dict[str, list[Any]] = {"row": [], "column": [], "value": [], "reason": []}
        for row, fields in found:
            position = row - offset
            if not frame.iloc[position, len(fields) : self.width].isna().all():
                raise self._unmatched(row, len(fields))
            text = self.separator.join(fields)
            failures["row"].append(position)
            failures["column"].append(columns[len(fields)])
            failures["value"].append(text if len(text) <= 80 else text[:79] + "…")
            failures["reason"].append(
                f"the row has {len(fields)} field{'s' if len(fields) != 1 else ''}, "
                f"the header has {self.width}"
            )
        from churnlab.data.validate import READ_FAILURES

        frame.attrs[READ_FAILURES] = {"rows": len(frame), **failures}

    def _short(self, start: int, stop: int) -> list[tuple[int, list[str]]]:
        """The short rows among the data rows ``start`` .. ``stop - 1``: (row, fields)."""
        if self.found is None:
            self.found = self._short_records()
        found = []
        try:
            while True:
                if self.pending is None:
                    self.pending = next(self.found, None)
                    if self.pending is None:
                        break
                row, fields = self.pending
                if row >= stop:
                    break
                self.pending = None
                if row < start:  # in a part where pandas saw no missing value
                    raise self._unmatched(row, len(fields))
                found.append((row, fields))
        except UnicodeDecodeError as exc:
            reason = f"some bytes are not valid {self.encoding}; the file mixes encodings"
            raise not_a_table(self.name, "CSV", reason, _SAVE_AS_UTF8) from exc
        except (csv.Error, pa.ArrowException, OSError, EOFError) as exc:
            raise ReadError(
                f"cannot count the fields of its rows: {exc}",
                file=self.name,
                fix="check that the file is a CSV table, with quotes around values that "
                "hold separators or line breaks",
            ) from exc
        return found

    def _short_records(self) -> Iterator[tuple[int, list[str]]]:
        """Every short data row of the file, in order: (row, fields).

        pyarrow's CSV reader, streaming and converting nothing but its first column, hands every
        record whose field count is not the header's to a handler: quotes, line breaks inside
        quoted fields, encodings and compression are understood as by any CSV reader. Records of
        one blank field are lines pandas skips: they number no row.
        """
        import pyarrow.csv as pacsv

        names = [f"c{i}" for i in range(len(_header(self.text, self.separator)))]
        found: list[tuple[int, list[str]]] = []
        skipped = 0  # lines of spaces before this record, which pandas does not count as rows

        def invalid(record: pacsv.InvalidRow) -> str:
            nonlocal skipped
            if record.actual_columns == 1 and not record.text.strip(" \t\r\n"):
                skipped += 1
            elif record.actual_columns < self.width:
                fields = next(csv.reader(io.StringIO(record.text, newline=""),
                                         delimiter=self.separator))  # fmt: skip
                found.append((record.number - 2 - skipped, fields))  # 1 is the header
            return "skip"  # longer records are refused by the reader itself

        reader = pacsv.open_csv(
            self._binary(),
            read_options=pacsv.ReadOptions(
                use_threads=False, skip_rows=1, column_names=names, encoding=self.encoding
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=self.separator, newlines_in_values=True, invalid_row_handler=invalid
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=names[:1], column_types={names[0]: pa.string()}
            ),
        )
        for _ in reader:
            yield from found
            found.clear()
        yield from found

    def _binary(self) -> IO[bytes]:
        """The file's bytes (decompressed), open until the search ends."""
        opener = gzip.open if self.options["compression"] == "gzip" else open
        handle = cast(IO[bytes], opener(self.path, "rb"))
        self.handles.append(handle)
        return handle

    def _unmatched(self, row: int, fields: int) -> ReadError:
        return ReadError(
            f"row {row} has {fields} field{'s' if fields != 1 else ''}, the header has "
            f"{self.width}, but its fields were read otherwise",
            file=self.name,
            fix="give the line its missing values (empty between separators if unknown), or "
            'put values that contain a separator or a line break in double quotes ("...")',
        )


def _ragged(
    name: str,
    separator: str,
    line: int | None,
    expected: int | None = None,
    seen: int | None = None,
) -> ReadError:
    where = f"line {line}" if line is not None else "a line near the top"
    counts = f" ({seen} instead of {expected})" if expected is not None and seen is not None else ""
    separator_name = _SEPARATOR_NAMES.get(separator, repr(separator))
    return ReadError(
        f"{where} has more fields than the header{counts}",
        file=name,
        fix=f"remove the extra {separator_name} separators from {where}, or put the values that "
        f'contain a {separator_name} in double quotes ("...")',
    )
