"""The changes `GridxRegistrar` makes at gridX, each under its lock.

Register (the Webhook Subscription API first, notification rules as the
fallback, `reconcile`), re-register a reconfigured token entry, move a
portal entry to another API, and delete what a move or a method switch
replaced. Each returns the entry updates it owes; the registrar calls it
with the entry's lock held and hands the updates to the flow's commit.

Failures are raised: `WebhookUrlError` (no URL gridX can post to),
`WrongUserError` (rules of another user) and `RegistrationFailedError`
(the call to gridX failed; ``error`` is its exception).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..api.client import DEFAULT_BASE_URL, GridxClient
from ..api.errors import GridxApiError, GridxPermissionError
from ..api.resources import GridxUser
from ..const import (
    CONF_ACCOUNT_ID,
    CONF_API_BASE,
    CONF_CLOUDHOOK_URL,
    CONF_EVENT_TYPES,
    CONF_POLL_ONLY,
    CONF_PREVIOUS_URLS,
    CONF_REGISTRATION_METHOD,
    CONF_RULE_IDS,
    CONF_SUBSCRIPTION_ID,
    CONF_USER_ID,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_URL,
    DEFAULT_EVENT_TYPES,
    LOGGER,
    METHOD_AUTOMATIC,
    METHOD_RULES,
    METHOD_SUBSCRIPTION,
)
from ..token_source import entry_client
from .mode import async_push_allowed, has_registration
from .reconcile import RemoteRegistration, async_delete_remote, async_reconcile
from .target import (
    RegistrationFailedError,
    WebhookTarget,
    WrongUserError,
    async_resolve_webhook_url,
    other_rules_user,
    previous_urls_after,
)


@dataclass(slots=True)
class Leftovers:
    """What a flow's attempt may have left at gridX that no entry owns yet.

    ``data`` names URLs only this flow used (its own webhook id), so
    whatever targets them is the flow's. One attempt is kept: the latest.
    """

    client: GridxClient | None = None
    data: Mapping[str, Any] | None = None

    def remember(self, client: GridxClient, data: Mapping[str, Any]) -> None:
        """Note what the attempt about to start may leave (with its client)."""
        self.client = client
        self.data = data

    def forget(self, api_base: str | None = None) -> None:
        """Forget it: an entry owns it, or nothing can be left there.

        With ``api_base`` only what is at that API: an earlier attempt at
        another API (whose create answer was lost) is still deleted.
        """
        if api_base is None or (
            self.client is not None and self.client.base_url == api_base
        ):
            self.client = self.data = None


def event_types_of(entry: ConfigEntry) -> list[str]:
    """Return the entry's event types (a poll-only portal entry has none)."""
    return list(entry.options.get(CONF_EVENT_TYPES) or DEFAULT_EVENT_TYPES)


async def async_register(
    client: GridxClient,
    user: GridxUser,
    target: WebhookTarget,
    event_types: list[str],
    current: RemoteRegistration,
    previous_urls: list[str],
) -> RemoteRegistration:
    """Reconcile the registration at gridX; raise RegistrationFailedError."""
    try:
        return await async_reconcile(
            client,
            account_id=user.account_id,
            user_id=user.id,
            url=target.url,
            event_types=event_types,
            current=current,
            previous_urls=previous_urls,
        )
    except Exception as err:
        raise RegistrationFailedError(err) from err


async def async_register_or_refused(
    client: GridxClient,
    user: GridxUser,
    target: WebhookTarget,
    event_types: list[str],
    current: RemoteRegistration,
    previous_urls: list[str],
) -> RemoteRegistration | None:
    """Register; None when gridX refuses webhooks and rules (403 on both).

    After a 403 both push APIs are asked; when that is not known, the
    failure stands.
    """
    try:
        return await async_register(
            client, user, target, event_types, current, previous_urls
        )
    except RegistrationFailedError as err:
        if not isinstance(err.error, GridxPermissionError):
            raise
        try:
            allowed = await async_push_allowed(client, user.account_id, user.id)
        except GridxApiError:
            allowed = True
        if allowed:
            raise
        return None


async def async_reregister(
    hass: HomeAssistant,
    entry: ConfigEntry,
    client: GridxClient,
    user: GridxUser,
    method: str,
    leftovers: Leftovers,
) -> dict[str, Any]:
    """Register a reconfigured token entry at ``client``'s API; its updates.

    A new API base or a newly chosen method starts over (the secrets are
    kept): the registration is made at the new API (or with the new
    method) first, then the old one is deleted. Both APIs refused (403):
    the entry goes on poll-only. ``automatic`` keeps what works.
    """
    data = entry.data
    api_base = client.base_url
    old_base: str = data.get(CONF_API_BASE, DEFAULT_BASE_URL)
    moved = api_base != old_base
    stored = data.get(CONF_REGISTRATION_METHOD, METHOD_AUTOMATIC)
    switched = method not in (METHOD_AUTOMATIC, stored)
    if not moved and other_rules_user(data, user.id):
        raise WrongUserError
    target = await async_resolve_webhook_url(
        hass,
        data[CONF_WEBHOOK_ID],
        api_base,
        cloudhook_url=data.get(CONF_CLOUDHOOK_URL),
    )
    current = RemoteRegistration.from_entry_data(data)
    if moved or switched:
        current = RemoteRegistration(method, secrets=current.secrets)
        # What a failed attempt left behind goes if the flow ends.
        leftovers.remember(
            client,
            {
                CONF_ACCOUNT_ID: user.account_id,
                CONF_USER_ID: user.id,
                CONF_REGISTRATION_METHOD: method,
                # At the same API the target is ours already: by ids only.
                **({CONF_WEBHOOK_URL: target.url} if moved else {}),
            },
        )
    previous = [] if moved else previous_urls_after(data, target.url)
    registration = await async_register_or_refused(
        client, user, target, event_types_of(entry), current, previous
    )
    # Registered: the entry owns what is there; refused: nothing is left there.
    leftovers.forget(api_base)
    updates: dict[str, Any] = {
        CONF_API_BASE: api_base,
        CONF_ACCOUNT_ID: user.account_id,
        CONF_USER_ID: user.id,
    }
    if registration is None:
        updates[CONF_POLL_ONLY] = True
    else:
        updates |= {
            **registration.as_entry_data(),
            CONF_POLL_ONLY: False,
            CONF_WEBHOOK_URL: target.url,
            CONF_PREVIOUS_URLS: previous,
        }
        if target.cloudhook_url is not None:
            updates[CONF_CLOUDHOOK_URL] = target.cloudhook_url
    if moved or switched:
        await _async_delete_old(hass, data, stored, old_base, moved)
        if updates.get(CONF_POLL_ONLY):
            # Nothing is registered any more: forget the old ids.
            updates |= {
                **RemoteRegistration(method, secrets=current.secrets).as_entry_data(),
                CONF_WEBHOOK_URL: None,
                CONF_PREVIOUS_URLS: [],
            }
    return updates


async def _async_delete_old(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    stored: str,
    old_base: str,
    moved: bool,
) -> None:
    """Delete the registration a move or a method switch replaced.

    At the old API everything of ours goes (by id and URL); with the
    same API only the old method's ids (the URL is the new one's too).
    """
    old: dict[str, Any] = dict(data)
    if not moved:
        old = {
            CONF_ACCOUNT_ID: data[CONF_ACCOUNT_ID],
            CONF_USER_ID: data[CONF_USER_ID],
            CONF_REGISTRATION_METHOD: stored,
            CONF_SUBSCRIPTION_ID: data.get(CONF_SUBSCRIPTION_ID)
            if stored != METHOD_RULES
            else None,
            CONF_RULE_IDS: data.get(CONF_RULE_IDS, [])
            if stored != METHOD_SUBSCRIPTION
            else [],
        }
    client = GridxClient(
        data[CONF_API_TOKEN], async_get_clientsession(hass), base_url=old_base
    )
    try:
        await async_delete_remote(client, old)
    except GridxApiError as err:
        LOGGER.warning(
            "Could not delete the replaced registration at %s: %s", old_base, err
        )


async def async_move_portal(
    hass: HomeAssistant,
    entry: ConfigEntry,
    client: GridxClient,
    user: GridxUser | None,
    push: bool,
    leftovers: Leftovers,
) -> dict[str, Any]:
    """Move a portal entry's registration to ``client``'s API; its updates.

    The login probed push at the new API: with push the registration is
    made there first (poll-only entries leave that mode); without, the
    entry goes on poll-only. Then what the entry held at the old API is
    deleted with its own session.
    """
    data = entry.data
    secrets = RemoteRegistration.from_entry_data(data).secrets
    updates: dict[str, Any] = {
        **RemoteRegistration(METHOD_AUTOMATIC, secrets=secrets).as_entry_data(),
        CONF_POLL_ONLY: True,
        CONF_WEBHOOK_URL: None,
        CONF_PREVIOUS_URLS: [],
    }
    if push and user is not None:
        target = await async_resolve_webhook_url(
            hass,
            data[CONF_WEBHOOK_ID],
            client.base_url,
            cloudhook_url=data.get(CONF_CLOUDHOOK_URL),
        )
        leftovers.remember(
            client,
            {
                CONF_ACCOUNT_ID: user.account_id,
                CONF_USER_ID: user.id,
                CONF_WEBHOOK_URL: target.url,
            },
        )
        registration = await async_register(
            client,
            user,
            target,
            event_types_of(entry),
            RemoteRegistration(METHOD_AUTOMATIC, secrets=secrets),
            [],
        )
        leftovers.forget()  # the entry now owns it
        updates |= {
            **registration.as_entry_data(),
            CONF_POLL_ONLY: False,
            CONF_WEBHOOK_URL: target.url,
        }
        if target.cloudhook_url is not None:
            updates[CONF_CLOUDHOOK_URL] = target.cloudhook_url
    if has_registration(data):
        try:
            await async_delete_remote(entry_client(hass, entry), data)
        except GridxApiError as err:
            LOGGER.warning(
                "Could not delete the registration at the previous API %s: %s",
                data[CONF_API_BASE],
                err,
            )
    return updates
