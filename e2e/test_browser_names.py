"""Names, markers and icons of issue 20 §3-§4, seen in a real browser, en and de.

A system with two batteries (the emulator's ``--batteries 2``: the demo
inverter's battery and one the gateway does not list) shows numbered names
next to the system's sum; the portal picker names "E.ON Home Manager" in
the menu and in the list, with the shut-down Viessmann GridBox last and
marked; the EV's charging sensor reads "Charging". Every view is saved as a
PNG in ``.e2e-screenshots/`` (not docs/), in en and de, for a person to
look at. Expected texts come from the translation files.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, expect
import pytest

from . import test_browser
from .browser import Ui, core_text, gridx_text
from .harness import ROOT, Stack, wait_for
from .screenshots import save, settle

# The browser, the onboarded owner, a page and the token entry of test_browser.
browser = test_browser.browser
owner = test_browser.owner
ui = test_browser.ui
gridx_entry = test_browser.gridx_entry

pytestmark = pytest.mark.timeout(420)
SHOTS = ROOT / ".e2e-screenshots"
LANGUAGES = ("en", "de")


@pytest.fixture(scope="module")
def stack_options() -> dict[str, Any]:
    """Two batteries in the demo system's live answers."""
    return {"emulator_args": ("--batteries", "2")}


@pytest.fixture(scope="module")
def shots() -> Path:
    """The directory of this module's screenshots (emptied first)."""
    SHOTS.mkdir(exist_ok=True)
    for old in SHOTS.glob("names-*.png"):
        old.unlink()
    return SHOTS


@pytest.fixture
def each_language(ui: Ui, gridx_entry: dict[str, Any]) -> Iterator[list[str]]:
    """Yield the languages to walk; everything is English again after."""
    ui.goto("/config/integrations/dashboard")  # the frontend's connection
    try:
        yield list(LANGUAGES)
    finally:
        use_language(ui, gridx_entry["entry_id"], "en")


def use_language(ui: Ui, entry_id: str, lang: str) -> None:
    """Speak ``lang`` in the frontend and on the server.

    Entity names are translated by the server, in its language, when the
    entities are added: the entry is reloaded after the change, and the
    gateway's connection sensor tells when its new name is there.
    """
    ui.set_language(lang)
    ui.ws({"type": "config/core/update", "language": lang})
    ui.stack.api("POST", f"/api/config/config_entries/entry/{entry_id}/reload")
    connection = ui.entity_by_key("gateway_connection")["entity_id"]
    name = gridx_text(lang, "entity.binary_sensor.gateway_connection.name")

    def translated() -> bool:
        state = ui.stack.api("GET", f"/api/states/{connection}")
        return str(state["attributes"].get("friendly_name", "")).endswith(name)

    wait_for(translated, timeout=60, what=f"entity names in {lang}")


def _row(ui: Ui, name: str) -> Locator:
    """The entity row named ``name`` on a device page, scrolled into view."""
    page = ui.page
    row = page.locator("hui-generic-entity-row").filter(
        has=page.get_by_text(name, exact=True)
    )
    expect(row).to_have_count(1)
    row.scroll_into_view_if_needed()
    return row


def _known(stack: Stack, entity_id: str) -> bool:
    state = stack.api("GET", f"/api/states/{entity_id}")["state"]
    return state not in ("unknown", "unavailable")


def test_two_batteries_are_numbered(
    ui: Ui, gridx_entry: dict[str, Any], shots: Path, each_language: list[str]
) -> None:
    """The gateway shows the sum and "Battery 2 …"; the inverter "Battery 1 …"."""

    def numbered() -> list[dict[str, Any]] | None:
        found = [
            entity
            for entity in ui.gridx_entities()
            if entity.get("translation_key") == "battery_power_numbered"
        ]
        return found if len(found) == 2 else None

    batteries = wait_for(numbered, timeout=90, what="two numbered batteries")
    for battery in batteries:
        wait_for(
            lambda battery=battery: _known(ui.stack, battery["entity_id"]),
            timeout=90,
            what="a battery's power",
        )
    gateway = ui.entity_by_key("gateway_connection")["device_id"]
    # The unlisted battery sits on the gateway, the inverter's on its own.
    [inverter] = {b["device_id"] for b in batteries} - {gateway}
    assert gateway in {b["device_id"] for b in batteries}
    for lang in each_language:
        use_language(ui, gridx_entry["entry_id"], lang)

        def name(key: str, number: int | None = None, lang: str = lang) -> str:
            text = gridx_text(lang, f"entity.sensor.{key}.name")
            return text if number is None else text.format(number=number)

        ui.open_device(gateway)
        _row(ui, name("battery_power"))
        _row(ui, name("battery_state_of_charge_numbered", 2))
        _row(ui, name("battery_power_numbered", 2))
        settle(ui.page)
        save(ui.page, shots / f"names-gateway-batteries-{lang}.png")
        # Further down: the icons of Self-sufficiency and SG Ready.
        _row(ui, name("self_sufficiency"))
        _row(ui, name("sg_ready_state"))
        settle(ui.page)
        save(ui.page, shots / f"names-gateway-icons-{lang}.png")

        ui.open_device(inverter)
        _row(ui, name("battery_power_numbered", 1))
        _row(ui, name("battery_state_of_charge_numbered", 1))
        settle(ui.page)
        save(ui.page, shots / f"names-inverter-battery-1-{lang}.png")


def test_ev_charging_sensor_is_named_charging(
    ui: Ui, gridx_entry: dict[str, Any], shots: Path, each_language: list[str]
) -> None:
    """The EV's device lists "Charging" (de "Laden"), not "Battery"."""
    charging = ui.entity_by_key("ev_charging")
    for lang in each_language:
        use_language(ui, gridx_entry["entry_id"], lang)
        ui.open_device(charging["device_id"])
        row = _row(ui, gridx_text(lang, "entity.binary_sensor.ev_charging.name"))
        expect(row.locator("state-badge")).to_be_visible()
        settle(ui.page)
        save(ui.page, shots / f"names-ev-charging-{lang}.png")


def test_plug_state_icon(
    ui: Ui, gridx_entry: dict[str, Any], shots: Path, each_language: list[str]
) -> None:
    """The wallbox's Plug state (disabled by default; enabled here) has its icon."""
    plug = ui.entity_by_key("plug_state")
    if plug["disabled_by"] is not None:
        ui.ws(
            {
                "type": "config/entity_registry/update",
                "entity_id": plug["entity_id"],
                "disabled_by": None,
            }
        )
        # Home Assistant reloads the entry to add it (about 30 s later).
        wait_for(
            lambda: _known(ui.stack, plug["entity_id"]),
            timeout=120,
            interval=2,
            what="the enabled plug state",
        )
    for lang in each_language:
        use_language(ui, gridx_entry["entry_id"], lang)
        ui.open_device(plug["device_id"])
        _row(ui, gridx_text(lang, "entity.sensor.plug_state.name"))
        settle(ui.page)
        save(ui.page, shots / f"names-wallbox-plug-{lang}.png")


def test_portal_picker(
    ui: Ui, gridx_entry: dict[str, Any], shots: Path, each_language: list[str]
) -> None:
    """One name for E.ON Home Manager; the shut-down portal last, marked."""
    for lang in each_language:
        use_language(ui, gridx_entry["entry_id"], lang)
        ui.open_gridx_flow()
        page = ui.page
        menu = gridx_text(lang, "config.step.user.menu_options.portal")
        expect(page.get_by_text(menu)).to_be_visible()
        assert "E.ON Home Manager," in menu
        settle(page)
        save(page, shots / f"names-portal-menu-{lang}.png")
        page.get_by_text(menu).click()
        portal = gridx_text(lang, "config.step.portal.data.portal")
        page.get_by_label(portal).first.click()
        marked = gridx_text(lang, "selector.portal.options.viessmann")
        # The list's items (ha-select's dropdown, in its shadow root).
        items = page.locator("ha-select ha-dropdown-item")
        expect(items.filter(has_text=marked)).to_have_count(1)
        texts = [text.strip() for text in items.all_inner_texts()]
        assert texts[-1] == marked, texts
        assert texts.count("E.ON Home Manager") == 1, texts
        items.last.scroll_into_view_if_needed()
        settle(page)
        save(page, shots / f"names-portal-picker-{lang}.png")


def test_ev_trigger_list_and_location(
    ui: Ui, gridx_entry: dict[str, Any], shots: Path, each_language: list[str]
) -> None:
    """The EV's trigger list: one per meaning; its Location reads Home or Away.

    Home Assistant's plug and charging triggers of the EV's binary sensors,
    the gridX location and push triggers; no gridX "EV plugged in" beside
    core's "… plugged in", no "Location present".
    """
    location = ui.entity_by_key("ev_location")
    wait_for(
        lambda: _known(ui.stack, location["entity_id"]),
        timeout=90,
        what="the EV's location",
    )
    for lang in each_language:
        use_language(ui, gridx_entry["entry_id"], lang)
        device = ui.device(location["device_id"])  # its name in ``lang``
        device_name = device["name_by_user"] or device["name"]
        ui.open_device(location["device_id"])
        state = ui.stack.api("GET", f"/api/states/{location['entity_id']}")["state"]
        row = _row(ui, gridx_text(lang, "entity.sensor.ev_location.name"))
        expect(row).to_contain_text(
            gridx_text(lang, f"entity.sensor.ev_location.state.{state}")
        )
        settle(ui.page)
        save(ui.page, shots / f"names-ev-location-{lang}.png")

        listed = ui.device_trigger_list(device_name)
        settle(ui.page)
        save(ui.page, shots / f"names-ev-triggers-{lang}.png")
        # The rest of the list, scrolled to its end.
        ui.page.locator("ha-picker-combo-box ha-combo-box-item").filter(
            visible=True
        ).last.scroll_into_view_if_needed()
        settle(ui.page)
        save(ui.page, shots / f"names-ev-triggers-end-{lang}.png")
        ours = [
            gridx_text(lang, f"device_automation.trigger_type.{key}")
            for key in ("ev_arrived_home", "ev_left_home", "ev_charging_failed")
        ]
        plugged = core_text(
            lang, "binary_sensor", "device_automation.trigger_type.plugged_in"
        ).format(entity_name=device_name)
        assert set(ours) <= set(listed), listed
        assert plugged in listed, listed
        for gone in ("ev_plugged", "ev_charging_started"):
            text = gridx_text(lang, f"device_automation.trigger_type.{gone}")
            assert text not in listed, listed
        present = core_text(
            lang, "binary_sensor", "device_automation.trigger_type.present"
        )
        assert not [t for t in listed if t.endswith(present.split("}")[-1])], listed


# The gridX state triggers no longer listed (core's triggers of the sensors).
UNLISTED = (
    "ev_plugged",
    "ev_unplugged",
    "ev_charging_started",
    "ev_charging_stopped",
    "gateway_online",
    "gateway_offline",
    "appliance_online",
    "appliance_offline",
)


def test_trigger_lists_of_wallbox_gateway_inverter(
    ui: Ui, gridx_entry: dict[str, Any], shots: Path, each_language: list[str]
) -> None:
    """Wallbox, gateway and inverter list no gridX trigger a sensor shows."""
    devices = {
        "wallbox": ui.entity_by_key("plug_state")["device_id"],
        "gateway": ui.device_with_trigger("power_limit_set")["id"],
        "inverter": ui.device_with_trigger("inverter_status_changed")["id"],
    }
    for lang in each_language:
        use_language(ui, gridx_entry["entry_id"], lang)
        unlisted = {
            gridx_text(lang, f"device_automation.trigger_type.{key}")
            for key in UNLISTED
        }
        # The wallbox's controls: is "Departure" cut on the device page?
        ui.open_device(devices["wallbox"])
        _row(ui, gridx_text(lang, "entity.time.ev_departure.name"))
        settle(ui.page)
        save(ui.page, shots / f"names-wallbox-controls-{lang}.png")
        for what, device_id in devices.items():
            device = ui.device(device_id)
            listed = ui.device_trigger_list(device["name_by_user"] or device["name"])
            settle(ui.page)
            save(ui.page, shots / f"names-triggers-{what}-{lang}.png")
            ui.page.locator("ha-picker-combo-box ha-combo-box-item").filter(
                visible=True
            ).last.scroll_into_view_if_needed()
            settle(ui.page)
            save(ui.page, shots / f"names-triggers-{what}-end-{lang}.png")
            assert listed, what
            assert not unlisted & set(listed), (what, listed)
