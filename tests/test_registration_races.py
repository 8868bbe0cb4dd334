"""Registration passes that overlap flows and unloads (issue 7 item 13)."""

import asyncio
from collections.abc import AsyncGenerator
from datetime import timedelta

from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigEntry
from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.gridx.const import (
    CONF_ADVANCED,
    CONF_API_BASE,
    CONF_SECRETS,
    CONF_SUBSCRIPTION_ID,
    DOMAIN,
)
from custom_components.gridx.registration.lifecycle import CHECK_INTERVAL
from custom_components.gridx.registration.reachability import PING_TIMEOUT
from gridx_emulator import DemoIds, GridxEmulator

from .test_config_flow import (
    FEW_TYPES,
    async_create_entry,
    ha_client,  # noqa: F401 - a fixture
    start_flow,
)
from .test_registration import make_entry

pytestmark = pytest.mark.usefixtures("ha_client")


@pytest.fixture
async def flow_entry(
    hass: HomeAssistant, emulator: GridxEmulator
) -> AsyncGenerator[ConfigEntry]:
    """Return an entry made by the flow, its test delivery done; unload after."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    await emulator.join_background()
    await hass.async_block_till_done()
    yield entry
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(entry.entry_id)


async def wait_until_taken(emulator: GridxEmulator, endpoint: str) -> None:
    """Wait until the emulator has received the call that takes the fault."""
    async with asyncio.timeout(10):
        # The emulator signals no event when it takes a fault: poll.
        while emulator.faults.pending(endpoint):  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def delivered(emulator: GridxEmulator, demo_ids: DemoIds) -> list[int | None]:
    """Deliver one event through gridX (the emulator); return the statuses."""
    event = emulator.make_event(
        "gateway/online",
        {"gatewayID": demo_ids.gateway_id, "systemID": demo_ids.system_id},
    )
    return [r.status for r in await emulator.deliver(event)]


async def test_item13_pass_does_not_overwrite_reconfigure(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    flow_entry: ConfigEntry,
) -> None:
    """A daily check in flight while Reconfigure sets a new token.

    The pass holds the entry's lock; Reconfigure waits for it and then
    writes. The pass never writes back the data it read before its calls,
    so the new token survives and deliveries still verify.
    """
    emulator.add_token("gxp_new", user_id=demo_ids.user_id)
    emulator.faults.add("list_webhooks", delay=0.5)
    async_fire_time_changed(hass, dt_util.utcnow() + CHECK_INTERVAL)
    await wait_until_taken(emulator, "list_webhooks")  # the pass is in flight

    result = await start_flow(hass, flow_entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_TOKEN: "gxp_new", CONF_ADVANCED: {CONF_API_BASE: emulator.base_url}},
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    assert flow_entry.data[CONF_API_TOKEN] == "gxp_new"
    [subscription] = emulator.state.subscriptions.values()
    assert flow_entry.data[CONF_SUBSCRIPTION_ID] == subscription.id
    assert subscription.secrets[-1] in flow_entry.data[CONF_SECRETS]
    assert await delivered(emulator, demo_ids) == [204]


async def test_item13_unload_stops_a_pass_in_flight(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """An entry unloaded while its first pass waits for gridX creates nothing."""
    entry = make_entry(emulator, demo_ids)
    entry.add_to_hass(hass)
    emulator.faults.add("list_webhooks", delay=0.5)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_until_taken(emulator, "list_webhooks")

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    assert emulator.state.subscriptions == {}
    assert entry.data[CONF_SUBSCRIPTION_ID] is None
    assert entry.data[CONF_SECRETS] == ["whsec_old"]


async def test_item13_no_ping_timer_after_unload(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A test delivery requested just before unload arms no timer after it."""
    entry = make_entry(emulator, demo_ids)
    entry.add_to_hass(hass)
    emulator.faults.add("ping_webhook", delay=0.5)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_until_taken(emulator, "ping_webhook")  # the ping is in flight

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    # The subscription the pass made before the ping is recorded.
    [subscription] = emulator.state.subscriptions.values()
    assert entry.data[CONF_SUBSCRIPTION_ID] == subscription.id

    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=2 * PING_TIMEOUT)
    )
    await hass.async_block_till_done()
    assert [key for key in issue_registry.issues if key[0] == DOMAIN] == []
