"""Say whether PyPI has a newer Home Assistant than requirements_e2e_newest.txt pins.

The "e2e-newest" job of scripts/test runs the end-to-end suite against the
newest Home Assistant release, pinned in requirements_e2e_newest.txt (no test
harness pins it yet). scripts/test runs this first in that job, so the pin
is bumped the day a new release appears (as scripts/phcc_check.py does for
the test harness).

It never fails: a few seconds at most, and without network it says so and
exits 0. It asks uv (the installer the environments are built with) for a
homeassistant newer than the pinned one that installs on this Python (the
full version: Home Assistant requires e.g. >=3.14.2, not just 3.14).
"""

import os
from pathlib import Path
import re
import shutil
import subprocess
import sys

PACKAGE = "homeassistant"
PROJECT = Path(__file__).resolve().parents[1]
REQUIREMENTS = PROJECT / "requirements_e2e_newest.txt"
TIMEOUT = 10  # seconds


def pinned() -> str | None:
    """Return the homeassistant version requirements_e2e_newest.txt pins."""
    text = REQUIREMENTS.read_text(encoding="utf-8")
    match = re.search(rf"^{PACKAGE}==(\S+)", text, re.MULTILINE)
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
    """Print one line about the newest homeassistant; always return 0."""
    current = pinned()
    uv = find_uv()
    if current is None or uv is None:
        print(f"Home Assistant check skipped: no pin found ({current}) or no uv ({uv})")
        return 0
    python = ".".join(str(part) for part in sys.version_info[:3])
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
        print(
            f"Home Assistant check skipped: could not ask PyPI ({type(err).__name__})"
        )
        return 0
    newer = re.search(rf"^{PACKAGE}==(\S+)", result.stdout, re.MULTILINE)
    if newer:
        print(
            f"NOTE: Home Assistant {newer.group(1)} is out (e2e-newest pins {current})."
            " Bump requirements_e2e_newest.txt (and its runtime pins, from the"
            " release's package_constraints.txt) and run scripts/test."
        )
    elif f"{PACKAGE}<={current}" in result.stderr:
        print(f"Home Assistant {current} is the newest release for Python {python}.")
    else:
        last = (result.stderr.strip().splitlines() or ["no answer"])[-1]
        print(
            f"Home Assistant check skipped: could not ask PyPI ({last.strip()[:160]})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
