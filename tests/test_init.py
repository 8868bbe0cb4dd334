"""Tests for setting up, unloading and removing a gridX entry."""

from http import HTTPStatus

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.gridx.const import (
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_URL,
    DOMAIN,
    EVENT_GRIDX,
)
from custom_components.gridx.registration.lifecycle import GridxRegistration
from gridx_emulator import DemoIds, GridxEmulator

from .test_config_flow import (
    FEW_TYPES,
    async_create_entry,
    ha_client,  # noqa: F401 - a fixture
)


@pytest.mark.usefixtures("ha_client")
async def test_setup_unload_keeps_registration(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """Setup starts the manager; unload keeps the gridX registration."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    assert entry.state is ConfigEntryState.LOADED
    registration = entry.runtime_data.registration
    assert isinstance(registration, GridxRegistration)
    # gridX's test delivery (ping) arrives and verifies.
    await emulator.join_background()
    await hass.async_block_till_done()
    assert registration.diagnostics == {
        "method": "subscription",
        "has_webhook_url": True,
        "uses_cloudhook": False,
        "secret_count": 1,
        "retry_scheduled": False,
        "url_problem": None,
        "delivery_verified": True,
        "unreachable": False,
    }
    [subscription] = emulator.state.subscriptions.values()

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert list(emulator.state.subscriptions) == [subscription.id]

    # Not loaded: a signed delivery gets 503 (gridX retries) and fires nothing.
    events = async_capture_events(hass, EVENT_GRIDX)
    event = emulator.make_event(
        "gateway/online",
        {"gatewayID": demo_ids.gateway_id, "systemID": demo_ids.system_id},
    )
    results = await emulator.deliver(event)
    assert [r.status for r in results] == [HTTPStatus.SERVICE_UNAVAILABLE]
    await hass.async_block_till_done()
    assert events == []

    # Set up again: the same registration is reused, not duplicated.
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert list(emulator.state.subscriptions) == [subscription.id]
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.usefixtures("ha_client")
async def test_remove_entry_deletes_registration(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """Removing the entry deletes the subscription at gridX."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    assert entry.data[CONF_WEBHOOK_URL].endswith(entry.data[CONF_WEBHOOK_ID])

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert emulator.state.subscriptions == {}
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_setup_without_url_does_not_fail(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Without any public URL the entry loads and a repair issue explains why."""
    assert init_integration.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, f"no_url_{init_integration.entry_id}")
    assert init_integration.runtime_data.registration.diagnostics["url_problem"] == (
        "no_url"
    )
    await hass.config_entries.async_unload(init_integration.entry_id)
