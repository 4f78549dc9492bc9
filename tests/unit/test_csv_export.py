"""No cell of our CSV can be run as a formula by a spreadsheet."""

import pytest

from api.csv_export import safe_cell


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", " =1", '"=1"', "'=1", "\u200b=1",
     "\ufeff@x", "\u00a0+1"],
)  # fmt: skip
def test_text_that_could_start_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Zoë Ünal", "a=b", "x-1", "", 5, -3, 1.5, None])
def test_everything_else_is_left_as_it_is(value):
    assert safe_cell(value) == value
