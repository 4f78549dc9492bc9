"""No cell of our CSV can be run as a formula by a spreadsheet (tests/hostile_cells.py holds
the cells; PostgreSQL's neutraliser is checked against the same table)."""

import pytest

from domain.spreadsheet_cells import safe_cell
from tests.hostile_cells import NEUTRALISED, UNCHANGED


@pytest.mark.parametrize("text", NEUTRALISED)
def test_text_that_could_start_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [*UNCHANGED, 5, -3, 1.5, None])
def test_everything_else_is_left_as_it_is(value):
    assert safe_cell(value) == value
