"""The class, student and attendance-start routes: every row of the contract's table, its error
texts, and the order of checks (token, role, body, class, ownership, lookups)."""

import re
from datetime import datetime
from uuid import uuid4

import pytest

NOT_A_UUID = "not-a-uuid"
JS_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def error(response) -> tuple[int, str]:
    body = response.json()
    assert body["success"] is False and set(body) == {"success", "error"}
    return response.status_code, body["error"]


# POST /class


def test_teacher_creates_an_empty_class(api, teacher):
    response = api.post("/class", json={"className": "Maths 101"}, headers=teacher.auth)
    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == {"id", "className", "teacherId", "studentIds"}
    assert data["className"] == "Maths 101"
    assert data["teacherId"] == str(teacher.id)
    assert data["studentIds"] == []


def test_create_class_checks_token_then_role_then_body(api, student):
    assert error(api.post("/class", json={})) == (401, "Unauthorized, token missing or invalid")
    assert error(api.post("/class", json={}, headers=student.auth)) == (
        403,
        "Forbidden, teacher access required",
    )


@pytest.mark.parametrize(
    "body",
    [{}, {"className": ""}, {"className": 7}, {"className": "c" * 201}, {"className": "a\u0000"}],
)
def test_create_class_rejects_bad_bodies(api, teacher, body):
    response = api.post("/class", json=body, headers=teacher.auth)
    assert error(response) == (400, "Invalid request schema")


# POST /class/:id/add-student


def test_add_student_enrolls_once(api, teacher, student, make_class):
    classroom = make_class(teacher)
    url = f"/class/{classroom['id']}/add-student"
    first = api.post(url, json={"studentId": str(student.id)}, headers=teacher.auth)
    second = api.post(url, json={"studentId": str(student.id)}, headers=teacher.auth)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    data = second.json()["data"]
    assert set(data) == {"id", "className", "teacherId", "studentIds"}
    assert data["studentIds"] == [str(student.id)]


def test_add_student_order_of_checks(api, make_account, make_class):
    owner, other, student = make_account("teacher"), make_account("teacher"), make_account()
    classroom = make_class(owner)
    url = f"/class/{classroom['id']}/add-student"
    unknown = {"studentId": str(uuid4())}

    assert error(api.post(url, json=unknown)) == (401, "Unauthorized, token missing or invalid")
    assert error(api.post(url, json={}, headers=student.auth)) == (
        403,
        "Forbidden, teacher access required",
    )
    # body before class: a bad body on a class that does not exist is still a 400
    assert error(
        api.post(f"/class/{NOT_A_UUID}/add-student", json={"studentId": "x"}, headers=owner.auth)
    ) == (400, "Invalid request schema")
    assert error(api.post(f"/class/{uuid4()}/add-student", json=unknown, headers=owner.auth)) == (
        404,
        "Class not found",
    )
    assert error(
        api.post(f"/class/{NOT_A_UUID}/add-student", json=unknown, headers=owner.auth)
    ) == (404, "Class not found")
    # ownership before the student lookup
    assert error(api.post(url, json=unknown, headers=other.auth)) == (
        403,
        "Forbidden, not class teacher",
    )
    assert error(api.post(url, json=unknown, headers=owner.auth)) == (404, "Student not found")
    # a teacher's id is not a student's
    assert error(api.post(url, json={"studentId": str(other.id)}, headers=owner.auth)) == (
        404,
        "Student not found",
    )


@pytest.mark.parametrize("body", [{}, {"studentId": "123"}, {"studentId": 5}, {"student": "x"}])
def test_add_student_rejects_bad_bodies(api, teacher, make_class, body):
    classroom = make_class(teacher)
    response = api.post(f"/class/{classroom['id']}/add-student", json=body, headers=teacher.auth)
    assert error(response) == (400, "Invalid request schema")


# GET /class/:id


def test_class_details_for_owner_and_enrolled_students(api, teacher, make_account, make_class):
    first, second = make_account(), make_account()
    classroom = make_class(teacher, first, second, name="Physics")
    expected = {
        "id": classroom["id"],
        "className": "Physics",
        "teacherId": str(teacher.id),
        "students": [{"id": str(s.id), "name": s.name, "email": s.email} for s in (first, second)],
    }
    for viewer in (teacher, first, second):
        response = api.get(f"/class/{classroom['id']}", headers=viewer.auth)
        assert response.status_code == 200
        assert response.json() == {"success": True, "data": expected}


def test_class_details_refuses_everyone_else(api, teacher, make_account, make_class):
    classroom = make_class(teacher, make_account())
    url = f"/class/{classroom['id']}"
    assert error(api.get(url)) == (401, "Unauthorized, token missing or invalid")
    for outsider in (make_account("student"), make_account("teacher")):
        assert error(api.get(url, headers=outsider.auth)) == (403, "Forbidden, not class teacher")
    assert error(api.get(f"/class/{uuid4()}", headers=teacher.auth)) == (404, "Class not found")
    assert error(api.get(f"/class/{NOT_A_UUID}", headers=teacher.auth)) == (
        404,
        "Class not found",
    )


# GET /students


def test_students_lists_students_only_with_public_fields(api, teacher, make_account):
    students = [make_account() for _ in range(2)]
    response = api.get("/students", headers=teacher.auth)
    assert response.status_code == 200
    listed = response.json()["data"]
    assert all(set(entry) == {"id", "name", "email"} for entry in listed)
    ids = {entry["id"] for entry in listed}
    assert {str(s.id) for s in students} <= ids
    assert str(teacher.id) not in ids


def test_students_is_for_teachers(api, student):
    assert error(api.get("/students")) == (401, "Unauthorized, token missing or invalid")
    assert error(api.get("/students", headers=student.auth)) == (
        403,
        "Forbidden, teacher access required",
    )


# GET /class/:id/my-attendance


def test_my_attendance_is_null_before_any_session_finishes(api, teacher, student, make_class):
    classroom = make_class(teacher, student)
    response = api.get(f"/class/{classroom['id']}/my-attendance", headers=student.auth)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": {"classId": classroom["id"], "status": None},
    }


def test_my_attendance_order_of_checks(api, teacher, student, make_class):
    classroom = make_class(teacher)
    url = f"/class/{classroom['id']}/my-attendance"
    assert error(api.get(url)) == (401, "Unauthorized, token missing or invalid")
    assert error(api.get(url, headers=teacher.auth)) == (403, "Forbidden, student access required")
    assert error(api.get(f"/class/{uuid4()}/my-attendance", headers=student.auth)) == (
        404,
        "Class not found",
    )
    assert error(api.get(f"/class/{NOT_A_UUID}/my-attendance", headers=student.auth)) == (
        404,
        "Class not found",
    )
    assert error(api.get(url, headers=student.auth)) == (403, "Forbidden, not enrolled in class")


# POST /attendance/start


def test_start_attendance_answers_class_and_a_javascript_timestamp(api, teacher, make_class):
    classroom = make_class(teacher)
    before = datetime.now().astimezone()
    response = api.post(
        "/attendance/start", json={"classId": classroom["id"]}, headers=teacher.auth
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"classId", "startedAt"}
    assert data["classId"] == classroom["id"]
    assert JS_ISO.match(data["startedAt"])
    started = datetime.fromisoformat(data["startedAt"].replace("Z", "+00:00"))
    assert abs((started - before).total_seconds()) < 60


def test_starting_again_replaces_the_unfinished_session(api, teacher, make_class):
    classroom = make_class(teacher)
    body = {"classId": classroom["id"]}
    first = api.post("/attendance/start", json=body, headers=teacher.auth).json()["data"]
    second = api.post("/attendance/start", json=body, headers=teacher.auth).json()["data"]
    assert second["startedAt"] >= first["startedAt"]


def test_start_attendance_order_of_checks(api, make_account, make_class):
    owner, other, student = make_account("teacher"), make_account("teacher"), make_account()
    classroom = make_class(owner)
    body = {"classId": classroom["id"]}
    assert error(api.post("/attendance/start", json=body)) == (
        401,
        "Unauthorized, token missing or invalid",
    )
    assert error(api.post("/attendance/start", json={}, headers=student.auth)) == (
        403,
        "Forbidden, teacher access required",
    )
    for bad in ({}, {"classId": "nope"}, {"classId": 1}):
        assert error(api.post("/attendance/start", json=bad, headers=owner.auth)) == (
            400,
            "Invalid request schema",
        )
    assert error(
        api.post("/attendance/start", json={"classId": str(uuid4())}, headers=owner.auth)
    ) == (404, "Class not found")
    assert error(api.post("/attendance/start", json=body, headers=other.auth)) == (
        403,
        "Forbidden, not class teacher",
    )


# GET /class


def test_my_classes_are_a_teacher_s_own_and_a_student_s_enrolled(api, make_account, make_class):
    teacher, other_teacher, student = (
        make_account("teacher"),
        make_account("teacher"),
        make_account(),
    )
    maths = make_class(teacher, student, name="Maths")
    art = make_class(teacher, name="Art")
    make_class(other_teacher, name="Elsewhere")

    mine = api.get("/class", headers=teacher.auth)
    assert mine.status_code == 200
    assert [c["id"] for c in mine.json()["data"]] == [art["id"], maths["id"]]  # by name
    assert set(mine.json()["data"][0]) == {"id", "className", "teacherId", "studentIds"}
    enrolled = api.get("/class", headers=student.auth).json()["data"]
    assert [c["id"] for c in enrolled] == [maths["id"]]
    assert error(api.get("/class")) == (401, "Unauthorized, token missing or invalid")
