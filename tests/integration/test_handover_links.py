"""The reset links an administrator or a teacher makes to hand over (no mail involved): who may
make one for whom, that it works once and a newer one replaces it, and that the password it
chooses signs the account out everywhere."""

import asyncio
from collections import Counter

import httpx

from tests.integration.test_account_lifecycle import closed_with
from tests.integration.test_admin_api import make_admin, set_role_in_database
from tests.integration.test_password_reset import USED, log_in

__all__ = ["make_admin"]  # fixtures, shared


def test_a_reset_link_signs_the_account_out_everywhere(api, make_admin, make_account, live):
    """The password a reset link chooses revokes the account's tokens as any new password
    does: a thief's token stops working, and its socket is closed."""
    admin, pupil = make_admin(), make_account()
    socket = live(pupil)
    made = api.post(f"/admin/users/{pupil.id}/password-link", headers=admin.auth)
    token = made.json()["data"]["link"].rsplit("/", 1)[1]
    assert api.post("/auth/password", json={"token": token, "password": "reset-pw-1"}).is_success
    assert closed_with(socket) == (4401, "Signed out: password changed")
    assert api.get("/auth/me", headers=pupil.auth).status_code == 401
    assert log_in(api, pupil.email, "reset-pw-1") == 200


def test_an_admin_makes_a_link_to_hand_over_and_nobody_else_may(
    api, make_admin, make_account, server
):
    admin, teacher, pupil = make_admin(), make_account("teacher"), make_account("student")
    for caller in (pupil, teacher):
        refused = api.post(f"/admin/users/{pupil.id}/password-link", headers=caller.auth)
        assert (refused.status_code, refused.json()["error"]) == (
            403, "Forbidden, admin access required",
        )  # fmt: skip
    assert api.post(f"/admin/users/{pupil.id}/password-link").status_code == 401
    for missing in ("not-a-uuid", "00000000-0000-4000-8000-000000000000"):
        answer = api.post(f"/admin/users/{missing}/password-link", headers=admin.auth)
        assert (answer.status_code, answer.json()["error"]) == (404, "User not found")
    made = api.post(f"/admin/users/{pupil.id}/password-link", headers=admin.auth)
    assert made.status_code == 201, made.text
    link = made.json()["data"]["link"]
    assert link.startswith(f"{server.base_url}/#/reset-password/")
    assert made.json()["data"]["expiresAt"].endswith("Z")
    token = link.rsplit("/", 1)[1]
    chosen = api.post("/auth/password", json={"token": token, "password": "handed-pw-1"})
    assert chosen.json()["data"]["id"] == str(pupil.id)
    assert log_in(api, pupil.email, "handed-pw-1") == 200
    assert token not in (server.log_path.read_text())


def test_racing_reset_links_leave_one_working(server, make_admin, make_account):
    admin, pupil = make_admin(), make_account("student")

    async def race() -> list[str]:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as api:
            made = await asyncio.gather(
                *(
                    api.post(f"/admin/users/{pupil.id}/password-link", headers=admin.auth)
                    for _ in range(10)
                )
            )
            assert {answer.status_code for answer in made} == {201}
            tokens = [answer.json()["data"]["link"].rsplit("/", 1)[1] for answer in made]
            used = await asyncio.gather(
                *(
                    api.post("/auth/password", json={"token": token, "password": f"pw-{n:04}"})
                    for n, token in enumerate(tokens)
                )
            )
            return [answer.status_code for answer in used]

    assert Counter(asyncio.run(race())) == {200: 1, 400: 9}


def test_a_teacher_makes_a_link_for_a_student_of_their_own_class_only(
    api, make_account, make_class, make_admin, database_url
):
    teacher, other_teacher = make_account("teacher"), make_account("teacher")
    pupil, outsider, promoted = (make_account("student") for _ in range(3))
    classroom = make_class(teacher, pupil, promoted)
    others = make_class(other_teacher, outsider)
    set_role_in_database(database_url, promoted.id, "teacher")  # enrolled, then made a teacher

    def link_for(caller, class_id, student_id) -> httpx.Response:
        path = f"/class/{class_id}/students/{student_id}/password-link"
        return api.post(path, headers=caller.auth)

    refusals = [
        (pupil, classroom["id"], pupil.id, 403, "Forbidden, teacher access required"),
        (make_admin(), classroom["id"], pupil.id, 403, "Forbidden, teacher access required"),
        (teacher, others["id"], outsider.id, 403, "Forbidden, not class teacher"),
        (other_teacher, classroom["id"], pupil.id, 403, "Forbidden, not class teacher"),
        (teacher, classroom["id"], outsider.id, 404, "Student not found"),
        (teacher, classroom["id"], other_teacher.id, 404, "Student not found"),
        (teacher, classroom["id"], teacher.id, 404, "Student not found"),
        (teacher, classroom["id"], promoted.id, 404, "Student not found"),
        (teacher, classroom["id"], "not-a-uuid", 404, "Student not found"),
        (teacher, "00000000-0000-4000-8000-000000000000", pupil.id, 404, "Class not found"),
    ]
    for caller, class_id, student_id, status, error in refusals:
        answer = link_for(caller, class_id, student_id)
        assert (answer.status_code, answer.json()["error"]) == (status, error), (
            caller.role, student_id,
        )  # fmt: skip
    first = link_for(teacher, classroom["id"], pupil.id)
    second = link_for(teacher, classroom["id"], pupil.id)
    assert first.status_code == second.status_code == 201
    tokens = [answer.json()["data"]["link"].rsplit("/", 1)[1] for answer in (first, second)]
    older = api.post("/auth/password", json={"token": tokens[0], "password": "older-pw-1"})
    assert (older.status_code, older.json()) == (400, USED)
    newer = api.post("/auth/password", json={"token": tokens[1], "password": "newer-pw-2"})
    assert newer.json()["data"]["id"] == str(pupil.id)
    assert log_in(api, promoted.email, promoted.password) == 200  # untouched
