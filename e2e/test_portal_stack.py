"""The homeowner's story, end to end: portal sign-in against a real hass.

Add gridX through the config-flow REST API with the emulator's demo portal
login (E.ON Home Manager, no webhook permissions), see the entry run
poll-only with the repair issue ``push_unavailable`` and its gateway polled
through the portal bearer; then the portal password changes (the emulator
restarts: its refresh tokens are gone, the old password is refused) and a
reload leads to a reauth, which the new password completes.
"""

import json
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
    return {"emulator_state": True}


def _issues(stack: Stack) -> list[str]:
    """Return the gridx issue ids Home Assistant stored (saved with a delay)."""
    path = stack.workdir / "config" / ".storage" / "repairs.issue_registry"
    if not path.exists():
        return []
    issues = json.loads(path.read_text())["data"]["issues"]
    return [i["issue_id"] for i in issues if i["domain"] == "gridx"]


def _flows(stack: Stack) -> list[dict[str, Any]]:
    """Return the gridx config flows in progress (a websocket command)."""
    flows: list[dict[str, Any]] = ws_command(stack, "config_entries/flow/progress")
    return [f for f in flows if f["handler"] == "gridx"]


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
    assert result["title"] == "gridX (E.ON Home Manager)"
    entry_id = result["result"]["entry_id"]
    entries = stack.api("GET", "/api/config/config_entries/entry?domain=gridx")
    assert [(e["entry_id"], e["state"]) for e in entries] == [(entry_id, "loaded")]

    # Poll-only: no registration at gridX, the repair issue is raised, and
    # the gateway was polled with the portal login.
    user = stack.gridx("GET", "/user")
    assert stack.gridx("GET", f"/accounts/{user['accountID']}/webhooks") == []
    wait_for(
        lambda: f"push_unavailable_{entry_id}" in _issues(stack),
        timeout=60,
        what="the push_unavailable repair issue",
    )
    entities = stack.api(
        "POST",
        "/api/template",
        {"template": "{{ integration_entities('gridx') | list | tojson }}"},
    )
    assert any(e.startswith("binary_sensor.") for e in entities), entities

    # The password changes at the portal: the emulator forgets its refresh
    # tokens and refuses the old password. A reload must end in reauth.
    stack.restart_emulator(portal_password=NEW_PASSWORD)
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

    # Neither password reached the log.
    log = stack.ha_log()
    assert PASSWORD not in log
    assert NEW_PASSWORD not in log
