"""Tests for the gridX binary sensors, fed through the real webhook."""

from collections.abc import Generator
from http import HTTPStatus
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import automation
from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.gridx.const import CONF_POLL_ONLY

from .conftest import PostWebhook, load_event
from .gridx_state import (
    APPLIANCE_ID,
    ASSET_ID,
    GATEWAY_ID,
    FakePoll,
    appliance_data,
    at,
    demo_poll,
    ev_data,
    event,
    gateway_data,
    patch_poll,
    patch_push_refused,
    state_of,
)

BS = Platform.BINARY_SENSOR


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """Poll the fixtures' gateway and inverter; only the binary_sensor platform."""
    with (
        patch_poll(demo_poll()) as poll,
        patch("custom_components.gridx.PLATFORMS", [BS]),
    ):
        yield poll


@pytest.mark.freeze_time("2026-06-20T15:00:00+00:00")
async def test_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
) -> None:
    """Every binary sensor, after a poll and one event of each kind."""
    for name in ("ev_measurement.json", "inverter_status.json", "power_limit_set.json"):
        assert (await post_webhook(load_event(name))).status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_out_of_order(hass: HomeAssistant, post_webhook: PostWebhook) -> None:
    """Offline at t2, then online at t1 (late): the gateway stays offline."""
    await post_webhook(event("gateway/offline", gateway_data(), time=at(120)))
    await post_webhook(event("gateway/online", gateway_data(), time=at(60)))
    await hass.async_block_till_done()
    assert state_of(hass, BS, f"{GATEWAY_ID}_gateway_connection").state == STATE_OFF
    # A newer event still applies.
    await post_webhook(event("gateway/online", gateway_data(), time=at(180)))
    await hass.async_block_till_done()
    assert state_of(hass, BS, f"{GATEWAY_ID}_gateway_connection").state == STATE_ON


@pytest.mark.usefixtures("init_integration")
async def test_ev_plugged_and_charging(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """Plug and charging follow plugged/unplugged, charge-* and measurements."""
    plugged = f"{ASSET_ID}_ev_plugged"
    charging = f"{ASSET_ID}_ev_charging"
    steps = [
        (event("ev/plugged", ev_data(state="PLUGGED"), time=at(1)), STATE_ON, None),
        (
            event(
                "ev/charge-started",
                ev_data(chargePower=11_000_000, state="CHARGING"),
                time=at(2),
            ),
            STATE_ON,
            STATE_ON,
        ),
        (
            event(
                "ev/charge-stopped",
                ev_data(chargePower=0, state="STOPPED"),
                time=at(3),
            ),
            STATE_ON,
            STATE_OFF,
        ),
        (
            event(
                "ev/measurement",
                ev_data(
                    chargePower=7_000_000,
                    chargeState="CHARGING",
                    plugState="PLUGGED",
                    isControllable=True,
                ),
                time=at(4),
            ),
            STATE_ON,
            STATE_ON,
        ),
        (
            event(
                "ev/measurement",
                ev_data(
                    chargePower=0,
                    chargeState="",
                    plugState="UNKNOWN",
                    isControllable=True,
                ),
                time=at(5),
            ),
            STATE_ON,  # UNKNOWN plug state keeps the last known one
            STATE_OFF,
        ),
        (
            event("ev/unplugged", ev_data(state="UNPLUGGED"), time=at(6)),
            STATE_OFF,
            STATE_OFF,
        ),
    ]
    for body, plug_state, charge_state in steps:
        assert (await post_webhook(body)).status == HTTPStatus.NO_CONTENT
        await hass.async_block_till_done()
        assert state_of(hass, BS, plugged).state == plug_state
        if charge_state is None:  # not known yet: no entity
            assert not _exists(hass, charging)
        else:
            assert state_of(hass, BS, charging).state == charge_state


@pytest.mark.usefixtures("init_integration")
async def test_inverter_problem(hass: HomeAssistant, post_webhook: PostWebhook) -> None:
    """WARNING/ERROR is a problem; OK and UNKNOWN are not; codes are attributes."""
    unique_id = f"{APPLIANCE_ID}_inverter_problem"
    assert not _exists(hass, unique_id)  # polled, but no status yet
    for minute, status, expected in (
        (1, "ERROR", STATE_ON),
        (2, "OK", STATE_OFF),
        (3, "WARNING", STATE_ON),
        (4, "UNKNOWN", STATE_OFF),
    ):
        body = event(
            "inverter/status",
            appliance_data(status=status, lastStatus="OK", errCode=f"E{minute}"),
            time=at(minute),
        )
        await post_webhook(body)
        await hass.async_block_till_done()
        state = state_of(hass, BS, unique_id)
        assert state.state == expected
        assert state.attributes["status"] == status
        assert state.attributes["last_status"] == "OK"
        assert state.attributes["err_code"] == f"E{minute}"
        assert state.attributes["last_err_code"] is None


@pytest.mark.usefixtures("init_integration")
async def test_power_limitation(hass: HomeAssistant, post_webhook: PostWebhook) -> None:
    """§14a set turns it on, unset off; a late set does not undo a newer unset.

    Without any grid signal the gridBox is not limited (gridX pushes them).
    """
    unique_id = f"{GATEWAY_ID}_power_limitation"
    assert state_of(hass, BS, unique_id).state == STATE_OFF
    set_body = load_event("power_limit_set.json")
    unset_body = load_event("power_limit_unset.json")
    unset_body["time"] = "2026-06-20T15:00:00Z"
    await post_webhook(unset_body)
    await post_webhook(set_body)  # 14:03, older than the unset
    await hass.async_block_till_done()
    assert state_of(hass, BS, unique_id).state == STATE_OFF
    await post_webhook(set_body | {"id": "new-set", "time": "2026-06-20T15:01:00Z"})
    await hass.async_block_till_done()
    assert state_of(hass, BS, unique_id).state == STATE_ON


async def test_power_limitation_of_poll_only_entries(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Without push, no signal is no proof of "not limited": no entity."""
    entry = MockConfigEntry(
        domain=mock_config_entry.domain,
        unique_id=mock_config_entry.unique_id,
        data={**mock_config_entry.data, CONF_POLL_ONLY: True},
    )
    entry.add_to_hass(hass)
    # A poll-only entry asks gridX at setup whether push is allowed: still not.
    with patch_push_refused():
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert entry.data[CONF_POLL_ONLY] is True
    assert state_of(hass, BS, f"{GATEWAY_ID}_gateway_connection").state == STATE_ON
    assert not _exists(hass, f"{GATEWAY_ID}_power_limitation")


@pytest.mark.usefixtures("init_integration")
async def test_legacy_station_plugged(
    hass: HomeAssistant, post_webhook: PostWebhook, entity_registry: er.EntityRegistry
) -> None:
    """The legacy ev/plugged is keyed by the station's applianceID: plug only."""
    await post_webhook(load_event("ev_plugged_legacy.json"))
    await hass.async_block_till_done()
    assert state_of(hass, BS, f"{APPLIANCE_ID}_ev_plugged").state == STATE_ON
    assert (
        entity_registry.async_get_entity_id(BS, "gridx", f"{APPLIANCE_ID}_ev_charging")
        is None
    )


def _exists(hass: HomeAssistant, unique_id: str) -> bool:
    """Return True if a binary sensor's unique id ends with ``unique_id``."""
    return any(
        entry.domain == BS and entry.unique_id.endswith(unique_id)
        for entry in er.async_get(hass).entities.values()
    )


async def test_poll_seeds_connectivity(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    poll: FakePoll,
    freezer: FrozenDateTimeFactory,
) -> None:
    """ConnectionStatus AVAILABLE is on, anything else is off."""
    poll.gateways[0] = poll.gateways[0].__class__(
        id=GATEWAY_ID, connection_status="UNAVAILABLE"
    )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, BS, f"{GATEWAY_ID}_gateway_connection").state == STATE_OFF
    assert state_of(hass, BS, f"{APPLIANCE_ID}_appliance_connection").state == STATE_ON


@pytest.mark.usefixtures("init_integration")
async def test_automation_with_the_old_charging_trigger_still_fires(
    hass: HomeAssistant, post_webhook: PostWebhook
) -> None:
    """The charging sensor lost its device class; saved "charging" triggers work.

    Automations made while it was ``battery_charging`` stored the trigger
    type "charging"; core's binary sensor triggers attach it as "turned on"
    whatever the entity's class, so they keep firing.
    """
    await post_webhook(
        event("ev/charge-stopped", ev_data(chargePower=0, state="STOPPED"), time=at(1))
    )
    await hass.async_block_till_done()
    charging = state_of(hass, BS, f"{ASSET_ID}_ev_charging")
    assert charging.state == STATE_OFF
    assert "device_class" not in charging.attributes
    entry = er.async_get(hass).async_get(charging.entity_id)
    assert entry is not None
    assert entry.device_id is not None
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "triggers": {
                    "platform": "device",
                    "domain": BS,
                    "device_id": entry.device_id,
                    "entity_id": entry.id,
                    "type": "charging",
                },
                "actions": {"action": "test.automation"},
            }
        },
    )
    await post_webhook(
        event(
            "ev/charge-started",
            ev_data(chargePower=11_000_000, state="CHARGING"),
            time=at(2),
        )
    )
    await hass.async_block_till_done()
    assert len(calls) == 1
