"""Reading uploaded files (infrastructure/imports): lenient where people's files vary, refusing
what an attacker's could do, always saying what and where."""

import io
import zipfile

import pytest

from domain.errors import ImportFileRefused
from domain.imports import FileLocation, FileProblem
from domain.oneroster import FileMode
from domain.rosters import RosterEntry
from infrastructure.imports.oneroster_zip import read_oneroster
from infrastructure.imports.roster_csv import read_roster

LIMIT = 2**20


def refusal(read, *args) -> tuple[FileProblem, FileLocation, str]:
    with pytest.raises(ImportFileRefused) as refused:
        read(*args)
    return refused.value.problem, refused.value.location, refused.value.detail


def test_a_roster_is_read_whatever_its_bom_line_ends_column_order_case_and_spacing():
    data = (
        b"\xef\xbb\xbf Class ,EMAIL,Notes, Name \r\n"
        b'7B , ana@x.test ,hi,"Ana, Maria"\r\n\r\n'
        b",b@x.test,,Ben\n"
    )
    roster = read_roster(data)
    assert roster.entries == [
        RosterEntry(2, "Ana, Maria", "ana@x.test", "7B", ""),
        RosterEntry(4, "Ben", "b@x.test", "", ""),
    ]
    assert roster.ignored_columns == ["notes"]


def test_a_quoted_line_break_counts_its_lines():
    roster = read_roster(b'name,email\n"Two\nlines",a@x.test\nThird,b@x.test\n')
    assert [(e.line, e.name) for e in roster.entries] == [(2, "Two\nlines"), (4, "Third")]


@pytest.mark.parametrize(
    ("data", "problem", "line", "detail"),
    [
        (b"name,email\nAna,a@x.test\nB\xe9n,b@x.test\n", FileProblem.NOT_UTF8, 3, ""),
        (b"", FileProblem.NO_HEADER, 1, ""),
        (b"\n\n", FileProblem.NO_HEADER, 1, ""),
        (b"name,mail\n", FileProblem.MISSING_COLUMNS, 1, "email"),
        (b"Name,email,NAME\n", FileProblem.DUPLICATE_COLUMN, 1, "name"),
        (",".join(["c"] * 10_000).encode(), FileProblem.TOO_MANY_COLUMNS, 1, ""),
        (b"name,email\n" + b"," * 300 + b"\n", FileProblem.TOO_MANY_COLUMNS, 2, ""),
        (b"name,email\nx," + b"y" * 1001 + b"\n", FileProblem.CELL_TOO_LONG, 2, ""),
        (b"name,email," + b"y" * 1001 + b"\n", FileProblem.CELL_TOO_LONG, 1, ""),
        (b"name,email\nok,a@x.test\n\"open," + b"z" * 70_000, FileProblem.RECORD_TOO_LONG, 3, ""),
        (b"name,email\n" + b"a,b\n" * 100_001, FileProblem.TOO_MANY_ROWS, 100_002, ""),
    ],
)  # fmt: skip
def test_a_roster_that_cannot_be_read_is_refused_saying_what_and_where(data, problem, line, detail):
    assert refusal(read_roster, data) == (problem, FileLocation(None, line), detail)


def test_a_field_of_megabytes_never_reaches_the_csv_module_whole():
    # 8 MiB in one unquoted cell on one line: refused at the line's first 64 KiB.
    assert refusal(read_roster, b"name,email\n" + b"x" * 8 * 2**20)[0:2] == (
        FileProblem.RECORD_TOO_LONG, FileLocation(None, 2),
    )  # fmt: skip


# OneRoster bundles: the columns as the 1.1 and 1.2 CSV tables have them (docs/imports.md)


def csv_text(header: str, *rows: str) -> str:
    return "\n".join([header.replace(" ", ""), *rows]) + "\n"


MANIFEST_11 = csv_text(
    "propertyName,value", "manifest.version,1.0", "oneroster.version,1.1", "file.users,bulk",
    "file.classes,bulk", "file.enrollments,delta", "file.orgs,bulk",
)  # fmt: skip
USERS_11 = csv_text(
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    " givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password",
    "u1,,,true,o1,teacher,tess,,Tess,Teach,,,tess@x.test,,,,,",
)
CLASSES = csv_text(
    "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
    " location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    "c1,,,Maths 7B,,,M7B,scheduled,,o1,t1,,,",
)
ENROLLMENTS = csv_text(
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
    " primary,beginDate,endDate",
    "e1,active,,c1,o1,u1,teacher,true,,",
)
USERS_12 = csv_text(
    "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,"
    " middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,"
    " userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,"
    " preferredFamilyName,primaryOrgSourcedId,pronouns",
    "u1,active,,true,tess,,Tess,Teach,,,tess@x.test,,,,,,,,Tessa,,,o1,",
)
ROLES_12 = csv_text(
    "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
    " orgSourcedId,userProfileSourcedId",
    "r1,active,,u1,secondary,aide,,,o1,",
    "r2,active,,u1,primary,teacher,,,o1,",
    "r3,tobedeleted,,u1,primary,student,,,o1,",
)


def bundle(files: dict[str, str | bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def school_11(**more: str | bytes) -> dict[str, str | bytes]:
    return {
        "manifest.csv": MANIFEST_11,
        "users.csv": USERS_11,
        "classes.csv": CLASSES,
        "enrollments.csv": ENROLLMENTS,
        "orgs.csv": "sourcedId,name\no1,School\n",
        **more,
    }


def test_a_oneroster_1_1_bundle_is_read_with_its_modes():
    read = read_oneroster(bundle(school_11()), LIMIT)
    assert read.version == "1.1"
    assert read.mode("users.csv") is FileMode.BULK
    assert read.mode("enrollments.csv") is FileMode.DELTA
    (user,) = read.users
    assert (user.line, user.sourced_id, user.roles, user.given_name, user.email) == (
        2, "u1", ("teacher",), "Tess", "tess@x.test",
    )  # fmt: skip
    assert [(c.sourced_id, c.title) for c in read.classes] == [("c1", "Maths 7B")]
    (enrollment,) = read.enrollments
    assert (enrollment.class_sourced_id, enrollment.user_sourced_id, enrollment.primary) == (
        "c1", "u1", "true",
    )  # fmt: skip


def test_a_oneroster_1_2_bundle_takes_roles_from_roles_csv_the_primary_first():
    manifest = MANIFEST_11.replace("version,1.1", "version,1.2") + "file.roles,bulk\n"
    files = school_11(**{"manifest.csv": manifest, "users.csv": USERS_12, "roles.csv": ROLES_12})
    (user,) = read_oneroster(bundle(files), LIMIT).users
    assert (user.roles, user.preferred_given_name) == (("teacher", "aide"), "Tessa")


WITHOUT_CLASSES = {k: v for k, v in school_11().items() if k != "classes.csv"}
BAD_USERS = b"sourcedId,givenName,familyName\n\xff\n"


@pytest.mark.parametrize(
    ("files", "problem", "file", "detail"),
    [
        ({"users.csv": USERS_11}, FileProblem.MISSING_FILE, "manifest.csv", ""),
        (school_11(**{"manifest.csv": MANIFEST_11.replace("1.1", "2.0")}),
         FileProblem.UNSUPPORTED_VERSION, "manifest.csv", "2.0"),
        (school_11(**{"manifest.csv": MANIFEST_11 + "file.roles,sometimes\n"}),
         FileProblem.BAD_MANIFEST, "manifest.csv", "file.roles.csv"),
        (WITHOUT_CLASSES, FileProblem.MISSING_FILE, "classes.csv", ""),
        (school_11(**{"../users.csv": "x"}), FileProblem.UNSAFE_ZIP_ENTRY, None, "'../users.csv'"),
        (school_11(**{"/etc/passwd": "x"}), FileProblem.UNSAFE_ZIP_ENTRY, None, "'/etc/passwd'"),
        (school_11(**{"c:\\u.csv": "x"}), FileProblem.UNSAFE_ZIP_ENTRY, None, "'c:\\\\u.csv'"),
        (school_11(**{"users.csv": BAD_USERS}), FileProblem.NOT_UTF8, "users.csv", ""),
        (school_11(**{"classes.csv": "sourcedId\nc1\n"}),
         FileProblem.MISSING_COLUMNS, "classes.csv", "title"),
        ({f"f{n}.csv": "x" for n in range(65)}, FileProblem.ZIP_TOO_LARGE, None,
         "more than 64 files"),
    ],
)  # fmt: skip
def test_a_bundle_that_cannot_be_read_is_refused_saying_what_and_where(
    files, problem, file, detail
):
    found_problem, location, found_detail = refusal(read_oneroster, bundle(files), LIMIT)
    assert (found_problem, location.file, found_detail) == (problem, file, detail)


def test_a_zip_bomb_is_refused_after_reading_no_more_than_the_limit():
    bomb = b"0" * (64 * 2**20)  # 64 MiB of zeros: a few dozen KiB compressed
    data = bundle(school_11(**{"users.csv": b"sourcedId,givenName,familyName\n" + bomb}))
    assert len(data) < 2**20
    problem, location, _ = refusal(read_oneroster, data, 8 * 2**20)
    assert (problem, location.file) == (FileProblem.ZIP_TOO_LARGE, "users.csv")


def test_files_that_are_not_zips_are_refused():
    for data in (b"", b"PK\x03\x04 broken", b"sourcedId,name\n", bytes(range(256)) * 10):
        assert refusal(read_oneroster, data, LIMIT)[0] is FileProblem.NOT_A_ZIP


def test_a_name_given_twice_in_the_zip_is_refused():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for name, text in school_11().items():
            archive.writestr(name, text)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("users.csv", USERS_11)
    problem, location, detail = refusal(read_oneroster, data.getvalue(), LIMIT)
    assert (problem, location.file, detail) == (
        FileProblem.UNSAFE_ZIP_ENTRY, "users.csv", "named twice",
    )  # fmt: skip
