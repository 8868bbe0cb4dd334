"""Tests for the gridX registration lifecycle against the local emulator."""

from collections.abc import AsyncGenerator
from datetime import timedelta
import json
import logging
from typing import Any
from unittest.mock import AsyncMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    async_mock_cloud_connection_status,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridx.api.signature import SIGNATURE_HEADER, sign
from custom_components.gridx.const import (
    CONF_ACCOUNT_ID,
    CONF_API_BASE,
    CONF_CLOUDHOOK_URL,
    CONF_EVENT_TYPES,
    CONF_PREVIOUS_URLS,
    CONF_REGISTRATION_METHOD,
    CONF_RULE_IDS,
    CONF_SECRET_SINCE,
    CONF_SECRETS,
    CONF_SUBSCRIPTION_ID,
    CONF_USER_ID,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_URL,
    DOMAIN,
    EVENT_GRIDX,
)
from custom_components.gridx.flow.options import options_of
from custom_components.gridx.registration import cloudhook
from custom_components.gridx.registration.lifecycle import (
    CHECK_INTERVAL,
    RETRY_DELAY,
    SECRET_MAX_AGE,
    SECRET_OVERLAP,
)
from custom_components.gridx.registration.reachability import PING_TIMEOUT
from gridx_emulator import DemoIds, GridxEmulator

from .emulator_fixtures import DEMO_TOKEN
from .test_config_flow import (
    CLOUDHOOK_URL,
    FEW_TYPES,
    CloudMock,
    assert_no_secrets_logged,
    async_create_entry,
    cloud_active,  # noqa: F401 - a fixture
    gridx_debug_log,  # noqa: F401 - a fixture
    ha_client,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.usefixtures("ha_client")

WEBHOOK_ID = "f" * 64
FOREIGN_URL = "https://example.com/someone-else"


@pytest.fixture(autouse=True)
def fast_removal_retries() -> Any:
    """Retry a failed removal pass without waiting."""
    with patch("custom_components.gridx.registration.orphans.REMOVAL_RETRY_DELAY", 0):
        yield


def our_url(hass: HomeAssistant, webhook_id: str = WEBHOOK_ID) -> str:
    """Return the URL the entry registers (the test server's external URL)."""
    assert hass.config.external_url
    return f"{hass.config.external_url.rstrip('/')}/api/webhook/{webhook_id}"


def make_entry(
    emulator: GridxEmulator, demo_ids: DemoIds, **data: Any
) -> MockConfigEntry:
    """Return an entry as the flow stores it, with ``data`` overrides."""
    options = {CONF_EVENT_TYPES: data.pop(CONF_EVENT_TYPES, FEW_TYPES)}
    return MockConfigEntry(
        domain=DOMAIN,
        title="gridX",
        unique_id=demo_ids.account_id,
        data={
            CONF_WEBHOOK_ID: WEBHOOK_ID,
            CONF_API_TOKEN: DEMO_TOKEN,
            CONF_API_BASE: emulator.base_url,
            CONF_ACCOUNT_ID: demo_ids.account_id,
            CONF_USER_ID: demo_ids.user_id,
            CONF_REGISTRATION_METHOD: "subscription",
            CONF_SUBSCRIPTION_ID: None,
            CONF_RULE_IDS: [],
            CONF_SECRETS: ["whsec_old"],
            CONF_PREVIOUS_URLS: [],
            **data,
        },
        options=options,
    )


@pytest.fixture
async def loaded(hass: HomeAssistant) -> AsyncGenerator[list[ConfigEntry]]:
    """Collect entries to set up; unload them after the test."""
    entries: list[ConfigEntry] = []
    yield entries
    await hass.async_block_till_done()
    for entry in entries:
        if entry.state is ConfigEntryState.LOADED:
            await hass.config_entries.async_unload(entry.entry_id)


async def setup(hass: HomeAssistant, entry: MockConfigEntry, loaded: list) -> None:
    """Add and set up ``entry``; it is unloaded after the test."""
    entry.add_to_hass(hass)
    loaded.append(entry)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


# -- round trips -------------------------------------------------------------------


@pytest.mark.parametrize("api_enabled", [True, False], ids=["subscription", "rules"])
async def test_round_trip(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    caplog: pytest.LogCaptureFixture,
    api_enabled: bool,
) -> None:
    """Flow → signed delivery through the real webhook → removal leaves nothing."""
    emulator.state.webhooks_api_enabled = api_enabled
    events: list[Event] = async_capture_events(hass, EVENT_GRIDX)
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    assert entry.state is ConfigEntryState.LOADED
    held = len(emulator.state.subscriptions) + len(emulator.state.rules)
    assert held == (1 if api_enabled else len(FEW_TYPES))
    # A subscription is pinged once; the signed ping comes through the webhook.
    await emulator.join_background()
    await hass.async_block_till_done()
    assert [e.data["type"] for e in events] == (["ping"] if api_enabled else [])
    events.clear()

    event = emulator.make_event(
        "gateway/offline",
        {"gatewayID": demo_ids.gateway_id, "systemID": demo_ids.system_id},
    )
    results = await emulator.deliver(event)
    assert [r.status for r in results] == [204]
    await hass.async_block_till_done()
    assert [e.data["id"] for e in events] == [event["id"]]
    assert events[0].data["type"] == "gateway/offline"
    assert events[0].data["config_entry_id"] == entry.entry_id

    secrets = list(entry.data[CONF_SECRETS])
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert emulator.state.subscriptions == {}
    assert emulator.state.rules == {}
    assert_no_secrets_logged(caplog, DEMO_TOKEN, *secrets)


# -- reconcile at setup ---------------------------------------------------------------


async def test_setup_reconciles_subscriptions(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    loaded: list,
) -> None:
    """One subscription for our URL is kept and fixed; only ours are deleted."""
    url = our_url(hass)
    previous = "https://old.example.com/api/webhook/" + WEBHOOK_ID
    ours = emulator.add_subscription(url, ["ev/plugged"], active=False)
    duplicate = emulator.add_subscription(url, FEW_TYPES)
    old = emulator.add_subscription(previous, FEW_TYPES)
    foreign = emulator.add_subscription(FOREIGN_URL, FEW_TYPES)
    entry = make_entry(
        emulator,
        demo_ids,
        **{
            CONF_SUBSCRIPTION_ID: ours.id,
            CONF_WEBHOOK_URL: url,
            CONF_PREVIOUS_URLS: [previous],
        },
    )

    await setup(hass, entry, loaded)

    assert set(emulator.state.subscriptions) == {ours.id, foreign.id}
    assert ours.event_types == FEW_TYPES
    assert ours.active is True
    assert duplicate.id not in emulator.state.subscriptions
    assert old.id not in emulator.state.subscriptions
    assert entry.data[CONF_SUBSCRIPTION_ID] == ours.id
    assert entry.data[CONF_SECRETS] == ["whsec_old"]


async def test_setup_recreates_missing_subscription(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    loaded: list,
) -> None:
    """A vanished subscription is created again; its secret is kept (max 5)."""
    old_secrets = [f"whsec_{n}" for n in range(5)]
    entry = make_entry(
        emulator,
        demo_ids,
        **{CONF_SUBSCRIPTION_ID: "gone", CONF_SECRETS: old_secrets},
    )

    await setup(hass, entry, loaded)

    [subscription] = emulator.state.subscriptions.values()
    assert subscription.target_url == our_url(hass)
    assert subscription.event_types == FEW_TYPES
    assert entry.data[CONF_SUBSCRIPTION_ID] == subscription.id
    assert entry.data[CONF_SECRETS] == [*old_secrets[1:], subscription.secrets[-1]]
    assert entry.data[CONF_WEBHOOK_URL] == subscription.target_url


async def test_setup_reconciles_rules(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    loaded: list,
) -> None:
    """Rules: missing types are added, unwanted and old-URL rules deleted."""
    url = our_url(hass)
    previous = "https://old.example.com/api/webhook/" + WEBHOOK_ID
    keep = emulator.add_rule(url, "gateway/online", "secret-1")
    unwanted = emulator.add_rule(url, "ev/unplugged", "secret-1")
    old = emulator.add_rule(previous, "gateway/offline", "secret-1")
    foreign = emulator.add_rule(FOREIGN_URL, "gateway/online", "theirs")
    entry = make_entry(
        emulator,
        demo_ids,
        **{
            CONF_REGISTRATION_METHOD: "rules",
            CONF_RULE_IDS: [keep.id, unwanted.id],
            CONF_SECRETS: ["secret-1"],
            CONF_WEBHOOK_URL: url,
            CONF_PREVIOUS_URLS: [previous],
        },
    )

    await setup(hass, entry, loaded)

    rules = emulator.state.rules
    assert unwanted.id not in rules
    assert old.id not in rules
    assert foreign.id in rules
    ours = {r.event_type: r for r in rules.values() if r.target_url == url}
    assert set(ours) == set(FEW_TYPES)
    assert ours["gateway/online"].id == keep.id
    assert {r.secret for r in ours.values()} == {"secret-1"}
    assert entry.data[CONF_RULE_IDS] == [ours[t].id for t in FEW_TYPES]


# -- failures at runtime --------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint", ["list_webhooks", "create_webhook", "update_webhook", "delete_webhook"]
)
async def test_setup_failure_retries(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    loaded: list,
    endpoint: str,
) -> None:
    """A failing step never fails setup; it is logged once and retried."""
    url = our_url(hass)
    data: dict[str, Any] = {CONF_WEBHOOK_URL: url}
    if endpoint == "update_webhook":
        data[CONF_SUBSCRIPTION_ID] = emulator.add_subscription(url, ["ev/plugged"]).id
    if endpoint == "delete_webhook":
        emulator.add_subscription(url, FEW_TYPES)
        emulator.add_subscription(url, FEW_TYPES)
    emulator.faults.add(endpoint, status=503, count=2)
    entry = make_entry(emulator, demo_ids, **data)

    await setup(hass, entry, loaded)
    assert entry.runtime_data.registration.retry_scheduled
    # Nothing created by the failed pass is left behind.
    assert all(s.target_url == url for s in emulator.state.subscriptions.values())
    assert caplog.text.count("Could not update the gridX registration") == 1

    freezer.tick(timedelta(seconds=RETRY_DELAY))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert caplog.text.count("Could not update the gridX registration") == 1
    assert entry.runtime_data.registration.retry_scheduled

    freezer.tick(timedelta(seconds=RETRY_DELAY))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert not entry.runtime_data.registration.retry_scheduled
    assert "The gridX registration is up to date again" in caplog.text
    [subscription] = emulator.state.subscriptions.values()
    assert subscription.event_types == FEW_TYPES
    assert entry.data[CONF_SUBSCRIPTION_ID] == subscription.id


async def test_rules_failure_rolls_back_and_retries(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    freezer: FrozenDateTimeFactory,
    loaded: list,
) -> None:
    """Rules created by a failed pass are deleted; the retry creates all."""
    emulator.faults.add("create_rule", count=2)
    emulator.faults.add("create_rule", status=500)
    entry = make_entry(emulator, demo_ids, **{CONF_REGISTRATION_METHOD: "rules"})

    await setup(hass, entry, loaded)
    assert emulator.state.rules == {}

    freezer.tick(timedelta(seconds=RETRY_DELAY))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert sorted(r.event_type for r in emulator.state.rules.values()) == sorted(
        FEW_TYPES
    )


async def test_rate_limit_waits_longer(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    freezer: FrozenDateTimeFactory,
    loaded: list,
) -> None:
    """A 429 with Retry-After delays the retry accordingly."""
    emulator.faults.add("list_webhooks", status=429, retry_after=300)
    entry = make_entry(emulator, demo_ids)
    await setup(hass, entry, loaded)

    freezer.tick(timedelta(seconds=RETRY_DELAY))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert emulator.state.subscriptions == {}

    freezer.tick(timedelta(seconds=300))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(emulator.state.subscriptions) == 1


async def test_auth_failure_starts_reauth(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds, loaded: list
) -> None:
    """A 401 while reconciling starts a reauth flow and schedules no retry."""
    entry = make_entry(emulator, demo_ids, **{CONF_API_TOKEN: "revoked"})
    await setup(hass, entry, loaded)

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert not entry.runtime_data.registration.retry_scheduled
    assert emulator.state.subscriptions == {}


async def test_url_change_moves_registration(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    loaded: list,
) -> None:
    """A new external URL gets a registration; the old one is deleted."""
    entry = make_entry(emulator, demo_ids)
    await setup(hass, entry, loaded)
    old_url = our_url(hass)
    [old] = emulator.state.subscriptions.values()
    assert old.target_url == old_url

    await hass.config.async_update(external_url="http://127.0.0.1:9/")
    await hass.async_block_till_done()

    [subscription] = emulator.state.subscriptions.values()
    assert subscription.target_url == f"http://127.0.0.1:9/api/webhook/{WEBHOOK_ID}"
    assert entry.data[CONF_WEBHOOK_URL] == subscription.target_url
    assert entry.data[CONF_PREVIOUS_URLS] == [old_url]

    # Other core config changes do not reconcile.
    emulator.faults.add("list_webhooks", status=503)
    await hass.config.async_update(location_name="elsewhere")
    await hass.async_block_till_done()
    assert emulator.faults.pending("list_webhooks") == 1
    emulator.faults.clear()


async def test_no_url_raises_issue(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
    loaded: list,
) -> None:
    """No URL: setup works, a repair issue says why; a URL clears it."""
    external = hass.config.external_url
    await hass.config.async_update(external_url=None)
    entry = make_entry(emulator, demo_ids)
    await setup(hass, entry, loaded)

    assert issue_registry.async_get_issue(DOMAIN, f"no_url_{entry.entry_id}")
    assert emulator.state.subscriptions == {}
    assert caplog.text.count("gridX cannot reach Home Assistant") == 1

    await hass.config.async_update(external_url=external)
    await hass.async_block_till_done()
    assert not issue_registry.async_get_issue(DOMAIN, f"no_url_{entry.entry_id}")
    assert len(emulator.state.subscriptions) == 1


async def test_unreachable_webhook_raises_issue(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
    loaded: list,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """GridX's test delivery never arrives: a repair issue; a delivery clears it."""
    await hass.config.async_update(external_url="http://127.0.0.1:9")  # closed
    entry = make_entry(emulator, demo_ids)
    await setup(hass, entry, loaded)
    await emulator.join_background()
    [ping] = [d for d in emulator.deliveries if d.kind == "subscription"]
    assert ping.status is None  # connection refused, every attempt
    issue_id = f"webhook_unreachable_{entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    # Not the freezer: the emulator's retries sleep on the real loop clock.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=PING_TIMEOUT))
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "webhook_unreachable"
    assert entry.runtime_data.registration.diagnostics["unreachable"] is True
    assert caplog.text.count("test delivery did not reach Home Assistant") == 1

    # A signed delivery that does arrive (here: straight to the webhook) clears it.
    client = await hass_client_no_auth()
    body = json.dumps(
        emulator.make_event(
            "gateway/online",
            {"gatewayID": demo_ids.gateway_id, "systemID": demo_ids.system_id},
        )
    ).encode()
    resp = await client.post(
        f"/api/webhook/{WEBHOOK_ID}",
        data=body,
        headers={SIGNATURE_HEADER: sign(body, entry.data[CONF_SECRETS])},
    )
    assert resp.status == 204
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    diagnostics = entry.runtime_data.registration.diagnostics
    assert diagnostics["unreachable"] is False
    assert diagnostics["delivery_verified"] is True


async def test_ping_refused_is_not_an_issue(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
    loaded: list,
) -> None:
    """When gridX refuses the ping request, nothing is waited for or raised."""
    emulator.faults.add("ping_webhook", status=404)
    entry = make_entry(emulator, demo_ids)
    await setup(hass, entry, loaded)
    assert len(emulator.state.subscriptions) == 1
    # Not the freezer: the emulator's retries sleep on the real loop clock.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=PING_TIMEOUT))
    await hass.async_block_till_done()
    assert [key for key in issue_registry.issues if key[0] == DOMAIN] == []
    assert entry.runtime_data.registration.diagnostics["unreachable"] is False


async def test_secret_rotation(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    loaded: list,
) -> None:
    """After six months the secret is rotated; after three more days the old goes.

    Deliveries verify throughout: gridX signs with the old and the new secret
    during the overlap.
    """
    events = async_capture_events(hass, EVENT_GRIDX)
    entry = make_entry(emulator, demo_ids)
    await setup(hass, entry, loaded)
    await emulator.join_background()
    [subscription] = emulator.state.subscriptions.values()
    first = entry.data[CONF_SECRETS][-1]
    assert entry.data[CONF_SECRET_SINCE] == dt_util.utcnow().isoformat()

    async def tick(delta: timedelta) -> None:
        freezer.tick(delta)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

    async def delivered() -> bool:
        event = emulator.make_event(
            "gateway/online",
            {"gatewayID": demo_ids.gateway_id, "systemID": demo_ids.system_id},
        )
        results = await emulator.deliver(event)
        await hass.async_block_till_done()
        return [r.status for r in results] == [204] and events[-1].data["id"] == event[
            "id"
        ]

    # A day short of six months: nothing happens.
    await tick(SECRET_MAX_AGE - timedelta(days=1))
    assert entry.data[CONF_SECRETS][-1] == first

    # A failed rotation is tried again the next day.
    emulator.faults.add("rotate_secret", status=503)
    await tick(timedelta(days=1))
    assert entry.data[CONF_SECRETS][-1] == first
    await tick(CHECK_INTERVAL)
    second = entry.data[CONF_SECRETS][-1]
    assert second != first
    assert entry.data[CONF_SECRETS] == [first, second]
    assert subscription.secrets[-2:] == [first, second]
    assert await delivered()
    assert "Rotated the gridX webhook secret" in caplog.text

    # After the three-day overlap only the new secret is accepted.
    await tick(SECRET_OVERLAP)
    assert entry.data[CONF_SECRETS] == [second]
    assert await delivered()
    assert_no_secrets_logged(caplog, DEMO_TOKEN, first, second)


async def test_https_required_issue(
    hass: HomeAssistant,
    demo_ids: DemoIds,
    emulator: GridxEmulator,
    issue_registry: ir.IssueRegistry,
    loaded: list,
) -> None:
    """Against gridX's real API an http URL is refused, with a repair issue."""
    entry = make_entry(emulator, demo_ids, **{CONF_API_BASE: "https://api.gridx.de"})
    with patch(
        "custom_components.gridx.coordinator.GridxDataUpdateCoordinator.async_refresh"
    ):
        await setup(hass, entry, loaded)

    issue = issue_registry.async_get_issue(DOMAIN, f"https_required_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "https_required"
    assert issue.translation_placeholders == {"title": "gridX"}


# -- Nabu Casa ------------------------------------------------------------------------


async def test_cloudhook_lifecycle(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    cloud_active: CloudMock,  # noqa: F811
) -> None:
    """Cloudhook while subscribed, external URL after, cloudhook deleted on removal."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    [subscription] = emulator.state.subscriptions.values()
    assert subscription.target_url == CLOUDHOOK_URL
    assert entry.data[CONF_CLOUDHOOK_URL] == CLOUDHOOK_URL

    # A disconnect while still subscribed changes nothing.
    cloud_active.connected.return_value = False
    cloud_active.on_connection[-1](False)
    await hass.async_block_till_done()
    assert list(emulator.state.subscriptions) == [subscription.id]

    # The subscription ends: gridX is moved to the external URL.
    cloud_active.active.return_value = False
    cloud_active.on_connection[-1](False)
    await hass.async_block_till_done()
    [moved] = emulator.state.subscriptions.values()
    assert moved.target_url.endswith(f"/api/webhook/{webhook_id}")
    assert moved.target_url.startswith("http://127.0.0.1:")
    assert entry.data[CONF_PREVIOUS_URLS] == [CLOUDHOOK_URL]

    # Back on Nabu Casa with a new cloudhook.
    cloud_active.active.return_value = True
    cloud_active.connected.return_value = True
    cloud_active.on_cloudhook[-1](CLOUDHOOK_URL + "-new")
    await hass.async_block_till_done()
    [back] = emulator.state.subscriptions.values()
    assert back.target_url == CLOUDHOOK_URL + "-new"
    # An unchanged cloudhook does nothing.
    cloud_active.on_cloudhook[-1](CLOUDHOOK_URL + "-new")
    await hass.async_block_till_done()
    assert list(emulator.state.subscriptions) == [back.id]

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert emulator.state.subscriptions == {}
    cloud_active.delete.assert_awaited_once_with(hass, webhook_id)


async def test_cloudhook_removed(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    cloud_active: CloudMock,  # noqa: F811
) -> None:
    """A deleted cloudhook is forgotten and recreated on the next pass."""
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    cloud_active.create.return_value = CLOUDHOOK_URL + "-2"
    cloud_active.on_cloudhook[-1](None)
    await hass.async_block_till_done()
    [subscription] = emulator.state.subscriptions.values()
    assert subscription.target_url == CLOUDHOOK_URL + "-2"
    assert entry.data[CONF_CLOUDHOOK_URL] == CLOUDHOOK_URL + "-2"
    await hass.config_entries.async_unload(entry.entry_id)


# -- removal ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_enabled", "endpoint", "fault"),
    [
        (True, "list_webhooks", {"status": 503}),
        (True, "delete_webhook", {"status": 502}),
        (True, "delete_webhook", {"drop": True, "count": 2}),
        (False, "list_rules", {"status": 503}),
        (False, "delete_rule", {"status": 500}),
        (False, "delete_rule", {"status": 429, "retry_after": 1}),
    ],
)
async def test_remove_retries_transient_failures(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    api_enabled: bool,
    endpoint: str,
    fault: dict[str, Any],
) -> None:
    """A failing removal step is retried; nothing is left at gridX."""
    emulator.state.webhooks_api_enabled = api_enabled
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    emulator.faults.add(endpoint, **fault)

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert emulator.state.subscriptions == {}
    assert emulator.state.rules == {}


# -- options ------------------------------------------------------------------------------


async def test_options_rules_failed_delete_is_restored(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """A failed rule deletion shows an error; the entry keeps its old rules."""
    emulator.state.webhooks_api_enabled = False
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    wanted = ["gateway/online"]

    emulator.faults.add("delete_rule", status=503)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EVENT_TYPES: options_of(wanted)}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    await hass.async_block_till_done()
    assert sorted(r.event_type for r in emulator.state.rules.values()) == sorted(
        FEW_TYPES
    )

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EVENT_TYPES: options_of(wanted)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert [r.event_type for r in emulator.state.rules.values()] == wanted
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(entry.entry_id)


async def test_options_failure_keeps_subscription(
    hass: HomeAssistant, emulator: GridxEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Every options step may fail; gridX keeps the saved event types."""
    caplog.set_level(logging.DEBUG)
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    [subscription] = emulator.state.subscriptions.values()
    for endpoint in ("list_webhooks", "update_webhook"):
        emulator.faults.add(endpoint, status=503)
        result = await hass.config_entries.options.async_init(entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_EVENT_TYPES: ["ev_plugged"]}
        )
        assert result["errors"] == {"base": "cannot_connect"}
        await hass.async_block_till_done()
        assert list(emulator.state.subscriptions) == [subscription.id]
        assert subscription.event_types == FEW_TYPES
        hass.config_entries.options.async_abort(result["flow_id"])
    await hass.config_entries.async_unload(entry.entry_id)


# -- the thin Nabu Casa access ----------------------------------------------------------


async def test_nabucasa_without_cloud(hass: HomeAssistant) -> None:
    """Without the cloud integration nothing is imported and nothing is active."""
    assert cloudhook.active(hass) is False
    assert cloudhook.connected(hass) is False
    assert await cloudhook.async_get_or_create_cloudhook(hass, WEBHOOK_ID) is None
    await cloudhook.async_delete_cloudhook(hass, WEBHOOK_ID)
    assert cloudhook.async_listen(hass, WEBHOOK_ID, print, print) == []


async def test_nabucasa_with_cloud(hass: HomeAssistant) -> None:
    """With cloud loaded, calls go to Home Assistant's real cloud helpers.

    The helpers that need a Nabu Casa account are patched, as core's own
    tests do; connection and cloudhook changes travel over the real
    dispatcher signals.
    """
    from homeassistant.components import cloud

    hass.config.components.add("cloud")
    with (
        patch.object(cloud, "async_active_subscription", return_value=True),
        patch.object(cloud, "async_is_connected", return_value=True),
        patch.object(
            cloud,
            "async_get_or_create_cloudhook",
            AsyncMock(side_effect=["https://c/1", cloud.CloudNotAvailable]),
        ),
        patch.object(
            cloud,
            "async_delete_cloudhook",
            AsyncMock(side_effect=cloud.CloudNotAvailable),
        ) as delete,
    ):
        assert cloudhook.active(hass) is True
        assert cloudhook.connected(hass) is True
        assert await cloudhook.async_get_or_create_cloudhook(hass, "w") == "https://c/1"
        assert await cloudhook.async_get_or_create_cloudhook(hass, "w") is None
        await cloudhook.async_delete_cloudhook(hass, "w")
        delete.assert_awaited_once_with(hass, "w")

    seen: list[Any] = []
    unsubs = cloudhook.async_listen(hass, "w", seen.append, seen.append)
    assert len(unsubs) == 2
    async_mock_cloud_connection_status(hass, True)
    async_mock_cloud_connection_status(hass, False)
    signal = cloud._SIGNAL_CLOUDHOOKS_UPDATED
    async_dispatcher_send(hass, signal, {"w": {"cloudhook_url": "https://c/2"}})
    async_dispatcher_send(hass, signal, {"other": {"cloudhook_url": "https://x"}})
    await hass.async_block_till_done()
    for unsub in unsubs:
        unsub()
    async_mock_cloud_connection_status(hass, True)
    await hass.async_block_till_done()
    assert seen == [True, False, "https://c/2", None]
