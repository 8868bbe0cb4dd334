"""Issue 7, item 12 with a real process: SIGKILL mid-burst loses nothing old.

A burst of signed deliveries (each acknowledged with 204), then SIGKILL, a
restart, and every delivered body sent again: none acknowledged more than
5 s before the kill fires ``gridx_event`` again (an automation on
``gridx_event`` writes a logbook line for each), and the EV's state is at
least as new as the last of them.
"""

from datetime import UTC, datetime, timedelta
import json
import sys
import time
from typing import Any
import urllib.request
import uuid

import pytest

from custom_components.gridx.api.signature import SIGNATURE_HEADER, sign

from .harness import Process, Stack, wait_for
from .signed import entry_data

pytestmark = pytest.mark.timeout(300)

ASSET_ID = "e2e-crash-ev"
DELIVERIES = 120
PER_STEP = 10
STEP_SECONDS = 0.75
MESSAGE = "e2e: gridx_event ev/measurement fired"


@pytest.fixture(scope="module")
def quiet_stack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Home Assistant plus an emulator that sends nothing by itself."""
    stack = Stack(tmp_path_factory.mktemp("crash"))
    stack.emulator = Process(
        "emulator",
        [
            sys.executable,
            "-m",
            "gridx_emulator",
            "--port",
            str(stack.emulator_port),
            "--token",
            stack.gridx_token,
        ],
        stack.workdir / "emulator.log",
    )
    try:
        stack.emulator.start()
        stack._wait_emulator()  # noqa: SLF001 - the harness's own readiness check
        stack.start(emulator=False)
        yield stack
    finally:
        stack.stop()


def _body(index: int, at: datetime) -> bytes:
    data = {
        "issuedAt": at.isoformat(),
        "atHome": True,
        "type": "EV",
        "systemID": "e2e-system",
        "assetID": ASSET_ID,
        "gatewayID": "e2e-gateway",
        "chargePower": 1_000_000 * (index + 1),
        "chargeState": "CHARGING",
        "plugState": "PLUGGED",
        "isControllable": True,
    }
    envelope = {
        "id": str(uuid.uuid4()),
        "time": at.isoformat().replace("+00:00", "Z"),
        "specVersion": "1.0",
        "source": "/systems/e2e-system",
        "type": "ev/measurement",
        "data": data,
    }
    return json.dumps(envelope).encode()


def _deliver(url: str, secret: str, body: bytes) -> int:
    req = urllib.request.Request(  # noqa: S310 - loopback only
        url,
        data=body,
        headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, [secret]),
        },
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        return int(resp.status)


def _fired_since(stack: Stack, since: datetime) -> int:
    """Return how many gridx_event measurements the logbook shows since ``since``."""
    entries = stack.api("GET", f"/api/logbook/{since.isoformat()}")
    return sum(1 for item in entries if item.get("message") == MESSAGE)


def _log_measurements(stack: Stack) -> None:
    """Add an automation that writes a logbook line per ev/measurement fired."""
    stack.api(
        "POST",
        "/api/config/automation/config/e2e_measurement",
        {
            "id": "e2e_measurement",
            "alias": "e2e measurement",
            "triggers": [
                {
                    "trigger": "event",
                    "event_type": "gridx_event",
                    "event_data": {"type": "ev/measurement"},
                }
            ],
            "actions": [
                {"action": "logbook.log", "data": {"name": "gridX", "message": MESSAGE}}
            ],
            "mode": "parallel",
            "max": 1000,
        },
    )


def _loaded(stack: Stack) -> bool:
    entries = stack.api("GET", "/api/config/config_entries/entry?domain=gridx")
    return [e["state"] for e in entries] == ["loaded"]


def test_item12_sigkill_mid_burst(quiet_stack: Stack) -> None:
    """No event acknowledged more than 5 s before a SIGKILL fires again."""
    stack = quiet_stack
    stack.onboard()
    assert stack.add_integration()["type"] == "create_entry"
    _log_measurements(stack)
    data = entry_data(stack)
    url = f"{stack.ha_url}/api/webhook/{data['webhook_id']}"
    secret = data["secrets"][-1]

    start = datetime.now(UTC)
    acknowledged: list[tuple[float, int, bytes]] = []
    for index in range(DELIVERIES):
        body = _body(index, start + timedelta(milliseconds=10 * index))
        assert _deliver(url, secret, body) == 204
        acknowledged.append((time.monotonic(), index, body))
        if index % PER_STEP == PER_STEP - 1:
            time.sleep(STEP_SECONDS)

    assert stack.hass is not None
    stack.hass.kill()  # SIGKILL: no shutdown, nothing saved
    killed_at = time.monotonic()
    old = [(index, body) for at, index, body in acknowledged if killed_at - at > 5]
    assert len(old) >= DELIVERIES // 3, "the burst was too slow to test anything"

    stack.start_hass()
    wait_for(lambda: _loaded(stack), timeout=90, what="the gridX entry to load")

    # State: at least as new as the last delivery acknowledged before the window.
    power = next(
        state
        for state in stack.api("GET", "/api/states")
        if state["entity_id"].startswith("sensor.")
        and state["entity_id"].endswith("_charge_rate")
    )
    assert float(power["state"]) >= 1000.0 * (old[-1][0] + 1), power

    replay_start = datetime.now(UTC)
    for _, body in old:
        assert _deliver(url, secret, body) == 204
    time.sleep(3)  # the recorder commits every second
    assert _fired_since(stack, replay_start) == 0

    # A new delivery still fires (the check above can see one).
    new_body = _body(DELIVERIES, datetime.now(UTC))
    assert _deliver(url, secret, new_body) == 204
    wait_for(
        lambda: _fired_since(stack, replay_start) == 1,
        timeout=30,
        what="the new delivery in the logbook",
    )
