"""What every import reads: a file someone uploaded (a roster CSV, a OneRoster bundle). A file
that cannot be read as a whole is refused with its problem and where it is (ImportFileRefused);
a file that can is read row by row, and each row is taken or refused on its own."""

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# Any one CSV file of an import: at most this many rows, this many columns, and cells of at
# most this many characters (a name is 100, an email 254: a longer cell is no roster's).
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELL_CHARACTERS = 1_000
# A row's text, quoted line breaks included: a longer one is almost always an unclosed quote.
MAX_ROW_CHARACTERS = 64 * 1024
# What a refusal may quote of the file (a column's name, a zip member's).
MAX_QUOTED_CHARACTERS = 120


class FileProblem(StrEnum):
    """Why a whole file is refused (the api says each in words)."""

    NOT_UTF8 = "not-utf8"
    MALFORMED_CSV = "malformed-csv"
    RECORD_TOO_LONG = "record-too-long"
    CELL_TOO_LONG = "cell-too-long"
    TOO_MANY_COLUMNS = "too-many-columns"
    TOO_MANY_ROWS = "too-many-rows"
    NO_HEADER = "no-header"
    DUPLICATE_COLUMN = "duplicate-column"
    MISSING_COLUMNS = "missing-columns"
    NOT_A_ZIP = "not-a-zip"
    UNSAFE_ZIP_ENTRY = "unsafe-zip-entry"
    ZIP_TOO_LARGE = "zip-too-large"
    MISSING_FILE = "missing-file"
    UNSUPPORTED_VERSION = "unsupported-version"
    BAD_MANIFEST = "bad-manifest"


@dataclass(frozen=True, slots=True)
class FileLocation:
    """Where in an upload a problem is: the file (a bundle's member; None for a lone CSV) and
    the line (1 is the first; None for the file as a whole)."""

    file: str | None = None
    line: int | None = None


def has_control_characters(text: str) -> bool:
    """Control characters (C0, DEL, C1) or unpaired surrogates: no name holds them, and
    PostgreSQL cannot store NUL."""
    return any(unicodedata.category(char) in ("Cc", "Cs") for char in text)


def display_name(*parts: str) -> str:
    """A person's name from its parts: trimmed, single spaces, empty parts left out."""
    return " ".join(" ".join(part.split()) for part in parts if part.strip())
