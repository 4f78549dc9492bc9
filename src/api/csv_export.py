"""CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), and no
cell that a spreadsheet could run as a formula (OWASP's "CSV injection"): text that begins with
=, +, -, @ (or their fullwidth forms), a tab, a carriage return or a line feed, also after
quotes or any characters that an importer may trim (every space, separator, control or format
character by its Unicode category), gets a leading apostrophe."""

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from unicodedata import category

BYTE_ORDER_MARK = "\ufeff"
# Fullwidth = + - @ too: spreadsheets in East Asian locales take them as the ASCII ones.
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
QUOTES = frozenset("\"'")
# What may stand before a formula: spaces and separators (Zs, Zl, Zp), control characters (Cc)
# and invisible format characters (Cf: zero-width spaces, direction marks, the BOM).
TRIMMED_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})
ROWS_PER_CHUNK = 1000


def safe_cell(value: object) -> object:
    # Per cell of large exports: most begin with a letter or a digit, decided at once.
    if not isinstance(value, str) or not value or value[0].isalnum():
        return value
    for char in value:
        if char in FORMULA_STARTS:  # before the categories: tab, CR and LF are Cc
            return "'" + value
        if char not in QUOTES and category(char) not in TRIMMED_CATEGORIES:
            return value
    return value


def _lines(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A whole (small) CSV at once, the header first."""
    return BYTE_ORDER_MARK + _lines([header, *rows])


async def csv_chunks(
    header: Sequence[str], rows: AsyncIterable[Sequence[object]]
) -> AsyncIterator[str]:
    """The CSV text in chunks of rows, the header first."""
    yield BYTE_ORDER_MARK + _lines([header])
    chunk: list[Sequence[object]] = []
    async for row in rows:
        chunk.append(row)
        if len(chunk) >= ROWS_PER_CHUNK:
            yield _lines(chunk)
            chunk = []
    if chunk:
        yield _lines(chunk)
