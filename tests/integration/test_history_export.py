"""The full-history CSV, written by PostgreSQL (COPY), is byte for byte what the CSV writer in
Python wrote before it: the same header and columns, quoting, CRLF line ends, ISO 8601 UTC
times, true/false and neutralised formula cells, for a class with hostile names and emails,
corrections, a student removed and several sessions. The reference below is that writer
(api/csv_export.py) over the records read plainly; the pages the export is read in are checked
against the fakes and PostgreSQL alike."""

import asyncio
from datetime import timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from api.csv_export import csv_text
from api.schemas import iso_timestamp
from domain.users import Role
from infrastructure.database.urls import plain_url
from tests.integration import test_repository_contract as contract
from tests.integration.test_records import enable, run_session, set_users

HEADER = (
    "session_id", "started_at", "ended_at", "student_id", "name", "email", "status",
    "original_status", "corrected",
)  # fmt: skip

# (name, email) of each student: formulas after every kind of lead-in, separators, quotes and
# line breaks inside cells, empty cells, and plain text that must stay as it is.
HOSTILE = [
    ('=HYPERLINK("http://evil.example","x")', "=cmd@evil.example"),
    ("+1+2", "-1@evil.example"),
    ("@SUM(A1)", "@x@evil.example"),
    ("\t=1", "\r=2@evil.example"),
    (' "=1"', "'=x@evil.example"),
    ("\u200b=1", "\ufeff@x.example"),
    ("\uff1dSUM(A1)", "\u3000\uff0b1@x.example"),
    ('Ann, the "Quoted"\r\nLee', "ann,lee@x.example"),
    ("Line\nbreak", "plain@x.example"),
    ("", ""),
    ("\u3000Zoë Ünal", "zoe@x.example"),
    ("a=b", "x-1@x.example"),
    ("-", "\x0b=@x.example"),
]

_RECORDS = """
    SELECT s.id AS session_id, s.started_at, s.ended_at, a.student_id, u.name, u.email,
           COALESCE(a.corrected_status, a.status) AS status, a.status AS original,
           a.corrected_status IS NOT NULL AS corrected
    FROM attendance_sessions s JOIN attendance a ON a.session_id = s.id
    JOIN users u ON u.id = a.student_id
    WHERE s.class_id = $1 AND s.ended_at IS NOT NULL
    ORDER BY s.started_at, s.id, u.name, u.id"""


async def _records(database_url: str, class_id: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(plain_url(database_url))
    try:
        return await connection.fetch(_RECORDS, UUID(class_id))
    finally:
        await connection.close()


def python_export(database_url: str, class_id: str) -> bytes:
    """The export as the CSV writer in Python wrote it."""
    rows = [
        (
            str(row["session_id"]), iso_timestamp(row["started_at"]),
            iso_timestamp(row["ended_at"]), str(row["student_id"]), row["name"], row["email"],
            row["status"], row["original"], "true" if row["corrected"] else "false",
        )
        for row in asyncio.run(_records(database_url, class_id))
    ]  # fmt: skip
    return csv_text(HEADER, rows).encode()


def test_the_export_is_byte_for_byte_what_the_python_writer_wrote(
    api, make_account, make_class, start_session, live, database_url
):
    teacher = make_account("teacher")
    students = [make_account() for _ in HOSTILE]
    classroom = make_class(teacher, *students)
    enable(api, teacher, classroom, "late", "excused")
    statuses = ["present", "absent", "late", "excused"]
    for session in range(3):
        marks = {s: statuses[(n + session) % 4] for n, s in enumerate(students) if n % 3}
        run_session(start_session, live, teacher, classroom, marks)
    hostile = dict(zip([s.id for s in students], HOSTILE, strict=True))
    asyncio.run(set_users(database_url, "name", {i: name for i, (name, _) in hostile.items()}))
    asyncio.run(set_users(database_url, "email", {i: email for i, (_, email) in hostile.items()}))
    path = f"/class/{classroom['id']}"
    sessions = api.get(f"{path}/attendance", headers=teacher.auth).json()["data"]
    for session, student, status in (
        (sessions[0], students[0], "present"),
        (sessions[0], students[0], "late"),  # corrected twice
        (sessions[2], students[7], "excused"),
    ):
        corrected = api.post(
            f"{path}/attendance/{session['id']}/corrections",
            json={"studentId": str(student.id), "status": status},
            headers=teacher.auth,
        )
        assert corrected.status_code == 201, corrected.text
    removed = api.delete(f"{path}/students/{students[1].id}", headers=teacher.auth)
    assert removed.status_code == 200  # their records stay in the history

    exported = api.get(f"{path}/attendance.csv", headers=teacher.auth)
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    expected = python_export(database_url, classroom["id"])
    assert expected.count(b"\r\n") > 1 + 3 * len(students)  # line breaks inside cells too
    assert b"'=HYPERLINK" in expected and b"'\xef\xbc\x9dSUM" in expected  # neutralised
    assert exported.content == expected


def test_a_class_with_no_history_exports_the_header_only(api, make_account, make_class):
    teacher = make_account("teacher")
    classroom = make_class(teacher, make_account())
    exported = api.get(f"/class/{classroom['id']}/attendance.csv", headers=teacher.auth)
    assert exported.content == ("\ufeff" + ",".join(HEADER) + "\r\n").encode()


# The pages the export is read in: whole sessions, oldest first, against the fakes and
# PostgreSQL alike (test_repository_contract's fixtures).

anyio_backend = contract.anyio_backend
database_url_or_none = contract.database_url_or_none
uow = contract.uow


@pytest.mark.anyio
async def test_history_pages_hold_whole_sessions_oldest_first_until_none_is_left(uow):
    teacher, *students = [
        await contract.add_user(uow, role) for role in (Role.TEACHER, *[Role.STUDENT] * 3)
    ]
    classroom, sessions = await contract.add_class(uow, teacher, *students), []
    for hour in (3, 1, 2, 4):  # started out of order
        session = await contract.open_session(
            uow, classroom, contract.START + timedelta(hours=hour)
        )
        await contract.finish(uow, session, contract.START + timedelta(hours=hour, minutes=50))
        sessions.append((session.started_at, session.id))
    await contract.open_session(uow, classroom, contract.START + timedelta(hours=5))  # live
    oldest_first = [session_id for _, session_id in sorted(sessions)]

    async def pages(sessions: int) -> list[list]:
        found, after, header = [], None, True
        while True:
            async with uow() as unit:
                page = await unit.views.history_csv_page(
                    classroom.id, after, sessions, header=header
                )
            lines = page.csv.decode().split("\r\n")
            assert lines.pop() == ""  # every line ends with CRLF
            if header:
                assert lines.pop(0) == ",".join(HEADER)
            found.append([UUID(line.split(",")[0]) for line in lines])
            assert page.rows == len(found[-1]) and page.sessions == len(set(found[-1]))
            if page.after is None:
                return found
            assert page.after[1] == found[-1][-1]
            after, header = page.after, False

    assert await pages(1) == [[s] * 3 for s in oldest_first]
    assert await pages(2) == [
        [oldest_first[0]] * 3 + [oldest_first[1]] * 3,
        [oldest_first[2]] * 3 + [oldest_first[3]] * 3,
    ]
    assert await pages(4) == [[s for s in oldest_first for _ in range(3)]]
    async with uow() as unit:  # a class with no history: the header only
        empty = await unit.views.history_csv_page(uuid4(), None, 10, header=True)
        assert (empty.csv, empty.rows) == ((",".join(HEADER) + "\r\n").encode(), 0)
        assert (await unit.views.history_csv_page(uuid4(), None, 10)).csv == b""
