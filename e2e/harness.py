"""Start a real Home Assistant and the gridX emulator, and talk to them.

Only the standard library: the processes under test are driven over HTTP on
127.0.0.1, the way a browser and gridX would reach them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

ROOT = Path(__file__).resolve().parents[1]
HTTP_STORAGE = {
    "version": 2,
    "minor_version": 2,
    "key": "http",
    "data": {
        "stable": {
            "server_host": ["127.0.0.1"],
            "server_port": 0,
            "cors_allowed_origins": ["https://cast.home-assistant.io"],
            "login_attempts_threshold": -1,
            "ip_ban_enabled": True,
            "ssl_profile": "modern",
            "use_x_frame_options": True,
            "created_at": "2026-01-01T00:00:00+00:00",
            "error": None,
            "error_message": None,
        },
        "pending": None,
        "yaml_migration_done": True,
    },
}


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class HttpError(Exception):
    """A request answered with an error status."""

    def __init__(self, status: int, body: str) -> None:
        """Keep the status and body."""
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


def request(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    token: str | None = None,
    timeout: float = 10,
) -> Any:
    """Send one request; return the decoded JSON answer, else its text, or None."""
    headers = {}
    data = None
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            raw = resp.read()
    except urllib.error.HTTPError as err:
        raise HttpError(err.code, err.read().decode(errors="replace")) from None
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:  # e.g. a rendered template that is plain text
        return raw.decode()


def wait_for(check: Any, *, timeout: float, interval: float = 0.25, what: str) -> Any:
    """Poll ``check()`` until it returns something truthy, or fail."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except (OSError, HttpError) as err:
            last_error = err
        time.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout} s waiting for {what} ({last_error})"
    )


@dataclass
class Process:
    """A child process whose output goes to a log file."""

    name: str
    args: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it in its own session, so stopping it stops its children."""
        handle = self.log.open("wb")
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argument lists
            self.args,
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, **self.env},
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL at once: no shutdown, nothing saved (a crash)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 20 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


@dataclass
class Stack:
    """Home Assistant plus the emulator, on free loopback ports."""

    workdir: Path
    ha_port: int = field(default_factory=free_port)
    emulator_port: int = field(default_factory=free_port)
    gridx_token: str = "gxp_e2e_token"
    # Keep the emulator's state in a file (it then survives a restart).
    emulator_state: bool = False
    portal_password: str | None = None
    # More emulator options (e.g. ("--batteries", "2")).
    emulator_args: tuple[str, ...] = ()
    # The emulator's demo story of events (its gateway goes offline and back;
    # False: the state changes only through its /_control/ routes).
    scenario: bool = True
    # The demo gateway's polled connection status, set at the emulator's start.
    gateway_status: str | None = None
    # YAML appended to configuration.yaml (e.g. "energy:" for the browser test).
    extra_config: str = ""
    access_token: str = ""
    hass: Process | None = None
    emulator: Process | None = None

    @property
    def ha_url(self) -> str:
        """Home Assistant's base URL."""
        return f"http://127.0.0.1:{self.ha_port}"

    @property
    def emulator_url(self) -> str:
        """The emulator's base URL (the API base for the integration)."""
        return f"http://127.0.0.1:{self.emulator_port}"

    def prepare(self) -> Path:
        """Write a config dir like scripts/develop's, on this stack's ports."""
        config = self.workdir / "config"
        (config / ".storage").mkdir(parents=True)
        shutil.copy(ROOT / "config" / "configuration.yaml", config)
        if self.extra_config:
            with (config / "configuration.yaml").open("a") as handle:
                handle.write(f"\n{self.extra_config}\n")
        (config / "automations.yaml").write_text("[]\n")
        (config / "custom_components").symlink_to(ROOT / "custom_components")
        storage = json.loads(json.dumps(HTTP_STORAGE))
        storage["data"]["stable"]["server_port"] = self.ha_port
        (config / ".storage" / "http").write_text(json.dumps(storage))
        return config

    def start(self, *, scenario_interval: float = 1.0, emulator: bool = True) -> None:
        """Start the emulator (scenario mode) and hass, and wait for both.

        With ``emulator=False`` the caller runs an emulator on
        ``emulator_port`` itself (the benchmark does, in-process).
        """
        self.prepare()
        if emulator:
            self._start_emulator(scenario_interval)
        self.start_hass()

    def start_hass(self) -> None:
        """Start hass on the prepared config dir and wait until it runs."""
        config = self.workdir / "config"
        current = config / "home-assistant.log"
        if current.exists():  # keep the earlier runs' logs, in order
            runs = len(list(config.glob("home-assistant.run*.log")))
            current.rename(config / f"home-assistant.run{runs + 1}.log")
        self.hass = Process(
            "hass",
            [sys.executable, "-m", "homeassistant", "-c", str(config), "--skip-pip"],
            self.workdir / "hass.out",
            env={"GRIDX_HA_URL": self.ha_url},
        )
        self.hass.start()
        wait_for(
            lambda: request("GET", f"{self.ha_url}/manifest.json"),
            timeout=90,
            what="Home Assistant's HTTP server",
        )
        wait_for(
            lambda: (
                current.exists()
                and "Home Assistant initialized" in current.read_text(errors="replace")
            ),
            timeout=90,
            what="Home Assistant to finish starting",
        )

    def restart_hass(self, *, kill: bool = False) -> None:
        """Stop hass (SIGTERM, or SIGKILL with ``kill``) and start it again."""
        assert self.hass is not None
        if kill:
            self.hass.kill()
        else:
            self.hass.stop()
        self.start_hass()

    def _start_emulator(self, scenario_interval: float) -> None:
        self.emulator = Process(
            "emulator",
            [
                sys.executable,
                "-m",
                "gridx_emulator",
                "--port",
                str(self.emulator_port),
                "--token",
                self.gridx_token,
                *(["--scenario"] if self.scenario else []),
                "--interval",
                str(scenario_interval),
                "--seed",
                "7",
                "--retry-base-delay",
                "0.2",
                *self._emulator_options(),
            ],
            self.workdir / "emulator.log",
        )
        self.emulator.start()
        self._wait_emulator()

    def _emulator_options(self) -> list[str]:
        options: list[str] = []
        if self.emulator_state:
            options += ["--state", str(self.workdir / "emulator-state.json")]
        if self.portal_password is not None:
            options += ["--portal-password", self.portal_password]
        if self.gateway_status is not None:
            options += ["--gateway-status", self.gateway_status]
        return [*options, *self.emulator_args]

    def restart_emulator(
        self, *, portal_password: str, gateway_status: str | None = None
    ) -> None:
        """Restart the emulator with a new demo portal password.

        Its refresh tokens and bearers live in memory: they are gone, as if
        the password had been changed at the portal (which revokes them).
        With ``gateway_status``, the demo gateway gets that polled status.
        """
        assert self.emulator is not None
        self.emulator.stop()
        options = self._emulator_options()
        self.portal_password = portal_password
        self.gateway_status = gateway_status
        args = self.emulator.args
        self.emulator.args = args[: len(args) - len(options)] + self._emulator_options()
        self.emulator.log = self.workdir / "emulator-restarted.log"
        self.emulator.start()
        self._wait_emulator()

    def _wait_emulator(self) -> None:
        def ready() -> bool:
            with contextlib.suppress(HttpError):  # 401 without a token: it is up
                request("GET", f"{self.emulator_url}/user")
            return True

        wait_for(ready, timeout=30, what="the emulator")

    def ha_log(self) -> str:
        """Home Assistant's log so far, of every run since the stack started."""
        config = self.workdir / "config"
        runs = sorted(
            config.glob("home-assistant.run*.log"),
            key=lambda path: int(path.stem.removeprefix("home-assistant.run")),
        )
        return "".join(
            path.read_text(errors="replace")
            for path in [*runs, config / "home-assistant.log"]
            if path.exists()
        )

    def onboard(self) -> str:
        """Create the owner over the onboarding API and return an access token."""
        client_id = f"{self.ha_url}/"
        user = request(
            "POST",
            f"{self.ha_url}/api/onboarding/users",
            json_body={
                "client_id": client_id,
                "name": "E2E Owner",
                "username": "owner",
                "password": "e2e-password-123",
                "language": "en",
            },
        )
        tokens = request(
            "POST",
            f"{self.ha_url}/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": user["auth_code"],
                "client_id": client_id,
            },
        )
        self.access_token = tokens["access_token"]
        return self.access_token

    def add_integration(self) -> dict[str, Any]:
        """Add gridX the way the UI does; return the final flow result.

        "API token" in the first step's menu; token and API base (the
        emulator) in the token step, with the
        "Advanced" section opened; then the default event types.
        """
        flow = self.api(
            "POST",
            "/api/config/config_entries/flow",
            {"handler": "gridx", "show_advanced_options": True},
        )
        assert flow["type"] == "menu", flow
        assert flow["step_id"] == "user", flow
        flow = self.api(
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            {"next_step_id": "token"},
        )
        assert flow["step_id"] == "token", flow
        # No event-type step: setup subscribes to every type.
        result: dict[str, Any] = self.api(
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            {
                "api_token": self.gridx_token,
                "advanced": {
                    "api_base": self.emulator_url,
                    "registration_method": "automatic",
                },
            },
        )
        return result

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call Home Assistant's REST API as the owner."""
        return request(
            method, f"{self.ha_url}{path}", json_body=body, token=self.access_token
        )

    def gridx(self, method: str, path: str) -> Any:
        """Call the emulator's REST API with the demo token."""
        req = urllib.request.Request(  # noqa: S310 - loopback only
            f"{self.emulator_url}{path}",
            headers={"Authorization": f"Token {self.gridx_token}"},
            method=method,
        )
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            return json.loads(resp.read() or b"null")

    def stop(self) -> None:
        """Stop both processes."""
        for proc in (self.hass, self.emulator):
            if proc is not None:
                proc.stop()
