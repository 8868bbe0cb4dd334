"""The README's story, end to end, against a real hass process.

Onboard, add gridX through the config-flow REST API (what the UI calls) with
the emulator's token, see live solar and grid power, watch the demo
scenario change the gateway and EV sensors, build the "EV plugged in"
device-trigger automation and see it fire, find yesterday's hourly grid
import in the Energy dashboard's statistics, then delete the entry and find
nothing left at the emulator.
"""

from datetime import UTC, datetime, time as day_start, timedelta
import math
import time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from .harness import Stack, wait_for
from .ws import ws_command

pytestmark = pytest.mark.timeout(360)
HOUR = timedelta(hours=1)


def _template(stack: Stack, template: str) -> Any:
    """Render a template; the API answers JSON when the result is JSON."""
    return stack.api("POST", "/api/template", {"template": template})


def _entities(stack: Stack) -> list[str]:
    return list(_template(stack, "{{ integration_entities('gridx') | list | tojson }}"))


def _find(stack: Stack, device_class: str, keyword: str) -> str:
    for entity_id in _entities(stack):
        if not entity_id.startswith("binary_sensor."):
            continue
        state = stack.api("GET", f"/api/states/{entity_id}")
        attrs = state["attributes"]
        if attrs.get("device_class") == device_class and keyword in entity_id:
            return entity_id
    return ""


def _yesterday(stack: Stack) -> tuple[datetime, datetime]:
    """Return yesterday in Home Assistant's time zone, as UTC instants."""
    zone = ZoneInfo(stack.api("GET", "/api/config")["time_zone"])
    today = datetime.now(zone).date()
    start = datetime.combine(today - timedelta(days=1), day_start(), zone)
    end = datetime.combine(today, day_start(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _grid_import_statistic(stack: Stack) -> str:
    """Return the id to pick as "Grid consumption" in the Energy dashboard."""
    ids = ws_command(stack, "recorder/list_statistic_ids", statistic_type="sum")
    found = [
        item["statistic_id"]
        for item in ids
        if item["statistic_id"].startswith("gridx:")
        and item["statistic_id"].endswith("_grid_import")
    ]
    return found[0] if len(found) == 1 else ""


def _check_yesterdays_grid_import(stack: Stack) -> None:
    """Yesterday's hours in the recorder equal the emulator's /historical."""
    start, end = _yesterday(stack)
    hours = round((end - start) / HOUR)  # 23 or 25 on daylight-saving days
    statistic = wait_for(
        lambda: _grid_import_statistic(stack),
        timeout=60,
        what="the gridx grid import statistic",
    )

    def rows() -> list[dict[str, Any]]:
        result = ws_command(
            stack,
            "recorder/statistics_during_period",
            start_time=start.isoformat(),
            end_time=end.isoformat(),
            statistic_ids=[statistic],
            period="hour",
            types=["change", "sum"],
        )
        found: list[dict[str, Any]] = result.get(statistic, [])
        return found if len(found) == hours else []

    imported = wait_for(rows, timeout=120, what=f"{hours} hours of grid import")
    [gateway] = stack.gridx("GET", "/gateways")
    interval = quote(f"{_z(start)}/{_z(end)}", safe="/:")
    history = stack.gridx(
        "GET",
        f"/systems/{gateway['system']['id']}/historical"
        f"?interval={interval}&resolution=1h",
    )
    # A 1h point is the mean W (= Wh) of the hour ending at its measuredAt.
    expected = {
        datetime.fromisoformat(point["measuredAt"]) - HOUR: point["grid"]["supply"]
        for point in history["data"]
    }
    assert len(expected) == hours
    for row in imported:
        hour = datetime.fromtimestamp(row["start"] / 1000, UTC)
        assert math.isclose(row["change"], expected[hour] / 1000, abs_tol=1e-6), (
            hour,
            row,
            expected[hour],
        )
    total_kwh = sum(row["change"] for row in imported)
    assert math.isclose(
        total_kwh, history["total"]["grid"]["supply"] / 1000, abs_tol=1e-3
    )
    assert total_kwh > 0


def test_readme_story(stack: Stack) -> None:
    """From onboarding to removal, through real HTTP only."""
    stack.onboard()

    # Settings -> Devices & services -> Add integration -> gridX.
    flow = stack.add_integration()
    assert flow["type"] == "create_entry", flow
    entry_id = flow["result"]["entry_id"]

    entries = stack.api("GET", "/api/config/config_entries/entry?domain=gridx")
    assert [(e["entry_id"], e["state"]) for e in entries] == [(entry_id, "loaded")]

    # gridX now holds exactly one subscription, pointing at our webhook.
    user = stack.gridx("GET", "/user")
    subscriptions = stack.gridx("GET", f"/accounts/{user['accountID']}/webhooks")
    assert len(subscriptions) == 1
    assert subscriptions[0]["targetURL"].startswith(f"{stack.ha_url}/api/webhook/")
    assert subscriptions[0]["active"] is True

    # Live solar and grid power from /systems/{id}/live, on the gridBox.
    def live_power() -> dict[str, float]:
        found: dict[str, float] = {}
        for entity_id in _entities(stack):
            if entity_id.endswith(("_solar_power", "_grid_power")):
                state = stack.api("GET", f"/api/states/{entity_id}")["state"]
                if state not in ("unknown", "unavailable"):
                    found[entity_id] = float(state)
        return found if len(found) == 2 else {}

    power = wait_for(live_power, timeout=60, what="live solar and grid power")
    assert all(value >= 0 for key, value in power.items() if "solar" in key), power

    # The scenario makes the gateway connectivity and EV plugged sensors change.
    gateway = wait_for(
        lambda: _find(stack, "connectivity", "gridbox"),
        timeout=30,
        what="the gateway connectivity sensor",
    )
    plugged = wait_for(
        lambda: _find(stack, "plug", "electric_vehicle"),
        timeout=60,
        what="the EV plugged sensor",
    )
    seen: dict[str, set[str]] = {gateway: set(), plugged: set()}

    def both_changed() -> bool:
        for entity_id, states in seen.items():
            states.add(stack.api("GET", f"/api/states/{entity_id}")["state"])
        return all({"on", "off"} <= states for states in seen.values())

    wait_for(both_changed, timeout=90, interval=0.2, what=f"on and off in {seen}")

    # The automation editor's device trigger "EV plugged in" fires.
    device_id = str(_template(stack, f"{{{{ device_id('{plugged}') }}}}"))
    assert len(device_id) == 32
    stack.api(
        "POST",
        "/api/config/automation/config/e2e_ev_plugged",
        {
            "id": "e2e_ev_plugged",
            "alias": "EV plugged in",
            "triggers": [
                {
                    "trigger": "device",
                    "domain": "gridx",
                    "device_id": device_id,
                    "type": "ev_plugged",
                }
            ],
            "actions": [{"event": "e2e_ev_plugged"}],
            "mode": "queued",
        },
    )
    started = time.time()
    wait_for(
        lambda: stack.api("GET", "/api/states/automation.ev_plugged_in")[
            "attributes"
        ].get("last_triggered"),
        timeout=90,
        what="the EV plugged in automation to fire",
    )
    assert time.time() - started < 90

    # The logbook lists the entities' state changes (worded by the frontend,
    # e.g. the gateway's connectivity), and no untranslated line of the
    # integration's own.
    ours = set(_entities(stack))
    logbook = wait_for(
        lambda: [
            item
            for item in stack.api("GET", "/api/logbook")
            if item.get("entity_id") in ours or item.get("domain") == "gridx"
        ],
        timeout=30,
        what="logbook lines of the gridX entities",
    )
    assert gateway in {item.get("entity_id") for item in logbook}, logbook[-5:]
    assert not any(item.get("domain") == "gridx" for item in logbook), logbook[-5:]

    # The Energy dashboard has yesterday's hourly grid import: the statistic
    # imported from gridX's history, hour by hour as the emulator reports it.
    _check_yesterdays_grid_import(stack)

    # Nothing from the integration logged an error.
    errors = [
        line
        for line in stack.ha_log().splitlines()
        # Also Home Assistant's own lines about gridX ("Error while setting up
        # gridx platform for sensor": a platform that failed on this release).
        if " ERROR " in line and "gridx" in line
    ]
    assert errors == []

    # Deleting the entry deletes the registration at gridX.
    stack.api("DELETE", f"/api/config/config_entries/entry/{entry_id}")
    assert stack.gridx("GET", f"/accounts/{user['accountID']}/webhooks") == []
    rules = stack.gridx(
        "GET", f"/accounts/{user['accountID']}/users/{user['id']}/notifications/rules"
    )
    assert rules == []
