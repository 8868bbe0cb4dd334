"""An Auth0-like ``POST /oauth/token`` for the gridX homeowner portals.

It stands in for ``https://gridx.eu.auth0.com`` (gridx-live-facts §1.1):

- the password-realm grant, with audience ``https://api.gridx.de`` (the
  access token is the API bearer) or the old ``my.gridx`` (the id token is);
  clients listed in ``legacy_only_clients`` refuse the new audience;
- the refresh_token grant with rotation: every refresh answers a new refresh
  token and spends the old one; presenting a spent one revokes its whole
  family (Auth0's reuse detection);
- Auth0's error answers: ``invalid_grant`` (wrong password, bad or revoked
  refresh token), ``mfa_required``, ``too_many_attempts`` (429, after
  ``max_failed_logins`` wrong passwords in a row, as brute-force protection
  does), ``access_denied`` (audience), and injected faults (`fail_next`);
- expiry: access and id tokens die after their lifetimes; the REST API then
  answers 401 (`api_token` is how it recognises portal bearers).

Portal users carry their own policies; by default the Webhook Subscription
API and notification rules are refused (`PUSH_POLICIES`), as is likely for
homeowner accounts (§1.3). Tokens are JWT-shaped (HS256 with a key of this
process) so clients can read ``sub`` and ``exp``. In memory only: after a
restart refresh tokens are gone and clients log in again.
"""

from __future__ import annotations

import base64
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from .faults import Fault
from .state import ALL_POLICIES, Token

NEW_AUDIENCE = "https://api.gridx.de"
OLD_AUDIENCE = "my.gridx"
PASSWORD_REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm"  # noqa: S105
REFRESH_GRANT = "refresh_token"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path
# What homeowner tokens are assumed to lack: push needs a token from XENON.
PUSH_POLICIES: frozenset[str] = frozenset(
    {"WebhooksRead", "WebhooksWrite", "AccountsUsersRead", "AccountsUsersWrite"}
)
ACCESS_TOKEN_LIFETIME = 86400.0
ID_TOKEN_LIFETIME = 36000.0
MAX_FAILED_LOGINS = 10
# The demo portal login `seed_demo_portal` creates (not secrets).
DEMO_PORTAL_EMAIL = "homeowner@example.invalid"
DEMO_PORTAL_PASSWORD = "demo-password"  # noqa: S105
DEMO_MFA_EMAIL = "mfa@example.invalid"


def portal_policies(*, read_user: bool = True) -> set[str]:
    """Return every emulated policy except push (and ``ReadUser`` if told)."""
    policies = set(ALL_POLICIES) - PUSH_POLICIES
    if not read_user:
        policies.discard("ReadUser")
    return policies


@dataclass
class PortalUser:
    """A homeowner's portal login, tied to a gridX user of the emulator."""

    email: str
    password: str
    user_id: str
    realm: str
    sub: str
    policies: set[str]
    mfa: bool = False
    failed_logins: int = 0
    blocked: bool = False


@dataclass
class _Bearer:
    """A token the REST API accepts (access token, or legacy id token)."""

    user: PortalUser
    expires_at: float


@dataclass
class _RefreshToken:
    """One refresh token of a rotation family."""

    user: PortalUser
    client_id: str
    audience: str
    family: str
    spent: bool = False


class AuthError(Exception):
    """An Auth0 error answer ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str, **extra: str) -> None:
        """Store the status and body fields."""
        super().__init__(f"{status} {error}")
        self.status = status
        self.body = {"error": error, "error_description": description, **extra}


@dataclass
class Auth0Emulator:
    """The portal users, issued tokens and the token endpoint."""

    clock: Callable[[], float] = time.time
    access_token_lifetime: float = ACCESS_TOKEN_LIFETIME
    id_token_lifetime: float = ID_TOKEN_LIFETIME
    max_failed_logins: int = MAX_FAILED_LOGINS
    # False: no refresh tokens even with offline_access (not documented
    # whether gridX issues them; clients must cope without).
    issue_refresh_tokens: bool = True
    legacy_only_clients: set[str] = field(default_factory=set)
    users: dict[tuple[str, str], PortalUser] = field(default_factory=dict)
    # Every grant request, password left out, oldest first (tests read it).
    grants: list[dict[str, str]] = field(default_factory=list)
    _bearers: dict[str, _Bearer] = field(default_factory=dict)
    _refresh: dict[str, _RefreshToken] = field(default_factory=dict)
    _revoked_families: set[str] = field(default_factory=set)
    _faults: deque[Fault] = field(default_factory=deque)
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    # -- setup -------------------------------------------------------------

    def add_user(
        self,
        email: str,
        password: str,
        *,
        user_id: str,
        realm: str = "eon-home-authentication-db",
        policies: Iterable[str] | None = None,
        mfa: bool = False,
    ) -> PortalUser:
        """Add (or replace) a portal login for the gridX user ``user_id``."""
        user = PortalUser(
            email=email,
            password=password,
            user_id=user_id,
            realm=realm,
            sub=f"auth0|{secrets.token_hex(12)}",
            policies=set(portal_policies() if policies is None else policies),
            mfa=mfa,
        )
        self.users[realm, email.lower()] = user
        return user

    def user(self, email: str, realm: str = "eon-home-authentication-db") -> PortalUser:
        """Return the portal user with ``email`` in ``realm``."""
        return self.users[realm, email.lower()]

    def set_password(self, user: PortalUser, password: str) -> None:
        """Change the password; like Auth0, this revokes the refresh tokens."""
        user.password = password
        self.revoke_refresh_tokens(user)

    def revoke_refresh_tokens(self, user: PortalUser) -> None:
        """Revoke every refresh token family of ``user``."""
        for token in self._refresh.values():
            if token.user is user:
                self._revoked_families.add(token.family)

    def expire_bearers(self) -> None:
        """Let every issued access and id token expire now."""
        for bearer in self._bearers.values():
            bearer.expires_at = self.clock()

    def fail_next(
        self,
        *,
        status: int | None = None,
        body: Mapping[str, Any] | None = None,
        retry_after: float | None = None,
        drop: bool = False,
        count: int = 1,
    ) -> None:
        """Make the next ``count`` token requests fail (status or dropped)."""
        fault = Fault(status=status, drop=drop, body=body, retry_after=retry_after)
        self._faults.extend([fault] * count)

    def seed_demo_portal(
        self, user_id: str, *, password: str = DEMO_PORTAL_PASSWORD
    ) -> PortalUser:
        """Add the demo homeowner (E.ON Home, no push) and an MFA user.

        Both log in with ``password`` as the gridX user ``user_id``.
        """
        self.add_user(DEMO_MFA_EMAIL, password, user_id=user_id, mfa=True)
        return self.add_user(DEMO_PORTAL_EMAIL, password, user_id=user_id)

    # -- the REST API's view ---------------------------------------------------

    def api_token(self, value: str) -> Token | None:
        """Return the API token a valid portal bearer stands for, else None."""
        bearer = self._bearers.get(value)
        if bearer is None or self.clock() >= bearer.expires_at:
            return None
        return Token(user_id=bearer.user.user_id, policies=set(bearer.user.policies))

    def refresh_tokens_of(self, user: PortalUser) -> list[str]:
        """Return the live (unspent, unrevoked) refresh tokens of ``user``."""
        return [
            value
            for value, token in self._refresh.items()
            if token.user is user
            and not token.spent
            and token.family not in self._revoked_families
        ]

    # -- the endpoint ------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Serve ``POST /oauth/token`` on ``app``."""
        app.router.add_post(TOKEN_PATH, self._handle, name="oauth_token")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one grant request (JSON or form-encoded body)."""
        if self._faults:
            fault = self._faults.popleft()
            if fault.drop:
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            return web.json_response(
                dict(fault.body or {"error": "server_error"}),
                status=fault.status or 500,
                headers=headers,
            )
        try:
            answer = self._grant(await _read_body(request))
        except AuthError as err:
            return web.json_response(err.body, status=err.status)
        return web.json_response(answer, headers={"Cache-Control": "no-store"})

    def _grant(self, body: Mapping[str, str]) -> dict[str, Any]:
        """Record the request (without the password) and run its grant."""
        grant_type = body.get("grant_type", "")
        self.grants.append({k: v for k, v in body.items() if k != "password"})
        if grant_type == PASSWORD_REALM_GRANT:
            return self._password_grant(body)
        if grant_type == REFRESH_GRANT:
            return self._refresh_grant(body)
        raise AuthError(
            400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}"
        )

    def _password_grant(self, body: Mapping[str, str]) -> dict[str, Any]:
        """The password-realm grant."""
        for key in ("client_id", "realm", "username", "password"):
            if not body.get(key):
                raise AuthError(
                    400, "invalid_request", f"Missing required parameter: {key}"
                )
        client_id = body["client_id"]
        audience = body.get("audience", "")
        if audience not in (NEW_AUDIENCE, OLD_AUDIENCE):
            raise AuthError(403, "access_denied", f"Service not found: {audience}")
        if audience == NEW_AUDIENCE and client_id in self.legacy_only_clients:
            raise AuthError(
                403,
                "access_denied",
                f'Client is not authorized to access "{NEW_AUDIENCE}".',
            )
        user = self.users.get((body["realm"], body["username"].lower()))
        if user is not None and user.blocked:
            raise AuthError(
                429,
                "too_many_attempts",
                "Your account has been blocked after multiple consecutive login attempts.",
            )
        if user is None or not hmac.compare_digest(user.password, body["password"]):
            if user is not None:
                user.failed_logins += 1
                user.blocked = user.failed_logins >= self.max_failed_logins
            raise AuthError(403, "invalid_grant", "Wrong email or password.")
        user.failed_logins = 0
        if user.mfa:
            raise AuthError(
                403,
                "mfa_required",
                "Multifactor authentication required",
                mfa_token=secrets.token_urlsafe(16),
            )
        scope = body.get("scope", "openid")
        return self._issue(user, client_id, audience, scope, family=None)

    def _refresh_grant(self, body: Mapping[str, str]) -> dict[str, Any]:
        """The refresh_token grant, rotating, with reuse detection."""
        token = self._refresh.get(body.get("refresh_token", ""))
        invalid = AuthError(403, "invalid_grant", "Unknown or invalid refresh token.")
        if token is None or token.client_id != body.get("client_id"):
            raise invalid
        if token.family in self._revoked_families:
            raise invalid
        if token.spent:
            # Reuse of a rotated token: revoke everything it descends from.
            self._revoked_families.add(token.family)
            raise invalid
        token.spent = True
        return self._issue(
            token.user,
            token.client_id,
            token.audience,
            "openid email offline_access",
            family=token.family,
        )

    def _issue(
        self,
        user: PortalUser,
        client_id: str,
        audience: str,
        scope: str,
        *,
        family: str | None,
    ) -> dict[str, Any]:
        """Return a token answer; remember what the API will accept."""
        now = self.clock()
        issuer = "https://gridx.eu.auth0.com/"
        access = self._jwt(
            {
                "iss": issuer,
                "sub": user.sub,
                "aud": [audience, f"{issuer}userinfo"],
                "azp": client_id,
                "scope": scope,
                "gty": "password",
                "iat": int(now),
                "exp": int(now + self.access_token_lifetime),
            }
        )
        id_token = self._jwt(
            {
                "iss": issuer,
                "sub": user.sub,
                "aud": client_id,
                "email": user.email,
                "iat": int(now),
                "exp": int(now + self.id_token_lifetime),
            }
        )
        if audience == NEW_AUDIENCE:
            self._bearers[access] = _Bearer(user, now + self.access_token_lifetime)
        else:
            self._bearers[id_token] = _Bearer(user, now + self.id_token_lifetime)
        answer: dict[str, Any] = {
            "access_token": access,
            "id_token": id_token,
            "scope": scope,
            "expires_in": int(self.access_token_lifetime),
            "token_type": "Bearer",
        }
        if self.issue_refresh_tokens and "offline_access" in scope.split():
            refresh = secrets.token_urlsafe(32)
            self._refresh[refresh] = _RefreshToken(
                user=user,
                client_id=client_id,
                audience=audience,
                family=family or secrets.token_hex(8),
            )
            answer["refresh_token"] = refresh
        return answer

    def _jwt(self, claims: Mapping[str, Any]) -> str:
        """Return an HS256 JWT of ``claims`` (unique per call via ``jti``)."""
        header = _b64({"alg": "HS256", "typ": "JWT"})
        payload = _b64({**claims, "jti": secrets.token_hex(8)})
        signature = hmac.new(
            self._key, f"{header}.{payload}".encode(), hashlib.sha256
        ).digest()
        return f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _b64(value: Mapping[str, Any]) -> str:
    """Return base64url JSON without padding."""
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def _read_body(request: web.Request) -> dict[str, str]:
    """Return the string fields of a JSON or form-encoded body (else 400)."""
    raw = await request.read()
    if request.content_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode(errors="replace")))
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise AuthError(400, "invalid_request", "The body must be a JSON object")
    return {str(k): v for k, v in body.items() if isinstance(v, str)}
