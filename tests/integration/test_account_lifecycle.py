"""Deactivation, reactivation and one's own password and name, against the real server: what
a deactivated account's old token gets on HTTP and on a socket, who may call the routes, the
last active admin, and a stolen token guessing the current password."""

import asyncio
import threading

import asyncpg
import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from infrastructure.database.urls import plain_url
from tests.factories import SignupBodyFactory
from tests.integration import test_admin_api
from tests.integration.live import LiveClient
from tests.integration.test_admin_api import (
    FORBIDDEN_ADMIN,
    INVALID_SCHEMA,
    UNAUTHORIZED,
    USER_NOT_FOUND,
)

make_admin = test_admin_api.make_admin  # the fixture, shared

DEACTIVATED = {"success": False, "error": "This account is deactivated"}
BAD_PAIR = {"success": False, "error": "Invalid email or password"}
WRONG_PASSWORD = {"success": False, "error": "Current password is incorrect"}
TOO_MANY = {"success": False, "error": "Too many attempts, try again later"}


def closed_with(ws: LiveClient, timeout: float = 5) -> tuple[int, str]:
    """How the server closed the socket (the frames before the close are read and dropped)."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.socket.recv(timeout=timeout)
    assert closed.value.rcvd is not None, "the server sent no close frame"
    return closed.value.rcvd.code, closed.value.rcvd.reason


def log_in(api, email: str, password: str):
    return api.post("/auth/login", json={"email": email, "password": password})


def run_sql(database_url: str, sql: str, *args) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(plain_url(database_url))
        try:
            await connection.execute(sql, *args)
        finally:
            await connection.close()

    asyncio.run(run())


def test_a_deactivated_users_token_is_refused_its_sockets_closed_and_its_records_kept(
    api, make_admin, make_account, make_class, start_session, live
):
    admin, teacher, pupil = make_admin(), make_account("teacher"), make_account()
    classroom = make_class(teacher, pupil)
    start_session(teacher, classroom)
    v1, v2 = live(pupil), live(pupil, v2=True)
    v2.receive_event("SESSION_STATE")
    teacher_ws = live(teacher)
    teacher_ws.send("ATTENDANCE_MARKED", {"studentId": str(pupil.id), "status": "present"})
    teacher_ws.receive_event("ATTENDANCE_MARKED")
    teacher_ws.send("DONE")
    teacher_ws.receive_event("DONE")

    done = api.post(f"/admin/users/{pupil.id}/deactivate", headers=admin.auth)
    assert done.status_code == 200
    assert done.json()["data"] == {
        "id": str(pupil.id), "name": pupil.name, "email": pupil.email, "role": "student",
        "status": "deactivated",
    }  # fmt: skip
    assert closed_with(v1) == closed_with(v2) == (4401, "Signed out: account deactivated")
    for old in (
        api.get("/auth/me", headers=pupil.auth),
        api.get(f"/class/{classroom['id']}/my-attendance", headers=pupil.auth),
    ):
        assert (old.status_code, old.json()) == (401, UNAUTHORIZED)
    again = live(pupil)
    assert again.receive_error() == "Unauthorized or invalid token"
    assert closed_with(again)[0] == 1008
    # Told so only with the right password.
    assert log_in(api, pupil.email, "wrong-guess").json() == BAD_PAIR
    refused = log_in(api, pupil.email, pupil.password)
    assert (refused.status_code, refused.json()) == (403, DEACTIVATED)
    # The records stay; teachers no longer find the student to add.
    history = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()
    assert history["data"][0]["attendance"] == [
        {"studentId": str(pupil.id), "status": "present", "corrected": False}
    ]
    found = api.get("/students", params={"search": pupil.email}, headers=teacher.auth)
    assert found.json()["data"] == []
    other_class = make_class(teacher, name="Other")
    added = api.post(
        f"/class/{other_class['id']}/add-student",
        json={"studentId": str(pupil.id)},
        headers=teacher.auth,
    )
    assert (added.status_code, added.json()["error"]) == (404, "Student not found")

    back = api.post(f"/admin/users/{pupil.id}/reactivate", headers=admin.auth)
    assert back.json()["data"]["status"] == "active"
    assert api.get("/auth/me", headers=pupil.auth).status_code == 401  # still revoked
    token = log_in(api, pupil.email, pupil.password).json()["data"]["token"]
    assert api.get("/auth/me", headers={"Authorization": token}).status_code == 200


def test_students_teachers_and_strangers_cannot_deactivate_anyone(api, teacher, student):
    for caller in (teacher, student):
        for action in ("deactivate", "reactivate"):
            answer = api.post(f"/admin/users/{teacher.id}/{action}", headers=caller.auth)
            assert (answer.status_code, answer.json()) == (403, FORBIDDEN_ADMIN)
    nobody = api.post(f"/admin/users/{student.id}/deactivate")
    assert (nobody.status_code, nobody.json()) == (401, UNAUTHORIZED)
    assert api.get("/auth/me", headers=student.auth).status_code == 200


@pytest.mark.parametrize("user_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_deactivating_nobody_is_404(api, make_admin, user_id):
    answer = api.post(f"/admin/users/{user_id}/deactivate", headers=make_admin().auth)
    assert (answer.status_code, answer.json()) == (404, USER_NOT_FOUND)


def test_users_are_listed_by_status_and_a_bad_status_is_400(api, make_admin, make_account):
    admin, active, gone = make_admin(), make_account(), make_account()
    api.post(f"/admin/users/{gone.id}/deactivate", headers=admin.auth)
    listed = {
        status: api.get(
            "/admin/users", params={"status": status, "limit": 200}, headers=admin.auth
        ).json()["data"]
        for status in ("active", "deactivated")
    }
    assert {"id": str(active.id), "status": "active"}.items() <= next(
        u for u in listed["active"] if u["id"] == str(active.id)
    ).items()
    assert str(gone.id) in {u["id"] for u in listed["deactivated"]}
    assert str(gone.id) not in {u["id"] for u in listed["active"]}
    bad = api.get("/admin/users", params={"status": "asleep"}, headers=admin.auth)
    assert (bad.status_code, bad.json()) == (400, INVALID_SCHEMA)


def test_two_admins_deactivating_each_other_at_once_leave_one_active(api, make_admin, database_url):
    """Whichever goes first, the other is refused (409, the last active admin) or, when the
    first's deactivation revoked its token before its request was read, 401."""
    for _ in range(3):
        first, second = make_admin(), make_admin()
        run_sql(
            database_url,
            "UPDATE users SET role = 'teacher' WHERE role = 'admin' AND id <> ALL($1::uuid[])",
            [first.id, second.id],
        )
        barrier, answers = threading.Barrier(2), {}

        def deactivate(caller, target, barrier=barrier, answers=answers) -> None:
            barrier.wait()
            answers[caller.id] = api.post(
                f"/admin/users/{target.id}/deactivate", headers=caller.auth
            )

        threads = [
            threading.Thread(target=deactivate, args=pair)
            for pair in ((first, second), (second, first))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(answer.status_code for answer in answers.values())
        assert statuses in ([200, 401], [200, 409]), statuses
        refused = next(a for a in answers.values() if a.status_code != 200).json()["error"]
        assert refused in (UNAUTHORIZED["error"], "The last active admin cannot be deactivated")
        still = [a for a in (first, second) if api.get("/auth/me", headers=a.auth).is_success]
        assert len(still) == 1


def test_changing_ones_password_gives_a_fresh_token_and_revokes_the_others(api, make_account, live):
    account = make_account()
    other_browser = log_in(api, account.email, account.password).json()["data"]["token"]
    socket = live(account, v2=True)
    socket.receive_event("SESSION_STATE")
    changed = api.post(
        "/auth/me/password",
        json={"currentPassword": account.password, "newPassword": "brand-new-1"},
        headers=account.auth,
    )
    assert changed.status_code == 200
    fresh = changed.json()["data"]["token"]
    assert set(changed.json()["data"]) == {"token"}
    assert api.get("/auth/me", headers={"Authorization": fresh}).status_code == 200
    for old in (account.token, other_browser):
        assert api.get("/auth/me", headers={"Authorization": old}).status_code == 401
    assert closed_with(socket) == (4401, "Signed out: password changed")
    with live(token=fresh, v2=True) as kept:  # the fresh token's socket is not closed
        kept.receive_event("SESSION_STATE")
        kept.assert_silent()
    assert log_in(api, account.email, account.password).json() == BAD_PAIR
    assert log_in(api, account.email, "brand-new-1").status_code == 200


def test_a_token_made_just_after_a_password_change_works(api, make_account):
    """In the very second of the change: the login right after it is dated from the next."""
    for _ in range(5):
        account = make_account()
        changed = api.post(
            "/auth/me/password",
            json={"currentPassword": account.password, "newPassword": "brand-new-1"},
            headers=account.auth,
        )
        again = log_in(api, account.email, "brand-new-1").json()["data"]["token"]
        for token in (changed.json()["data"]["token"], again):
            assert api.get("/students", headers={"Authorization": token}).status_code in (200, 403)
            assert api.get("/auth/me", headers={"Authorization": token}).status_code == 200


def test_a_wrong_current_password_is_counted_against_the_login_limits(api, make_account):
    """A stolen token cannot guess the password faster than a login could: after
    LOGIN_FAILURES_PER_EMAIL_AND_ADDRESS (5) wrong ones, even the right one is refused, and so
    is a login from this address by a browser new to the email; not the owner's browser."""
    account = make_account()
    for n in range(5):
        wrong = api.post(
            "/auth/me/password",
            json={"currentPassword": f"guess-{n}", "newPassword": "taken-over"},
            headers=account.auth,
        )
        assert (wrong.status_code, wrong.json()) == (400, WRONG_PASSWORD)
    right = api.post(
        "/auth/me/password",
        json={"currentPassword": account.password, "newPassword": "taken-over"},
        headers=account.auth,
    )
    assert (right.status_code, right.json()) == (429, TOO_MANY)
    with httpx.Client(base_url=str(api.base_url), timeout=10) as new_browser:
        assert log_in(new_browser, account.email, account.password).status_code == 429
    assert log_in(api, account.email, account.password).status_code == 200  # its la_device
    assert api.get("/auth/me", headers=account.auth).status_code == 200  # nothing changed


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"currentPassword": "secret1"},
        {"currentPassword": "secret1", "newPassword": "short"},
        {"currentPassword": "secret1", "newPassword": "é" * 37},  # 74 bytes
        {"currentPassword": 7, "newPassword": "long-enough"},
        [],
    ],
    ids=repr,
)
def test_a_password_change_with_a_bad_body_is_400(api, student, body):
    answer = api.post("/auth/me/password", json=body, headers=student.auth)
    assert (answer.status_code, answer.json()) == (400, INVALID_SCHEMA)


def test_ones_name_changes_and_bad_names_are_refused(api, student):
    renamed = api.patch("/auth/me", json={"name": "Ada Lovelace"}, headers=student.auth)
    assert renamed.status_code == 200
    assert renamed.json()["data"] == {
        "id": str(student.id), "name": "Ada Lovelace", "email": student.email, "role": "student",
    }  # fmt: skip
    assert api.get("/auth/me", headers=student.auth).json()["data"]["name"] == "Ada Lovelace"
    for bad in ({"name": ""}, {"name": "x" * 101}, {"name": "a\u0000b"}, {}):
        answer = api.patch("/auth/me", json=bad, headers=student.auth)
        assert (answer.status_code, answer.json()) == (400, INVALID_SCHEMA)
    nobody = api.patch("/auth/me", json={"name": "Mallory"})
    assert (nobody.status_code, nobody.json()) == (401, UNAUTHORIZED)


def test_a_password_set_with_a_one_time_link_revokes_the_accounts_tokens(
    api, make_account, database_url
):
    from tests.integration.test_web_accounts import set_password_link

    account = make_account("teacher")
    token = set_password_link(database_url, account.id)
    assert api.post("/auth/password", json={"token": token, "password": "from-link-1"}).is_success
    assert api.get("/auth/me", headers=account.auth).status_code == 401
    assert log_in(api, account.email, "from-link-1").status_code == 200


def test_sign_up_is_unchanged_for_the_assignment(api):
    body = SignupBodyFactory.build(role="teacher")
    created = api.post("/auth/signup", json=body)
    assert set(created.json()["data"]) == {"id", "name", "email", "role"}
