"""A class's full-history export: read page by page (each on a unit of work of its own, so no
connection waits on a slow client), and only a few at once per user."""

import gc
from uuid import uuid4

import pytest

from domain.errors import StudentNotFound, TooManyExports
from domain.events import AttendanceCorrected
from domain.statuses import AttendanceStatus
from domain.users import Role
from services.attendance import AttendanceService
from services.classes import ClassService
from services.in_flight import InFlightLimit
from services.records import RecordsService

pytestmark = pytest.mark.anyio


@pytest.fixture
async def finished_class(uow, clock, events, add_user):
    """A teacher's class of three students with four finished sessions."""
    teacher = add_user(Role.TEACHER)
    classes = ClassService(uow, events)
    classroom = await classes.create_class(teacher, "History")
    for _ in range(3):
        await classes.add_student(teacher, classroom.id, add_user(Role.STUDENT).user_id)
    attendance = AttendanceService(uow, clock, events)
    for _ in range(4):
        await attendance.start(teacher, classroom.id)
        await attendance.finish(teacher, classroom.id)
    return teacher, classroom


def test_a_limit_gives_each_key_its_slots_and_each_slot_back_once():
    limit: InFlightLimit[str] = InFlightLimit(2, TooManyExports)
    first, second = limit.take("a"), limit.take("a")
    with pytest.raises(TooManyExports):
        limit.take("a")
    limit.take("b")  # another key has slots of its own
    first()
    first()  # giving back twice frees one slot only
    assert limit.running("a") == 1
    limit.take("a")
    with pytest.raises(TooManyExports):
        limit.take("a")
    second()
    assert limit.running("a") == 1


async def test_the_history_is_read_one_page_at_a_time(
    uow, clock, events, finished_class, monkeypatch
):
    teacher, classroom = finished_class
    monkeypatch.setattr("services.records.HISTORY_ROWS_PER_PAGE", 3)  # a session a page
    opened = 0
    real_factory = uow.__call__

    def counting():
        nonlocal opened
        opened += 1
        return real_factory()

    records = RecordsService(counting, clock, events)
    stream = await records.history_csv(teacher, classroom.id)
    pages = [page async for page in stream]
    assert len(pages) == 4
    header, *lines = b"".join(pages).decode().split("\r\n")[:-1]
    assert header.startswith("session_id,started_at,")
    assert len(lines) == 4 * 3
    assert len({line.split(",")[0] for line in lines}) == 4
    assert opened == 1 + 4  # the ownership check, then one unit of work per page


async def test_pages_are_handed_on_in_small_chunks(uow, clock, events, finished_class, monkeypatch):
    """So that a client that stops reading stops the export where it is (and it keeps its
    slot), with at most a chunk beyond the connection's buffers."""
    teacher, classroom = finished_class
    whole = b"".join(
        [
            c
            async for c in await RecordsService(uow, clock, events).history_csv(
                teacher, classroom.id
            )
        ]
    )
    monkeypatch.setattr("services.records.HISTORY_CHUNK_BYTES", 100)
    chunks = [
        c async for c in await RecordsService(uow, clock, events).history_csv(teacher, classroom.id)
    ]
    assert max(len(chunk) for chunk in chunks) == 100 and len(chunks) > len(whole) // 100
    assert b"".join(chunks) == whole


async def test_a_user_runs_only_so_many_exports_at_once(uow, clock, events, finished_class):
    teacher, classroom = finished_class
    records = RecordsService(uow, clock, events, exports_per_user=2)
    first = await records.history_csv(teacher, classroom.id)
    second = await records.history_csv(teacher, classroom.id)
    with pytest.raises(TooManyExports):
        await records.history_csv(teacher, classroom.id)
    assert b"".join([page async for page in first]).count(b"\r\n") == 1 + 12  # read to the end
    third = await records.history_csv(teacher, classroom.id)
    await third.__anext__()
    await third.aclose()  # the client went away mid-stream
    del second  # dropped before it was read at all
    gc.collect()
    again = [await records.history_csv(teacher, classroom.id) for _ in range(2)]
    assert len(again) == 2


async def test_a_correction_is_published_after_its_commit_for_the_student_and_teacher(
    uow, clock, events, finished_class
):
    teacher, classroom = finished_class
    records = RecordsService(uow, clock, events)
    finished = uow.store.finished[-1]
    student_id = finished.records[0].student_id
    events.published.clear()
    with pytest.raises(StudentNotFound):  # refused: nothing published
        await records.correct(teacher, classroom.id, finished.id, uuid4(), AttendanceStatus.PRESENT)
    assert events.published == []
    await records.correct(teacher, classroom.id, finished.id, student_id, AttendanceStatus.PRESENT)
    assert events.published == [
        AttendanceCorrected(
            classroom.id, finished.id, student_id, AttendanceStatus.PRESENT, teacher.user_id
        )
    ]
    assert uow.store.corrections[-1].to_status is AttendanceStatus.PRESENT
