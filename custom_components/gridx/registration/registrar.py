"""The one owner of every change of a registration at gridX, and its lock.

`GridxRegistrar` registers (the Webhook Subscription API first,
notification rules as the fallback), re-registers or moves to another API or
method, updates the event types and deletes; the work itself is in
`changes` and `reconcile`. The config and options flows ask it; the running
entry's manager (`lifecycle`) runs each pass through it, and the removal
(`orphans`) deletes through it. No flow calls the REST client for the
registration, and none takes the lock.

Every change of an entry holds the entry's one lock (shared by every
registrar of that entry, loaded or not), reads the entry after the lock,
and hands its updates to the caller's ``commit`` while it still holds the
lock: gridX and the entry's data change together, no pass of the manager
runs in between. A new entry's registrar (the user step, before the entry
exists) locks only itself.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from ..api.client import GridxClient
from ..api.errors import GridxApiError
from ..api.resources import GridxUser
from ..const import (
    CONF_ACCOUNT_ID,
    CONF_EVENT_TYPES,
    CONF_PREVIOUS_URLS,
    CONF_REGISTRATION_METHOD,
    CONF_USER_ID,
    CONF_WEBHOOK_URL,
    DEFAULT_EVENT_TYPES,
    DOMAIN,
    LOGGER,
)
from ..token_source import entry_client
from . import cloudhook
from .changes import (
    Leftovers,
    async_move_portal,
    async_register,
    async_register_or_refused,
    async_reregister,
)
from .mode import is_poll_only
from .reconcile import RemoteRegistration, async_delete_remote
from .target import (
    RegistrationFailedError,
    WebhookTarget,
    WrongUserError,
    async_write_registration,
    other_rules_user,
)

__all__ = [
    "GridxRegistrar",
    "Leftovers",
    "RegistrationFailedError",
    "WrongUserError",
    "registrar_of",
]

_LOCKS: HassKey[dict[str, asyncio.Lock]] = HassKey(f"{DOMAIN}_registration_locks")

type Commit[T] = Callable[[dict[str, Any]], T]


class GridxRegistrar:
    """Every change of one entry's (or a new flow's) registration at gridX."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str | None = None,
        *,
        check_later: Callable[[], None] | None = None,
    ) -> None:
        """Own the registration of ``entry_id`` (None: a flow's new one).

        ``check_later`` asks the running manager to read gridX back soon.
        """
        self.hass = hass
        self._lock = (
            asyncio.Lock()
            if entry_id is None
            else hass.data.setdefault(_LOCKS, {}).setdefault(entry_id, asyncio.Lock())
        )
        self._check_later = check_later

    async def async_pass[T](self, run: Callable[[], Awaitable[T]]) -> T:
        """Run one pass of the running entry's manager, alone."""
        async with self._lock:
            return await run()

    async def async_register_new(
        self,
        client: GridxClient,
        user: GridxUser,
        target: WebhookTarget,
        method: str,
        event_types: list[str],
        leftovers: Leftovers,
    ) -> RemoteRegistration | None:
        """Register a new entry; None when gridX refuses both push APIs.

        A failed attempt may leave a registration behind (a create whose
        answer was lost): ``leftovers`` names it until an entry owns it.
        Raises RegistrationFailedError.
        """
        async with self._lock:
            leftovers.remember(
                client,
                {
                    CONF_ACCOUNT_ID: user.account_id,
                    CONF_USER_ID: user.id,
                    CONF_REGISTRATION_METHOD: method,
                    CONF_WEBHOOK_URL: target.url,
                },
            )
            registration = await async_register_or_refused(
                client, user, target, event_types, RemoteRegistration(method), []
            )
            # Registered (the entry owns it) or refused (nothing is left).
            leftovers.forget()
            return registration

    async def async_take_over[T](
        self, entry: ConfigEntry, user_id: str, commit: Callable[[], T]
    ) -> T:
        """Let a token of ``user_id`` take over the entry (reauth).

        Raises WrongUserError when the entry's rules are another user's.
        """
        async with self._lock:
            if other_rules_user(entry.data, user_id):
                raise WrongUserError
            return commit()

    async def async_reregister[T](
        self,
        entry: ConfigEntry,
        client: GridxClient,
        user: GridxUser,
        method: str,
        leftovers: Leftovers,
        commit: Commit[T],
    ) -> T:
        """Register a reconfigured token entry at ``client``'s API, then commit.

        See `changes.async_reregister`; its failures are raised.
        """
        async with self._lock:
            return commit(
                await async_reregister(
                    self.hass, entry, client, user, method, leftovers
                )
            )

    async def async_move_portal[T](
        self,
        entry: ConfigEntry,
        client: GridxClient,
        user: GridxUser | None,
        push: bool,
        leftovers: Leftovers,
        commit: Commit[T],
    ) -> T:
        """Move a portal entry to ``client``'s API, then commit.

        See `changes.async_move_portal`; its failures are raised.
        """
        async with self._lock:
            return commit(
                await async_move_portal(self.hass, entry, client, user, push, leftovers)
            )

    async def async_update_event_types(
        self, entry: ConfigEntry, event_types: list[str]
    ) -> None:
        """Diff the entry's registration at gridX to ``event_types``.

        Without a registered URL (none was available yet) or poll-only
        there is nothing to update: the running manager registers once it
        has a URL. After a failure gridX is read back and brought back to
        the saved event types (it may have applied a change whose answer
        was lost), the running manager looks again a minute later, and
        RegistrationFailedError is raised.
        """
        async with self._lock:
            # Poll-only: the types are kept for when push comes back.
            if is_poll_only(entry) or not (url := entry.data.get(CONF_WEBHOOK_URL)):
                return
            try:
                result = await self._async_update(entry, url, event_types)
            except RegistrationFailedError:
                saved = entry.options.get(CONF_EVENT_TYPES, DEFAULT_EVENT_TYPES)
                try:
                    restored = await self._async_update(entry, url, list(saved))
                except RegistrationFailedError:
                    pass
                else:
                    async_write_registration(self.hass, entry, restored.as_entry_data())
                if self._check_later is not None:
                    self._check_later()
                raise
            async_write_registration(self.hass, entry, result.as_entry_data())

    async def _async_update(
        self, entry: ConfigEntry, url: str, event_types: list[str]
    ) -> RemoteRegistration:
        """Reconcile the entry's registration to ``event_types``."""
        data = entry.data
        return await async_register(
            entry_client(self.hass, entry),
            GridxUser(id=data[CONF_USER_ID], account_id=data[CONF_ACCOUNT_ID]),
            WebhookTarget(url),
            event_types,
            RemoteRegistration.from_entry_data(data),
            list(data.get(CONF_PREVIOUS_URLS, ())),
        )

    async def async_delete(self, client: GridxClient, data: Mapping[str, Any]) -> None:
        """Delete what ``data`` names at gridX (by id or by one of its URLs).

        For what no running entry owns any more (a removed entry); raises
        GridxApiError.
        """
        await async_delete_remote(client, data)

    async def async_discard(
        self, leftovers: Leftovers, cloudhook_of: str | None
    ) -> None:
        """Delete what an unfinished flow may have left at gridX; never raises.

        ``cloudhook_of`` is the webhook id of a cloudhook the flow created.
        """
        if leftovers.client is not None and leftovers.data is not None:
            try:
                await async_delete_remote(leftovers.client, leftovers.data)
            except GridxApiError as err:
                LOGGER.warning(
                    "Could not delete what the cancelled gridX setup registered: %s",
                    err,
                )
        if cloudhook_of is not None:
            await cloudhook.async_delete_cloudhook(self.hass, cloudhook_of)


def registrar_of(hass: HomeAssistant, entry: ConfigEntry) -> GridxRegistrar:
    """Return the owner of the entry's registration: the running one if loaded.

    A flow reaches a loaded entry's registrar through its runtime data (the
    entry's `lifecycle.GridxRegistration` made it; its manager then reads
    gridX back after a failed change). An entry that is not loaded gets a
    registrar of its own, which shares the entry's lock.
    """
    runtime = getattr(entry, "runtime_data", None)
    registration = None if runtime is None else runtime.registration
    if entry.state is ConfigEntryState.LOADED and registration is not None:
        registrar: GridxRegistrar = registration.registrar
        return registrar
    return GridxRegistrar(hass, entry.entry_id)
