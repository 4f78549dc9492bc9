"""No cell of an export that a spreadsheet could run as a formula (OWASP's "CSV injection"):
text that begins with =, +, -, @ (or their fullwidth forms), a tab, a carriage return or a
line feed, also after quotes or any characters that an importer may trim (every space,
separator, control or format character by its Unicode category), gets a leading apostrophe.
The CSV writer applies it in Python; the full-history export, written by PostgreSQL, applies
the same rule in SQL (infrastructure/database/formula_cells.py), built from these sets."""

from unicodedata import category

# Fullwidth = + - @ too: spreadsheets in East Asian locales take them as the ASCII ones.
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
QUOTES = frozenset("\"'")
# What may stand before a formula: spaces and separators (Zs, Zl, Zp), control characters (Cc)
# and invisible format characters (Cf: zero-width spaces, direction marks, the BOM).
TRIMMED_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


def passed_over(char: str) -> bool:
    """Whether a spreadsheet or an importer may look past `char` for a formula's start."""
    return char in QUOTES or category(char) in TRIMMED_CATEGORIES


def safe_cell(value: object) -> object:
    # Per cell of large exports: most begin with a letter or a digit, decided at once.
    if not isinstance(value, str) or not value or value[0].isalnum():
        return value
    for char in value:
        if char in FORMULA_STARTS:  # before the categories: tab, CR and LF are Cc
            return "'" + value
        if not passed_over(char):
            return value
    return value
