"""A OneRoster CSV bundle (a zip) as the domain's records (domain/oneroster.py).

The zip is read in memory and never extracted: member names play no part in any path, yet a
name that tries (absolute, `..`, backslashes) refuses the bundle, as does an encrypted member, a
name given twice, or more than MAX_MEMBERS members. Only the files at the zip's top level that
the sync reads are decompressed, counting the bytes as they come (a member's declared size may
lie): past `max_uncompressed_bytes` in all, the bundle is refused (a zip bomb stops there)."""

import io
import zipfile
from collections.abc import Mapping

from domain.errors import ImportFileRefused
from domain.imports import MAX_QUOTED_CHARACTERS, FileLocation, FileProblem
from domain.oneroster import (
    CLASSES_FILE,
    ENROLLMENTS_FILE,
    SUPPORTED_VERSIONS,
    USERS_FILE,
    FileMode,
    OneRosterBundle,
    OneRosterClass,
    OneRosterEnrollment,
    OneRosterUser,
    RecordStatus,
    record_status,
)
from infrastructure.imports.csv_tables import CsvTable, read_table

MANIFEST_FILE = "manifest.csv"
ROLES_FILE = "roles.csv"  # 1.2: a user's roles, no longer a column of users.csv
MAX_MEMBERS = 64
CHUNK_BYTES = 64 * 1024
REQUIRED_COLUMNS = {
    MANIFEST_FILE: ("propertyname", "value"),
    USERS_FILE: ("sourcedid", "givenname", "familyname"),
    ROLES_FILE: ("usersourcedid", "role"),
    CLASSES_FILE: ("sourcedid", "title"),
    ENROLLMENTS_FILE: ("sourcedid", "classsourcedid", "usersourcedid", "role"),
}


def _refuse(problem: FileProblem, file: str | None = None, detail: str = "") -> ImportFileRefused:
    return ImportFileRefused(problem, FileLocation(file), detail)


class _Members:
    """The zip's members the sync may read, decompressed within the bound."""

    def __init__(self, data: bytes, max_uncompressed_bytes: int) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
            raise _refuse(FileProblem.NOT_A_ZIP) from None
        if len(infos) > MAX_MEMBERS:
            raise _refuse(FileProblem.ZIP_TOO_LARGE, detail=f"more than {MAX_MEMBERS} files")
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            _check_name(info)
            if info.filename in self._infos:
                name = info.filename[:MAX_QUOTED_CHARACTERS]
                raise _refuse(FileProblem.UNSAFE_ZIP_ENTRY, name, "named twice")
            self._infos[info.filename] = info
        self._budget = max_uncompressed_bytes

    def __contains__(self, name: str) -> bool:
        return name in self._infos

    def read(self, name: str) -> bytes:
        info = self._infos.get(name)
        if info is None:
            raise _refuse(FileProblem.MISSING_FILE, name)
        if info.flag_bits & 0x1:
            raise _refuse(FileProblem.UNSAFE_ZIP_ENTRY, name, "encrypted")
        if info.file_size > self._budget:
            raise _refuse(FileProblem.ZIP_TOO_LARGE, name)
        parts = []
        try:
            with self._zip.open(info) as member:
                while chunk := member.read(CHUNK_BYTES):
                    self._budget -= len(chunk)
                    if self._budget < 0:
                        raise _refuse(FileProblem.ZIP_TOO_LARGE, name)
                    parts.append(chunk)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError):
            raise _refuse(FileProblem.NOT_A_ZIP, name) from None
        return b"".join(parts)

    def table(self, name: str) -> CsvTable:
        return read_table(self.read(name), name, REQUIRED_COLUMNS[name])


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.orig_filename
    parts = name.replace("\\", "/").split("/")
    if (
        name.startswith(("/", "\\"))
        or "\\" in name
        or "\x00" in name
        or ".." in parts
        or ":" in parts[0]
    ):
        raise _refuse(FileProblem.UNSAFE_ZIP_ENTRY, detail=repr(name)[:MAX_QUOTED_CHARACTERS])


def _manifest(members: _Members) -> tuple[str, dict[str, FileMode]]:
    properties = {row["propertyname"]: row["value"] for row in members.table(MANIFEST_FILE).rows}
    version = properties.get("oneroster.version", "")
    if version not in SUPPORTED_VERSIONS:
        raise _refuse(FileProblem.UNSUPPORTED_VERSION, MANIFEST_FILE, version[:20])
    modes = {}
    for file in (USERS_FILE, ROLES_FILE, CLASSES_FILE, ENROLLMENTS_FILE):
        mode = properties.get(f"file.{file.removesuffix('.csv')}", "absent").lower()
        try:
            modes[file] = FileMode(mode)
        except ValueError:
            raise _refuse(FileProblem.BAD_MANIFEST, MANIFEST_FILE, f"file.{file}") from None
    return version, modes


def _roles(members: _Members, modes: Mapping[str, FileMode]) -> dict[str, tuple[str, ...]]:
    """1.2's roles.csv: each user's active roles, the primary one first."""
    if modes[ROLES_FILE] is FileMode.ABSENT:
        return {}
    found: dict[str, list[tuple[bool, str]]] = {}
    for row in members.table(ROLES_FILE).rows:
        if record_status(row["status"]) is RecordStatus.ACTIVE:
            primary = row["roletype"].lower() == "primary"
            found.setdefault(row["usersourcedid"], []).append((not primary, row["role"]))
    return {user: tuple(role for _, role in sorted(roles)) for user, roles in found.items()}


def read_oneroster(data: bytes, max_uncompressed_bytes: int) -> OneRosterBundle:
    members = _Members(data, max_uncompressed_bytes)
    version, modes = _manifest(members)
    bundle = OneRosterBundle(version, modes=modes)
    if modes[USERS_FILE] is not FileMode.ABSENT:
        roles = _roles(members, modes)
        table = members.table(USERS_FILE)
        has_role = "role" in table.columns
        bundle.users.extend(
            OneRosterUser(
                row.line,
                row["sourcedid"],
                row["status"],
                row["enableduser"],
                (row["role"],) if has_role else roles.get(row["sourcedid"], ()),
                row["givenname"],
                row["familyname"],
                row["email"],
                row["username"],
                row["preferredgivenname"],
                row["preferredfamilyname"],
            )
            for row in table.rows
        )
    if modes[CLASSES_FILE] is not FileMode.ABSENT:
        bundle.classes.extend(
            OneRosterClass(row.line, row["sourcedid"], row["status"], row["title"])
            for row in members.table(CLASSES_FILE).rows
        )
    if modes[ENROLLMENTS_FILE] is not FileMode.ABSENT:
        bundle.enrollments.extend(
            OneRosterEnrollment(
                row.line,
                row["sourcedid"],
                row["status"],
                row["classsourcedid"],
                row["usersourcedid"],
                row["role"],
                row["primary"],
            )
            for row in members.table(ENROLLMENTS_FILE).rows
        )
    return bundle
