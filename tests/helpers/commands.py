"""Running the real `flask` command in a fresh interpreter, against a given database."""

import os
import subprocess
import sys


def flask(args: list[str], url: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=url, FLASK_APP="wsgi", LOG_JSON="0")
    return subprocess.run(
        [sys.executable, "-m", "flask", *args], env=env, capture_output=True, text=True, timeout=300
    )
