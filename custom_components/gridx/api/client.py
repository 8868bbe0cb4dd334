"""The async gridX REST client (gridx-facts §3).

Protocol core: no Home Assistant imports. The aiohttp session is injected and
never closed here. Every failure surfaces as a subclass of GridxApiError; the
token and webhook secrets never appear in a log line, an exception message or
a repr.
"""

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
import json
import logging
import math
import re
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from .auth import StaticToken, TokenSource
from .errors import (
    GridxAuthError,
    GridxConnectionError,
    GridxNotFoundError,
    GridxPermissionError,
    GridxRateLimitError,
    GridxResponseError,
    GridxServerError,
    GridxStatusError,
)
from .gateways import Appliance, Gateway
from .live import (
    MAX_INTERVAL,
    HistoricalSeries,
    LiveMeasurement,
    Resolution,
    format_time,
)
from .resources import GridxUser, NotificationRule, WebhookSubscription, unwrap_list
from .text import drop_bad_text

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.gridx.de"
DEFAULT_REQUEST_TIMEOUT: Final = 10.0
ACCEPT: Final = "application/vnd.gridx.v2+json"
CONTENT_TYPE_JSON: Final = "application/json"
_BAD_CREDENTIALS: Final = "bad credentials"
_MAX_MESSAGE_LENGTH: Final = 300
# The longest Retry-After honoured, in seconds: a hostile or broken answer
# (``Retry-After: 1e12``) must not park a retry for ever.
MAX_RETRY_AFTER: Final = 3600.0
# GET /gateways pages (gridx-live-facts §2): per_page is 20-100.
GATEWAYS_PER_PAGE: Final = 100
MIN_GATEWAYS_PER_PAGE: Final = 20
MAX_GATEWAY_PAGES: Final = 100
_REDACTED: Final = "***"
_INDEX: Final = re.compile(r"\[\d+\]")


def _segment(value: str) -> str:
    """Percent-encode one path segment, slashes included."""
    return quote(value, safe="")


segment = _segment


def _parse_retry_after(value: str | None) -> float | None:
    """Return a Retry-After value in seconds, or None when absent or garbage.

    Accepts delta-seconds (``120``) or an HTTP date, which becomes the seconds
    from now (never negative). Either is capped at MAX_RETRY_AFTER.
    """
    if value is None or not (value := value.strip()):
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds) or seconds < 0:
            return None
        return min(seconds, MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - datetime.now(UTC)).total_seconds()), MAX_RETRY_AFTER)


def _status_phrase(status: int) -> str:
    """Return the standard reason phrase of a status code."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown status"


def _error_message(raw: bytes, status: int) -> str:
    """Return the gridX error ``message`` (plus ``details``), else the reason.

    gridX error bodies are the "General Exception" ``{message, details[]}``.
    A message holding text no one can store (`text`) is not used.
    """
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    drop_bad_text(body)
    if isinstance(body, Mapping):
        message = body.get("message")
        if isinstance(message, str) and message.strip():
            details = body.get("details")
            if isinstance(details, list):
                extra = [d for d in details if isinstance(d, str) and d]
                if extra:
                    return f"{message.strip()} ({'; '.join(extra)})"
            return message.strip()
    return _status_phrase(status)


class _BadTextWarnings:
    """Drop text no one can store from answers; warn once per resource and field.

    A key or string holding an unpaired UTF-16 surrogate or NUL (see `text`)
    would break Home Assistant's storage once it names a device, so it is
    dropped; the rest of the answer is used. Whether gridX ever sends one is
    not documented.
    """

    def __init__(self) -> None:
        # "GET /gateways [].name": list items share their key.
        self._warned: set[str] = set()

    def clean(self, payload: Any, method: str, path: str) -> Any:
        """Return ``payload`` without bad text (None if it is a bad string)."""
        dropped = drop_bad_text(payload)
        resource = path.split("?", 1)[0]
        for field in dropped:
            key = f"{method} {resource} {_INDEX.sub('[]', field)}"
            level = logging.DEBUG if key in self._warned else logging.WARNING
            self._warned.add(key)
            _LOGGER.log(
                level,
                "gridX answered %s %s with text that cannot be stored (an "
                "unpaired UTF-16 surrogate or NUL) at %s; that field is "
                "ignored, the rest is used",
                method,
                resource,
                field or "the top level",
            )
        return None if isinstance(payload, str) and dropped else payload


def _decode(raw: bytes, method: str, path: str) -> Any:
    """Parse a 2xx body as JSON, whatever its content type.

    Undecodable bytes (UnicodeDecodeError) are a ValueError too.
    """
    try:
        return json.loads(raw)
    except ValueError:
        raise GridxResponseError(f"{method} {path}: the response is not JSON") from None


class Listing[T](list[T]):
    """The items of a paged list; ``complete`` False if not all pages were read."""

    __slots__ = ("complete",)

    def __init__(self, items: Iterable[T] = (), *, complete: bool = True) -> None:
        """Hold ``items``; ``complete`` says whether they are all gridX has."""
        super().__init__(items)
        self.complete = complete


class GridxClient:
    """Talk to the gridX REST API with one token source.

    ``token`` is an API token or JWT (`StaticToken`: ``gxp_``/``gxo_`` go as
    ``Token``, anything else as ``Bearer``) or a `TokenSource` such as a
    portal session. Neither is part of the repr. After a 401 a source that
    can renew its credentials gets one retry of the request.
    """

    def __init__(
        self,
        token: str | TokenSource,
        session: aiohttp.ClientSession,
        *,
        base_url: str = DEFAULT_BASE_URL,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        """Store the session, token source, base URL and per-request timeout."""
        self._session = session
        self._auth = StaticToken(token) if isinstance(token, str) else token
        self._base_url = base_url.rstrip("/")
        self._request_timeout = request_timeout
        self._bad_text = _BadTextWarnings()

    def __repr__(self) -> str:
        """Return a repr that names the API but never the token."""
        return f"GridxClient(base_url={self._base_url!r})"

    @property
    def token_source(self) -> TokenSource:
        """Return where the Authorization header comes from."""
        return self._auth

    @property
    def base_url(self) -> str:
        """Return the base URL without a trailing slash."""
        return self._base_url

    # -- transport ---------------------------------------------------------

    def _redact(self, text: str, secrets: Sequence[str]) -> str:
        """Blank out the token and the given secrets from ``text``."""
        for secret in (*self._auth.secrets, *secrets):
            if secret:
                text = text.replace(secret, _REDACTED)
        return text

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        secrets: Sequence[str] = (),
    ) -> tuple[int, bytes]:
        """Send one request and return ``(status, raw body)`` of a 2xx.

        ``secrets`` are values of the request body that must never be echoed
        into an error message. Raises a GridxApiError subclass on failure.
        A 401 is retried once when the token source renewed its credentials.
        """
        authorization = await self._auth.async_authorization()
        try:
            return await self._send(method, path, authorization, body, secrets)
        except GridxAuthError as err:
            if err.status != 401 or not await self._auth.async_unauthorized(
                authorization
            ):
                raise
        authorization = await self._auth.async_authorization()
        return await self._send(method, path, authorization, body, secrets)

    async def _send(
        self,
        method: str,
        path: str,
        authorization: str,
        body: Mapping[str, Any] | None,
        secrets: Sequence[str],
    ) -> tuple[int, bytes]:
        """Send one request with ``authorization``; see `_request`."""
        headers = {"Authorization": authorization, "Accept": ACCEPT}
        data: bytes | None = None
        if body is not None:
            headers["Content-Type"] = CONTENT_TYPE_JSON
            data = json.dumps(body).encode()
        try:
            async with (
                asyncio.timeout(self._request_timeout),
                self._session.request(
                    method, f"{self._base_url}{path}", headers=headers, data=data
                ) as resp,
            ):
                status = resp.status
                raw = await resp.read()
                retry_after = resp.headers.get("Retry-After")
        except TimeoutError:
            raise GridxConnectionError(
                f"{method} {path}: no answer within {self._request_timeout:g} s"
            ) from None
        except aiohttp.ClientError as err:
            # Not chained: some aiohttp errors hold the request headers (token).
            raise GridxConnectionError(
                f"{method} {path}: {type(err).__name__}: "
                f"{self._redact(str(err), secrets)}"
            ) from None
        _LOGGER.debug("%s %s -> %s", method, path, status)
        if 200 <= status < 300:
            return status, raw
        message = self._redact(_error_message(raw, status), secrets)
        if len(message) > _MAX_MESSAGE_LENGTH:
            message = message[: _MAX_MESSAGE_LENGTH - 1] + "…"
        raise self._status_error(status, message, retry_after)

    @staticmethod
    def _status_error(
        status: int, message: str, retry_after: str | None
    ) -> GridxStatusError:
        """Map an error status to its typed exception."""
        if status == 401:
            return GridxAuthError(status, message)
        if status == 403:
            if message.strip().lower() == _BAD_CREDENTIALS:
                return GridxAuthError(status, message)
            return GridxPermissionError(status, message)
        if status == 404:
            return GridxNotFoundError(status, message)
        if status == 429:
            return GridxRateLimitError(status, message, _parse_retry_after(retry_after))
        if status >= 500:
            return GridxServerError(status, message)
        return GridxStatusError(status, message)

    async def request(
        self, method: str, path: str, *, body: Mapping[str, Any] | None = None
    ) -> tuple[int, bytes]:
        """Send one request for another protocol module; see `_request`.

        ``path`` must hold percent-encoded segments (`segment`).
        """
        return await self._request(method, path, body=body)

    def decode(self, raw: bytes, method: str, path: str) -> Any:
        """Parse a 2xx body of `request` as the client's own calls do.

        Text no one can store is dropped (`_BadTextWarnings`); a body that
        is not JSON raises GridxResponseError.
        """
        return self._bad_text.clean(_decode(raw, method, path), method, path)

    async def _request_json(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        secrets: Sequence[str] = (),
    ) -> Any:
        """Send a request whose 2xx answer must be a JSON document.

        Keys and strings that hold an unpaired surrogate or NUL are dropped.
        """
        _, raw = await self._request(method, path, body=body, secrets=secrets)
        return self._bad_text.clean(_decode(raw, method, path), method, path)

    # -- user --------------------------------------------------------------

    async def get_user(self) -> GridxUser:
        """Return the authenticated user (``GET /user``): ids for other calls."""
        return GridxUser.from_dict(await self._request_json("GET", "/user"))

    # -- Webhook Subscription API (gridx-facts §3.2) -----------------------

    @staticmethod
    def _webhooks_path(account_id: str, *rest: str) -> str:
        """Return ``/accounts/{a}/webhooks[/...]`` with encoded segments."""
        return "/".join(
            ("", "accounts", _segment(account_id), "webhooks", *map(_segment, rest))
        )

    async def list_webhooks(self, account_id: str) -> list[WebhookSubscription]:
        """Return the account's webhook subscriptions."""
        payload = await self._request_json("GET", self._webhooks_path(account_id))
        return [
            WebhookSubscription.from_dict(item)
            for item in unwrap_list(payload, "webhooks")
        ]

    async def create_webhook(
        self,
        account_id: str,
        *,
        target_url: str,
        event_types: Sequence[str],
        active: bool = True,
    ) -> WebhookSubscription:
        """Create a subscription; the result carries the gridX-made secret."""
        payload = await self._request_json(
            "POST",
            self._webhooks_path(account_id),
            body={
                "eventTypes": list(event_types),
                "targetURL": target_url,
                "active": active,
            },
        )
        return WebhookSubscription.from_dict(payload)

    async def update_webhook(
        self,
        account_id: str,
        webhook_id: str,
        *,
        target_url: str,
        event_types: Sequence[str],
        active: bool,
    ) -> WebhookSubscription | None:
        """Replace a subscription (full body).

        Returns the updated subscription when gridX answers with one, None
        for a 204 or an empty 2xx (the response is not documented).
        """
        path = self._webhooks_path(account_id, webhook_id)
        _, raw = await self._request(
            "PUT",
            path,
            body={
                "eventTypes": list(event_types),
                "targetURL": target_url,
                "active": active,
            },
        )
        if not raw.strip():
            return None
        return WebhookSubscription.from_dict(
            self._bad_text.clean(_decode(raw, "PUT", path), "PUT", path)
        )

    async def delete_webhook(self, account_id: str, webhook_id: str) -> None:
        """Delete a subscription (inferred endpoint, gridx-facts §3.2)."""
        await self._request("DELETE", self._webhooks_path(account_id, webhook_id))

    async def ping_webhook(self, account_id: str, webhook_id: str) -> None:
        """Ask gridX to send a ``ping`` event to the subscription's target."""
        await self._request(
            "POST", self._webhooks_path(account_id, webhook_id, "ping"), body={}
        )

    async def rotate_webhook_secret(self, account_id: str, webhook_id: str) -> str:
        """Rotate the secret and return the new one.

        The old secret stays valid for 3 days. The response shape is not
        documented: an object with ``secret`` (possibly the whole
        subscription) or a bare JSON string are accepted.
        """
        path = self._webhooks_path(account_id, webhook_id, "secret")
        payload = await self._request_json("POST", path)
        if isinstance(payload, str) and payload:
            return payload
        if isinstance(payload, Mapping):
            secret = payload.get("secret")
            if isinstance(secret, str) and secret:
                return secret
        raise GridxResponseError(f"POST {path}: no secret in the response")

    # -- Notification rules (legacy, gridx-facts §3.1) ---------------------

    @staticmethod
    def _rules_path(account_id: str, user_id: str, *rest: str) -> str:
        """Return ``/accounts/{a}/users/{u}/notifications/rules[/...]``."""
        return "/".join(
            (
                "",
                "accounts",
                _segment(account_id),
                "users",
                _segment(user_id),
                "notifications",
                "rules",
                *map(_segment, rest),
            )
        )

    async def list_rules(self, account_id: str, user_id: str) -> list[NotificationRule]:
        """Return the user's notification rules (webhook or not)."""
        payload = await self._request_json("GET", self._rules_path(account_id, user_id))
        return [
            NotificationRule.from_dict(item) for item in unwrap_list(payload, "rules")
        ]

    async def create_rule(
        self,
        account_id: str,
        user_id: str,
        *,
        event_type: str,
        target_url: str,
        secret: str,
        locale: str = "DE",
    ) -> NotificationRule:
        """Create one webhook rule for one event type with a client-made secret."""
        payload = await self._request_json(
            "POST",
            self._rules_path(account_id, user_id),
            body={
                "eventType": event_type,
                "notificationType": {
                    "webhook": {"targetURL": target_url, "secret": secret}
                },
                "locale": locale,
            },
            secrets=(secret,),
        )
        return NotificationRule.from_dict(payload)

    async def delete_rule(self, account_id: str, user_id: str, rule_id: str) -> None:
        """Delete a notification rule."""
        await self._request("DELETE", self._rules_path(account_id, user_id, rule_id))

    # -- Read API used for polling (gridx-live-facts §2, §2.1) ---------------

    async def _list_pages[T: Gateway | Appliance](
        self, path: str, what: str, parse: Callable[[Any], T]
    ) -> Listing[T]:
        """Return the items of a paged list, all pages (gridx-live-facts §2).

        ``page`` (from 1) and ``per_page`` (20-100). How the last page shows
        is **not documented**, and a server may cap ``per_page`` lower; so
        the walk ends at a page shorter than a full one (``per_page``, or
        the longest page seen when that is shorter, but at least the
        documented minimum of 20), an empty page, or a page without a new
        item (a server that ignores ``page`` repeats its first page).
        `MAX_GATEWAY_PAGES` bounds it: a walk stopped there is not complete.
        """
        items: dict[str, T] = {}
        longest = 0
        separator = "&" if "?" in path else "?"
        for page in range(1, MAX_GATEWAY_PAGES + 1):
            payload = await self._request_json(
                "GET", f"{path}{separator}page={page}&per_page={GATEWAYS_PER_PAGE}"
            )
            parsed = [parse(item) for item in unwrap_list(payload, what)]
            new = {item.id: item for item in parsed if item.id not in items}
            items.update(new)
            full = min(GATEWAYS_PER_PAGE, max(MIN_GATEWAYS_PER_PAGE, longest))
            if not new or len(parsed) < full:
                return Listing(items.values())
            longest = max(longest, len(parsed))
        return Listing(items.values(), complete=False)

    async def list_gateways(self) -> Listing[Gateway]:
        """Return the gateways the token can see (``GET /gateways``), all pages.

        See `_list_pages`; ``complete`` is False when the page limit was hit.
        """
        return await self._list_pages("/gateways", "gateways", Gateway.from_dict)

    async def list_appliances(self, gateway_id: str) -> Listing[Appliance]:
        """Return a gateway's appliances (``GET /gateways/{id}/appliances``).

        With ``listAll=true``: without it gridX leaves out the children of
        hybrid inverters (gridx-live-facts §2.1). **Inferred:** events and
        ``/live`` may name them all the same, and a poll that misses a
        device removes it (`stale`). Paged like `list_gateways` (the spec
        gives this list the same ``page``/``per_page`` parameters).
        """

        def parse(item: Any) -> Appliance:
            return Appliance.from_dict(item, gateway_id=gateway_id)

        return await self._list_pages(
            f"/gateways/{_segment(gateway_id)}/appliances?listAll=true",
            "appliances",
            parse,
        )

    # -- Live and historical measurements (gridx-live-facts §3, §4) ---------

    async def get_live(self, system_id: str) -> LiveMeasurement:
        """Return a system's live values (``GET /systems/{id}/live``)."""
        payload = await self._request_json(
            "GET", f"/systems/{_segment(system_id)}/live"
        )
        return LiveMeasurement.from_dict(payload)

    async def get_historical(
        self,
        system_id: str,
        start: datetime,
        end: datetime,
        resolution: Resolution = Resolution.HOUR,
    ) -> HistoricalSeries:
        """Return a system's history for ``[start, end)`` at ``resolution``.

        The interval goes out as UTC ``Z`` instants, percent-encoded except
        ``/`` and ``:`` (an unencoded ``+`` offset was refused, §4). Raises
        ValueError for an interval longer than gridX accepts.
        """
        if not start < end or end - start > MAX_INTERVAL[resolution]:
            raise ValueError(f"interval not within {MAX_INTERVAL[resolution]}")
        interval = quote(f"{format_time(start)}/{format_time(end)}", safe="/:")
        payload = await self._request_json(
            "GET",
            f"/systems/{_segment(system_id)}/historical"
            f"?interval={interval}&resolution={quote(resolution.value)}",
        )
        return HistoricalSeries.from_dict(payload, resolution)
