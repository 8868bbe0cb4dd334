"""The gridX registration: the remote subscription or rules that feed our webhook.

One place decides where gridX must post (`async_resolve_webhook_url`) and one
function makes gridX hold exactly what we want (`async_reconcile`); the config
flow and the runtime manager (`GridxRegistration`) both use them. Modelled on
Home Assistant's Monzo webhook manager:

- list, keep exactly one registration targeting our current URL, fix its
  event types and ``active``; delete only registrations that target one of
  our own earlier URLs, never anyone else's; create what is missing;
- roll back whatever a failed pass created, so nothing is left at gridX;
- at runtime a failure never breaks setup: it is logged once and retried,
  a 401 starts a reauth;
- `async_remove_registration` deletes it all when the entry is removed (Home
  Assistant answers 200 to unknown webhook IDs, so gridX would never learn).

Secrets and the token never reach a log line.
"""

import asyncio
from collections.abc import Iterable, Mapping, Sequence
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import secrets
from typing import Any, Final, Self

from homeassistant.components.webhook import async_generate_url
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_API_TOKEN, EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.network import NoURLAvailableError
import homeassistant.util.dt as dt_util

from . import nabucasa
from .api.client import DEFAULT_BASE_URL, GridxClient
from .api.errors import (
    GridxApiError,
    GridxAuthError,
    GridxConnectionError,
    GridxNotFoundError,
    GridxPermissionError,
    GridxRateLimitError,
    GridxServerError,
)
from .api.models import GridxEvent
from .api.resources import NotificationRule, WebhookSubscription
from .const import (
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
    DEFAULT_EVENT_TYPES,
    DOMAIN,
    LOGGER,
    MAX_PREVIOUS_URLS,
    MAX_SECRETS,
    METHOD_AUTOMATIC,
    METHOD_RULES,
    METHOD_SUBSCRIPTION,
    signal_event,
)

# Seconds before a failed reconcile is tried again (longer if gridX asks).
RETRY_DELAY: Final = 60
# Passes of `async_remove_registration` on transient errors, and the pause.
REMOVAL_ATTEMPTS: Final = 3
REMOVAL_RETRY_DELAY: Final = 2.0
# How long a test delivery (ping) may take before we tell the user that
# gridX cannot reach this Home Assistant. gridX retries with backoff.
PING_TIMEOUT: Final = 120
ISSUE_UNREACHABLE: Final = "webhook_unreachable"
# gridX: rotate the secret "at least every six months"; after a rotation it
# signs with the old and the new secret for three days.
SECRET_MAX_AGE: Final = timedelta(days=180)
SECRET_OVERLAP: Final = timedelta(days=3)
# How often a running entry checks its registration and its secret's age.
CHECK_INTERVAL: Final = timedelta(days=1)
# Statuses worth another try; everything else is permanent.
TRANSIENT_ERRORS: Final = (GridxConnectionError, GridxServerError, GridxRateLimitError)
URL_ISSUE_REASONS: Final = ("no_url", "https_required")


class WebhookUrlError(Exception):
    """No URL gridX can post to; ``reason`` is a translation key."""

    def __init__(self, reason: str) -> None:
        """Store the reason (``no_url`` or ``https_required``)."""
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """Where gridX posts: the URL, and whether it is a Nabu Casa cloudhook."""

    url: str
    cloudhook_url: str | None = None


@dataclass(slots=True)
class RemoteRegistration:
    """What we hold at gridX: the method used, its ids and the secrets."""

    method: str
    subscription_id: str | None = None
    rule_ids: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    @classmethod
    def from_entry_data(cls, data: Mapping[str, Any]) -> Self:
        """Read the registration an entry stores."""
        return cls(
            method=data.get(CONF_REGISTRATION_METHOD, METHOD_AUTOMATIC),
            subscription_id=data.get(CONF_SUBSCRIPTION_ID),
            rule_ids=list(data.get(CONF_RULE_IDS, ())),
            secrets=list(data.get(CONF_SECRETS, ())),
        )

    def as_entry_data(self) -> dict[str, Any]:
        """Return the entry data keys this registration owns."""
        return {
            CONF_REGISTRATION_METHOD: self.method,
            CONF_SUBSCRIPTION_ID: self.subscription_id,
            CONF_RULE_IDS: list(self.rule_ids),
            CONF_SECRETS: list(self.secrets),
        }

    def add_secret(self, secret: str) -> None:
        """Append a secret (newest last), keeping at most MAX_SECRETS."""
        self.secrets = [*(s for s in self.secrets if s != secret), secret][
            -MAX_SECRETS:
        ]


def is_default_api(api_base: str) -> bool:
    """Return True for gridX's real API (which insists on https targets)."""
    return api_base.rstrip("/") == DEFAULT_BASE_URL


def external_webhook_url(
    hass: HomeAssistant, webhook_id: str, api_base: str, *, warn: bool = True
) -> str:
    """Return our webhook's public URL, or raise WebhookUrlError.

    gridX needs https with a trusted certificate; plain http is accepted only
    against another API base (the local emulator), with a warning (``warn``).
    """
    try:
        url = async_generate_url(
            hass, webhook_id, allow_internal=False, prefer_external=True
        )
    except NoURLAvailableError:
        raise WebhookUrlError("no_url") from None
    if not url.startswith("https://"):
        if is_default_api(api_base):
            raise WebhookUrlError("https_required")
        (LOGGER.warning if warn else LOGGER.debug)(
            "The webhook URL is not https; gridX itself would refuse it. "
            "Accepted because the API base %s is not gridX's",
            api_base,
        )
    return url


async def async_resolve_webhook_url(
    hass: HomeAssistant,
    webhook_id: str,
    api_base: str,
    *,
    cloudhook_url: str | None = None,
    warn: bool = True,
) -> WebhookTarget:
    """Return where gridX must post: a cloudhook when Nabu Casa is active.

    A stored cloudhook is reused; a new one is made while the cloud is
    connected. Otherwise the external URL. Raises WebhookUrlError.
    """
    if nabucasa.active(hass):
        if cloudhook_url is None and nabucasa.connected(hass):
            cloudhook_url = await nabucasa.async_get_or_create_cloudhook(
                hass, webhook_id
            )
        if cloudhook_url is not None:
            return WebhookTarget(cloudhook_url, cloudhook_url)
    return WebhookTarget(external_webhook_url(hass, webhook_id, api_base, warn=warn))


def previous_urls_after(data: Mapping[str, Any], new_url: str) -> list[str]:
    """Return the entry's earlier URLs once ``new_url`` is the current one.

    The stored current URL joins the list when it changes; the list is
    bounded and never holds ``new_url``.
    """
    previous = list(data.get(CONF_PREVIOUS_URLS, ()))
    current = data.get(CONF_WEBHOOK_URL)
    if current and current != new_url:
        previous = [u for u in previous if u != current]
        previous.append(current)
    return [u for u in previous if u != new_url][-MAX_PREVIOUS_URLS:]


# -- reconcile ----------------------------------------------------------------


async def async_reconcile(
    client: GridxClient,
    *,
    account_id: str,
    user_id: str,
    url: str,
    event_types: Sequence[str],
    current: RemoteRegistration,
    previous_urls: Iterable[str] = (),
) -> RemoteRegistration:
    """Make gridX hold exactly one registration for ``url``; return it.

    ``current.method`` is ``subscription`` or ``rules`` (keep using it) or
    ``automatic`` (the Subscription API, and on 403/404 the rules).
    Registrations targeting one of ``previous_urls`` are deleted; any other
    is left alone. On an error, what this call created is deleted again and
    the error is raised.
    """
    stale = {u for u in previous_urls if u != url}
    if current.method != METHOD_RULES:
        try:
            return await _reconcile_subscription(
                client, account_id, url, event_types, current, stale
            )
        except GridxPermissionError, GridxNotFoundError:
            if current.method != METHOD_AUTOMATIC:
                raise
            LOGGER.info(
                "The gridX Subscription API is not available to this token; "
                "using notification rules"
            )
    return await _reconcile_rules(
        client, account_id, user_id, url, event_types, current, stale
    )


async def _reconcile_subscription(
    client: GridxClient,
    account_id: str,
    url: str,
    event_types: Sequence[str],
    current: RemoteRegistration,
    stale: set[str],
) -> RemoteRegistration:
    """Keep one subscription for ``url`` with ``event_types``, active."""
    result = RemoteRegistration(
        METHOD_SUBSCRIPTION, current.subscription_id, [], list(current.secrets)
    )
    subscriptions = await client.list_webhooks(account_id)
    ours = sorted(
        (s for s in subscriptions if s.target_url == url),
        key=lambda s: s.id != current.subscription_id,
    )
    keep: WebhookSubscription | None = ours[0] if ours else None
    created: WebhookSubscription | None = None
    try:
        if keep is None:
            created = await client.create_webhook(
                account_id, target_url=url, event_types=event_types
            )
            result.subscription_id = created.id
            if created.secret:
                result.add_secret(created.secret)
            LOGGER.debug("Created gridX subscription %s", created.id)
        else:
            result.subscription_id = keep.id
            if not keep.active or set(keep.event_types) != set(event_types):
                await client.update_webhook(
                    account_id,
                    keep.id,
                    target_url=url,
                    event_types=event_types,
                    active=True,
                )
                LOGGER.debug("Updated gridX subscription %s", keep.id)
        for extra in [*ours[1:], *(s for s in subscriptions if s.target_url in stale)]:
            with contextlib.suppress(GridxNotFoundError):  # already gone
                await client.delete_webhook(account_id, extra.id)
            LOGGER.debug("Deleted obsolete gridX subscription %s", extra.id)
    except GridxApiError:
        if created is not None:
            await _rollback(client, account_id, "", [created.id], subscription=True)
        raise
    return result


async def _reconcile_rules(
    client: GridxClient,
    account_id: str,
    user_id: str,
    url: str,
    event_types: Sequence[str],
    current: RemoteRegistration,
    stale: set[str],
) -> RemoteRegistration:
    """Keep one rule per event type for ``url``, all with one secret."""
    result = RemoteRegistration(METHOD_RULES, None, [], list(current.secrets))
    if not result.secrets:
        result.add_secret(secrets.token_hex(32))
    secret = result.secrets[-1]
    rules = await client.list_rules(account_id, user_id)
    wanted = list(dict.fromkeys(event_types))
    kept: dict[str, NotificationRule] = {}
    extra: list[NotificationRule] = []
    for rule in sorted(rules, key=lambda r: r.id not in current.rule_ids):
        if rule.target_url == url:
            if rule.event_type in wanted and rule.event_type not in kept:
                kept[rule.event_type] = rule
            else:
                extra.append(rule)
        elif rule.target_url in stale:
            extra.append(rule)
    created: list[str] = []
    try:
        for event_type in wanted:
            if event_type not in kept:
                rule = await client.create_rule(
                    account_id,
                    user_id,
                    event_type=event_type,
                    target_url=url,
                    secret=secret,
                )
                created.append(rule.id)
                kept[event_type] = rule
        for rule in extra:
            with contextlib.suppress(GridxNotFoundError):  # already gone
                await client.delete_rule(account_id, user_id, rule.id)
            LOGGER.debug("Deleted obsolete gridX rule %s", rule.id)
    except GridxApiError:
        await _rollback(client, account_id, user_id, created, subscription=False)
        raise
    if created:
        LOGGER.debug("Created %s gridX notification rules", len(created))
    result.rule_ids = [kept[t].id for t in wanted]
    return result


async def _rollback(
    client: GridxClient,
    account_id: str,
    user_id: str,
    ids: Sequence[str],
    *,
    subscription: bool,
) -> None:
    """Delete what a failed pass created; a failure here is only logged."""
    for item_id in ids:
        try:
            if subscription:
                await client.delete_webhook(account_id, item_id)
            else:
                await client.delete_rule(account_id, user_id, item_id)
        except GridxApiError as err:
            LOGGER.warning(
                "Could not roll back gridX registration %s: %s", item_id, err
            )


# -- removal --------------------------------------------------------------------


def _our_urls(data: Mapping[str, Any]) -> set[str]:
    """Return every URL the entry ever registered."""
    urls = {data.get(CONF_WEBHOOK_URL), data.get(CONF_CLOUDHOOK_URL)}
    urls.update(data.get(CONF_PREVIOUS_URLS, ()))
    return {u for u in urls if u}


async def async_delete_remote(client: GridxClient, data: Mapping[str, Any]) -> None:
    """Delete the entry's subscription or rules (by id or by one of our URLs)."""
    account_id: str = data[CONF_ACCOUNT_ID]
    user_id: str = data[CONF_USER_ID]
    urls = _our_urls(data)
    if data.get(CONF_REGISTRATION_METHOD) == METHOD_RULES:
        rule_ids = set(data.get(CONF_RULE_IDS, ()))
        for rule in await client.list_rules(account_id, user_id):
            if rule.id in rule_ids or rule.target_url in urls:
                with contextlib.suppress(GridxNotFoundError):
                    await client.delete_rule(account_id, user_id, rule.id)
        return
    subscription_id = data.get(CONF_SUBSCRIPTION_ID)
    for subscription in await client.list_webhooks(account_id):
        if subscription.id == subscription_id or subscription.target_url in urls:
            with contextlib.suppress(GridxNotFoundError):
                await client.delete_webhook(account_id, subscription.id)


async def async_remove_registration(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete the remote registration and the cloudhook of a removed entry.

    Transient failures are retried a few times; what cannot be deleted is
    named in a warning (ids only, never a secret).
    """
    data = entry.data
    client = GridxClient(
        data[CONF_API_TOKEN],
        async_get_clientsession(hass),
        base_url=data.get(CONF_API_BASE, DEFAULT_BASE_URL),
    )
    for attempt in range(1, REMOVAL_ATTEMPTS + 1):
        try:
            await async_delete_remote(client, data)
        except TRANSIENT_ERRORS as err:
            if attempt == REMOVAL_ATTEMPTS:
                _warn_left_behind(data, err)
                break
            await asyncio.sleep(REMOVAL_RETRY_DELAY)
        except GridxApiError as err:
            _warn_left_behind(data, err)
            break
        else:
            break
    if data.get(CONF_CLOUDHOOK_URL):
        await nabucasa.async_delete_cloudhook(hass, data[CONF_WEBHOOK_ID])
    for reason in URL_ISSUE_REASONS:
        ir.async_delete_issue(hass, DOMAIN, _issue_id(entry.entry_id, reason))


def _warn_left_behind(data: Mapping[str, Any], err: GridxApiError) -> None:
    """Say which registration the user has to delete at gridX by hand."""
    ids = (
        ", ".join(data.get(CONF_RULE_IDS, ()))
        if data.get(CONF_REGISTRATION_METHOD) == METHOD_RULES
        else data.get(CONF_SUBSCRIPTION_ID)
    )
    LOGGER.warning(
        "Could not delete the gridX registration (%s) of the removed entry: %s; "
        "delete it in XENON or through the gridX API",
        ids or "unknown id",
        err,
    )


def _issue_id(entry_id: str, reason: str) -> str:
    """Return the repair issue id for a URL problem of one entry."""
    return f"{reason}_{entry_id}"


# -- the runtime manager ----------------------------------------------------------


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
        self._lock = asyncio.Lock()
        self._active = False
        self._retry_cancel: CALLBACK_TYPE | None = None
        self._failing = False
        self._url_problem: str | None = None
        # The webhook URL a verified delivery last arrived on, the URL we
        # last asked gridX to ping, and the timer waiting for that ping.
        self._verified_url: str | None = None
        self._pinged_url: str | None = None
        self._ping_cancel: CALLBACK_TYPE | None = None
        self._unreachable = False

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
            "delivery_verified": self._verified_url is not None
            and self._verified_url == data.get(CONF_WEBHOOK_URL),
            "unreachable": self._unreachable,
        }

    @callback
    def async_start(self) -> None:
        """Listen for URL and cloud changes, then reconcile in a task."""
        self._active = True
        entry = self.entry
        entry.async_on_unload(self._async_stop)
        for unsubscribe in nabucasa.async_listen(
            self.hass,
            entry.data[CONF_WEBHOOK_ID],
            self._async_cloud_connection_changed,
            self._async_cloudhook_changed,
        ):
            entry.async_on_unload(unsubscribe)
        entry.async_on_unload(
            self.hass.bus.async_listen(
                EVENT_CORE_CONFIG_UPDATE, self._async_core_config_updated
            )
        )
        entry.async_on_unload(
            async_dispatcher_connect(
                self.hass, signal_event(entry.entry_id), self._async_delivery_verified
            )
        )
        entry.async_on_unload(
            async_track_time_interval(self.hass, self._async_daily, CHECK_INTERVAL)
        )
        self._async_schedule("start")

    @callback
    def _async_stop(self) -> None:
        """Stop reconciling; the remote registration is kept (unload)."""
        self._active = False
        self._cancel_retry()
        self._cancel_ping_timer()

    @callback
    def _async_daily(self, _now: datetime) -> None:
        """Check the registration (and the secret's age) once a day."""
        self._async_schedule("daily check")

    @callback
    def async_request_reconcile(self, reason: str) -> None:
        """Ask for a reconcile soon (e.g. after a failed options change)."""
        if self._active:
            self._async_schedule(reason)

    @callback
    def _async_schedule(self, reason: str) -> None:
        """Reconcile in a task tied to the entry."""
        self.entry.async_create_task(
            self.hass, self.async_reconcile(), f"gridX registration: {reason}"
        )

    async def async_reconcile(self, _now: datetime | None = None) -> None:
        """Bring the gridX registration in line; never raises."""
        async with self._lock:
            if not self._active:
                return
            self._cancel_retry()
            data = self.entry.data
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
            self._async_url_problem(None)
            previous = previous_urls_after(data, target.url)
            try:
                registration = await async_reconcile(
                    self.client,
                    account_id=data[CONF_ACCOUNT_ID],
                    user_id=data[CONF_USER_ID],
                    url=target.url,
                    event_types=self.entry.options.get(
                        CONF_EVENT_TYPES, DEFAULT_EVENT_TYPES
                    ),
                    current=RemoteRegistration.from_entry_data(data),
                    previous_urls=previous,
                )
            except GridxAuthError:
                LOGGER.warning("gridX rejected the API token; please re-authenticate")
                self.entry.async_start_reauth(self.hass)
                return
            except GridxApiError as err:
                self._schedule_retry(err)
                return
            if self._failing:
                LOGGER.info("The gridX registration is up to date again")
                self._failing = False
            new_data = {
                **data,
                **registration.as_entry_data(),
                CONF_WEBHOOK_URL: target.url,
                CONF_PREVIOUS_URLS: previous,
            }
            if target.cloudhook_url is not None:
                new_data[CONF_CLOUDHOOK_URL] = target.cloudhook_url
            if registration.method == METHOD_SUBSCRIPTION:
                new_data = await self._async_rotate_secret(data, new_data)
            if new_data != dict(data):
                self.hass.config_entries.async_update_entry(self.entry, data=new_data)
            if (
                registration.method == METHOD_SUBSCRIPTION
                and registration.subscription_id is not None
                and target.url not in (self._verified_url, self._pinged_url)
            ):
                self._pinged_url = target.url
                await self._async_ping(
                    data[CONF_ACCOUNT_ID], registration.subscription_id
                )

    # -- the subscription secret ------------------------------------------------------

    async def _async_rotate_secret(
        self, old: Mapping[str, Any], new: dict[str, Any]
    ) -> dict[str, Any]:
        """Return ``new`` with the secret rotated or retired when it is time.

        A new subscription's secret starts its clock. After SECRET_MAX_AGE the
        secret is rotated at gridX (``POST .../secret``) and the new one is
        appended; once the three-day overlap is over, only the newest secret
        is kept, so an old one stops being accepted when gridX stops using it.
        A failed rotation is tried again at the next daily check.
        """
        now = dt_util.utcnow()
        since = dt_util.parse_datetime(str(new.get(CONF_SECRET_SINCE) or ""))
        if since is None or old.get(CONF_SUBSCRIPTION_ID) != new[CONF_SUBSCRIPTION_ID]:
            return {**new, CONF_SECRET_SINCE: now.isoformat()}
        if now - since >= SECRET_MAX_AGE:
            try:
                secret = await self.client.rotate_webhook_secret(
                    new[CONF_ACCOUNT_ID], new[CONF_SUBSCRIPTION_ID]
                )
            except GridxApiError as err:
                LOGGER.debug("Could not rotate the gridX webhook secret: %s", err)
                return new
            LOGGER.info(
                "Rotated the gridX webhook secret; the old one is accepted for "
                "three more days"
            )
            secrets = [s for s in new[CONF_SECRETS] if s != secret][-1:]
            return {
                **new,
                CONF_SECRETS: [*secrets, secret],
                CONF_SECRET_SINCE: now.isoformat(),
            }
        if now - since >= SECRET_OVERLAP and len(new[CONF_SECRETS]) > 1:
            return {**new, CONF_SECRETS: new[CONF_SECRETS][-1:]}
        return new

    # -- reachability: does a delivery from gridX arrive and verify? ----------------

    async def _async_ping(self, account_id: str, subscription_id: str) -> None:
        """Ask gridX for a test delivery and wait for it in the background.

        A ping that arrives and verifies proves the URL, the TLS certificate
        and the secret convention (gridx-facts §5.4). One that does not
        arrive in time raises a repair issue; any verified delivery clears
        it. Notification rules have no ping, so they are not checked.
        """
        try:
            await self.client.ping_webhook(account_id, subscription_id)
        except GridxApiError as err:
            LOGGER.debug("Could not ask gridX for a test delivery: %s", err)
            return
        self._cancel_ping_timer()
        self._ping_cancel = async_call_later(
            self.hass, PING_TIMEOUT, self._async_ping_timeout
        )

    @callback
    def _async_delivery_verified(self, event: GridxEvent) -> None:
        """Note that a signed delivery arrived on our current URL."""
        self._verified_url = self.entry.data.get(CONF_WEBHOOK_URL)
        self._cancel_ping_timer()
        if self._unreachable:
            self._unreachable = False
            LOGGER.info("gridX deliveries arrive again")
            ir.async_delete_issue(
                self.hass, DOMAIN, _issue_id(self.entry.entry_id, ISSUE_UNREACHABLE)
            )

    @callback
    def _async_ping_timeout(self, _now: datetime) -> None:
        """The test delivery did not arrive (or did not verify) in time."""
        self._ping_cancel = None
        if self._unreachable:
            return
        self._unreachable = True
        LOGGER.warning(
            "gridX's test delivery did not reach Home Assistant within %s s; "
            "check that the external URL is public, https with a trusted "
            "certificate, and forwards /api/webhook/ unchanged",
            PING_TIMEOUT,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            _issue_id(self.entry.entry_id, ISSUE_UNREACHABLE),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_UNREACHABLE,
            translation_placeholders={"title": self.entry.title},
        )

    def _cancel_ping_timer(self) -> None:
        """Stop waiting for a test delivery."""
        if self._ping_cancel is not None:
            self._ping_cancel()
            self._ping_cancel = None

    def _schedule_retry(self, err: GridxApiError) -> None:
        """Try again later; log the first failure only."""
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
                self.hass, DOMAIN, _issue_id(self.entry.entry_id, self._url_problem)
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
            _issue_id(self.entry.entry_id, reason),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=reason,
            translation_placeholders={"title": self.entry.title},
        )

    @callback
    def _async_cloud_connection_changed(self, connected: bool) -> None:
        """Re-reconcile when the cloud connects or (for good) disconnects."""
        if not connected and nabucasa.active(self.hass):
            return
        self._async_schedule("cloud connection changed")

    @callback
    def _async_cloudhook_changed(self, cloudhook_url: str | None) -> None:
        """Store a changed cloudhook URL and re-reconcile."""
        if cloudhook_url == self.entry.data.get(CONF_CLOUDHOOK_URL):
            return
        data = dict(self.entry.data)
        if cloudhook_url is None:
            data.pop(CONF_CLOUDHOOK_URL, None)
        else:
            data[CONF_CLOUDHOOK_URL] = cloudhook_url
        self.hass.config_entries.async_update_entry(self.entry, data=data)
        self._async_schedule("cloudhook changed")

    @callback
    def _async_core_config_updated(self, event: Event[Mapping[str, Any]]) -> None:
        """Re-reconcile when the external URL changes."""
        if "external_url" in event.data:
            self._async_schedule("external URL changed")


@callback
def async_request_reconcile(entry: ConfigEntry, reason: str) -> None:
    """Ask a loaded entry's manager to reconcile; no-op when not loaded."""
    runtime = getattr(entry, "runtime_data", None)
    if entry.state is ConfigEntryState.LOADED and runtime is not None:
        registration: GridxRegistration | None = runtime.registration
        if registration is not None:
            registration.async_request_reconcile(reason)
