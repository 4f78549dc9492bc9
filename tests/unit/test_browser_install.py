"""`make browser` (.ci/install-chromium), which `make test` runs first: Chromium and what it
depends on, no recommended packages, and never an upgrade of an installed package. apt-get and
id are fakes here: make runs with a PATH that holds them, make, sh, grep and cat, and no
Chromium."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
SCRIPT = REPOSITORY / ".ci" / "install-chromium"

NEW_ONLY = """NOTE: This is only a simulation!
Inst libogg0 (1.3.5-3 Debian:12.15/oldstable [amd64])
Inst chromium-common (150.0.7871.100-1~deb12u1 Debian:12.15/oldstable [amd64])
Inst chromium (150.0.7871.100-1~deb12u1 Debian:12.15/oldstable [amd64])
Conf libogg0 (1.3.5-3 Debian:12.15/oldstable [amd64])
"""
WITH_AN_UPGRADE = NEW_ONLY + (
    "Inst libudev1 [252.38-1~deb12u1] (252.39-1~deb12u2 Debian:12.15/oldstable [amd64])\n"
)

FAKE_APT_GET = """#!/bin/sh
echo "$*" >> "$APT_LOG"
case " $* " in
*" --simulate "*) cat "$APT_PLAN" ;;
esac
"""


@pytest.fixture
def fake_system(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("make", "sh", "grep", "cat"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    (bin_dir / "apt-get").write_text(FAKE_APT_GET)
    (bin_dir / "id").write_text("#!/bin/sh\necho 0\n")  # root
    for fake in ("apt-get", "id"):
        (bin_dir / fake).chmod(0o755)
    return tmp_path


def install(fake_system: Path, plan: str, **environment: str) -> tuple[str, list[str]]:
    (fake_system / "plan").write_text(plan)
    log = fake_system / "apt.log"
    log.touch()
    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "-C", str(REPOSITORY), "browser"],
        env={
            "PATH": str(fake_system / "bin"),
            "APT_LOG": str(log),
            "APT_PLAN": str(fake_system / "plan"),
            **environment,
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr  # it never fails `make test`
    return done.stdout, log.read_text().splitlines()


def test_installs_chromium_without_recommended_packages_after_checking_the_plan(fake_system):
    output, calls = install(fake_system, NEW_ONLY)
    assert calls == [
        "install -y -q --no-install-recommends chromium --simulate",
        "install -y -q --no-install-recommends chromium",
    ]
    assert "3 new packages, no upgrades" in output


def test_installs_nothing_when_it_would_upgrade_an_installed_package(fake_system):
    output, calls = install(fake_system, WITH_AN_UPGRADE)
    assert all("--simulate" in call for call in calls if call.startswith("install")), calls
    assert "libudev1" in output
    assert "Chromium is missing" in output


def test_under_ci_it_installs_even_when_that_upgrades_a_package(fake_system):
    """CI's browser test must run (it fails without Chromium there); its machine is thrown
    away after the run."""
    output, calls = install(fake_system, WITH_AN_UPGRADE, CI="true")
    assert calls[-1] == "install -y -q --no-install-recommends chromium", calls
    assert "installing Chromium all the same" in output


def test_skip_browser_install_installs_nothing_and_says_so(fake_system):
    output, calls = install(fake_system, NEW_ONLY, SKIP_BROWSER_INSTALL="1")
    assert calls == []
    assert "browser test will be skipped" in output


def test_make_test_and_ci_install_it_through_this_script_alone():
    makefile = (REPOSITORY / "Makefile").read_text()
    ci = (REPOSITORY / ".ci" / "run").read_text()
    assert ".ci/install-chromium" in makefile
    for text in (makefile, ci):
        lines = text.splitlines()
        assert [line for line in lines if "apt-get" in line and "chromium" in line] == []
    assert os.access(SCRIPT, os.X_OK)
