"""COPY ends lines with LF; the export's lines end with CRLF, as the CSV writer's do, and a LF
inside a quoted cell stays as it is, wherever the chunks COPY hands over happen to split."""

import csv
import io

from infrastructure.database.history_csv import CrlfLines

ROWS = [
    ["a", "plain"],
    ["b", 'quoted "and" doubled'],
    ["c", "line\nbreak, inside"],
    ["d", '"\n"'],
    ["e", "\r\n"],
    ["f", ""],
]


def written(lineterminator: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=lineterminator).writerows(ROWS)
    return buffer.getvalue().encode()


def test_lines_end_with_crlf_and_cells_keep_their_line_breaks_however_the_chunks_split():
    copied, expected = written("\n"), written("\r\n")
    assert CrlfLines()(copied) == expected
    for first in range(len(copied) + 1):
        for second in range(first, len(copied) + 1, 7):
            to_crlf = CrlfLines()
            chunks = (copied[:first], copied[first:second], copied[second:])
            assert b"".join(to_crlf(chunk) for chunk in chunks) == expected, (first, second)
