"""Issue 25's first slice against the real server: the admin role, its routes, and the SIGNUP
policy. Sign-up never makes an admin: a test makes one by changing a signed-up user's role in
the database, as the command line will."""

import asyncio
from uuid import uuid4

import asyncpg
import httpx
import pytest

from infrastructure.database.urls import plain_url
from tests.factories import SignupBodyFactory
from tests.integration.conftest import Account
from tests.integration.server import ServerProcess

FORBIDDEN_ADMIN = {"success": False, "error": "Forbidden, admin access required"}
INVALID_SCHEMA = {"success": False, "error": "Invalid request schema"}
USER_NOT_FOUND = {"success": False, "error": "User not found"}
UNAUTHORIZED = {"success": False, "error": "Unauthorized, token missing or invalid"}


def set_role_in_database(database_url: str, user_id, role: str) -> None:
    async def update() -> None:
        connection = await asyncpg.connect(plain_url(database_url))
        try:
            await connection.execute("UPDATE users SET role = $2 WHERE id = $1", user_id, role)
        finally:
            await connection.close()

    asyncio.run(update())


@pytest.fixture
def make_admin(api, make_account, database_url):
    def make() -> Account:
        account = make_account("teacher")
        set_role_in_database(database_url, account.id, "admin")
        login = api.post("/auth/login", json={"email": account.email, "password": account.password})
        assert login.status_code == 200, login.text
        return Account(
            account.id, account.name, account.email, account.password, "admin",
            login.json()["data"]["token"],
        )  # fmt: skip

    return make


def test_an_admin_has_an_admin_token_and_me_works(api, make_admin):
    admin = make_admin()
    me = api.get("/auth/me", headers=admin.auth)
    assert me.status_code == 200
    assert me.json()["data"] == {
        "id": str(admin.id), "name": admin.name, "email": admin.email, "role": "admin",
    }  # fmt: skip


def test_an_admin_gets_the_assignments_403_on_teacher_and_student_routes(api, make_admin):
    admin = make_admin()
    teacher_route = api.post("/class", json={"className": "X"}, headers=admin.auth)
    assert (teacher_route.status_code, teacher_route.json()["error"]) == (
        403, "Forbidden, teacher access required",
    )  # fmt: skip
    student_route = api.get(f"/class/{uuid4()}/my-attendance", headers=admin.auth)
    assert (student_route.status_code, student_route.json()["error"]) == (
        403, "Forbidden, student access required",
    )  # fmt: skip


def test_an_admins_socket_is_accepted_hears_nothing_and_is_refused_events(
    make_admin, make_account, make_class, start_session, live
):
    admin, teacher, pupil = make_admin(), make_account("teacher"), make_account()
    classroom = make_class(teacher, pupil)
    start_session(teacher, classroom)
    admin_socket, teacher_socket = live(admin), live(teacher)
    teacher_socket.send("ATTENDANCE_MARKED", {"studentId": str(pupil.id), "status": "present"})
    teacher_socket.receive_event("ATTENDANCE_MARKED")
    admin_socket.assert_silent()
    admin_socket.send("TODAY_SUMMARY")
    assert admin_socket.receive_error() == "Forbidden, teacher event only"
    admin_socket.send("MY_ATTENDANCE")
    assert admin_socket.receive_error() == "Forbidden, student event only"


def test_teachers_and_students_are_refused_every_admin_route(api, teacher, student):
    for caller in (teacher, student):
        listed = api.get("/admin/users", headers=caller.auth)
        changed = api.patch(
            f"/admin/users/{caller.id}", json={"role": "admin"}, headers=caller.auth
        )
        assert (listed.status_code, listed.json()) == (403, FORBIDDEN_ADMIN)
        assert (changed.status_code, changed.json()) == (403, FORBIDDEN_ADMIN)
    # The role is checked before the body and the id.
    bad = api.patch("/admin/users/nope", content=b"{", headers=student.auth)
    assert (bad.status_code, bad.json()) == (403, FORBIDDEN_ADMIN)
    assert api.get("/auth/me", headers=teacher.auth).json()["data"]["role"] == "teacher"


def test_admin_routes_without_a_token_are_401(api):
    assert api.get("/admin/users").json() == UNAUTHORIZED
    response = api.patch(f"/admin/users/{uuid4()}", json={"role": "admin"})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_an_admin_lists_users_by_role_and_search_ordered_by_name(api, make_admin):
    admin = make_admin()
    tag = uuid4().hex[:10]
    made = []
    for name, role in [("Zed", "student"), ("Amy", "teacher"), ("Bob", "student")]:
        body = {**SignupBodyFactory.build(role=role), "name": f"{tag} {name}"}
        assert api.post("/auth/signup", json=body).status_code == 201
        made.append(body)
    everyone = api.get("/admin/users", params={"search": tag.upper()}, headers=admin.auth)
    assert everyone.status_code == 200
    assert [u["name"] for u in everyone.json()["data"]] == [
        f"{tag} Amy",
        f"{tag} Bob",
        f"{tag} Zed",
    ]
    assert set(everyone.json()["data"][0]) == {"id", "name", "email", "role", "status"}
    students = api.get(
        "/admin/users", params={"search": tag, "role": "student", "limit": 1, "offset": 1},
        headers=admin.auth,
    ).json()["data"]  # fmt: skip
    assert [u["name"] for u in students] == [f"{tag} Zed"]
    by_email = api.get("/admin/users", params={"search": made[0]["email"]}, headers=admin.auth)
    assert [u["email"] for u in by_email.json()["data"]] == [made[0]["email"]]
    # LIKE's wildcards are plain letters in a search.
    assert api.get("/admin/users", params={"search": "%"}, headers=admin.auth).json()["data"] == []


@pytest.mark.parametrize(
    "params",
    [{"role": "principal"}, {"limit": 0}, {"limit": 201}, {"limit": "1e1"}, {"offset": -1}],
    ids=repr,
)
def test_bad_list_parameters_are_400(api, make_admin, params):
    response = api.get("/admin/users", params=params, headers=make_admin().auth)
    assert (response.status_code, response.json()) == (400, INVALID_SCHEMA)


def test_a_role_change_answers_the_user_and_revokes_their_old_tokens(api, make_admin, teacher):
    admin = make_admin()
    assert api.get("/students", headers=teacher.auth).status_code == 200  # remembered now
    changed = api.patch(f"/admin/users/{teacher.id}", json={"role": "student"}, headers=admin.auth)
    assert changed.status_code == 200
    assert changed.json()["data"] == {
        "id": str(teacher.id), "name": teacher.name, "email": teacher.email, "role": "student",
        "status": "active",
    }  # fmt: skip
    for old in (
        api.get("/students", headers=teacher.auth),
        api.get("/auth/me", headers=teacher.auth),
    ):
        assert (old.status_code, old.json()) == (401, UNAUTHORIZED)
    login = api.post("/auth/login", json={"email": teacher.email, "password": teacher.password})
    token = login.json()["data"]["token"]
    assert api.get("/auth/me", headers={"Authorization": token}).json()["data"]["role"] == "student"


@pytest.mark.parametrize("body", [{"role": "principal"}, {"role": None}, {}, [], "admin"], ids=repr)
def test_a_role_change_with_a_bad_body_is_400_even_for_an_unknown_id(api, make_admin, body):
    response = api.patch(f"/admin/users/{uuid4()}", json=body, headers=make_admin().auth)
    assert (response.status_code, response.json()) == (400, INVALID_SCHEMA)


@pytest.mark.parametrize("user_id", [str(uuid4()), "not-a-uuid", "{" + str(uuid4()) + "}"])
def test_a_role_change_of_nobody_is_404(api, make_admin, user_id):
    response = api.patch(
        f"/admin/users/{user_id}", json={"role": "teacher"}, headers=make_admin().auth
    )
    assert (response.status_code, response.json()) == (404, USER_NOT_FOUND)


def test_the_last_admin_cannot_give_up_the_role(api, make_admin, database_url):
    admin = make_admin()

    async def demote_other_admins() -> None:
        connection = await asyncpg.connect(plain_url(database_url))
        try:
            await connection.execute(
                "UPDATE users SET role = 'teacher' WHERE role = 'admin' AND id <> $1", admin.id
            )
        finally:
            await connection.close()

    asyncio.run(demote_other_admins())
    refused = api.patch(f"/admin/users/{admin.id}", json={"role": "teacher"}, headers=admin.auth)
    assert refused.status_code == 409
    assert refused.json() == {
        "success": False,
        "error": "The last admin cannot give up the admin role",
    }
    assert api.get("/auth/me", headers=admin.auth).json()["data"]["role"] == "admin"
    second = make_admin()
    gave_up = api.patch(f"/admin/users/{admin.id}", json={"role": "teacher"}, headers=admin.auth)
    assert gave_up.status_code == 200
    assert api.get("/admin/users", headers=admin.auth).status_code == 401  # its old token
    assert api.get("/admin/users", headers=second.auth).status_code == 200


@pytest.fixture(scope="module")
def policy_servers(server_env, tmp_path_factory, server):
    clients = {}
    processes = []
    for policy in ("students", "invitation"):
        env = {**server_env, "SIGNUP": policy}
        process = ServerProcess(env, tmp_path_factory.mktemp(policy) / "server.log").start()
        processes.append(process)
        clients[policy] = httpx.Client(base_url=process.base_url, timeout=10)
    yield clients
    for client in clients.values():
        client.close()
    for process in processes:
        process.stop()


def test_signup_students_refuses_teachers_after_the_schema(policy_servers, api, student):
    students_only = policy_servers["students"]
    refused = students_only.post("/auth/signup", json=SignupBodyFactory.build(role="teacher"))
    assert refused.status_code == 403
    assert refused.json() == {"success": False, "error": "Teachers join by invitation"}
    # Before the email: a taken one is still refused by the policy.
    taken = {**SignupBodyFactory.build(role="teacher"), "email": student.email}
    assert students_only.post("/auth/signup", json=taken).status_code == 403
    bad = {**SignupBodyFactory.build(role="teacher"), "password": "1"}
    assert students_only.post("/auth/signup", json=bad).json() == INVALID_SCHEMA
    assert students_only.post("/auth/signup", json=SignupBodyFactory.build()).status_code == 201
    # The default server (SIGNUP=open) keeps the assignment's behaviour.
    assert api.post("/auth/signup", json=SignupBodyFactory.build(role="teacher")).status_code == 201


def test_signup_invitation_refuses_everyone_after_the_schema(policy_servers):
    invitation = policy_servers["invitation"]
    for role in ("teacher", "student"):
        refused = invitation.post("/auth/signup", json=SignupBodyFactory.build(role=role))
        assert (refused.status_code, refused.json()) == (
            403, {"success": False, "error": "Sign-up is by invitation only"},
        )  # fmt: skip
    admin_body = SignupBodyFactory.build(role="admin")
    assert invitation.post("/auth/signup", json=admin_body).json() == INVALID_SCHEMA
