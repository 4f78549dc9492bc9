"""EXPOSE_STUDENT_EMAILS: on (the default, the assignment's contract) every field is there; off,
a student sees no classmate's email and the student list answers searches only. A class's
teacher sees its students' emails either way."""

from uuid import uuid4

import httpx
import pytest

from tests.integration.server import ServerProcess


@pytest.fixture(scope="module")
def private_api(server_env, tmp_path_factory, server):
    env = {**server_env, "EXPOSE_STUDENT_EMAILS": "false"}
    process = ServerProcess(env, tmp_path_factory.mktemp("private") / "server.log").start()
    with httpx.Client(base_url=process.base_url, timeout=10) as client:
        yield client
    process.stop()


def test_with_emails_hidden_a_student_sees_only_their_own(
    private_api, api, make_account, make_class
):
    teacher, me, classmate = make_account("teacher"), make_account(), make_account()
    classroom = make_class(teacher, me, classmate)
    path = f"/class/{classroom['id']}"

    seen_by_me = private_api.get(path, headers=me.auth).json()["data"]["students"]
    assert {s["id"]: s["email"] for s in seen_by_me} == {
        str(me.id): me.email,
        str(classmate.id): None,
    }
    assert {s["name"] for s in seen_by_me} == {me.name, classmate.name}
    seen_by_teacher = private_api.get(path, headers=teacher.auth).json()["data"]["students"]
    assert {s["email"] for s in seen_by_teacher} == {me.email, classmate.email}
    # The default keeps the assignment's contract.
    assert {s["email"] for s in api.get(path, headers=me.auth).json()["data"]["students"]} == {
        me.email,
        classmate.email,
    }


def test_with_emails_hidden_the_student_list_answers_searches_only(private_api, api, make_account):
    teacher, student = make_account("teacher"), make_account()
    listed = private_api.get("/students", headers=teacher.auth)
    assert (listed.status_code, listed.json()) == (200, {"success": True, "data": []})
    found = private_api.get(
        "/students", params={"search": student.email.upper()}, headers=teacher.auth
    ).json()["data"]
    assert found == [{"id": str(student.id), "name": student.name, "email": student.email}]
    everyone = api.get("/students", headers=teacher.auth).json()["data"]
    assert str(student.id) in {s["id"] for s in everyone} and len(everyone) > 1


def test_with_emails_hidden_a_prefix_search_reveals_no_email(private_api, make_account):
    teacher, student = make_account("teacher"), make_account()
    # One letter at a time, as a harvester would: names, but no email.
    one_letter = private_api.get(
        "/students", params={"search": student.name[0], "limit": 1000}, headers=teacher.auth
    )
    assert one_letter.status_code == 200
    found = one_letter.json()["data"]
    assert found and all(s["email"] is None for s in found)
    assert all(s["name"].lower().startswith(student.name[0].lower()) for s in found)
    # An email's prefix finds no one (the name does not start with it)...
    assert not student.name.lower().startswith("user.")
    for prefix in (student.email[:-4], "user.", student.email.split("@")[0]):
        by_email_prefix = private_api.get(
            "/students", params={"search": prefix}, headers=teacher.auth
        ).json()["data"]
        assert str(student.id) not in {s["id"] for s in by_email_prefix}
        assert all(s["email"] is None for s in by_email_prefix)
    # ...the whole email, in any letter case, finds the student, with the email typed.
    whole = private_api.get(
        "/students", params={"search": student.email.title()}, headers=teacher.auth
    ).json()["data"]
    assert whole == [{"id": str(student.id), "name": student.name, "email": student.email}]


def test_with_emails_hidden_a_search_answers_at_most_20(private_api, api):
    prefix = f"Zz{uuid4().hex[:8]}"
    for n in range(21):
        body = {"name": f"{prefix} {n}", "email": f"{prefix}.{n}@example.com"}
        signup = api.post("/auth/signup", json={**body, "password": "secret1", "role": "student"})
        assert signup.status_code == 201, signup.text
    teacher = {"name": "T", "email": f"t.{prefix}@example.com", "password": "secret1"}
    assert api.post("/auth/signup", json={**teacher, "role": "teacher"}).status_code == 201
    token = api.post("/auth/login", json={k: teacher[k] for k in ("email", "password")})
    auth = {"Authorization": token.json()["data"]["token"]}
    for limit in (1000, 21, None):
        params = {"search": prefix.lower()} | ({"limit": limit} if limit else {})
        private = private_api.get("/students", params=params, headers=auth).json()["data"]
        assert len(private) == 20 and all(s["email"] is None for s in private)
        assert len(api.get("/students", params=params, headers=auth).json()["data"]) == 21
    small = private_api.get("/students", params={"search": prefix, "limit": 3}, headers=auth)
    assert len(small.json()["data"]) == 3


def test_student_search_by_name_prefix_with_a_limit(api, make_account):
    teacher = make_account("teacher")
    students = [make_account() for _ in range(3)]
    some = api.get(
        "/students",
        params={"search": students[0].name[:3].lower(), "limit": 1},
        headers=teacher.auth,
    ).json()["data"]
    assert len(some) == 1 and some[0]["name"].lower().startswith(students[0].name[:3].lower())
    for bad in ({"limit": 0}, {"limit": "many"}, {"search": "a\x00b"}):
        refused = api.get("/students", params=bad, headers=teacher.auth)
        assert (refused.status_code, refused.json()) == (
            400,
            {"success": False, "error": "Invalid request schema"},
        )
