"""Tests for poll-only mode: token accounts, the switch at runtime, push coming back."""

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
)
from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.gridx.api.resources import GridxUser
from custom_components.gridx.const import (
    CONF_ADVANCED,
    CONF_API_BASE,
    CONF_CLOUDHOOK_URL,
    CONF_EVENT_TYPES,
    CONF_POLL_ONLY,
    CONF_REGISTRATION_METHOD,
    CONF_RULE_IDS,
    CONF_SUBSCRIPTION_ID,
    CONF_WEBHOOK_URL,
    DEFAULT_EVENT_TYPES,
    DOMAIN,
    ISSUE_PUSH_UNAVAILABLE,
    POLL_INTERVAL,
)
from custom_components.gridx.flow.common import account_title
from custom_components.gridx.live.coordinator import CONF_LIVE_INTERVAL
from custom_components.gridx.registration.lifecycle import CHECK_INTERVAL
from gridx_emulator import DemoIds, GridxEmulator
from gridx_emulator.auth0 import portal_policies

from .emulator_fixtures import DEMO_TOKEN
from .gridx_state import FakePoll
from .test_config_flow import (
    FEW_TYPES,
    CloudMock,
    async_create_entry,
    cloud_active,  # noqa: F401 - a fixture
    ha_client,  # noqa: F401 - a fixture
    no_setup,  # noqa: F401 - a fixture
    second_emulator,  # noqa: F401 - a fixture
    start_flow,
    start_token_flow,
    user_input,
)

# A token that may read everything but use neither webhooks nor rules.
NO_PUSH = portal_policies()
POLL_ONLY_LOG = "it runs poll-only"
PUSH_BACK_LOG = "it leaves poll-only"


@pytest.fixture
def poll() -> FakePoll | None:
    """Poll the emulator for real."""
    return None


@pytest.fixture(autouse=True)
def gridx_info_log(caplog: pytest.LogCaptureFixture) -> None:
    """Capture the integration's log from info up (mode changes)."""
    caplog.set_level(logging.INFO, logger="custom_components.gridx")


def push_issue(
    issue_registry: ir.IssueRegistry, entry: ConfigEntry
) -> ir.IssueEntry | None:
    """Return the entry's push_unavailable issue, if raised."""
    return issue_registry.async_get_issue(
        DOMAIN, f"{ISSUE_PUSH_UNAVAILABLE}_{entry.entry_id}"
    )


def _updates(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """Return the state of the entry's Updates sensor."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.unique_id}_account_updates"
    )
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


def revoke_push(emulator: GridxEmulator, demo_ids: DemoIds) -> None:
    """Take the demo token's webhook and rule policies away."""
    emulator.add_token(DEMO_TOKEN, user_id=demo_ids.user_id, policies=NO_PUSH)


def grant_push(emulator: GridxEmulator, demo_ids: DemoIds) -> None:
    """Give the demo token every policy again."""
    emulator.add_token(DEMO_TOKEN, user_id=demo_ids.user_id)


async def next_day(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let a day pass: the manager's daily check runs."""
    freezer.tick(CHECK_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("poll", "ha_client")
async def test_token_flow_without_push_creates_poll_only_entry(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """403 on webhooks and rules: a poll-only entry, not a form error."""
    revoke_push(emulator, demo_ids)
    result = await start_token_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "de…@example.invalid"
    entry: ConfigEntry = result["result"]
    await hass.async_block_till_done()

    assert entry.data[CONF_POLL_ONLY] is True
    assert CONF_WEBHOOK_URL not in entry.data
    # Every type (setup's choice) waits for the day push is allowed.
    assert entry.options == {CONF_EVENT_TYPES: list(DEFAULT_EVENT_TYPES)}
    assert entry.state is ConfigEntryState.LOADED
    # Poll-only from the start is a mode, not a fault: nothing to repair.
    assert push_issue(issue_registry, entry) is None
    assert emulator.state.subscriptions == {}
    assert emulator.state.rules == {}
    coordinator = entry.runtime_data.coordinator
    assert coordinator.update_interval == timedelta(seconds=60)
    assert coordinator.data.gateways[0].id == demo_ids.gateway_id
    assert "it is added poll-only" in caplog.text
    # The check at setup found push still refused: no mode change logged.
    assert PUSH_BACK_LOG not in caplog.text


@pytest.mark.usefixtures("poll", "ha_client")
async def test_runtime_switch_to_poll_only_and_back(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Push refused at runtime: poll-only; allowed again: push, by itself."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    coordinator = entry.runtime_data.coordinator
    assert entry.data.get(CONF_POLL_ONLY) is None
    assert coordinator.update_interval == POLL_INTERVAL
    [old] = emulator.state.subscriptions.values()

    # The account loses its webhook and rule policies: the daily check
    # meets 403 on both and the entry goes on poll-only.
    revoke_push(emulator, demo_ids)
    await next_day(hass, freezer)
    assert entry.data[CONF_POLL_ONLY] is True
    # Push that worked is lost: that is worth a repair issue.
    issue = push_issue(issue_registry, entry)
    assert issue is not None
    assert issue.translation_key == ISSUE_PUSH_UNAVAILABLE
    assert issue.severity is ir.IssueSeverity.WARNING
    assert _updates(hass, entry) == "polling"
    assert coordinator.update_interval == timedelta(seconds=60)
    assert caplog.text.count(POLL_ONLY_LOG) == 1
    # Not retried every minute: still one mode change after more days.
    await next_day(hass, freezer)
    assert caplog.text.count(POLL_ONLY_LOG) == 1
    assert entry.runtime_data.registration is not None
    assert not entry.runtime_data.registration.retry_scheduled

    # The options flow shows the live interval only (no event types), keeps
    # the types for later and asks gridX nothing.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "polling"
    assert list(result["data_schema"].schema) == [CONF_LIVE_INTERVAL]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_LIVE_INTERVAL: 90}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_EVENT_TYPES: FEW_TYPES, CONF_LIVE_INTERVAL: 90}
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinator  # reloaded
    assert coordinator.update_interval == timedelta(seconds=90)
    assert list(emulator.state.subscriptions.values()) == [old]

    # The permission comes back: the next daily check registers again.
    grant_push(emulator, demo_ids)
    await next_day(hass, freezer)
    assert entry.data[CONF_POLL_ONLY] is False
    assert push_issue(issue_registry, entry) is None
    assert _updates(hass, entry) == "push"
    assert coordinator.update_interval == POLL_INTERVAL
    assert caplog.text.count(PUSH_BACK_LOG) == 1
    [subscription] = emulator.state.subscriptions.values()
    assert subscription.id == entry.data[CONF_SUBSCRIPTION_ID]
    assert subscription.event_types == FEW_TYPES


@pytest.mark.usefixtures("poll", "ha_client")
async def test_setup_restores_push_and_removal_deletes(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A poll-only entry checks at setup; removal deletes what exists."""
    revoke_push(emulator, demo_ids)
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    assert entry.data[CONF_POLL_ONLY] is True

    grant_push(emulator, demo_ids)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.data[CONF_POLL_ONLY] is False
    assert push_issue(issue_registry, entry) is None
    assert entry.runtime_data.coordinator.update_interval == POLL_INTERVAL
    assert len(emulator.state.subscriptions) == 1

    # gridX refuses push again while the subscription still exists there:
    # a poll-only entry with a registration still deletes it on removal.
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_POLL_ONLY: True}
    )
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert emulator.state.subscriptions == {}
    assert push_issue(issue_registry, entry) is None


@pytest.mark.usefixtures("poll", "ha_client")
async def test_runtime_switch_with_rules_entry(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A rules entry whose rules are refused probes both APIs first."""
    entry = await async_create_entry(
        hass, emulator, method="rules", event_types=FEW_TYPES
    )
    assert entry.data[CONF_REGISTRATION_METHOD] == "rules"
    # Rules refused but webhooks allowed: no poll-only, a retry instead.
    emulator.add_token(
        DEMO_TOKEN,
        user_id=demo_ids.user_id,
        policies=NO_PUSH | {"WebhooksRead", "WebhooksWrite"},
    )
    await next_day(hass, freezer)
    assert entry.data.get(CONF_POLL_ONLY) is None
    assert entry.runtime_data.registration is not None
    assert entry.runtime_data.registration.retry_scheduled


# -- reconfigure ---------------------------------------------------------------


@pytest.mark.usefixtures("poll", "ha_client")
async def test_reconfigure_switches_method(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """Choosing rules instead of the subscription replaces it at the same API."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    result = await start_flow(hass, entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_ADVANCED: {
                CONF_API_BASE: emulator.base_url,
                CONF_REGISTRATION_METHOD: "rules",
            }
        },
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert emulator.state.subscriptions == {}
    assert sorted(r.event_type for r in emulator.state.rules.values()) == sorted(
        FEW_TYPES
    )
    assert entry.data[CONF_REGISTRATION_METHOD] == "rules"
    assert sorted(entry.data[CONF_RULE_IDS]) == sorted(emulator.state.rules)


@pytest.mark.usefixtures("poll", "ha_client")
async def test_reconfigure_to_api_without_push(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    second_emulator: GridxEmulator,  # noqa: F811 - a fixture
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Moving to an API that refuses push: old one deleted, poll-only there."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    second_emulator.add_token(DEMO_TOKEN, user_id=demo_ids.user_id, policies=NO_PUSH)
    result = await start_flow(hass, entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ADVANCED: {CONF_API_BASE: second_emulator.base_url}}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert emulator.state.subscriptions == {}
    assert second_emulator.state.subscriptions == {}
    assert entry.data[CONF_POLL_ONLY] is True
    assert entry.data[CONF_API_BASE] == second_emulator.base_url
    assert entry.data[CONF_SUBSCRIPTION_ID] is None
    assert entry.data[CONF_WEBHOOK_URL] is None
    # The user moved to a login without push: a choice, not a loss.
    assert push_issue(issue_registry, entry) is None

    # Back to an API that allows push: registered there, poll-only ends.
    result = await start_flow(hass, entry, SOURCE_RECONFIGURE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_TOKEN: "", CONF_ADVANCED: {CONF_API_BASE: emulator.base_url}},
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_POLL_ONLY] is False
    [subscription] = emulator.state.subscriptions.values()
    assert entry.data[CONF_SUBSCRIPTION_ID] == subscription.id
    assert push_issue(issue_registry, entry) is None
    assert list(DEFAULT_EVENT_TYPES) != subscription.event_types == FEW_TYPES


@pytest.mark.usefixtures("poll", "ha_client")
async def test_token_flow_without_push_drops_its_cloudhook(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    cloud_active: CloudMock,  # noqa: F811 - a fixture
) -> None:
    """A poll-only entry keeps no cloudhook: the flow's is deleted."""
    revoke_push(emulator, demo_ids)
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    assert entry.data[CONF_POLL_ONLY] is True
    assert CONF_CLOUDHOOK_URL not in entry.data
    assert cloud_active.delete.await_count == 1


@pytest.mark.usefixtures("ha_client", "no_setup")
async def test_token_flow_unknown_push_keeps_the_form_error(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """Whether push is allowed cannot be told (503): the 403 stays an error."""
    revoke_push(emulator, demo_ids)
    result = await start_token_flow(hass)
    # The registration's read of the rules is refused; the probe's fails.
    emulator.faults.add("list_rules", count=1)
    emulator.faults.add("list_rules", status=503)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(emulator)
    )
    # The token step registers: its form shows the error.
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "token"
    assert result["errors"] == {"base": "missing_permissions"}


def test_account_title() -> None:
    """The title is the account's name, else its masked e-mail, else gridX."""
    assert account_title(GridxUser("u", "a", "x@example.invalid", " Ada ")) == "Ada"
    assert account_title(GridxUser("u", "a", "x@example.invalid", " ")) == (
        "x…@example.invalid"
    )
    assert account_title(GridxUser("u", "a")) == "gridX"
    assert GridxUser.from_dict(
        {"id": "u", "accountID": "a", "email": "x@example.invalid", "fullName": "Ada"}
    ) == GridxUser("u", "a", "x@example.invalid", "Ada")


@pytest.mark.usefixtures("poll", "ha_client")
async def test_daily_check_failures(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failed check retries; a refused token starts reauth; both stay poll-only."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    registration = entry.runtime_data.registration
    assert registration is not None

    # Push refused, but the check of the other API fails: not known, retried.
    revoke_push(emulator, demo_ids)
    emulator.faults.add("list_webhooks", count=1)
    emulator.faults.add("list_webhooks", status=503)
    await next_day(hass, freezer)
    assert entry.data.get(CONF_POLL_ONLY) is None
    assert registration.retry_scheduled

    # Then both refused: poll-only.
    await next_day(hass, freezer)
    assert entry.data[CONF_POLL_ONLY] is True

    # The poll-only check fails (503): retried later, still poll-only.
    emulator.faults.add("list_webhooks", status=503)
    await next_day(hass, freezer)
    assert registration.retry_scheduled
    assert entry.data[CONF_POLL_ONLY] is True

    # gridX refuses the token itself: reauth.
    emulator.faults.add("list_webhooks", status=401, count=3)
    await next_day(hass, freezer)
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    assert entry.data[CONF_POLL_ONLY] is True
