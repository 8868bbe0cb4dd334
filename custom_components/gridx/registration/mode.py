"""Push or poll-only: what an account may do decides how an entry runs.

An entry whose account may neither use the Webhook Subscription API nor
notification rules (gridX answers 403 to both; a portal login that may not
read ``GET /user`` cannot use either) runs *poll-only*: ``poll_only`` is
True in its data and the slow poll of gateways (connectivity) runs every
live cycle instead of every 15 minutes. Poll-only is a mode, not a fault:
a homeowner's portal login never gets push, so it raises no repair issue
(the "Updates" sensor and the options show the mode). Only an entry that
had push and lost it (``push_lost`` in its data) gets the repair issue
``push_unavailable``, until push comes back. Both the token and the portal flow create such an entry instead
of failing, and a running entry switches to it when its registration manager
meets 403 on both. The manager asks again at every setup and once a day:
when gridX allows push again the entry registers and leaves poll-only.
Every change of mode is logged once at info.
"""

from collections.abc import Callable, Coroutine, Mapping
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send

from ..api.client import GridxClient
from ..api.errors import GridxNotFoundError, GridxPermissionError
from ..const import (
    CONF_CLOUDHOOK_URL,
    CONF_POLL_ONLY,
    CONF_PUSH_LOST,
    CONF_RULE_IDS,
    CONF_SUBSCRIPTION_ID,
    CONF_WEBHOOK_URL,
    DOMAIN,
    ISSUE_PUSH_UNAVAILABLE,
    LOGGER,
    POLL_INTERVAL,
)
from ..live.coordinator import live_interval

# What "refused" means for a push API: 403 (no policy), and 404 (the API is
# not offered to this account; the facts do not say which one gridX sends,
# so both count).
REFUSED = (GridxPermissionError, GridxNotFoundError)


def signal_mode(entry_id: str) -> str:
    """Return the dispatcher signal sent when an entry's mode changed."""
    return f"{DOMAIN}_{entry_id}_mode"


def is_poll_only(entry: ConfigEntry) -> bool:
    """Return True for an entry that runs without push."""
    return bool(entry.data.get(CONF_POLL_ONLY))


def poll_interval(entry: ConfigEntry) -> timedelta:
    """Return how often the slow poll (connectivity) runs in the entry's mode."""
    return live_interval(entry) if is_poll_only(entry) else POLL_INTERVAL


def has_registration(data: Mapping[str, Any]) -> bool:
    """Return True when the entry may hold a registration at gridX."""
    return bool(
        data.get(CONF_WEBHOOK_URL)
        or data.get(CONF_CLOUDHOOK_URL)
        or data.get(CONF_SUBSCRIPTION_ID)
        or data.get(CONF_RULE_IDS)
    )


async def async_push_allowed(
    client: GridxClient, account_id: str | None, user_id: str | None
) -> bool:
    """Try the Webhook Subscription API, then notification rules.

    False when both are refused (or the ids from ``GET /user`` are unknown,
    which both paths need); other failures are raised.
    """
    if not account_id or not user_id:
        return False
    probes: tuple[Callable[[], Coroutine[Any, Any, object]], ...] = (
        lambda: client.list_webhooks(account_id),
        lambda: client.list_rules(account_id, user_id),
    )
    for probe in probes:
        try:
            await probe()
        except REFUSED:
            continue
        return True
    return False


def _issue_id(entry_id: str) -> str:
    """Return the id of an entry's ``push_unavailable`` issue."""
    return f"{ISSUE_PUSH_UNAVAILABLE}_{entry_id}"


@callback
def async_update_push_issue(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Raise or clear ``push_unavailable``; return True when it is raised.

    Raised only for an entry that lost the push it had; a poll-only entry
    that never had push has nothing to repair.
    """
    if not is_poll_only(entry) or not entry.data.get(CONF_PUSH_LOST):
        ir.async_delete_issue(hass, DOMAIN, _issue_id(entry.entry_id))
        return False
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(entry.entry_id),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_PUSH_UNAVAILABLE,
        translation_placeholders={"title": entry.title},
    )
    return True


@callback
def async_set_poll_only(
    hass: HomeAssistant, entry: ConfigEntry, poll_only: bool
) -> None:
    """Switch a running entry's mode: data, repair issue, poll interval, log.

    Nothing happens when the entry is already in that mode (or was removed).
    """
    if (
        hass.config_entries.async_get_entry(entry.entry_id) is not entry
        or is_poll_only(entry) == poll_only
    ):
        return
    data = {**entry.data, CONF_POLL_ONLY: poll_only}
    # Push that worked is lost (a repair issue); push back forgets the loss.
    data[CONF_PUSH_LOST] = poll_only
    hass.config_entries.async_update_entry(entry, data=data)
    if poll_only:
        # The title is an e-mail: logs name the entry by its id.
        LOGGER.info(
            "gridX refuses webhooks and notification rules to entry %s: it runs "
            "poll-only (no push events); push is tried again daily",
            entry.entry_id,
        )
    else:
        LOGGER.info(
            "gridX allows push to entry %s again: it leaves poll-only", entry.entry_id
        )
    async_update_push_issue(hass, entry)
    # The loaded entry's coordinator follows (`async_follow_mode`), as does
    # the Updates sensor.
    async_dispatcher_send(hass, signal_mode(entry.entry_id))


@callback
def async_remove_push_issue(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the issue of a removed entry."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(entry_id))
