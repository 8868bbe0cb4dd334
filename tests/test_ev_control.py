"""EV charging control entities against the gridX emulator (issue 18).

Each entity's write is checked by the exact PATCH body the emulator got,
the state by gridX's answer (never the request), and every failure by the
translated error a user sees.
"""

from typing import Any

from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_API_TOKEN,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx.api import ev_client
from custom_components.gridx.const import CONF_API_BASE, DOMAIN
from custom_components.gridx.diagnostics import async_get_config_entry_diagnostics
from custom_components.gridx.ev.control import GridxEvCoordinator
from gridx_emulator import DemoIds, GridxEmulator
from gridx_emulator.state import ALL_POLICIES, EV_WRITE_POLICY

from . import test_live
from .emulator_fixtures import DEMO_TOKEN
from .gridx_state import entity_id, get_device

poll = test_live.poll
mock_recorder_before_hass = test_live.mock_recorder_before_hass
clock = test_live.clock
init_integration = test_live.init_integration
live_of = test_live.live_of


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry writes without waiting (the budget logic is in test_ev_api.py)."""
    monkeypatch.setattr(ev_client, "WRITE_RETRY_DELAYS", (0.0, 0.0, 0.0))


@pytest.fixture
def token() -> str:
    """The demo token, with every policy."""
    return DEMO_TOKEN


@pytest.fixture
def mock_config_entry(
    mock_config_entry: MockConfigEntry, emulator: GridxEmulator, token: str
) -> MockConfigEntry:
    """Point the entry at the emulator with ``token``.

    Any token but the demo one lacks the write policy.
    """
    if token != DEMO_TOKEN:
        emulator.state.add_token(
            token,
            user_id=emulator.state.demo.user_id,  # type: ignore[union-attr]
            policies=ALL_POLICIES - {EV_WRITE_POLICY},
        )
    return MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        unique_id=mock_config_entry.unique_id,
        data={
            **mock_config_entry.data,
            CONF_API_TOKEN: token,
            CONF_API_BASE: emulator.base_url,
        },
    )


def ev_of(entry: MockConfigEntry) -> GridxEvCoordinator:
    """Return the entry's EV coordinator."""
    ev = entry.runtime_data.ev
    assert ev is not None
    return ev


def uid(demo_ids: DemoIds, key: str) -> str:
    """Return the short unique id of a station entity."""
    return f"{demo_ids.gateway_id}_{demo_ids.ev_station_id}_{key}"


def state_of(hass: HomeAssistant, platform: str, demo_ids: DemoIds, key: str) -> str:
    """Return the state of a station entity."""
    state = hass.states.get(entity_id(hass, platform, uid(demo_ids, key)))
    assert state is not None
    return state.state


async def call(
    hass: HomeAssistant,
    platform: str,
    service: str,
    demo_ids: DemoIds,
    key: str,
    **data: Any,
) -> None:
    """Call an entity action and wait for it."""
    await hass.services.async_call(
        platform,
        service,
        {ATTR_ENTITY_ID: entity_id(hass, platform, uid(demo_ids, key)), **data},
        blocking=True,
    )


async def select_mode(hass: HomeAssistant, demo_ids: DemoIds, option: str) -> None:
    """Select a charge mode."""
    await call(
        hass,
        Platform.SELECT,
        SERVICE_SELECT_OPTION,
        demo_ids,
        "ev_charge_mode",
        **{ATTR_OPTION: option},
    )


@pytest.mark.usefixtures("init_integration")
async def test_entities_on_the_station_device(
    hass: HomeAssistant, demo_ids: DemoIds
) -> None:
    """Every control sits on the wallbox; power limit disabled, sensors diagnostic."""
    wallbox = get_device(hass, demo_ids.ev_station_id)
    assert wallbox is not None
    registry = er.async_get(hass)
    for platform, key in (
        (Platform.SELECT, "ev_charge_mode"),
        (Platform.NUMBER, "ev_target_charge"),
        (Platform.NUMBER, "ev_max_charging_power"),
        (Platform.TIME, "ev_departure"),
        (Platform.SWITCH, "ev_charging_allowed"),
        (Platform.SENSOR, "ev_estimated_departure"),
        (Platform.SENSOR, "ev_max_power_calculated"),
    ):
        entry = registry.async_get(entity_id(hass, platform, uid(demo_ids, key)))
        assert entry is not None
        assert entry.device_id == wallbox.id
    power = registry.async_get(
        entity_id(hass, Platform.NUMBER, uid(demo_ids, "ev_max_charging_power"))
    )
    assert power is not None
    assert power.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == "fast"
    assert state_of(hass, Platform.SWITCH, demo_ids, "ev_charging_allowed") == "on"
    assert state_of(hass, Platform.TIME, demo_ids, "ev_departure") == "unknown"
    calculated = state_of(hass, Platform.SENSOR, demo_ids, "ev_max_power_calculated")
    assert float(calculated) == 11000
    calc = registry.async_get(
        entity_id(hass, Platform.SENSOR, uid(demo_ids, "ev_max_power_calculated"))
    )
    assert calc is not None
    assert calc.entity_category is er.EntityCategory.DIAGNOSTIC


@pytest.mark.usefixtures("init_integration")
async def test_solar_surplus_one_patch_and_power_follows(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """Selecting a mode sends only chargeMode; the state is gridX's answer."""
    emulator.live.observe(
        {
            "type": "ev/charge-started",
            "data": {"systemID": demo_ids.system_id, "chargePower": 11_000_000},
        }
    )
    emulator.live.settings_changed()
    body = emulator.live.live_body(demo_ids.system_id, demo_ids.gateway_id)
    assert body["evChargingStations"][0]["power"] == 11000
    await select_mode(hass, demo_ids, "solar_surplus")
    assert emulator.ev.requests == [
        ("PATCH", demo_ids.ev_station_id, {"chargeMode": "SURPLUS_EV"})
    ]
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == (
        "solar_surplus"
    )
    # Midsummer noon: the car now draws the PV surplus only, less than 11 kW.
    body = emulator.live.live_body(demo_ids.system_id, demo_ids.gateway_id)
    powers = body["photovoltaic"], body["evChargingStations"][0]["power"]
    assert 0 < powers[1] < 11000
    assert powers[1] <= powers[0]
    # The same mode again: no request.
    await select_mode(hass, demo_ids, "solar_surplus")
    assert len(emulator.ev.requests) == 1


@pytest.mark.usefixtures("init_integration")
async def test_target_charge_carries_the_capacity_from_the_profile(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """MinRequestedSoc goes with userTotalCapacity (the EV profile's)."""
    await call(
        hass,
        Platform.NUMBER,
        SERVICE_SET_VALUE,
        demo_ids,
        "ev_target_charge",
        **{ATTR_VALUE: 70},
    )
    assert emulator.ev.requests == [
        (
            "PATCH",
            demo_ids.ev_station_id,
            {"minRequestedSoc": 70.0, "userTotalCapacity": 60000},
        )
    ]
    assert float(state_of(hass, Platform.NUMBER, demo_ids, "ev_target_charge")) == 70
    # Minimum mode now needs nothing else: the target is set.
    await select_mode(hass, demo_ids, "minimum_then_solar")
    assert emulator.ev.requests[-1][2] == {"chargeMode": "MIN_EV"}
    # Unchanged: no request.
    await call(
        hass,
        Platform.NUMBER,
        SERVICE_SET_VALUE,
        demo_ids,
        "ev_target_charge",
        **{ATTR_VALUE: 70},
    )
    assert len(emulator.ev.requests) == 2


@pytest.mark.usefixtures("init_integration")
async def test_without_capacity_the_error_says_where_to_set_it(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """No capacity in the configuration or any profile: translated error, no PATCH."""
    emulator.state.ev_profiles.clear()
    with pytest.raises(HomeAssistantError) as err:
        await select_mode(hass, demo_ids, "departure_time")
    assert err.value.translation_key == "ev_capacity_unknown"
    assert "EV profile" in str(err.value)
    assert emulator.ev.requests == []
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == "fast"


def live_of_entry(hass: HomeAssistant) -> Any:
    """Return the live coordinator of the only gridX entry."""
    [entry] = hass.config_entries.async_entries(DOMAIN)
    return live_of(entry)


@pytest.mark.usefixtures("init_integration")
async def test_max_power_zero_is_no_limit_and_switch(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """The power limit: W, 0 <-> null; the switch sends chargingEnabled."""
    registry = er.async_get(hass)
    power_id = entity_id(hass, Platform.NUMBER, uid(demo_ids, "ev_max_charging_power"))
    registry.async_update_entity(power_id, disabled_by=None)
    [entry] = hass.config_entries.async_entries(DOMAIN)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (
        float(state_of(hass, Platform.NUMBER, demo_ids, "ev_max_charging_power")) == 0
    )
    for value in (7400, 0):
        await call(
            hass,
            Platform.NUMBER,
            SERVICE_SET_VALUE,
            demo_ids,
            "ev_max_charging_power",
            **{ATTR_VALUE: value},
        )
    assert [r[2] for r in emulator.ev.requests] == [
        {"maxChargePower": 7400.0},
        {"maxChargePower": None},
    ]
    # No limit again: unchanged, nothing sent.
    await call(
        hass,
        Platform.NUMBER,
        SERVICE_SET_VALUE,
        demo_ids,
        "ev_max_charging_power",
        **{ATTR_VALUE: 0},
    )
    assert len(emulator.ev.requests) == 2
    await call(hass, Platform.SWITCH, SERVICE_TURN_OFF, demo_ids, "ev_charging_allowed")
    assert emulator.ev.requests[-1][2] == {"chargingEnabled": False}
    assert state_of(hass, Platform.SWITCH, demo_ids, "ev_charging_allowed") == "off"
    await call(hass, Platform.SWITCH, SERVICE_TURN_ON, demo_ids, "ev_charging_allowed")
    assert emulator.ev.requests[-1][2] == {"chargingEnabled": True}
    assert state_of(hass, Platform.SWITCH, demo_ids, "ev_charging_allowed") == "on"


@pytest.mark.usefixtures("init_integration")
async def test_no_configuration_is_created_by_post(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """A station without configuration (404) shows fast; a write POSTs."""
    del emulator.state.ev_configurations[demo_ids.ev_station_id]
    await live_of_entry(hass).async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == "fast"
    await select_mode(hass, demo_ids, "solar_surplus")
    assert [(m, b) for m, _, b in emulator.ev.requests] == [
        ("PATCH", {"chargeMode": "SURPLUS_EV"}),
        ("POST", {"chargeMode": "SURPLUS_EV"}),
    ]
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == (
        "solar_surplus"
    )


@pytest.mark.usefixtures("init_integration")
async def test_diagnostics_hold_the_configuration_hashed(
    hass: HomeAssistant, demo_ids: DemoIds
) -> None:
    """The cached configuration per station, ids hashed."""
    [entry] = hass.config_entries.async_entries(DOMAIN)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    [station] = diagnostics["ev_control"]["stations"]
    assert station["configuration"]["chargeMode"] == "FORCED_EV"
    assert station["configuration"]["maxPowerCalculated"] == 11000
    assert station["appliance_id"].startswith("#")
    assert station["configuration"]["applianceID"] == station["appliance_id"]
    assert demo_ids.ev_station_id not in str(diagnostics)


@pytest.mark.usefixtures("init_integration")
async def test_capacity_from_the_configuration(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """A configuration with userTotalCapacity: no profile lookup, its value goes."""
    emulator.state.ev_configurations[demo_ids.ev_station_id]["userTotalCapacity"] = (
        82000
    )
    emulator.state.ev_profiles.clear()
    await live_of_entry(hass).async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    await call(
        hass,
        Platform.NUMBER,
        SERVICE_SET_VALUE,
        demo_ids,
        "ev_target_charge",
        **{ATTR_VALUE: 90},
    )
    assert emulator.ev.requests[-1][2] == {
        "minRequestedSoc": 90.0,
        "userTotalCapacity": 82000.0,
    }


@pytest.fixture
def without_charging_enabled(emulator: GridxEmulator, demo_ids: DemoIds) -> None:
    """A station whose configuration does not carry chargingEnabled (null)."""
    emulator.state.ev_configurations[demo_ids.ev_station_id]["chargingEnabled"] = None


async def test_no_switch_without_charging_enabled(
    hass: HomeAssistant,
    without_charging_enabled: None,
    init_integration: MockConfigEntry,
    demo_ids: DemoIds,
) -> None:
    """Without chargingEnabled: no Charging allowed switch; the other controls exist."""
    registry = er.async_get(hass)
    assert not [
        entry
        for entry in er.async_entries_for_config_entry(
            registry, init_integration.entry_id
        )
        if entry.domain == Platform.SWITCH
    ]
    assert state_of(hass, Platform.SELECT, demo_ids, "ev_charge_mode") == "fast"
