"""Stored data never stops setup, in a real hass process (issue 7, item 1).

A signed ``ev/plugged`` whose ``assetID`` is the gateway's own id used to
make the gateway's device its own parent: 500, the EV stayed in the store,
and from the next start on the entry failed to set up on every restart
while gridX's deliveries were answered 200 and dropped. Here the event is
delivered to a real hass, hass is restarted twice, and the entry must be
loaded with the gateway's sensors still following events.
"""

from datetime import UTC, datetime, timedelta
import json
from typing import Any

import pytest

from .harness import Stack, wait_for
from .signed import envelope, post_signed

pytestmark = pytest.mark.timeout(300)


def _entry_states(stack: Stack) -> list[str]:
    entries = stack.api("GET", "/api/config/config_entries/entry?domain=gridx")
    return [entry["state"] for entry in entries]


def _gateway(stack: Stack) -> dict[str, Any]:
    gateways = stack.gridx("GET", "/gateways")
    assert gateways, "the emulator lists no gateway"
    gateway: dict[str, Any] = gateways[0]
    return gateway


def _connection_entity(stack: Stack) -> str:
    found: list[str] = stack.api(
        "POST",
        "/api/template",
        {
            "template": "{{ integration_entities('gridx') | select('search', "
            "'binary_sensor.*gridbox_connection') | list | tojson }}"
        },
    )
    return found[0] if found else ""


def test_item1_brick_event_survives_two_restarts(stack: Stack) -> None:
    """Deliver the brick event, restart twice: loaded, sensors work."""
    stack.onboard()
    flow = stack.add_integration()
    assert flow["type"] == "create_entry", flow
    connection = wait_for(
        lambda: _connection_entity(stack),
        timeout=60,
        what="the gateway connection sensor",
    )
    gateway = _gateway(stack)
    gateway_id = gateway.get("id") or gateway.get("gatewayID")
    now = datetime.now(UTC)
    brick = envelope(
        "ev/plugged",
        {
            "issuedAt": now.isoformat(),
            "atHome": True,
            "type": "EV",
            "systemID": "e2e-system",
            "assetID": gateway_id,
            "gatewayID": gateway_id,
            "state": "PLUGGED",
        },
        time=now.isoformat(),
    )
    assert post_signed(stack, json.dumps(brick).encode()) == 204

    for _ in range(2):
        stack.restart_hass()
        wait_for(
            lambda: _entry_states(stack) == ["loaded"],
            timeout=60,
            what="the gridX entry to be loaded after a restart",
        )

    # The gateway's connectivity still follows events (one from the future
    # of the scenario's, so nothing newer overrides it while we look).
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    offline = envelope(
        "gateway/offline",
        {
            "gatewayID": gateway_id,
            "systemID": "e2e-system",
            "gatewayName": "Demo gridBox",
        },
        time=later,
    )
    assert post_signed(stack, json.dumps(offline).encode()) == 204
    wait_for(
        lambda: stack.api("GET", f"/api/states/{connection}")["state"] == "off",
        timeout=30,
        what=f"{connection} to go off",
    )
    errors = [
        line
        for line in stack.ha_log().splitlines()
        # Also Home Assistant's own lines about gridX ("Error while setting up
        # gridx platform for sensor": a platform that failed on this release).
        if " ERROR " in line and "gridx" in line
    ]
    assert errors == []
