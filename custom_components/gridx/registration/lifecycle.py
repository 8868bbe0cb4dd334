"""Keep the gridX registration of a running entry in line with our URL.

The manager reconciles at setup, when the external URL or the cloudhook
changes, once a day (which also rotates the secret every six months), and
when a config or options flow asks. Each pass runs through the entry's
`GridxRegistrar` (the one owner of its registration, which holds the lock),
stops as soon as the entry unloads (or its API changed under it), and
writes only the keys it owns. A failure never breaks setup: it is logged
once and retried, a 401 starts a reauth. Secrets never reach a log line.

When gridX refuses both the Subscription API and notification rules (403)
the entry switches to poll-only (`mode`); a poll-only entry's pass (at
setup and daily) first asks gridX whether push is allowed again, and
registers and leaves poll-only when it is.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later, async_track_time_interval
import homeassistant.util.dt as dt_util

from ..api.client import DEFAULT_BASE_URL, GridxClient
from ..api.errors import GridxApiError, GridxAuthError, GridxRateLimitError
from ..const import (
    CONF_ACCOUNT_ID,
    CONF_API_BASE,
    CONF_CLOUDHOOK_URL,
    CONF_EVENT_TYPES,
    CONF_PREVIOUS_URLS,
    CONF_REGISTRATION_METHOD,
    CONF_SECRET_SINCE,
    CONF_SECRETS,
    CONF_USER_ID,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_URL,
    DEFAULT_EVENT_TYPES,
    DOMAIN,
    LOGGER,
)
from . import cloudhook
from .mode import REFUSED, async_push_allowed, async_set_poll_only, is_poll_only
from .reachability import DeliveryCheck
from .reconcile import RegistrationStoppedError, RemoteRegistration, async_reconcile
from .registrar import GridxRegistrar
from .target import (
    WebhookUrlError,
    async_resolve_webhook_url,
    async_write_registration,
    issue_id,
    previous_urls_after,
)

# Seconds before a failed reconcile is tried again (longer if gridX asks).
RETRY_DELAY: Final = 60
# gridX: rotate the secret "at least every six months"; after a rotation it
# signs with the old and the new secret for three days.
SECRET_MAX_AGE: Final = timedelta(days=180)
SECRET_OVERLAP: Final = timedelta(days=3)
# How often a running entry checks its registration and its secret's age.
CHECK_INTERVAL: Final = timedelta(days=1)
# The entry states in which a pass may run (it starts during setup).
_RUNNING: Final = (ConfigEntryState.SETUP_IN_PROGRESS, ConfigEntryState.LOADED)


def _identity(data: Mapping[str, Any]) -> tuple[Any, ...]:
    """Return what a pass's result belongs to: the API, account and user."""
    return (data.get(CONF_API_BASE), data.get(CONF_ACCOUNT_ID), data.get(CONF_USER_ID))


class GridxRegistration:
    """Keep the gridX registration of one running entry in line with our URL."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: GridxClient,
    ) -> None:
        """Prepare; nothing happens before `async_start`."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self._active = False
        self._retry_cancel: CALLBACK_TYPE | None = None
        self._failing = False
        self._url_problem: str | None = None
        self.reachability = DeliveryCheck(hass, entry, self._async_renew_secret)
        # Deliveries do not verify: rotate the secret at the next pass.
        self._force_rotation = False
        # Every change at gridX, the flows' too, goes through it (one lock).
        self.registrar = GridxRegistrar(
            hass, entry.entry_id, check_later=self._async_check_later_if_running
        )

    @property
    def retry_scheduled(self) -> bool:
        """Return True while a retry is pending."""
        return self._retry_cancel is not None

    @property
    def diagnostics(self) -> dict[str, Any]:
        """Return privacy-safe facts for diagnostics (no URL, id or secret)."""
        data = self.entry.data
        return {
            "method": data.get(CONF_REGISTRATION_METHOD),
            "has_webhook_url": bool(data.get(CONF_WEBHOOK_URL)),
            "uses_cloudhook": bool(data.get(CONF_CLOUDHOOK_URL))
            and data.get(CONF_WEBHOOK_URL) == data.get(CONF_CLOUDHOOK_URL),
            "secret_count": len(data.get(CONF_SECRETS, ())),
            "retry_scheduled": self.retry_scheduled,
            "url_problem": self._url_problem,
            "delivery_verified": self.reachability.verified_url is not None
            and self.reachability.verified_url == data.get(CONF_WEBHOOK_URL),
            "unreachable": self.reachability.unreachable,
        }

    @property
    def _stopping(self) -> bool:
        """Return True once the entry unloads (or never finished setting up)."""
        return not self._active or self.entry.state not in _RUNNING

    @callback
    def async_start(self) -> None:
        """Listen for URL and cloud changes, then reconcile in a task."""
        self._active = True
        entry = self.entry
        webhook_id = entry.data[CONF_WEBHOOK_ID]
        entry.async_on_unload(self._async_stop)
        for unsubscribe in cloudhook.async_listen(
            self.hass,
            webhook_id,
            self._async_cloud_connection_changed,
            self._async_cloudhook_changed,
        ):
            entry.async_on_unload(unsubscribe)
        entry.async_on_unload(
            self.hass.bus.async_listen(
                EVENT_CORE_CONFIG_UPDATE, self._async_core_config_updated
            )
        )
        self.reachability.async_start()
        entry.async_on_unload(
            async_track_time_interval(self.hass, self._async_daily, CHECK_INTERVAL)
        )
        self._async_schedule("start")

    @callback
    def _async_stop(self) -> None:
        """Stop reconciling; the remote registration is kept (unload)."""
        self._active = False
        self._cancel_retry()

    @callback
    def _async_daily(self, _now: datetime) -> None:
        """Check the registration (and the secret's age) once a day."""
        self._async_schedule("daily check")

    @callback
    def async_check_later(self) -> None:
        """Read gridX back after RETRY_DELAY (after a failed change).

        gridX may still carry out a call whose answer we never got.
        """
        self._cancel_retry()
        self._retry_cancel = async_call_later(self.hass, RETRY_DELAY, self._async_retry)

    @callback
    def _async_check_later_if_running(self) -> None:
        """Read gridX back soon, unless the entry is no longer loaded."""
        if self._active and self.entry.state is ConfigEntryState.LOADED:
            self.async_check_later()

    @callback
    def _async_schedule(self, reason: str) -> None:
        """Reconcile in a task tied to the entry."""
        self.entry.async_create_task(
            self.hass, self.async_reconcile(), f"gridX registration: {reason}"
        )

    def _checkpoint(self, identity: tuple[Any, ...]) -> None:
        """Stop the pass when the entry unloads or its API changed under it."""
        if self._stopping or _identity(self.entry.data) != identity:
            raise RegistrationStoppedError

    async def async_reconcile(self, _now: datetime | None = None) -> None:
        """Bring the gridX registration in line; never raises."""
        await self.registrar.async_pass(self._async_locked_reconcile)

    async def _async_locked_reconcile(self) -> None:
        """Run a pass unless the entry stops; the registrar holds the lock."""
        if self._stopping:
            return
        self._cancel_retry()
        try:
            await self._async_pass()
        except RegistrationStoppedError:
            LOGGER.debug("Stopped a gridX registration pass: the entry unloads")

    async def _async_pass(self) -> None:
        """Run one pass; the caller holds the lock."""
        if is_poll_only(self.entry) and not await self._async_push_back():
            return
        data = self.entry.data
        identity = _identity(data)

        def checkpoint() -> None:
            self._checkpoint(identity)

        try:
            target = await async_resolve_webhook_url(
                self.hass,
                data[CONF_WEBHOOK_ID],
                data.get(CONF_API_BASE, DEFAULT_BASE_URL),
                cloudhook_url=data.get(CONF_CLOUDHOOK_URL),
                warn=False,
            )
        except WebhookUrlError as err:
            self._async_url_problem(err.reason)
            return
        checkpoint()
        self._async_url_problem(None)
        data = self.entry.data
        previous = previous_urls_after(data, target.url)
        try:
            registration = await async_reconcile(
                self.client,
                account_id=data[CONF_ACCOUNT_ID],
                user_id=data[CONF_USER_ID],
                url=target.url,
                # A poll-only portal entry was made without event types.
                event_types=self.entry.options.get(CONF_EVENT_TYPES)
                or DEFAULT_EVENT_TYPES,
                current=RemoteRegistration.from_entry_data(data),
                previous_urls=previous,
                checkpoint=checkpoint,
            )
        except GridxAuthError:
            LOGGER.warning("gridX rejected the API token; please re-authenticate")
            self.entry.async_start_reauth(self.hass)
            return
        except GridxApiError as err:
            if isinstance(err, REFUSED) and not await self._async_push_still_allowed():
                return
            self._schedule_retry(err)
            return
        if self._failing:
            LOGGER.info("The gridX registration is up to date again")
            self._failing = False
        old = dict(self.entry.data)
        updates: dict[str, Any] = {
            **registration.as_entry_data(),
            CONF_WEBHOOK_URL: target.url,
            CONF_PREVIOUS_URLS: previous,
        }
        if target.cloudhook_url is not None:
            updates[CONF_CLOUDHOOK_URL] = target.cloudhook_url
        async_write_registration(self.hass, self.entry, updates)
        if (subscription_id := registration.subscription_id) is None:
            return  # notification rules: no secret to rotate, no ping
        async_write_registration(
            self.hass,
            self.entry,
            await self._async_secret_updates(old, subscription_id, registration),
        )
        if self.reachability.wants_ping(target.url) and not self._stopping:
            await self.reachability.async_ping(
                self.client,
                data[CONF_ACCOUNT_ID],
                subscription_id,
                target.url,
                lambda: self._stopping,
            )

    # -- push or poll-only ---------------------------------------------------------

    async def _async_push_back(self) -> bool:
        """Return True when gridX allows push to a poll-only entry again.

        The entry then leaves poll-only and the pass registers. A portal
        login that could not read ``GET /user`` asks for it first (both
        push APIs need its ids).
        """
        data = self.entry.data
        identity = _identity(data)
        try:
            if not data.get(CONF_ACCOUNT_ID):
                try:
                    user = await self.client.get_user()
                except REFUSED:
                    return False
                self._checkpoint(identity)
                async_write_registration(
                    self.hass,
                    self.entry,
                    {CONF_ACCOUNT_ID: user.account_id, CONF_USER_ID: user.id},
                )
                data = self.entry.data
            allowed = await async_push_allowed(
                self.client, data[CONF_ACCOUNT_ID], data[CONF_USER_ID]
            )
        except GridxAuthError:
            LOGGER.warning("gridX rejected the login; please re-authenticate")
            self.entry.async_start_reauth(self.hass)
            return False
        except GridxApiError as err:
            self._schedule_retry(err)
            return False
        if self._stopping:
            return False
        if allowed:
            async_set_poll_only(self.hass, self.entry, False)
        return allowed

    async def _async_push_still_allowed(self) -> bool:
        """After a refused registration: False (and poll-only) if both APIs refuse."""
        data = self.entry.data
        try:
            allowed = await async_push_allowed(
                self.client, data.get(CONF_ACCOUNT_ID), data.get(CONF_USER_ID)
            )
        except GridxApiError:
            return True  # not known: retry the registration as for any failure
        if not allowed and not self._stopping:
            async_set_poll_only(self.hass, self.entry, True)
        return allowed

    # -- the subscription secret ------------------------------------------------------

    async def _async_secret_updates(
        self,
        old: Mapping[str, Any],
        subscription_id: str,
        registration: RemoteRegistration,
    ) -> dict[str, Any]:
        """Return the entry updates that rotate or retire the secret when due.

        A new newest secret (a new subscription, a learnt secret) starts the
        clock. After SECRET_MAX_AGE (or when deliveries do not verify) the
        secret is rotated at gridX (``POST .../secret``) and appended; once
        the three-day overlap is over, only the newest is kept, so an old one
        stops being accepted when gridX stops using it. A failed rotation is
        tried again at the next daily check.
        """
        now = dt_util.utcnow()
        secrets = registration.secrets
        since = dt_util.parse_datetime(str(old.get(CONF_SECRET_SINCE) or ""))
        old_secrets = list(old.get(CONF_SECRETS, ()))
        if not secrets:
            return {}
        if since is None or not old_secrets or old_secrets[-1] != secrets[-1]:
            return {CONF_SECRET_SINCE: now.isoformat()}
        if self._force_rotation or now - since >= SECRET_MAX_AGE:
            self._force_rotation = False
            try:
                secret = await self.client.rotate_webhook_secret(
                    old[CONF_ACCOUNT_ID], subscription_id
                )
            except GridxApiError as err:
                LOGGER.debug("Could not rotate the gridX webhook secret: %s", err)
                return {}
            LOGGER.info(
                "Rotated the gridX webhook secret; the old one is accepted for "
                "three more days"
            )
            kept = [s for s in secrets if s != secret][-1:]
            return {CONF_SECRETS: [*kept, secret], CONF_SECRET_SINCE: now.isoformat()}
        if now - since >= SECRET_OVERLAP and len(secrets) > 1:
            return {CONF_SECRETS: secrets[-1:]}
        return {}

    @callback
    def _async_renew_secret(self) -> None:
        """Rotate the secret at a pass now: deliveries do not verify."""
        self._force_rotation = True
        self._async_schedule("secret mismatch")

    def _schedule_retry(self, err: GridxApiError) -> None:
        """Try again later; log the first failure only. Never after unload."""
        if self._stopping:
            return
        delay = float(RETRY_DELAY)
        if isinstance(err, GridxRateLimitError) and err.retry_after:
            delay = max(delay, err.retry_after)
        if not self._failing:
            LOGGER.warning(
                "Could not update the gridX registration: %s; retrying in %s s",
                err,
                int(delay),
            )
            self._failing = True
        self._retry_cancel = async_call_later(self.hass, delay, self._async_retry)

    async def _async_retry(self, now: datetime) -> None:
        """Run a scheduled retry."""
        self._retry_cancel = None
        await self.async_reconcile(now)

    def _cancel_retry(self) -> None:
        """Cancel a pending retry."""
        if self._retry_cancel is not None:
            self._retry_cancel()
            self._retry_cancel = None

    @callback
    def _async_url_problem(self, reason: str | None) -> None:
        """Raise (once) or clear the repair issue about our webhook URL."""
        if reason == self._url_problem:
            return
        if self._url_problem is not None:
            ir.async_delete_issue(
                self.hass, DOMAIN, issue_id(self.entry.entry_id, self._url_problem)
            )
        self._url_problem = reason
        if reason is None:
            return
        LOGGER.warning(
            "gridX cannot reach Home Assistant: %s. Use Home Assistant Cloud, or "
            "set a public https external URL (reverse proxy or tunnel)",
            "no external URL is set"
            if reason == "no_url"
            else "the external URL is not https",
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id(self.entry.entry_id, reason),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=reason,
            translation_placeholders={"title": self.entry.title},
        )

    @callback
    def _async_cloud_connection_changed(self, connected: bool) -> None:
        """Re-reconcile when the cloud connects or (for good) disconnects."""
        if not connected and cloudhook.active(self.hass):
            return
        self._async_schedule("cloud connection changed")

    @callback
    def _async_cloudhook_changed(self, cloudhook_url: str | None) -> None:
        """Store a changed cloudhook URL (only that key) and re-reconcile."""
        if cloudhook_url == self.entry.data.get(CONF_CLOUDHOOK_URL):
            return
        if cloudhook_url is None:
            data = {k: v for k, v in self.entry.data.items() if k != CONF_CLOUDHOOK_URL}
            self.hass.config_entries.async_update_entry(self.entry, data=data)
        else:
            async_write_registration(
                self.hass, self.entry, {CONF_CLOUDHOOK_URL: cloudhook_url}
            )
        self._async_schedule("cloudhook changed")

    @callback
    def _async_core_config_updated(self, event: Event[Mapping[str, Any]]) -> None:
        """Re-reconcile when the external URL changes."""
        if "external_url" in event.data:
            self._async_schedule("external URL changed")
