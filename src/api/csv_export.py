"""CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), and no
cell that a spreadsheet could run as a formula (OWASP's "CSV injection"): text that begins with
=, +, -, @, a tab, a carriage return or a line feed, also after spaces, quotes or invisible
characters that an importer may trim, gets a leading apostrophe."""

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence

BYTE_ORDER_MARK = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
TRIMMED = " \"'\u00a0\u200b\u200c\u200d\u2060\ufeff"  # what may stand before a formula
ROWS_PER_CHUNK = 1000


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.lstrip(TRIMMED).startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _lines(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()


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
