"""Say whether PyPI has a newer release of a package this project pins.

Two pins follow the newest Home Assistant, and scripts/test runs this at the
start of the job that uses each, so a pin is bumped the day a release appears:

  phcc           pytest-homeassistant-custom-component in requirements_test.txt;
                 each phcc release pins one exact Home Assistant (job newest)
  homeassistant  homeassistant in requirements_e2e_newest.txt, the newest
                 release, which no phcc pins yet (job e2e-newest)

Usage: python scripts/pin_check.py phcc|homeassistant

It never fails: a few seconds at most, and without network it says so and
exits 0. It asks uv (the installer the environments are built with) for a
release newer than the pinned one that installs on this Python (the full
version: Home Assistant requires e.g. >=3.14.2, not just 3.14).
"""

from dataclasses import dataclass
import os
from pathlib import Path
import re
import shutil
import subprocess
import sys

PROJECT = Path(__file__).resolve().parents[1]
TIMEOUT = 10  # seconds


@dataclass(frozen=True)
class Pin:
    """A pinned package, where it is pinned and what to do when it is old."""

    package: str
    label: str
    requirements: str
    bump: str


PINS = {
    "phcc": Pin(
        package="pytest-homeassistant-custom-component",
        label="phcc",
        requirements="requirements_test.txt",
        bump="it pins a newer Home Assistant. Bump requirements_test.txt (and the"
        " versions in requirements_dev.txt) and run scripts/test.",
    ),
    "homeassistant": Pin(
        package="homeassistant",
        label="Home Assistant",
        requirements="requirements_e2e_newest.txt",
        bump="Bump requirements_e2e_newest.txt (and its runtime pins, from the"
        " release's package_constraints.txt) and run scripts/test.",
    ),
}


def pinned(pin: Pin) -> str | None:
    """Return the version the pin's requirement file names."""
    text = (PROJECT / pin.requirements).read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(pin.package)}==(\S+)", text, re.MULTILINE)
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


def ask_pypi(uv: str, package: str, current: str, python: str) -> tuple[str, str]:
    """Return uv's stdout and stderr for "package newer than current"."""
    result = subprocess.run(
        [
            *(uv, "pip", "compile", "-q", "--no-deps", "--no-header", "--no-annotate"),
            *("--refresh-package", package, "--python-version", python, "-"),
        ],
        input=f"{package}>{current}\n",
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        # Without network: give up at once instead of retrying.
        env=os.environ | {"UV_HTTP_RETRIES": "0", "UV_HTTP_TIMEOUT": "5"},
    )
    return result.stdout, result.stderr


def check(pin: Pin) -> str:
    """Return the one line to print about the pin."""
    current = pinned(pin)
    uv = find_uv()
    if current is None or uv is None:
        return f"{pin.label} check skipped: no pin found ({current}) or no uv ({uv})"
    python = ".".join(str(part) for part in sys.version_info[:3])
    try:
        stdout, stderr = ask_pypi(uv, pin.package, current, python)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"{pin.label} check skipped: could not ask PyPI ({type(err).__name__})"
    newer = re.search(rf"^{re.escape(pin.package)}==(\S+)", stdout, re.MULTILINE)
    if newer:
        return (
            f"NOTE: {pin.label} {newer.group(1)} is out (pinned: {current}); {pin.bump}"
        )
    if f"{pin.package}<={current}" in stderr:
        return f"{pin.label} {current} is the newest release for Python {python}."
    last = (stderr.strip().splitlines() or ["no answer"])[-1]
    return f"{pin.label} check skipped: could not ask PyPI ({last.strip()[:160]})"


def main(argv: list[str]) -> int:
    """Print one line about the named pin; always return 0 for a known name."""
    if len(argv) != 1 or argv[0] not in PINS:
        print(f"usage: pin_check.py {'|'.join(PINS)}", file=sys.stderr)
        return 2
    print(check(PINS[argv[0]]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
