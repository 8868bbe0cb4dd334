"""Tests for the token sources: a static API token and the portal session.

The portal session talks to the emulator's Auth0 stand-in over real HTTP on
127.0.0.1; a shared fake clock drives expiry on both sides (no timed tests).
Edge cases the emulator cannot produce (a 200 without tokens, a timeout)
use Home Assistant's `aioclient_mock`.
"""

import base64
from collections.abc import AsyncGenerator
import logging
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.gridx.api import auth
from custom_components.gridx.api.auth import (
    NEW_AUDIENCE,
    OLD_AUDIENCE,
    PASSWORD_GRANT_INTERVAL,
    PASSWORD_REALM_GRANT,
    PortalSession,
    StaticToken,
    jwt_claims,
)
from custom_components.gridx.api.client import GridxClient
from custom_components.gridx.api.errors import (
    GridxAuthError,
    GridxInvalidCredentialsError,
    GridxMfaRequiredError,
    GridxPermissionError,
    GridxPortalUnreachableError,
    GridxRateLimitError,
    GridxResponseError,
    GridxTooManyAttemptsError,
)
from custom_components.gridx.api.portals import (
    DEFAULT_PORTAL,
    PORTALS,
    REALM_SUFFIX,
    get_portal,
)
from gridx_emulator import DemoIds, GridxEmulator
from gridx_emulator.auth0 import PortalUser

EMAIL = "owner@example.invalid"
PASSWORD = "correct horse battery staple"
EON = get_portal("eon-home")
START = 1_900_000_000.0
MOCK_AUTH = "https://auth.example.invalid"


class Clock:
    """A settable wall clock shared by the session and the emulator."""

    def __init__(self) -> None:
        """Start at a fixed instant."""
        self.now = START

    def __call__(self) -> float:
        """Return the current fake time."""
        return self.now


@pytest.fixture
def clock(emulator: GridxEmulator) -> Clock:
    """Return the clock, also used by the emulator's Auth0."""
    fake = Clock()
    emulator.auth0.clock = fake
    return fake


@pytest.fixture
def owner(emulator: GridxEmulator, demo_ids: DemoIds) -> PortalUser:
    """Return a homeowner login (E.ON, no push policies) of the demo user."""
    return emulator.auth0.add_user(EMAIL, PASSWORD, user_id=demo_ids.user_id)


@pytest.fixture
async def http(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """Return a client session that may reach 127.0.0.1."""
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
    ) as session:
        yield session


class Persisted:
    """Records what the session hands to ``on_refresh_token``."""

    def __init__(self) -> None:
        """Start empty."""
        self.values: list[str | None] = []

    def __call__(self, value: str | None) -> None:
        """Record one value."""
        self.values.append(value)


def make_session(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    *,
    password: str = PASSWORD,
    email: str = EMAIL,
    refresh_token: str | None = None,
    persisted: Persisted | None = None,
    portal_key: str = "eon-home",
) -> PortalSession:
    """Return a portal session against the emulator's Auth0."""
    return PortalSession(
        http,
        get_portal(portal_key),
        email,
        password,
        auth_base=emulator.base_url,
        refresh_token=refresh_token,
        on_refresh_token=persisted,
        clock=clock,
    )


def grant_types(emulator: GridxEmulator) -> list[str]:
    """Return the grant types the emulator received, in order."""
    return [
        "password" if g["grant_type"] == PASSWORD_REALM_GRANT else g["grant_type"]
        for g in emulator.auth0.grants
    ]


# -- the portal table ------------------------------------------------------------


def test_portal_table() -> None:
    """Keys are unique realm prefixes; E.ON Home Manager is the default."""
    keys = [portal.key for portal in PORTALS]
    assert len(keys) == len(set(keys)) == 24
    assert len({portal.client_id for portal in PORTALS}) == 24
    assert DEFAULT_PORTAL in keys
    assert EON.name == "E.ON Home Manager"
    assert EON.client_id == "mG0Phmo7DmnvAqO7p6B0WOYBODppY3cc"
    assert EON.realm == "eon-home-authentication-db"
    assert all(p.realm == p.key + REALM_SUFFIX for p in PORTALS)
    assert "gridx-poc-1" not in keys
    with pytest.raises(KeyError):
        get_portal("nope")


# -- the static token ---------------------------------------------------------------


async def test_static_token() -> None:
    """A static token never renews and is its own only secret."""
    source = StaticToken("gxp_secret0123")

    assert await source.async_authorization() == "Token gxp_secret0123"
    assert not await source.async_unauthorized("Token gxp_secret0123")
    assert source.secrets == ("gxp_secret0123",)
    assert "gxp_secret0123" not in repr(source)
    assert StaticToken("").secrets == ()


# -- login -----------------------------------------------------------------------------


async def test_login_new_audience(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
    demo_ids: DemoIds,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The password-realm grant asks for api.gridx.de; the access token is the bearer."""
    caplog.set_level(logging.DEBUG)
    persisted = Persisted()
    session = make_session(http, emulator, clock, persisted=persisted)
    client = GridxClient(session, http, base_url=emulator.base_url)

    user = await client.get_user()

    assert user.id == demo_ids.user_id
    [grant] = emulator.auth0.grants
    assert grant == {
        "grant_type": PASSWORD_REALM_GRANT,
        "client_id": EON.client_id,
        "realm": "eon-home-authentication-db",
        "username": EMAIL,
        "audience": NEW_AUDIENCE,
        "scope": "email openid offline_access",
    }
    authorization = await session.async_authorization()
    bearer = authorization.removeprefix("Bearer ")
    assert jwt_claims(bearer)["aud"][0] == NEW_AUDIENCE
    assert session.subject == owner.sub
    assert not session.legacy_audience
    assert persisted.values == [session.refresh_token]
    assert session.refresh_token in emulator.auth0.refresh_tokens_of(owner)
    # Secrets stay out of the repr and the log.
    for secret in (PASSWORD, EMAIL, bearer, session.refresh_token):
        assert secret
        assert secret in session.secrets
        assert secret not in repr(session)
        assert secret not in repr(client)
        assert secret not in caplog.text


async def test_refresh_rotates_before_expiry(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
) -> None:
    """Renewal uses the refresh token; each rotation is persisted at once."""
    persisted = Persisted()
    session = make_session(http, emulator, clock, persisted=persisted)
    first = await session.async_authorization()
    first_refresh = session.refresh_token

    clock.now += 86400 - 301  # still outside the 300 s margin: no renewal
    assert await session.async_authorization() == first
    clock.now += 2  # inside the margin: refresh
    second = await session.async_authorization()

    assert second != first
    assert grant_types(emulator) == ["password", "refresh_token"]
    assert emulator.auth0.grants[1]["refresh_token"] == first_refresh
    assert emulator.auth0.grants[1]["client_id"] == EON.client_id
    assert session.refresh_token not in (None, first_refresh)
    assert persisted.values == [first_refresh, session.refresh_token]
    assert emulator.auth0.refresh_tokens_of(owner) == [session.refresh_token]


async def test_stored_refresh_token_avoids_password_login(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
) -> None:
    """A session started with a stored refresh token never sends the password."""
    first = make_session(http, emulator, clock)
    await first.async_login()
    emulator.auth0.grants.clear()

    persisted = Persisted()
    second = make_session(
        http, emulator, clock, refresh_token=first.refresh_token, persisted=persisted
    )
    await second.async_login()

    assert grant_types(emulator) == ["refresh_token"]
    assert persisted.values == [second.refresh_token]
    assert second.subject == owner.sub


async def test_reused_refresh_token_is_refused(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
) -> None:
    """The emulator revokes a family on reuse; the session then logs in once."""
    first = make_session(http, emulator, clock)
    await first.async_login()
    stale = first.refresh_token
    clock.now += 86400
    await first.async_authorization()  # rotates: `stale` is spent
    emulator.auth0.grants.clear()

    persisted = Persisted()
    replay = make_session(
        http, emulator, clock, refresh_token=stale, persisted=persisted
    )
    await replay.async_login()

    assert grant_types(emulator) == ["refresh_token", "password"]
    # The reuse revoked the family, the live token of `first` included.
    assert first.refresh_token not in emulator.auth0.refresh_tokens_of(owner)
    assert persisted.values == [None, replay.refresh_token]


async def test_revoked_refresh_then_new_password_needs_reauth(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
) -> None:
    """A changed password revokes the refresh token; the old password is final."""
    session = make_session(http, emulator, clock)
    await session.async_login()
    emulator.auth0.set_password(owner, "a new password")
    clock.now += 86400

    with pytest.raises(GridxInvalidCredentialsError) as err:
        await session.async_authorization()
    assert grant_types(emulator) == ["password", "refresh_token", "password"]
    assert PASSWORD not in str(err.value)
    assert EMAIL not in str(err.value)

    # Nothing is retried with refused credentials, not even after 60 s.
    clock.now += 3600
    with pytest.raises(GridxInvalidCredentialsError):
        await session.async_authorization()
    assert len(emulator.auth0.grants) == 3
    assert session.refresh_token is None


async def test_one_password_login_per_minute(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
) -> None:
    """When refresh fails within 60 s of a login, no second login is sent."""
    emulator.auth0.access_token_lifetime = 20
    session = make_session(http, emulator, clock)
    await session.async_login()
    emulator.auth0.revoke_refresh_tokens(owner)
    clock.now += 30

    with pytest.raises(GridxTooManyAttemptsError) as err:
        await session.async_authorization()
    assert err.value.retry_after == pytest.approx(PASSWORD_GRANT_INTERVAL - 30)
    assert not err.value.locked
    assert isinstance(err.value, GridxRateLimitError)
    assert grant_types(emulator) == ["password", "refresh_token"]

    clock.now += 30
    await session.async_authorization()
    assert grant_types(emulator) == ["password", "refresh_token", "password"]


async def test_mfa_is_final(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    demo_ids: DemoIds,
) -> None:
    """An MFA account cannot use this login; nothing is retried."""
    emulator.auth0.add_user(EMAIL, PASSWORD, user_id=demo_ids.user_id, mfa=True)
    session = make_session(http, emulator, clock)

    with pytest.raises(GridxMfaRequiredError) as err:
        await session.async_login()
    assert isinstance(err.value, GridxAuthError)
    clock.now += 3600
    with pytest.raises(GridxMfaRequiredError):
        await session.async_login()
    assert len(emulator.auth0.grants) == 1


async def test_wrong_password_then_lockout(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
) -> None:
    """Wrong passwords are refused; the blocked account backs logins off."""
    emulator.auth0.max_failed_logins = 2
    for _ in range(2):
        with pytest.raises(GridxInvalidCredentialsError) as err:
            await make_session(http, emulator, clock, password="wrong").async_login()
        assert err.value.status == 403
        assert "invalid_grant" in str(err.value)
    assert owner.blocked

    session = make_session(http, emulator, clock)
    with pytest.raises(GridxTooManyAttemptsError) as locked:
        await session.async_login()
    assert locked.value.locked
    assert locked.value.retry_after == 2 * PASSWORD_GRANT_INTERVAL
    # Held back without asking the portal, for the whole back-off.
    clock.now += 2 * PASSWORD_GRANT_INTERVAL - 1
    with pytest.raises(GridxTooManyAttemptsError) as held:
        await session.async_login()
    assert held.value.retry_after == pytest.approx(1)
    assert len(emulator.auth0.grants) == 3

    # Unblocked (e-mail link): the next try after the back-off works.
    owner.blocked = False
    clock.now += 1
    await session.async_login()
    assert len(emulator.auth0.grants) == 4


async def test_rate_limit_on_refresh_keeps_refresh_token(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
) -> None:
    """A 429 with Retry-After backs off; the refresh token is kept."""
    session = make_session(http, emulator, clock)
    await session.async_login()
    kept = session.refresh_token
    clock.now += 86400
    emulator.auth0.fail_next(
        status=429, body={"error": "too_many_requests"}, retry_after=900
    )

    with pytest.raises(GridxTooManyAttemptsError) as err:
        await session.async_authorization()
    assert err.value.retry_after == 900
    assert not err.value.locked
    assert session.refresh_token == kept
    clock.now += 899
    with pytest.raises(GridxTooManyAttemptsError):
        await session.async_authorization()
    assert len(emulator.auth0.grants) == 1  # the 429 was a fault, not a grant

    clock.now += 1
    await session.async_authorization()
    assert grant_types(emulator) == ["password", "refresh_token"]


@pytest.mark.parametrize(
    ("body", "locked"),
    [
        ({"error": "too_many_attempts", "error_description": "blocked"}, True),
        ({"error": "unauthorized", "error_description": "user is blocked"}, True),
        ({"error": "too_many_requests"}, False),
    ],
)
async def test_password_login_throttled(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
    body: dict[str, str],
    locked: bool,
) -> None:
    """Throttle answers become GridxTooManyAttemptsError (locked when blocked)."""
    emulator.auth0.fail_next(
        status=401 if "unauthorized" in body.values() else 429, body=body
    )
    with pytest.raises(GridxTooManyAttemptsError) as err:
        await make_session(http, emulator, clock).async_login()
    assert err.value.locked is locked


async def test_old_audience_fallback(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A portal refusing api.gridx.de falls back to my.gridx and the id token."""
    monkeypatch.setattr(auth, "_LOGGED_FALLBACK", set())
    emulator.auth0.legacy_only_clients.add(EON.client_id)
    session = make_session(http, emulator, clock)
    client = GridxClient(session, http, base_url=emulator.base_url)

    await client.get_user()

    audiences = [g["audience"] for g in emulator.auth0.grants]
    assert audiences == [NEW_AUDIENCE, OLD_AUDIENCE]
    assert session.legacy_audience
    bearer = (await session.async_authorization()).removeprefix("Bearer ")
    assert jwt_claims(bearer)["aud"] == EON.client_id  # the id token
    assert session.subject == owner.sub
    # The id token lives 10 h although expires_in says 24 h: renew by its exp.
    clock.now += 36000 - 299
    await client.get_user()
    assert grant_types(emulator) == ["password", "password", "refresh_token"]
    # Logged once per portal, never repeated by a second session.
    await make_session(http, emulator, clock).async_login()
    assert caplog.text.count("refused the audience") == 1
    assert EMAIL not in caplog.text
    # Once known, a later password login asks for the old audience only.
    emulator.auth0.revoke_refresh_tokens(owner)
    emulator.auth0.grants.clear()
    clock.now += 36000
    await session.async_authorization()
    assert [g.get("audience") for g in emulator.auth0.grants] == [None, OLD_AUDIENCE]


async def test_unauthorized_api_answer_renews_once(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
) -> None:
    """A 401 from the API renews the bearer and retries the request once."""
    session = make_session(http, emulator, clock)
    client = GridxClient(session, http, base_url=emulator.base_url)
    await client.get_user()
    stale = await session.async_authorization()
    emulator.auth0.expire_bearers()

    await client.get_user()

    assert grant_types(emulator) == ["password", "refresh_token"]
    assert await session.async_authorization() != stale
    # A 401 for an older bearer does not throw away the current one.
    assert await session.async_unauthorized(stale)
    await session.async_authorization()
    assert len(emulator.auth0.grants) == 2


async def test_unauthorized_twice_raises(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
    demo_ids: DemoIds,
) -> None:
    """When the renewed bearer is refused too, the client raises the 401."""
    session = make_session(http, emulator, clock)
    client = GridxClient(session, http, base_url=emulator.base_url)
    await session.async_login()
    del emulator.state.users[demo_ids.user_id]  # every bearer now answers 401

    with pytest.raises(GridxAuthError) as err:
        await client.get_user()
    assert err.value.status == 401
    assert grant_types(emulator) == ["password", "refresh_token"]


async def test_portal_policies_refuse_push(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
    demo_ids: DemoIds,
) -> None:
    """A homeowner bearer reads gateways but may not register webhooks or rules."""
    client = GridxClient(
        make_session(http, emulator, clock), http, base_url=emulator.base_url
    )

    assert [g.id for g in await client.list_gateways()] == [demo_ids.gateway_id]
    with pytest.raises(GridxPermissionError) as err:
        await client.list_webhooks(demo_ids.account_id)
    assert err.value.status == 403
    with pytest.raises(GridxPermissionError) as err:
        await client.list_rules(demo_ids.account_id, demo_ids.user_id)
    assert err.value.status == 403


# -- transport failures ---------------------------------------------------------------


async def test_dropped_refresh_is_not_replayed(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
) -> None:
    """A refresh without an answer may have rotated: log in instead of replaying."""
    persisted = Persisted()
    session = make_session(http, emulator, clock, persisted=persisted)
    await session.async_login()
    old = session.refresh_token
    clock.now += 86400
    emulator.auth0.fail_next(drop=True)

    await session.async_authorization()

    assert grant_types(emulator) == ["password", "password"]
    assert persisted.values == [old, None, session.refresh_token]


@pytest.mark.parametrize("status", [500, 503])
async def test_server_error_keeps_refresh_token(
    http: aiohttp.ClientSession,
    emulator: GridxEmulator,
    clock: Clock,
    owner: PortalUser,
    status: int,
) -> None:
    """A 5xx answer: the portal is unreachable, the refresh token stays."""
    session = make_session(http, emulator, clock)
    await session.async_login()
    kept = session.refresh_token
    clock.now += 86400
    emulator.auth0.fail_next(status=status)

    with pytest.raises(GridxPortalUnreachableError) as err:
        await session.async_authorization()
    assert f"HTTP {status}" in str(err.value)
    assert session.refresh_token == kept
    await session.async_authorization()
    assert grant_types(emulator) == ["password", "refresh_token"]


async def test_connection_refused(
    http: aiohttp.ClientSession, clock: Clock, unused_tcp_port: int
) -> None:
    """Nothing listening: unreachable, and the refresh token is kept."""
    session = PortalSession(
        http,
        EON,
        EMAIL,
        PASSWORD,
        auth_base=f"http://127.0.0.1:{unused_tcp_port}",
        refresh_token="kept-refresh-token",
        clock=clock,
    )
    with pytest.raises(GridxPortalUnreachableError) as err:
        await session.async_login()
    assert "cannot reach the portal" in str(err.value)
    assert session.refresh_token == "kept-refresh-token"
    assert "kept-refresh-token" not in str(err.value)


def _mock_session(hass: HomeAssistant, **kwargs: Any) -> PortalSession:
    """Return a session whose token endpoint is `aioclient_mock`'s."""
    return PortalSession(
        async_get_clientsession(hass),
        EON,
        EMAIL,
        PASSWORD,
        auth_base=MOCK_AUTH,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("mock", "error"),
    [
        ({"exc": TimeoutError()}, "did not answer within 10 s"),
        ({"exc": aiohttp.ClientPayloadError(f"bad {PASSWORD}")}, "ClientPayloadError"),
        ({"text": "<html>maintenance</html>"}, "HTTP 200 without tokens"),
        ({"status": 204}, "HTTP 204 without tokens"),
    ],
)
async def test_no_usable_answer(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    mock: dict[str, Any],
    error: str,
) -> None:
    """Timeouts, broken connections and odd 2xx answers: unreachable, no secrets."""
    aioclient_mock.post(f"{MOCK_AUTH}/oauth/token", **mock)
    persisted = Persisted()
    session = _mock_session(
        hass, refresh_token="old-refresh", on_refresh_token=persisted
    )

    with pytest.raises(GridxPortalUnreachableError) as err:
        await session.async_login()
    assert error in str(err.value)
    assert PASSWORD not in str(err.value)
    # The refresh may have been consumed: dropped, then one password login.
    assert persisted.values == [None]
    assert aioclient_mock.call_count == 2


async def test_answer_without_access_token(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A 200 without the bearer is a response error."""
    aioclient_mock.post(f"{MOCK_AUTH}/oauth/token", json={"id_token": "x"})
    with pytest.raises(GridxResponseError, match="no access_token"):
        await _mock_session(hass).async_login()


async def test_plain_tokens_without_refresh(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Opaque tokens, no expires_in, no refresh token: an hour, then a login."""
    aioclient_mock.post(
        f"{MOCK_AUTH}/oauth/token", json={"access_token": "opaque", "expires_in": "x"}
    )
    clock = Clock()
    persisted = Persisted()
    session = _mock_session(hass, clock=clock, on_refresh_token=persisted)

    assert await session.async_authorization() == "Bearer opaque"
    assert session.subject is None
    assert session.refresh_token is None
    clock.now += 3600 - 301
    await session.async_authorization()
    assert aioclient_mock.call_count == 1
    clock.now += 2
    await session.async_authorization()
    assert aioclient_mock.call_count == 2
    assert persisted.values == []


async def test_subject_from_id_token(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """An opaque access token: the subject comes from the id token."""
    id_token = "h." + base64.urlsafe_b64encode(b'{"sub":"auth0|42"}').decode() + ".s"
    aioclient_mock.post(
        f"{MOCK_AUTH}/oauth/token",
        json={"access_token": "opaque", "id_token": id_token, "expires_in": 60},
    )
    session = _mock_session(hass)
    client = GridxClient(session, async_get_clientsession(hass))

    await session.async_login()

    assert session.subject == "auth0|42"
    assert client.token_source is session
    assert id_token in session.secrets


async def test_refresh_without_rotation_keeps_token(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A refresh answer without a new refresh token keeps the old one."""
    aioclient_mock.post(
        f"{MOCK_AUTH}/oauth/token", json={"access_token": "new", "expires_in": 600}
    )
    persisted = Persisted()
    session = _mock_session(hass, refresh_token="stays", on_refresh_token=persisted)

    assert await session.async_authorization() == "Bearer new"
    assert session.refresh_token == "stays"
    assert persisted.values == []
    body = aioclient_mock.mock_calls[0][2]
    assert body == {
        "grant_type": "refresh_token",
        "client_id": EON.client_id,
        "refresh_token": "stays",
    }


@pytest.mark.parametrize(
    ("mock", "message"),
    [
        ({"status": 400, "text": "nope"}, "http_400"),
        (
            {
                "status": 403,
                "json": {
                    "error": "invalid_grant",
                    "error_description": f"Wrong password for {EMAIL} " + "x" * 300,
                },
            },
            "invalid_grant: Wrong password for ***",
        ),
    ],
)
async def test_refused_message_is_clean(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    mock: dict[str, Any],
    message: str,
) -> None:
    """Refusal messages carry the error code, never the e-mail, and are bounded."""
    aioclient_mock.post(f"{MOCK_AUTH}/oauth/token", **mock)
    with pytest.raises(GridxInvalidCredentialsError) as err:
        await _mock_session(hass).async_login()
    assert message in str(err.value)
    assert EMAIL not in str(err.value)
    assert len(str(err.value)) < 300


@pytest.mark.parametrize("retry_after", ["soon", "-5", "nan"])
async def test_garbage_retry_after(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, retry_after: str
) -> None:
    """A Retry-After that is not delta-seconds is ignored: the own back-off rules."""
    aioclient_mock.post(
        f"{MOCK_AUTH}/oauth/token",
        status=429,
        json={"error": "too_many_requests"},
        headers={"Retry-After": retry_after},
    )
    with pytest.raises(GridxTooManyAttemptsError) as err:
        await _mock_session(hass).async_login()
    assert err.value.retry_after == 2 * PASSWORD_GRANT_INTERVAL


@pytest.mark.parametrize("token", ["opaque", "a.b", "a.!!!.c", "a.bnVsbA.c", "a.e30.c"])
def test_jwt_claims_tolerant(token: str) -> None:
    """Anything but a JWT with an object payload gives no claims."""
    assert jwt_claims(token) == {}
