"""Tests for portal entries at runtime: poll-only mode, refresh, reauth, removal."""

import logging

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridx.const import (
    CONF_EVENT_TYPES,
    CONF_POLL_ONLY,
    CONF_REFRESH_TOKEN,
    DOMAIN,
    ISSUE_PUSH_UNAVAILABLE,
)
from gridx_emulator import ALL_POLICIES, DemoIds, GridxEmulator
from gridx_emulator.auth0 import PortalUser

from .gridx_state import FakePoll
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
    """A poll-only entry polls with the portal bearer and raises push_unavailable."""
    caplog.set_level(logging.DEBUG, logger="custom_components.gridx")
    entry = await create_portal_entry(hass, emulator)

    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.registration is None
    issue = issue_registry.async_get_issue(DOMAIN, issue_id(entry))
    assert issue is not None
    assert issue.translation_key == ISSUE_PUSH_UNAVAILABLE
    assert issue.translation_placeholders == {"title": entry.title}
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
        assert secret not in caplog.text

    # Removal forgets the issue and asks gridX for nothing.
    calls = len(emulator.auth0.grants)
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry)) is None
    assert len(emulator.auth0.grants) == calls


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
