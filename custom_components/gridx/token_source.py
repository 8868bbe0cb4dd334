"""The portal login at runtime: an entry's token source.

A portal entry (``auth_type: portal``) keeps the portal, e-mail, password,
Auth0 base and the current refresh token in its data; `token_source` builds
the `PortalSession` of a setup, which writes every rotated refresh token back
into the entry at once (the old one is never sent again). Whether an entry
runs with push or poll-only is `registration.mode`'s job.
"""

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigEntryState,
)
from homeassistant.const import CONF_API_TOKEN, CONF_EMAIL, CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .api.auth import DEFAULT_AUTH_BASE, PortalSession, StaticToken, TokenSource
from .api.client import DEFAULT_BASE_URL, GridxClient
from .api.portals import get_portal
from .const import (
    AUTH_TYPE_PORTAL,
    CONF_API_BASE,
    CONF_AUTH_BASE,
    CONF_AUTH_TYPE,
    CONF_PORTAL,
    CONF_REFRESH_TOKEN,
)


def is_portal_entry(data: Any) -> bool:
    """Return True for the data of an entry made with a portal login."""
    return bool(data.get(CONF_AUTH_TYPE) == AUTH_TYPE_PORTAL)


def data_token_source(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    *,
    on_refresh_token: Callable[[str | None], None] | None = None,
) -> TokenSource:
    """Return the token source that entry-shaped ``data`` describes."""
    if not is_portal_entry(data):
        return StaticToken(data[CONF_API_TOKEN])
    return PortalSession(
        async_get_clientsession(hass),
        get_portal(data[CONF_PORTAL]),
        data[CONF_EMAIL],
        data[CONF_PASSWORD],
        auth_base=data.get(CONF_AUTH_BASE, DEFAULT_AUTH_BASE),
        refresh_token=data.get(CONF_REFRESH_TOKEN),
        on_refresh_token=on_refresh_token,
    )


def record_refresh(record: dict[str, Any]) -> Callable[[str | None], None]:
    """Return a callback that keeps ``record``'s refresh token current."""

    def _update(refresh_token: str | None) -> None:
        if refresh_token is None:
            record.pop(CONF_REFRESH_TOKEN, None)
        else:
            record[CONF_REFRESH_TOKEN] = refresh_token

    return _update


@callback
def token_source(
    hass: HomeAssistant, entry: ConfigEntry, *, watch: bool = False
) -> TokenSource:
    """Return the entry's token source: its API token or a portal session.

    A portal session writes each rotated refresh token into the entry at
    once. Other code writes entry data from snapshots taken before an API
    call (which may rotate the token). With ``watch`` (the setup's session)
    a listener of entry changes undoes a write that brings back a token
    this session already spent, so the next start never replays one (Auth0
    would revoke the whole family).
    """
    data = entry.data
    if not is_portal_entry(data):
        return StaticToken(data[CONF_API_TOKEN])
    spent: set[str] = set()

    @callback
    def _store(refresh_token: str | None) -> None:
        new = {k: v for k, v in entry.data.items() if k != CONF_REFRESH_TOKEN}
        if refresh_token is not None:
            new[CONF_REFRESH_TOKEN] = refresh_token
        hass.config_entries.async_update_entry(entry, data=new)

    @callback
    def _persist(refresh_token: str | None) -> None:
        # A removed entry (removal deletes the registration with a session
        # of its own) has nothing to update.
        if hass.config_entries.async_get_entry(entry.entry_id) is not entry:
            return
        if old := entry.data.get(CONF_REFRESH_TOKEN):
            spent.add(old)
        _store(refresh_token)

    session = data_token_source(hass, data, on_refresh_token=_persist)
    assert isinstance(session, PortalSession)  # noqa: S101 - a portal entry

    @callback
    def _undo_stale_write(change: ConfigEntryChange, changed: ConfigEntry) -> None:
        if changed is not entry or change is not ConfigEntryChange.UPDATED:
            return
        stored = entry.data.get(CONF_REFRESH_TOKEN)
        if stored in spent and stored != session.refresh_token:
            _store(session.refresh_token)

    if watch:
        entry.async_on_unload(
            async_dispatcher_connect(
                hass, SIGNAL_CONFIG_ENTRY_CHANGED, _undo_stale_write
            )
        )
    return session


def entry_client(hass: HomeAssistant, entry: ConfigEntry) -> GridxClient:
    """Return a client for an existing entry (flows that change it).

    A loaded portal entry lends its own client: a second session would
    spend the same rotating refresh token.
    """
    if is_portal_entry(entry.data) and entry.state is ConfigEntryState.LOADED:
        client: GridxClient = entry.runtime_data.client
        return client
    return GridxClient(
        token_source(hass, entry),
        async_get_clientsession(hass),
        base_url=entry.data.get(CONF_API_BASE, DEFAULT_BASE_URL),
    )
