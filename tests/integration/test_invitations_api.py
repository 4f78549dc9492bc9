"""Invitations against the real server and database: an admin invites anyone, a teacher
invites students into their own class; the link shows what it is for, chooses the password
once, and then works no more. The hostile cases: links used twice, expired, guessed or for
something else; other teachers' classes; students and teachers at the admin's routes; an email
of another role; racing invitations of one email; bad bodies."""

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from api.schemas import iso_timestamp
from infrastructure.database.urls import plain_url
from tests.factories import unique_email
from tests.integration import test_admin_api
from tests.integration.server import ServerProcess
from tests.integration.test_web_accounts import set_password_link

make_admin = test_admin_api.make_admin  # the fixture, shared

USED = {"success": False, "error": "This link is invalid, used or expired"}
SCHEMA = {"success": False, "error": "Invalid request schema"}


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def run_sql(database_url: str, sql: str, *args: object) -> None:
    async def execute() -> None:
        connection = await asyncpg.connect(plain_url(database_url))
        try:
            await connection.execute(sql, *args)
        finally:
            await connection.close()

    asyncio.run(execute())


def students_of(api, teacher, classroom: dict) -> list[dict]:
    return api.get(f"/class/{classroom['id']}", headers=teacher.auth).json()["data"]["students"]


def users_with_email(api, admin, email: str) -> list[dict]:
    found = api.get("/admin/users", params={"search": email}, headers=admin.auth)
    assert found.status_code == 200, found.text
    return found.json()["data"]


def test_an_admin_invites_a_teacher_who_chooses_a_password_and_signs_in(api, server, make_admin):
    admin, email = make_admin(), unique_email()
    invited = api.post(
        "/admin/invitations",
        json={"name": "Tess Teacher", "email": email, "role": "teacher"},
        headers=admin.auth,
    )
    assert invited.status_code == 200, invited.text
    answer = invited.json()["data"]
    assert answer["user"]["name"] == "Tess Teacher" and answer["user"]["role"] == "teacher"
    assert answer["classId"] is None
    expires = datetime.fromisoformat(answer["expiresAt"])  # INVITATION_DAYS: 7 by default
    assert abs(expires - datetime.now(UTC) - timedelta(days=7)) < timedelta(minutes=5)
    assert answer["link"].startswith(f"{server.base_url}/#/invitation/")
    token = token_of(answer["link"])
    # Nobody can log in to the account before the password is chosen.
    no_password = api.post("/auth/login", json={"email": email, "password": "!"})
    assert no_password.status_code == 400

    shown = api.post("/auth/invitation", json={"token": token})
    assert shown.status_code == 200, shown.text
    assert shown.json()["data"] == {
        "name": "Tess Teacher", "email": email, "role": "teacher", "className": None,
        "invitedByName": admin.name, "expiresAt": answer["expiresAt"],
    }  # fmt: skip
    chosen = api.post("/auth/password", json={"token": token, "password": "tess-pw-1"})
    assert chosen.status_code == 200, chosen.text
    login = api.post("/auth/login", json={"email": email, "password": "tess-pw-1"})
    assert login.status_code == 200
    me = api.get("/auth/me", headers={"Authorization": login.json()["data"]["token"]})
    assert me.json()["data"]["role"] == "teacher"

    # Used: the link works no more, for either route.
    again = api.post("/auth/password", json={"token": token, "password": "other-pw-2"})
    assert (again.status_code, again.json()) == (400, USED)
    assert api.post("/auth/invitation", json={"token": token}).json() == USED
    pending = api.get("/admin/invitations", headers=admin.auth).json()["data"]
    assert email not in [invitation["email"] for invitation in pending]
    assert token not in server.log_path.read_text()


def test_a_teacher_invites_a_student_into_their_class_who_then_sees_it(
    api, make_account, make_class, make_admin
):
    teacher, admin, email = make_account("teacher"), make_admin(), unique_email()
    classroom = make_class(teacher, name="7B Maths")
    invited = api.post(
        f"/class/{classroom['id']}/invitations",
        json={"name": "Sam Student", "email": email},
        headers=teacher.auth,
    )
    assert invited.status_code == 200, invited.text
    answer = invited.json()["data"]
    assert answer["classId"] == classroom["id"] and answer["user"]["role"] == "student"
    details = api.get(f"/class/{classroom['id']}", headers=teacher.auth).json()["data"]
    assert [student["email"] for student in details["students"]] == [email]

    (pending,) = [
        invitation
        for invitation in api.get("/admin/invitations", headers=admin.auth).json()["data"]
        if invitation["email"] == email
    ]
    assert pending == {
        "userId": answer["user"]["id"], "name": "Sam Student", "email": email,
        "role": "student", "classId": classroom["id"], "className": "7B Maths",
        "invitedBy": str(teacher.id), "invitedByName": teacher.name,
        "invitedAt": pending["invitedAt"], "expiresAt": answer["expiresAt"],
    }  # fmt: skip

    token = token_of(answer["link"])
    shown = api.post("/auth/invitation", json={"token": token}).json()["data"]
    assert (shown["className"], shown["invitedByName"]) == ("7B Maths", teacher.name)
    assert api.post("/auth/password", json={"token": token, "password": "sam-pw-1"}).is_success
    login = api.post("/auth/login", json={"email": email, "password": "sam-pw-1"})
    mine = api.get("/class", headers={"Authorization": login.json()["data"]["token"]})
    assert [c["id"] for c in mine.json()["data"]] == [classroom["id"]]


def test_a_student_with_an_account_is_enrolled_as_add_student_does(
    api, make_account, make_class, make_admin, live
):
    teacher, student = make_account("teacher"), make_account()
    classroom = make_class(teacher)
    socket = live(student, v2=True)
    socket.receive_event("SESSION_STATE")
    invited = api.post(
        f"/class/{classroom['id']}/invitations",
        json={"name": "Whatever", "email": student.email.upper()},
        headers=teacher.auth,
    )
    assert invited.status_code == 200, invited.text
    answer = invited.json()["data"]
    assert (answer["link"], answer["expiresAt"]) == (None, None)
    assert answer["user"] == {
        "id": str(student.id), "name": student.name, "email": student.email, "role": "student",
    }  # fmt: skip
    assert socket.receive_event("CLASS_JOINED")["data"] == {"classId": classroom["id"]}
    login = api.post("/auth/login", json={"email": student.email, "password": student.password})
    assert login.status_code == 200  # the password is as it was
    # Invited into no class by an admin, an account in use is a conflict: nothing to do.
    again = api.post(
        "/admin/invitations",
        json={"name": "Whatever", "email": student.email, "role": "student"},
        headers=make_admin().auth,
    )
    assert (again.status_code, again.json()["error"]) == (409, "This person has an account already")


def test_an_email_of_another_role_is_a_409_and_changes_nothing(
    api, make_account, make_class, make_admin
):
    teacher, colleague = make_account("teacher"), make_account("teacher")
    classroom = make_class(teacher)
    refused = api.post(
        f"/class/{classroom['id']}/invitations",
        json={"name": colleague.name, "email": colleague.email},
        headers=teacher.auth,
    )
    assert (refused.status_code, refused.json()) == (
        409, {"success": False, "error": "This email belongs to an account with another role"},
    )  # fmt: skip
    assert (
        api.get(f"/class/{classroom['id']}", headers=teacher.auth).json()["data"]["students"] == []
    )
    admin = make_admin()
    as_admin = api.post(
        "/admin/invitations",
        json={"name": "X", "email": colleague.email, "role": "admin"},
        headers=admin.auth,
    )
    assert as_admin.status_code == 409
    assert users_with_email(api, admin, colleague.email)[0]["role"] == "teacher"


def test_a_deactivated_account_is_refused_with_its_reason_and_stays_as_it_is(
    api, make_account, make_class, make_admin
):
    teacher, pupil, admin = make_account("teacher"), make_account(), make_admin()
    classroom = make_class(teacher)
    assert api.post(f"/admin/users/{pupil.id}/deactivate", headers=admin.auth).is_success
    refused = {
        "success": False,
        "error": "This person's account is deactivated; an administrator reactivates it first",
    }
    body = {"name": pupil.name, "email": pupil.email}
    for path, extra, headers in (
        (f"/class/{classroom['id']}/invitations", {}, teacher.auth),
        ("/admin/invitations", {"role": "student"}, admin.auth),
        ("/admin/invitations", {"role": "student", "classId": classroom["id"]}, admin.auth),
    ):
        answer = api.post(path, json=body | extra, headers=headers)
        assert (answer.status_code, answer.json()) == (409, refused)
    assert students_of(api, teacher, classroom) == []
    assert users_with_email(api, admin, pupil.email)[0]["status"] == "deactivated"
    login = api.post("/auth/login", json={"email": pupil.email, "password": pupil.password})
    assert login.status_code == 403


def test_a_teacher_cannot_invite_into_another_teachers_class(
    api, make_account, make_class, make_admin
):
    owner, intruder, email = make_account("teacher"), make_account("teacher"), unique_email()
    classroom = make_class(owner)
    body = {"name": "Eve", "email": email}
    foreign = api.post(f"/class/{classroom['id']}/invitations", json=body, headers=intruder.auth)
    assert (foreign.status_code, foreign.json()["error"]) == (403, "Forbidden, not class teacher")
    for missing in (str(uuid4()), "not-a-uuid"):
        answer = api.post(f"/class/{missing}/invitations", json=body, headers=intruder.auth)
        assert (answer.status_code, answer.json()["error"]) == (404, "Class not found")
    assert users_with_email(api, make_admin(), email) == []  # no account was made
    assert students_of(api, owner, classroom) == []


def test_students_and_teachers_are_refused_the_routes_not_theirs(api, make_account):
    student, teacher = make_account(), make_account("teacher")
    body = {"name": "Eve", "email": unique_email(), "role": "teacher"}
    for account, refused_text in (
        (student, "Forbidden, admin access required"),
        (teacher, "Forbidden, admin access required"),
    ):
        for method, path in (
            ("POST", "/admin/invitations"),
            ("GET", "/admin/invitations"),
            ("DELETE", f"/admin/invitations/{teacher.id}"),
        ):
            answer = api.request(method, path, json=body, headers=account.auth)
            assert (answer.status_code, answer.json()["error"]) == (403, refused_text), path
    by_student = api.post(f"/class/{uuid4()}/invitations", json=body, headers=student.auth)
    assert (by_student.status_code, by_student.json()["error"]) == (
        403, "Forbidden, teacher access required",
    )  # fmt: skip
    anonymous = api.post("/admin/invitations", json=body)
    assert anonymous.status_code == 401


def test_an_admin_invites_students_into_any_class_and_only_students(
    api, make_account, make_class, make_admin
):
    admin, teacher, email = make_admin(), make_account("teacher"), unique_email()
    classroom = make_class(teacher)
    as_teacher = api.post(
        "/admin/invitations",
        json={"name": "T", "email": email, "role": "teacher", "classId": classroom["id"]},
        headers=admin.auth,
    )
    assert (as_teacher.status_code, as_teacher.json()["error"]) == (
        400, "Only students are invited into a class",
    )  # fmt: skip
    nowhere = api.post(
        "/admin/invitations",
        json={"name": "S", "email": email, "role": "student", "classId": str(uuid4())},
        headers=admin.auth,
    )
    assert (nowhere.status_code, nowhere.json()["error"]) == (404, "Class not found")
    assert users_with_email(api, admin, email) == []
    student = api.post(
        "/admin/invitations",
        json={"name": "S", "email": email, "role": "student", "classId": classroom["id"]},
        headers=admin.auth,
    )
    assert student.status_code == 200, student.text
    details = api.get(f"/class/{classroom['id']}", headers=teacher.auth).json()["data"]
    assert [s["id"] for s in details["students"]] == [student.json()["data"]["user"]["id"]]


def test_bad_bodies_are_refused_and_make_nothing(api, make_account, make_class, make_admin):
    admin, teacher = make_admin(), make_account("teacher")
    classroom = make_class(teacher)
    email = unique_email()
    good = {"name": "Ann", "email": email, "role": "student"}
    for change in (
        {"email": "not-an-email"},
        {"email": "ann@localhost"},
        {"email": f"{'a' * 250}@example.com"},
        {"name": ""},
        {"name": "x" * 101},
        {"name": "Ann\x00"},
        {"role": "principal"},
        {"role": None},
        {"classId": "not-a-uuid"},
        {"classId": 5},
        {"email": None},
    ):
        answer = api.post("/admin/invitations", json={**good, **change}, headers=admin.auth)
        assert (answer.status_code, answer.json()) == (400, SCHEMA), change
    for body in ({"name": "Ann"}, {"email": email}, [good], "text"):
        answer = api.post("/admin/invitations", json=body, headers=admin.auth)
        assert (answer.status_code, answer.json()) == (400, SCHEMA), body
        answer = api.post(f"/class/{classroom['id']}/invitations", json=body, headers=teacher.auth)
        assert (answer.status_code, answer.json()) == (400, SCHEMA), body
    broken = api.post(
        "/admin/invitations",
        content=b"{not json",
        headers={**admin.auth, "Content-Type": "application/json"},
    )
    assert (broken.status_code, broken.json()) == (400, SCHEMA)
    for query in ("limit=0", "limit=201", "offset=-1", "limit=1e1", "limit=x"):
        listed = api.get(f"/admin/invitations?{query}", headers=admin.auth)
        assert (listed.status_code, listed.json()) == (400, SCHEMA), query
    assert users_with_email(api, admin, email) == []


def test_inviting_again_gives_a_fresh_link_and_retires_the_older(api, make_admin):
    admin, email = make_admin(), unique_email()
    body = {"name": "Ann", "email": email, "role": "teacher"}
    first = api.post("/admin/invitations", json=body, headers=admin.auth).json()["data"]
    second = api.post(
        "/admin/invitations", json={**body, "email": email.upper()}, headers=admin.auth
    ).json()["data"]
    assert second["user"]["id"] == first["user"]["id"] and second["link"] != first["link"]
    old = api.post("/auth/password", json={"token": token_of(first["link"]), "password": "pw-123"})
    assert (old.status_code, old.json()) == (400, USED)
    new = api.post("/auth/password", json={"token": token_of(second["link"]), "password": "pw-123"})
    assert new.status_code == 200


def test_expired_guessed_and_other_links_are_refused(api, make_admin, make_account, database_url):
    admin, email = make_admin(), unique_email()
    body = {"name": "Old", "email": email, "role": "teacher"}
    answer = api.post("/admin/invitations", json=body, headers=admin.auth).json()["data"]
    token = token_of(answer["link"])
    run_sql(
        database_url,
        "UPDATE account_links SET expires_at = now() - interval '1 second' WHERE user_id = $1",
        UUID(answer["user"]["id"]),
    )
    for route, extra in (("/auth/invitation", {}), ("/auth/password", {"password": "pw-123"})):
        for tried in (token, "x" * 43, token[:-1], ""):
            refused = api.post(route, json={"token": tried, **extra})
            expected = (400, SCHEMA) if tried == "" else (400, USED)
            assert (refused.status_code, refused.json()) == expected, (route, tried)
    # The admin still sees it, expired, and inviting again makes a link that works.
    pending = api.get("/admin/invitations?limit=200", headers=admin.auth).json()["data"]
    (expired,) = [invitation for invitation in pending if invitation["email"] == email]
    assert expired["expiresAt"] < iso_timestamp(datetime.now(UTC))
    fresh = api.post("/admin/invitations", json=body, headers=admin.auth).json()["data"]
    assert api.post("/auth/invitation", json={"token": token_of(fresh["link"])}).is_success

    # A set-password link (create-admin's) is no invitation, though it chooses a password.
    teacher = make_account("teacher")
    other = set_password_link(database_url, teacher.id)
    shown = api.post("/auth/invitation", json={"token": other})
    assert (shown.status_code, shown.json()) == (400, USED)
    assert api.post("/auth/password", json={"token": other, "password": "pw-456"}).is_success


def test_a_revoked_invitation_stops_working_and_the_account_stays(api, make_admin):
    admin, email = make_admin(), unique_email()
    body = {"name": "Rev", "email": email, "role": "student"}
    answer = api.post("/admin/invitations", json=body, headers=admin.auth).json()["data"]
    user_id = answer["user"]["id"]
    revoked = api.delete(f"/admin/invitations/{user_id}", headers=admin.auth)
    assert (revoked.status_code, revoked.json()["data"]) == (
        200, {"userId": user_id, "revoked": 1},
    )  # fmt: skip
    used = api.post(
        "/auth/password", json={"token": token_of(answer["link"]), "password": "pw-123"}
    )
    assert (used.status_code, used.json()) == (400, USED)
    not_found = {"success": False, "error": "Invitation not found"}
    for target in (user_id, str(uuid4()), "not-a-uuid"):
        again = api.delete(f"/admin/invitations/{target}", headers=admin.auth)
        assert (again.status_code, again.json()) == (404, not_found), target
    assert [user["id"] for user in users_with_email(api, admin, email)] == [user_id]


def invite_at_once(server, path: str, headers: dict, bodies: list[dict]) -> list[httpx.Response]:
    """Sends the invitations all at once, beside the test's own loop."""

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
            return await asyncio.gather(
                *(client.post(path, json=body, headers=headers) for body in bodies)
            )

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, race()).result()


def test_twenty_racing_invitations_of_one_email_make_one_account_and_one_working_link(
    api, server, make_admin, make_account, make_class
):
    admin, teacher = make_admin(), make_account("teacher")
    classroom = make_class(teacher)
    for path, headers, extra in (
        ("/admin/invitations", admin.auth, {"role": "teacher"}),
        (f"/class/{classroom['id']}/invitations", teacher.auth, {}),
    ):
        email = unique_email()
        bodies = [{"name": f"Racer {n}", "email": email, **extra} for n in range(20)]
        answers = invite_at_once(server, path, headers, bodies)
        assert Counter(answer.status_code for answer in answers) == {200: 20}, path
        (account,) = users_with_email(api, admin, email)
        assert {answer.json()["data"]["user"]["id"] for answer in answers} == {account["id"]}
        tokens = [token_of(answer.json()["data"]["link"]) for answer in answers]
        works = [api.post("/auth/invitation", json={"token": t}).status_code for t in tokens]
        assert Counter(works) == {200: 1, 400: 19}, path
        pending = api.get("/admin/invitations?limit=200", headers=admin.auth).json()["data"]
        assert [invitation["email"] for invitation in pending].count(email) == 1
    assert len(students_of(api, teacher, classroom)) == 1


@pytest.mark.parametrize("role", ["teacher", "student", "admin"])
def test_the_pending_list_never_shows_a_link(api, make_admin, role):
    admin = make_admin()
    answer = api.post(
        "/admin/invitations",
        json={"name": "N", "email": unique_email(), "role": role},
        headers=admin.auth,
    ).json()["data"]
    listed = api.get("/admin/invitations?limit=200", headers=admin.auth)
    assert listed.status_code == 200
    assert token_of(answer["link"]) not in listed.text
    assert answer["user"]["id"] in listed.text


def test_the_link_begins_with_public_url_and_works_invitation_days(
    server_env, tmp_path, make_admin
):
    admin = make_admin()
    settings = {"PUBLIC_URL": "https://attendance.school.example/", "INVITATION_DAYS": "2"}
    public = ServerProcess({**server_env, **settings}, tmp_path / "log").start()
    try:
        invited = httpx.post(
            f"{public.base_url}/admin/invitations",
            json={"name": "Pia", "email": unique_email(), "role": "teacher"},
            headers=admin.auth,
        ).json()["data"]
    finally:
        public.stop()
    assert invited["link"].startswith("https://attendance.school.example/#/invitation/")
    expires = datetime.fromisoformat(invited["expiresAt"])
    assert abs(expires - datetime.now(UTC) - timedelta(days=2)) < timedelta(minutes=5)
