"""Tests for portal entries at runtime: poll-only mode, refresh, reauth, removal."""

from datetime import timedelta
import logging
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
)
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridx.const import (
    CONF_ACCOUNT_ID,
    CONF_ADVANCED,
    CONF_API_BASE,
    CONF_AUTH_BASE,
    CONF_CLOUDHOOK_URL,
    CONF_EVENT_TYPES,
    CONF_POLL_ONLY,
    CONF_REFRESH_TOKEN,
    CONF_SUBSCRIPTION_ID,
    CONF_USER_ID,
    DEFAULT_EVENT_TYPES,
    DOMAIN,
    ISSUE_PUSH_UNAVAILABLE,
)
from gridx_emulator import ALL_POLICIES, DemoIds, GridxEmulator
from gridx_emulator.auth0 import PortalUser, portal_policies

from .gridx_state import FakePoll
from .test_config_flow import (
    CLOUDHOOK_URL,
    CloudMock,
    cloud_active,  # noqa: F401 - a fixture
    second_emulator,  # noqa: F401 - a fixture
)
from .test_config_flow_portal import (
    EMAIL,
    PASSWORD,
    create_portal_entry,
    ha_client,  # noqa: F401 - a fixture
    portal_input,
    start_portal,
)


@pytest.fixture
def poll() -> FakePoll | None:
    """Poll the emulator for real."""
    return None


@pytest.fixture
def owner(emulator: GridxEmulator, demo_ids: DemoIds) -> PortalUser:
    """Return a homeowner login of the demo user (no push policies)."""
    return emulator.auth0.add_user(EMAIL, PASSWORD, user_id=demo_ids.user_id)


def grant_types(emulator: GridxEmulator) -> list[str]:
    """Return the grant types the emulator's Auth0 received, in order."""
    return [
        "password" if g["grant_type"].endswith("password-realm") else g["grant_type"]
        for g in emulator.auth0.grants
    ]


async def create_push_portal_entry(
    hass: HomeAssistant, emulator: GridxEmulator, event_types: list[str]
) -> ConfigEntry:
    """Set up a portal entry with push registered for ``event_types``.

    Setup subscribes to every event type (the options untick some);
    ``event_types`` stands in for that choice.
    """
    with patch(
        "custom_components.gridx.flow.base.DEFAULT_EVENT_TYPES", tuple(event_types)
    ):
        result = await start_portal(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], portal_input(emulator)
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].options == {CONF_EVENT_TYPES: event_types}
    return result["result"]


def updates_entity_id(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """Return the entity id of the entry's Updates sensor."""
    found = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.unique_id}_account_updates"
    )
    assert found is not None
    return found


def issue_id(entry: ConfigEntry) -> str:
    """Return the entry's push_unavailable issue id."""
    return f"{ISSUE_PUSH_UNAVAILABLE}_{entry.entry_id}"


@pytest.mark.usefixtures("poll")
async def test_poll_only_setup(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    owner: PortalUser,
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A poll-only entry polls with the portal bearer; no repair issue, "Polling"."""
    caplog.set_level(logging.DEBUG, logger="custom_components.gridx")
    entry = await create_portal_entry(hass, emulator)

    assert entry.state is ConfigEntryState.LOADED
    # The manager asked gridX at setup whether push is allowed (it is not).
    assert entry.runtime_data.registration is not None
    assert entry.data[CONF_POLL_ONLY] is True
    # Connectivity is polled every live cycle instead of every 15 minutes.
    assert entry.runtime_data.coordinator.update_interval == timedelta(seconds=60)
    # A homeowner's login never had push: a mode, not a fault.
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry)) is None
    assert [key for key in issue_registry.issues if key[0] == DOMAIN] == []
    updates = hass.states.get(updates_entity_id(hass, entry))
    assert updates is not None
    assert updates.state == "polling"
    assert updates.attributes["options"] == ["push", "polling"]
    assert emulator.state.subscriptions == {}
    assert emulator.state.rules == {}
    # The poll saw the demo gateway through the portal login.
    assert [g.id for g in entry.runtime_data.coordinator.data.gateways] == [
        demo_ids.gateway_id
    ]
    # The flow logged in; the setup's session refreshes (no second login).
    assert grant_types(emulator) == ["password", "refresh_token"]

    # The bearer expires: the next poll refreshes, the rotation is stored.
    old = entry.data[CONF_REFRESH_TOKEN]
    emulator.auth0.expire_bearers()
    await entry.runtime_data.coordinator.async_refresh()
    assert entry.runtime_data.coordinator.last_update_success
    assert entry.data[CONF_REFRESH_TOKEN] != old
    assert emulator.auth0.refresh_tokens_of(owner) == [entry.data[CONF_REFRESH_TOKEN]]
    assert grant_types(emulator) == ["password", "refresh_token", "refresh_token"]

    # Diagnostics and the log never show the password or a token.
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    for secret in (PASSWORD, EMAIL, entry.data[CONF_REFRESH_TOKEN], old):
        assert secret not in str(diagnostics)
    for secret in (PASSWORD, entry.data[CONF_REFRESH_TOKEN], old):
        assert secret not in caplog.text
    # The integration's own lines never name the e-mail, nor Home
    # Assistant's, which print the entry's (masked) title.
    ours = [r for r in caplog.records if r.name.startswith("custom_components.gridx")]
    assert ours
    assert entry.title == "E.ON Home Manager (ow…@example.invalid)"
    assert EMAIL not in caplog.text

    # Removal forgets the issue and asks gridX for nothing.
    calls = len(emulator.auth0.grants)
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry)) is None
    assert len(emulator.auth0.grants) == calls


@pytest.mark.usefixtures("poll", "owner")
async def test_full_address_title_is_masked_at_setup(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """An earlier version's title, the full e-mail, is masked; a chosen one stays."""
    entry = await create_portal_entry(hass, emulator)
    hass.config_entries.async_update_entry(entry, title=f"{EMAIL} (E.ON Home Manager)")
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert entry.title == "E.ON Home Manager (ow…@example.invalid)"

    hass.config_entries.async_update_entry(entry, title=f"{EMAIL} at home")
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert entry.title == f"{EMAIL} at home"


@pytest.mark.usefixtures("poll")
async def test_stale_write_of_spent_refresh_token_is_undone(
    hass: HomeAssistant, emulator: GridxEmulator, owner: PortalUser
) -> None:
    """A write from an old snapshot cannot bring back a spent refresh token."""
    result = await start_portal(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], portal_input(emulator)
    )
    spent = result["data"][CONF_REFRESH_TOKEN]
    entry = result["result"]
    await hass.async_block_till_done()
    live = entry.data[CONF_REFRESH_TOKEN]
    assert live != spent  # the setup's session refreshed and rotated

    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_REFRESH_TOKEN: spent, "other": 1}
    )
    assert entry.data[CONF_REFRESH_TOKEN] == live
    assert entry.data["other"] == 1
    # A token it never had (e.g. from a reauth) is left alone.
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_REFRESH_TOKEN: "from-reauth"}
    )
    assert entry.data[CONF_REFRESH_TOKEN] == "from-reauth"


@pytest.mark.usefixtures("poll")
async def test_revoked_refresh_token_starts_reauth(
    hass: HomeAssistant, emulator: GridxEmulator, owner: PortalUser
) -> None:
    """A changed password revokes the refresh token: reauth, nothing hammered."""
    entry = await create_portal_entry(hass, emulator)
    emulator.auth0.set_password(owner, "changed")
    emulator.auth0.expire_bearers()

    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["step_id"] == "reauth_portal"
    # Refresh refused (revoked), then one password login, refused.
    expected = ["password", "refresh_token", "refresh_token", "password"]
    assert grant_types(emulator) == expected
    # The refused password is not tried again by the next poll.
    await entry.runtime_data.coordinator.async_refresh()
    assert grant_types(emulator) == expected

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: "changed"}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_PASSWORD] == "changed"


@pytest.mark.usefixtures("poll", "ha_client")
async def test_push_portal_entry_options_and_removal(
    hass: HomeAssistant, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """A portal account with webhook rights registers, lends its client, cleans up."""
    emulator.auth0.add_user(
        EMAIL, PASSWORD, user_id=demo_ids.user_id, policies=ALL_POLICIES
    )
    result = await start_portal(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], portal_input(emulator)
    )
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_POLL_ONLY] is False
    [subscription] = emulator.state.subscriptions.values()

    # The options flow uses the running session: no new login.
    grants = len(emulator.auth0.grants)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EVENT_TYPES: ["gateway_online", "gateway_offline"]}
    )
    await hass.async_block_till_done()
    assert subscription.event_types == ["gateway/online", "gateway/offline"]
    # The reload after the options change refreshes: no spent token replayed.
    assert grant_types(emulator)[grants:] == ["refresh_token"]

    # Removal deletes the subscription with a session from the stored data.
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert emulator.state.subscriptions == {}


@pytest.mark.usefixtures("poll", "ha_client")
async def test_reconfigure_push_portal_entry_moves_registration(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    second_emulator: GridxEmulator,  # noqa: F811 - a fixture
    demo_ids: DemoIds,
) -> None:
    """Another API base: registered there, deleted at the old one."""
    for emu in (emulator, second_emulator):
        emu.auth0.add_user(
            EMAIL, PASSWORD, user_id=demo_ids.user_id, policies=ALL_POLICIES
        )
    entry = await create_push_portal_entry(hass, emulator, ["gateway/online"])
    await hass.async_block_till_done()
    assert len(emulator.state.subscriptions) == 1

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: EMAIL,
            CONF_PASSWORD: PASSWORD,
            CONF_ADVANCED: {
                CONF_API_BASE: second_emulator.base_url,
                CONF_AUTH_BASE: second_emulator.base_url,
            },
        },
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert emulator.state.subscriptions == {}
    [subscription] = second_emulator.state.subscriptions.values()
    assert entry.data[CONF_SUBSCRIPTION_ID] == subscription.id
    assert entry.data[CONF_API_BASE] == second_emulator.base_url
    assert entry.data[CONF_POLL_ONLY] is False
    assert subscription.event_types == ["gateway/online"]
    # The stored refresh token is the live one of the new login.
    owner = second_emulator.auth0.user(EMAIL)
    assert entry.data[CONF_REFRESH_TOKEN] in second_emulator.auth0.refresh_tokens_of(
        owner
    )


@pytest.mark.usefixtures("poll", "ha_client")
async def test_reconfigure_portal_entry_to_api_without_push(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    second_emulator: GridxEmulator,  # noqa: F811 - a fixture
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A push portal entry moved to an API that refuses push goes poll-only."""
    emulator.auth0.add_user(
        EMAIL, PASSWORD, user_id=demo_ids.user_id, policies=ALL_POLICIES
    )
    second_emulator.auth0.add_user(EMAIL, PASSWORD, user_id=demo_ids.user_id)
    entry = await create_push_portal_entry(hass, emulator, ["gateway/online"])
    await hass.async_block_till_done()
    # The old API fails the clean-up: logged, the move still happens.
    emulator.faults.add("list_webhooks", status=503)

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: EMAIL,
            CONF_PASSWORD: PASSWORD,
            CONF_ADVANCED: {
                CONF_API_BASE: second_emulator.base_url,
                CONF_AUTH_BASE: second_emulator.base_url,
            },
        },
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_POLL_ONLY] is True
    assert entry.data[CONF_SUBSCRIPTION_ID] is None
    assert second_emulator.state.subscriptions == {}
    # The user moved to a login without push: a choice, not a loss.
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry)) is None


def move_input(emulator: GridxEmulator) -> dict[str, Any]:
    """Return the portal reconfigure input that moves to ``emulator``."""
    return {
        CONF_EMAIL: EMAIL,
        CONF_PASSWORD: PASSWORD,
        CONF_ADVANCED: {
            CONF_API_BASE: emulator.base_url,
            CONF_AUTH_BASE: emulator.base_url,
        },
    }


@pytest.mark.usefixtures("poll", "ha_client")
async def test_reconfigure_poll_only_portal_entry_to_api_with_push(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    second_emulator: GridxEmulator,  # noqa: F811 - a fixture
    owner: PortalUser,
    demo_ids: DemoIds,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A poll-only entry moved to an API with push registers there."""
    entry = await create_portal_entry(hass, emulator)
    assert entry.data[CONF_POLL_ONLY] is True
    second_emulator.auth0.add_user(
        EMAIL, PASSWORD, user_id=demo_ids.user_id, policies=ALL_POLICIES
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    flow_id = result["flow_id"]

    # gridX could not reach Home Assistant: said so, nothing changes.
    external_url = hass.config.external_url
    await hass.config.async_update(external_url=None)
    result = await hass.config_entries.flow.async_configure(
        flow_id, move_input(second_emulator)
    )
    assert result["errors"] == {"base": "no_url"}
    await hass.config.async_update(external_url=external_url)
    # The new API fails to register: said so, nothing left there.
    second_emulator.faults.add("create_webhook", status=503)
    result = await hass.config_entries.flow.async_configure(
        flow_id, move_input(second_emulator)
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert second_emulator.state.subscriptions == {}
    assert entry.data[CONF_API_BASE] == emulator.base_url

    result = await hass.config_entries.flow.async_configure(
        flow_id, move_input(second_emulator)
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    [subscription] = second_emulator.state.subscriptions.values()
    assert entry.data[CONF_SUBSCRIPTION_ID] == subscription.id
    assert entry.data[CONF_POLL_ONLY] is False
    # Made without event types, it subscribes to the defaults.
    assert subscription.event_types == list(DEFAULT_EVENT_TYPES)
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry)) is None
    assert entry.runtime_data.coordinator.update_interval == timedelta(minutes=15)


@pytest.mark.usefixtures("poll", "ha_client")
async def test_reconfigure_push_portal_entry_with_cloudhook(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    second_emulator: GridxEmulator,  # noqa: F811 - a fixture
    demo_ids: DemoIds,
    cloud_active: CloudMock,  # noqa: F811 - a fixture
) -> None:
    """With Nabu Casa the moved registration targets the cloudhook."""
    for emu in (emulator, second_emulator):
        emu.auth0.add_user(
            EMAIL, PASSWORD, user_id=demo_ids.user_id, policies=ALL_POLICIES
        )
    second_emulator.faults.add("ping_webhook", status=404, count=100)
    entry = await create_push_portal_entry(hass, emulator, ["gateway/online"])
    await hass.async_block_till_done()

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], move_input(second_emulator)
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert emulator.state.subscriptions == {}
    [subscription] = second_emulator.state.subscriptions.values()
    assert subscription.target_url == CLOUDHOOK_URL
    assert entry.data[CONF_CLOUDHOOK_URL] == CLOUDHOOK_URL


@pytest.mark.usefixtures("poll", "ha_client")
async def test_push_back_for_login_without_read_user(
    hass: HomeAssistant,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A login that could not read /user asks for it at each check."""
    user = emulator.auth0.add_user(
        EMAIL,
        PASSWORD,
        user_id=demo_ids.user_id,
        policies=portal_policies(read_user=False),
    )
    entry = await create_portal_entry(hass, emulator)
    assert entry.data[CONF_POLL_ONLY] is True
    assert CONF_ACCOUNT_ID not in entry.data

    # The account gets every policy: the daily check reads the ids and registers.
    user.policies = set(ALL_POLICIES)
    freezer.tick(timedelta(days=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert entry.data[CONF_ACCOUNT_ID] == demo_ids.account_id
    assert entry.data[CONF_USER_ID] == demo_ids.user_id
    assert entry.data[CONF_POLL_ONLY] is False
    [subscription] = emulator.state.subscriptions.values()
    assert entry.data[CONF_SUBSCRIPTION_ID] == subscription.id
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry)) is None
