"""What an import's one transaction guarantees, against the real database: a failure part-way
changes nothing; two imports of one file at once end as if one ran after the other; a sign-up
that takes one of the file's emails meanwhile is met, not duplicated; and the classes hear who
joined, as POST /class/{id}/add-student makes them hear it."""

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from domain.ports import Unavailable
from domain.rosters import RowOutcome
from domain.users import NO_PASSWORD, Identity, Role
from infrastructure.clock import SystemClock
from infrastructure.database.imports import SqlImportRepository
from infrastructure.database.pool import Database
from infrastructure.database.unit_of_work import PostgresUnitOfWork
from infrastructure.database.urls import plain_url
from infrastructure.imports.readers import ImportFileReader
from services.roster_import import RosterImportService
from tests.integration import test_admin_api
from tests.unit.fakes import RecordingEventBus

pytestmark = pytest.mark.anyio
make_admin = test_admin_api.make_admin  # the fixture, shared
ADMIN = Identity(uuid4(), Role.ADMIN)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def database(server, database_url) -> AsyncIterator[Database]:
    async with Database(plain_url(database_url), size=4) as database:
        yield database


def fresh_emails(count: int) -> list[str]:
    return [f"s{n}.{uuid4().hex[:10]}@school.test" for n in range(count)]


def roster(emails: list[str], class_name: str = "") -> bytes:
    rows = [f"Student {n},{email},{class_name}" for n, email in enumerate(emails)]
    return ("name,email,class\n" + "\n".join(rows) + "\n").encode()


def importer_for(database: Database, imports=SqlImportRepository) -> RosterImportService:
    """The roster import on the test database, with another import repository if given."""

    class UnitOfWork(PostgresUnitOfWork):
        async def __aenter__(self):
            await super().__aenter__()
            self.imports = imports(self._connector)
            return self

    return RosterImportService(
        lambda: UnitOfWork(database),
        ImportFileReader(2**20),
        RecordingEventBus(),
        SystemClock(),
        timedelta(days=1),
    )


async def accounts_with(database: Database, emails: list[str]) -> list[asyncpg.Record]:
    async with database.loan() as connection:
        return await connection.fetch(
            "SELECT id, email, password, role FROM users WHERE lower(email) = ANY($1)"
            " ORDER BY email",
            [email.lower() for email in emails],
        )


async def class_of(database: Database, teacher_id: UUID) -> tuple[UUID, str]:
    class_id, name = uuid4(), f"Class {uuid4().hex[:8]}"
    async with database.loan() as connection:
        await connection.execute(
            "INSERT INTO classes (id, class_name, teacher_id) VALUES ($1, $2, $3)",
            class_id, name, teacher_id,
        )  # fmt: skip
    return class_id, name


async def roster_of(database: Database, class_id: UUID) -> list[UUID]:
    async with database.loan() as connection:
        return list(
            await connection.fetchval("SELECT student_ids FROM classes WHERE id = $1", class_id)
        )


async def test_an_import_that_fails_part_way_changes_nothing(database, make_account):
    class FailingAfterTheAccounts(SqlImportRepository):
        async def save_classes(self, classes):  # after the accounts were inserted
            raise ConnectionResetError("the database went away part-way")

    class_id, name = await class_of(database, make_account("teacher").id)
    emails = fresh_emails(3)
    with pytest.raises(Unavailable):  # what the api answers 503
        await importer_for(database, FailingAfterTheAccounts).apply(ADMIN, roster(emails, name))
    assert await accounts_with(database, emails) == []
    assert await roster_of(database, class_id) == []

    done = await importer_for(database).apply(ADMIN, roster(emails, name))
    assert done.result.count(RowOutcome.CREATED) == 3
    accounts = await accounts_with(database, emails)
    assert [(a["password"], a["role"]) for a in accounts] == [(NO_PASSWORD, "student")] * 3
    assert sorted(await roster_of(database, class_id)) == sorted(a["id"] for a in accounts)


def fetch(database_url: str, sql: str, *args):
    async def run():
        connection = await asyncpg.connect(plain_url(database_url))
        try:
            return await connection.fetchval(sql, *args)
        finally:
            await connection.close()

    return asyncio.run(run())


@pytest.mark.parametrize("route", ["teacher's class", "admin's accounts only"])
def test_two_imports_of_one_file_at_once_end_as_if_one_ran_after_the_other(
    server, database_url, make_account, make_class, make_admin, route
):
    teacher, admin = make_account("teacher"), make_admin()
    classroom = make_class(teacher)
    path, caller = (
        (f"/class/{classroom['id']}/roster/apply", teacher)
        if route == "teacher's class"
        else ("/admin/roster/apply", admin)  # no class row to wait on: the import's own lock
    )
    emails = fresh_emails(200)
    body = roster(emails)

    def apply(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.base_url, timeout=60) as api:
            return api.post(path, content=body, headers=caller.auth)

    with ThreadPoolExecutor(4) as threads:
        answers = list(threads.map(apply, range(4)))
    assert [answer.status_code for answer in answers] == [200] * 4
    counts = [answer.json()["data"]["counts"] for answer in answers]
    assert sorted(c["created"] for c in counts) == [0, 0, 0, 200]
    assert sorted(c["unchanged"] for c in counts) == [0, 200, 200, 200]
    assert sum(len(answer.json()["data"]["links"]) for answer in answers) == 200
    made = "SELECT count(*) FROM users WHERE lower(email) = ANY($1)"
    assert fetch(database_url, made, [email.lower() for email in emails]) == 200
    roster_size = "SELECT cardinality(student_ids) FROM classes WHERE id = $1"
    expected = 200 if route == "teacher's class" else 0
    assert fetch(database_url, roster_size, UUID(classroom["id"])) == expected


async def test_two_imports_making_one_class_at_once_make_it_once(database, make_account):
    """Existing students into a class an admin's file makes for a teacher: no account is
    made, so nothing but the imports' own lock keeps two of them from making the class twice.
    The first import, once it has read what exists, waits for the second to read it too (at
    most a second): without the lock, both read that there is no such class."""
    teacher, students = make_account("teacher"), [make_account() for _ in range(5)]
    art = f"Art {uuid4().hex[:8]}"
    body = "name,email,class,teacher\n" + "".join(
        f"{s.name},{s.email},{art},{teacher.email}\n" for s in students
    )
    read = [asyncio.Event(), asyncio.Event()]

    class Overlapping(SqlImportRepository):
        async def classes_named(self, *args, **kwargs):
            found = await super().classes_named(*args, **kwargs)
            turn = 0 if not read[0].is_set() else 1
            read[turn].set()
            if turn == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(read[1].wait(), timeout=1)
            return found

    service = importer_for(database, Overlapping)
    reports = await asyncio.gather(*(service.apply(ADMIN, body.encode()) for _ in range(2)))
    assert sorted(len(report.result.new_classes) for report in reports) == [0, 1]
    async with database.loan() as connection:
        made = await connection.fetchval(
            "SELECT count(*) FROM classes WHERE class_name = $1 AND teacher_id = $2",
            art, teacher.id,
        )  # fmt: skip
    assert made == 1


async def test_a_sign_up_taking_an_email_meanwhile_is_met_not_duplicated(database, server):
    emails = fresh_emails(3)
    signed_up = emails[1]

    class SignUpRacing(SqlImportRepository):
        raced = False

        async def add_users(self, users):
            if not SignUpRacing.raced:  # someone signs up with one of the emails, and commits
                SignUpRacing.raced = True
                body = {"name": "Quick", "email": signed_up.upper(), "password": "secret-1",
                        "role": "student"}  # fmt: skip
                async with httpx.AsyncClient(base_url=server.base_url) as api:
                    assert (await api.post("/auth/signup", json=body)).status_code == 201
            await super().add_users(users)

    report = await importer_for(database, SignUpRacing).apply(ADMIN, roster(emails))
    assert [row.outcome for row in report.result.rows] == [
        RowOutcome.CREATED, RowOutcome.UNCHANGED, RowOutcome.CREATED,
    ]  # fmt: skip
    assert len(await accounts_with(database, emails)) == 3
    assert len(report.links) == 2


def test_the_class_and_its_people_hear_who_joined(api, live, make_account, make_admin):
    teacher, pupil, admin = make_account("teacher"), make_account(), make_admin()
    created = api.post("/class", json={"className": "Live roster"}, headers=teacher.auth)
    classroom = created.json()["data"]
    pupil_ws, teacher_ws = live(pupil, v2=True), live(teacher, v2=True)
    pupil_ws.receive_event("SESSION_STATE")
    teacher_ws.receive_event("SESSION_STATE")
    body = f"name,email\nP,{pupil.email}\nNew,new.{uuid4().hex[:8]}@school.test\n".encode()
    applied = api.post(f"/class/{classroom['id']}/roster/apply", content=body, headers=teacher.auth)
    assert applied.status_code == 200
    assert pupil_ws.receive_event("CLASS_JOINED")["data"] == {"classId": classroom["id"]}
    pupil_ws.send("RESYNC")
    state = pupil_ws.receive_event("SESSION_STATE")["data"]
    assert classroom["id"] in {c["classId"] for c in state["classes"]}

    art = f"Art {uuid4().hex[:8]}"
    body = f"name,email,class,teacher\nP,{pupil.email},{art},{teacher.email}\n".encode()
    assert api.post("/admin/roster/apply", content=body, headers=admin.auth).status_code == 200
    joined = Counter()
    for socket in (teacher_ws, pupil_ws):
        joined[socket.receive_event("CLASS_JOINED")["data"]["classId"]] += 1
    (made,) = joined
    assert joined[made] == 2 and made != classroom["id"]
