"""Live sensors, the live poll and its failures, against the gridX emulator."""

from datetime import UTC, datetime, timedelta
import json

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.const import CONF_API_TOKEN, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.gridx.api.live import LiveMeasurement
from custom_components.gridx.const import CONF_API_BASE, DOMAIN
from custom_components.gridx.diagnostics import async_get_config_entry_diagnostics
from custom_components.gridx.live import statistics
from custom_components.gridx.live.coordinator import (
    MAX_PAUSE,
    UNAVAILABLE_AFTER_FAILURES,
    GridxLiveCoordinator,
    issue_id,
)
from gridx_emulator import DemoIds, GridxEmulator
from gridx_emulator.state import ALL_POLICIES, Gateway

from .emulator_fixtures import DEMO_TOKEN
from .gridx_state import entity_id, get_device

S = Platform.SENSOR
NOON = datetime(2026, 6, 21, 11, 2, 30, tzinfo=UTC)


@pytest.fixture
def poll() -> None:
    """Poll the emulator for real."""


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: object) -> None:
    """Prepare the recorder's database before hass exists (recorder_mock)."""


@pytest.fixture
def mock_config_entry(
    mock_config_entry: MockConfigEntry, emulator: GridxEmulator
) -> MockConfigEntry:
    """Point the entry at the emulator, with the demo token."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        unique_id=mock_config_entry.unique_id,
        data={
            **mock_config_entry.data,
            CONF_API_TOKEN: DEMO_TOKEN,
            CONF_API_BASE: emulator.base_url,
        },
    )


@pytest.fixture
def clock(
    freezer: FrozenDateTimeFactory,
    emulator: GridxEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> FrozenDateTimeFactory:
    """Freeze Home Assistant and the emulator's measurements at midsummer noon.

    The history import is cut to 3 hours: importing 30 days takes the test
    recorder most of a minute, and test_statistics.py covers it.
    """
    monkeypatch.setattr(statistics, "BACKFILL", timedelta(hours=3))
    freezer.move_to(NOON)
    emulator.live.clock = dt_util.utcnow
    return freezer


@pytest.fixture
async def init_integration(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
) -> MockConfigEntry:
    """Set up the entry with a recorder (history is imported too)."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return mock_config_entry


def live_of(entry: MockConfigEntry) -> GridxLiveCoordinator:
    """Return the entry's live coordinator."""
    live = entry.runtime_data.live
    assert live is not None
    return live


def value(hass: HomeAssistant, unique_id: str) -> str:
    """Return the state of a live sensor."""
    state = hass.states.get(entity_id(hass, S, unique_id))
    assert state is not None
    return state.state


async def test_live_sensors_units_and_signs(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """Power is W as sent, grid split by sign, rates and SoC in %, meters in kWh."""
    sid = demo_ids.gateway_id
    body = emulator.live.live_body(demo_ids.system_id, demo_ids.gateway_id)
    grid = body["grid"]
    assert float(value(hass, f"{sid}_photovoltaic_power")) == body["photovoltaic"]
    assert float(value(hass, f"{sid}_grid_power")) == grid
    assert float(value(hass, f"{sid}_grid_import_power")) == max(grid, 0)
    assert float(value(hass, f"{sid}_grid_export_power")) == max(-grid, 0)
    assert float(value(hass, f"{sid}_battery_power")) == body["battery"]["power"]
    assert float(value(hass, f"{sid}_battery_state_of_charge")) == pytest.approx(
        body["battery"]["stateOfCharge"] * 100
    )
    assert float(value(hass, f"{sid}_self_sufficiency")) == pytest.approx(
        body["selfSufficiencyRate"] * 100
    )
    assert float(value(hass, f"{sid}_grid_import_energy")) == pytest.approx(
        body["gridMeterReadingPositive"] / 3_600_000
    )
    assert float(value(hass, f"{sid}_grid_export_energy")) == pytest.approx(
        body["gridMeterReadingNegative"] / 3_600_000
    )
    state = hass.states.get(entity_id(hass, S, f"{sid}_grid_import_energy"))
    assert state is not None
    assert state.attributes["unit_of_measurement"] == "kWh"
    assert state.attributes["state_class"] == "total_increasing"
    assert state.attributes["device_class"] == "energy"
    # SG Ready is a translated enum on the (unmatched) heat pump: the gateway.
    heat_pump = f"{sid}_{sid}-heatpump_sg_ready_state"
    assert value(hass, heat_pump) == body["heatPumps"][0]["sgReadyState"].lower()
    # Values sit on the gateway's device; the wallbox's on the wallbox.
    registry = er.async_get(hass)
    gateway = get_device(hass, demo_ids.gateway_id)
    station = get_device(hass, demo_ids.ev_station_id)
    assert gateway is not None
    assert station is not None
    pv = registry.async_get(entity_id(hass, S, f"{sid}_photovoltaic_power"))
    assert pv is not None
    assert pv.device_id == gateway.id
    station_power = registry.async_get(
        entity_id(hass, S, f"{sid}_{demo_ids.ev_station_id}_charging_station_power")
    )
    assert station_power is not None
    assert station_power.device_id == station.id
    # Rarely used ones exist but are disabled.
    capacity = registry.async_get(entity_id(hass, S, f"{sid}_battery_capacity"))
    assert capacity is not None
    assert capacity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # What the system does not report has no sensor.
    assert not [
        e
        for e in er.async_entries_for_config_entry(registry, init_integration.entry_id)
        if e.unique_id.endswith("_heating_power")
    ]


async def test_sensors_only_for_what_is_reported(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """No battery, heat pump or charging station: none of their sensors."""
    simulation = emulator.live.system(demo_ids.system_id)
    simulation.has_battery = simulation.has_heat_pump = simulation.has_ev = False
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    unique_ids = {
        entry.unique_id
        for entry in er.async_entries_for_config_entry(
            er.async_get(hass), mock_config_entry.entry_id
        )
        if demo_ids.gateway_id in entry.unique_id and entry.domain == "sensor"
    }
    assert any(u.endswith("_photovoltaic_power") for u in unique_ids)
    assert not any("battery" in u or "heat_pump" in u for u in unique_ids)
    assert not any("charging_station" in u for u in unique_ids)


async def test_negative_export_meter_and_meter_reset(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    clock: FrozenDateTimeFactory,
) -> None:
    """A negative export meter keeps its value; a reset starts a new cycle."""
    sid = demo_ids.gateway_id
    live = live_of(init_integration)
    export_before = float(value(hass, f"{sid}_grid_export_energy"))
    emulator.live.negative_export = True
    await live.async_refresh()
    assert float(value(hass, f"{sid}_grid_export_energy")) == export_before
    emulator.live.reset_meters(demo_ids.system_id)
    clock.tick(timedelta(hours=2))
    await live.async_refresh()
    after_reset = float(value(hass, f"{sid}_grid_import_energy"))
    assert 0 <= after_reset < 50
    # A small dip (a glitch) is held, never shown as a step backwards.
    raw = dict(live.data[demo_ids.system_id].raw)
    raw["gridMeterReadingPositive"] = max(0, after_reset - 0.05) * 3_600_000
    held = dict(live.data)
    held[demo_ids.system_id] = LiveMeasurement.from_dict(raw)
    live.async_set_updated_data(held)
    # The history import the entry started runs in the background (and reads
    # the recorder): let it finish before the recorder stops with the test.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert float(value(hass, f"{sid}_grid_import_energy")) == after_reset


async def test_rate_limit_pauses_and_failures_mark_one_system(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    clock: FrozenDateTimeFactory,
) -> None:
    """429 pauses polling (capped); repeated failures affect their system only."""
    live = live_of(init_integration)
    emulator.faults.add("get_live", status=429, retry_after=100_000)
    emulator.faults.add("get_live", status=500)
    await live.async_refresh()
    assert live.paused_until == dt_util.utcnow() + MAX_PAUSE
    clock.tick(timedelta(minutes=5))
    await live.async_refresh()
    # Paused: no request was made, the queued 500 is still waiting.
    assert emulator.faults.pending("get_live") == 1
    assert value(hass, f"{demo_ids.gateway_id}_photovoltaic_power") != STATE_UNAVAILABLE

    # A second system whose live answers fail (its gateway moved away).
    state = emulator.state
    other = Gateway(
        id="gw-2",
        account_id=demo_ids.account_id,
        name="Second gridBox",
        serial_number="S2",
        system_id="system-2",
    )
    state.gateways[other.id] = other
    clock.tick(MAX_PAUSE)
    await init_integration.runtime_data.coordinator.async_refresh()
    await live.async_refresh()
    await hass.async_block_till_done()
    assert value(hass, "gw-2_photovoltaic_power") != STATE_UNAVAILABLE
    other.account_id = "someone-else"
    for _ in range(UNAVAILABLE_AFTER_FAILURES):
        await live.async_refresh()
    assert value(hass, "gw-2_photovoltaic_power") == STATE_UNAVAILABLE
    assert value(hass, f"{demo_ids.gateway_id}_photovoltaic_power") != STATE_UNAVAILABLE


async def test_missing_permission_raises_an_issue(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """Without SystemMeasurementsRead the entry loads, with a warning issue."""
    emulator.state.add_token(
        DEMO_TOKEN,
        user_id=demo_ids.user_id,
        policies=ALL_POLICIES - {"SystemMeasurementsRead"},
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, issue_id(mock_config_entry.entry_id)
    )
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_key == "live_data_unavailable"
    assert issue.translation_placeholders == {
        "title": mock_config_entry.title,
        "policy": "SystemMeasurementsRead",
    }
    assert not hass.states.async_entity_ids(S) or not any(
        "photovoltaic" in e for e in hass.states.async_entity_ids(S)
    )
    # Access granted: the next poll (after the hourly retry) clears the issue.
    emulator.state.add_token(DEMO_TOKEN, user_id=demo_ids.user_id)
    clock.tick(timedelta(hours=1, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, issue_id(mock_config_entry.entry_id))
        is None
    )
    assert value(hass, f"{demo_ids.gateway_id}_photovoltaic_power")


async def test_diagnostics_hold_the_last_live_payload(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    demo_ids: DemoIds,
) -> None:
    """Diagnostics show each system's last live answer, without its id.

    Called directly: the frozen clock predates the test client's token.
    """
    diagnostics = await async_get_config_entry_diagnostics(hass, init_integration)
    live = diagnostics["live"]
    assert live["update_interval_seconds"] == 60
    [system] = live["systems"]
    assert system["failures_in_a_row"] == 0
    assert system["last_payload"]["photovoltaic"] > 0
    assert demo_ids.system_id not in json.dumps(live)


async def test_the_longest_pause_wins(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """Two 429s in one poll: a shorter (or missing) Retry-After never shortens it."""
    emulator.state.gateways["gw-2"] = Gateway(
        id="gw-2",
        account_id=demo_ids.account_id,
        name="Second gridBox",
        serial_number="S2",
        system_id="system-2",
    )
    await init_integration.runtime_data.coordinator.async_refresh()
    live = live_of(init_integration)
    assert len(live.systems()) == 2
    emulator.faults.add("get_live", status=429, retry_after=600)
    emulator.faults.add("get_live", status=429)
    await live.async_refresh()
    assert live.paused_until == dt_util.utcnow() + timedelta(seconds=600)
    assert live.failures == {demo_ids.system_id: 1, "system-2": 1}


async def test_an_unmatched_only_heat_pump_repeats_no_power(
    hass: HomeAssistant, init_integration: MockConfigEntry, demo_ids: DemoIds
) -> None:
    """The aggregate shows the only heat pump's power; it gets no second sensor."""
    gid = demo_ids.gateway_id
    unique_ids = {
        entry.unique_id
        for entry in er.async_entries_for_config_entry(
            er.async_get(hass), init_integration.entry_id
        )
    }
    assert any(u.endswith(f"{gid}_heat_pump_power") for u in unique_ids)
    assert not any(u.endswith("-heatpump_heat_pump_power") for u in unique_ids)
    assert any(u.endswith("-heatpump_sg_ready_state") for u in unique_ids)
