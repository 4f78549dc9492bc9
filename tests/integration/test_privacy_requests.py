"""Privacy requests against the real server: an administrator exports everything held about a
person, and erases a person (their records stay in the statistics, naming nobody)."""

import asyncio
import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import pytest

from infrastructure.database.urls import plain_url
from tests.factories import SignupBodyFactory
from tests.integration import test_admin_api

make_admin = test_admin_api.make_admin  # its fixture, shared

ERASED_EMAIL = re.compile(r"^erased-[0-9a-f]{24}@erased\.invalid$")
FORBIDDEN_ADMIN = {"success": False, "error": "Forbidden, admin access required"}
USER_NOT_FOUND = {"success": False, "error": "User not found"}
UNAUTHORIZED = {"success": False, "error": "Unauthorized, token missing or invalid"}


def run_sql(database_url: str, sql: str, *args) -> list:
    async def run() -> list:
        connection = await asyncpg.connect(plain_url(database_url))
        try:
            return await connection.fetch(sql, *args)
        finally:
            await connection.close()

    return asyncio.run(run())


def mark_and_finish(live, teacher, marks: dict) -> dict:
    with live(teacher) as socket:
        for student, status in marks.items():
            socket.send("ATTENDANCE_MARKED", {"studentId": str(student.id), "status": status})
            socket.receive_event("ATTENDANCE_MARKED")
        socket.send("DONE")
        return socket.receive_event("DONE")["data"]


def finished_session_id(api, teacher, classroom) -> str:
    history = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth)
    return history.json()["data"][0]["id"]


def export_of(api, admin, user_id) -> dict:
    response = api.get(f"/admin/users/{user_id}/export", headers=admin.auth)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def erase(api, admin, user_id):
    return api.post(f"/admin/users/{user_id}/erase", headers=admin.auth)


def test_teachers_and_students_get_403_from_every_privacy_and_report_route(
    api, teacher, student, make_class
):
    classroom = make_class(teacher, student)
    routes = [
        ("GET", f"/admin/users/{student.id}/export"),
        ("POST", f"/admin/users/{student.id}/erase"),
        ("POST", f"/admin/users/{teacher.id}/erase"),
        ("GET", "/admin/report"),
        ("GET", "/admin/report.csv"),
        ("GET", f"/admin/classes/{classroom['id']}/report"),
        ("GET", f"/admin/classes/{classroom['id']}/report.csv"),
    ]
    for caller in (teacher, student):
        for method, path in routes:
            response = api.request(method, path, headers=caller.auth)
            assert (response.status_code, response.json()) == (403, FORBIDDEN_ADMIN), path
    for method, path in routes:
        response = api.request(method, path)
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED), path
    # Nothing was erased.
    assert api.get("/auth/me", headers=student.auth).json()["data"]["email"] == student.email


def test_the_export_of_a_user_with_nothing_is_their_account_and_empty_lists(
    api, make_admin, student
):
    data = export_of(api, make_admin(), student.id)
    assert data["account"] == {
        "id": str(student.id), "name": student.name, "email": student.email, "role": "student",
        "passwordSet": True, "erasedAt": None,
    }  # fmt: skip
    for part in (
        "classesTaught", "classesEnrolled", "attendance", "sessionsHeld", "liveMarks",
        "correctionsAbout", "correctionsMade", "accountLinks",
    ):  # fmt: skip
        assert data[part] == [], part
    assert datetime.fromisoformat(data["exportedAt"]) > datetime.now(UTC) - timedelta(minutes=1)


@pytest.mark.parametrize("user_id", [str(uuid4()), "not-a-uuid"])
def test_export_and_erase_of_nobody_are_404(api, make_admin, user_id):
    admin = make_admin()
    for response in (
        api.get(f"/admin/users/{user_id}/export", headers=admin.auth),
        erase(api, admin, user_id),
    ):
        assert (response.status_code, response.json()) == (404, USER_NOT_FOUND)


def test_the_export_holds_records_corrections_marks_links_and_counters_and_no_secret(
    api, make_admin, make_account, make_class, start_session, live, database_url
):
    admin, teacher, pupil, other = (
        make_admin(),
        make_account("teacher"),
        make_account(),
        make_account(),
    )
    classroom = make_class(teacher, pupil, other, name="History 7")
    start_session(teacher, classroom)
    mark_and_finish(live, teacher, {pupil: "absent", other: "present"})
    session_id = finished_session_id(api, teacher, classroom)
    corrected = api.post(
        f"/class/{classroom['id']}/attendance/{session_id}/corrections",
        json={"studentId": str(pupil.id), "status": "present", "note": "was at the nurse"},
        headers=teacher.auth,
    )
    assert corrected.status_code == 201, corrected.text
    start_session(teacher, classroom)
    with live(teacher) as socket:  # a live mark, not yet a record
        socket.send("ATTENDANCE_MARKED", {"studentId": str(pupil.id), "status": "present"})
        socket.receive_event("ATTENDANCE_MARKED")
    wrong = api.post("/auth/login", json={"email": pupil.email.upper(), "password": "wrong-pw"})
    assert wrong.status_code == 400
    run_sql(
        database_url,
        "INSERT INTO account_links (digest, purpose, user_id, expires_at)"
        " VALUES ($1, 'set-password', $2, now() + interval '1 hour')",
        b"secret digest " + uuid4().bytes,
        pupil.id,
    )

    data = export_of(api, admin, pupil.id)
    assert [c["className"] for c in data["classesEnrolled"]] == ["History 7"]
    assert data["classesEnrolled"][0]["students"] == 2
    (record,) = data["attendance"]
    assert record["sessionId"] == session_id
    assert (record["status"], record["originalStatus"]) == ("present", "absent")
    assert record["className"] == "History 7"
    (correction,) = data["correctionsAbout"]
    assert correction["note"] == "was at the nurse"
    assert correction["correctedBy"] == str(teacher.id)
    (mark,) = data["liveMarks"]
    assert (mark["status"], mark["checkedIn"], mark["classId"]) == (
        "present", False, classroom["id"],
    )  # fmt: skip
    assert data["accountLinks"] == [
        {
            "purpose": "set-password",
            "expiresAt": data["accountLinks"][0]["expiresAt"],
            "usedAt": None,
        }
    ]
    keys = {counter["key"] for counter in data["attemptCounters"]}
    assert f"login-email:{pupil.email.lower()}" in keys
    assert any(key.startswith(f"login-pair:{pupil.email.lower()}|") for key in keys)
    # The other student's data is not in it, nor any secret.
    text = json.dumps(data)
    for absent in (other.email, other.name, str(other.id), "digest", '"password"', "$2b$"):
        assert absent not in text, absent

    taught = export_of(api, admin, teacher.id)
    assert [c["id"] for c in taught["classesTaught"]] == [classroom["id"]]
    assert taught["sessionsHeld"][0]["sessionId"] == session_id
    assert taught["sessionsHeld"][-1]["endedAt"] is None  # the live one
    assert [c["studentId"] for c in taught["correctionsMade"]] == [str(pupil.id)]
    assert taught["attendance"] == []


def test_erasing_a_student_keeps_the_class_statistics_and_identifies_nobody(
    api, make_admin, make_account, make_class, start_session, live, database_url
):
    admin, teacher, pupil, other = (
        make_admin(),
        make_account("teacher"),
        make_account(),
        make_account(),
    )
    classroom = make_class(teacher, pupil, other)
    start_session(teacher, classroom)
    mark_and_finish(live, teacher, {pupil: "present", other: "absent"})
    session_id = finished_session_id(api, teacher, classroom)
    corrected = api.post(
        f"/class/{classroom['id']}/attendance/{session_id}/corrections",
        json={"studentId": str(pupil.id), "status": "absent", "note": f"{pupil.name} left early"},
        headers=teacher.auth,
    )
    assert corrected.status_code == 201, corrected.text
    api.post("/auth/login", json={"email": pupil.email, "password": "wrong-pw"})
    report_path = f"/class/{classroom['id']}/report"
    before = api.get(report_path, headers=teacher.auth).json()["data"]
    assert api.get("/students", headers=pupil.auth).status_code == 403  # its token works

    erased = erase(api, admin, pupil.id)
    assert erased.status_code == 200, erased.text
    assert erased.json()["data"]["id"] == str(pupil.id)

    # Their tokens are refused; they are no one to the assignment's routes.
    assert api.get(f"/class/{classroom['id']}", headers=pupil.auth).json() == UNAUTHORIZED
    assert api.get("/auth/me", headers=pupil.auth).json() == USER_NOT_FOUND
    login = api.post("/auth/login", json={"email": pupil.email, "password": pupil.password})
    assert login.status_code == 400
    with live(pupil) as socket:
        assert socket.receive_error() == "Unauthorized or invalid token"
    # The statistics are unchanged; the line names nobody.
    after = api.get(report_path, headers=teacher.auth).json()["data"]
    assert after["sessionsHeld"] == before["sessionsHeld"]
    tallies = sorted(
        (s["sessions"], s["present"], s["absent"], s["late"]) for s in after["students"]
    )
    assert tallies == sorted(
        (s["sessions"], s["present"], s["absent"], s["late"]) for s in before["students"]
    )
    (line,) = [s for s in after["students"] if s["studentId"] == str(pupil.id)]
    assert (line["name"], line["enrolled"]) == ("Erased user", False)
    assert ERASED_EMAIL.match(line["email"])
    # Off the roster, out of searches, out of the admin's list; the note about them cleared.
    details = api.get(f"/class/{classroom['id']}", headers=teacher.auth).json()["data"]
    assert [s["id"] for s in details["students"]] == [str(other.id)]
    assert (
        api.get("/students", params={"search": pupil.name}, headers=teacher.auth).json()["data"]
        == []
    )
    assert (
        api.get("/admin/users", params={"search": pupil.email}, headers=admin.auth).json()["data"]
        == []
    )
    trail = api.get(f"/class/{classroom['id']}/corrections", headers=teacher.auth).json()["data"]
    assert [(c["toStatus"], c["note"]) for c in trail] == [("absent", None)]
    history = api.get(f"/class/{classroom['id']}/attendance.csv", headers=teacher.auth).text
    assert pupil.email not in history and pupil.name not in history and "Erased user" in history
    # What is left of them.
    left = export_of(api, admin, pupil.id)
    assert left["account"]["name"] == "Erased user"
    assert ERASED_EMAIL.match(left["account"]["email"])
    assert left["account"]["passwordSet"] is False
    assert left["account"]["erasedAt"] == erased.json()["data"]["erasedAt"]
    assert left["accountLinks"] == [] and left["attemptCounters"] == []
    assert left["classesEnrolled"] == []
    assert [r["status"] for r in left["attendance"]] == ["absent"]
    assert pupil.email.lower() not in json.dumps(left).lower()
    rows = run_sql(database_url, "SELECT name, email, password FROM users WHERE id = $1", pupil.id)
    assert (rows[0]["name"], rows[0]["password"]) == ("Erased user", "!")


def test_erasing_twice_answers_the_first_erasure_and_changes_nothing(
    api, make_admin, student, database_url
):
    admin = make_admin()
    first = erase(api, admin, student.id)
    row = run_sql(database_url, "SELECT email FROM users WHERE id = $1", student.id)[0]
    second = erase(api, make_admin(), student.id)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    again = run_sql(database_url, "SELECT email FROM users WHERE id = $1", student.id)[0]
    assert again["email"] == row["email"]


def test_the_erased_email_signs_up_again_as_a_new_person(api, make_admin, make_class, make_account):
    admin, teacher, pupil = make_admin(), make_account("teacher"), make_account()
    make_class(teacher, pupil)
    assert erase(api, admin, pupil.id).status_code == 200
    body = {**SignupBodyFactory.build(role="student"), "email": pupil.email}
    again = api.post("/auth/signup", json=body)
    assert again.status_code == 201, again.text
    new_id = again.json()["data"]["id"]
    assert new_id != str(pupil.id)
    login = api.post("/auth/login", json={"email": pupil.email, "password": body["password"]})
    token = login.json()["data"]["token"]
    assert api.get("/auth/me", headers={"Authorization": token}).json()["data"]["id"] == new_id
    assert api.get("/class", headers={"Authorization": token}).json()["data"] == []
    assert export_of(api, admin, new_id)["attendance"] == []


def test_an_admin_cannot_erase_themselves(api, make_admin):
    admin = make_admin()
    refused = erase(api, admin, admin.id)
    assert (refused.status_code, refused.json()) == (
        409, {"success": False, "error": "An admin cannot erase their own account"},
    )  # fmt: skip
    assert api.get("/admin/users", headers=admin.auth).status_code == 200


def test_the_last_admin_cannot_be_erased(api, make_admin, database_url):
    caller, last = make_admin(), make_admin()
    assert api.get("/admin/users", headers=caller.auth).status_code == 200  # remembered now
    # The caller's token still says admin (remembered for up to a minute) but they are not
    # one any more, and no other admin is left: `last` is the school's last admin.
    run_sql(
        database_url, "UPDATE users SET role = 'teacher' WHERE role = 'admin' AND id <> $1", last.id
    )
    refused = erase(api, caller, last.id)
    assert (refused.status_code, refused.json()) == (
        409, {"success": False, "error": "The last admin cannot be erased"},
    )  # fmt: skip
    assert api.get("/admin/users", headers=last.auth).status_code == 200


def test_two_admins_erasing_each_other_at_once_leave_one(api, make_admin, database_url):
    first, second = make_admin(), make_admin()
    ids = (first.id, second.id)
    run_sql(
        database_url,
        "UPDATE users SET role = 'teacher' WHERE role = 'admin' AND id <> ALL($1::uuid[])",
        list(ids),
    )
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda pair: erase(api, pair[0], pair[1].id), [(first, second), (second, first)]
            )
        )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses in ([200, 401], [200, 409]), [a.text for a in answers]
    admins = run_sql(
        database_url, "SELECT id FROM users WHERE role = 'admin' AND erased_at IS NULL"
    )
    assert len(admins) == 1


def test_erasing_a_teacher_archives_their_classes_and_finishes_their_live_session(
    api, make_admin, make_account, make_class, start_session, live
):
    admin, teacher, pupil = make_admin(), make_account("teacher"), make_account()
    classroom = make_class(teacher, pupil, name="Chemistry")
    start_session(teacher, classroom)
    mark_and_finish(live, teacher, {pupil: "present"})
    start_session(teacher, classroom)
    with live(pupil) as listening, live(teacher) as socket:
        socket.send("ATTENDANCE_MARKED", {"studentId": str(pupil.id), "status": "present"})
        socket.receive_event("ATTENDANCE_MARKED")
        listening.receive_event("ATTENDANCE_MARKED")
        assert erase(api, admin, teacher.id).status_code == 200
        done = listening.receive_event("DONE")["data"]
        assert (done["present"], done["total"]) == (1, 1)
    assert api.get("/class", headers=teacher.auth).json() == UNAUTHORIZED
    # The class stays, archived: its students still read their record of it.
    assert api.get("/class", headers=pupil.auth).json()["data"] == []
    kept = api.get("/class", params={"includeArchived": "true"}, headers=pupil.auth).json()["data"]
    assert [c["id"] for c in kept] == [classroom["id"]]
    mine = api.get(f"/class/{classroom['id']}/my-history", headers=pupil.auth).json()["data"]
    assert [entry["status"] for entry in mine] == ["present", "present"]
    report = api.get(f"/admin/classes/{classroom['id']}/report", headers=admin.auth).json()["data"]
    assert report["sessionsHeld"] == 2
    (line,) = [
        c
        for c in api.get("/admin/report", headers=admin.auth).json()["data"]["classes"]
        if c["classId"] == classroom["id"]
    ]
    assert (line["archived"], line["teacherName"], line["sessionsHeld"]) == (True, "Erased user", 2)
    assert ERASED_EMAIL.match(line["teacherEmail"])


def test_erasing_a_student_in_a_live_session_lets_it_finish_and_persist(
    api, make_admin, make_account, make_class, start_session, live
):
    admin, teacher, pupil, other = (
        make_admin(),
        make_account("teacher"),
        make_account(),
        make_account(),
    )
    classroom = make_class(teacher, pupil, other)
    start_session(teacher, classroom)
    with live(teacher) as socket, live(pupil, v2=True) as leaving:
        leaving.receive_event("SESSION_STATE")
        for student in (pupil, other):
            socket.send("ATTENDANCE_MARKED", {"studentId": str(student.id), "status": "present"})
            socket.receive_event("ATTENDANCE_MARKED")
        assert erase(api, admin, pupil.id).status_code == 200
        socket.send("DONE")
        done = socket.receive_event("DONE")["data"]
        heard = [leaving.receive()["event"] for _ in range(3)]
        assert "CLASS_LEFT" in heard
    # Taken off the class during the session: as any student removed then, no record of it.
    assert (done["message"], done["present"], done["total"]) == ("Attendance persisted", 1, 1)
    history = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()["data"]
    assert [r["studentId"] for r in history[0]["attendance"]] == [str(other.id)]


def test_an_erased_user_cannot_be_enrolled_nor_given_a_role(
    api, make_admin, teacher, student, make_class
):
    admin = make_admin()
    classroom = make_class(teacher)
    assert erase(api, admin, student.id).status_code == 200
    added = api.post(
        f"/class/{classroom['id']}/add-student",
        json={"studentId": str(student.id)},
        headers=teacher.auth,
    )
    assert (added.status_code, added.json()["error"]) == (404, "Student not found")
    changed = api.patch(f"/admin/users/{student.id}", json={"role": "teacher"}, headers=admin.auth)
    assert (changed.status_code, changed.json()) == (404, USER_NOT_FOUND)
