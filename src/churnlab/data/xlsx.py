"""Writing one sheet of a table as an XLSX file, fast: the sheet's XML built a column at a time.

An ``.xlsx`` file is a zip of a few small fixed XML parts and the sheet's
``xl/worksheets/sheet1.xml``. :func:`write_sheet` builds the sheet's rows with vectorised
string operations (Arrow compute kernels: one call per column and chunk of rows, not per
cell) and streams them into the zip, :data:`CHUNK_ROWS` rows at a time: a million rows of
13 columns take seconds and the memory of a chunk's XML beside the table's.

What a reader gets is what XlsxWriter gave (and pandas' ``to_excel`` before it): numbers
(floats written shortest round-trip exact, NaN blank, ±inf the text ``inf`` / ``-inf``),
booleans, dates and times as Excel serial days with the formats ``YYYY-MM-DD HH:MM:SS`` and
``YYYY-MM-DD``, durations as days with the format ``0``, and everything else as an inline
string. Text is never a formula (no ``<f>`` element is ever written), is XML-escaped, has the
characters XML 1.0 forbids written as Excel writes them (``_xHHHH_``, a literal ``_xHHHH_``
as ``_x005F_xHHHH_``), keeps its leading and trailing spaces, and is cut at Excel's 32,767
characters (UTF-16 units), as XlsxWriter cuts it. Neutralising formulas is the caller's
(:func:`churnlab.data.write.write_table`).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from churnlab.errors import UsageError

__all__ = ["CHUNK_ROWS", "Layout", "check_fits_a_sheet", "column_letters", "write_sheet"]

#: The rows of the sheet built and written at a time.
CHUNK_ROWS = 20_000
#: Excel's sheet: 1,048,576 rows (the header's included) of 16,384 columns.
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
#: The longest text of a cell, in UTF-16 units.
TEXT_LIMIT = 32_767
#: zlib's level: 1 is about 3 times as fast as 6 for files 15 % larger.
COMPRESS_LEVEL = 1

DATETIME_FORMAT, DATE_FORMAT, DURATION_FORMAT = "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DD", "0"
_FORBIDDEN_IN_NAMES = re.compile(r"[\[\]:*?/\\]")
# the number formats Excel has built in: files refer to them by id
_BUILT_IN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9,
                     "0.00%": 10, "@": 49}  # fmt: skip
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# the kinds of cells; a column's cells are described by their kinds and their values
_BLANK, _NUMBER, _TEXT, _TRUE, _FALSE = range(5)
_EPOCH_DAYS = 25_569  # 1970-01-01 in Excel's days (1899-12-30 is day 0 from March 1900 on)
_DAY_NS, _DAY_US = 86_400 * 10**9, 86_400 * 10**6
T = TypeVar("T")


@dataclass(frozen=True)
class Layout:
    """How the sheet looks.

    Attributes
    ----------
    name : str
        The sheet's name: at most 31 characters (longer ones are cut), none of ``[]:*?/\\``.
    formats : mapping of int to str
        Number formats by column position (``0.0%``, ``@``...), for every cell of the column
        (its blanks too), in place of the date and duration formats.
    widths : sequence of int, optional
        Each column's width in characters (default: Excel's).
    bold_header : bool
    freeze_header : bool
        Whether the first row stays in view when scrolling.
    """

    name: str = "Sheet1"
    formats: Mapping[int, str] = field(default_factory=dict)
    widths: Sequence[int] | None = None
    bold_header: bool = False
    freeze_header: bool = False


def write_sheet(table: pd.DataFrame, handle: IO[bytes], layout: Layout | None = None) -> None:
    """Write `table` as an XLSX file of one sheet: its header row, then each of its rows.

    Parameters
    ----------
    table : pandas.DataFrame
        The cells, already neutralised against formulas if people will open the file.
    handle : binary file
        Where the zip goes.
    layout : Layout, optional
        The sheet's name, formats, widths, header; default: plain, as pandas writes it.

    Raises
    ------
    UsageError
        The table does not fit an Excel sheet.
    ValueError
        The sheet's name has a character Excel forbids.

    Examples
    --------
    >>> import io, zipfile
    >>> data = io.BytesIO()
    >>> write_sheet(pd.DataFrame({"a": [0.5], "b": ["x<y"]}), data)
    >>> xml = zipfile.ZipFile(data).read("xl/worksheets/sheet1.xml").decode()
    >>> xml[xml.index('<row r="2"') :].split("</row>")[0]
    '<row r="2"><c r="A2"><v>0.5</v></c><c r="B2" t="inlineStr"><is><t>x&lt;y</t></is></c>'
    """
    layout = layout or Layout()
    check_fits_a_sheet(table)
    name = _sheet_name(layout.name)
    styles = _Styles()
    header = _HeaderStyle(styles, layout.bold_header)
    fixed = {p: styles.index(f) for p, f in layout.formats.items() if p < table.shape[1]}
    by_type = _TypeStyles(styles)
    letters = column_letters(table.shape[1])
    first = _rows_xml(_header_frame(table), 1, letters, header.fixed(table.shape[1]), by_type)
    chunks = _one_ahead(
        lambda start: _rows_xml(
            table.iloc[start : start + CHUNK_ROWS], start + 2, letters, fixed, by_type
        ),
        range(0, len(table), CHUNK_ROWS),
    )
    rows = next(chunks, memoryview(b""))
    zip64 = _may_need_zip64(len(table), len(rows) / max(1, min(CHUNK_ROWS, len(table))))
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as book:
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=zip64) as out:
            out.write(_sheet_start(table.shape, letters, layout).encode())
            out.write(first)
            out.write(rows)
            for rows in chunks:
                out.write(rows)
            out.write(b"</sheetData>" + _PAGE_MARGINS.encode() + b"</worksheet>")
        _write_fixed_parts(book, name, styles)


def _one_ahead(make: Callable[[int], T], keys: Iterable[int]) -> Iterator[T]:
    """``make(key)`` for each key, the next one made in a thread while the caller uses the
    current: zlib and Arrow let go of the GIL, so compressing a chunk and building the next
    share two cores.

    Examples
    --------
    >>> list(_one_ahead(lambda k: k * k, range(4)))
    [0, 1, 4, 9]
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: Future[T] | None = None
        for key in keys:
            made = pool.submit(make, key)
            if pending is not None:
                yield pending.result()
            pending = made
        if pending is not None:
            yield pending.result()


def check_fits_a_sheet(table: pd.DataFrame) -> None:
    """Refuse a table that does not fit: Excel's sheet holds 1,048,576 rows (the header's
    included) of 16,384 columns.

    Examples
    --------
    >>> check_fits_a_sheet(pd.DataFrame(index=range(EXCEL_ROWS)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    churnlab.errors.UsageError: a table of 1,048,576 rows and 0 columns does not fit an Excel...
    """
    rows, columns = table.shape
    if rows + 1 > EXCEL_ROWS or columns > EXCEL_COLUMNS:
        raise UsageError(
            f"a table of {rows:,} rows and {columns:,} columns does not fit an Excel sheet "
            f"({EXCEL_ROWS - 1:,} rows and {EXCEL_COLUMNS:,} columns at most)",
            fix="write a .csv or .parquet file instead",
        )


def column_letters(count: int) -> list[str]:
    """Excel's names of the first `count` columns.

    Examples
    --------
    >>> column_letters(28)[-3:]
    ['Z', 'AA', 'AB']
    """
    letters = []
    for position in range(1, count + 1):
        name = ""
        while position:
            position, rest = divmod(position - 1, 26)
            name = chr(ord("A") + rest) + name
        letters.append(name)
    return letters


# --- styles ------------------------------------------------------------------------------------


class _Styles:
    """The cell formats (``cellXfs``) of the book: a number format and bold or not, each made
    once; index 0 is the default."""

    def __init__(self) -> None:
        self.made: dict[tuple[str, bool], int] = {("General", False): 0}

    def index(self, number_format: str | None, bold: bool = False) -> int:
        key = (number_format or "General", bold)
        return self.made.setdefault(key, len(self.made))

    def xml(self) -> str:
        custom = sorted({f for f, _ in self.made} - set(_BUILT_IN_FORMATS))
        ids = _BUILT_IN_FORMATS | {f: 164 + i for i, f in enumerate(custom)}
        formats = "".join(
            f'<numFmt numFmtId="{ids[f]}" formatCode={_attribute(f)}/>' for f in custom
        )
        cells = "".join(
            f'<xf numFmtId="{ids[f]}" fontId="{int(bold)}" fillId="0" borderId="0" xfId="0"'
            + (' applyNumberFormat="1"' if ids[f] else "")
            + (' applyFont="1"' if bold else "")
            + "/>"
            for (f, bold), _ in sorted(self.made.items(), key=lambda item: item[1])
        )
        font = '<sz val="11"/><name val="Calibri"/><family val="2"/><scheme val="minor"/>'
        return (
            f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(custom)}">{formats}</numFmts>' if custom else "")
            + f'<fonts count="2"><font>{font}</font><font><b/>{font}</font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            f'borderId="0"/></cellStyleXfs><cellXfs count="{len(self.made)}">{cells}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            '</cellStyles><dxfs count="0"/><tableStyles count="0"/></styleSheet>'
        )


class _TypeStyles:
    """The formats pandas gives dates, times and durations."""

    def __init__(self, styles: _Styles) -> None:
        self.datetime = styles.index(DATETIME_FORMAT)
        self.date = styles.index(DATE_FORMAT)
        self.duration = styles.index(DURATION_FORMAT)


class _HeaderStyle:
    def __init__(self, styles: _Styles, bold: bool) -> None:
        self.bold = styles.index(None, bold=True) if bold else None

    def fixed(self, columns: int) -> dict[int, int]:
        return {} if self.bold is None else dict.fromkeys(range(columns), self.bold)


# --- cells -------------------------------------------------------------------------------------


@dataclass
class _Cells:
    """A column's cells: their kinds, their numbers (as text), their texts (as they are) and
    their formats (one for all or one each)."""

    kinds: np.ndarray
    numbers: pa.Array | None = None
    texts: pa.Array | None = None
    styles: np.ndarray | int = 0


def _rows_xml(
    chunk: pd.DataFrame, first_row: int, letters: list[str], fixed: Mapping[int, int],
    by_type: _TypeStyles,
) -> memoryview:  # fmt: skip
    """The ``<row>`` elements of `chunk`, the first numbered `first_row`, as UTF-8: one join
    of the pieces of every cell, row by row."""
    rows = pc.cast(pa.array(np.arange(first_row, first_row + len(chunk))), pa.string())
    pieces: list[pa.Array | str] = ['<row r="', rows, '">']
    for position, letter in enumerate(letters):
        cells = _column_cells(chunk.iloc[:, position], by_type, fixed.get(position))
        pieces += _cell_pieces(cells, letter, rows)
    xml = pc.binary_join_element_wise(*pieces, "</row>", "")
    return _utf8(xml)


def _cell_pieces(cells: _Cells, letter: str, rows: pa.Array) -> list[pa.Array | str]:
    """The pieces of each cell's ``<c>`` element: ``<c r="B``, the row, the rest; all three
    empty for a blank without a format (left out, as Excel leaves it)."""
    tails = _tails(cells)
    written = pc.is_valid(tails)
    if pc.all(written).as_py():
        return [f'<c r="{letter}', rows, tails]
    return [pc.if_else(written, f'<c r="{letter}', ""), pc.if_else(written, rows, ""),
            pc.fill_null(tails, "")]  # fmt: skip


def _tails(cells: _Cells) -> pa.Array:
    """Each cell's ``<c>`` element after ``<c r="B7``; null for a blank without a format.

    A column of numbers, or of texts, with one format takes the quick ways: its texts are
    escaped once per distinct text."""
    counts = np.bincount(cells.kinds, minlength=5)
    one_style = np.ndim(cells.styles) == 0
    if one_style and counts[_TEXT] + counts[_BLANK] == len(cells.kinds) and counts[_TEXT]:
        return _text_tails(cells, int(cells.styles))
    if one_style and counts[_NUMBER] + counts[_BLANK] == len(cells.kinds) and counts[_NUMBER]:
        return _number_tails(cells, int(cells.styles))
    return _mixed_tails(cells)


def _blank_where(blank: np.ndarray, tails: pa.Array, style: int) -> pa.Array:
    """`tails`, with the blanks a formatted blank cell (``s="2"/>``) or null."""
    if not blank.any():
        return tails
    return pc.if_else(pa.array(blank), _attributes(_BLANK, style), tails)


def _number_tails(cells: _Cells, style: int) -> pa.Array:
    assert cells.numbers is not None
    tails = pc.binary_join_element_wise(_attributes(_NUMBER, style), cells.numbers, "</v></c>", "")
    return _blank_where(cells.kinds == _BLANK, tails, style)


def _text_tails(cells: _Cells, style: int) -> pa.Array:
    assert cells.texts is not None
    encoded = pc.dictionary_encode(cells.texts)
    head = _attributes(_TEXT, style)
    distinct = pc.binary_join_element_wise(head, _texts_body(encoded.dictionary), "")
    tails = distinct.take(encoded.indices)
    return _blank_where(cells.kinds == _BLANK, tails, style)


def _mixed_tails(cells: _Cells) -> pa.Array:
    most = int(np.max(cells.styles, initial=0)) + 1
    attributes = pa.array([_attributes(kind, style) for kind in range(5) for style in range(most)])
    codes = cells.kinds.astype(np.int32) * most + cells.styles
    heads = attributes.take(pa.array(np.broadcast_to(codes, cells.kinds.shape)))
    bodies = pc.choose(
        pa.array(cells.kinds),
        "",
        _numbers_body(cells.numbers),
        "" if cells.texts is None else _texts_body(cells.texts),
        "1</v></c>",
        "0</v></c>",
    )
    return pc.binary_join_element_wise(heads, bodies, "")


def _attributes(kind: int, style: int) -> str | None:
    """The end of a ``<c>`` opening tag after its reference, up to the start of its value."""
    s = f' s="{style}"' if style else ""
    if kind == _BLANK:
        return f'"{s}/>' if style else None
    if kind == _NUMBER:
        return f'"{s}><v>'
    if kind == _TEXT:
        return f'" t="inlineStr"{s}><is><t'
    return f'" t="b"{s}><v>'


def _numbers_body(numbers: pa.Array | None) -> pa.Array | str:
    return "" if numbers is None else pc.binary_join_element_wise(numbers, "</v></c>", "")


def _texts_body(texts: pa.Array) -> pa.Array:
    """``>text</t></is></c>``, the text escaped, with ``xml:space="preserve"`` when it starts
    or ends with a space."""
    texts = _escaped(texts)
    spaced = pc.match_substring_regex(texts, r"^[\s\x{85}\pZ]|[\s\x{85}\pZ]$")
    preserve = pc.if_else(spaced, ' xml:space="preserve">', ">")
    return pc.binary_join_element_wise(preserve, texts, "</t></is></c>", "")


def _column_cells(column: pd.Series, by_type: _TypeStyles, fixed: int | None) -> _Cells:
    """The cells of one column, by its type as pandas writes it: missing and empty text are
    blank, ±inf is the text ``inf``, dates get a date format and durations are days."""
    cells = _typed_cells(column, by_type)
    if fixed is not None:
        cells.styles = fixed
    return cells


def _typed_cells(column: pd.Series, by_type: _TypeStyles) -> _Cells:
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _typed_cells(column.astype(object), by_type)
    if pd.api.types.is_bool_dtype(dtype):
        return _boolean_cells(column)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _serial_cells(_datetime_days(column), by_type.datetime)
    if pd.api.types.is_timedelta64_dtype(dtype):
        days = column.to_numpy(dtype="timedelta64[ns]").astype(np.int64) / _DAY_NS
        return _serial_cells(np.where(column.isna().to_numpy(), np.nan, days), by_type.duration)
    if pd.api.types.is_numeric_dtype(dtype):
        return _number_cells(column)
    kind = pd.api.types.infer_dtype(column, skipna=True)
    if kind in ("string", "empty"):
        return _text_cells(column)
    if kind in ("integer", "floating", "mixed-integer-float"):
        return _number_cells(pd.to_numeric(column))
    try:
        if kind == "date":
            return _serial_cells(_datetime_days(pd.to_datetime(column)), by_type.date)
        if kind in _CONVERSIONS:
            return _typed_cells(_CONVERSIONS[kind](column), by_type)
    except (ValueError, TypeError, OverflowError):  # mixed time zones, years beyond 9999...
        pass
    return _mixed_cells(column, by_type)


# object columns of one type (and missing values) converted to it, their cells made at once
_CONVERSIONS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "datetime": pd.to_datetime,
    "timedelta": pd.to_timedelta,
    "boolean": lambda column: column.astype("boolean"),
}


def _boolean_cells(column: pd.Series) -> _Cells:
    values = column.to_numpy(dtype=bool, na_value=False)
    kinds = np.where(values, _TRUE, _FALSE).astype(np.int8)
    kinds[column.isna().to_numpy()] = _BLANK
    return _Cells(kinds)


def _number_cells(column: pd.Series) -> _Cells:
    """Numbers; NaN blank and ±inf the text ``inf`` and ``-inf`` (pandas' ``inf_rep``)."""
    missing = column.isna().to_numpy()
    values = column.to_numpy(na_value=0) if missing.any() else column.to_numpy()
    if values.dtype.kind == "f":
        values = values.astype(np.float64)
        infinite = np.isinf(values)
        if infinite.any():
            kinds = np.where(missing, _BLANK, np.where(infinite, _TEXT, _NUMBER)).astype(np.int8)
            texts = pa.array(np.where(values > 0, "inf", "-inf"))
            return _Cells(kinds, _number_text(np.where(infinite, 0, values)), texts)
    elif values.dtype.kind not in "iu":
        values = values.astype(np.float64)
    kinds = np.where(missing, _BLANK, _NUMBER).astype(np.int8)
    return _Cells(kinds, _number_text(values))


def _number_text(values: np.ndarray) -> pa.Array:
    """The shortest text that reads back as the same float (Arrow's round-trip cast)."""
    return pc.cast(pa.array(values), pa.string())


def _serial_cells(days: np.ndarray, style: int) -> _Cells:
    missing = np.isnan(days)
    kinds = np.where(missing, _BLANK, _NUMBER).astype(np.int8)
    styles = np.where(missing, 0, style).astype(np.int32)  # a blank gets a column's format only
    return _Cells(kinds, _number_text(np.where(missing, 0.0, days)), styles=styles)


def _datetime_days(column: pd.Series) -> np.ndarray:
    """Excel's serial days of date-times (their wall-clock time, for ones with a time zone),
    with Excel's 29 February 1900 (XlsxWriter's ``_datetime_to_excel_datetime``); NaN for
    missing."""
    if getattr(column.dtype, "tz", None) is not None:
        column = column.dt.tz_localize(None)
    microseconds = column.to_numpy(dtype="datetime64[us]").astype(np.int64)
    whole, rest = np.divmod(microseconds, _DAY_US)
    days = (whole + _EPOCH_DAYS - 1) + rest / _DAY_US  # from 1899-12-31, as XlsxWriter counts
    days = np.where(days > 59, days + 1, days)
    return np.where(column.isna().to_numpy(), np.nan, days)


def _text_cells(column: pd.Series) -> _Cells:
    """Text; missing and empty text are blank."""
    texts = pa.array(column.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    blank = pc.fill_null(pc.equal(texts, ""), True).to_numpy(zero_copy_only=False)
    kinds = np.where(blank, _BLANK, _TEXT).astype(np.int8)
    return _Cells(kinds, texts=pc.fill_null(texts, ""))


def _mixed_cells(column: pd.Series, by_type: _TypeStyles) -> _Cells:
    """Cells of an object column of several types, value by value (such columns are small:
    the others are vectorised)."""
    import datetime
    import numbers
    from decimal import Decimal

    size = len(column)
    kinds = np.zeros(size, dtype=np.int8)
    days = np.zeros(size)
    texts: list[str | None] = [None] * size
    styles = np.zeros(size, dtype=np.int32)
    dates: dict[int, datetime.date] = {}
    for i, value in enumerate(column.to_numpy(dtype=object)):
        if value is None or (isinstance(value, str) and not value) or _missing(value):
            continue
        if isinstance(value, bool | np.bool_):
            kinds[i] = _TRUE if value else _FALSE
        elif isinstance(value, numbers.Real | Decimal) and abs(float(value)) == np.inf:
            kinds[i], texts[i] = _TEXT, "inf" if float(value) > 0 else "-inf"
        elif isinstance(value, numbers.Real | Decimal):
            kinds[i], days[i] = _NUMBER, float(value)
        elif isinstance(value, datetime.date):  # a date-time too
            kinds[i], dates[i] = _NUMBER, value
            styles[i] = by_type.datetime if isinstance(value, datetime.datetime) else by_type.date
        elif isinstance(value, datetime.timedelta):
            kinds[i], styles[i] = _NUMBER, by_type.duration
            days[i] = value.total_seconds() / 86400
        else:
            kinds[i], texts[i] = _TEXT, str(value)
    if dates:
        when = [v.replace(tzinfo=None) if isinstance(v, datetime.datetime) else v
                for v in dates.values()]  # fmt: skip
        days[list(dates)] = _datetime_days(pd.Series(pd.to_datetime(when)))
    text = pa.array([t or "" for t in texts], type=pa.string())
    return _Cells(kinds, _number_text(days), text, styles)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# --- text --------------------------------------------------------------------------------------

_ESCAPED_ESCAPE = r"(_x[0-9a-fA-F]{4}_)"
_FORBIDDEN_IN_XML = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def _escaped(texts: pa.Array) -> pa.Array:
    """Texts as the content of ``<t>``: cut at 32,767 UTF-16 units, ``&<>`` escaped, the
    characters XML forbids as ``_xHHHH_`` and a literal ``_xHHHH_`` as ``_x005F_xHHHH_``.

    Examples
    --------
    >>> _escaped(pa.array(['a<b&c>"', "\\x01_x0041_"])).to_pylist()
    ['a&lt;b&amp;c&gt;"', '_x0001__x005F_x0041_']
    """
    texts = _cut(texts)
    texts = pc.replace_substring_regex(texts, _ESCAPED_ESCAPE, r"_x005F\1")
    for character, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        texts = pc.replace_substring(texts, character, entity)
    forbidden = pc.match_substring_regex(texts, _FORBIDDEN_IN_XML.pattern)
    if pc.any(forbidden).as_py():
        values = np.array(texts.to_pylist(), dtype=object)
        where = forbidden.to_numpy(zero_copy_only=False)
        values[where] = [
            _FORBIDDEN_IN_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", v) for v in values[where]
        ]
        texts = pa.array(values, type=pa.string())
    return texts


def _cut(texts: pa.Array) -> pa.Array:
    """Texts longer than Excel's 32,767 UTF-16 units cut there (never inside a character
    above U+FFFF), as XlsxWriter cuts them."""
    long = pc.greater(pc.utf8_length(texts), TEXT_LIMIT // 2)
    if not pc.any(long).as_py():
        return texts
    values = np.array(texts.to_pylist(), dtype=object)
    where = long.to_numpy(zero_copy_only=False)
    values[where] = [_utf16_cut(v) for v in values[where]]
    return pa.array(values, type=pa.string())


def _utf16_cut(text: str) -> str:
    units = np.cumsum([2 if ord(c) > 0xFFFF else 1 for c in text])
    return text[: int(np.searchsorted(units, TEXT_LIMIT, side="right"))]


def _utf8(texts: pa.Array) -> memoryview:
    """The UTF-8 of texts one after the other: their Arrow buffer, not copied."""
    if not len(texts):
        return memoryview(b"")
    width = np.int64 if pa.types.is_large_string(texts.type) else np.int32
    offsets = np.frombuffer(texts.buffers()[1], dtype=width)[texts.offset :]
    start, end = int(offsets[0]), int(offsets[len(texts)])
    return memoryview(texts.buffers()[2].slice(start, end - start))


# --- the parts of the file ---------------------------------------------------------------------

_PAGE_MARGINS = (
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
)


def _attribute(value: str) -> str:
    """`value` as a quoted XML attribute.

    Examples
    --------
    >>> print(_attribute('#,##0.00 "<&>"'))
    "#,##0.00 &quot;&lt;&amp;&gt;&quot;"
    """
    return '"' + escape(value, {'"': "&quot;"}) + '"'


def _sheet_name(name: str) -> str:
    name = name[:31]
    if not name or _FORBIDDEN_IN_NAMES.search(name) or name[0] == "'" or name[-1] == "'":
        raise ValueError(f"Excel does not allow the sheet name {name!r}")
    return name


def _header_frame(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame([list(table.columns)], columns=range(table.shape[1]), dtype=object)


def _sheet_start(shape: tuple[int, int], letters: list[str], layout: Layout) -> str:
    rows, columns = shape
    corner = f"{letters[-1]}{rows + 1}" if columns else "A1"
    pane = (
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft"/>'
        if layout.freeze_header
        else ""
    )
    widths = layout.widths or []
    cols = "".join(
        f'<col min="{p}" max="{p}" width="{_excel_width(w):.16g}" customWidth="1"/>'
        for p, w in enumerate(widths, start=1)
    )
    return (
        f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        f'<dimension ref="A1:{corner}"/>'
        f'<sheetViews><sheetView tabSelected="1" workbookViewId="0">{pane}</sheetView>'
        '</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
    )


def _excel_width(characters: float) -> float:
    """The width Excel stores for a column of `characters` (with its padding: Calibri 11's
    digits are 7 pixels wide, plus 5), as XlsxWriter stores it."""
    pixels = int(characters * 7 + 0.5) + 5
    return (pixels * 256 // 7) / 256


def _may_need_zip64(rows: int, bytes_a_row: float) -> bool:
    """Whether the sheet's XML may pass 2 GiB, which takes Zip64 (zipfile must know before
    writing): from the size of the first chunk's rows, with a margin of 4 for longer rows
    further down.

    Examples
    --------
    >>> _may_need_zip64(1_000_000, 600), _may_need_zip64(1_000_000, 400)
    (True, False)
    """
    return rows * bytes_a_row * 4 > zipfile.ZIP64_LIMIT


def _write_fixed_parts(book: zipfile.ZipFile, name: str, styles: _Styles) -> None:
    parts = {
        "[Content_Types].xml": (
            f'{_HEAD}<Types xmlns="{_PACKAGE}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'{_HEAD}<Relationships xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" '
            f'Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><bookViews>'
            f'<workbookView/></bookViews><sheets><sheet name={_attribute(name)} sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_HEAD}<Relationships xmlns="{_PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": styles.xml(),
    }
    for part, xml in parts.items():
        book.writestr(part, xml)
