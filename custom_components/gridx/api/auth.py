"""Where the REST client gets its ``Authorization`` header: token sources.

- `StaticToken`: a gridX API token (``gxp_``/``gxo_`` go as ``Token``, a
  XENON JWT as ``Bearer``), made by a partner or installer in XENON.
- `PortalSession`: a homeowner's portal login (E.ON Home, 1KOMMA5°, …) at the
  gridX Auth0 tenant, kept alive with rotating refresh tokens
  (gridx-live-facts §1.1).

The session keeps Auth0 calm, because its brute-force protection locks
accounts whose clients retry blindly (§1.1 "Lockouts"):

- a refresh token is used before the bearer expires; a rotated one is handed
  to ``on_refresh_token`` at once and the old one is never sent again (Auth0
  revokes the whole family on reuse);
- no password login while a refresh token works; one when refresh fails;
- at most one password login per `PASSWORD_GRANT_INTERVAL`, longer (doubling
  up to `MAX_BACKOFF`) after 429 or ``too_many_attempts``;
- a refused password or MFA is final for the session: nothing is retried,
  the user must enter new credentials (reauth).

Secrets (password, tokens, e-mail) never appear in a repr, a log line or an
exception message.
"""

from abc import ABC, abstractmethod
import asyncio
import base64
from collections.abc import Callable, Mapping
import json
import logging
import math
import time
from typing import Any, Final

import aiohttp

from .errors import (
    GridxAuthError,
    GridxInvalidCredentialsError,
    GridxMfaRequiredError,
    GridxPortalUnreachableError,
    GridxResponseError,
    GridxTooManyAttemptsError,
)
from .portals import Portal
from .text import drop_bad_text

_LOGGER = logging.getLogger(__name__)

DEFAULT_AUTH_BASE: Final = "https://gridx.eu.auth0.com"
TOKEN_PATH: Final = "/oauth/token"  # noqa: S105 - a path
PASSWORD_REALM_GRANT: Final = "http://auth0.com/oauth/grant-type/password-realm"  # noqa: S105
REFRESH_GRANT: Final = "refresh_token"
# The login gridX asked clients to move to in Aug-Sep 2026: the access token
# is the bearer. The old one (id token as bearer) is being retired (§0.2).
NEW_AUDIENCE: Final = "https://api.gridx.de"
OLD_AUDIENCE: Final = "my.gridx"
SCOPE: Final = "email openid offline_access"
API_TOKEN_PREFIXES: Final = ("gxp_", "gxo_")

PASSWORD_GRANT_INTERVAL: Final = 60.0
MAX_BACKOFF: Final = 3600.0
# Renew this long before the bearer expires (a tenth of short lifetimes).
REFRESH_MARGIN: Final = 300.0
# Used when the answer has no usable ``expires_in`` and the bearer no ``exp``.
FALLBACK_LIFETIME: Final = 3600.0
DEFAULT_REQUEST_TIMEOUT: Final = 10.0
_MAX_MESSAGE_LENGTH: Final = 200
_REDACTED: Final = "***"
# Auth0 answers for a client not allowed the audience (inferred: the codes of
# its "Service not found" / "Client is not authorized to access" answers).
_AUDIENCE_ERRORS: Final = frozenset({"access_denied", "unauthorized_client"})

# Portals whose fallback to the old audience was logged (once per process).
_LOGGED_FALLBACK: set[str] = set()


class TokenSource(ABC):
    """Give the REST client its ``Authorization`` header."""

    @abstractmethod
    async def async_authorization(self) -> str:
        """Return the header value, renewing the credentials when needed."""

    async def async_unauthorized(self, authorization: str) -> bool:
        """Hear that the API answered 401 to ``authorization``.

        Return True when new credentials may help, so the client retries the
        request once. A static token cannot get better: False.
        """
        return False

    @property
    @abstractmethod
    def secrets(self) -> tuple[str, ...]:
        """Return every secret value, for redaction."""


class StaticToken(TokenSource):
    """A fixed gridX API token or XENON JWT."""

    def __init__(self, token: str) -> None:
        """Keep the token; its scheme follows its prefix."""
        self._token = token
        scheme = "Token" if token.startswith(API_TOKEN_PREFIXES) else "Bearer"
        self._authorization = f"{scheme} {token}"

    def __repr__(self) -> str:
        """Never show the token."""
        return "StaticToken()"

    async def async_authorization(self) -> str:
        """Return ``Token <t>`` or ``Bearer <t>``."""
        return self._authorization

    @property
    def secrets(self) -> tuple[str, ...]:
        """Return the token."""
        return (self._token,) if self._token else ()


class _RefusedError(Exception):
    """A 4xx answer of the token endpoint (internal)."""

    def __init__(
        self, status: int, error: str, description: str, retry_after: float | None
    ) -> None:
        super().__init__(status, error)
        self.status = status
        self.error = error
        self.description = description
        self.retry_after = retry_after


class _MaybeConsumedError(GridxPortalUnreachableError):
    """The request may have reached Auth0 but no answer was read (internal).

    After such a refresh the token may already be rotated: it is not sent
    again (§1.1: L never replays a refresh after a transport error).
    """


def _retry_after(value: str | None) -> float | None:
    """Return a delta-seconds Retry-After, else None."""
    try:
        seconds = float(value or "")
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def jwt_claims(token: str) -> dict[str, Any]:
    """Return the payload of a JWT without verifying it ({} when not a JWT).

    Only used to read ``sub`` and ``exp`` of tokens Auth0 just gave us.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        raw = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(raw)
    except ValueError:
        return {}
    drop_bad_text(claims)  # a claim no one can store (`text`) is absent
    return claims if isinstance(claims, dict) else {}


class PortalSession(TokenSource):
    """A homeowner's portal login: password-realm grant plus refresh tokens.

    ``on_refresh_token`` is called with each new refresh token (None when
    the session dropped its refresh token) before the new bearer is used,
    so the caller can persist it at once. ``clock`` returns seconds since
    the epoch (a JWT's ``exp`` is compared with it).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        portal: Portal,
        email: str,
        password: str,
        *,
        auth_base: str = DEFAULT_AUTH_BASE,
        refresh_token: str | None = None,
        on_refresh_token: Callable[[str | None], None] | None = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Prepare the session; nothing is sent before the first use."""
        self._session = session
        self.portal = portal
        self._email = email
        self._password = password
        self._token_url = f"{auth_base.rstrip('/')}{TOKEN_PATH}"
        self._refresh_token = refresh_token or None
        self._on_refresh_token = on_refresh_token
        self._request_timeout = request_timeout
        self._clock = clock
        self._lock = asyncio.Lock()
        self._bearer: str | None = None
        self._other_tokens: tuple[str, ...] = ()
        self._expires_at = 0.0
        self._subject: str | None = None
        self._legacy = False
        # Earliest time of the next password grant, and refusals in a row.
        self._not_before = 0.0
        self._throttled = 0
        self._backoff_until = 0.0
        self._refused: GridxAuthError | None = None

    def __repr__(self) -> str:
        """Name the portal and tenant, never the account or a token."""
        return (
            f"PortalSession(portal={self.portal.key!r}, token_url={self._token_url!r})"
        )

    # -- what the integration reads ---------------------------------------

    @property
    def subject(self) -> str | None:
        """Return the ``sub`` claim of the last login (the stable user id)."""
        return self._subject

    @property
    def refresh_token(self) -> str | None:
        """Return the current refresh token (to persist), or None."""
        return self._refresh_token

    @property
    def legacy_audience(self) -> bool:
        """Return True when the portal refused the new audience."""
        return self._legacy

    @property
    def secrets(self) -> tuple[str, ...]:
        """Return the password, e-mail and every token, for redaction."""
        values = (
            self._password,
            self._email,
            self._bearer,
            self._refresh_token,
            *self._other_tokens,
        )
        return tuple(v for v in values if v)

    # -- TokenSource ----------------------------------------------------------

    async def async_authorization(self) -> str:
        """Return ``Bearer <token>``, refreshing or logging in when needed."""
        async with self._lock:
            if self._bearer is None or self._clock() >= self._expires_at:
                await self._async_renew()
            assert self._bearer is not None  # noqa: S101 - set by a renewal
            return f"Bearer {self._bearer}"

    async def async_unauthorized(self, authorization: str) -> bool:
        """Drop the refused bearer; True unless the credentials were refused."""
        async with self._lock:
            if self._bearer is not None and authorization == f"Bearer {self._bearer}":
                self._expires_at = 0.0
            return self._refused is None

    async def async_login(self) -> None:
        """Get a bearer now (the config flow's credential check)."""
        await self.async_authorization()

    # -- renewal --------------------------------------------------------------

    async def _async_renew(self) -> None:
        """Refresh if a refresh token works, else one password grant."""
        if self._refused is not None:
            raise self._refused.with_traceback(None)
        now = self._clock()
        if now < self._backoff_until:
            raise GridxTooManyAttemptsError(
                429,
                "logins held back after the portal throttled",
                self._backoff_until - now,
            )
        if self._refresh_token is not None:
            try:
                await self._async_refresh(self._refresh_token)
            except _MaybeConsumedError:
                self._set_refresh_token(None)
            except _RefusedError as err:
                if err.status == 429 or err.error == "too_many_attempts":
                    raise self._throttle(err) from None
                # invalid_grant: revoked, expired or reused; log in again.
                _LOGGER.debug("Refresh refused (%s); logging in again", err.error)
                self._set_refresh_token(None)
            else:
                return
        await self._async_password_grant()

    async def _async_refresh(self, refresh_token: str) -> None:
        """Trade the refresh token for new tokens (rotation aware)."""
        answer = await self._post(
            {
                "grant_type": REFRESH_GRANT,
                "client_id": self.portal.client_id,
                "refresh_token": refresh_token,
            },
            consumes=True,
        )
        self._accept(answer, keep_refresh_token=True)

    async def _async_password_grant(self) -> None:
        """Log in with e-mail and password: new audience first, then the old."""
        now = self._clock()
        if now < self._not_before:
            raise GridxTooManyAttemptsError(
                429,
                "password login held back to protect the account",
                self._not_before - now,
            )
        self._not_before = now + PASSWORD_GRANT_INTERVAL
        try:
            if not self._legacy:
                try:
                    answer = await self._post(self._password_body(NEW_AUDIENCE))
                except _RefusedError as err:
                    if err.error not in _AUDIENCE_ERRORS:
                        raise
                    # Refused before the password was checked (inferred): the
                    # old-audience request is the second half of one login.
                    self._legacy = True
                    if self.portal.key not in _LOGGED_FALLBACK:
                        _LOGGED_FALLBACK.add(self.portal.key)
                        _LOGGER.warning(
                            "The %s portal refused the audience %s; using the "
                            "old login (audience %s, id token), which gridX is "
                            "retiring",
                            self.portal.name,
                            NEW_AUDIENCE,
                            OLD_AUDIENCE,
                        )
            if self._legacy:
                answer = await self._post(self._password_body(OLD_AUDIENCE))
        except _RefusedError as err:
            raise self._password_refused(err) from None
        self._throttled = 0
        self._accept(answer, keep_refresh_token=False)

    def _password_body(self, audience: str) -> dict[str, str]:
        """Return the password-realm grant body for ``audience``."""
        return {
            "grant_type": PASSWORD_REALM_GRANT,
            "client_id": self.portal.client_id,
            "realm": self.portal.realm,
            "username": self._email,
            "password": self._password,
            "audience": audience,
            "scope": SCOPE,
        }

    def _password_refused(self, err: _RefusedError) -> Exception:
        """Map a refused password grant to a typed error (and remember it)."""
        description = f"{err.error} {err.description}".lower()
        if err.status == 429 or "too_many_attempts" in description:
            return self._throttle(err)
        if "blocked" in description:
            return self._throttle(err, locked=True)
        if err.error == "mfa_required":
            self._refused = GridxMfaRequiredError(
                err.status, "the account requires multi-factor authentication"
            )
        else:
            # invalid_grant (standard Auth0 for a wrong password, inferred);
            # clients treat any 4xx here as bad credentials (§1.1).
            self._refused = GridxInvalidCredentialsError(
                err.status,
                f"the portal refused the e-mail or password ({self._clean(err)})",
            )
        return self._refused

    def _throttle(self, err: _RefusedError, *, locked: bool = False) -> Exception:
        """Back off password logins after 429 / too_many_attempts."""
        self._throttled += 1
        delay = min(MAX_BACKOFF, PASSWORD_GRANT_INTERVAL * 2**self._throttled)
        delay = max(delay, err.retry_after or 0.0)
        self._backoff_until = self._clock() + delay
        self._not_before = max(self._not_before, self._backoff_until)
        locked = locked or err.error == "too_many_attempts"
        return GridxTooManyAttemptsError(
            err.status,
            f"the portal throttles logins ({self._clean(err)})",
            delay,
            locked=locked,
        )

    def _accept(self, answer: Mapping[str, Any], *, keep_refresh_token: bool) -> None:
        """Take the bearer, its lifetime, the subject and a rotated refresh token."""
        access_token = answer.get("access_token")
        id_token = answer.get("id_token")
        bearer = id_token if self._legacy else access_token
        if not isinstance(bearer, str) or not bearer:
            raise GridxResponseError(
                "the portal's token answer has no "
                + ("id_token" if self._legacy else "access_token")
            )
        now = self._clock()
        claims = jwt_claims(bearer)
        lifetimes = []
        expires_in = answer.get("expires_in")
        if isinstance(expires_in, int | float) and expires_in > 0:
            lifetimes.append(float(expires_in))
        # The id token lives 10 h while expires_in says 24 h (§1.1): trust
        # the bearer's own exp when it has one.
        exp = claims.get("exp")
        if isinstance(exp, int | float):
            lifetimes.append(float(exp) - now)
        lifetime = max(0.0, min(lifetimes, default=FALLBACK_LIFETIME))
        self._bearer = bearer
        self._other_tokens = tuple(
            t for t in (access_token, id_token) if isinstance(t, str) and t
        )
        self._expires_at = now + lifetime - min(REFRESH_MARGIN, lifetime / 10)
        subject = claims.get("sub")
        if not isinstance(subject, str) and isinstance(id_token, str):
            subject = jwt_claims(id_token).get("sub")
        if isinstance(subject, str) and subject:
            self._subject = subject
        new_refresh = answer.get("refresh_token")
        if isinstance(new_refresh, str) and new_refresh:
            self._set_refresh_token(new_refresh)
        elif not keep_refresh_token:
            # No offline_access granted: later renewals are password logins.
            self._set_refresh_token(None)
        # A refresh answer without a new one: rotation is off, the old one
        # stays valid (Auth0 returns a new token whenever it rotates).

    def _set_refresh_token(self, value: str | None) -> None:
        """Replace the refresh token and tell the owner at once."""
        if value == self._refresh_token:
            return
        self._refresh_token = value
        if self._on_refresh_token is not None:
            self._on_refresh_token(value)

    # -- transport ------------------------------------------------------------

    def _clean(self, err: _RefusedError) -> str:
        """Return the error code and description, secrets blanked, bounded."""
        text = f"{err.error}: {err.description}" if err.description else err.error
        for secret in self.secrets:
            text = text.replace(secret, _REDACTED)
        if len(text) > _MAX_MESSAGE_LENGTH:
            text = text[: _MAX_MESSAGE_LENGTH - 1] + "…"
        return text

    async def _post(
        self, body: Mapping[str, str], *, consumes: bool = False
    ) -> dict[str, Any]:
        """POST a grant; return the JSON answer of a 200.

        Raises `_RefusedError` for a 4xx, `GridxPortalUnreachableError` when no
        usable answer came (``_MaybeConsumedError`` when ``consumes`` and the
        request may have been processed).
        """
        maybe = _MaybeConsumedError if consumes else GridxPortalUnreachableError
        try:
            async with (
                asyncio.timeout(self._request_timeout),
                self._session.post(
                    self._token_url,
                    json=dict(body),
                    headers={"Accept": "application/json"},
                ) as resp,
            ):
                status = resp.status
                raw = await resp.read()
                retry_after = _retry_after(resp.headers.get("Retry-After"))
        except TimeoutError:
            raise maybe(
                f"the portal did not answer within {self._request_timeout:g} s"
            ) from None
        except aiohttp.ClientConnectorError as err:
            # Not connected: the request never left, nothing was consumed.
            raise GridxPortalUnreachableError(
                f"cannot reach the portal: {type(err).__name__}"
            ) from None
        except aiohttp.ClientError as err:
            # Not chained and no text: the error may quote the request.
            raise maybe(f"the portal connection failed: {type(err).__name__}") from None
        _LOGGER.debug("POST %s (%s) -> %s", TOKEN_PATH, body["grant_type"], status)
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        # A token or text no one can store (`text`) is absent: tokens end
        # up in the config entry, saved with Home Assistant's own storage.
        drop_bad_text(parsed)
        if status >= 500:
            raise GridxPortalUnreachableError(f"the portal answered HTTP {status}")
        if status >= 400:
            answer = parsed if isinstance(parsed, dict) else {}
            error_code = answer.get("error")
            description = answer.get("error_description")
            raise _RefusedError(
                status,
                error_code if isinstance(error_code, str) else f"http_{status}",
                description if isinstance(description, str) else "",
                retry_after,
            )
        if status != 200 or not isinstance(parsed, dict):
            raise maybe(f"the portal answered HTTP {status} without tokens")
        return parsed
