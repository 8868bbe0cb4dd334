"""Delete a removed entry's gridX registration, now or later.

Home Assistant answers 200 to deliveries for an unknown webhook, so gridX
would post into the void for ever: a removed entry's subscription or rules
must go. Removal must not hold the UI, so it tries for REMOVAL_BUDGET seconds
only. What cannot be deleted by then is remembered in domain storage
(``gridx.pending_removals``), retried at every start and hourly until done,
and named in a repair issue (ids, URL, API) with how to delete it by hand;
the issue's fix forgets it once the user did. Tokens never reach a log line.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    CONF_API_TOKEN,
    CONF_EMAIL,
    CONF_PASSWORD,
    EVENT_HOMEASSISTANT_STOP,
)
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from ..api.client import DEFAULT_BASE_URL, GridxClient
from ..api.errors import GridxApiError
from ..const import (
    CONF_ACCOUNT_ID,
    CONF_API_BASE,
    CONF_AUTH_BASE,
    CONF_AUTH_TYPE,
    CONF_CLOUDHOOK_URL,
    CONF_PORTAL,
    CONF_PREVIOUS_URLS,
    CONF_REFRESH_TOKEN,
    CONF_REGISTRATION_METHOD,
    CONF_RULE_IDS,
    CONF_SUBSCRIPTION_ID,
    CONF_USER_ID,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_URL,
    DOMAIN,
    LOGGER,
    METHOD_RULES,
)
from ..token_source import data_token_source, record_refresh
from . import cloudhook
from .reconcile import TRANSIENT_ERRORS
from .registrar import GridxRegistrar
from .target import ISSUE_UNREACHABLE, URL_ISSUE_REASONS, issue_id

STORAGE_KEY: Final = f"{DOMAIN}.pending_removals"
STORAGE_VERSION: Final = 1
# How long removing an entry may wait for gridX, and the pause between tries.
REMOVAL_BUDGET: Final = 5.0
REMOVAL_RETRY_DELAY: Final = 1.0
# How often remembered deletions are tried again.
RETRY_INTERVAL: Final = timedelta(hours=1)
ISSUE_ORPHANED: Final = "orphaned_registration"
# The entry data a deletion needs (the token included: it is stored like the
# config entry stores it, in a private file).
_KEPT_KEYS: Final = (
    CONF_API_TOKEN,
    # A portal login's credentials (see `token_source.data_token_source`).
    CONF_AUTH_TYPE,
    CONF_PORTAL,
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_AUTH_BASE,
    CONF_REFRESH_TOKEN,
    CONF_API_BASE,
    CONF_ACCOUNT_ID,
    CONF_USER_ID,
    CONF_REGISTRATION_METHOD,
    CONF_SUBSCRIPTION_ID,
    CONF_RULE_IDS,
    CONF_WEBHOOK_URL,
    CONF_CLOUDHOOK_URL,
    CONF_PREVIOUS_URLS,
)


@dataclass(slots=True)
class _Orphans:
    """The pending deletions, their store and the hourly retry."""

    store: Store[dict[str, Any]]
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    cancel_timer: CALLBACK_TYPE | None = None


_DATA: HassKey[_Orphans] = HassKey(f"{DOMAIN}_orphans")


async def _async_get(hass: HomeAssistant) -> _Orphans:
    """Return the loaded pending deletions (loaded once per run)."""
    if (orphans := hass.data.get(_DATA)) is None:
        store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, STORAGE_KEY, private=True, atomic_writes=True
        )
        stored = await store.async_load() or {}
        if (orphans := hass.data.get(_DATA)) is None:  # loaded meanwhile
            orphans = hass.data[_DATA] = _Orphans(
                store, dict(stored.get("removals", {}))
            )
    return orphans


async def async_setup_orphans(hass: HomeAssistant) -> None:
    """Retry the remembered deletions now (in the background) and hourly."""
    orphans = await _async_get(hass)
    if orphans.pending:
        _arm_timer(hass, orphans)
        hass.async_create_background_task(
            async_retry_pending(hass), "gridX pending removals"
        )


async def async_remove_registration(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete a removed entry's registration and cloudhook; never raises.

    What is not deleted within REMOVAL_BUDGET seconds is remembered (only
    then: the store holds the token) and retried later.
    """
    record = {key: entry.data[key] for key in _KEPT_KEYS if key in entry.data}
    record["title"] = entry.title
    orphans = await _async_get(hass)
    for reason in (*URL_ISSUE_REASONS, ISSUE_UNREACHABLE):
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry.entry_id, reason))
    if entry.data.get(CONF_CLOUDHOOK_URL):
        await cloudhook.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
    orphans.pending[entry.entry_id] = record
    if not await _async_try(hass, orphans, entry.entry_id, new=True):
        _arm_timer(hass, orphans)


async def async_retry_pending(
    hass: HomeAssistant, _now: datetime | None = None
) -> None:
    """Try every remembered deletion once more."""
    orphans = await _async_get(hass)
    for entry_id in list(orphans.pending):
        await _async_try(hass, orphans, entry_id)
    if not orphans.pending and orphans.cancel_timer is not None:
        orphans.cancel_timer()
        orphans.cancel_timer = None


@callback
def async_forget(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a pending deletion (the user deleted it by hand)."""
    orphans = hass.data.get(_DATA)
    if orphans is not None and entry_id in orphans.pending:
        del orphans.pending[entry_id]
        # Written now, not delayed: a restart must not retry a deletion the
        # user has done by hand.
        hass.async_create_task(_async_save(orphans), "gridx forget orphan")
    ir.async_delete_issue(hass, DOMAIN, issue_id(entry_id, ISSUE_ORPHANED))


async def _async_save(orphans: _Orphans) -> None:
    """Write the pending deletions now."""
    await orphans.store.async_save({"removals": orphans.pending})


async def _async_try(
    hass: HomeAssistant, orphans: _Orphans, entry_id: str, *, new: bool = False
) -> bool:
    """Try one deletion within the budget; return True when it is done.

    A ``new`` deletion is written to the store only when it fails.
    """
    async with orphans.lock:
        if (record := orphans.pending.get(entry_id)) is None:
            return True
        client = GridxClient(
            data_token_source(hass, record, on_refresh_token=record_refresh(record)),
            async_get_clientsession(hass),
            base_url=record.get(CONF_API_BASE, DEFAULT_BASE_URL),
        )
        registrar = GridxRegistrar(hass)
        error: Exception | None = None
        try:
            async with asyncio.timeout(REMOVAL_BUDGET):
                while True:
                    try:
                        await registrar.async_delete(client, record)
                    except TRANSIENT_ERRORS as err:
                        error = err
                        await asyncio.sleep(REMOVAL_RETRY_DELAY)
                    else:
                        break
        except TimeoutError:
            error = error or TimeoutError(f"no answer within {REMOVAL_BUDGET:g} s")
        except GridxApiError as err:
            error = err
        else:
            error = None
        if error is None:
            orphans.pending.pop(entry_id, None)
            if not new:
                await _async_save(orphans)
            ir.async_delete_issue(hass, DOMAIN, issue_id(entry_id, ISSUE_ORPHANED))
            return True
        if new:
            await _async_save(orphans)
        _async_raise_issue(hass, entry_id, record, error)
        return False


@callback
def _async_raise_issue(
    hass: HomeAssistant, entry_id: str, record: Mapping[str, Any], err: Exception
) -> None:
    """Name the orphan, and how to delete it by hand, in a repair issue."""
    rules = record.get(CONF_REGISTRATION_METHOD) == METHOD_RULES
    ids = (
        ", ".join(record.get(CONF_RULE_IDS, ()))
        if rules
        else record.get(CONF_SUBSCRIPTION_ID)
    ) or "-"
    api_base = record.get(CONF_API_BASE, DEFAULT_BASE_URL)
    account_id = record[CONF_ACCOUNT_ID]
    path = (
        f"/accounts/{account_id}/users/{record[CONF_USER_ID]}/notifications/rules/…"
        if rules
        else f"/accounts/{account_id}/webhooks/…"
    )
    LOGGER.warning(
        "Could not delete the gridX registration (%s) of the removed entry %s: %s; "
        "retrying hourly. Delete it in XENON or with DELETE %s%s",
        ids,
        record.get("title"),
        err,
        api_base,
        path,
    )
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry_id, ISSUE_ORPHANED),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_ORPHANED,
        translation_placeholders={
            "title": str(record.get("title") or DOMAIN),
            "ids": ids,
            "url": str(record.get(CONF_WEBHOOK_URL) or "-"),
            "api": f"{api_base}{path}",
            "xenon_url": "https://xenon.gridx.de",
        },
    )


def _arm_timer(hass: HomeAssistant, orphans: _Orphans) -> None:
    """Retry hourly while something is pending; stop with Home Assistant."""
    if orphans.cancel_timer is not None:
        return

    @callback
    def _retry(_now: datetime) -> None:
        hass.async_create_task(
            async_retry_pending(hass), "gridX pending removals", eager_start=False
        )

    cancel_interval = async_track_time_interval(hass, _retry, RETRY_INTERVAL)

    @callback
    def _stopped(_event: Event) -> None:
        cancel_interval()
        orphans.cancel_timer = None

    cancel_stop = hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _stopped)

    @callback
    def _cancel() -> None:
        cancel_interval()
        cancel_stop()

    orphans.cancel_timer = _cancel
