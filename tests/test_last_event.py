"""The "Last event" diagnostic sensor (issue 11, item 11)."""

from collections.abc import Generator
from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import ATTR_DEVICE_CLASS, STATE_UNKNOWN, EntityCategory
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx import async_remove_config_entry_device
from custom_components.gridx.const import CONF_POLL_ONLY, DOMAIN

from .conftest import ACCOUNT_ID, PostWebhook, load_event
from .gridx_state import FakePoll, patch_poll, patch_push_refused
from .ha_compat import devices_with_identifier, mock_restore_cache

ENTITY = "sensor.gridx_last_event"
UNIQUE_ID = f"{ACCOUNT_ID}_account_last_event"


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """An empty poll."""
    with patch_poll() as poll:
        yield poll


@pytest.mark.freeze_time("2026-06-20T15:00:00+00:00")
async def test_last_event_follows_deliveries(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Created with the first delivery; then the receive time of new ones."""
    # No "Unknown" for ever: before any delivery there is no sensor.
    assert hass.states.get(ENTITY) is None
    assert (await post_webhook(load_event("gateway_offline.json"))).status == 204
    await hass.async_block_till_done()
    state = hass.states.get(ENTITY)
    assert state is not None
    assert state.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.TIMESTAMP
    entry = entity_registry.async_get(ENTITY)
    assert entry is not None
    assert entry.unique_id == UNIQUE_ID
    assert entry.entity_category is EntityCategory.DIAGNOSTIC
    assert entry.device_id is not None
    device = device_registry.async_get(entry.device_id)
    assert device is not None
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert device.identifiers == {(DOMAIN, f"{ACCOUNT_ID}_account")}
    assert device.name == "gridX"

    # The event's own time is earlier; the sensor shows when it arrived.
    # The event's own time is earlier; the sensor shows when it arrived.
    assert hass.states.get(ENTITY).state == "2026-06-20T15:00:00+00:00"

    # Within a minute a delivery writes nothing: the sensor moves once a minute.
    freezer.tick(timedelta(seconds=59))
    assert (await post_webhook(load_event("gateway_online.json"))).status == 204
    assert hass.states.get(ENTITY).state == "2026-06-20T15:00:00+00:00"
    assert init_integration.runtime_data.store.stats.last_event_at == datetime(
        2026, 6, 20, 15, 0, 59, tzinfo=UTC
    )

    freezer.tick(timedelta(minutes=5))
    # A duplicate is no new delivery.
    assert (await post_webhook(load_event("gateway_offline.json"))).status == 204
    assert hass.states.get(ENTITY).state == "2026-06-20T15:00:00+00:00"
    # A ping is a verified delivery: it shows the path from gridX works.
    assert (await post_webhook(load_event("ping.json"))).status == 204
    assert hass.states.get(ENTITY).state == "2026-06-20T15:05:59+00:00"

    freezer.tick(timedelta(minutes=5))
    # A delivery that fails verification changes nothing.
    response = await post_webhook(load_event("ev_plugged.json"), signature="bad")
    assert response.status >= 400
    assert hass.states.get(ENTITY).state == "2026-06-20T15:05:59+00:00"


async def test_last_event_restored(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """After a restart the last delivery's time is shown again."""
    mock_restore_cache(
        hass,
        [
            (
                UNIQUE_ID,
                State(ENTITY, "2026-06-19T08:00:00+00:00"),
                {
                    "native_value": {
                        "__type": "<class 'datetime.datetime'>",
                        "isoformat": "2026-06-19T08:00:00+00:00",
                    },
                    "native_unit_of_measurement": None,
                },
            )
        ],
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(ENTITY).state == "2026-06-19T08:00:00+00:00"


async def test_restored_garbage_is_unknown(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A restored value that is no time is not shown."""
    mock_restore_cache(
        hass,
        [
            (
                UNIQUE_ID,
                State(ENTITY, "soon"),
                {"native_value": "soon", "native_unit_of_measurement": None},
            )
        ],
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(ENTITY).state == STATE_UNKNOWN


async def test_newer_delivery_wins_over_restored(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A delivery counted before the sensor was added is newer than the cache."""
    mock_restore_cache(
        hass,
        [
            (
                UNIQUE_ID,
                State(ENTITY, "2026-06-19T08:00:00+00:00"),
                {
                    "native_value": {
                        "__type": "<class 'datetime.datetime'>",
                        "isoformat": "2026-06-19T08:00:00+00:00",
                    },
                    "native_unit_of_measurement": None,
                },
            )
        ],
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    store = mock_config_entry.runtime_data.store
    store.stats.last_event_at = datetime(2026, 6, 21, tzinfo=UTC)
    # Reloading the sensor platform adds the entity again.
    await hass.config_entries.async_unload_platforms(mock_config_entry, ["sensor"])
    await hass.config_entries.async_forward_entry_setups(mock_config_entry, ["sensor"])
    await hass.async_block_till_done()
    assert hass.states.get(ENTITY).state == "2026-06-21T00:00:00+00:00"


async def test_poll_only_entry_has_no_last_event(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """An entry without push gets no deliveries and no sensor for them."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_POLL_ONLY: True}
    )
    # It asks gridX at setup whether push is allowed: still not.
    with patch_push_refused():
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    assert mock_config_entry.data[CONF_POLL_ONLY] is True
    assert hass.states.get(ENTITY) is None


async def test_account_device_cannot_be_deleted(
    hass: HomeAssistant, init_integration: MockConfigEntry, post_webhook: PostWebhook
) -> None:
    """The account's service device belongs to the entry: deleting it is refused."""
    assert (await post_webhook(load_event("ping.json"))).status == 204
    await hass.async_block_till_done()
    (device,) = devices_with_identifier(hass, (DOMAIN, f"{ACCOUNT_ID}_account"))
    assert not await async_remove_config_entry_device(hass, init_integration, device)
