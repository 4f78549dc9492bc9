"""Erasing a person against the real server: their records stay in the statistics, naming
nobody; the account is no one to any route; the rules (not oneself, not the last admin) hold
when admins race."""

import json
import re
from concurrent.futures import ThreadPoolExecutor

from tests.factories import SignupBodyFactory
from tests.integration import test_admin_api
from tests.integration.test_account_lifecycle import closed_with
from tests.integration.test_privacy_requests import (
    UNAUTHORIZED,
    USER_NOT_FOUND,
    erase,
    export_of,
    finished_session_id,
    mark_and_finish,
    run_sql,
)

make_admin = test_admin_api.make_admin  # its fixture, shared
ERASED_EMAIL = re.compile(r"^erased-[0-9a-f]{24}@erased\.invalid$")


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
    assert left["account"]["deactivatedAt"] == left["account"]["erasedAt"]  # and deactivated
    assert left["account"]["tokensValidFrom"] > left["account"]["erasedAt"]  # tokens revoked
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
        # Their own socket is closed first: erased, they are signed out everywhere at once.
        assert closed_with(leaving) == (4401, "Signed out: account erased")
        socket.send("DONE")
        done = socket.receive_event("DONE")["data"]
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


def test_two_admins_erasing_one_person_at_once_erase_them_once(api, make_admin, student):
    first, second = make_admin(), make_admin()
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda admin: erase(api, admin, student.id), (first, second)))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()


def test_a_former_teacher_now_a_student_leaves_their_classes_and_theirs_are_archived(
    api, make_admin, make_account, make_class
):
    admin, person, other_teacher = make_admin(), make_account("teacher"), make_account("teacher")
    taught = make_class(person, name="Taught before")
    changed = api.patch(f"/admin/users/{person.id}", json={"role": "student"}, headers=admin.auth)
    assert changed.status_code == 200
    enrolled = make_class(other_teacher, person)  # only its id counts
    assert erase(api, admin, person.id).status_code == 200
    line = next(
        c for c in api.get("/admin/report", headers=admin.auth).json()["data"]["classes"]
        if c["classId"] == taught["id"]
    )  # fmt: skip
    assert (line["archived"], line["teacherName"]) == (True, "Erased user")
    roster = api.get(f"/class/{enrolled['id']}", headers=other_teacher.auth).json()["data"]
    assert roster["students"] == []
