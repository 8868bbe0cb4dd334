"""Appliance-level live sensors: each battery, heat pump and charging station."""

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx.api.live import LiveMeasurement
from custom_components.gridx.live.coordinator import GridxLiveCoordinator
from gridx_emulator import DemoIds, GridxEmulator
from gridx_emulator.state import Appliance

from . import test_live
from .gridx_state import entity_id, get_device

# The emulator-backed entry, the frozen clock and the recorder of test_live.py.
poll = test_live.poll
mock_config_entry = test_live.mock_config_entry
mock_recorder_before_hass = test_live.mock_recorder_before_hass
clock = test_live.clock
init_integration = test_live.init_integration
live_of = test_live.live_of
value = test_live.value
S = test_live.S
HEAT_PUMP_ID = "5d0c4f0e-8b1a-4f7e-9d55-1c2b3a4d5e6f"
WS_PER_KWH = 3_600_000


def _unique_ids(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    return {
        e.unique_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == "sensor"
    }


def _device_of(hass: HomeAssistant, unique_id: str) -> str | None:
    entry = er.async_get(hass).async_get(entity_id(hass, S, unique_id))
    assert entry is not None
    return entry.device_id


async def _set_payload(
    hass: HomeAssistant, live: GridxLiveCoordinator, system_id: str, raw: Any
) -> None:
    """Show ``raw`` as the system's last live answer, as a poll would."""
    data = dict(live.data)
    data[system_id] = LiveMeasurement.from_dict(raw)
    live.async_set_updated_data(data)
    await hass.async_block_till_done()


@pytest.fixture
def heat_pump(emulator: GridxEmulator, demo_ids: DemoIds) -> str:
    """Give the demo gridBox a heat pump appliance (before set-up)."""
    emulator.state.appliances[HEAT_PUMP_ID] = Appliance(
        id=HEAT_PUMP_ID,
        gateway_id=demo_ids.gateway_id,
        name="Demo heat pump",
        model="WPL 25",
        manufacturer="Stiebel Eltron",
        serial_number="WP-0001",
        type="HEAT_PUMP",
        kind="HEAT_PUMP",
    )
    return HEAT_PUMP_ID


async def test_battery_and_station_sit_on_their_devices(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """Battery: W as sent, SoC 0-1 in %, Wh; the wallbox's meter in kWh."""
    gid = demo_ids.gateway_id
    body = emulator.live.live_body(demo_ids.system_id, gid)
    [battery] = body["batteries"]
    # The demo's battery sits behind its hybrid inverter.
    assert battery["applianceID"] == demo_ids.inverter_id
    prefix = f"{gid}_{demo_ids.inverter_id}"
    assert float(value(hass, f"{prefix}_battery_power")) == battery["power"]
    # One battery, one state-of-charge entity: the system's, on the gateway
    # (a second one on the inverter would count it as two batteries).
    socs = [
        state
        for state in hass.states.async_all("sensor")
        if state.attributes.get("device_class") == "battery"
    ]
    assert len(socs) == 1
    assert socs[0].entity_id == entity_id(hass, S, f"{gid}_battery_state_of_charge")
    soc = socs[0]
    assert float(soc.state) == pytest.approx(battery["stateOfCharge"] * 100)
    assert 0 <= float(soc.state) <= 100
    assert soc.attributes["unit_of_measurement"] == "%"
    inverter = get_device(hass, demo_ids.inverter_id)
    gateway = get_device(hass, gid)
    assert inverter is not None
    assert gateway is not None
    assert _device_of(hass, f"{prefix}_battery_power") == inverter.id
    # The system-level sums stay on the gateway.
    assert _device_of(hass, f"{gid}_battery_power") == gateway.id
    # Capacity is rarely used: there, but disabled.
    capacity = er.async_get(hass).async_get(
        entity_id(hass, S, f"{prefix}_battery_capacity")
    )
    assert capacity is not None
    assert capacity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert capacity.device_id == inverter.id

    [station] = body["evChargingStations"]
    sid = f"{gid}_{demo_ids.ev_station_id}"
    energy = hass.states.get(entity_id(hass, S, f"{sid}_charging_station_energy"))
    assert energy is not None
    # readingTotal is Wh (the spec), shown in kWh.
    assert float(energy.state) == pytest.approx(station["readingTotal"] / 1000, 1e-3)
    assert energy.attributes["unit_of_measurement"] == "kWh"
    assert energy.attributes["state_class"] == "total_increasing"
    wallbox = get_device(hass, demo_ids.ev_station_id)
    assert wallbox is not None
    assert _device_of(hass, f"{sid}_charging_station_energy") == wallbox.id


async def test_matched_heat_pump_gets_power_state_and_meter(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    heat_pump: str,
    mock_config_entry: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """A heat pump the store knows shows its power, SG Ready and meter."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    gid = demo_ids.gateway_id
    body = emulator.live.live_body(demo_ids.system_id, gid)
    prefix = f"{gid}_{heat_pump}"
    device = get_device(hass, heat_pump)
    assert device is not None
    assert float(value(hass, f"{prefix}_heat_pump_power")) == body["heatPump"]
    assert value(hass, f"{prefix}_sg_ready_state") in {"auto", "on"}
    energy = hass.states.get(entity_id(hass, S, f"{prefix}_heat_pump_energy"))
    assert energy is not None
    assert float(energy.state) == pytest.approx(
        body["heatPumpMeterReadingPositive"] / WS_PER_KWH
    )
    assert energy.attributes["unit_of_measurement"] == "kWh"
    assert energy.attributes["state_class"] == "total_increasing"
    for key in ("heat_pump_power", "sg_ready_state", "heat_pump_energy"):
        assert _device_of(hass, f"{prefix}_{key}") == device.id
    # The meter is reset: a new cycle starts, never a step back by mistake.
    before = float(energy.state)
    live = live_of(mock_config_entry)
    emulator.live.reset_meters(demo_ids.system_id)
    await live.async_refresh()
    await hass.async_block_till_done()
    after = float(value(hass, f"{prefix}_heat_pump_energy"))
    assert 0 <= after < before


async def test_only_reported_appliances_get_sensors(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    heat_pump: str,
    mock_config_entry: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """No battery or heat pump reported: no sensors of their appliances."""
    simulation = emulator.live.system(demo_ids.system_id)
    simulation.has_battery = simulation.has_heat_pump = False
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    gid = demo_ids.gateway_id
    unique_ids = _unique_ids(hass, mock_config_entry)
    assert not any(f"{gid}_{heat_pump}_" in u for u in unique_ids)
    assert not any(f"{gid}_{demo_ids.inverter_id}_" in u for u in unique_ids)
    station = f"{gid}_{demo_ids.ev_station_id}_charging_station_power"
    assert any(u.endswith(station) for u in unique_ids)


async def test_unmatched_batteries_sit_on_the_gateway(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """Two batteries the store does not know: a sensor set each, on the gateway."""
    gid = demo_ids.gateway_id
    live = live_of(init_integration)
    raw = dict(live.data[demo_ids.system_id].raw)
    raw["batteries"] = [
        {"applianceID": "bat-a", "power": -1500, "stateOfCharge": 1, "capacity": 5000},
        {"applianceID": "bat-b", "power": 250, "stateOfCharge": 0.25},
        {"power": 3},  # no applianceID: only in the sums
    ]
    await _set_payload(hass, live, demo_ids.system_id, raw)
    gateway = get_device(hass, gid)
    assert gateway is not None
    assert float(value(hass, f"{gid}_bat-a_battery_power")) == -1500
    assert float(value(hass, f"{gid}_bat-b_battery_power")) == 250
    assert float(value(hass, f"{gid}_bat-a_battery_state_of_charge")) == 100
    assert float(value(hass, f"{gid}_bat-b_battery_state_of_charge")) == 25
    assert _device_of(hass, f"{gid}_bat-a_battery_power") == gateway.id
    unique_ids = _unique_ids(hass, init_integration)
    # bat-b reports no capacity: no sensor for it.
    assert any(u.endswith("bat-a_battery_capacity") for u in unique_ids)
    assert not any(u.endswith("bat-b_battery_capacity") for u in unique_ids)
    # Two heat pumps: a power sensor each; the system's heat pump meter
    # belongs to neither of them.
    raw["heatPumps"] = [
        {"applianceID": "hp-a", "power": 400, "sgReadyState": "ON"},
        {"applianceID": "hp-b", "power": 0, "sgReadyState": "UNKNOWN"},
    ]
    raw["heatPumpMeterReadingPositive"] = 36_000_000
    await _set_payload(hass, live, demo_ids.system_id, raw)
    assert float(value(hass, f"{gid}_hp-a_heat_pump_power")) == 400
    assert value(hass, f"{gid}_hp-a_sg_ready_state") == "on"
    unique_ids = _unique_ids(hass, init_integration)
    assert not any(u.endswith("hp-b_sg_ready_state") for u in unique_ids)  # UNKNOWN
    assert not any(u.endswith("_hp-a_heat_pump_energy") for u in unique_ids)
    assert not any(u.endswith("_hp-b_heat_pump_energy") for u in unique_ids)
    # A battery that is no longer reported shows no value.
    raw["batteries"] = raw["batteries"][:1]
    await _set_payload(hass, live, demo_ids.system_id, raw)
    assert value(hass, f"{gid}_bat-b_battery_power") == "unknown"


async def test_station_meter_negative_quirk_glitch_and_reset(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    demo_ids: DemoIds,
) -> None:
    """The wallbox meter drops its sign, holds a dip and follows a reset."""
    gid = demo_ids.gateway_id
    uid = f"{gid}_{demo_ids.ev_station_id}_charging_station_energy"
    live = live_of(init_integration)
    raw = dict(live.data[demo_ids.system_id].raw)

    async def show(reading: float) -> float:
        raw["evChargingStations"] = [
            {**raw["evChargingStations"][0], "readingTotal": reading}
        ]
        await _set_payload(hass, live, demo_ids.system_id, raw)
        return float(value(hass, uid))

    assert await show(155_763) == pytest.approx(155.763)
    assert await show(-155_863) == pytest.approx(155.863)  # negative quirk
    assert await show(155_000) == pytest.approx(155.863)  # a glitch is held
    assert await show(4_394) == pytest.approx(4.394)  # a reset starts anew
    assert await show(4_500) == pytest.approx(4.5)
