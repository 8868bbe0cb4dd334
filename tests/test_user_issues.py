"""Repair issues for what gridX says the user must do (issue 11, item 11)."""

from collections.abc import Generator
from typing import Any
import uuid

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridx.const import DOMAIN
from custom_components.gridx.push.user_issues import (
    MAX_TEXT,
    charge_failed_issue_id,
    system_action_issue_id,
)

from .conftest import PostWebhook, load_event
from .gridx_state import ASSET_ID, FakePoll, patch_poll

ACTION_ID = "7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8"


@pytest.fixture(autouse=True)
def poll() -> Generator[FakePoll]:
    """An empty poll."""
    with patch_poll() as poll:
        yield poll


def fixture(name: str, **data: Any) -> dict[str, Any]:
    """Return an event fixture with a fresh id and ``data`` merged in."""
    event = load_event(name)
    event["id"] = str(uuid.uuid4())
    event["data"].update(data)
    return event


def action(status: str = "OPEN", agent: str = "User", **data: Any) -> dict[str, Any]:
    """Return a ``system/action`` event."""
    event = fixture("system_action.json", status=status, **data)
    event["data"]["resolution"]["agent"] = agent
    return event


def failed(kind: str = "START", reason: str = "NO_RESPONSE") -> dict[str, Any]:
    """Return an ``ev/charge-failed`` event of the fixtures' EV."""
    return fixture(
        "ev_charge_failed.json",
        kind=kind,
        failureReason={"type": reason, "detail": "Vehicle did not respond"},
    )


def user_issues(issue_registry: ir.IssueRegistry) -> set[str]:
    """Return the ids of the open user issues of gridX."""
    return {
        issue_id
        for domain, issue_id in issue_registry.issues
        if domain == DOMAIN and issue_id.startswith(("system_action", "charge_"))
    }


async def test_system_action_raised_and_solved(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    issue_registry: ir.IssueRegistry,
) -> None:
    """An open action for the user is an issue until gridX reports it solved."""
    issue_id = system_action_issue_id(init_integration.entry_id, ACTION_ID)
    assert (await post_webhook(action())).status == 204
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "system_action"
    assert issue.is_persistent
    assert not issue.is_fixable
    assert issue.severity is ir.IssueSeverity.WARNING
    placeholders = issue.translation_placeholders or {}
    assert placeholders["manufacturer"] == "Audi"
    assert placeholders["title"] == "Accept the Audi terms and conditions"
    assert (
        placeholders["description"] == "Open the **myAudi app** and accept the terms."
    )
    assert placeholders["name"]  # the EV's device, else the entry's title

    # The same id, solved: the issue is gone.
    assert (await post_webhook(action(status="SOLVED"))).status == 204
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_system_action_of_a_third_party_is_no_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    issue_registry: ir.IssueRegistry,
) -> None:
    """What a third party must do is not the user's: no issue."""
    assert (await post_webhook(action(agent="ThirdParty"))).status == 204
    assert user_issues(issue_registry) == set()


async def test_system_action_long_text_is_cut(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The texts of gridX are shown, but cut when long: a repair is no manual."""
    event = action()
    event["data"]["resolution"]["description"] = "x" * 5000
    assert (await post_webhook(event)).status == 204
    issue = issue_registry.async_get_issue(
        DOMAIN, system_action_issue_id(init_integration.entry_id, ACTION_ID)
    )
    assert issue is not None
    description = (issue.translation_placeholders or {})["description"]
    assert len(description) == MAX_TEXT
    assert description.endswith("…")


@pytest.mark.parametrize(
    ("kind", "resolving"),
    [
        ("START", "ev_charge_started.json"),
        ("STOP", "ev_charge_stopped.json"),
        ("START", "ev_unplugged.json"),
        ("STOP", "ev_unplugged.json"),
        ("START", "ev_measurement.json"),
    ],
)
async def test_charge_failed_until_a_later_success(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    issue_registry: ir.IssueRegistry,
    kind: str,
    resolving: str,
) -> None:
    """A failed command is an issue until the EV does what was asked, or leaves."""
    issue_id = charge_failed_issue_id(init_integration.entry_id, ASSET_ID, kind)
    assert (await post_webhook(failed(kind))).status == 204
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == f"charge_{kind.lower()}_failed"
    assert issue.is_persistent
    assert (issue.translation_placeholders or {})["reason"] == "Vehicle did not respond"
    # An unrelated EV event resolves nothing.
    assert (await post_webhook(fixture("ev_plugged.json"))).status == 204
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert (await post_webhook(fixture(resolving))).status == 204
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_measurement_that_stopped_resolves_a_failed_stop(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A measurement of a stopped EV resolves a failed stop, not a failed start."""
    entry_id = init_integration.entry_id
    for kind in ("START", "STOP"):
        assert (await post_webhook(failed(kind))).status == 204
    stopped = fixture("ev_measurement.json", chargeState="STOPPED", chargePower=0)
    assert (await post_webhook(stopped)).status == 204
    assert user_issues(issue_registry) == {
        charge_failed_issue_id(entry_id, ASSET_ID, "START")
    }


@pytest.mark.parametrize("reason", ["CONFLICT", "REQUESTED_CANCELLATION"])
async def test_charge_failed_that_needs_nobody(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    issue_registry: ir.IssueRegistry,
    reason: str,
) -> None:
    """A conflicting or cancelled command needs nothing from the user."""
    assert (await post_webhook(failed(reason=reason))).status == 204
    assert user_issues(issue_registry) == set()


async def test_issues_removed_with_the_entry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Removing the entry deletes its user issues."""
    assert (await post_webhook(action())).status == 204
    assert (await post_webhook(failed())).status == 204
    assert len(user_issues(issue_registry)) == 2
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert user_issues(issue_registry) == set()


async def test_unknown_command_kind_is_no_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post_webhook: PostWebhook,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A failure of a command kind gridX does not document raises nothing."""
    assert (await post_webhook(failed(kind="PAUSE"))).status == 204
    assert user_issues(issue_registry) == set()
