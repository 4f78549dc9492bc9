"""The service as a user installs it: the README's install steps (a wheel built from the
repository, installed with the locked versions of its dependencies into a new virtual
environment outside it), after which it migrates and serves from any directory; and the
container's entry command (the Dockerfile's environment, command and health check) serves too.

No Docker engine runs where these tests run, so the image itself is not built here; its final
stage is read from the Dockerfile and run directly against the wheel's installation, which is
what the image's build stage produces (`uv sync --no-dev --no-editable` of the same lock)."""

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from infrastructure.database.migrations import head_revisions
from infrastructure.database.urls import plain_url
from tests.factories import SignupBodyFactory
from tests.integration.server import TEST_JWT_SECRET, ServerProcess

REPOSITORY = Path(__file__).resolve().parents[2]

# Variables of the test run that would make the installed service use the repository's
# configuration or code instead of its own defaults.
INHERITED = (
    "DATABASE_URL",
    "JWT_SECRET",
    "NODE_ENV",
    "CORS_ORIGIN",
    "DATA_DIR",
    "TEST_DATABASE_URL",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "UV_PROJECT_ENVIRONMENT",
)


def find_uv() -> str:
    uv = REPOSITORY / ".tools" / "bin" / "uv"  # where `make` puts it
    found = str(uv) if uv.is_file() else shutil.which("uv")
    if found is None:
        pytest.fail("uv is needed to build the wheel: run the tests with `make test`")
    return found


def run(*command: str, cwd: Path = REPOSITORY, **extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in INHERITED}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.update(extra)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def readme_block(after: str) -> str:
    """The first sh block of the README after the given text."""
    text = (REPOSITORY / "README.md").read_text().split(after, 1)[1]
    found = re.search(r"```sh\n(.*?)```", text, re.DOTALL)
    assert found is not None
    return found.group(1)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The README's install steps ("As a package"), run as written but for the folders they
    use: a new virtual environment holding the wheel and, through constraints.txt, the locked
    versions of its dependencies; returns its bin folder. Serving is the tests' to do."""
    workdir = tmp_path_factory.mktemp("installed")
    steps = readme_block("**As a package**").splitlines()
    script = "\n".join(line for line in steps if "live-attendance serve" not in line)
    assert script.count("\n") == len(steps) - 2, "the serve command has a line of its own"
    for written, here in (
        ("dist/", f"{workdir}/dist/"),  # where `make wheel` puts them: DIST below
        ("/opt/attendance", f"{workdir}/opt"),
        ("/srv/attendance", f"{workdir}/srv"),
        ("python3 ", f"{sys.executable} "),  # the tests' Python, whatever python3 is
    ):
        assert written in script
        script = script.replace(written, here)
    run("sh", "-e", "-c", script, DIST=f"{workdir}/dist")
    assert (workdir / "srv").is_dir()
    return workdir / "opt" / ("Scripts" if os.name == "nt" else "bin")


@pytest.fixture
def clean_environment(monkeypatch):
    for name in INHERITED:
        monkeypatch.delenv(name, raising=False)


def sign_up_and_log_in(server: ServerProcess, body: dict) -> str:
    assert httpx.post(f"{server.base_url}/auth/signup", json=body).status_code == 201
    return log_in(server, body)


def log_in(server: ServerProcess, body: dict) -> str:
    answer = httpx.post(
        f"{server.base_url}/auth/login",
        json={"email": body["email"], "password": body["password"]},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["token"]


def locked_versions() -> dict[str, set[str]]:
    locked: dict[str, set[str]] = {}
    for package in tomllib.loads((REPOSITORY / "uv.lock").read_text())["package"]:
        locked.setdefault(package["name"], set()).add(package.get("version", ""))
    return locked


def test_constraints_txt_is_the_locks_runtime_dependencies():
    exported = run(find_uv(), "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes")
    committed = (REPOSITORY / "constraints.txt").read_text()
    assert committed == exported, "constraints.txt differs from uv.lock: run `make constraints`"


def test_the_installed_dependencies_are_the_locked_versions(installed, tmp_path):
    listing = run(
        str(installed / "python"), "-c", "import importlib.metadata as m, json; "
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
        cwd=tmp_path,
    )  # fmt: skip
    found = {re.sub(r"[-_.]+", "-", name).lower(): v for name, v in json.loads(listing).items()}
    locked = locked_versions()
    assert found["uvicorn"] in locked["uvicorn"]
    assert len(found) > 50
    unlocked = {name: version for name, version in found.items() if name not in locked}
    assert set(unlocked) <= {"pip", "setuptools"}, unlocked
    assert {name: v for name, v in found.items() if name in locked and v not in locked[name]} == {}


def test_the_installed_code_is_the_wheels_not_the_repositorys(installed, tmp_path):
    where = run(
        str(installed / "python"), "-c", "import bootstrap, infrastructure.database as d; "
        "print(bootstrap.__file__); print(d.__file__)", cwd=tmp_path,
    )  # fmt: skip
    for module_file in where.split():
        assert Path(module_file).is_relative_to(installed.parent), module_file


def test_the_installed_package_migrates_a_database_with_the_migrations_it_carries(
    installed, database_url, tmp_path
):
    where = run(
        str(installed / "python"), "-c", "from infrastructure.database.migrations import "
        "scripts_folder; print(scripts_folder())", cwd=tmp_path,
    ).strip()  # fmt: skip
    carried = Path(where)
    assert carried.is_relative_to(installed.parent), carried
    assert sorted(path.name for path in (carried / "versions").glob("*.py")) == sorted(
        path.name for path in (REPOSITORY / "alembic" / "versions").glob("*.py")
    )

    async def sql(url: str, statement: str) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(plain_url(url))
        try:
            return await connection.fetch(statement)
        finally:
            await connection.close()

    name = f"installed_{uuid4().hex[:10]}"
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(sql(database_url, f'CREATE DATABASE "{name}"'))
    try:
        run(str(installed / "live-attendance"), "migrate", cwd=tmp_path, DATABASE_URL=url)
        rows = asyncio.run(sql(url, "SELECT version_num FROM alembic_version"))
        assert {row["version_num"] for row in rows} == head_revisions()
    finally:
        asyncio.run(sql(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_the_wheel_migrates_and_serves_on_the_embedded_database(
    installed, clean_environment, tmp_path
):
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    command = [str(installed / "live-attendance"), "serve"]
    environment = {"BCRYPT_ROUNDS": "4"}
    body = SignupBodyFactory.build(role="teacher")

    first = ServerProcess(environment, tmp_path / "first.log", command=command, cwd=elsewhere)
    first.start(timeout=120)
    try:
        token = sign_up_and_log_in(first, body)
    finally:
        first.stop()
    # The data and the generated secret live under ./.data of the directory it was run from.
    assert (elsewhere / ".data" / "jwt-secret").is_file()
    assert (elsewhere / ".data" / "postgres" / "PG_VERSION").is_file()

    second = ServerProcess(environment, tmp_path / "second.log", command=command, cwd=elsewhere)
    second.start(timeout=120)
    try:
        assert log_in(second, body)
        me = httpx.get(f"{second.base_url}/auth/me", headers={"Authorization": token})
        assert me.status_code == 200
        assert me.json()["data"]["email"] == body["email"]
    finally:
        second.stop()


# The Dockerfile's final stage, read as the engine would: instructions after the last FROM.


def final_stage() -> list[tuple[str, str]]:
    text = (REPOSITORY / "Dockerfile").read_text()
    text = re.sub(r"\\\n\s*", " ", text)  # line continuations
    lines = [line.strip() for line in text.splitlines()]
    instructions = [
        tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")
    ]
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return [(keyword.upper(), rest) for keyword, rest in instructions[last_from + 1 :]]


def image_environment(bin_dir: Path) -> dict[str, str]:
    environment = {"PATH": os.environ["PATH"]}
    for keyword, rest in final_stage():
        if keyword == "ENV":
            for name, value in re.findall(r"(\w+)=(\S+)", rest):
                # The image's venv is /app/.venv; here it is the wheel's installation.
                value = value.replace("/app/.venv/bin", str(bin_dir))
                environment[name] = value.replace("$PATH", os.environ["PATH"])
    return environment


def exec_form(keyword: str) -> list[str]:
    (rest,) = [rest for found, rest in final_stage() if found == keyword]
    if keyword == "HEALTHCHECK":
        rest = rest.split("CMD", 1)[1]
    return json.loads(rest)


def test_the_images_build_stage_copies_everything_the_wheel_is_built_from():
    text = re.sub(r"\\\n\s*", " ", (REPOSITORY / "Dockerfile").read_text())
    copied = {
        Path(source).as_posix().rstrip("/")
        for line in text.splitlines()
        if line.startswith("COPY ") and "--from" not in line
        for source in line.split()[1:-1]
    }
    wheel = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    wheel = wheel["targets"]["wheel"]
    needed = {Path(package).parts[0] for package in wheel["packages"]}
    needed |= {Path(source).parts[0] for source in wheel.get("force-include", {})}
    assert needed <= copied, needed - copied


def test_the_image_runs_unprivileged_and_checks_its_health():
    stage = dict(final_stage())
    assert stage["USER"] not in ("root", "0")
    assert "/health" in " ".join(exec_form("HEALTHCHECK"))


def test_the_images_command_serves_in_production_and_its_health_check_follows(
    installed, clean_environment, database_url, tmp_path
):
    environment = image_environment(installed)
    assert environment["NODE_ENV"] == "production"
    environment |= {
        "DATABASE_URL": database_url,
        "JWT_SECRET": TEST_JWT_SECRET,
        "CORS_ORIGIN": "https://attendance.example.org",
        "BCRYPT_ROUNDS": "4",
        # The whole suite signs up from 127.0.0.1 into this database within the limits' window.
        "SIGNUPS_PER_ADDRESS": "1000000",
    }
    server = ServerProcess(
        environment, tmp_path / "image.log", command=exec_form("CMD"), cwd=tmp_path
    )

    def health_check() -> int:
        env = {**environment, "PORT": str(server.port)}
        return subprocess.run(exec_form("HEALTHCHECK"), env=env, timeout=10).returncode

    server.start(timeout=120)
    try:
        assert sign_up_and_log_in(server, SignupBodyFactory.build(role="teacher"))
        assert health_check() == 0
    finally:
        server.stop()
    assert health_check() != 0
