"""A roster CSV (`name,email[,class][,teacher]`, a header row first) as the domain's entries."""

from domain.rosters import RosterEntry, RosterFile
from infrastructure.imports.csv_tables import read_table

ROSTER_COLUMNS = ("name", "email", "class", "teacher")
REQUIRED_COLUMNS = ("name", "email")


def read_roster(data: bytes) -> RosterFile:
    table = read_table(data, required=REQUIRED_COLUMNS)
    entries = [
        RosterEntry(row.line, row["name"], row["email"], row["class"], row["teacher"])
        for row in table.rows
    ]
    ignored = [name for name in table.columns if name and name not in ROSTER_COLUMNS]
    return RosterFile(entries, ignored)
