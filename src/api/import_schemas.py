"""The bodies imports answer with (msgspec, camelCase): each row's outcome and reason, the
counts, and after an apply the links to hand over."""

from uuid import UUID

from msgspec import Struct

from domain.oneroster import SyncOutcome
from domain.rosters import RowOutcome


class ImportLinkResponse(Struct, rename="camel"):
    user_id: UUID
    name: str
    email: str
    link: str  # the page where they choose their password; it works once
    expires_at: str


class RosterRowResponse(Struct, rename="camel"):
    line: int
    name: str
    email: str
    class_name: str | None  # the class the row goes into, if any
    outcome: RowOutcome
    reason: str | None  # why it is refused: a code (see docs/imports.md)
    message: str | None  # the same, in words
    new_class: bool  # the class is made by this import


class RosterCounts(Struct):
    created: int
    enrolled: int
    unchanged: int
    refused: int


class RosterImportResponse(Struct, rename="camel"):
    applied: bool  # false: a preview, nothing was changed
    counts: RosterCounts
    classes_created: list[str]
    ignored_columns: list[str]
    rows: list[RosterRowResponse]
    links: list[ImportLinkResponse]  # applied: one per account made
    links_csv: str | None  # the same as CSV (name,email,link,expires_at), to download


class SyncRowResponse(Struct, rename="camel"):
    file: str
    line: int | None  # none: a record the bulk file left out
    sourced_id: str
    subject: str
    outcome: SyncOutcome
    reason: str | None
    message: str | None


class SyncPersonResponse(Struct):
    id: UUID
    name: str
    email: str


class OneRosterImportResponse(Struct, rename="camel"):
    applied: bool
    version: str
    modes: dict[str, str]  # the manifest's mode of each file the sync reads
    counts: dict[str, dict[str, int]]  # per file, per outcome
    # Inactive or gone in the SIS, and active again after a sync deactivated them (preview:
    # to be); see docs/imports.md.
    deactivated: list[SyncPersonResponse]
    reactivated: list[SyncPersonResponse]
    rows: list[SyncRowResponse]
    links: list[ImportLinkResponse]
    links_csv: str | None
