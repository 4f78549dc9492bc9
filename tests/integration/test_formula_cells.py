"""PostgreSQL's neutraliser of formula cells (the full-history export's, in SQL) does what the
CSV writer's in Python does: on the shared table of hostile cells, and on every code point
there is, alone, before a formula and before plain text."""

import asyncio

import asyncpg

from domain.spreadsheet_cells import safe_cell
from infrastructure.database.formula_cells import LAST_CODE_POINT, safe_cell_sql
from infrastructure.database.urls import plain_url
from tests.hostile_cells import NEUTRALISED, UNCHANGED


def in_sql(database_url: str, cells: list[str]) -> list[str]:
    async def run() -> list[str]:
        connection = await asyncpg.connect(plain_url(database_url))
        try:
            rows = await connection.fetch(
                f"SELECT {safe_cell_sql('cell')} AS safe"
                " FROM unnest($1::text[]) WITH ORDINALITY AS c(cell, n) ORDER BY n",
                cells,
            )
            return [row["safe"] for row in rows]
        finally:
            await connection.close()

    return asyncio.run(run())


def test_the_table_of_hostile_cells_is_neutralised_alike(database_url):
    assert in_sql(database_url, NEUTRALISED) == ["'" + cell for cell in NEUTRALISED]
    assert in_sql(database_url, UNCHANGED) == UNCHANGED
    assert in_sql(database_url, [None]) == [None]


def test_every_code_point_is_taken_alike(database_url):
    characters = [
        chr(code_point)
        for code_point in range(1, LAST_CODE_POINT + 1)
        if not 0xD800 <= code_point <= 0xDFFF  # surrogates: no text holds them
    ]
    for tail in ("", "=1", "a", "\u200b+"):
        cells = [character + tail for character in characters]
        found = in_sql(database_url, cells)
        differ = [cell for cell, safe in zip(cells, found, strict=True) if safe != safe_cell(cell)]
        assert differ == [], [hex(ord(cell[0])) for cell in differ[:20]]
