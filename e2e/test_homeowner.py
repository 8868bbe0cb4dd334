"""A homeowner's poll-only portal entry, end to end: plug in, get notified.

A real Home Assistant and the emulator: the homeowner signs in with the demo
portal login (no webhook permissions), so the entry runs poll-only. No
repair issue is raised; the Updates sensor says *Polling* and the options
offer the live interval only. The wallbox's plug sensor is enabled and
follows ``plugState`` as the emulator's control route changes it; the "EV
plugged in" device trigger, built as the README's YAML says (device trigger
on the wallbox), fires exactly once per plug-in and not on a reload; the
gateway's online and offline triggers fire from a polled ``connectionStatus``.
"""

from typing import Any

import pytest

from .harness import Stack, request, wait_for
from .ws import ws_command

pytestmark = pytest.mark.timeout(400)

EMAIL = "homeowner@example.invalid"
PASSWORD = "demo-password"
PLUGGED = "PLUGGED_ON_STATION_AND_PLUGGED_ON_VEHICLE"
# The shortest live interval (s): the slow poll of a poll-only entry too.
INTERVAL = 30


@pytest.fixture(scope="module")
def stack_options() -> dict[str, Any]:
    """No demo story: only the control routes change the emulator's state."""
    return {"scenario": False}


def _template(stack: Stack, template: str) -> Any:
    return stack.api("POST", "/api/template", {"template": template})


def _control(stack: Stack, path: str, body: dict[str, Any]) -> None:
    """Play the homeowner's side at the emulator (its control routes)."""
    request("POST", f"{stack.emulator_url}/_control/{path}", json_body=body)


def _state(stack: Stack, entity_id: str) -> str:
    return str(stack.api("GET", f"/api/states/{entity_id}")["state"])


def _notifications(stack: Stack, prefix: str) -> list[str]:
    """Return the ids of the persistent notifications the automations made."""
    found = ws_command(stack, "persistent_notification/get")
    return sorted(
        n["notification_id"] for n in found if n["notification_id"].startswith(prefix)
    )


def _refresh_live(stack: Stack, live_entity: str) -> None:
    """Ask for a live poll now (as the entity's "update" does)."""
    stack.api(
        "POST",
        "/api/services/homeassistant/update_entity",
        {"entity_id": live_entity},
    )


def _automation(stack: Stack, key: str, device_id: str, trigger_type: str) -> None:
    """Create an automation with one gridX device trigger, as the editor saves it.

    Its action leaves a persistent notification with a unique id, so each
    run can be counted.
    """
    stack.api(
        "POST",
        f"/api/config/automation/config/{key}",
        {
            "alias": key,
            "triggers": [
                {
                    "trigger": "device",
                    "domain": "gridx",
                    "device_id": device_id,
                    "type": trigger_type,
                }
            ],
            "actions": [
                {
                    "action": "persistent_notification.create",
                    "data": {
                        "title": key,
                        "message": "fired",
                        "notification_id": key + "_{{ now().timestamp() }}",
                    },
                }
            ],
        },
    )
    wait_for(
        lambda: _template(stack, f"{{{{ states('automation.{key}') }}}}") == "on",
        timeout=30,
        what=f"automation {key}",
    )


def add_portal_entry(stack: Stack) -> str:
    """Add gridX with the demo portal login (poll-only); return the entry id."""
    flow = stack.api("POST", "/api/config/config_entries/flow", {"handler": "gridx"})
    flow = stack.api(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"next_step_id": "portal"},
    )
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
    return str(result["result"]["entry_id"])


def _set_interval(stack: Stack, entry_id: str) -> None:
    """Set the shortest live interval; the form has nothing about events."""
    form = stack.api(
        "POST", "/api/config/config_entries/options/flow", {"handler": entry_id}
    )
    assert form["step_id"] == "polling", form
    assert [field["name"] for field in form["data_schema"]] == ["live_interval"]
    done = stack.api(
        "POST",
        f"/api/config/config_entries/options/flow/{form['flow_id']}",
        {"live_interval": INTERVAL},
    )
    assert done["type"] == "create_entry", done


def test_homeowner_story(stack: Stack) -> None:
    """Plug in at the wallbox: the trigger fires once; the gateway's too."""
    stack.onboard()
    entry_id = add_portal_entry(stack)
    _set_interval(stack, entry_id)
    [gateway] = stack.gridx("GET", "/gateways")
    system = f"systems/{gateway['system']['id']}/ev-station"
    _control(stack, system, {"plugState": "UNPLUGGED", "power": 0})

    # Poll-only is a mode: no repair issue, and the Updates sensor says so.
    updates = wait_for(
        lambda: _template(
            stack,
            "{{ integration_entities('gridx') | select('search', '_updates$')"
            " | list | tojson }}",
        ),
        timeout=60,
        what="the Updates sensor",
    )
    assert _state(stack, updates[0]) == "polling"
    issues = ws_command(stack, "repairs/list_issues")["issues"]
    assert [i for i in issues if i["domain"] == "gridx"] == []

    # The wallbox's plug sensor: enabled, on the wallbox, follows plugState.
    plug = wait_for(
        lambda: _template(
            stack,
            "{{ integration_entities('gridx') | select('is_state_attr',"
            " 'device_class', 'plug') | list | tojson }}",
        ),
        timeout=90,
        what="the wallbox's plug sensor",
    )[0]
    station_power = _template(
        stack,
        "{{ integration_entities('gridx') | select('search',"
        " '_charging_station_power$') | list | tojson }}",
    )[-1]
    registered = ws_command(stack, "config/entity_registry/get", entity_id=plug)
    assert registered["disabled_by"] is None, registered
    wallbox = registered["device_id"]
    device = next(
        d
        for d in ws_command(stack, "config/device_registry/list")
        if d["id"] == wallbox
    )
    assert device["name"] != "gridBox", device
    wait_for(lambda: _state(stack, plug) == "off", timeout=90, what="plug off")

    # The editor lists Home Assistant's plug triggers of the wallbox, none of
    # gridX (one per meaning); the README's YAML automation uses the gridX
    # "EV plugged in", which fires once per plug-in, not on a reload.
    triggers = ws_command(stack, "device_automation/trigger/list", device_id=wallbox)
    assert [t["type"] for t in triggers if t["domain"] == "gridx"] == []
    assert {"plugged_in", "not_plugged_in"} <= {
        t["type"] for t in triggers if t["domain"] == "binary_sensor"
    }
    _automation(stack, "plugged_in", wallbox, "ev_plugged")

    def plug_to(plug_state: str, expected: str) -> None:
        _control(stack, system, {"plugState": plug_state, "power": 0})
        _refresh_live(stack, station_power)
        wait_for(
            lambda: _state(stack, plug) == expected,
            timeout=90,
            what=f"plug {expected}",
        )

    plug_to(PLUGGED, "on")
    wait_for(
        lambda: len(_notifications(stack, "plugged_in")) == 1,
        timeout=30,
        what="one notification",
    )
    # A poll that sees it still plugged in, and a reload: no second one.
    _refresh_live(stack, station_power)
    stack.api("POST", f"/api/config/config_entries/entry/{entry_id}/reload")
    wait_for(
        lambda: _state(stack, plug) == "on", timeout=90, what="plug on after reload"
    )
    _refresh_live(stack, station_power)
    # Give a stray trigger the time of a poll to show up.
    wait_for(
        lambda: _state(stack, station_power) not in ("unavailable", "unknown"),
        timeout=60,
        what="live values after the reload",
    )
    assert len(_notifications(stack, "plugged_in")) == 1
    # Unplugged and plugged in again: the second plug-in notifies again.
    plug_to("UNPLUGGED", "off")
    plug_to(PLUGGED, "on")
    wait_for(
        lambda: len(_notifications(stack, "plugged_in")) == 2,
        timeout=30,
        what="a second notification",
    )

    # The gateway's online/offline triggers, from the polled connectionStatus.
    gateway_device = next(
        d["id"]
        for d in ws_command(stack, "config/device_registry/list")
        if d["serial_number"] == gateway["serialnumber"]
    )
    listed = {
        t["type"]
        for t in ws_command(
            stack, "device_automation/trigger/list", device_id=gateway_device
        )
        if t["domain"] == "gridx"
    }
    # Poll-only: no push triggers; the connection is core's trigger.
    assert listed == set(), listed
    _automation(stack, "gateway_offline", gateway_device, "gateway_offline")
    _automation(stack, "gateway_online", gateway_device, "gateway_online")
    connection = f"gateways/{gateway['id']}/connection"
    _control(stack, connection, {"connectionStatus": "UNAVAILABLE"})
    wait_for(
        lambda: len(_notifications(stack, "gateway_offline")) == 1,
        timeout=3 * INTERVAL,
        what="the gateway offline trigger",
    )
    _control(stack, connection, {"connectionStatus": "AVAILABLE"})
    wait_for(
        lambda: len(_notifications(stack, "gateway_online")) == 1,
        timeout=3 * INTERVAL,
        what="the gateway online trigger",
    )
    assert len(_notifications(stack, "gateway_offline")) == 1
