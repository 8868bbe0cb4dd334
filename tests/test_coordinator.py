"""Tests for the polling reconcile against the gridX emulator."""

from datetime import timedelta
from http import HTTPStatus
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    CONF_API_TOKEN,
    EVENT_HOMEASSISTANT_FINAL_WRITE,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.gridx.const import CONF_API_BASE, POLL_INTERVAL, ResourceKind
from gridx_emulator import DemoIds, GridxEmulator

from .conftest import PostWebhook
from .emulator_fixtures import DEMO_TOKEN
from .gridx_state import appliance_data, event, gateway_data, get_device, state_of

BS = Platform.BINARY_SENSOR


@pytest.fixture
def poll() -> None:
    """Poll the emulator for real."""


@pytest.fixture
def mock_config_entry(
    mock_config_entry: MockConfigEntry, emulator: GridxEmulator
) -> MockConfigEntry:
    """Point the entry at the emulator, with the demo token."""
    mock_config_entry.add_to_hass  # noqa: B018 - the base fixture, extended
    return MockConfigEntry(
        domain=mock_config_entry.domain,
        title=mock_config_entry.title,
        unique_id=mock_config_entry.unique_id,
        data={
            **mock_config_entry.data,
            CONF_API_TOKEN: DEMO_TOKEN,
            CONF_API_BASE: emulator.base_url,
        },
    )


def gateway_state(hass: HomeAssistant, ids: DemoIds) -> str:
    """Return the state of the demo gateway's connection sensor."""
    return state_of(hass, BS, f"{ids.gateway_id}_gateway_connection").state


async def test_seeds_states_and_devices(
    hass: HomeAssistant, init_integration: MockConfigEntry, demo_ids: DemoIds
) -> None:
    """The first poll discovers the gateway and appliances and seeds connectivity."""
    assert gateway_state(hass, demo_ids) == STATE_ON
    for appliance_id in (
        demo_ids.inverter_id,
        demo_ids.meter_id,
        demo_ids.ev_station_id,
    ):
        assert (
            state_of(hass, BS, f"{appliance_id}_appliance_connection").state == STATE_ON
        )
        device = get_device(hass, appliance_id)
        assert device is not None
        assert device.via_device_id == get_device(hass, demo_ids.gateway_id).id  # type: ignore[union-attr]
    inverter = get_device(hass, demo_ids.inverter_id)
    assert inverter is not None
    assert (inverter.name, inverter.manufacturer, inverter.serial_number) == (
        "Demo inverter",
        "Fronius",
        "INV-0001",
    )
    gateway = get_device(hass, demo_ids.gateway_id)
    assert gateway is not None
    assert gateway.name == "Demo gridBox"
    # Inverter entities come with an inverter's first status (no poll has it).
    assert not [
        entry.entity_id
        for entry in er.async_get(hass).entities.values()
        if entry.unique_id.endswith("_inverter_problem")
    ]
    store = init_integration.runtime_data.store
    assert set(store.known(ResourceKind.APPLIANCE)) == {
        demo_ids.inverter_id,
        demo_ids.meter_id,
        demo_ids.ev_station_id,
    }


async def test_reconciles_connection_status(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    demo_ids: DemoIds,
    emulator: GridxEmulator,
) -> None:
    """UNAVAILABLE is off, on the next poll (every 15 minutes)."""
    emulator.state.gateways[demo_ids.gateway_id].set_connection("UNAVAILABLE")
    emulator.state.appliances[demo_ids.meter_id].connection_status = "UNAVAILABLE"
    coordinator = init_integration.runtime_data.coordinator
    polled_at = coordinator.data.polled_at
    async_fire_time_changed(
        hass, dt_util.utcnow() + POLL_INTERVAL + timedelta(seconds=1)
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.data.polled_at > polled_at, coordinator.last_exception
    assert gateway_state(hass, demo_ids) == STATE_OFF
    assert (
        state_of(hass, BS, f"{demo_ids.meter_id}_appliance_connection").state
        == STATE_OFF
    )
    assert (
        state_of(hass, BS, f"{demo_ids.inverter_id}_appliance_connection").state
        == STATE_ON
    )


async def test_polled_statuses_of_gateways_and_appliances(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    demo_ids: DemoIds,
    emulator: GridxEmulator,
    post_webhook: PostWebhook,
) -> None:
    """Gateway and appliance statuses as gridX documents them (live facts §2, §2.1).

    TEMPORARILY_UNAVAILABLE is off, with the status and the last contact as
    attributes; an appliance's UNKNOWN is unknown; AVAILABLE is on again. A
    push newer than the poll decides the state, without the poll's status.
    """
    coordinator = init_integration.runtime_data.coordinator
    gateway = emulator.state.gateways[demo_ids.gateway_id]
    gateway.set_connection("TEMPORARILY_UNAVAILABLE")
    emulator.state.appliances[demo_ids.ev_station_id].connection_status = "UNKNOWN"
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    connection = state_of(hass, BS, f"{demo_ids.gateway_id}_gateway_connection")
    assert connection.state == STATE_OFF
    assert connection.attributes["status"] == "temporarily_unavailable"
    assert gateway.contacted_at is not None
    assert dt_util.parse_datetime(
        connection.attributes["contacted_at"]
    ) == dt_util.parse_datetime(gateway.contacted_at)
    station = f"{demo_ids.ev_station_id}_appliance_connection"
    assert state_of(hass, BS, station).state == STATE_UNKNOWN
    # The device page shows the gateway's serial number.
    device = get_device(hass, demo_ids.gateway_id)
    assert device is not None
    assert device.serial_number == "D403-007-000-000-001-B-X"

    gateway.set_connection("AVAILABLE")
    emulator.state.appliances[demo_ids.ev_station_id].connection_status = "AVAILABLE"
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    connection = state_of(hass, BS, f"{demo_ids.gateway_id}_gateway_connection")
    assert (connection.state, connection.attributes["status"]) == (
        STATE_ON,
        "available",
    )
    assert state_of(hass, BS, station).state == STATE_ON

    later = dt_util.utcnow() + timedelta(minutes=1)
    body = event("gateway/offline", gateway_data(demo_ids.gateway_id), time=later)
    assert (await post_webhook(body)).status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    connection = state_of(hass, BS, f"{demo_ids.gateway_id}_gateway_connection")
    assert connection.state == STATE_OFF
    assert "status" not in connection.attributes


async def test_push_wins_over_older_poll(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    demo_ids: DemoIds,
    post_webhook: PostWebhook,
) -> None:
    """A push newer than a poll's start wins; a push older than it loses."""
    coordinator = init_integration.runtime_data.coordinator
    later = dt_util.utcnow() + timedelta(minutes=5)
    body = event("gateway/offline", gateway_data(demo_ids.gateway_id), time=later)
    assert (await post_webhook(body)).status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    assert gateway_state(hass, demo_ids) == STATE_OFF

    # The emulator still says AVAILABLE, but this poll started before the push.
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert gateway_state(hass, demo_ids) == STATE_OFF

    # An appliance push older than the last poll loses to it.
    earlier = dt_util.utcnow() - timedelta(minutes=5)
    body = event(
        "appliance/offline",
        appliance_data(demo_ids.meter_id, demo_ids.gateway_id),
        time=earlier,
    )
    await post_webhook(body)
    await hass.async_block_till_done()
    assert (
        state_of(hass, BS, f"{demo_ids.meter_id}_appliance_connection").state
        == STATE_ON
    )


async def test_unavailable_after_repeated_failures(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    demo_ids: DemoIds,
    emulator: GridxEmulator,
    post_webhook: PostWebhook,
) -> None:
    """Polled entities stay available for two failures and go unavailable on the third."""
    coordinator = init_integration.runtime_data.coordinator
    emulator.faults.add("list_gateways", status=503, count=4)
    ev_body = event(
        "ev/plugged",
        {
            "issuedAt": "2026-06-20T14:00:00Z",
            "atHome": True,
            "type": "EV",
            "systemID": demo_ids.system_id,
            "assetID": demo_ids.ev_asset_id,
            "gatewayID": demo_ids.gateway_id,
            "state": "PLUGGED",
        },
    )
    await post_webhook(ev_body)
    for failures in (1, 2):
        await coordinator.async_refresh()
        assert coordinator.failed_polls == failures
        assert gateway_state(hass, demo_ids) == STATE_ON
    await coordinator.async_refresh()
    assert coordinator.failed_polls == 3
    assert gateway_state(hass, demo_ids) == STATE_UNAVAILABLE
    assert (
        state_of(hass, BS, f"{demo_ids.meter_id}_appliance_connection").state
        == STATE_UNAVAILABLE
    )
    # Push-only entities are not affected by polling.
    assert state_of(hass, BS, f"{demo_ids.ev_asset_id}_ev_plugged").state == STATE_ON

    # A push after the failures began makes that entity available again.
    body = event(
        "gateway/online",
        gateway_data(demo_ids.gateway_id),
        time=dt_util.utcnow() + timedelta(seconds=1),
    )
    await post_webhook(body)
    await hass.async_block_till_done()
    assert gateway_state(hass, demo_ids) == STATE_ON
    assert (
        state_of(hass, BS, f"{demo_ids.meter_id}_appliance_connection").state
        == STATE_UNAVAILABLE
    )

    # A successful poll brings everything back.
    await coordinator.async_refresh()  # the fourth queued fault
    await coordinator.async_refresh()
    assert coordinator.failed_polls == 0
    assert (
        state_of(hass, BS, f"{demo_ids.meter_id}_appliance_connection").state
        == STATE_ON
    )


@pytest.fixture
def failing_first_poll(emulator: GridxEmulator) -> None:
    """Make the first poll fail."""
    emulator.faults.add("list_gateways", status=500)


@pytest.mark.usefixtures("failing_first_poll")
async def test_setup_survives_poll_failure(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    demo_ids: DemoIds,
) -> None:
    """A failing first poll does not fail setup; webhooks still work."""
    mock_config_entry = init_integration
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert not mock_config_entry.runtime_data.coordinator.last_update_success
    await post_webhook(event("gateway/online", gateway_data(demo_ids.gateway_id)))
    await hass.async_block_till_done()
    assert gateway_state(hass, demo_ids) == STATE_ON


async def test_auth_failure_starts_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, emulator: GridxEmulator
) -> None:
    """A 401 while polling starts the reauth flow."""
    emulator.faults.add("list_gateways", status=401)
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == init_integration.entry_id


async def test_unload(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Unloading removes the entities' platforms and saves the store."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED


async def test_unstorable_text_in_a_rest_answer(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 20 §1: a lone surrogate or NUL in a polled name is dropped.

    The devices are named by their fallbacks, the rest of the answer is
    used, a warning is logged once per field, and both the gridX store and
    Home Assistant's device registry save.
    """
    emulator.state.gateways[demo_ids.gateway_id].name = "gw\ud800x"
    emulator.state.appliances[demo_ids.inverter_id].name = "Inverter\x00"
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    gateway = get_device(hass, demo_ids.gateway_id)
    inverter = get_device(hass, demo_ids.inverter_id)
    assert gateway is not None
    assert inverter is not None
    assert gateway.name == "gridBox"  # the fallback of a nameless gateway
    described = emulator.state.appliances[demo_ids.inverter_id]
    # The fallback of a nameless appliance: manufacturer and model.
    assert inverter.name == f"{described.manufacturer} {described.model}"
    assert gateway.serial_number == "D403-007-000-000-001-B-X"
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelname == "WARNING" and "cannot be stored" in r.getMessage()
    ]
    assert len(warnings) == 2
    assert any("GET /gateways with" in w and "[0].name" in w for w in warnings)

    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    registry = hass_storage["core.device_registry"]["data"]["devices"]
    assert {gateway.id, inverter.id} <= {device["id"] for device in registry}
    gridx = hass_storage[f"gridx.{mock_config_entry.entry_id}"]["data"]
    ids = {resource["id"] for resource in gridx["resources"]}
    assert {demo_ids.gateway_id, demo_ids.inverter_id} <= ids


async def test_appliance_gridx_no_longer_lists_is_removed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """Issue 20 §2 over real HTTP: gone from the emulator, gone after two polls."""
    coordinator = init_integration.runtime_data.coordinator
    meter = get_device(hass, demo_ids.meter_id)
    assert meter is not None
    del emulator.state.appliances[demo_ids.meter_id]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.data.complete
    assert get_device(hass, demo_ids.meter_id) is not None
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert get_device(hass, demo_ids.meter_id) is None
    assert get_device(hass, demo_ids.inverter_id) is not None
    assert get_device(hass, demo_ids.gateway_id) is not None
