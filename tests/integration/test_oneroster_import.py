"""OneRoster bundles against the real server and database, through the admin's routes and the
nightly command: the first sync makes teachers, students and classes; the same bundle again
changes nothing; a later one updates by sourcedId. Bulk files here are the whole truth for the
accounts and classes synced before, other tests' included: each test looks at its own."""

import io
import os
import stat
import subprocess
import sys
import zipfile
from uuid import uuid4

import pytest

from tests.integration import test_admin_api
from tests.integration.test_account_lifecycle import closed_with
from tests.integration.two_processes import query
from tests.oneroster_bundles import bundle, enrolment, klass, user

make_admin = test_admin_api.make_admin  # the fixture, shared


def post_zip(api, path: str, data: bytes, account):
    return api.post(path, content=data, headers={**account.auth, "Content-Type": "application/zip"})


def synced(api, admin, data: bytes, action: str = "apply") -> dict:
    answer = post_zip(api, f"/admin/oneroster/{action}", data, admin)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def mine(answer: dict, tag: str) -> list[tuple]:
    return [
        (row["file"], row["line"], row["outcome"], row["reason"])
        for row in answer["rows"]
        if tag in row["sourcedId"] or tag in row["subject"]
    ]


def school(tag: str, **changes):
    people = {
        "t": user(f"{tag}-t", "Tess", "Teach", "teacher", f"tess.{tag}@school.test"),
        "a": user(f"{tag}-a", "Ana", "Rivera", "student", f"ana.{tag}@school.test"),
        "b": user(f"{tag}-b", "Ben", "Okafor", "student", f"ben.{tag}@school.test"),
        "p": user(f"{tag}-p", "Pat", "Parent", "parent", f"pat.{tag}@home.test"),
    }
    classes = {"c": klass(f"{tag}-c", f"Maths {tag}")}
    enrollments = {
        "et": enrolment(f"{tag}-et", f"{tag}-c", f"{tag}-t", "teacher", primary="true"),
        "ea": enrolment(f"{tag}-ea", f"{tag}-c", f"{tag}-a"),
        "eb": enrolment(f"{tag}-eb", f"{tag}-c", f"{tag}-b"),
    }
    for key, value in changes.items():
        for table in (people, classes, enrollments):
            if key in table:
                if value is None:
                    del table[key]
                else:
                    table[key] = {**table[key], **value}
    return people.values(), classes.values(), enrollments.values()


def log_in_with_link(api, answer: dict, email: str) -> dict:
    (link,) = [link for link in answer["links"] if link["email"] == email]
    token = link["link"].rsplit("/", 1)[1]
    assert api.post("/auth/password", json={"token": token, "password": "chosen-1"}).is_success
    login = api.post("/auth/login", json={"email": email, "password": "chosen-1"})
    return {"Authorization": login.json()["data"]["token"]}


def test_an_admin_previews_and_applies_a_bundle_and_again_changes_nothing(api, make_admin):
    admin, tag = make_admin(), uuid4().hex[:8]
    data = bundle(*school(tag))
    preview = synced(api, admin, data, "preview")
    assert preview["applied"] is False and preview["version"] == "1.1"
    assert mine(preview, tag) == [
        ("users.csv", 2, "created", None),
        ("users.csv", 3, "created", None),
        ("users.csv", 4, "created", None),
        ("users.csv", 5, "skipped", "role-not-imported"),
        ("classes.csv", 2, "created", None),
        ("enrollments.csv", 2, "enrolled", None),
        ("enrollments.csv", 3, "enrolled", None),
        ("enrollments.csv", 4, "enrolled", None),
    ]
    assert api.get(f"/admin/users?search=tess.{tag}", headers=admin.auth).json()["data"] == []

    applied = synced(api, admin, data)
    assert mine(applied, tag) == mine(preview, tag)
    assert len(applied["links"]) == 3
    teacher = log_in_with_link(api, applied, f"tess.{tag}@school.test")
    (maths,) = api.get("/class", headers=teacher).json()["data"]
    details = api.get(f"/class/{maths['id']}", headers=teacher).json()["data"]
    assert (details["className"], [s["name"] for s in details["students"]]) == (
        f"Maths {tag}", ["Ana Rivera", "Ben Okafor"],
    )  # fmt: skip

    again = synced(api, admin, data)
    assert {outcome for _, _, outcome, _ in mine(again, tag)} == {"unchanged", "skipped"}
    assert again["links"] == [] and again["linksCsv"] is None


def test_a_nightly_bundle_updates_by_sourced_id(api, make_admin, make_account, live):
    admin, tag = make_admin(), uuid4().hex[:8]
    first = synced(api, admin, bundle(*school(tag)))
    teacher = log_in_with_link(api, first, f"tess.{tag}@school.test")
    ana = log_in_with_link(api, first, f"ana.{tag}@school.test")
    (maths,) = api.get("/class", headers=teacher).json()["data"]
    ana_socket = live(token=ana["Authorization"], v2=True)
    ana_socket.receive_event("SESSION_STATE")

    nightly = bundle(
        *school(
            tag,
            b={"familyName": "Okafor-Smith", "email": f"ben.os.{tag}@school.test"},
            c={"title": f"Maths {tag} (set 1)"},
            ea={"status": "tobedeleted"},
            n=None,
        ),
    )
    answer = synced(api, admin, nightly)
    assert mine(answer, tag) == [
        ("users.csv", 2, "unchanged", None),
        ("users.csv", 3, "unchanged", None),
        ("users.csv", 4, "updated", None),
        ("users.csv", 5, "skipped", "role-not-imported"),
        ("classes.csv", 2, "updated", None),
        ("enrollments.csv", 2, "unchanged", None),
        ("enrollments.csv", 3, "removed", None),
        ("enrollments.csv", 4, "unchanged", None),
    ]
    assert ana_socket.receive_event("CLASS_UPDATED")["data"]["className"] == f"Maths {tag} (set 1)"
    assert ana_socket.receive_event("CLASS_LEFT")["data"] == {"classId": maths["id"]}
    details = api.get(f"/class/{maths['id']}", headers=teacher).json()["data"]
    assert [(s["name"], s["email"]) for s in details["students"]] == [
        ("Ben Okafor-Smith", f"ben.os.{tag}@school.test"),
    ]

    gone = synced(api, admin, bundle(*school(tag, a=None, ea=None)))
    assert ("users.csv", None, "deactivated", "absent-from-bulk") in mine(gone, tag)
    assert f"ana.{tag}@school.test" in {person["email"] for person in gone["deactivated"]}
    assert api.get("/auth/me", headers=ana).status_code == 401  # signed out at once


def test_the_sis_deactivates_and_reactivates_its_own_but_not_an_administrators(
    api, make_admin, live
):
    """Ana leaves (inactive in the SIS) and comes back; Ben was deactivated by an
    administrator here, and the SIS's saying he is active does not undo that."""
    admin, tag = make_admin(), uuid4().hex[:8]
    first = synced(api, admin, bundle(*school(tag)))
    ana = log_in_with_link(api, first, f"ana.{tag}@school.test")
    ben = log_in_with_link(api, first, f"ben.{tag}@school.test")
    (ben_id,) = [p["userId"] for p in first["links"] if p["email"] == f"ben.{tag}@school.test"]
    assert api.post(f"/admin/users/{ben_id}/deactivate", headers=admin.auth).is_success
    ana_socket = live(token=ana["Authorization"])

    left = synced(api, admin, bundle(*school(tag, a={"status": "inactive"})))
    assert ("users.csv", 3, "deactivated", None) in mine(left, tag)
    assert [p["email"] for p in left["deactivated"]] == [f"ana.{tag}@school.test"]
    assert closed_with(ana_socket) == (4401, "Signed out: account deactivated")
    assert api.get("/auth/me", headers=ana).status_code == 401
    login = {"email": f"ana.{tag}@school.test", "password": "chosen-1"}
    assert api.post("/auth/login", json=login).status_code == 403
    assert synced(api, admin, bundle(*school(tag, a={"status": "inactive"})))["deactivated"] == []

    back = synced(api, admin, bundle(*school(tag)))
    assert mine(back, tag)[1:3] == [
        ("users.csv", 3, "reactivated", None),
        ("users.csv", 4, "unchanged", "deactivated-here"),
    ]
    assert [p["email"] for p in back["reactivated"]] == [f"ana.{tag}@school.test"]
    assert api.post("/auth/login", json=login).status_code == 200
    assert api.get("/auth/me", headers=ana).status_code == 401  # its old token stays refused
    ben_login = {"email": f"ben.{tag}@school.test", "password": "chosen-1"}
    assert api.post("/auth/login", json=ben_login).status_code == 403  # still deactivated
    assert api.get("/auth/me", headers=ben).status_code == 401


def test_the_nightly_command_signs_out_who_it_deactivates_on_the_server(
    api, make_admin, server_env, live, tmp_path
):
    """The command's own event bus only publishes: the server's sockets hear it."""
    admin, tag = make_admin(), uuid4().hex[:8]
    first = synced(api, admin, bundle(*school(tag)))
    ana = log_in_with_link(api, first, f"ana.{tag}@school.test")
    ana_socket = live(token=ana["Authorization"])
    path = tmp_path / "oneroster.zip"
    path.write_bytes(bundle(*school(tag, a={"status": "tobedeleted"})))
    done = cli(server_env, tmp_path, str(path), "--apply")
    assert done.returncode == 0, done.stderr
    assert f"Deactivated (inactive or gone in the SIS): 1\n  Ana Rivera <ana.{tag}" in done.stdout
    assert closed_with(ana_socket) == (4401, "Signed out: account deactivated")


NOT_ONEROSTER = "Not a OneRoster 1.1 or 1.2 bundle (see oneroster.version)"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"not a zip", "Not a readable zip file"),
        (bundle(version="1.0"), f"{NOT_ONEROSTER}: 1.0 (manifest.csv)"),
    ],
)  # fmt: skip
def test_bundles_that_cannot_be_read_are_refused(api, make_admin, data, error):
    answer = post_zip(api, "/admin/oneroster/preview", data, make_admin())
    assert (answer.status_code, answer.json()) == (400, {"success": False, "error": error})


def with_member(name: str, content: bytes) -> bytes:
    """An empty bundle with that member added, or put in place of the one of that name."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(bundle())) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for member in source.namelist():
            if member != name:
                archive.writestr(member, source.read(member))
        archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_bomb_and_a_path_trick_are_refused(api, make_admin):
    admin = make_admin()
    bomb = with_member("users.csv", b"sourcedId,givenName,familyName\n" + b"0" * (80 * 2**20))
    trick = with_member("../../etc/cron.d/x", b"* * * * * root sh")
    for data, error in [
        (bomb, "The zip unpacks to more than the import limit (users.csv)"),
        (trick, "A file name or file the zip may not hold: '../../etc/cron.d/x'"),
    ]:
        assert len(data) < 2**20
        answer = post_zip(api, "/admin/oneroster/apply", data, admin)
        assert (answer.status_code, answer.json()) == (400, {"success": False, "error": error})


def cli(server_env, tmp_path, *args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **server_env, "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "bootstrap.cli", "import-oneroster", *args],
        env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_nightly_command_previews_applies_keeps_links_private_and_the_class_hears_it(
    api, server_env, tmp_path, make_account, live
):
    tag = uuid4().hex[:8]
    teacher = make_account("teacher")  # signed up already: matched by email, then synced
    people, classes, enrollments = school(tag, t={"email": teacher.email})
    path = tmp_path / "sis.zip"
    path.write_bytes(bundle(people, classes, enrollments))
    teacher_socket = live(teacher, v2=True)
    teacher_socket.receive_event("SESSION_STATE")

    preview = cli(server_env, tmp_path, str(path))
    assert preview.returncode == 0, preview.stderr
    assert "preview: nothing changed" in preview.stdout
    assert api.get("/class", headers=teacher.auth).json()["data"] == []

    links = tmp_path / "links.csv"
    applied = cli(server_env, tmp_path, str(path), "--apply", "--links-to", str(links))
    assert applied.returncode == 0, applied.stderr
    assert "2 set-password link(s) written to" in applied.stdout
    assert "set-password/" not in applied.stdout + applied.stderr  # no link in what cron mails
    assert stat.S_IMODE(links.stat().st_mode) == 0o600
    rows = links.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "\ufeffname,email,link,expires_at" and len(rows) == 3
    (maths,) = api.get("/class", headers=teacher.auth).json()["data"]
    assert teacher_socket.receive_event("CLASS_JOINED")["data"] == {"classId": maths["id"]}

    refused = cli(server_env, tmp_path, str(tmp_path / "missing.zip"))
    assert refused.returncode == 2 and "Cannot read" in refused.stderr
    path.write_bytes(b"not a zip")
    refused = cli(server_env, tmp_path, str(path), "--apply")
    assert refused.returncode == 2 and "Not a readable zip file" in refused.stderr


def test_an_erased_person_is_not_brought_back_by_the_next_sync(api, make_admin, database_url):
    """Erasure forgets the SIS's sourcedId too: the next nightly bundle, still listing the
    person, makes a new account for them instead of writing their name and email back onto
    the erased one."""
    admin, tag = make_admin(), uuid4().hex[:8]
    data = bundle(*school(tag))
    first = synced(api, admin, data)
    (ana,) = api.get(f"/admin/users?search=ana.{tag}", headers=admin.auth).json()["data"]
    assert log_in_with_link(api, first, f"ana.{tag}@school.test")
    export = api.get(f"/admin/users/{ana['id']}/export", headers=admin.auth).json()["data"]
    assert export["sourcedIds"] == [f"{tag}-a"]
    erased = api.post(f"/admin/users/{ana['id']}/erase", headers=admin.auth)
    assert erased.status_code == 200, erased.text

    again = synced(api, admin, data)
    assert ("users.csv", 3, "created", None) in mine(again, tag)
    (new_ana,) = api.get(f"/admin/users?search=ana.{tag}", headers=admin.auth).json()["data"]
    assert new_ana["id"] != ana["id"]
    (row,) = query(database_url, f"SELECT name, email FROM users WHERE id = '{ana['id']}'")
    assert row["name"] == "Erased user" and row["email"].endswith("@erased.invalid")
