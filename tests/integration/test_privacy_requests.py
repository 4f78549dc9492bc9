"""Privacy requests against the real server: an administrator exports everything held about a
person, and erases a person (their records stay in the statistics, naming nobody)."""

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import pytest

from infrastructure.database.urls import plain_url
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
        "passwordSet": True, "erasedAt": None, "deactivatedAt": None, "tokensValidFrom": None,
    }  # fmt: skip
    for part in (
        "classesTaught", "classesEnrolled", "attendance", "sessionsHeld", "liveMarks",
        "correctionsAbout", "correctionsMade", "accountLinks", "sourcedIds",
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
            "invitedTo": None,
            "invitedBy": None,
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


def test_the_export_says_who_invited_them_and_into_which_class(api, make_admin, teacher):
    classroom = api.post("/class", json={"className": "Art"}, headers=teacher.auth).json()["data"]
    email = f"invited.{uuid4().hex[:8]}@school.test"
    invited = api.post(
        f"/class/{classroom['id']}/invitations",
        json={"name": "Ivy Invited", "email": email},
        headers=teacher.auth,
    )
    assert invited.status_code == 200, invited.text
    data = export_of(api, make_admin(), invited.json()["data"]["user"]["id"])
    (link,) = data["accountLinks"]
    assert (link["purpose"], link["invitedTo"], link["invitedBy"]) == (
        "invitation", classroom["id"], str(teacher.id),
    )  # fmt: skip
