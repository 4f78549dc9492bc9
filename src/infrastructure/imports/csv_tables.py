"""One CSV file read as a table, leniently where people's files vary and strictly where an
attacker's could hurt: a byte-order mark, CRLF or LF, surrounding spaces and the columns' order
and letter case are all fine; text that is not UTF-8, a record (a row, quoted line breaks
included) over MAX_ROW_CHARACTERS, more than MAX_COLUMNS columns, a cell over
MAX_CELL_CHARACTERS or more than MAX_ROWS rows refuse the file, naming the line. Memory stays
bounded: the csv module is never handed more than one record's worth of text at once."""

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from domain.errors import ImportFileRefused
from domain.imports import (
    MAX_CELL_CHARACTERS,
    MAX_COLUMNS,
    MAX_QUOTED_CHARACTERS,
    MAX_ROW_CHARACTERS,
    MAX_ROWS,
    FileLocation,
    FileProblem,
)

UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # where the row begins in the file (the header is line 1)
    cells: Mapping[str, str]  # by lower-cased column name, trimmed; "" where left out

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass(frozen=True, slots=True)
class CsvTable:
    columns: list[str]  # lower-cased, trimmed, in the file's order
    rows: list[CsvRow]


def decode(data: bytes, file: str | None) -> str:
    """UTF-8 (a byte-order mark allowed), else refused with the line of the first bad byte."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportFileRefused(FileProblem.NOT_UTF8, FileLocation(file, line)) from None


class _BoundedLines:
    """The file's physical lines for csv.reader, refusing a record that grows too long (an
    unclosed quote would otherwise take the rest of the file into one cell)."""

    def __init__(self, text: str, file: str | None) -> None:
        self._lines = iter(io.StringIO(text, newline=""))
        self._file = file
        self.record_start = 1
        self.lines_read = 0
        self._record_characters = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.lines_read += 1
        self._record_characters += len(line)
        if self._record_characters > MAX_ROW_CHARACTERS:
            location = FileLocation(self._file, self.record_start)
            raise ImportFileRefused(FileProblem.RECORD_TOO_LONG, location)
        return line

    def next_record(self) -> None:
        self.record_start = self.lines_read + 1
        self._record_characters = 0


def _records(text: str, file: str | None) -> Iterator[tuple[int, list[str]]]:
    lines = _BoundedLines(text, file)
    reader = csv.reader(lines)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            location = FileLocation(file, lines.record_start)
            raise ImportFileRefused(FileProblem.MALFORMED_CSV, location, str(error)) from None
        start = lines.record_start
        lines.next_record()
        if len(record) > MAX_COLUMNS:
            raise ImportFileRefused(FileProblem.TOO_MANY_COLUMNS, FileLocation(file, start))
        if any(cell.strip() for cell in record):  # blank lines are no rows
            yield start, record


def read_table(data: bytes, file: str | None = None, required: tuple[str, ...] = ()) -> CsvTable:
    """The file's header and rows. Column names are matched in any letter case; `required`
    ones (lower-case) must all be there."""
    records = _records(decode(data, file), file)
    first = next(records, None)
    if first is None:
        raise ImportFileRefused(FileProblem.NO_HEADER, FileLocation(file, 1))
    header_line, header = first
    if any(len(cell) > MAX_CELL_CHARACTERS for cell in header):
        raise ImportFileRefused(FileProblem.CELL_TOO_LONG, FileLocation(file, header_line))
    columns = [name.strip().lower() for name in header]
    duplicates = sorted({name for name in columns if name and columns.count(name) > 1})
    if duplicates:
        location = FileLocation(file, header_line)
        quoted = ", ".join(duplicates)[:MAX_QUOTED_CHARACTERS]
        raise ImportFileRefused(FileProblem.DUPLICATE_COLUMN, location, quoted)
    missing = [name for name in required if name not in columns]
    if missing:
        location = FileLocation(file, header_line)
        raise ImportFileRefused(FileProblem.MISSING_COLUMNS, location, ", ".join(missing))
    rows: list[CsvRow] = []
    for line, record in records:
        if len(rows) == MAX_ROWS:
            raise ImportFileRefused(FileProblem.TOO_MANY_ROWS, FileLocation(file, line))
        if any(len(cell) > MAX_CELL_CHARACTERS for cell in record):
            raise ImportFileRefused(FileProblem.CELL_TOO_LONG, FileLocation(file, line))
        cells = {name: cell.strip() for name, cell in zip(columns, record, strict=False) if name}
        rows.append(CsvRow(line, cells))
    return CsvTable(columns, rows)
