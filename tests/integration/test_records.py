"""School records against the real server: statuses per class, corrections and their trail,
reports against hand-counted figures, CSV exports, roster changes and archived classes."""

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import pytest

from infrastructure.database.urls import plain_url
from tests.integration.live import drain

INVALID = "Invalid message format"


def error(answer) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]


@pytest.fixture
def klass(make_account, make_class):
    """A teacher and a class of three students (by name: Ada, Ben, Cy)."""
    teacher = make_account("teacher")
    students = [make_account() for _ in range(3)]
    classroom = make_class(teacher, *students)
    return teacher, students, classroom


def enable(api, teacher, classroom, *statuses):
    answer = api.patch(
        f"/class/{classroom['id']}", json={"extraStatuses": list(statuses)}, headers=teacher.auth
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def run_session(start_session, live, teacher, classroom, marks: dict) -> dict:
    """Starts a session, marks {account: status}, presses Done; answers DONE's data."""
    start_session(teacher, classroom)
    ws = live(teacher)
    for student, status in marks.items():
        ws.send("ATTENDANCE_MARKED", {"studentId": str(student.id), "status": status})
        assert ws.receive()["event"] == "ATTENDANCE_MARKED"
    ws.send("DONE")
    done = ws.receive()
    assert done["event"] == "DONE", done
    ws.close()
    return done["data"]


# Statuses per class.


def test_late_and_excused_are_invalid_until_the_class_enables_them(api, klass, start_session, live):
    teacher, (ada, ben, cy), classroom = klass
    start_session(teacher, classroom)
    ws = live(teacher)
    ws.send("ATTENDANCE_MARKED", {"studentId": str(ada.id), "status": "late"})
    assert ws.receive_error() == INVALID
    ws.send("ATTENDANCE_MARKED", {"studentId": str(uuid4()), "status": "excused"})
    assert ws.receive_error() == INVALID  # the payload, before the student is looked up
    ws.send("TODAY_SUMMARY")
    assert ws.receive() == {
        "event": "TODAY_SUMMARY",
        "data": {"present": 0, "absent": 0, "total": 0},
    }

    settings = enable(api, teacher, classroom, "late", "excused")
    assert settings["statuses"] == ["present", "absent", "late", "excused"]
    ws.send("ATTENDANCE_MARKED", {"studentId": str(ada.id), "status": "late"})
    ws.send("ATTENDANCE_MARKED", {"studentId": str(ben.id), "status": "excused"})
    ws.send("TODAY_SUMMARY")
    heard = drain(ws)
    assert heard[-1] == {
        "event": "TODAY_SUMMARY",
        "data": {"present": 0, "absent": 0, "total": 2, "late": 1, "excused": 1},
    }
    ws.send("DONE")
    assert ws.receive()["data"] == {
        "message": "Attendance persisted",
        "present": 0,
        "absent": 1,  # Cy, unmarked
        "total": 3,
        "late": 1,
        "excused": 1,
    }

    assert enable(api, teacher, classroom)["statuses"] == ["present", "absent"]
    start_session(teacher, classroom)
    ws.send("ATTENDANCE_MARKED", {"studentId": str(cy.id), "status": "late"})
    assert ws.receive_error() == INVALID


def test_class_changes_reject_bad_input_and_keep_what_is_left_out(api, klass, make_account):
    teacher, (ada, *_), classroom = klass
    path = f"/class/{classroom['id']}"
    for bad in (
        {"extraStatuses": ["tardy"]},
        {"extraStatuses": "late"},
        {"className": ""},
        {"className": "x" * 201},
        {"archived": "yes"},
    ):
        assert error(api.patch(path, json=bad, headers=teacher.auth)) == (
            400,
            "Invalid request schema",
        ), bad
    renamed = api.patch(path, json={"className": "Maths 102"}, headers=teacher.auth).json()
    assert renamed["data"]["className"] == "Maths 102"
    assert renamed["data"]["privateMarks"] is False and renamed["data"]["archived"] is False
    assert api.get(path, headers=teacher.auth).json()["data"]["className"] == "Maths 102"
    assert error(api.patch(path, json={}, headers=ada.auth)) == (
        403,
        "Forbidden, teacher access required",
    )
    assert error(api.patch(path, json={}, headers=make_account("teacher").auth)) == (
        403,
        "Forbidden, not class teacher",
    )


# Corrections.


def test_a_correction_is_kept_in_the_trail_and_shown_as_corrected(
    api, klass, start_session, live, database_url
):
    teacher, (ada, ben, _), classroom = klass
    run_session(start_session, live, teacher, classroom, {ada: "present", ben: "present"})
    (session,) = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()[
        "data"
    ]
    path = f"/class/{classroom['id']}/attendance/{session['id']}/corrections"

    first = api.post(
        path,
        json={"studentId": str(ada.id), "status": "absent", "note": "Left after 5 minutes"},
        headers=teacher.auth,
    )
    assert first.status_code == 201, first.text
    assert first.json()["data"]["fromStatus"] == "present"
    assert first.json()["data"]["toStatus"] == "absent"
    second = api.post(
        path, json={"studentId": str(ada.id), "status": "present"}, headers=teacher.auth
    )
    assert second.status_code == 201

    trail = api.get(f"/class/{classroom['id']}/corrections", headers=teacher.auth).json()["data"]
    assert [(c["fromStatus"], c["toStatus"], c["note"]) for c in trail] == [
        ("absent", "present", None),  # newest first
        ("present", "absent", "Left after 5 minutes"),
    ]
    assert all(c["correctedBy"] == str(teacher.id) for c in trail)
    assert all(c["studentId"] == str(ada.id) for c in trail)
    assert datetime.fromisoformat(trail[0]["correctedAt"]) >= datetime.fromisoformat(
        trail[1]["correctedAt"]
    )

    api.post(path, json={"studentId": str(ben.id), "status": "absent"}, headers=teacher.auth)
    (history,) = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()[
        "data"
    ]
    statuses = {r["studentId"]: (r["status"], r["corrected"]) for r in history["attendance"]}
    assert statuses[str(ben.id)] == ("absent", True)
    assert statuses[str(ada.id)] == ("present", True)
    assert (history["present"], history["absent"]) == (1, 2)
    mine = api.get(f"/class/{classroom['id']}/my-history", headers=ben.auth).json()["data"]
    assert [(h["status"], h["corrected"]) for h in mine] == [("absent", True)]
    latest = api.get(f"/class/{classroom['id']}/my-attendance", headers=ben.auth).json()["data"]
    assert latest["status"] == "absent"

    # The row the session ended with is not rewritten: the original status is still there.
    async def stored():
        connection = await asyncpg.connect(plain_url(database_url))
        try:
            return await connection.fetchrow(
                "SELECT status, corrected_status FROM attendance"
                " WHERE session_id = $1 AND student_id = $2",
                session["id"],
                ben.id,
            )
        finally:
            await connection.close()

    row = asyncio.run(stored())
    assert (row["status"], row["corrected_status"]) == ("present", "absent")


def test_corrections_check_who_what_and_where(api, klass, start_session, live, make_account):
    teacher, (ada, *_), classroom = klass
    run_session(start_session, live, teacher, classroom, {ada: "present"})
    (session,) = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()[
        "data"
    ]
    path = f"/class/{classroom['id']}/attendance/{session['id']}/corrections"
    body = {"studentId": str(ada.id), "status": "absent"}
    assert error(api.post(path, json=body)) == (401, "Unauthorized, token missing or invalid")
    assert error(api.post(path, json=body, headers=ada.auth)) == (
        403,
        "Forbidden, teacher access required",
    )
    assert error(api.post(path, json={"studentId": "x"}, headers=teacher.auth)) == (
        400,
        "Invalid request schema",
    )
    assert error(api.post(path, json={**body, "note": "n" * 501}, headers=teacher.auth)) == (
        400,
        "Invalid request schema",
    )
    assert error(
        api.post(
            f"/class/{uuid4()}/attendance/{session['id']}/corrections",
            json=body,
            headers=teacher.auth,
        )
    ) == (404, "Class not found")
    assert error(api.post(path, json=body, headers=make_account("teacher").auth)) == (
        403,
        "Forbidden, not class teacher",
    )
    for session_id in (uuid4(), "not-a-uuid"):
        assert error(
            api.post(
                f"/class/{classroom['id']}/attendance/{session_id}/corrections",
                json=body,
                headers=teacher.auth,
            )
        ) == (404, "Session not found")
    live_session = start_session(teacher, classroom)
    assert live_session  # a live session is not a finished one
    outsider = make_account()
    assert error(
        api.post(path, json={**body, "studentId": str(outsider.id)}, headers=teacher.auth)
    ) == (404, "Student not found")
    assert error(api.post(path, json={**body, "status": "late"}, headers=teacher.auth)) == (
        400,
        "Status not enabled for this class",
    )
    for who in (ada, make_account("teacher")):
        assert api.get(f"/class/{classroom['id']}/corrections", headers=who.auth).status_code == 403


# Reports.


def test_the_report_matches_hand_counted_figures(api, klass, start_session, live, make_account):
    teacher, (ada, ben, cy), classroom = klass
    enable(api, teacher, classroom, "late", "excused")
    run_session(
        start_session, live, teacher, classroom, {ada: "present", ben: "late", cy: "absent"}
    )
    run_session(start_session, live, teacher, classroom, {ada: "late", ben: "excused"})  # Cy absent
    dan = make_account()
    added = api.post(  # enrolled after two sessions
        f"/class/{classroom['id']}/add-student",
        json={"studentId": str(dan.id)},
        headers=teacher.auth,
    )
    assert added.status_code == 200
    run_session(
        start_session, live, teacher, classroom, {ada: "excused", ben: "present", dan: "present"}
    )  # Cy absent
    sessions = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()["data"]
    newest = sessions[0]
    api.post(
        f"/class/{classroom['id']}/attendance/{newest['id']}/corrections",
        json={"studentId": str(cy.id), "status": "present"},
        headers=teacher.auth,
    )
    # By hand: (sessions, present, absent, late, excused, (present + late) / (sessions - excused))
    expected = {
        str(ada.id): (3, 1, 0, 1, 1, 2 / 2),
        str(ben.id): (3, 1, 0, 1, 1, 2 / 2),
        str(cy.id): (3, 1, 2, 0, 0, 1 / 3),  # the correction counts
        str(dan.id): (1, 1, 0, 0, 0, 1 / 1),
    }
    report = api.get(f"/class/{classroom['id']}/report", headers=teacher.auth).json()["data"]
    assert report["sessionsHeld"] == 3 and report["className"] == classroom["className"]
    got = {
        row["studentId"]: (
            row["sessions"], row["present"], row["absent"], row["late"], row["excused"],
            row["rate"],
        )
        for row in report["students"]
    }  # fmt: skip
    assert got.keys() == expected.keys()
    for student_id, figures in expected.items():
        assert got[student_id][:5] == figures[:5], student_id
        assert got[student_id][5] == pytest.approx(figures[5]), student_id

    mine = api.get("/me/report", headers=cy.auth).json()["data"]
    (entry,) = [e for e in mine if e["classId"] == classroom["id"]]
    assert (entry["sessionsHeld"], entry["sessions"], entry["present"], entry["absent"]) == (
        3, 3, 1, 2,
    )  # fmt: skip
    assert entry["rate"] == pytest.approx(1 / 3)

    today = datetime.now(UTC).date()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    for query, held in (
        (f"from={today}&to={today}", 3),
        (f"from={tomorrow}", 0),
        (f"to={yesterday}", 0),
    ):
        found = api.get(f"/class/{classroom['id']}/report?{query}", headers=teacher.auth)
        assert found.json()["data"]["sessionsHeld"] == held, query
    for bad in (f"from={today}&to={yesterday}", "from=yesterday", "to=2026-02-30"):
        answer = api.get(f"/class/{classroom['id']}/report?{bad}", headers=teacher.auth)
        assert error(answer) == (400, "Invalid request schema"), bad
    assert error(api.get("/me/report", headers=teacher.auth)) == (
        403,
        "Forbidden, student access required",
    )
    assert error(api.get(f"/class/{classroom['id']}/report", headers=ada.auth)) == (
        403,
        "Forbidden, teacher access required",
    )


# CSV.


def parse_csv(answer) -> list[dict]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["content-disposition"]
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets read it as UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_exports_open_in_a_spreadsheet_and_run_no_formula(
    api, make_account, make_class, start_session, live, database_url
):
    teacher = make_account("teacher")
    names = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3", "@SUM(A1)", "Zoë Ünal"]
    students = [make_account() for _ in names]
    classroom = make_class(teacher, *students)
    # The names students could have signed up with.
    asyncio.run(
        set_users(database_url, "name", {s.id: n for s, n in zip(students, names, strict=True)})
    )
    run_session(start_session, live, teacher, classroom, {students[0]: "present"})

    report = parse_csv(api.get(f"/class/{classroom['id']}/report.csv", headers=teacher.auth))
    by_id = {row["student_id"]: row for row in report}
    assert by_id[str(students[0].id)]["name"] == "'" + names[0]
    assert by_id[str(students[1].id)]["name"] == "'+1+2"
    assert by_id[str(students[2].id)]["name"] == "'-3"
    assert by_id[str(students[3].id)]["name"] == "'@SUM(A1)"
    assert by_id[str(students[4].id)]["name"] == "Zoë Ünal"
    assert by_id[str(students[0].id)]["attendance_rate_percent"] == "100.0"
    assert by_id[str(students[1].id)]["absent"] == "1"

    history = parse_csv(api.get(f"/class/{classroom['id']}/attendance.csv", headers=teacher.auth))
    assert len(history) == len(students)
    for row in history:
        for moment in (row["started_at"], row["ended_at"]):
            assert moment.endswith("Z") and datetime.fromisoformat(moment)
        assert row["status"] in ("present", "absent") and row["corrected"] == "false"
    assert not any(
        cell.startswith(("=", "+", "-", "@")) for row in history for cell in row.values()
    )
    for path in ("report.csv", "attendance.csv"):
        assert (
            api.get(f"/class/{classroom['id']}/{path}", headers=students[0].auth).status_code == 403
        )


async def set_users(database_url: str, column: str, values: dict) -> None:
    """Writes users' names or emails straight to the database, past what the API accepts."""
    assert column in ("name", "email")
    connection = await asyncpg.connect(plain_url(database_url))
    try:
        for user_id, value in values.items():
            await connection.execute(
                f"UPDATE users SET {column} = $2 WHERE id = $1", user_id, value
            )
    finally:
        await connection.close()


# Roster and classes.


def test_a_removed_student_keeps_their_records_and_leaves_the_class(
    api, klass, start_session, live, make_account
):
    teacher, (ada, ben, _), classroom = klass
    run_session(start_session, live, teacher, classroom, {ada: "present"})
    path = f"/class/{classroom['id']}/students"
    removed = api.delete(f"{path}/{ada.id}", headers=teacher.auth)
    assert removed.status_code == 200, removed.text
    assert str(ada.id) not in removed.json()["data"]["studentIds"]
    assert error(api.delete(f"{path}/{ada.id}", headers=teacher.auth)) == (
        404,
        "Student not found",
    )
    assert error(api.delete(f"{path}/not-a-uuid", headers=teacher.auth)) == (
        404,
        "Student not found",
    )
    assert error(api.delete(f"{path}/{ben.id}", headers=make_account("teacher").auth)) == (
        403,
        "Forbidden, not class teacher",
    )
    assert error(api.delete(f"{path}/{ben.id}", headers=ben.auth)) == (
        403,
        "Forbidden, teacher access required",
    )
    (history,) = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()[
        "data"
    ]
    assert str(ada.id) in {r["studentId"] for r in history["attendance"]}  # kept
    assert error(api.get(f"/class/{classroom['id']}", headers=ada.auth)) == (
        403,
        "Forbidden, not class teacher",
    )
    start_session(teacher, classroom)
    ws = live(teacher)
    ws.send("ATTENDANCE_MARKED", {"studentId": str(ada.id), "status": "present"})
    assert ws.receive_error() == "Student not found"


def test_an_archived_class_is_hidden_keeps_its_records_and_starts_nothing(
    api, klass, start_session, live
):
    teacher, (ada, *_), classroom = klass
    run_session(start_session, live, teacher, classroom, {ada: "present"})
    path = f"/class/{classroom['id']}"
    assert api.patch(path, json={"archived": True}, headers=teacher.auth).json()["data"]["archived"]
    for who in (teacher, ada):
        listed = {c["id"] for c in api.get("/class", headers=who.auth).json()["data"]}
        assert classroom["id"] not in listed
        every = api.get("/class?includeArchived=true", headers=who.auth).json()["data"]
        assert classroom["id"] in {c["id"] for c in every}
    started = api.post("/attendance/start", json={"classId": classroom["id"]}, headers=teacher.auth)
    assert error(started) == (409, "Class is archived")
    assert len(api.get(f"{path}/attendance", headers=teacher.auth).json()["data"]) == 1
    assert api.get(f"{path}/report", headers=teacher.auth).json()["data"]["sessionsHeld"] == 1
    assert api.get(f"{path}/my-history", headers=ada.auth).status_code == 200
    api.patch(path, json={"archived": False}, headers=teacher.auth)
    assert start_session(teacher, classroom)


def test_a_report_runs_to_the_last_day_there_is(api, klass):
    teacher, (ada, *_), classroom = klass
    for path, who in (
        (f"/class/{classroom['id']}/report?to=9999-12-31", teacher),
        (f"/class/{classroom['id']}/report.csv?from=2000-01-01&to=9999-12-31", teacher),
        ("/me/report?to=9999-12-31", ada),
    ):
        assert api.get(path, headers=who.auth).status_code == 200, path


def test_turning_late_off_mid_session_keeps_late_marks_counted(api, klass, start_session, live):
    teacher, (ada, ben, _), classroom = klass
    enable(api, teacher, classroom, "late")
    start_session(teacher, classroom)
    ws = live(teacher)
    ws.send("ATTENDANCE_MARKED", {"studentId": str(ada.id), "status": "late"})
    ws.receive_event("ATTENDANCE_MARKED")
    enable(api, teacher, classroom)  # late off again
    ws.send("ATTENDANCE_MARKED", {"studentId": str(ben.id), "status": "late"})
    assert ws.receive_error() == INVALID
    ws.send("ATTENDANCE_MARKED", {"studentId": str(ben.id), "status": "present"})
    ws.receive_event("ATTENDANCE_MARKED")
    ws.send("TODAY_SUMMARY")
    assert ws.receive_event("TODAY_SUMMARY")["data"] == {
        "present": 1, "absent": 0, "total": 2, "late": 1, "excused": 0,
    }  # fmt: skip
    ws.send("DONE")
    assert ws.receive_event("DONE")["data"] == {
        "message": "Attendance persisted",
        "present": 1, "absent": 1, "total": 3, "late": 1, "excused": 0,
    }  # fmt: skip


def test_a_student_removed_mid_session_leaves_no_record_of_it_but_stays_in_reports(
    api, klass, start_session, live
):
    teacher, (ada, ben, _), classroom = klass
    run_session(start_session, live, teacher, classroom, {ada: "present", ben: "absent"})
    start_session(teacher, classroom)
    ws = live(teacher)
    for student in (ada, ben):
        ws.send("ATTENDANCE_MARKED", {"studentId": str(student.id), "status": "present"})
        ws.receive_event("ATTENDANCE_MARKED")
    removed = api.delete(f"/class/{classroom['id']}/students/{ada.id}", headers=teacher.auth)
    assert removed.status_code == 200
    ws.send("TODAY_SUMMARY")
    assert ws.receive_event("TODAY_SUMMARY")["data"] == {"present": 1, "absent": 0, "total": 1}
    ws.send("DONE")
    assert ws.receive_event("DONE")["data"]["total"] == 2  # Ben and Cy, not Ada
    newest, oldest = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()[
        "data"
    ]
    assert str(ada.id) not in {r["studentId"] for r in newest["attendance"]}
    assert str(ada.id) in {r["studentId"] for r in oldest["attendance"]}

    report = api.get(f"/class/{classroom['id']}/report", headers=teacher.auth).json()["data"]
    rows = {row["studentId"]: row for row in report["students"]}
    assert rows[str(ada.id)]["enrolled"] is False and rows[str(ada.id)]["sessions"] == 1
    assert rows[str(ben.id)]["enrolled"] is True and rows[str(ben.id)]["sessions"] == 2
    csv_rows = parse_csv(api.get(f"/class/{classroom['id']}/report.csv", headers=teacher.auth))
    assert {r["student_id"]: r["enrolled"] for r in csv_rows}[str(ada.id)] == "false"
