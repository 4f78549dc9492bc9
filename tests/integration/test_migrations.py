"""The migrations build exactly the schema the models describe, and keep existing data; in a
checkout they live in the top-level alembic/ folder, where new revisions are written."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import asyncpg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from infrastructure.database.migrations import alembic_config
from infrastructure.database.models import metadata
from infrastructure.database.urls import async_url, plain_url
from tests.integration.server import TEST_JWT_SECRET

REPOSITORY = Path(__file__).resolve().parents[2]
VERSIONS = REPOSITORY / "alembic" / "versions"


def test_a_checkout_keeps_its_migrations_in_the_top_level_alembic_folder():
    found = ScriptDirectory.from_config(alembic_config(""))
    assert Path(found.dir) == REPOSITORY / "alembic"
    assert {Path(revision.path) for revision in found.walk_revisions()} == set(
        VERSIONS.glob("*.py")
    )
    # `alembic upgrade head` in the repository (alembic.ini) uses the same folder.
    by_ini = ScriptDirectory.from_config(Config(str(REPOSITORY / "alembic.ini")))
    assert Path(by_ini.dir).resolve() == REPOSITORY / "alembic"
    assert list((REPOSITORY / "src").rglob("versions/*.py")) == []


def test_makemigration_writes_the_new_revision_into_alembic_versions(database_url, tmp_path):
    before = set(VERSIONS.glob("*.py"))
    environment = {**os.environ, "DATABASE_URL": database_url, "JWT_SECRET": TEST_JWT_SECRET}
    command_line = [sys.executable, "-m", "bootstrap.cli", "makemigration", "-m", "probe"]
    try:
        done = subprocess.run(
            command_line, env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        (written,) = set(VERSIONS.glob("*.py")) - before
        assert written.name.endswith("_probe.py")
    finally:
        for new in set(VERSIONS.glob("*.py")) - before:
            new.unlink()


def test_migrated_database_matches_the_models(server, database_url):
    # The server fixture has migrated the database at start-up.
    async def differences():
        engine = create_async_engine(async_url(database_url), poolclass=NullPool)
        async with engine.connect() as connection:
            found = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                )
            )
        await engine.dispose()
        return found

    assert asyncio.run(differences()) == []


def test_upgrading_keeps_the_data_of_the_previous_version(database_url):
    """A database of the last released schema, holding a class with a finished session and a
    live one, upgrades to head (protocol v2 and the records) with every row intact and every
    new option off."""
    name = f"upgrade_{uuid4().hex[:10]}"
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)

    async def sql(target: str, statement: str, *args):
        connection = await asyncpg.connect(plain_url(target))
        try:
            return await connection.fetch(statement, *args)
        finally:
            await connection.close()

    asyncio.run(sql(database_url, f'CREATE DATABASE "{name}"'))
    try:
        command.upgrade(alembic_config(url), "1c5e0f3a9b7d")  # the last released schema
        teacher, student, klass, done, live = (uuid4() for _ in range(5))
        for statement, *args in (
            ("INSERT INTO users (id, name, email, password, role) VALUES"
             " ($1, 'T', 't@x.io', 'h', 'teacher'), ($2, 'S', 's@x.io', 'h', 'student')",
             teacher, student),
            ("INSERT INTO classes (id, class_name, teacher_id, student_ids)"
             " VALUES ($1, 'Maths', $2, ARRAY[$3::uuid])", klass, teacher, student),
            ("INSERT INTO attendance_sessions (id, class_id, started_at, ended_at)"
             " VALUES ($1, $3, now() - interval '1 hour', now()), ($2, $3, now(), NULL)",
             done, live, klass),
            ("INSERT INTO attendance (id, class_id, student_id, status, session_id)"
             " VALUES ($1, $2, $3, 'present', $4)", uuid4(), klass, student, done),
            ("INSERT INTO attendance_marks (id, session_id, student_id, status)"
             " VALUES ($1, $2, $3, 'absent')", uuid4(), live, student),
        ):  # fmt: skip
            asyncio.run(sql(url, statement, *args))

        command.upgrade(alembic_config(url), "head")

        (classroom,) = asyncio.run(sql(url, "SELECT * FROM classes"))
        assert (classroom["class_name"], classroom["student_ids"]) == ("Maths", [student])
        assert (classroom["extra_statuses"], classroom["archived"]) == ([], False)
        assert (classroom["private_marks"], classroom["live_seq"]) == (False, 0)
        (record,) = asyncio.run(sql(url, "SELECT * FROM attendance"))
        assert (record["status"], record["corrected_status"]) == ("present", None)
        (mark,) = asyncio.run(sql(url, "SELECT * FROM attendance_marks"))
        assert mark["status"] == "absent" and mark["session_id"] == live
        assert mark["checked_in"] is False
        assert asyncio.run(sql(url, "SELECT * FROM attendance_corrections")) == []
        # The records there are counted into the totals whole-history reports read.
        totals = (
            "SELECT class_id, student_id, sessions, present, absent, late, excused"
            " FROM attendance_totals"
        )
        assert [tuple(row) for row in asyncio.run(sql(url, totals))] == [
            (klass, student, 1, 1, 0, 0, 0)
        ]
        # The new statuses are storable now, and the totals follow a correction.
        asyncio.run(sql(url, "UPDATE attendance SET corrected_status = 'excused'"))
        assert [tuple(row) for row in asyncio.run(sql(url, totals))] == [
            (klass, student, 1, 0, 0, 0, 1)
        ]
    finally:
        asyncio.run(sql(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
