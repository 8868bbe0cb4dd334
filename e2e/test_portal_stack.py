"""The homeowner's story, end to end: portal sign-in against a real hass.

Add gridX through the config-flow REST API with the emulator's demo portal
login (E.ON Home Manager, no webhook permissions), see the entry run
poll-only without a repair issue (poll-only is a mode, not a fault: the
Repairs dashboard lists nothing of gridX), its gateway polled through the portal bearer (its
Connection on for an AVAILABLE gateway, serial numbers on the device pages)
and live solar and grid power as numbers; then the portal password changes
and the gateway stops reporting (the emulator restarts: its refresh tokens
are gone, the old password is refused, the gateway is UNAVAILABLE) and a
reload leads to a reauth, which the new password completes; the next poll
turns the gateway's Connection off.

The emulator runs without its event story here: nothing is delivered to a
poll-only entry, and the story's gateway/offline would flip the polled status.
"""

from typing import Any

import pytest

from .harness import Stack, wait_for
from .ws import ws_command

pytestmark = pytest.mark.timeout(240)

EMAIL = "homeowner@example.invalid"
PASSWORD = "demo-password"
NEW_PASSWORD = "changed-at-the-portal"


@pytest.fixture(scope="module")
def stack_options() -> dict[str, Any]:
    """Keep the emulator's state in a file, so it survives a restart."""
    return {"emulator_state": True, "scenario": False}


def _issues(stack: Stack) -> dict[str, dict[str, Any]]:
    """Return the gridx repair issues the Repairs dashboard lists, by id."""
    issues = ws_command(stack, "repairs/list_issues")["issues"]
    return {i["issue_id"]: i for i in issues if i["domain"] == "gridx"}


def _flows(stack: Stack) -> list[dict[str, Any]]:
    """Return the gridx config flows in progress (a websocket command)."""
    flows: list[dict[str, Any]] = ws_command(stack, "config_entries/flow/progress")
    return [f for f in flows if f["handler"] == "gridx"]


def _live_power(stack: Stack) -> dict[str, float]:
    """Return the numeric live solar and grid power states (empty until both)."""
    entities = stack.api(
        "POST",
        "/api/template",
        {"template": "{{ integration_entities('gridx') | list | tojson }}"},
    )
    found: dict[str, float] = {}
    for entity_id in entities:
        if entity_id.endswith(("_solar_power", "_grid_power")):
            state = stack.api("GET", f"/api/states/{entity_id}")["state"]
            if state not in ("unknown", "unavailable"):
                found[entity_id] = float(state)
    return found if len(found) == 2 else {}


def _gateway_connection(stack: Stack) -> dict[str, Any] | None:
    """Return the state of the gateway's Connection sensor, None until it exists."""
    entities = ws_command(stack, "config/entity_registry/list")
    for entity in entities:
        if entity["platform"] == "gridx" and entity["unique_id"].endswith(
            "_gateway_connection"
        ):
            state: dict[str, Any] = stack.api(
                "GET", f"/api/states/{entity['entity_id']}"
            )
            return state
    return None


def _serial_numbers(stack: Stack, entry_id: str) -> set[str | None]:
    """Return the serial numbers of the entry's devices (as the device page shows)."""
    devices = ws_command(stack, "config/device_registry/list")
    return {d["serial_number"] for d in devices if entry_id in d["config_entries"]}


def test_portal_story(stack: Stack) -> None:
    """From the portal sign-in to a reauth after a password change."""
    stack.onboard()

    flow = stack.api("POST", "/api/config/config_entries/flow", {"handler": "gridx"})
    assert flow["type"] == "menu", flow
    assert flow["menu_options"] == ["token", "portal"]
    flow = stack.api(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"next_step_id": "portal"},
    )
    assert flow["step_id"] == "portal", flow
    result = stack.api(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {
            "portal": "eon-home",
            "email": EMAIL,
            "password": PASSWORD,
            "advanced": {
                "api_base": stack.emulator_url,
                "auth_base": stack.emulator_url,
            },
        },
    )
    assert result["type"] == "create_entry", result
    # The title tells accounts apart: the portal and the login's e-mail,
    # shortened (Home Assistant prints titles in its own log lines).
    assert result["title"] == "E.ON Home Manager (ho…@example.invalid)"
    entry_id = result["result"]["entry_id"]
    entries = stack.api("GET", "/api/config/config_entries/entry?domain=gridx")
    assert [(e["entry_id"], e["state"]) for e in entries] == [(entry_id, "loaded")]

    # Poll-only: no registration at gridX, and the gateway was polled with
    # the portal login.
    user = stack.gridx("GET", "/user")
    assert stack.gridx("GET", f"/accounts/{user['accountID']}/webhooks") == []
    entities = stack.api(
        "POST",
        "/api/template",
        {"template": "{{ integration_entities('gridx') | list | tojson }}"},
    )
    assert any(e.startswith("binary_sensor.") for e in entities), entities
    # Live values come without push: solar and grid power, as numbers.
    power = wait_for(
        lambda: _live_power(stack), timeout=60, what="live solar and grid power"
    )
    assert all(value >= 0 for key, value in power.items() if "solar" in key), power
    # A mode, not a fault: no repair issue after the setup and first polls.
    assert _issues(stack) == {}

    # The gateway is AVAILABLE at gridX: its Connection is on, with the
    # polled status; every device shows the serial number gridX lists
    # (`serialnumber`, gridx-live-facts §2, §2.1).
    connection = wait_for(
        lambda: _gateway_connection(stack), timeout=60, what="the gateway Connection"
    )
    assert connection["state"] == "on", connection
    assert connection["attributes"]["status"] == "available", connection
    [gateway] = stack.gridx("GET", "/gateways")
    listed = {gateway["serialnumber"]} | {
        appliance["serialnumber"]
        for appliance in stack.gridx("GET", f"/gateways/{gateway['id']}/appliances")
    }
    assert _serial_numbers(stack, entry_id) >= listed, listed

    # The password changes at the portal: the emulator forgets its refresh
    # tokens (the stored one is revoked) and refuses the old password. A
    # reload must end in reauth (one password grant, refused). Meanwhile the
    # gateway has not reported for a day: gridX lists it UNAVAILABLE.
    stack.restart_emulator(portal_password=NEW_PASSWORD, gateway_status="UNAVAILABLE")
    stack.api("POST", f"/api/config/config_entries/entry/{entry_id}/reload")
    [reauth] = wait_for(
        lambda: [f for f in _flows(stack) if f["context"]["source"] == "reauth"],
        timeout=60,
        what="the reauth flow",
    )
    assert reauth["step_id"] == "reauth_portal", reauth
    result = stack.api(
        "POST",
        f"/api/config/config_entries/flow/{reauth['flow_id']}",
        {"password": NEW_PASSWORD},
    )
    assert result["type"] == "abort", result
    assert result["reason"] == "reauth_successful", result
    wait_for(
        lambda: (
            stack.api("GET", "/api/config/config_entries/entry?domain=gridx")[0][
                "state"
            ]
            == "loaded"
        ),
        timeout=60,
        what="the entry to load again",
    )
    # Polled again: the UNAVAILABLE gateway's Connection is off.
    connection = wait_for(
        lambda: (
            (state := _gateway_connection(stack)) is not None
            and state["state"] == "off"
            and state
        ),
        timeout=60,
        what="the gateway Connection to turn off",
    )
    assert connection["attributes"]["status"] == "unavailable", connection

    # Neither password reached the log, nor the e-mail: Home Assistant's own
    # lines (the reauth above among them) name the entry by its title.
    log = stack.ha_log()
    assert PASSWORD not in log
    assert EMAIL not in log
    assert NEW_PASSWORD not in log
