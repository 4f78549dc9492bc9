"""CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), lines
ended with CRLF, and no cell that a spreadsheet could run as a formula
(domain/spreadsheet_cells.py)."""

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence

from domain.spreadsheet_cells import safe_cell

BYTE_ORDER_MARK = "\ufeff"
ROWS_PER_CHUNK = 1000


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


async def with_byte_order_mark(chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """CSV text already written (UTF-8, the header first), after the byte-order mark."""
    yield BYTE_ORDER_MARK.encode()
    async for chunk in chunks:
        yield chunk
