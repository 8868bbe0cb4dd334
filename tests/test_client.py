"""Tests for the async gridX REST client and its resources.

Home Assistant's harness is used only as a fake HTTP layer: `aioclient_mock`
answers the requests of `async_get_clientsession(hass)`.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import json
import logging
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.gridx.api.client import (
    DEFAULT_BASE_URL,
    MAX_RETRY_AFTER,
    GridxClient,
)
from custom_components.gridx.api.errors import (
    GridxApiError,
    GridxAuthError,
    GridxConnectionError,
    GridxNotFoundError,
    GridxPermissionError,
    GridxRateLimitError,
    GridxResponseError,
    GridxServerError,
    GridxStatusError,
)
from custom_components.gridx.api.gateways import Appliance, Gateway
from custom_components.gridx.api.resources import (
    LIST_WRAPPER_KEYS,
    GridxUser,
    NotificationRule,
    WebhookSubscription,
    unwrap_list,
)

TOKEN = "gxp_TOPSECRETtoken0123456789"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"
SECRET = "whsec_89d31d45a90e309f4e24b7deadbeefcafe"
ACCEPT = "application/vnd.gridx.v2+json"
BASE = "https://api.gridx.de"
ACCOUNT = "0a8e3c2e-1111-4a4a-9b9b-000000000001"
USER = "49a4f165-8233-426b-a1a4-e569665a25dd"
HOOK = "5b1c7d40-2222-4c4c-8d8d-000000000002"
RULE = "7f00aa11-3333-4e4e-afaf-000000000003"
HOOKS_URL = f"{BASE}/accounts/{ACCOUNT}/webhooks"
RULES_URL = f"{BASE}/accounts/{ACCOUNT}/users/{USER}/notifications/rules"
TARGET = "https://ha.example.com/api/webhook/abc123"

AUTH_HEADERS = {"Authorization": f"Token {TOKEN}", "Accept": ACCEPT}
JSON_HEADERS = {**AUTH_HEADERS, "Content-Type": "application/json"}

SUBSCRIPTION = {
    "id": HOOK,
    "accountID": ACCOUNT,
    "eventTypes": ["appliance/online", "appliance/offline"],
    "targetURL": TARGET,
    "active": True,
    "somethingNew": {"ignored": True},
}


@pytest.fixture
def client(hass: HomeAssistant, aioclient_mock: AiohttpClientMocker) -> GridxClient:
    """Return a client with a gridX personal API token."""
    return GridxClient(TOKEN, async_get_clientsession(hass))


def _call(aioclient_mock: AiohttpClientMocker, index: int = -1) -> tuple[Any, ...]:
    """Return one recorded call as (method, URL, body, headers)."""
    return tuple(aioclient_mock.mock_calls[index])


def _body(data: bytes | None) -> Any:
    """Decode a recorded request body."""
    assert isinstance(data, bytes)
    return json.loads(data)


def _assert_no_secrets(err: BaseException, *secrets: str) -> None:
    """Assert that neither the message nor the repr leaks a secret."""
    for secret in (TOKEN, SECRET, *secrets):
        assert secret not in str(err)
        assert secret not in repr(err)
        assert secret not in repr(err.args)


# -- authentication, headers, base URL -----------------------------------------


async def test_get_user(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """GET /user sends Token auth and Accept, and reads id/accountID/email."""
    aioclient_mock.get(
        f"{BASE}/user",
        json={
            "id": USER,
            "accountID": ACCOUNT,
            "email": "someone@example.com",
            "createdAt": "2024-01-01T00:00:00Z",
            "groups": ["a"],
        },
        headers={"Content-Type": ACCEPT},
    )

    user = await client.get_user()

    assert user == GridxUser(id=USER, account_id=ACCOUNT, email="someone@example.com")
    assert aioclient_mock.call_count == 1
    method, url, data, headers = _call(aioclient_mock)
    assert method == "GET"
    assert url == URL(f"{BASE}/user")
    assert data is None
    assert headers == AUTH_HEADERS


async def test_get_user_without_email(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """The e-mail is optional; a plain application/json answer is parsed."""
    aioclient_mock.get(
        f"{BASE}/user",
        text=json.dumps({"id": USER, "accountID": ACCOUNT}),
        headers={"Content-Type": "application/json"},
    )

    assert await client.get_user() == GridxUser(USER, ACCOUNT, None)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (TOKEN, f"Token {TOKEN}"),
        ("gxo_organizational0123", "Token gxo_organizational0123"),
        (JWT, f"Bearer {JWT}"),
        ("gxx_notAnApiToken", "Bearer gxx_notAnApiToken"),
    ],
)
async def test_authorization_scheme(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, token: str, expected: str
) -> None:
    """gxp_/gxo_ API tokens use `Token`, anything else (a JWT) `Bearer`."""
    aioclient_mock.get(f"{BASE}/user", json={"id": USER, "accountID": ACCOUNT})
    client = GridxClient(token, async_get_clientsession(hass))

    await client.get_user()

    headers = _call(aioclient_mock)[3]
    assert headers == {"Authorization": expected, "Accept": ACCEPT}


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8099", "http://127.0.0.1:8099/", "http://127.0.0.1:8099//"],
)
async def test_base_url_override(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, base_url: str
) -> None:
    """The base URL is configurable and a trailing slash is tolerated."""
    aioclient_mock.get("http://127.0.0.1:8099/gateways", json=[])
    client = GridxClient(TOKEN, async_get_clientsession(hass), base_url=base_url)

    assert await client.list_gateways() == []
    assert client.base_url == "http://127.0.0.1:8099"
    assert _call(aioclient_mock)[1] == URL(
        "http://127.0.0.1:8099/gateways?page=1&per_page=100"
    )
    assert DEFAULT_BASE_URL == BASE


async def test_default_base_url(client: GridxClient) -> None:
    """The default base URL is gridX's production API."""
    assert client.base_url == "https://api.gridx.de"


async def test_path_segments_are_encoded(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """Ids are percent-encoded, slashes included."""
    aioclient_mock.delete(f"{BASE}/accounts/a%2Fb%20c/webhooks/..%2Fx", status=204)
    aioclient_mock.get(f"{BASE}/gateways/g%3Fid%231/appliances", json=[])

    await client.delete_webhook("a/b c", "../x")
    assert await client.list_appliances("g?id#1") == []

    assert _call(aioclient_mock, 0)[1].raw_path == "/accounts/a%2Fb%20c/webhooks/..%2Fx"
    assert _call(aioclient_mock, 1)[1].raw_path == "/gateways/g%3Fid%231/appliances"


async def test_repr_hides_token(client: GridxClient) -> None:
    """The client's repr names the API but not the token."""
    assert repr(client) == "GridxClient(base_url='https://api.gridx.de')"
    assert TOKEN not in repr(client)
    assert TOKEN not in str(client)


async def test_debug_log_has_no_token(
    client: GridxClient,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Requests are logged as `METHOD path -> status`, nothing more."""
    aioclient_mock.post(HOOKS_URL, json={**SUBSCRIPTION, "secret": SECRET}, status=201)
    caplog.set_level(logging.DEBUG, logger="custom_components.gridx.api.client")

    await client.create_webhook(ACCOUNT, target_url=TARGET, event_types=["ping"])

    messages = [
        r.getMessage()
        for r in caplog.records
        if r.name == "custom_components.gridx.api.client"
    ]
    assert messages == [f"POST /accounts/{ACCOUNT}/webhooks -> 201"]
    assert TOKEN not in caplog.text
    assert SECRET not in caplog.text


# -- Webhook Subscription API -------------------------------------------------


@pytest.mark.parametrize("wrapper", [None, "webhooks", "items", "data"])
async def test_list_webhooks(
    client: GridxClient, aioclient_mock: AiohttpClientMocker, wrapper: str | None
) -> None:
    """Both a bare array and a wrapping object are accepted."""
    items = [SUBSCRIPTION, {"webhookID": "w2", "targetURL": TARGET, "active": False}]
    aioclient_mock.get(HOOKS_URL, json=items if wrapper is None else {wrapper: items})

    hooks = await client.list_webhooks(ACCOUNT)

    assert hooks == [
        WebhookSubscription(
            id=HOOK,
            account_id=ACCOUNT,
            event_types=("appliance/online", "appliance/offline"),
            target_url=TARGET,
            active=True,
            secret=None,
        ),
        WebhookSubscription("w2", None, (), TARGET, False, None),
    ]
    method, url, data, headers = _call(aioclient_mock)
    assert (method, url, data, headers) == ("GET", URL(HOOKS_URL), None, AUTH_HEADERS)


async def test_create_webhook(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """POST sends the full body and returns the gridX-made secret."""
    aioclient_mock.post(HOOKS_URL, json={**SUBSCRIPTION, "secret": SECRET}, status=201)

    hook = await client.create_webhook(
        ACCOUNT,
        target_url=TARGET,
        event_types=("appliance/online", "appliance/offline"),
    )

    assert hook.id == HOOK
    assert hook.secret == SECRET
    assert hook.active is True
    assert hook.event_types == ("appliance/online", "appliance/offline")
    assert SECRET not in repr(hook)
    method, url, data, headers = _call(aioclient_mock)
    assert (method, url, headers) == ("POST", URL(HOOKS_URL), JSON_HEADERS)
    assert _body(data) == {
        "eventTypes": ["appliance/online", "appliance/offline"],
        "targetURL": TARGET,
        "active": True,
    }


async def test_create_webhook_inactive(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """`active=False` is sent as such (create, ping, then activate)."""
    aioclient_mock.post(
        HOOKS_URL, json={**SUBSCRIPTION, "active": False, "secret": SECRET}
    )

    hook = await client.create_webhook(
        ACCOUNT, target_url=TARGET, event_types=["gateway/online"], active=False
    )

    assert hook.active is False
    assert _body(_call(aioclient_mock)[2]) == {
        "eventTypes": ["gateway/online"],
        "targetURL": TARGET,
        "active": False,
    }


@pytest.mark.parametrize(
    ("status", "answer", "expected"),
    [
        (
            200,
            {**SUBSCRIPTION, "active": False},
            WebhookSubscription(
                HOOK,
                ACCOUNT,
                ("appliance/online", "appliance/offline"),
                TARGET,
                False,
                None,
            ),
        ),
        (204, None, None),
        (200, None, None),
    ],
)
async def test_update_webhook(
    client: GridxClient,
    aioclient_mock: AiohttpClientMocker,
    status: int,
    answer: dict[str, Any] | None,
    expected: WebhookSubscription | None,
) -> None:
    """PUT sends the full body; a 200 with a body or an empty 200/204 is fine."""
    aioclient_mock.put(f"{HOOKS_URL}/{HOOK}", json=answer, status=status)

    result = await client.update_webhook(
        ACCOUNT,
        HOOK,
        target_url=TARGET,
        event_types=["appliance/online", "appliance/offline"],
        active=False,
    )

    assert result == expected
    method, url, data, headers = _call(aioclient_mock)
    assert (method, url, headers) == ("PUT", URL(f"{HOOKS_URL}/{HOOK}"), JSON_HEADERS)
    assert _body(data) == {
        "eventTypes": ["appliance/online", "appliance/offline"],
        "targetURL": TARGET,
        "active": False,
    }


async def test_update_webhook_non_json(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """A non-empty, non-JSON 200 to a PUT is a response error."""
    aioclient_mock.put(f"{HOOKS_URL}/{HOOK}", text="<html>OK</html>")

    with pytest.raises(GridxResponseError) as exc_info:
        await client.update_webhook(
            ACCOUNT, HOOK, target_url=TARGET, event_types=[], active=True
        )
    assert str(exc_info.value) == (
        f"PUT /accounts/{ACCOUNT}/webhooks/{HOOK}: the response is not JSON"
    )


async def test_delete_webhook(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """DELETE has no body and ignores the (empty) answer."""
    aioclient_mock.delete(f"{HOOKS_URL}/{HOOK}", status=204)

    await client.delete_webhook(ACCOUNT, HOOK)

    assert _call(aioclient_mock) == (
        "DELETE",
        URL(f"{HOOKS_URL}/{HOOK}"),
        None,
        AUTH_HEADERS,
    )


async def test_ping_webhook(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """Ping POSTs `{}` to .../ping."""
    aioclient_mock.post(f"{HOOKS_URL}/{HOOK}/ping", status=202, text="accepted")

    await client.ping_webhook(ACCOUNT, HOOK)

    method, url, data, headers = _call(aioclient_mock)
    assert (method, url, headers) == (
        "POST",
        URL(f"{HOOKS_URL}/{HOOK}/ping"),
        JSON_HEADERS,
    )
    assert data == b"{}"


@pytest.mark.parametrize(
    "answer",
    [
        {"secret": "whsec_new"},
        {**SUBSCRIPTION, "secret": "whsec_new"},
        "whsec_new",
    ],
)
async def test_rotate_webhook_secret(
    client: GridxClient, aioclient_mock: AiohttpClientMocker, answer: Any
) -> None:
    """The new secret is read from an object or a bare JSON string."""
    aioclient_mock.post(f"{HOOKS_URL}/{HOOK}/secret", json=answer)

    assert await client.rotate_webhook_secret(ACCOUNT, HOOK) == "whsec_new"

    assert _call(aioclient_mock) == (
        "POST",
        URL(f"{HOOKS_URL}/{HOOK}/secret"),
        None,
        AUTH_HEADERS,
    )


@pytest.mark.parametrize("answer", [{}, {"secret": ""}, {"secret": 5}, "", [SECRET]])
async def test_rotate_webhook_secret_without_secret(
    client: GridxClient, aioclient_mock: AiohttpClientMocker, answer: Any
) -> None:
    """An answer without a usable secret is a response error, secret-free."""
    aioclient_mock.post(f"{HOOKS_URL}/{HOOK}/secret", json=answer)

    with pytest.raises(GridxResponseError) as exc_info:
        await client.rotate_webhook_secret(ACCOUNT, HOOK)
    assert str(exc_info.value) == (
        f"POST /accounts/{ACCOUNT}/webhooks/{HOOK}/secret: no secret in the response"
    )
    _assert_no_secrets(exc_info.value)


# -- Notification rules -------------------------------------------------------

RULE_ONLINE = {
    "id": RULE,
    "accountID": ACCOUNT,
    "userID": USER,
    "eventType": "appliance/online",
    "filters": [],
    "notificationType": {"webhook": {"targetURL": TARGET, "secret": SECRET}},
    "locale": "DE",
}


@pytest.mark.parametrize("wrapper", [None, "rules", "items"])
async def test_list_rules(
    client: GridxClient, aioclient_mock: AiohttpClientMocker, wrapper: str | None
) -> None:
    """Rules without a webhook have no target; the secret is not kept."""
    items = [
        RULE_ONLINE,
        {
            "id": "r2",
            "eventType": "gateway/offline",
            "notificationType": {"email": {"address": "a@example.com"}},
        },
        {"id": "r3", "eventType": "ev/plugged", "notificationType": None},
        {"id": "r4", "eventType": "ev/plugged"},
        {"id": "r5", "eventType": "ev/plugged", "notificationType": {"webhook": {}}},
    ]
    aioclient_mock.get(RULES_URL, json=items if wrapper is None else {wrapper: items})

    rules = await client.list_rules(ACCOUNT, USER)

    assert rules == [
        NotificationRule(RULE, "appliance/online", TARGET, ACCOUNT, USER),
        NotificationRule("r2", "gateway/offline", None, None, None),
        NotificationRule("r3", "ev/plugged", None, None, None),
        NotificationRule("r4", "ev/plugged", None, None, None),
        NotificationRule("r5", "ev/plugged", None, None, None),
    ]
    assert SECRET not in repr(rules)
    assert _call(aioclient_mock) == ("GET", URL(RULES_URL), None, AUTH_HEADERS)


async def test_create_rule(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """POST sends the documented body with the client-made secret."""
    aioclient_mock.post(RULES_URL, json=RULE_ONLINE, status=201)

    rule = await client.create_rule(
        ACCOUNT,
        USER,
        event_type="appliance/online",
        target_url=TARGET,
        secret=SECRET,
    )

    assert rule == NotificationRule(RULE, "appliance/online", TARGET, ACCOUNT, USER)
    assert SECRET not in repr(rule)
    method, url, data, headers = _call(aioclient_mock)
    assert (method, url, headers) == ("POST", URL(RULES_URL), JSON_HEADERS)
    assert _body(data) == {
        "eventType": "appliance/online",
        "notificationType": {"webhook": {"targetURL": TARGET, "secret": SECRET}},
        "locale": "DE",
    }


async def test_create_rule_locale(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """The locale is passed through."""
    aioclient_mock.post(RULES_URL, json=RULE_ONLINE, status=201)

    await client.create_rule(
        ACCOUNT, USER, event_type="x", target_url=TARGET, secret=SECRET, locale="EN"
    )

    assert _body(_call(aioclient_mock)[2])["locale"] == "EN"


async def test_create_rule_error_redacts_secret(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """A server that echoes the secret or token does not leak it via the error."""
    aioclient_mock.post(
        RULES_URL,
        status=422,
        json={
            "message": "Validation failed",
            "details": [f"secret {SECRET} rejected", f"token {TOKEN}"],
        },
    )

    with pytest.raises(GridxStatusError) as exc_info:
        await client.create_rule(
            ACCOUNT, USER, event_type="x", target_url=TARGET, secret=SECRET
        )

    err = exc_info.value
    assert type(err) is GridxStatusError
    assert err.status == 422
    assert err.message == "Validation failed (secret *** rejected; token ***)"
    _assert_no_secrets(err)


async def test_create_rule_empty_secret(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """An empty secret is sent as is and the validation error surfaces."""
    aioclient_mock.post(
        RULES_URL,
        status=422,
        json={"message": "Validation failed", "details": ["secret is required"]},
    )

    with pytest.raises(GridxStatusError) as exc_info:
        await client.create_rule(
            ACCOUNT, USER, event_type="x", target_url=TARGET, secret=""
        )

    assert exc_info.value.message == "Validation failed (secret is required)"
    assert _body(_call(aioclient_mock)[2])["notificationType"]["webhook"] == {
        "targetURL": TARGET,
        "secret": "",
    }


async def test_delete_rule(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """DELETE .../rules/{id}."""
    aioclient_mock.delete(
        f"{RULES_URL}/{RULE}",
        status=204,
        text="Notification rule deleted successfully.",
    )

    await client.delete_rule(ACCOUNT, USER, RULE)

    assert _call(aioclient_mock) == (
        "DELETE",
        URL(f"{RULES_URL}/{RULE}"),
        None,
        AUTH_HEADERS,
    )


# -- Read API -------------------------------------------------------------------


@pytest.mark.parametrize("wrapper", [None, "gateways", "items", "data"])
async def test_list_gateways(
    client: GridxClient, aioclient_mock: AiohttpClientMocker, wrapper: str | None
) -> None:
    """The documented item (live facts §2) and the gateway event spellings."""
    items = [
        {
            "id": "gw1",
            "name": "Home",
            "serialnumber": "D403-007",
            "connectionStatus": {
                "status": "AVAILABLE",
                "contactedAt": "2026-06-21T11:02:30Z",
            },
            "system": {"id": "sys1", "name": "A person's name"},
            "model": "gridBox",
            "manufacturer": "gridX",
            "extra": [1, 2],
        },
        {
            "gatewayID": "gw2",
            "gatewayName": "Garage",
            "gatewaySerialnumber": 9312355,
            "connectionStatus": None,
            "systemId": "sys2",
            "model": {"not": "a string"},
            "manufacturer": True,
        },
        {"id": "", "gatewayID": "gw3"},
    ]
    aioclient_mock.get(
        f"{BASE}/gateways", json=items if wrapper is None else {wrapper: items}
    )

    gateways = await client.list_gateways()

    assert gateways == [
        Gateway(
            "gw1",
            "Home",
            "D403-007",
            "AVAILABLE",
            "sys1",
            "gridBox",
            "gridX",
            datetime(2026, 6, 21, 11, 2, 30, tzinfo=UTC),
        ),
        Gateway("gw2", "Garage", "9312355", None, "sys2", None, None),
        Gateway("gw3"),
    ]
    assert _call(aioclient_mock) == (
        "GET",
        URL(f"{BASE}/gateways?page=1&per_page=100"),
        None,
        AUTH_HEADERS,
    )


@pytest.mark.parametrize("wrapper", [None, "appliances", "items"])
async def test_list_appliances(
    client: GridxClient, aioclient_mock: AiohttpClientMocker, wrapper: str | None
) -> None:
    """Appliances belong to the gateway of the path (live facts §2.1)."""
    items = [
        {
            "id": "ap1",
            "name": "Battery",
            "model": "ExampleModel",
            "manufacturer": "ExampleManufacturer",
            "serialnumber": "SN1",
            "type": "INVERTER",
            "kind": "BATTERY",
            "firmware": "1.2.3",
            "connectionStatus": {"status": "AVAILABLE"},
        },
        {
            "id": "ap2",
            "gatewayID": "other-gw",
            "applianceType": "METER",
            "firmwareVersion": "9",
        },
    ]
    aioclient_mock.get(
        f"{BASE}/gateways/gw1/appliances",
        json=items if wrapper is None else {wrapper: items},
    )

    appliances = await client.list_appliances("gw1")

    assert appliances == [
        Appliance(
            id="ap1",
            gateway_id="gw1",
            name="Battery",
            model="ExampleModel",
            manufacturer="ExampleManufacturer",
            serial_number="SN1",
            appliance_type="INVERTER",
            kind="BATTERY",
            firmware="1.2.3",
            connection_status="AVAILABLE",
        ),
        Appliance(id="ap2", gateway_id="gw1", appliance_type="METER", firmware="9"),
    ]
    # listAll: the children of hybrid inverters too; paged like /gateways.
    assert _call(aioclient_mock) == (
        "GET",
        URL(f"{BASE}/gateways/gw1/appliances?listAll=true&page=1&per_page=100"),
        None,
        AUTH_HEADERS,
    )


# -- error mapping ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (401, {"message": "Unauthorized"}, GridxAuthError, "Unauthorized"),
        (401, None, GridxAuthError, "Unauthorized"),
        (403, {"message": "Bad credentials"}, GridxAuthError, "Bad credentials"),
        (403, {"message": " BAD CREDENTIALS "}, GridxAuthError, "BAD CREDENTIALS"),
        (
            403,
            {"message": "Missing policy WebhooksWrite"},
            GridxPermissionError,
            "Missing policy WebhooksWrite",
        ),
        (403, None, GridxPermissionError, "Forbidden"),
        (404, {"message": "Not Found"}, GridxNotFoundError, "Not Found"),
        (
            500,
            {"message": "Internal Server Error"},
            GridxServerError,
            "Internal Server Error",
        ),
        (503, "<html>maintenance</html>", GridxServerError, "Service Unavailable"),
        (
            418,
            {"message": "I'm a teapot", "details": []},
            GridxStatusError,
            "I'm a teapot",
        ),
        (
            400,
            {"message": "Bad input", "details": ["a", 3, "", "b"]},
            GridxStatusError,
            "Bad input (a; b)",
        ),
        (400, {"message": "Bad input", "details": "x"}, GridxStatusError, "Bad input"),
        (400, {"message": "   "}, GridxStatusError, "Bad Request"),
        (400, {"message": 42}, GridxStatusError, "Bad Request"),
        (400, ["not", "an", "object"], GridxStatusError, "Bad Request"),
        (409, b"\xff\xfe", GridxStatusError, "Conflict"),
        (499, None, GridxStatusError, "Unknown status"),
        (599, None, GridxServerError, "Unknown status"),
        (302, None, GridxStatusError, "Found"),
    ],
)
async def test_status_errors(
    client: GridxClient,
    aioclient_mock: AiohttpClientMocker,
    *,
    status: int,
    body: Any,
    error: type[GridxStatusError],
    message: str,
) -> None:
    """Each error status maps to its typed exception with gridX's message."""
    if isinstance(body, bytes):
        aioclient_mock.get(f"{BASE}/user", status=status, content=body)
    elif isinstance(body, str):
        aioclient_mock.get(f"{BASE}/user", status=status, text=body)
    else:
        aioclient_mock.get(f"{BASE}/user", status=status, json=body)

    with pytest.raises(GridxApiError) as exc_info:
        await client.get_user()

    err = exc_info.value
    assert type(err) is error
    assert err.status == status
    assert err.message == message
    assert str(err) == f"HTTP {status}: {message}"
    _assert_no_secrets(err)


async def test_long_error_message_is_truncated(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """An over-long message is cut to 300 characters."""
    aioclient_mock.get(f"{BASE}/user", status=400, json={"message": "x" * 1000})

    with pytest.raises(GridxStatusError) as exc_info:
        await client.get_user()

    assert exc_info.value.message == "x" * 299 + "…"


NOW = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        ("Wed, 01 Jul 2026 12:00:30 -0000", 30.0),
        ("Wed, 01 Jul 2026 14:01:00 +0200", 60.0),
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),
        (None, None),
        ("", None),
        ("   ", None),
        ("soon", None),
        ("-5", None),
        ("nan", None),
        ("inf", None),
    ],
)
async def test_rate_limit(
    client: GridxClient,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    retry_after: str | None,
    expected: float | None,
) -> None:
    """429 carries Retry-After in seconds (delta or HTTP date), else None."""
    freezer.move_to(NOW)
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    aioclient_mock.get(
        f"{BASE}/user",
        status=429,
        json={"message": "Too Many Requests"},
        headers=headers,
    )

    with pytest.raises(GridxRateLimitError) as exc_info:
        await client.get_user()

    err = exc_info.value
    assert err.status == 429
    assert err.message == "Too Many Requests"
    assert err.retry_after == expected


@pytest.mark.parametrize(
    "retry_after",
    ["1e12", "3601", format_datetime(NOW + timedelta(days=400), usegmt=True)],
)
async def test_item17_retry_after_is_capped(
    client: GridxClient,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    retry_after: str,
) -> None:
    """A huge Retry-After (seconds or a far date) is capped at one hour."""
    freezer.move_to(NOW)
    aioclient_mock.get(
        f"{BASE}/user", status=429, json={}, headers={"Retry-After": retry_after}
    )

    with pytest.raises(GridxRateLimitError) as exc_info:
        await client.get_user()

    assert exc_info.value.retry_after == MAX_RETRY_AFTER == 3600.0


@pytest.mark.parametrize(
    "exc",
    [
        aiohttp.ClientConnectionError("Cannot connect to host api.gridx.de:443"),
        aiohttp.ClientPayloadError("Response payload is not completed"),
        aiohttp.ServerDisconnectedError(),
    ],
)
async def test_client_errors(
    client: GridxClient, aioclient_mock: AiohttpClientMocker, exc: aiohttp.ClientError
) -> None:
    """Aiohttp errors (DNS, TLS, refused, broken) become connection errors."""
    aioclient_mock.get(f"{BASE}/user", exc=exc)

    with pytest.raises(GridxConnectionError) as exc_info:
        await client.get_user()

    err = exc_info.value
    assert str(err) == f"GET /user: {type(exc).__name__}: {exc}"
    assert err.__cause__ is None
    _assert_no_secrets(err)


async def test_client_error_message_is_redacted(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """Even an aiohttp error that quotes the token does not leak it."""
    aioclient_mock.get(f"{BASE}/user", exc=aiohttp.ClientError(f"bad header {TOKEN}"))

    with pytest.raises(GridxConnectionError) as exc_info:
        await client.get_user()

    assert str(exc_info.value) == "GET /user: ClientError: bad header ***"
    _assert_no_secrets(exc_info.value)


async def test_timeout_error(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """A TimeoutError from the transport becomes a connection error."""
    aioclient_mock.get(f"{BASE}/gateways", exc=TimeoutError())

    with pytest.raises(GridxConnectionError) as exc_info:
        await client.list_gateways()

    assert str(exc_info.value) == (
        "GET /gateways?page=1&per_page=100: no answer within 10 s"
    )
    _assert_no_secrets(exc_info.value)


async def test_request_timeout(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A request slower than request_timeout is cancelled and reported."""

    async def slow(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        await asyncio.sleep(5)
        raise AssertionError("not reached")  # pragma: no cover

    aioclient_mock.get(f"{BASE}/user", side_effect=slow)
    client = GridxClient(TOKEN, async_get_clientsession(hass), request_timeout=0.05)

    with pytest.raises(GridxConnectionError) as exc_info:
        await client.get_user()

    assert str(exc_info.value) == "GET /user: no answer within 0.05 s"


# -- wrong shapes in 2xx answers ---------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"<html>hello</html>", b"\xff\xfe\x00", b'{"id": "u1", '],
)
async def test_non_json_success(
    client: GridxClient, aioclient_mock: AiohttpClientMocker, content: bytes
) -> None:
    """A 2xx that must carry JSON but does not is a response error."""
    aioclient_mock.get(f"{BASE}/user", content=content)

    with pytest.raises(GridxResponseError) as exc_info:
        await client.get_user()

    assert str(exc_info.value) == "GET /user: the response is not JSON"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ([], "user: expected a JSON object, got list"),
        ({"id": USER}, "user: missing string field accountID"),
        ({"id": None, "accountID": ACCOUNT}, "user: missing string field id"),
        ({"id": True, "accountID": ACCOUNT}, "user: missing string field id"),
    ],
)
async def test_wrong_shape_user(
    client: GridxClient,
    aioclient_mock: AiohttpClientMocker,
    answer: Any,
    message: str,
) -> None:
    """A user without its ids is a response error."""
    aioclient_mock.get(f"{BASE}/user", json=answer)

    with pytest.raises(GridxResponseError) as exc_info:
        await client.get_user()

    assert str(exc_info.value) == message


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"webhooks": None, "total": 1}, "webhooks: expected a JSON array"),
        ({"items": {"a": 1}}, "webhooks: expected a JSON array"),
        ("nope", "webhooks: expected a JSON array"),
        ([1], "webhook: expected a JSON object, got int"),
        (
            [{**SUBSCRIPTION, "eventTypes": "appliance/online"}],
            "webhook.eventTypes: expected a list of strings",
        ),
        (
            [{**SUBSCRIPTION, "eventTypes": ["a", 1]}],
            "webhook.eventTypes: expected a list of strings",
        ),
        ([{**SUBSCRIPTION, "active": "yes"}], "webhook.active: expected a boolean"),
        ([{**SUBSCRIPTION, "secret": 12345}], "webhook.secret: expected a string"),
        (
            [{"id": HOOK, "eventTypes": [], "active": True}],
            "webhook: missing string field targetURL",
        ),
        ([{"targetURL": TARGET}], "webhook: missing string field id or webhookID"),
    ],
)
async def test_wrong_shape_webhooks(
    client: GridxClient,
    aioclient_mock: AiohttpClientMocker,
    answer: Any,
    message: str,
) -> None:
    """Wrong-shaped subscription lists are response errors."""
    aioclient_mock.get(HOOKS_URL, json=answer)

    with pytest.raises(GridxResponseError) as exc_info:
        await client.list_webhooks(ACCOUNT)

    assert str(exc_info.value) == message


async def test_webhook_tolerant_defaults(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """Null event types, null/missing `active` and a null secret are tolerated."""
    aioclient_mock.get(
        HOOKS_URL,
        json=[
            {"id": "w1", "targetURL": TARGET, "eventTypes": None, "active": None},
            {"id": "w2", "targetURL": TARGET, "secret": None},
        ],
    )

    assert await client.list_webhooks(ACCOUNT) == [
        WebhookSubscription("w1", None, (), TARGET, False, None),
        WebhookSubscription("w2", None, (), TARGET, False, None),
    ]


async def test_wrong_shape_created_webhook_hides_secret(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """A broken create answer does not echo its secret into the error."""
    aioclient_mock.post(
        HOOKS_URL, json={"secret": SECRET, "eventTypes": [], "active": "x"}
    )

    with pytest.raises(GridxResponseError) as exc_info:
        await client.create_webhook(ACCOUNT, target_url=TARGET, event_types=[])

    assert str(exc_info.value) == "webhook.active: expected a boolean"
    _assert_no_secrets(exc_info.value)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ([{"id": RULE}], "rule: missing string field eventType"),
        (
            [{"id": RULE, "eventType": "x", "notificationType": "webhook"}],
            "rule.notificationType: expected a JSON object, got str",
        ),
        (
            [{"id": RULE, "eventType": "x", "notificationType": {"webhook": [TARGET]}}],
            "rule.notificationType.webhook: expected a JSON object, got list",
        ),
        ({"rules": "none"}, "rules: expected a JSON array"),
    ],
)
async def test_wrong_shape_rules(
    client: GridxClient,
    aioclient_mock: AiohttpClientMocker,
    answer: Any,
    message: str,
) -> None:
    """Wrong-shaped rule lists are response errors."""
    aioclient_mock.get(RULES_URL, json=answer)

    with pytest.raises(GridxResponseError) as exc_info:
        await client.list_rules(ACCOUNT, USER)

    assert str(exc_info.value) == message


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ([{"name": "no id"}], "gateway: missing string field id or gatewayID"),
        (["gw1"], "gateway: expected a JSON object, got str"),
        ({"gateway": []}, "gateways: expected a JSON array"),
    ],
)
async def test_wrong_shape_gateways(
    client: GridxClient,
    aioclient_mock: AiohttpClientMocker,
    answer: Any,
    message: str,
) -> None:
    """Wrong-shaped gateway lists are response errors."""
    aioclient_mock.get(f"{BASE}/gateways", json=answer)

    with pytest.raises(GridxResponseError) as exc_info:
        await client.list_gateways()

    assert str(exc_info.value) == message


async def test_wrong_shape_appliances(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """An appliance without an id is a response error."""
    aioclient_mock.get(f"{BASE}/gateways/gw1/appliances", json=[{"name": "x"}])

    with pytest.raises(GridxResponseError) as exc_info:
        await client.list_appliances("gw1")

    assert str(exc_info.value) == "appliance: missing string field id or applianceID"


# -- resources on their own ---------------------------------------------------------


def test_unwrap_list_prefers_first_list_key() -> None:
    """Wrapper keys are tried in order; non-list values are skipped."""
    assert LIST_WRAPPER_KEYS == (
        "items",
        "data",
        "webhooks",
        "rules",
        "gateways",
        "appliances",
    )
    assert unwrap_list({"items": None, "data": [1], "rules": [2]}, "x") == [1]
    assert unwrap_list([3], "x") == [3]


def test_appliance_from_dict_without_gateway() -> None:
    """Without a gatewayID and no fallback the gateway id stays None."""
    assert Appliance.from_dict({"id": 7}) == Appliance(id="7")


def test_resources_are_frozen() -> None:
    """Resources are immutable value objects."""
    user = GridxUser("u", "a")
    with pytest.raises(AttributeError):
        user.id = "other"  # type: ignore[misc]


def test_subscription_repr_hides_secret() -> None:
    """The secret is excluded from the repr but compared and kept."""
    hook = WebhookSubscription.from_dict({**SUBSCRIPTION, "secret": SECRET})
    assert hook.secret == SECRET
    assert SECRET not in repr(hook)
    assert repr(hook) == (
        f"WebhookSubscription(id='{HOOK}', account_id='{ACCOUNT}', "
        "event_types=('appliance/online', 'appliance/offline'), "
        f"target_url='{TARGET}', active=True)"
    )
