"""`live-attendance create-admin`: the first administrator, from the command line, with a
one-time link to choose a password (printed once, and written nowhere else)."""

import os
import re
import subprocess
import sys

from tests.factories import SignupBodyFactory


def create_admin(server_env: dict, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bootstrap.cli", "create-admin", *arguments],
        env={**os.environ, **server_env, "PUBLIC_URL": "https://attendance.school.example"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_first_admin_chooses_a_password_from_the_printed_link_and_signs_in(
    server, server_env, api
):
    email = SignupBodyFactory.build()["email"]
    made = create_admin(server_env, "--email", email, "--name", "Ada Admin")
    assert made.returncode == 0, made.stderr
    link = re.search(r"https://attendance\.school\.example/#/set-password/(\S+)", made.stdout)
    assert link, made.stdout
    token = link.group(1)
    assert (made.stdout + made.stderr).count(token) == 1  # printed once, logged nowhere
    assert token not in server.log_path.read_text()
    chosen = api.post("/auth/password", json={"token": token, "password": "admin-pw-1"})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["data"]["role"] == "admin"
    login = api.post("/auth/login", json={"email": email, "password": "admin-pw-1"})
    me = api.get("/auth/me", headers={"Authorization": login.json()["data"]["token"]})
    assert me.json()["data"] == {
        "id": chosen.json()["data"]["id"], "name": "Ada Admin", "email": email, "role": "admin"
    }  # fmt: skip


def test_no_admin_is_made_for_a_taken_email_or_a_bad_one(server_env, make_account):
    taken = make_account("teacher")
    refused = create_admin(server_env, "--email", taken.email, "--name", "Someone")
    assert refused.returncode != 0
    assert "exists already" in refused.stderr
    bad = create_admin(server_env, "--email", "not-an-email", "--name", "Someone")
    assert bad.returncode == 2 and "Invalid name or email" in bad.stderr
    empty = create_admin(server_env, "--email", "a@example.com", "--name", "  ")
    assert empty.returncode == 2
