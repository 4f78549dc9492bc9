"""The domain's rule against formula cells (domain/spreadsheet_cells.py) in SQL, for exports
that PostgreSQL writes itself (COPY). The pattern is built from the rule's own sets, code
point by code point, so it does not depend on PostgreSQL's idea of Unicode; a test runs every
code point through both (tests/integration/test_formula_cells.py)."""

from collections.abc import Iterable
from functools import cache

from domain.spreadsheet_cells import FORMULA_STARTS, passed_over

LAST_CODE_POINT = 0x10FFFF


def _escaped(code_point: int) -> str:
    return f"\\u{code_point:04x}" if code_point <= 0xFFFF else f"\\U{code_point:08x}"


def _bracket(code_points: Iterable[int]) -> str:
    """A bracket expression of those code points, as ranges, every one escaped."""
    ranges: list[list[int]] = []
    for code_point in sorted(code_points):
        if ranges and ranges[-1][1] == code_point - 1:
            ranges[-1][1] = code_point
        else:
            ranges.append([code_point, code_point])
    parts = (
        _escaped(first) if first == last else f"{_escaped(first)}-{_escaped(last)}"
        for first, last in ranges
    )
    return "[" + "".join(parts) + "]"


@cache
def formula_pattern() -> str:
    """A PostgreSQL regular expression for the text the rule neutralises: characters that may
    be passed over, then a formula's start. Every code point is looked up once, on first use
    (about 0.2 s). NUL is left out: PostgreSQL's text never holds it."""
    lead_in = (
        code_point
        for code_point in range(1, LAST_CODE_POINT + 1)
        if chr(code_point) in FORMULA_STARTS or passed_over(chr(code_point))
    )
    return "^" + _bracket(lead_in) + "*" + _bracket(map(ord, FORMULA_STARTS))


def safe_cell_sql(text: str) -> str:
    """SQL for the text expression `text` as safe_cell leaves it (NULL stays NULL). Text that
    begins with an ASCII letter or digit, nearly all of it, is decided without the pattern."""
    first = f"ascii({text})"
    return (
        f"CASE WHEN {first} BETWEEN 97 AND 122 OR {first} BETWEEN 65 AND 90"
        f" OR {first} BETWEEN 48 AND 57 THEN {text}"
        f" WHEN {text} ~ '{formula_pattern()}' THEN '''' || {text} ELSE {text} END"
    )
