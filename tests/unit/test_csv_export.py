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


@pytest.mark.parametrize(
    "start",
    ["\x0b=", "\x0c=", "\x1f=", "\x85=", "\u2000=", "\u3000=", "\u2028=", "\u2029=", "\u180e=",
     "\u200e=", "\u202e=", "\uff1d", "\uff0b", "\uff0d", "\uff20", " \u3000\u200e\"\uff1d",
     "\x1f\t"],
)  # fmt: skip
def test_a_formula_after_any_space_control_or_format_character_or_fullwidth_gets_an_apostrophe(
    start,
):
    text = start + "SUM(A1)"
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["\u3000Zoë", "\u200eabc", "\x0b1", ' "x=1', "\uff21=1", "\uff15-1", "\u2028"]
)
def test_invisible_characters_before_plain_text_change_nothing(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", ["Zoë Ünal", "a=b", "x-1", "", 5, -3, 1.5, None])
def test_everything_else_is_left_as_it_is(value):
    assert safe_cell(value) == value
