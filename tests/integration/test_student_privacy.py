"""EXPOSE_STUDENT_EMAILS: on (the default, the assignment's contract) every field is there; off,
a student sees no classmate's email and the student list answers searches only. A class's
teacher sees its students' emails either way."""

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
        "/students", params={"search": student.email[:20].upper()}, headers=teacher.auth
    ).json()["data"]
    assert found == [{"id": str(student.id), "name": student.name, "email": student.email}]
    everyone = api.get("/students", headers=teacher.auth).json()["data"]
    assert str(student.id) in {s["id"] for s in everyone} and len(everyone) > 1


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
