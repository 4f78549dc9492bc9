"""The school-wide report for administrators, and any class's report, against the real server."""

import csv
import io
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from tests.factories import SignupBodyFactory
from tests.integration import test_admin_api
from tests.integration.conftest import Account
from tests.integration.test_privacy_requests import mark_and_finish

make_admin = test_admin_api.make_admin  # its fixture, shared
INVALID_SCHEMA = {"success": False, "error": "Invalid request schema"}
CLASS_NOT_FOUND = {"success": False, "error": "Class not found"}


def report_lines(api, admin, **params) -> dict[str, dict]:
    response = api.get("/admin/report", params=params, headers=admin.auth)
    assert response.status_code == 200, response.text
    return {line["classId"]: line for line in response.json()["data"]["classes"]}


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_every_class_with_its_teacher_size_sessions_and_rate_archived_ones_marked(
    api, make_admin, make_account, make_class, start_session, live
):
    admin, teacher = make_admin(), make_account("teacher")
    first, second, third = make_account(), make_account(), make_account()
    busy = make_class(teacher, first, second, third, name="Busy")
    for marks in ({first: "present", second: "absent"}, {first: "present", second: "present"}):
        start_session(teacher, busy)
        mark_and_finish(live, teacher, marks)  # the third is absent each time
    quiet = make_class(teacher, name="Quiet")
    archived = make_class(teacher, first, name="Old")
    api.patch(f"/class/{archived['id']}", json={"archived": True}, headers=teacher.auth)

    lines = report_lines(api, admin)
    assert {key: lines[busy["id"]][key] for key in lines[busy["id"]] if key != "classId"} == {
        "className": "Busy", "archived": False, "teacherId": str(teacher.id),
        "teacherName": teacher.name, "teacherEmail": teacher.email, "students": 3,
        "sessionsHeld": 2, "records": 6, "present": 3, "absent": 3, "late": 0, "excused": 0,
        "rate": 0.5,
    }  # fmt: skip
    assert (lines[quiet["id"]]["sessionsHeld"], lines[quiet["id"]]["rate"]) == (0, None)
    assert lines[archived["id"]]["archived"] is True
    # The teacher's report counts the same.
    teachers = api.get(f"/class/{busy['id']}/report", headers=teacher.auth).json()["data"]
    assert sum(s["present"] for s in teachers["students"]) == lines[busy["id"]]["present"]
    assert teachers["sessionsHeld"] == lines[busy["id"]]["sessionsHeld"]


def test_the_period_counts_sessions_started_in_it(
    api, make_admin, make_account, make_class, start_session, live
):
    admin, teacher, pupil = make_admin(), make_account("teacher"), make_account()
    classroom = make_class(teacher, pupil)
    start_session(teacher, classroom)
    mark_and_finish(live, teacher, {pupil: "present"})
    today = datetime.now(UTC).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert report_lines(api, admin, **{"from": today.isoformat()})[classroom["id"]]["records"] == 1
    later = report_lines(api, admin, **{"from": tomorrow})[classroom["id"]]
    assert (later["sessionsHeld"], later["records"], later["students"]) == (0, 0, 1)
    bad = api.get(
        "/admin/report", params={"from": tomorrow, "to": today.isoformat()}, headers=admin.auth
    )
    assert (bad.status_code, bad.json()) == (400, INVALID_SCHEMA)
    not_a_day = api.get("/admin/report.csv", params={"to": "soon"}, headers=admin.auth)
    assert (not_a_day.status_code, not_a_day.json()) == (400, INVALID_SCHEMA)


def test_the_csv_neutralises_formulas_in_class_and_teacher_names(api, make_admin, make_class):
    admin = make_admin()
    body = {**SignupBodyFactory.build(role="teacher"), "name": "@SUM(A1:A9)"}
    api.post("/auth/signup", json=body)
    token = api.post("/auth/login", json={"email": body["email"], "password": body["password"]})
    owner = Account(
        uuid4(), body["name"], body["email"], body["password"], "teacher",
        token.json()["data"]["token"],
    )  # fmt: skip
    formula = f'=HYPERLINK("http://evil.example/{uuid4().hex}","click")'
    classroom = make_class(owner, name=formula)
    rows = csv_rows(api.get("/admin/report.csv", headers=admin.auth))
    (row,) = [row for row in rows if row["class_id"] == classroom["id"]]
    assert row["class_name"] == "'" + formula
    assert row["teacher_name"] == "'@SUM(A1:A9)"
    assert (row["archived"], row["students"], row["sessions_held"]) == ("false", "0", "0")
    assert row["attendance_rate_percent"] == ""


def test_an_admin_opens_any_class_report_and_its_csv(
    api, make_admin, make_account, make_class, start_session, live
):
    admin, teacher, pupil = make_admin(), make_account("teacher"), make_account()
    classroom = make_class(teacher, pupil)
    start_session(teacher, classroom)
    mark_and_finish(live, teacher, {pupil: "present"})
    path = f"/admin/classes/{classroom['id']}/report"
    as_admin = api.get(path, headers=admin.auth).json()["data"]
    as_teacher = api.get(f"/class/{classroom['id']}/report", headers=teacher.auth).json()["data"]
    assert as_admin == as_teacher
    rows = csv_rows(api.get(f"{path}.csv", headers=admin.auth))
    assert [(r["student_id"], r["present"], r["attendance_rate_percent"]) for r in rows] == [
        (str(pupil.id), "1", "100.0")
    ]
    for missing in (str(uuid4()), "not-a-uuid"):
        for suffix in ("", ".csv"):
            response = api.get(f"/admin/classes/{missing}/report{suffix}", headers=admin.auth)
            assert (response.status_code, response.json()) == (404, CLASS_NOT_FOUND)
