"""EV charging control in a real hass against the emulator (issue 18).

The charge mode is set to "Solar surplus only" on the wallbox's device page
in headless Chromium, and by ``gridx.charge_to`` from an automation; the
emulator's configuration changes and the demo EV's live charging power
follows the mode. The device page is walked in English and German (the
pictures are kept in .ui-check/ for a look). The 403 account is in
test_ev_forbidden.py.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, StorageState, expect
import pytest

from .browser import VIEWPORT, Ui, gridx_text
from .harness import ROOT, Stack, wait_for
from .test_browser import browser, owner

__all__ = ["browser", "owner"]

pytestmark = pytest.mark.timeout(300)
# The scenario's charge powers (W) when the car charges fast.
FAST_POWERS = {3700, 7400, 11000}
KEEP = ROOT / ".ui-check"


@pytest.fixture
def ui(browser: Browser, stack: Stack, owner: StorageState) -> Iterator[Ui]:
    """A fresh browser context, logged in as the owner."""
    context = browser.new_context(
        viewport=VIEWPORT, locale="en-US", storage_state=owner
    )
    try:
        yield Ui(context.new_page(), stack)
    finally:
        context.close()


@pytest.fixture(scope="module")
def gridx_entry(stack: Stack, owner: StorageState) -> dict[str, Any]:
    """Add gridX (the REST flow the UI uses) with the emulator's token."""
    result = stack.add_integration()
    assert result["type"] == "create_entry", result
    return dict(result["result"])


def configuration(stack: Stack, station: dict[str, str]) -> dict[str, Any]:
    """The emulator's configuration of the wallbox."""
    result: dict[str, Any] = stack.gridx(
        "GET",
        f"/gateways/{station['gateway']}/appliances/{station['appliance']}"
        "/ev/configuration",
    )
    return result


def station_ids(stack: Stack) -> dict[str, str]:
    """The demo gateway, system and wallbox ids at the emulator."""
    [gateway] = stack.gridx("GET", "/gateways?page=1&per_page=100")
    [appliance] = [
        a
        for a in stack.gridx("GET", f"/gateways/{gateway['id']}/appliances")
        if a["type"] == "EVSTATION"
    ]
    return {
        "gateway": gateway["id"],
        "system": gateway["system"]["id"],
        "appliance": appliance["id"],
    }


def ev_power_while_plugged(stack: Stack, system: str) -> tuple[float, float]:
    """Wait for a live answer with the car plugged in; (EV power, PV surplus)."""

    def plugged() -> tuple[float, float] | None:
        live = stack.gridx("GET", f"/systems/{system}/live")
        [item] = live["evChargingStations"]
        if item["plugState"] == "UNPLUGGED":
            return None
        surplus = live["photovoltaic"] - live["consumption"] - live.get("heatPump", 0)
        return float(item["power"]), float(surplus)

    found: tuple[float, float] = wait_for(
        plugged, timeout=60, interval=0.5, what="the demo EV plugged in and charging"
    )
    return found


def shot(ui: Ui, name: str) -> Path:
    """Keep a picture of the page for a look."""
    KEEP.mkdir(exist_ok=True)
    path = KEEP / name
    ui.page.screenshot(path=path)
    return path


def test_solar_surplus_from_the_ui(ui: Ui, gridx_entry: dict[str, Any]) -> None:
    """The select on the wallbox's page: gridX's mode changes, the power follows."""
    stack = ui.stack
    ids = station_ids(stack)
    ui.goto("/config/integrations/dashboard")
    select = ui.entity_by_key("ev_charge_mode")
    wait_for(
        lambda: (
            stack.api("GET", f"/api/states/{select['entity_id']}")["state"] == "fast"
        ),
        timeout=90,
        what="the charge mode read from gridX",
    )
    ui.open_device(select["device_id"])
    page = ui.page
    name = gridx_text("en", "entity.select.ev_charge_mode.name")
    row = page.locator("hui-select-entity-row").filter(
        has=page.get_by_text(name, exact=True)
    )
    expect(row).to_have_count(1)
    shot(ui, "ev-control-en.png")
    row.locator("ha-select").click()
    shot(ui, "ev-control-open.png")
    solar = gridx_text("en", "entity.select.ev_charge_mode.state.solar_surplus")
    row.get_by_text(solar, exact=True).click()
    wait_for(
        lambda: configuration(stack, ids)["chargeMode"] == "SURPLUS_EV",
        timeout=30,
        what="the emulator's charge mode",
    )
    wait_for(
        lambda: (
            stack.api("GET", f"/api/states/{select['entity_id']}")["state"]
            == "solar_surplus"
        ),
        timeout=30,
        what="the confirmed mode in Home Assistant",
    )
    power, surplus = ev_power_while_plugged(stack, ids["system"])
    assert power <= max(0.0, surplus) + 1, (power, surplus)


def test_charge_to_from_an_automation(ui: Ui, gridx_entry: dict[str, Any]) -> None:
    """Fast (the select's action), then solar surplus by ``gridx.charge_to``."""
    stack = ui.stack
    ids = station_ids(stack)
    ui.goto("/config/integrations/dashboard")
    select = ui.entity_by_key("ev_charge_mode")
    stack.api(
        "POST",
        "/api/services/select/select_option",
        {"entity_id": select["entity_id"], "option": "fast"},
    )
    wait_for(
        lambda: configuration(stack, ids)["chargeMode"] == "FORCED_EV",
        timeout=30,
        what="fast charging at the emulator",
    )
    power = wait_for(
        lambda: (
            (p := ev_power_while_plugged(stack, ids["system"])[0]) in FAST_POWERS and p
        ),
        timeout=90,
        interval=1,
        what="the demo EV charging at full power",
    )
    assert power in FAST_POWERS
    stack.api(
        "POST",
        "/api/config/automation/config/gridx_e2e_charge_to",
        {
            "alias": "gridx e2e charge to",
            "triggers": [{"trigger": "event", "event_type": "gridx_e2e_charge"}],
            "actions": [
                {
                    "action": "gridx.charge_to",
                    "data": {
                        "device_id": select["device_id"],
                        "target": 80,
                        "departure": "07:00:00",
                        "mode": "solar_surplus",
                    },
                }
            ],
        },
    )
    wait_for(
        lambda: (
            stack.api("GET", "/api/states/automation.gridx_e2e_charge_to")["state"]
            == "on"
        ),
        timeout=30,
        what="the automation",
    )
    stack.api("POST", "/api/events/gridx_e2e_charge", {})
    config = wait_for(
        lambda: (c := configuration(stack, ids))["chargeMode"] == "SURPLUS_EV" and c,
        timeout=30,
        what="the automation's change at the emulator",
    )
    assert config["minRequestedSoc"] == 80
    assert config["userTotalCapacity"] == 60000
    assert config["departureTimestamp"].endswith(":00:00Z")
    power, surplus = ev_power_while_plugged(stack, ids["system"])
    assert power <= max(0.0, surplus) + 1, (power, surplus)


def _system_language(ui: Ui, lang: str, entry_id: str) -> None:
    """Set Home Assistant's language (entity names follow it) and reload gridX."""
    ui.ws({"type": "config/core/update", "language": lang})
    ui.stack.api("POST", f"/api/config/config_entries/entry/{entry_id}/reload")


def test_device_page_in_german(ui: Ui, gridx_entry: dict[str, Any]) -> None:
    """The controls speak German on the wallbox's page.

    Entity names are translated in Home Assistant's language, states and
    options in the user's: both are set to German.
    """
    ui.goto("/config/integrations/dashboard")
    select = ui.entity_by_key("ev_charge_mode")
    _system_language(ui, "de", gridx_entry["entry_id"])
    ui.set_language("de")
    try:
        ui.open_device(select["device_id"])
        page = ui.page
        for key in (
            "entity.select.ev_charge_mode.name",
            "entity.number.ev_target_charge.name",
            "entity.time.ev_departure.name",
            "entity.switch.ev_charging_allowed.name",
        ):
            assert gridx_text("de", key) != gridx_text("en", key)
            expect(
                page.get_by_text(gridx_text("de", key), exact=True).first
            ).to_be_visible()
        shot(ui, "ev-control-de.png")
        row = page.locator("hui-select-entity-row")
        row.locator("ha-select").click()
        for option in ("fast", "minimum_then_solar", "departure_time", "solar_surplus"):
            text = gridx_text("de", f"entity.select.ev_charge_mode.state.{option}")
            expect(row.get_by_text(text, exact=True).first).to_be_visible()
        shot(ui, "ev-control-de-options.png")
    finally:
        _system_language(ui, "en", gridx_entry["entry_id"])
        ui.set_language("en")
