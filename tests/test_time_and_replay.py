"""Issue 7, items 3 and 7: event times from the future, and replays.

These tests run with the real tolerance for future times (the module
overrides the suite's ``future_tolerance`` fixture) and a frozen clock, so
event times are exact.
"""

from datetime import datetime, timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import automation
from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_mock_service,
)

from custom_components.gridx.api.models import parse_event_dict
from custom_components.gridx.const import DOMAIN, EVENT_GRIDX
from custom_components.gridx.state.seen import SEEN_MAX_SIZE

from .conftest import PostWebhook
from .gridx_state import (
    GATEWAY_ID,
    FakePoll,
    demo_gateway,
    event,
    gateway_data,
    get_device,
    state_of,
)

BS = Platform.BINARY_SENSOR
CONNECTION = f"{GATEWAY_ID}_gateway_connection"
YEAR_9999 = datetime(9999, 1, 1, tzinfo=dt_util.UTC)


@pytest.fixture
def future_tolerance() -> None:
    """The real tolerance: these tests are about it."""


async def _post(hass: HomeAssistant, post_webhook: PostWebhook, body: Any) -> None:
    assert (await post_webhook(body)).status == 204
    await hass.async_block_till_done()


def _connection(hass: HomeAssistant) -> str:
    return state_of(hass, BS, CONNECTION).state


async def test_item3_future_time_clamped(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    poll: FakePoll,
    post_webhook: PostWebhook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A year-9999 time does not freeze a state: newer events, polls, reloads win."""
    now = dt_util.utcnow()
    await _post(hass, post_webhook, event("gateway/create", gateway_data(), time=now))
    caplog.set_level(logging.WARNING)

    await _post(
        hass, post_webhook, event("gateway/offline", gateway_data(), time=YEAR_9999)
    )
    assert _connection(hass) == STATE_OFF
    # Newer events still win (the year-9999 one counts as received now).
    freezer.tick(1)
    await _post(
        hass,
        post_webhook,
        event("gateway/online", gateway_data(), time=now + timedelta(seconds=1)),
    )
    assert _connection(hass) == STATE_ON
    freezer.tick(1)
    await _post(
        hass, post_webhook, event("gateway/offline", gateway_data(), time=YEAR_9999)
    )
    assert _connection(hass) == STATE_OFF
    # A poll after it wins too.
    freezer.tick(1)
    poll.gateways = [demo_gateway("AVAILABLE")]
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _connection(hass) == STATE_ON
    warnings = [r for r in caplog.records if "after it was received" in r.message]
    assert len(warnings) == 1  # logged once
    assert init_integration.runtime_data.store.stats.future_clamped == 2

    # After a reload (the store saved and loaded again) newer events win.
    poll.gateways = []
    freezer.tick(1)
    await _post(
        hass, post_webhook, event("gateway/offline", gateway_data(), time=YEAR_9999)
    )
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert _connection(hass) == STATE_OFF
    freezer.tick(1)
    await _post(
        hass,
        post_webhook,
        event("gateway/online", gateway_data(), time=now + timedelta(seconds=5)),
    )
    assert _connection(hass) == STATE_ON


async def test_item3_stored_future_time_clamped(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    """A year-9999 time stored by an older version no longer freezes the state."""
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = {
        "version": 2,
        "minor_version": 1,
        "key": f"{DOMAIN}.{mock_config_entry.entry_id}",
        "data": {
            "resources": [
                {
                    "kind": "gateway",
                    "id": GATEWAY_ID,
                    "info_time": YEAR_9999.isoformat(),
                    "states": {"connected": [False, YEAR_9999.isoformat()]},
                }
            ],
            "tombstones": {"gone": YEAR_9999.isoformat()},
        },
    }
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert _connection(hass) == STATE_OFF
    later = dt_util.utcnow() + timedelta(seconds=1)
    store = mock_config_entry.runtime_data.store
    store.async_handle_event(
        parse_event_dict(event("gateway/online", gateway_data(), time=later))
    )
    await hass.async_block_till_done()
    assert _connection(hass) == STATE_ON
    assert store.catalogue.tombstones["gone"] < later


async def test_item7_replay_after_eviction(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
) -> None:
    """The same signed bytes after 10,000 newer events, or a day, fire nothing.

    No ``gridx_event``, no event entity, no device trigger; the state stays
    guarded by time.
    """
    now = dt_util.utcnow()
    await _post(hass, post_webhook, event("gateway/create", gateway_data(), time=now))
    # Online first: the offline trigger follows the connection sensor.
    first = event("gateway/online", gateway_data(), time=now - timedelta(seconds=1))
    await _post(hass, post_webhook, first)
    device = get_device(hass, GATEWAY_ID)
    assert device is not None
    calls: list[ServiceCall] = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "triggers": [
                    {
                        "platform": "device",
                        "domain": DOMAIN,
                        "device_id": device.id,
                        "type": "gateway_offline",
                    }
                ],
                "actions": {"action": "test.automation"},
            }
        },
    )
    bus = async_capture_events(hass, EVENT_GRIDX)
    offline = event("gateway/offline", gateway_data(), time=now)
    await _post(hass, post_webhook, offline)
    online = event("gateway/online", gateway_data(), time=now + timedelta(seconds=1))
    await _post(hass, post_webhook, online)
    assert _connection(hass) == STATE_ON

    # 10,000 newer events push the offline event out of the dedupe cache.
    store = init_integration.runtime_data.store
    for i in range(SEEN_MAX_SIZE):
        store.async_handle_event(
            parse_event_dict(
                event("ping", {}, time=now + timedelta(seconds=2, microseconds=i))
            )
        )
    await hass.async_block_till_done()
    assert store.seen.horizon is not None
    fired = len(bus)

    await _post(hass, post_webhook, offline)  # the same bytes again
    assert len(bus) == fired
    assert [e.data["id"] for e in bus].count(offline["id"]) == 1
    assert len(calls) == 1
    assert _connection(hass) == STATE_ON  # guarded: older than "online"
    assert store.stats.replays == 1

    # A day later the online event has expired from the cache: a replay of
    # it, after a reload, fires nothing either.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(hours=25))
    store = init_integration.runtime_data.store
    await _post(hass, post_webhook, event("ping", {}, time=dt_util.utcnow()))
    fired = len(bus)
    await _post(hass, post_webhook, online)
    assert len(bus) == fired
    assert store.stats.replays == 1
    assert len(calls) == 1
    assert _connection(hass) == STATE_ON
