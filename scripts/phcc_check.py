"""Say whether PyPI has a newer pytest-homeassistant-custom-component (phcc).

phcc pins one exact Home Assistant, so the newest Home Assistant this project
can test is the one the newest phcc pins. scripts/test runs this first so the
pin in requirements_test.txt is bumped the day a new phcc appears.

It never fails: a few seconds at most, and without network it says so and
exits 0. It asks uv (the installer the environments are built with) for a
phcc newer than the pinned one that installs on this Python.
"""

import os
from pathlib import Path
import re
import shutil
import subprocess
import sys

PACKAGE = "pytest-homeassistant-custom-component"
PROJECT = Path(__file__).resolve().parents[1]
TIMEOUT = 10  # seconds


def pinned() -> str | None:
    """Return the phcc version requirements_test.txt pins."""
    text = (PROJECT / "requirements_test.txt").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(PACKAGE)}==(\S+)", text, re.MULTILINE)
    return match.group(1) if match else None


def find_uv() -> str | None:
    """Return uv: on PATH or in the venv (plain venv path), or the sid root's."""
    for candidate in (
        shutil.which("uv"),
        str(Path(sys.prefix) / "bin" / "uv"),
        "/opt/uv/bin/uv",
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def main() -> int:
    """Print one line about the newest phcc; always return 0."""
    current = pinned()
    uv = find_uv()
    if current is None or uv is None:
        print(f"phcc check skipped: no pin found ({current}) or no uv ({uv})")
        return 0
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    try:
        result = subprocess.run(
            [
                uv,
                "pip",
                "compile",
                "-q",
                "--no-deps",
                "--no-header",
                "--no-annotate",
                "--refresh-package",
                PACKAGE,
                "--python-version",
                python,
                "-",
            ],
            input=f"{PACKAGE}>{current}\n",
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            # Without network: give up at once instead of retrying.
            env=os.environ | {"UV_HTTP_RETRIES": "0", "UV_HTTP_TIMEOUT": "5"},
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        print(f"phcc check skipped: could not ask PyPI ({type(err).__name__})")
        return 0
    newer = re.search(rf"^{re.escape(PACKAGE)}==(\S+)", result.stdout, re.MULTILINE)
    if newer:
        print(
            f"NOTE: {PACKAGE} {newer.group(1)} is out (pinned: {current}); it pins a"
            " newer Home Assistant. Bump requirements_test.txt (and the versions in"
            " requirements_dev.txt) and run scripts/test."
        )
    elif f"{PACKAGE}<={current}" in result.stderr:
        print(f"phcc {current} is the newest release for Python {python}.")
    else:
        last = (result.stderr.strip().splitlines() or ["no answer"])[-1]
        print(f"phcc check skipped: could not ask PyPI ({last.strip()[:160]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
