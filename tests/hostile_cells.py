"""One table of cells for both neutralisers of formula cells: the CSV writer's in Python
(domain.spreadsheet_cells.safe_cell) and the one PostgreSQL applies when it writes an export
itself (infrastructure/database/formula_cells.py). Each is checked against it, so the two
cannot drift."""

# Text a spreadsheet could run as a formula: each gets a leading apostrophe.
NEUTRALISED = [
    "=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", " =1", '"=1"', "'=1", "\u200b=1",
    "\ufeff@x", "\u00a0+1", '=HYPERLINK("http://evil.example","x")', "-", "=",
    # a formula after any space, control or format character, or fullwidth
    *(
        start + "SUM(A1)"
        for start in (
            "\x0b=", "\x0c=", "\x1f=", "\x85=", "\u2000=", "\u3000=", "\u2028=", "\u2029=",
            "\u180e=", "\u200e=", "\u202e=", "\uff1d", "\uff0b", "\uff0d", "\uff20",
            " \u3000\u200e\"\uff1d", "\x1f\t", "\U000e0001=", "\U0001d173+",
        )
    ),
]  # fmt: skip

# Text left as it is: invisible characters before plain text, a formula sign later on,
# letters and digits of any script.
UNCHANGED = [
    "\u3000Zoë", "\u200eabc", "\x0b1", ' "x=1', "\uff21=1", "\uff15-1", "\u2028", "Zoë Ünal",
    "a=b", "x-1", "", "Ünal", "1=1", "\u00e9=", "\u4e2d=1", "#=1", "(=1)", "\U0001f600=1",
]  # fmt: skip
