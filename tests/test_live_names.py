"""Names and devices of appliance live sensors: numbers, and moving to a device.

Several batteries (heat pumps, charging stations) of one system are
numbered ("Battery 2 power"), in en and de; an only one keeps its name and
entity id. A sensor placed on the gateway because the store did not know its
appliance moves to the appliance's device once the store learns it.
"""

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx.api.live import LiveMeasurement
from custom_components.gridx.live.appliance import item_numbers
from gridx_emulator import DemoIds, GridxEmulator
from gridx_emulator.state import Appliance

from . import test_live
from .gridx_state import entity_id, get_device

poll = test_live.poll
mock_config_entry = test_live.mock_config_entry
mock_recorder_before_hass = test_live.mock_recorder_before_hass
clock = test_live.clock
init_integration = test_live.init_integration
live_of = test_live.live_of
S = test_live.S

TWO_BATTERIES = [
    {"applianceID": "bat-a", "power": -1500, "stateOfCharge": 1, "capacity": 5000},
    {"power": 3},  # no applianceID: only in the sums, and not counted
    {"applianceID": "bat-b", "power": 250, "stateOfCharge": 0.25},
]


def _name(hass: HomeAssistant, unique_id: str) -> str:
    state = hass.states.get(entity_id(hass, S, unique_id))
    assert state is not None
    name: str = state.attributes["friendly_name"]
    return name


def _registry_entry(hass: HomeAssistant, unique_id: str) -> er.RegistryEntry:
    entry = er.async_get(hass).async_get(entity_id(hass, S, unique_id))
    assert entry is not None
    return entry


async def _show(hass: HomeAssistant, entry: MockConfigEntry, **changes: Any) -> None:
    """Show the system's last live answer with ``changes``, as a poll would."""
    live = live_of(entry)
    [system_id] = live.data
    data = dict(live.data)
    data[system_id] = LiveMeasurement.from_dict({**live.data[system_id].raw, **changes})
    live.async_set_updated_data(data)
    await hass.async_block_till_done()


def test_item_numbers() -> None:
    """Numbers follow the array; items without an id and repeated ids count once."""
    items = LiveMeasurement.from_dict({"batteries": TWO_BATTERIES}).batteries
    assert item_numbers(items) == {"bat-a": 1, "bat-b": 2}
    assert item_numbers(items[:2]) == {}
    assert item_numbers([*items[:1], *items[:1]]) == {}


@pytest.mark.parametrize(
    ("language", "names"),
    [
        (
            "en",
            (
                "Demo gridBox Battery power",
                "Demo gridBox Battery 1 power",
                "Demo gridBox Battery 2 state of charge",
                "Demo gridBox Heat pump 2 SG Ready state",
                "Demo gridBox Charger 2 power",
                "Demo gridBox Battery 2 power",
            ),
        ),
        (
            "de",
            (
                "Demo gridBox Batterieleistung",
                "Demo gridBox Batterie 1 Leistung",
                "Demo gridBox Batterie 2 Ladestand",
                "Demo gridBox Wärmepumpe 2 SG-Ready-Zustand",
                "Demo gridBox Ladestation 2 Leistung",
                "Demo gridBox Batterie 2 Leistung",
            ),
        ),
    ],
)
async def test_several_appliances_are_numbered(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    demo_ids: DemoIds,
    language: str,
    names: tuple[str, ...],
) -> None:
    """Two of a kind read apart, next to the system's sum, in en and de."""
    hass.config.language = language
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    gid = demo_ids.gateway_id
    await _show(
        hass,
        mock_config_entry,
        batteries=TWO_BATTERIES,
        heatPumps=[
            {"applianceID": "hp-a", "power": 400, "sgReadyState": "ON"},
            {"applianceID": "hp-b", "power": 0, "sgReadyState": "AUTO"},
        ],
        evChargingStations=[
            {"applianceID": "ev-a", "power": 11000},
            {"applianceID": "ev-b", "power": 0},
        ],
    )
    found = (
        _name(hass, f"{gid}_battery_power"),
        _name(hass, f"{gid}_bat-a_battery_power"),
        _name(hass, f"{gid}_bat-b_battery_state_of_charge"),
        _name(hass, f"{gid}_hp-b_sg_ready_state"),
        _name(hass, f"{gid}_ev-b_charging_station_power"),
        _name(hass, f"{gid}_bat-b_battery_power"),
    )
    assert found == names
    # The unique ids are the plain ones; new entity ids follow the names.
    assert entity_id(hass, S, f"{gid}_bat-b_battery_power") == (
        "sensor.demo_gridbox_battery_2_power"
        if language == "en"
        else "sensor.demo_gridbox_batterie_2_leistung"
    )
    # A number is kept when the array shrinks (the name does not flip).
    await _show(hass, mock_config_entry, batteries=TWO_BATTERIES[2:])
    assert _name(hass, f"{gid}_bat-b_battery_power") == names[5]


async def test_only_appliance_keeps_its_name_and_entity_id(
    hass: HomeAssistant, init_integration: MockConfigEntry, demo_ids: DemoIds
) -> None:
    """The demo's one battery and one wallbox read as before: no number."""
    prefix = f"{demo_ids.gateway_id}_{demo_ids.inverter_id}"
    assert _name(hass, f"{prefix}_battery_power") == "Demo inverter Battery power"
    assert entity_id(hass, S, f"{prefix}_battery_power") == (
        "sensor.demo_inverter_battery_power"
    )
    station = f"{demo_ids.gateway_id}_{demo_ids.ev_station_id}"
    assert _name(hass, f"{station}_charging_station_power") == (
        "Demo wallbox Charging station power"
    )


async def test_sensors_move_to_an_appliance_that_appears(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """Gateway-placed sensors of an unknown battery move to its new device."""
    gid = demo_ids.gateway_id
    await _show(hass, init_integration, batteries=TWO_BATTERIES)
    gateway = get_device(hass, gid)
    assert gateway is not None
    power = f"{gid}_bat-a_battery_power"
    capacity = f"{gid}_bat-a_battery_capacity"  # disabled by default
    before = entity_id(hass, S, power)
    assert _registry_entry(hass, power).device_id == gateway.id
    assert _registry_entry(hass, capacity).device_id == gateway.id
    assert _registry_entry(hass, capacity).disabled_by is not None

    # gridX now lists the battery; the slow poll puts it into the store.
    emulator.state.appliances["bat-a"] = Appliance(
        id="bat-a",
        gateway_id=gid,
        name="Garage battery",
        model="HVS 7.7",
        manufacturer="BYD",
        serial_number="BAT-0002",
        type="INVERTER",
        kind="BATTERY",
    )
    await init_integration.runtime_data.coordinator.async_refresh()
    battery = get_device(hass, "bat-a")
    assert battery is not None
    # Still on the gateway until the next live answer.
    assert _registry_entry(hass, power).device_id == gateway.id
    await _show(hass, init_integration, batteries=TWO_BATTERIES)

    assert _registry_entry(hass, power).device_id == battery.id
    assert _registry_entry(hass, capacity).device_id == battery.id
    # Same unique id and entity id; the name now starts with its device.
    assert entity_id(hass, S, power) == before
    assert _name(hass, power) == "Garage battery Battery 1 power"
    assert float(hass.states.get(before).state) == -1500  # type: ignore[union-attr]
    # The other battery is still unknown and stays on the gateway.
    assert _registry_entry(hass, f"{gid}_bat-b_battery_power").device_id == (gateway.id)
    # A reload creates them on the battery's device directly.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await _show(hass, init_integration, batteries=TWO_BATTERIES)
    assert _registry_entry(hass, power).device_id == battery.id
    assert entity_id(hass, S, power) == before
