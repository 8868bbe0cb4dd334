"""Removal while gridX fails: remembered, retried, named in a repair issue (item 16)."""

from collections.abc import Generator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridx.const import (
    CONF_ACCOUNT_ID,
    CONF_API_BASE,
    CONF_REGISTRATION_METHOD,
    CONF_RULE_IDS,
    CONF_SUBSCRIPTION_ID,
    CONF_USER_ID,
    CONF_WEBHOOK_URL,
    DOMAIN,
)
from custom_components.gridx.registration.orphans import RETRY_INTERVAL, STORAGE_KEY
from gridx_emulator import DemoIds, GridxEmulator

from .emulator_fixtures import DEMO_TOKEN
from .test_config_flow import (
    FEW_TYPES,
    async_create_entry,
    ha_client,  # noqa: F401 - a fixture
)

ORPHAN_URL = "https://old.example.com/api/webhook/" + "e" * 64


@pytest.fixture(autouse=True)
def short_budget() -> Generator[None]:
    """Give gridX one second per removal, with short pauses between tries."""
    with (
        patch("custom_components.gridx.registration.orphans.REMOVAL_BUDGET", 1.0),
        patch("custom_components.gridx.registration.orphans.REMOVAL_RETRY_DELAY", 0.05),
    ):
        yield


def pending(hass_storage: dict[str, Any]) -> dict[str, Any]:
    """Return the stored pending deletions."""
    removals: dict[str, Any] = hass_storage[STORAGE_KEY]["data"]["removals"]
    return removals


@pytest.mark.parametrize(
    "fault",
    [{"status": 503, "count": 10_000}, {"delay": 3.0}],
    ids=["failing", "hanging"],
)
@pytest.mark.usefixtures("ha_client")
async def test_item16_removal_while_gridx_fails_is_remembered_and_retried(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    issue_registry: ir.IssueRegistry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, Any],
) -> None:
    """The removal returns after its budget; the deletion is retried hourly."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    [subscription] = emulator.state.subscriptions.values()
    unreachable = f"webhook_unreachable_{entry.entry_id}"
    ir.async_create_issue(
        hass,
        DOMAIN,
        unreachable,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="webhook_unreachable",
    )
    emulator.faults.add("list_webhooks", **fault)

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    # gridX still holds it; the user is told which one and how to delete it.
    assert list(emulator.state.subscriptions) == [subscription.id]
    assert issue_registry.async_get_issue(DOMAIN, unreachable) is None
    issue = issue_registry.async_get_issue(
        DOMAIN, f"orphaned_registration_{entry.entry_id}"
    )
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["ids"] == subscription.id
    assert issue.translation_placeholders["url"] == subscription.target_url
    assert issue.translation_placeholders["api"] == (
        f"{emulator.base_url}/accounts/{entry.data[CONF_ACCOUNT_ID]}/webhooks/…"
    )
    assert list(pending(hass_storage)) == [entry.entry_id]
    assert f"Could not delete the gridX registration ({subscription.id})" in (
        caplog.text
    )

    # An hour later gridX answers again: deleted, forgotten, issue gone.
    emulator.faults.clear()
    async_fire_time_changed(hass, dt_util.utcnow() + RETRY_INTERVAL)
    await hass.async_block_till_done()
    assert emulator.state.subscriptions == {}
    assert pending(hass_storage) == {}
    assert (
        issue_registry.async_get_issue(
            DOMAIN, f"orphaned_registration_{entry.entry_id}"
        )
        is None
    )
    # Nothing is pending: no hourly retry is armed any more.
    emulator.faults.add("list_webhooks", status=500)
    async_fire_time_changed(hass, dt_util.utcnow() + 2 * RETRY_INTERVAL)
    await hass.async_block_till_done()
    assert emulator.faults.pending("list_webhooks") == 1
    emulator.faults.clear()


async def test_item16_pending_removal_retried_at_start(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    hass_storage: dict[str, Any],
) -> None:
    """A deletion remembered before a restart is done when gridX starts."""
    orphan = emulator.add_subscription(ORPHAN_URL, FEW_TYPES)
    rule = emulator.add_rule(ORPHAN_URL, "gateway/online", "s")
    other = emulator.add_subscription("https://example.com/theirs", FEW_TYPES)
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {
            "removals": {
                "old-entry": {
                    CONF_API_TOKEN: DEMO_TOKEN,
                    CONF_API_BASE: emulator.base_url,
                    CONF_ACCOUNT_ID: demo_ids.account_id,
                    CONF_USER_ID: demo_ids.user_id,
                    CONF_REGISTRATION_METHOD: "subscription",
                    CONF_SUBSCRIPTION_ID: orphan.id,
                    CONF_WEBHOOK_URL: ORPHAN_URL,
                    "title": "gridX",
                },
                "rules-entry": {
                    CONF_API_TOKEN: DEMO_TOKEN,
                    CONF_API_BASE: emulator.base_url,
                    CONF_ACCOUNT_ID: demo_ids.account_id,
                    CONF_USER_ID: demo_ids.user_id,
                    CONF_REGISTRATION_METHOD: "rules",
                    CONF_RULE_IDS: [rule.id],
                    "title": "gridX",
                },
            }
        },
    }

    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done(wait_background_tasks=True)

    assert list(emulator.state.subscriptions) == [other.id]
    assert emulator.state.rules == {}
    assert pending(hass_storage) == {}


async def test_item16_fix_flow_forgets_a_deletion_done_by_hand(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    hass_storage: dict[str, Any],
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
) -> None:
    """A revoked token never deletes it: the user deletes it and confirms."""
    orphan = emulator.add_subscription(ORPHAN_URL, FEW_TYPES)
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {
            "removals": {
                "old-entry": {
                    CONF_API_TOKEN: "revoked",
                    CONF_API_BASE: emulator.base_url,
                    CONF_ACCOUNT_ID: demo_ids.account_id,
                    CONF_USER_ID: demo_ids.user_id,
                    CONF_REGISTRATION_METHOD: "rules",
                    CONF_RULE_IDS: ["r1", "r2"],
                    CONF_WEBHOOK_URL: ORPHAN_URL,
                    "title": "Old gridX",
                }
            }
        },
    }
    assert await async_setup_component(hass, "repairs", {})
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done(wait_background_tasks=True)
    issue_id = "orphaned_registration_old-entry"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["ids"] == "r1, r2"
    assert issue.translation_placeholders["title"] == "Old gridX"
    assert list(emulator.state.subscriptions) == [orphan.id]

    client = await hass_client()
    resp = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    flow = await resp.json()
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"]["ids"] == "r1, r2"
    resp = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert (await resp.json())["type"] == "create_entry"
    await hass.async_block_till_done()

    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=2))
    await hass.async_block_till_done()
    assert pending(hass_storage) == {}
