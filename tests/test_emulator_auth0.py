"""Tests for the emulator's Auth0 stand-in (``POST /oauth/token``)."""

import signal
from typing import Any

from aiohttp import ClientSession, TCPConnector, ThreadedResolver
import pytest

from gridx_emulator import DemoIds, GridxEmulator, __main__ as cli
from gridx_emulator.auth0 import (
    DEMO_MFA_EMAIL,
    DEMO_PORTAL_EMAIL,
    DEMO_PORTAL_PASSWORD,
    NEW_AUDIENCE,
    OLD_AUDIENCE,
    PASSWORD_REALM_GRANT,
    PUSH_POLICIES,
    portal_policies,
)

from .emulator_fixtures import EmulatorApi

CLIENT_ID = "mG0Phmo7DmnvAqO7p6B0WOYBODppY3cc"
REALM = "eon-home-authentication-db"


def password_body(**changes: str) -> dict[str, str]:
    """Return a password-realm grant of the demo portal user."""
    return {
        "grant_type": PASSWORD_REALM_GRANT,
        "client_id": CLIENT_ID,
        "realm": REALM,
        "username": DEMO_PORTAL_EMAIL,
        "password": DEMO_PORTAL_PASSWORD,
        "audience": NEW_AUDIENCE,
        "scope": "email openid offline_access",
    } | changes


@pytest.fixture(autouse=True)
def portal_demo(emulator: GridxEmulator, demo_ids: DemoIds) -> None:
    """Seed the demo portal logins for the demo user."""
    emulator.auth0.seed_demo_portal(demo_ids.user_id)


async def token(api: EmulatorApi, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
    """POST to /oauth/token; return (status, JSON body)."""
    status, _, answer = await api.request(
        "POST", "/oauth/token", token=None, json_body=body, **kwargs
    )
    return status, answer


async def test_login_and_api_access(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    """A portal bearer reads /user and gateways, but not webhooks or rules."""
    status, answer = await token(emulator_api, password_body())
    assert status == 200
    assert set(answer) == {
        "access_token",
        "id_token",
        "refresh_token",
        "scope",
        "expires_in",
        "token_type",
    }
    bearer = answer["access_token"]
    status, _, user = await emulator_api.request(
        "GET", "/user", token=bearer, scheme="Bearer"
    )
    assert (status, user["id"]) == (200, demo_ids.user_id)
    status, _, _ = await emulator_api.request(
        "GET",
        f"/accounts/{demo_ids.account_id}/webhooks",
        token=bearer,
        scheme="Bearer",
    )
    assert status == 403
    # The id token is no bearer under the new audience.
    status, _, _ = await emulator_api.request(
        "GET", "/user", token=answer["id_token"], scheme="Bearer"
    )
    assert status == 401
    # Expired: 401.
    emulator.auth0.expire_bearers()
    status, _, _ = await emulator_api.request(
        "GET", "/user", token=bearer, scheme="Bearer"
    )
    assert status == 401


async def test_form_body_and_old_audience(emulator_api: EmulatorApi) -> None:
    """Form-encoded grants work; the old audience makes the id token the bearer."""
    async with (
        ClientSession(connector=TCPConnector(resolver=ThreadedResolver())) as session,
        session.post(
            f"{emulator_api.base_url}/oauth/token",
            data=password_body(audience=OLD_AUDIENCE, scope="openid"),
        ) as response,
    ):
        status = response.status
        answer = await response.json()
    assert status == 200
    assert "refresh_token" not in answer
    status, _, _ = await emulator_api.request(
        "GET", "/user", token=answer["id_token"], scheme="Bearer"
    )
    assert status == 200


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (password_body(password="wrong"), 403, "invalid_grant"),
        (password_body(username="nobody@example.invalid"), 403, "invalid_grant"),
        (password_body(realm="viessmann-authentication-db"), 403, "invalid_grant"),
        (password_body(username=DEMO_MFA_EMAIL), 403, "mfa_required"),
        (password_body(audience="https://other"), 403, "access_denied"),
        (password_body(client_id=""), 400, "invalid_request"),
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "refresh_token": "x"}, 403, "invalid_grant"),
        (["not", "an", "object"], 400, "invalid_request"),
    ],
)
async def test_refusals(
    emulator_api: EmulatorApi, body: Any, status: int, error: str
) -> None:
    """Auth0's error answers, with its field names."""
    answer_status, answer = await token(emulator_api, body)
    assert (answer_status, answer["error"]) == (status, error)
    assert answer["error_description"]
    if error == "mfa_required":
        assert answer["mfa_token"]


async def test_refresh_rotation_and_reuse(
    emulator: GridxEmulator, emulator_api: EmulatorApi
) -> None:
    """Refresh rotates; a spent token revokes its family; a wrong client is refused."""
    user = emulator.auth0.user(DEMO_PORTAL_EMAIL)
    _, first = await token(emulator_api, password_body())
    refresh = {"grant_type": "refresh_token", "client_id": CLIENT_ID}

    status, second = await token(
        emulator_api, refresh | {"refresh_token": first["refresh_token"]}
    )
    assert status == 200
    assert second["refresh_token"] != first["refresh_token"]
    assert emulator.auth0.refresh_tokens_of(user) == [second["refresh_token"]]
    status, _ = await token(
        emulator_api,
        refresh | {"client_id": "other", "refresh_token": second["refresh_token"]},
    )
    assert status == 403

    status, _ = await token(
        emulator_api, refresh | {"refresh_token": first["refresh_token"]}
    )
    assert status == 403
    assert emulator.auth0.refresh_tokens_of(user) == []
    status, _ = await token(
        emulator_api, refresh | {"refresh_token": second["refresh_token"]}
    )
    assert status == 403


async def test_legacy_only_client(
    emulator: GridxEmulator, emulator_api: EmulatorApi
) -> None:
    """A client limited to the old audience refuses api.gridx.de."""
    emulator.auth0.legacy_only_clients.add(CLIENT_ID)
    status, answer = await token(emulator_api, password_body())
    assert (status, answer["error"]) == (403, "access_denied")
    status, _ = await token(emulator_api, password_body(audience=OLD_AUDIENCE))
    assert status == 200


async def test_fault_default_body(
    emulator: GridxEmulator, emulator_api: EmulatorApi
) -> None:
    """An injected status without a body answers Auth0's server_error."""
    emulator.auth0.fail_next(status=502)
    assert await token(emulator_api, password_body()) == (
        502,
        {"error": "server_error"},
    )
    emulator.auth0.fail_next()
    assert (await token(emulator_api, password_body()))[0] == 500


async def test_user_without_read_user(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    """A portal user may lack ReadUser: /user answers 403, gateways work."""
    policies = portal_policies(read_user=False)
    assert "ReadUser" not in policies
    assert not policies & PUSH_POLICIES
    emulator.auth0.add_user(
        "noread@example.invalid", "pw", user_id=demo_ids.user_id, policies=policies
    )
    _, answer = await token(
        emulator_api, password_body(username="noread@example.invalid", password="pw")
    )
    bearer = answer["access_token"]
    status, _, _ = await emulator_api.request(
        "GET", "/user", token=bearer, scheme="Bearer"
    )
    assert status == 403
    status, _, _ = await emulator_api.request(
        "GET", "/gateways", token=bearer, scheme="Bearer"
    )
    assert status == 200


@pytest.mark.usefixtures("socket_enabled")
async def test_cli_prints_portal_login(capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI seeds and prints the demo portal login next to the token."""
    seen: list[GridxEmulator] = []

    def started(emulator: GridxEmulator) -> None:
        seen.append(emulator)
        signal.raise_signal(signal.SIGINT)

    await cli.run(port=0, on_started=started)

    out = capsys.readouterr().out
    assert f"{DEMO_PORTAL_EMAIL} / {DEMO_PORTAL_PASSWORD}" in out
    assert seen[0].auth0.user(DEMO_PORTAL_EMAIL).user_id == seen[0].state.demo.user_id  # type: ignore[union-attr]
