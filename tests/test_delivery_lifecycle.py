"""Deliveries while the entry is not loaded (issue 7, items 10 and 11).

Home Assistant answers 200 for a webhook nobody registered, and gridX never
retries a 200. While a gridX entry is not loaded its webhook must answer 503
(gridX retries 5xx), and a delivery must reach the entry only once all of
it, event entities included, is ready.
"""

import asyncio
from collections.abc import AsyncGenerator, Generator
from datetime import timedelta
from http import HTTPStatus
import json
from typing import Any
from unittest.mock import patch

from homeassistant.components import webhook
from homeassistant.components.event import ATTR_EVENT_TYPE
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.aiohttp import MockRequest
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridx import event as event_platform
from custom_components.gridx.api.signature import SIGNATURE_HEADER, sign
from custom_components.gridx.const import DOMAIN, EVENT_GRIDX
from custom_components.gridx.event import GridxEventEntity
from custom_components.gridx.push import endpoint
from custom_components.gridx.state.store import GridxStore

from .conftest import SECRET, WEBHOOK_ID, PostWebhook
from .gridx_state import (
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
    state_of,
)

OFFLINE = event("gateway/offline", gateway_data(), time=at(1))
PLUGGED = event("ev/plugged", ev_data(state="PLUGGED"), time=at(2))
CHARGE_FAILED = event(
    "ev/charge-failed",
    ev_data(
        createdAt=at(1).isoformat(),
        completedAt=at(2).isoformat(),
        kind="START",
        failureReason={"type": "NO_RESPONSE", "detail": "no answer"},
    ),
    time=at(2),
)


@pytest.fixture
def poll() -> Generator[FakePoll]:
    """Poll the fixtures' gateway and inverter, both online."""
    with patch_poll(demo_poll()) as fake:
        yield fake


@pytest.fixture
async def http(hass: HomeAssistant) -> None:
    """Start Home Assistant's webhook component before the HTTP client."""
    assert await async_setup_component(hass, "webhook", {})


@pytest.fixture
def bus_events(hass: HomeAssistant) -> list[Event]:
    """Capture every gridx_event."""
    return async_capture_events(hass, EVENT_GRIDX)


async def _assert_503(post_webhook: PostWebhook, body: Any, **kwargs: Any) -> None:
    resp = await post_webhook(body, **kwargs)
    assert resp.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert await resp.read() == b""


async def _assert_delivered(
    hass: HomeAssistant, post_webhook: PostWebhook, bus_events: list[Event]
) -> None:
    """The same delivery, retried once loaded, is processed (not a duplicate)."""
    resp = await post_webhook(OFFLINE)
    assert resp.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    assert [e.data["id"] for e in bus_events] == [OFFLINE["id"]]
    connection = state_of(
        hass, Platform.BINARY_SENSOR, f"{GATEWAY_ID}_gateway_connection"
    )
    assert connection.state == STATE_OFF


async def test_item10_disabled_entry_answers_503(
    hass: HomeAssistant,
    http: None,
    mock_config_entry: MockConfigEntry,
    post_webhook: PostWebhook,
    bus_events: list[Event],
) -> None:
    """A disabled entry's webhook answers 503, also at start-up; then it delivers."""
    mock_config_entry.disabled_by = ConfigEntryDisabler.USER
    mock_config_entry.add_to_hass(hass)
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED

    await _assert_503(post_webhook, OFFLINE)
    # Not loaded: nothing verifies, so a bad signature gets 503 too.
    await _assert_503(post_webhook, OFFLINE, signature="sha512=00")
    await hass.async_block_till_done()
    assert bus_events == []

    assert await hass.config_entries.async_set_disabled_by(
        mock_config_entry.entry_id, None
    )
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    # Loaded: the signature is checked first.
    resp = await post_webhook(OFFLINE, signature="sha512=00")
    assert resp.status == HTTPStatus.UNAUTHORIZED
    await _assert_delivered(hass, post_webhook, bus_events)

    # Disabling again unloads it: 503 again.
    assert await hass.config_entries.async_set_disabled_by(
        mock_config_entry.entry_id, ConfigEntryDisabler.USER
    )
    await hass.async_block_till_done()
    await _assert_503(post_webhook, PLUGGED)


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (ConfigEntryNotReady("storage busy"), ConfigEntryState.SETUP_RETRY),
        (RuntimeError("broken"), ConfigEntryState.SETUP_ERROR),
    ],
    ids=["setup-retry", "setup-error"],
)
async def test_item10_failed_setup_answers_503(
    hass: HomeAssistant,
    http: None,
    mock_config_entry: MockConfigEntry,
    post_webhook: PostWebhook,
    bus_events: list[Event],
    error: Exception,
    state: ConfigEntryState,
) -> None:
    """After a setup retry or error the webhook answers 503, then delivers."""
    mock_config_entry.add_to_hass(hass)
    with patch.object(GridxStore, "async_load", side_effect=error):
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    assert mock_config_entry.state is state
    await _assert_503(post_webhook, OFFLINE)
    await hass.async_block_till_done()
    assert bus_events == []

    if state is ConfigEntryState.SETUP_RETRY:
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=5))
    else:
        assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    await _assert_delivered(hass, post_webhook, bus_events)


async def test_item10_unload_stops_delivery_before_the_platforms_go(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    bus_events: list[Event],
) -> None:
    """A delivery while the platforms unload (reload) gets 503, then delivers."""
    # The gateway's event entity exists once it fired.
    await post_webhook(event("appliance/create", appliance_data(), time=at(0)))
    await hass.async_block_till_done()
    bus_events.clear()
    statuses: list[int] = []
    original = GridxEventEntity.async_will_remove_from_hass

    async def deliver_while_removed(self: GridxEventEntity) -> None:
        statuses.append((await post_webhook(OFFLINE)).status)
        await original(self)

    with patch.object(
        GridxEventEntity, "async_will_remove_from_hass", deliver_while_removed
    ):
        assert await hass.config_entries.async_reload(init_integration.entry_id)
        await hass.async_block_till_done()
    assert statuses == [HTTPStatus.SERVICE_UNAVAILABLE]  # one gateway event entity
    assert init_integration.state is ConfigEntryState.LOADED
    assert bus_events == []
    # Nothing remembered its id: gridX's retry is processed.
    await _assert_delivered(hass, post_webhook, bus_events)


async def test_item10_unload_while_the_body_is_read(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    bus_events: list[Event],
) -> None:
    """A delivery whose body arrives after unload began gets 503."""
    client = await hass_client_no_auth()
    raw = json.dumps(OFFLINE).encode()
    reading = asyncio.Event()
    original = endpoint.read_body

    async def read_body(request: Any) -> bytes:
        reading.set()
        return await original(request)

    async def slow_body() -> AsyncGenerator[bytes]:
        yield raw[:10]
        await reading.wait()  # the handler has passed the router's check
        assert await hass.config_entries.async_unload(init_integration.entry_id)
        yield raw[10:]

    with patch.object(endpoint, "read_body", read_body):
        resp = await client.post(
            f"/api/webhook/{WEBHOOK_ID}",
            data=slow_body(),
            headers={SIGNATURE_HEADER: sign(raw, [SECRET])},
        )
    assert resp.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    await hass.async_block_till_done()
    assert bus_events == []


async def test_item10_unloaded_and_removed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    bus_events: list[Event],
) -> None:
    """Unloaded: 503, also relayed by Nabu Casa; removed: the webhook is gone."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    await _assert_503(post_webhook, OFFLINE)

    raw = json.dumps(OFFLINE).encode()
    request = MockRequest(
        content=raw,
        mock_source="cloud",
        method="POST",
        headers={"X-Signature": sign(raw, [SECRET])},
    )
    response = await webhook.async_handle_webhook(hass, WEBHOOK_ID, request)  # type: ignore[arg-type]
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    await hass.async_block_till_done()
    assert bus_events == []

    # Removed: Home Assistant's answer for unknown webhooks (never 410).
    with patch("custom_components.gridx.async_remove_registration"):
        assert await hass.config_entries.async_remove(init_integration.entry_id)
    resp = await post_webhook(OFFLINE)
    assert resp.status == HTTPStatus.OK


async def test_item11_events_during_setup_are_retried_to_event_entities(
    hass: HomeAssistant,
    http: None,
    mock_config_entry: MockConfigEntry,
    post_webhook: PostWebhook,
    bus_events: list[Event],
) -> None:
    """A delivery while the platforms are set up gets 503; its retry fires."""
    statuses: list[int] = []
    original = event_platform.async_setup_entry

    async def deliver_during_setup(*args: Any) -> None:
        statuses.append((await post_webhook(CHARGE_FAILED)).status)
        await original(*args)

    mock_config_entry.add_to_hass(hass)
    with patch.object(event_platform, "async_setup_entry", deliver_during_setup):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    assert statuses == [HTTPStatus.SERVICE_UNAVAILABLE]
    assert bus_events == []

    resp = await post_webhook(CHARGE_FAILED)
    assert resp.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    assert [e.data["id"] for e in bus_events] == [CHARGE_FAILED["id"]]
    entity = state_of(hass, Platform.EVENT, f"{ASSET_ID}_event")
    assert entity.attributes[ATTR_EVENT_TYPE] == "charge_failed"
    resp = await post_webhook(PLUGGED)
    assert resp.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    plugged = state_of(hass, Platform.BINARY_SENSOR, f"{ASSET_ID}_ev_plugged")
    assert plugged.state == STATE_ON
