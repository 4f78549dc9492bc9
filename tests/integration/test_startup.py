"""Start-up refuses bad configuration with one message that names every problem."""

import os
import subprocess
import sys


def test_bad_configuration_stops_start_up_naming_every_problem(tmp_path):
    env = {
        **os.environ,
        "NODE_ENV": "production",
        "JWT_SECRET": "too-short",
        "PORT": "nope",
        "PUBLIC_URL": "attendance.school.example",  # no scheme
        "DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    env.pop("CORS_ORIGIN", None)
    result = subprocess.run(
        [sys.executable, "-m", "bootstrap.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("Invalid configuration:")
    for name in ("DATABASE_URL", "JWT_SECRET", "CORS_ORIGIN", "PORT", "PUBLIC_URL"):
        assert name in result.stderr
    assert "Traceback" not in result.stderr
