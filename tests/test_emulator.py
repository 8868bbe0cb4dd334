"""Tests of the local gridX emulator, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import itertools
import json
from pathlib import Path
import random
import re
import runpy
import signal
import socket
import sys
import time
from typing import Any
import uuid

from aiohttp import ClientConnectionError, ClientSession
import pytest

from custom_components.gridx.api.event_types import SUBSCRIBABLE_EVENT_TYPES
from custom_components.gridx.api.signature import (
    SIGNATURE_HEADER,
    parse_signature_header,
    verify_signature,
)
from gridx_emulator import (
    ALL_POLICIES,
    ROUTE_NAMES,
    DemoIds,
    DemoScenario,
    EmulatorState,
    FaultInjector,
    GridxEmulator,
)
import gridx_emulator.__main__ as cli
from gridx_emulator._protocol import API_DIR, load_standalone_api, sign
from gridx_emulator.app import CONTENT_TYPE, _apply_fault
from gridx_emulator.events import inverter_status_data, make_event, power_limit_data
from gridx_emulator.faults import Fault
from gridx_emulator.state import Subscription, rfc3339

from .emulator_fixtures import DEMO_TOKEN, HANG, EmulatorApi, WebhookReceiver

UUID_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SECRET_RE = re.compile(r"^whsec_[0-9a-f]{48}$")


def _webhooks(ids: DemoIds) -> str:
    return f"/accounts/{ids.account_id}/webhooks"


def _rules(ids: DemoIds) -> str:
    return f"/accounts/{ids.account_id}/users/{ids.user_id}/notifications/rules"


def _sub_body(url: str, *types: str, active: bool = True) -> dict[str, Any]:
    return {
        "eventTypes": list(types or ["gateway/online"]),
        "targetURL": url,
        "active": active,
    }


def _rule_body(url: str, event_type: str = "gateway/online") -> dict[str, Any]:
    return {
        "eventType": event_type,
        "notificationType": {"webhook": {"targetURL": url, "secret": "s3cret"}},
        "locale": "DE",
    }


def _rng(seed: int) -> random.Random:
    """Return a seeded generator (reproducible test data, not security)."""
    return random.Random(seed)  # noqa: S311


def _free_port() -> int:
    """Return a 127.0.0.1 port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- /user and authentication --------------------------------------------------


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "bearer"])
async def test_get_user_with_both_schemes(
    emulator_api: EmulatorApi, demo_ids: DemoIds, scheme: str
) -> None:
    status, headers, body = await emulator_api.request("GET", "/user", scheme=scheme)
    assert status == 200
    assert headers["Content-Type"] == CONTENT_TYPE
    assert body["id"] == demo_ids.user_id
    assert body["accountID"] == demo_ids.account_id
    assert body["email"] == "demo@example.invalid"
    assert TIME_RE.match(body["createdAt"])
    assert TIME_RE.match(body["updatedAt"])


@pytest.mark.parametrize(
    ("token", "scheme"),
    [(None, "Token"), ("unknown", "Token"), (DEMO_TOKEN, "Basic"), ("", "Token")],
)
async def test_unauthorized(
    emulator_api: EmulatorApi, token: str | None, scheme: str
) -> None:
    status, headers, body = await emulator_api.request(
        "GET", "/user", token=token, scheme=scheme
    )
    assert status == 401
    assert headers["Content-Type"] == CONTENT_TYPE
    assert body == {"message": "Unauthorized"}


async def test_bad_credentials_token(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    emulator.add_token("expired", user_id=demo_ids.user_id, bad_credentials=True)
    status, _, body = await emulator_api.request("GET", "/user", token="expired")
    assert (status, body) == (403, {"message": "Bad credentials"})


async def test_token_of_unknown_user(
    emulator: GridxEmulator, emulator_api: EmulatorApi
) -> None:
    emulator.add_token("orphan", user_id="no-such-user")
    status, _, body = await emulator_api.request("GET", "/user", token="orphan")
    assert (status, body) == (401, {"message": "Unauthorized"})


ROUTES = [
    ("GET", "/user", "ReadUser"),
    ("GET", "{webhooks}", "WebhooksRead"),
    ("POST", "{webhooks}", "WebhooksWrite"),
    ("PUT", "{webhooks}/x", "WebhooksWrite"),
    ("DELETE", "{webhooks}/x", "WebhooksWrite"),
    ("POST", "{webhooks}/x/ping", "WebhooksWrite"),
    ("POST", "{webhooks}/x/secret", "WebhooksWrite"),
    ("GET", "{rules}", "AccountsUsersRead"),
    ("POST", "{rules}", "AccountsUsersWrite"),
    ("DELETE", "{rules}/x", "AccountsUsersWrite"),
    ("GET", "/gateways", "GatewaysRead"),
    ("GET", "/gateways/x/appliances", "GatewaysRead"),
]


@pytest.mark.parametrize(("method", "path", "policy"), ROUTES)
async def test_missing_policy_is_forbidden(
    emulator: GridxEmulator,
    emulator_api: EmulatorApi,
    demo_ids: DemoIds,
    method: str,
    path: str,
    policy: str,
) -> None:
    emulator.add_token(
        "limited", user_id=demo_ids.user_id, policies=ALL_POLICIES - {policy}
    )
    url = path.format(webhooks=_webhooks(demo_ids), rules=_rules(demo_ids))
    status, headers, body = await emulator_api.request(method, url, token="limited")
    assert status == 403
    assert headers["Content-Type"] == CONTENT_TYPE
    assert body == {"message": "Forbidden", "details": [f"missing policy {policy}"]}


async def test_other_account_or_user_in_path_is_forbidden(
    emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    other = str(uuid.uuid4())
    status, _, body = await emulator_api.request("GET", f"/accounts/{other}/webhooks")
    assert (status, body) == (
        403,
        {"message": "Forbidden", "details": ["account is not the token's"]},
    )
    path = f"/accounts/{demo_ids.account_id}/users/{other}/notifications/rules"
    status, _, body = await emulator_api.request("GET", path)
    assert (status, body) == (
        403,
        {"message": "Forbidden", "details": ["user is not the token's"]},
    )


async def test_unknown_route_and_method(emulator_api: EmulatorApi) -> None:
    status, headers, body = await emulator_api.request("GET", "/nope")
    assert (status, body) == (404, {"message": "Not Found"})
    assert headers["Content-Type"] == CONTENT_TYPE
    status, _, body = await emulator_api.request("PATCH", "/user")
    assert (status, body) == (405, {"message": "Method Not Allowed"})


# -- webhook subscriptions ------------------------------------------------------


async def test_webhook_crud(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    base = _webhooks(demo_ids)
    status, _, body = await emulator_api.request("GET", base)
    assert (status, body) == (200, [])

    status, headers, created = await emulator_api.request(
        "POST",
        base,
        json_body=_sub_body(
            "https://example.invalid/hook",
            "gateway/online",
            "gateway/online",
            "ev/plugged",
            active=False,
        ),
    )
    assert status == 201
    assert headers["Content-Type"] == CONTENT_TYPE
    assert UUID_RE.match(created["id"])
    assert SECRET_RE.match(created["secret"])
    assert created == {
        "id": created["id"],
        "accountID": demo_ids.account_id,
        "eventTypes": ["gateway/online", "ev/plugged"],
        "targetURL": "https://example.invalid/hook",
        "active": False,
        "secret": created["secret"],
    }
    assert emulator.state.subscriptions[created["id"]].secrets == [created["secret"]]

    listed_item = {k: v for k, v in created.items() if k != "secret"}
    status, _, body = await emulator_api.request("GET", base)
    assert (status, body) == (200, [listed_item])

    status, _, body = await emulator_api.request(
        "PUT",
        f"{base}/{created['id']}",
        json_body=_sub_body("http://127.0.0.1:1/x", "inverter/status"),
    )
    assert status == 200
    assert body == {
        "id": created["id"],
        "accountID": demo_ids.account_id,
        "eventTypes": ["inverter/status"],
        "targetURL": "http://127.0.0.1:1/x",
        "active": True,
    }

    status, headers, body = await emulator_api.request(
        "DELETE", f"{base}/{created['id']}"
    )
    assert (status, body) == (204, None)
    assert emulator.state.subscriptions == {}
    status, _, body = await emulator_api.request("DELETE", f"{base}/{created['id']}")
    assert (status, body) == (404, {"message": "Not Found"})


async def test_create_webhook_defaults_to_active(
    emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    status, _, body = await emulator_api.request(
        "POST",
        _webhooks(demo_ids),
        json_body={"eventTypes": ["ev/plugged"], "targetURL": "http://h/x"},
    )
    assert status == 201
    assert body["active"] is True


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("PUT", ""), ("DELETE", ""), ("POST", "/ping"), ("POST", "/secret")],
)
async def test_unknown_or_foreign_subscription_is_not_found(
    emulator: GridxEmulator,
    emulator_api: EmulatorApi,
    demo_ids: DemoIds,
    method: str,
    suffix: str,
) -> None:
    foreign = emulator.add_subscription("http://h/x", account_id=str(uuid.uuid4()))
    for webhook_id in ("unknown", foreign.id):
        status, _, body = await emulator_api.request(
            method,
            f"{_webhooks(demo_ids)}/{webhook_id}{suffix}",
            json_body=_sub_body("http://h/x"),
        )
        assert (status, body) == (404, {"message": "Not Found"})
    assert foreign.id in emulator.state.subscriptions


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ([], ["body must be a JSON object"]),
        (
            {},
            ["eventTypes must be a non-empty list", "targetURL must be an http(s) URL"],
        ),
        (
            {"eventTypes": [], "targetURL": "https://h"},
            ["eventTypes must be a non-empty list"],
        ),
        (
            {"eventTypes": ["ping", 1, "gateway/online"], "targetURL": "https://h"},
            [
                "eventTypes: unsupported event type 'ping'",
                "eventTypes: unsupported event type 1",
            ],
        ),
        (
            {"eventTypes": ["bogus"], "targetURL": "ftp://h", "active": "yes"},
            [
                "eventTypes: unsupported event type 'bogus'",
                "targetURL must be an http(s) URL",
                "active must be a boolean",
            ],
        ),
        (
            {"eventTypes": "gateway/online", "targetURL": 5},
            ["eventTypes must be a non-empty list", "targetURL must be an http(s) URL"],
        ),
    ],
)
async def test_webhook_validation(
    emulator: GridxEmulator,
    emulator_api: EmulatorApi,
    demo_ids: DemoIds,
    body: Any,
    details: list[str],
) -> None:
    status, _, answer = await emulator_api.request(
        "POST", _webhooks(demo_ids), data=json.dumps(body).encode()
    )
    assert (status, answer) == (
        422,
        {"message": "Validation failed", "details": details},
    )
    sub = emulator.add_subscription("http://h/x")
    status, _, answer = await emulator_api.request(
        "PUT", f"{_webhooks(demo_ids)}/{sub.id}", data=json.dumps(body).encode()
    )
    assert (status, answer) == (
        422,
        {"message": "Validation failed", "details": details},
    )
    assert emulator.state.subscriptions[sub.id].target_url == "http://h/x"


async def test_invalid_json_is_bad_request(
    emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    status, _, body = await emulator_api.request(
        "POST", _webhooks(demo_ids), data=b"{not json"
    )
    assert (status, body) == (
        400,
        {"message": "Bad Request", "details": ["body is not valid JSON"]},
    )


async def test_too_large_body(emulator_api: EmulatorApi, demo_ids: DemoIds) -> None:
    status, _, body = await emulator_api.request(
        "POST", _webhooks(demo_ids), data=b" " * (65 * 1024)
    )
    assert (status, body) == (413, {"message": "Content Too Large"})


async def test_webhooks_api_disabled(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    sub = emulator.add_subscription("http://h/x")
    emulator.state.webhooks_api_enabled = False
    base = _webhooks(demo_ids)
    for method, path in [
        ("GET", base),
        ("POST", base),
        ("PUT", f"{base}/{sub.id}"),
        ("DELETE", f"{base}/{sub.id}"),
        ("POST", f"{base}/{sub.id}/ping"),
        ("POST", f"{base}/{sub.id}/secret"),
    ]:
        status, _, body = await emulator_api.request(
            method, path, json_body=_sub_body("http://h/x")
        )
        assert (method, path, status, body) == (
            method,
            path,
            404,
            {"message": "Not Found"},
        )
    # The rules API, the fallback, still works.
    status, _, _ = await emulator_api.request(
        "POST", _rules(demo_ids), json_body=_rule_body("http://h/x")
    )
    assert status == 201


async def test_ping_delivers_signed_ping(
    emulator: GridxEmulator,
    emulator_api: EmulatorApi,
    demo_ids: DemoIds,
    webhook_receiver: WebhookReceiver,
) -> None:
    _, _, created = await emulator_api.request(
        "POST",
        _webhooks(demo_ids),
        json_body=_sub_body(webhook_receiver.url("/hook?a=1"), active=False),
    )
    status, _, body = await emulator_api.request(
        "POST", f"{_webhooks(demo_ids)}/{created['id']}/ping"
    )
    assert (status, body) == (202, None)
    await emulator.join_background()
    (request,) = await webhook_receiver.wait_for(1)
    assert request.method == "POST"
    assert request.path_qs == "/hook?a=1"
    assert request.headers["Content-Type"] == "application/json"
    assert verify_signature(
        request.body, request.headers[SIGNATURE_HEADER], [created["secret"]]
    )
    assert not verify_signature(
        request.body, request.headers[SIGNATURE_HEADER], ["whsec_other"]
    )
    event = request.json()
    assert event["type"] == "ping"
    assert event["data"] == {"message": "hello world"}
    assert event["specVersion"] == "1.0"
    assert (
        event["source"] == f"/accounts/{demo_ids.account_id}/webhooks/{created['id']}"
    )
    assert UUID_RE.match(event["id"])
    assert TIME_RE.match(event["time"])
    (result,) = emulator.deliveries
    assert (result.kind, result.status, result.attempts) == ("subscription", 204, 1)


async def test_ping_of_unknown_subscription_raises(emulator: GridxEmulator) -> None:
    with pytest.raises(KeyError):
        await emulator.ping("missing")


async def test_secret_rotation_signs_with_up_to_five_secrets(
    emulator: GridxEmulator,
    emulator_api: EmulatorApi,
    demo_ids: DemoIds,
    webhook_receiver: WebhookReceiver,
) -> None:
    base = _webhooks(demo_ids)
    _, _, created = await emulator_api.request(
        "POST", base, json_body=_sub_body(webhook_receiver.url())
    )
    first = created["secret"]
    status, headers, body = await emulator_api.request(
        "POST", f"{base}/{created['id']}/secret"
    )
    assert status == 200
    assert headers["Content-Type"] == CONTENT_TYPE
    second = body["secret"]
    assert SECRET_RE.match(second)
    assert second != first

    await emulator_api.request("POST", f"{base}/{created['id']}/ping")
    await emulator.join_background()
    (request,) = await webhook_receiver.wait_for(1)
    header = request.headers[SIGNATURE_HEADER]
    assert len(parse_signature_header(header)) == 2
    assert header.count(", ") == 1
    assert verify_signature(request.body, header, [first])
    assert verify_signature(request.body, header, [second])

    secrets = [first, second]
    for _ in range(5):
        _, _, body = await emulator_api.request(
            "POST", f"{base}/{created['id']}/secret"
        )
        secrets.append(body["secret"])
    assert emulator.state.subscriptions[created["id"]].secrets == secrets[-5:]
    await emulator_api.request("POST", f"{base}/{created['id']}/ping")
    await emulator.join_background()
    requests = await webhook_receiver.wait_for(2)
    header = requests[1].headers[SIGNATURE_HEADER]
    assert len(parse_signature_header(header)) == 5
    for secret in secrets[-5:]:
        assert verify_signature(requests[1].body, header, [secret])
    for secret in secrets[:2]:
        assert not verify_signature(requests[1].body, header, [secret])


# -- notification rules ------------------------------------------------------------


async def test_rule_crud(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    base = _rules(demo_ids)
    status, _, body = await emulator_api.request("GET", base)
    assert (status, body) == (200, [])
    status, headers, rule = await emulator_api.request(
        "POST", base, json_body=_rule_body("https://h/x", "ev/plugged")
    )
    assert status == 201
    assert headers["Content-Type"] == CONTENT_TYPE
    assert UUID_RE.match(rule["id"])
    assert rule == {
        "id": rule["id"],
        "accountID": demo_ids.account_id,
        "userID": demo_ids.user_id,
        "eventType": "ev/plugged",
        "filters": [],
        "notificationType": {
            "webhook": {"targetURL": "https://h/x", "secret": "s3cret"}
        },
        "locale": "DE",
    }
    status, _, body = await emulator_api.request("GET", base)
    assert (status, body) == (200, [rule])

    # A legacy type without a locale is accepted too.
    legacy = _rule_body("https://h/y", "commissioning/done")
    del legacy["locale"]
    status, _, second = await emulator_api.request("POST", base, json_body=legacy)
    assert status == 201
    assert "locale" not in second

    status, _, body = await emulator_api.request("DELETE", f"{base}/{rule['id']}")
    assert (status, body) == (204, None)
    assert list(emulator.state.rules) == [second["id"]]
    status, _, body = await emulator_api.request("DELETE", f"{base}/{rule['id']}")
    assert (status, body) == (404, {"message": "Not Found"})


async def test_rules_of_other_users_are_invisible(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    mine = emulator.add_rule("http://h/mine", "gateway/online", "s")
    emulator.state.users["other"] = type(emulator.state.users[demo_ids.user_id])(
        id="other", account_id=demo_ids.account_id, email="o@example.invalid"
    )
    theirs = emulator.add_rule(
        "http://h/theirs", "gateway/online", "s", user_id="other"
    )
    status, _, body = await emulator_api.request("GET", _rules(demo_ids))
    assert status == 200
    assert [rule["id"] for rule in body] == [mine.id]
    status, _, body = await emulator_api.request(
        "DELETE", f"{_rules(demo_ids)}/{theirs.id}"
    )
    assert (status, body) == (404, {"message": "Not Found"})
    assert theirs.id in emulator.state.rules


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ("x", ["body must be a JSON object"]),
        (
            {
                "eventType": "ping",
                "notificationType": {"webhook": {"targetURL": "https://h"}},
            },
            [
                "eventType: unsupported event type 'ping'",
                "notificationType.webhook.secret is required",
            ],
        ),
        (
            {"eventType": "gateway/online", "id": "x", "notificationType": {}},
            [
                "unknown field 'id'",
                "notificationType.webhook is required",
                "notificationType.webhook.targetURL must be an http(s) URL",
                "notificationType.webhook.secret is required",
            ],
        ),
        (
            {
                "eventType": "gateway/online",
                "notificationType": "webhook",
                "locale": 1,
                "filters": {},
            },
            [
                "notificationType.webhook is required",
                "notificationType.webhook.targetURL must be an http(s) URL",
                "notificationType.webhook.secret is required",
                "locale must be a string",
                "filters must be a list",
            ],
        ),
        (
            {
                "eventType": "gateway/online",
                "notificationType": {
                    "webhook": {"targetURL": "mailto:x", "secret": ""}
                },
            },
            [
                "notificationType.webhook.targetURL must be an http(s) URL",
                "notificationType.webhook.secret is required",
            ],
        ),
    ],
)
async def test_rule_validation(
    emulator: GridxEmulator,
    emulator_api: EmulatorApi,
    demo_ids: DemoIds,
    body: Any,
    details: list[str],
) -> None:
    status, _, answer = await emulator_api.request(
        "POST", _rules(demo_ids), data=json.dumps(body).encode()
    )
    assert (status, answer) == (
        422,
        {"message": "Validation failed", "details": details},
    )
    assert emulator.state.rules == {}


# -- gateways ---------------------------------------------------------------------------


async def test_gateways_and_appliances(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    status, headers, body = await emulator_api.request("GET", "/gateways")
    assert status == 200
    assert headers["Content-Type"] == CONTENT_TYPE
    # The documented item (gridx-live-facts §2): `connectionStatus` an
    # object, `serialnumber` lower case, the system nested, no `systemID`.
    [gateway] = body
    contacted_at = gateway["connectionStatus"].pop("contactedAt")
    assert datetime.fromisoformat(contacted_at).tzinfo is not None
    assert gateway == {
        "id": demo_ids.gateway_id,
        "type": "PHYSICAL",
        "startcode": emulator.state.gateways[demo_ids.gateway_id].startcode,
        "name": "Demo gridBox",
        "serialnumber": "D403-007-000-000-001-B-X",
        "connectionStatus": {"status": "AVAILABLE"},
        "createdAt": gateway["createdAt"],
        "updatedAt": gateway["createdAt"],
        "system": {"id": demo_ids.system_id, "name": "Demo system", "solution": "HOME"},
        "model": "gridBox",
        "manufacturer": "gridX",
    }
    status, _, body = await emulator_api.request(
        "GET", f"/gateways/{demo_ids.gateway_id}/appliances"
    )
    assert status == 200
    # Only inverters and meters have a kind (gridx-live-facts §2.1).
    assert [(a["id"], a["type"], a.get("kind")) for a in body] == [
        (demo_ids.inverter_id, "INVERTER", "HYBRID"),
        (demo_ids.meter_id, "METER", "GRID"),
        (demo_ids.ev_station_id, "EVSTATION", None),
    ]
    # The item does not name its gateway: it is the one in the path.
    assert set(body[2]) == {
        "id",
        "type",
        "name",
        "model",
        "manufacturer",
        "serialnumber",
        "firmware",
        "inactive",
        "reverseFlow",
        "state",
        "connectionStatus",
        "createdAt",
        "updatedAt",
    }
    assert body[1]["auxMeter"] == {"location": "GRID", "type": "AM550"}
    assert [a["connectionStatus"] for a in body] == [{"status": "AVAILABLE"}] * 3


async def test_appliances_of_unknown_or_foreign_gateway(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    other = EmulatorState()
    other_ids = other.seed_demo(token="other")
    emulator.state.gateways.update(other.gateways)
    emulator.state.accounts.update(other.accounts)
    status, _, body = await emulator_api.request("GET", "/gateways")
    assert [g["id"] for g in body] == [demo_ids.gateway_id]
    for gateway_id in ("unknown", other_ids.gateway_id):
        status, _, body = await emulator_api.request(
            "GET", f"/gateways/{gateway_id}/appliances"
        )
        assert (status, body) == (404, {"message": "Not Found"})


# -- delivery --------------------------------------------------------------------------


async def test_deliver_to_subscriptions_and_rules(
    emulator: GridxEmulator, demo_ids: DemoIds, webhook_receiver: WebhookReceiver
) -> None:
    url = webhook_receiver.url("/api/webhook/abc%2Fdef?x=1%2F2&y")
    sub = emulator.add_subscription(url, ["gateway/online", "gateway/offline"])
    emulator.add_subscription(webhook_receiver.url("/inactive"), active=False)
    emulator.add_subscription(webhook_receiver.url("/other"), ["ev/plugged"])
    rule = emulator.add_rule(
        webhook_receiver.url("/rule"), "gateway/online", "rule-secret"
    )
    emulator.add_rule(webhook_receiver.url("/rule-other"), "ev/plugged", "x")
    event = emulator.make_event(
        "gateway/online",
        {"gatewayID": demo_ids.gateway_id, "systemID": demo_ids.system_id},
    )
    results = await emulator.deliver(event)
    assert sorted(
        (r.kind, r.target_id, r.status, r.attempts, r.deleted, r.ok) for r in results
    ) == sorted(
        [
            ("subscription", sub.id, 204, 1, False, True),
            ("rule", rule.id, 204, 1, False, True),
        ]
    )
    assert {r.event_id for r in results} == {event["id"]}
    assert {r.error for r in results} == {None}
    requests = {r.path_qs: r for r in webhook_receiver.requests}
    assert set(requests) == {"/api/webhook/abc%2Fdef?x=1%2F2&y", "/rule"}
    expected_body = json.dumps(event, separators=(",", ":")).encode()
    for path, secret in [
        ("/api/webhook/abc%2Fdef?x=1%2F2&y", sub.secrets[0]),
        ("/rule", "rule-secret"),
    ]:
        request = requests[path]
        assert request.body == expected_body
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers[SIGNATURE_HEADER] == sign(expected_body, [secret])
        assert verify_signature(
            request.body, request.headers[SIGNATURE_HEADER], [secret]
        )
    assert list(emulator.deliveries) == results


async def test_deliver_without_targets(emulator: GridxEmulator) -> None:
    assert await emulator.deliver(emulator.make_event("system/action", {})) == []


async def test_retry_on_503_then_success(
    emulator: GridxEmulator, webhook_receiver: WebhookReceiver
) -> None:
    emulator.add_subscription(webhook_receiver.url(), ["ev/plugged"])
    webhook_receiver.respond(503, 503, 200)
    (result,) = await emulator.deliver(emulator.make_event("ev/plugged", {}))
    assert (result.status, result.attempts, result.error, result.ok) == (
        200,
        3,
        None,
        True,
    )
    assert len(webhook_receiver.requests) == 3
    assert len({r.body for r in webhook_receiver.requests}) == 1


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_every_transient_status_is_retried(
    emulator: GridxEmulator, webhook_receiver: WebhookReceiver, status: int
) -> None:
    emulator.add_subscription(webhook_receiver.url(), ["ev/plugged"])
    webhook_receiver.respond(status, 202)
    (result,) = await emulator.deliver(emulator.make_event("ev/plugged", {}))
    assert (result.status, result.attempts) == (202, 2)


async def test_retries_stop_after_five_more_attempts_with_backoff(
    emulator: GridxEmulator, webhook_receiver: WebhookReceiver
) -> None:
    emulator.retry_base_delay = 0.01
    emulator.add_subscription(webhook_receiver.url(), ["ev/plugged"])
    webhook_receiver.default_status = 500
    start = time.monotonic()
    (result,) = await emulator.deliver(emulator.make_event("ev/plugged", {}))
    elapsed = time.monotonic() - start
    assert (result.status, result.attempts, result.ok) == (500, 6, False)
    assert len(webhook_receiver.requests) == 6
    # 0.01 * (1 + 2 + 4 + 8 + 16) = 0.31 s of backoff.
    assert elapsed >= 0.3


@pytest.mark.parametrize("status", [400, 401, 404, 301, 422])
async def test_permanent_failure_is_not_retried(
    emulator: GridxEmulator, webhook_receiver: WebhookReceiver, status: int
) -> None:
    sub = emulator.add_subscription(webhook_receiver.url(), ["ev/plugged"])
    webhook_receiver.respond(status)
    (result,) = await emulator.deliver(emulator.make_event("ev/plugged", {}))
    assert (result.status, result.attempts, result.deleted) == (status, 1, False)
    assert len(webhook_receiver.requests) == 1
    assert sub.id in emulator.state.subscriptions


async def test_410_deletes_subscription_and_rule(
    emulator: GridxEmulator, webhook_receiver: WebhookReceiver
) -> None:
    sub = emulator.add_subscription(webhook_receiver.url("/s"), ["ev/plugged"])
    rule = emulator.add_rule(webhook_receiver.url("/r"), "ev/plugged", "x")
    webhook_receiver.default_status = 410
    results = await emulator.deliver(emulator.make_event("ev/plugged", {}))
    assert sorted((r.kind, r.status, r.attempts, r.deleted) for r in results) == [
        ("rule", 410, 1, True),
        ("subscription", 410, 1, True),
    ]
    assert sub.id not in emulator.state.subscriptions
    assert rule.id not in emulator.state.rules
    assert await emulator.deliver(emulator.make_event("ev/plugged", {})) == []


async def test_concurrent_410_deletes_once(
    emulator: GridxEmulator, webhook_receiver: WebhookReceiver
) -> None:
    emulator.add_subscription(webhook_receiver.url(), ["ev/plugged"])
    webhook_receiver.default_status = 410
    first, second = await asyncio.gather(
        emulator.deliver(emulator.make_event("ev/plugged", {})),
        emulator.deliver(emulator.make_event("ev/plugged", {})),
    )
    assert sorted([first[0].deleted, second[0].deleted]) == [False, True]
    assert emulator.state.subscriptions == {}


async def test_timeout_is_retried(
    emulator: GridxEmulator, webhook_receiver: WebhookReceiver
) -> None:
    # Generous: the first request must reach the receiver before it times out.
    emulator.delivery_timeout = 0.5
    emulator.add_subscription(webhook_receiver.url(), ["ev/plugged"])
    webhook_receiver.respond(HANG, 204)
    (result,) = await emulator.deliver(emulator.make_event("ev/plugged", {}))
    assert (result.status, result.attempts, result.error) == (204, 2, None)


async def test_timeouts_exhaust_retries(
    emulator: GridxEmulator, webhook_receiver: WebhookReceiver
) -> None:
    emulator.delivery_timeout = 0.1
    emulator.add_subscription(webhook_receiver.url(), ["ev/plugged"])
    webhook_receiver.default_status = HANG
    (result,) = await emulator.deliver(emulator.make_event("ev/plugged", {}))
    assert (result.status, result.attempts, result.ok) == (None, 6, False)
    assert result.error == "timeout after 0.1 s"
    # Under heavy load an attempt can time out before its request arrives.
    assert 1 <= len(webhook_receiver.requests) <= 6


async def test_connection_refused_is_retried(emulator: GridxEmulator) -> None:
    emulator.add_subscription(f"http://127.0.0.1:{_free_port()}/x", ["ev/plugged"])
    (result,) = await emulator.deliver(emulator.make_event("ev/plugged", {}))
    assert (result.status, result.attempts, result.ok) == (None, 6, False)
    assert result.error is not None
    assert result.error.startswith("ClientConnectorError")


async def test_deliver_updates_polled_state(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    await emulator.deliver(
        emulator.make_event("gateway/offline", {"gatewayID": demo_ids.gateway_id})
    )
    _, _, body = await emulator_api.request("GET", "/gateways")
    assert body[0]["connectionStatus"]["status"] == "UNAVAILABLE"
    await emulator.deliver(
        emulator.make_event("appliance/offline", {"applianceID": demo_ids.meter_id})
    )
    _, _, body = await emulator_api.request(
        "GET", f"/gateways/{demo_ids.gateway_id}/appliances"
    )
    assert [a["connectionStatus"]["status"] for a in body] == [
        "AVAILABLE",
        "UNAVAILABLE",
        "AVAILABLE",
    ]
    await emulator.deliver(
        emulator.make_event("appliance/online", {"applianceID": demo_ids.meter_id})
    )
    await emulator.deliver(
        emulator.make_event("gateway/online", {"gatewayID": demo_ids.gateway_id})
    )
    assert emulator.state.gateways[demo_ids.gateway_id].connection_status == "AVAILABLE"
    assert emulator.state.appliances[demo_ids.meter_id].connection_status == "AVAILABLE"


def test_apply_event_ignores_unknown_things() -> None:
    state = EmulatorState()
    ids = state.seed_demo()
    assert not state.apply_event({"type": "gateway/online", "data": "x"})
    assert not state.apply_event({"type": "gateway/online", "data": {"gatewayID": "x"}})
    assert not state.apply_event({"type": "appliance/online", "data": {}})
    assert not state.apply_event({"type": "ev/plugged", "data": {}})
    assert state.gateways[ids.gateway_id].connection_status == "AVAILABLE"


# -- lifecycle ---------------------------------------------------------------------


@pytest.mark.usefixtures("socket_enabled")
async def test_lifecycle_errors_and_context_manager() -> None:
    emulator = GridxEmulator()
    with pytest.raises(RuntimeError, match="not started"):
        _ = emulator.base_url
    with pytest.raises(RuntimeError, match="not started"):
        await emulator.deliver(emulator.make_event("ping", {}))
    with pytest.raises(RuntimeError, match="no demo account"):
        emulator.add_subscription("http://h/x")
    assert not emulator.running
    async with emulator as running:
        assert running is emulator
        assert running.running
        assert re.match(r"^http://127\.0\.0\.1:\d+$", running.base_url)
        with pytest.raises(RuntimeError, match="already started"):
            await emulator.start()
    assert not emulator.running
    await emulator.stop()  # idempotent
    assert not emulator.running


@pytest.mark.usefixtures("socket_enabled")
async def test_start_on_busy_port_fails_cleanly() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        emulator = GridxEmulator()
        with pytest.raises(OSError):
            await emulator.start("127.0.0.1", port)
    assert not emulator.running


async def test_stop_cancels_background_tasks(emulator: GridxEmulator) -> None:
    finished = asyncio.Event()
    task = emulator.create_background_task(asyncio.sleep(3600))
    emulator.create_background_task(finished.wait())
    finished.set()
    await asyncio.sleep(0)
    await emulator.stop()
    assert task.cancelled()
    await emulator.join_background()


# -- events --------------------------------------------------------------------------


def test_make_event_envelope() -> None:
    state = EmulatorState()
    ids = state.seed_demo()
    emulator = GridxEmulator(state=state)
    moment = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    event = emulator.make_event(
        "ev/plugged", {"state": "PLUGGED"}, event_id="e-1", time=moment
    )
    assert event == {
        "id": "e-1",
        "time": "2026-01-02T03:04:05.678Z",
        "specVersion": "1.0",
        "dataContentType": "application/json",
        "source": f"/systems/{ids.system_id}",
        "type": "ev/plugged",
        "data": {"state": "PLUGGED"},
    }
    with_system = emulator.make_event("gateway/online", {"systemID": "sys-1"})
    assert with_system["source"] == "/systems/sys-1"
    assert UUID_RE.match(with_system["id"])
    assert TIME_RE.match(with_system["time"])
    bare = GridxEmulator().make_event("system/action", {})
    assert re.match(r"^/systems/[0-9a-f-]{36}$", bare["source"])


def test_event_builders() -> None:
    state = EmulatorState()
    ids = state.seed_demo()
    inverter = state.appliances[ids.inverter_id]
    gateway = state.gateways[ids.gateway_id]
    data = inverter_status_data(
        inverter,
        gateway,
        status="ERROR",
        last_status="OK",
        err_code="F71A",
        last_err_code="F00",
    )
    assert data["applianceID"] == ids.inverter_id
    assert data["gatewayID"] == ids.gateway_id
    assert data["systemID"] == ids.system_id
    assert (data["status"], data["lastStatus"]) == ("ERROR", "OK")
    assert (data["errCode"], data["lastErrCode"]) == ("F71A", "F00")
    plain = inverter_status_data(inverter, gateway, status="OK", last_status="OK")
    assert "errCode" not in plain
    assert "lastErrCode" not in plain
    assert rfc3339(datetime(2026, 5, 6, 7, 8, 9)) == "2026-05-06T07:08:09.000Z"
    rng = _rng(1)
    first = make_event("ping", {}, rng=rng, source="/x")
    assert make_event("ping", {}, rng=_rng(1), source="/x")["id"] == first["id"]
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert power_limit_data(4.2e6, received_at=moment, valid_until=moment) == {
        "receivedAt": "2026-01-01T00:00:00.000Z",
        "newLPC": 4.2e6,
        "validUntil": "2026-01-01T00:00:00.000Z",
    }
    assert set(power_limit_data(None)) == {"receivedAt"}


# -- fault injection ---------------------------------------------------------------------


async def test_fault_status_count_exhausts(
    emulator: GridxEmulator, emulator_api: EmulatorApi
) -> None:
    emulator.faults.add("get_user", status=500, count=2)
    assert emulator.faults.pending("get_user") == 2
    for _ in range(2):
        status, headers, body = await emulator_api.request("GET", "/user")
        assert (status, body) == (500, {"message": "Internal Server Error"})
        assert headers["Content-Type"] == CONTENT_TYPE
    status, _, body = await emulator_api.request("GET", "/user")
    assert status == 200
    assert emulator.faults.pending("get_user") == 0


async def test_fault_with_body_and_retry_after(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    emulator.faults.add("create_webhook", status=429, retry_after=1.5)
    emulator.faults.add(
        "list_webhooks", status=403, body={"message": "Bad credentials"}
    )
    status, headers, body = await emulator_api.request(
        "POST", _webhooks(demo_ids), json_body=_sub_body("http://h/x")
    )
    assert (status, body, headers["Retry-After"]) == (
        429,
        {"message": "Too Many Requests"},
        "1.5",
    )
    assert emulator.state.subscriptions == {}
    status, headers, body = await emulator_api.request("GET", _webhooks(demo_ids))
    assert (status, body) == (403, {"message": "Bad credentials"})
    assert "Retry-After" not in headers


async def test_fault_applies_before_auth(
    emulator: GridxEmulator, emulator_api: EmulatorApi
) -> None:
    emulator.faults.add("list_gateways", status=599)
    status, _, body = await emulator_api.request("GET", "/gateways", token=None)
    assert (status, body) == (599, {"message": "Error"})


async def test_fault_delay(emulator: GridxEmulator, emulator_api: EmulatorApi) -> None:
    emulator.faults.add("list_gateways", delay=0.2)
    start = time.monotonic()
    status, _, body = await emulator_api.request("GET", "/gateways")
    assert time.monotonic() - start >= 0.2
    assert status == 200
    assert len(body) == 1
    emulator.faults.add("list_gateways", delay=0.05, status=502)
    status, _, body = await emulator_api.request("GET", "/gateways")
    assert (status, body) == (502, {"message": "Bad Gateway"})


async def test_fault_drop(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    emulator.faults.add("create_webhook", drop=True)
    # ServerDisconnectedError, or ClientOSError when the reset wins the race.
    with pytest.raises(ClientConnectionError):
        await emulator_api.request(
            "POST", _webhooks(demo_ids), json_body=_sub_body("http://h/x")
        )
    assert emulator.state.subscriptions == {}
    status, _, _ = await emulator_api.request(
        "POST", _webhooks(demo_ids), json_body=_sub_body("http://h/x")
    )
    assert status == 201


async def test_fault_lost(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    """A lost answer: the call is carried out, the client gets no response."""
    emulator.faults.add("create_webhook", lost=True)
    with pytest.raises(ClientConnectionError):
        await emulator_api.request(
            "POST", _webhooks(demo_ids), json_body=_sub_body("http://h/x")
        )
    [subscription] = emulator.state.subscriptions.values()
    assert subscription.target_url == "http://h/x"


async def test_fault_drop_without_transport() -> None:
    class _Request:
        transport = None

    response = await _apply_fault(_Request(), Fault(drop=True))  # type: ignore[arg-type]
    assert response is not None
    assert response.status == 500


def test_fault_injector_validation() -> None:
    faults = FaultInjector()
    assert len(ROUTE_NAMES) == 19
    with pytest.raises(ValueError, match="unknown endpoint"):
        faults.add("nope", status=500)
    with pytest.raises(ValueError, match="count"):
        faults.add("get_user", status=500, count=0)
    with pytest.raises(ValueError, match="delay"):
        faults.add("get_user", delay=-1)
    with pytest.raises(ValueError, match="invalid status"):
        faults.add("get_user", status=99)
    faults.add("get_user", status=500)
    faults.add("get_user", status=503)
    assert faults.take("get_user") == Fault(status=500)
    faults.clear()
    assert faults.pending("get_user") == 0
    assert faults.take("get_user") is None
    assert faults.take("list_rules") is None


@pytest.mark.parametrize(
    ("name", "method", "path"),
    [
        ("get_user", "GET", "/user"),
        ("list_webhooks", "GET", "{webhooks}"),
        ("create_webhook", "POST", "{webhooks}"),
        ("update_webhook", "PUT", "{webhooks}/x"),
        ("delete_webhook", "DELETE", "{webhooks}/x"),
        ("ping_webhook", "POST", "{webhooks}/x/ping"),
        ("rotate_secret", "POST", "{webhooks}/x/secret"),
        ("list_rules", "GET", "{rules}"),
        ("create_rule", "POST", "{rules}"),
        ("delete_rule", "DELETE", "{rules}/x"),
        ("list_gateways", "GET", "/gateways"),
        ("list_appliances", "GET", "/gateways/x/appliances"),
    ],
)
async def test_every_route_name_takes_faults(
    emulator: GridxEmulator,
    emulator_api: EmulatorApi,
    demo_ids: DemoIds,
    name: str,
    method: str,
    path: str,
) -> None:
    emulator.faults.add(name, status=418)
    url = path.format(webhooks=_webhooks(demo_ids), rules=_rules(demo_ids))
    status, _, body = await emulator_api.request(method, url)
    assert (status, body) == (418, {"message": "I'm a Teapot"})
    assert emulator.faults.pending(name) == 0


# -- state file -----------------------------------------------------------------------


def test_save_load_round_trip(tmp_path: Path) -> None:
    emulator = GridxEmulator()
    demo_ids = emulator.seed_demo(token=DEMO_TOKEN)
    emulator.add_subscription("http://h/x", ["ev/plugged"])
    emulator.add_rule("http://h/r", "gateway/online", "rule-secret")
    emulator.add_token("limited", user_id=demo_ids.user_id, policies={"ReadUser"})
    emulator.add_token("bad", user_id=demo_ids.user_id, bad_credentials=True)
    emulator.state.webhooks_api_enabled = False
    path = tmp_path / "state.json"
    emulator.save(path)
    loaded = GridxEmulator.load(path, retry_base_delay=0.25)
    assert loaded.retry_base_delay == 0.25
    assert loaded.state == emulator.state
    assert loaded.state.to_dict() == emulator.state.to_dict()
    assert loaded.state.tokens["limited"].policies == {"ReadUser"}
    assert loaded.state.tokens["bad"].bad_credentials
    assert loaded.state.demo == demo_ids
    raw = json.loads(path.read_text())
    assert raw["version"] == 1
    assert [s["secrets"] for s in raw["subscriptions"].values()] == [
        emulator.state.subscriptions[k].secrets for k in raw["subscriptions"]
    ]
    assert list(tmp_path.iterdir()) == [path]


def test_load_rejects_other_versions(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = EmulatorState()
    state.save(path)
    assert EmulatorState.load(path) == state
    raw = state.to_dict()
    raw["version"] = 99
    path.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match="unsupported state version 99"):
        EmulatorState.load(path)


async def test_state_path_saves_every_change(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    path = tmp_path / "state.json"
    emulator = GridxEmulator(state_path=path, retry_base_delay=0.001)
    ids = emulator.seed_demo(token="t")
    assert EmulatorState.load(path).demo == ids
    async with emulator:
        async with ClientSession() as session:
            api = EmulatorApi(session, emulator.base_url)
            _, _, created = await api.request(
                "POST",
                _webhooks(ids),
                token="t",
                json_body=_sub_body(webhook_receiver.url(), "gateway/offline"),
            )
        assert created["id"] in EmulatorState.load(path).subscriptions
        webhook_receiver.default_status = 410
        await emulator.deliver(
            emulator.make_event("gateway/offline", {"gatewayID": ids.gateway_id})
        )
    saved = EmulatorState.load(path)
    assert saved.subscriptions == {}
    assert saved.gateways[ids.gateway_id].connection_status == "UNAVAILABLE"


def test_subscription_keeps_five_secrets() -> None:
    sub = Subscription(
        id="s", account_id="a", event_types=[], target_url="u", active=True
    )
    for n in range(7):
        sub.add_secret(f"s{n}")
    assert sub.secrets == ["s2", "s3", "s4", "s5", "s6"]
    assert sub.to_api(with_secret=True)["secret"] == "s6"


def test_seed_demo_is_reproducible() -> None:
    first = EmulatorState().seed_demo(token="x", rng=_rng(3))
    second = EmulatorState().seed_demo(token="x", rng=_rng(3))
    assert first == second
    assert UUID_RE.match(first.gateway_id)
    assert (
        len({first.account_id, first.user_id, first.gateway_id, first.ev_asset_id}) == 4
    )


# -- scenario --------------------------------------------------------------------------------

LIMIT_SET = "grid-signal-processor/limitation-of-power-consumption/set"
LIMIT_UNSET = "grid-signal-processor/limitation-of-power-consumption/unset"
EV_CYCLE = [
    "ev/plugged",
    "ev/charge-started",
    "ev/measurement",
    "ev/measurement",
    "ev/measurement",
    "ev/charge-stopped",
    "ev/unplugged",
]
EXPECTED_STORY_SEED_7 = [
    "gateway/offline",
    "gateway/online",
    LIMIT_SET,
    *EV_CYCLE,
    "inverter/status",
    LIMIT_UNSET,
    "gateway/offline",
    "gateway/online",
    LIMIT_SET,
    *EV_CYCLE,
    LIMIT_UNSET,
    "gateway/offline",
    "gateway/online",
    "ev/plugged",
    "ev/charge-started",
]


def _story(seed: int, steps: int) -> tuple[list[dict[str, Any]], DemoIds]:
    state = EmulatorState()
    ids = state.seed_demo(rng=_rng(0))
    scenario = DemoScenario(GridxEmulator(state=state), seed=seed)
    return [scenario.next_event() for _ in range(steps)], ids


def test_scenario_is_deterministic() -> None:
    events, _ids = _story(7, 40)
    again, _ = _story(7, 40)
    strip = [{k: v for k, v in e.items() if k != "time"} for e in events]
    for event in strip:
        event["data"].pop("issuedAt", None)
        event["data"].pop("receivedAt", None)
    strip_again = [{k: v for k, v in e.items() if k != "time"} for e in again]
    for event in strip_again:
        event["data"].pop("issuedAt", None)
        event["data"].pop("receivedAt", None)
    assert strip == strip_again
    types = [e["type"] for e in events]
    assert types[: len(EXPECTED_STORY_SEED_7)] == EXPECTED_STORY_SEED_7
    assert set(types) <= set(SUBSCRIBABLE_EVENT_TYPES)
    # A limit set in a cycle is lifted at the end of that cycle.
    assert types.count(LIMIT_SET) - types.count(LIMIT_UNSET) in (0, 1)
    assert UUID_RE.match(events[0]["id"])
    other, _ = _story(8, 40)
    assert [e["id"] for e in other] != [e["id"] for e in events]


def test_scenario_story_values() -> None:
    events, ids = _story(7, 60)
    types = [e["type"] for e in events]
    assert types[: len(EXPECTED_STORY_SEED_7)] == EXPECTED_STORY_SEED_7
    started = next(e for e in events if e["type"] == "ev/charge-started")
    assert started["data"]["state"] == "CHARGING"
    assert started["data"]["chargePower"] in (3_700_000, 7_400_000, 11_000_000)
    assert 0 <= started["data"]["stateOfCharge"] <= 100
    assert started["data"]["assetID"] == ids.ev_asset_id
    assert started["data"]["gatewayID"] == ids.gateway_id
    assert started["source"] == f"/systems/{ids.system_id}"
    measurement = next(e for e in events if e["type"] == "ev/measurement")
    assert measurement["data"]["plugState"] == "PLUGGED"
    assert measurement["data"]["chargeState"] == "CHARGING"
    assert measurement["data"]["chargePower"] == started["data"]["chargePower"]
    assert measurement["data"]["stateOfCharge"] > started["data"]["stateOfCharge"]
    stopped = next(e for e in events if e["type"] == "ev/charge-stopped")
    assert (stopped["data"]["state"], stopped["data"]["chargePower"]) == ("STOPPED", 0)
    statuses = [e["data"] for e in events if e["type"] == "inverter/status"]
    assert statuses[0]["status"] == "WARNING"
    assert statuses[0]["lastStatus"] == "OK"
    assert statuses[0]["applianceID"] == ids.inverter_id
    assert all(a["status"] == b["lastStatus"] for a, b in itertools.pairwise(statuses))
    limit = next(
        e
        for e in events
        if e["type"] == "grid-signal-processor/limitation-of-power-consumption/set"
    )
    assert limit["data"]["newLPC"] in (4_200_000, 6_000_000)
    socs = [e["data"]["stateOfCharge"] for e in events if e["type"] == "ev/measurement"]
    # 5 s at the first session's 3.7 kW (a §14a limit is set) into 60 kWh;
    # tests/test_emulator_scenario.py checks the physics over whole stories.
    assert socs[:3] == [50.008565, 50.01713, 50.025695]


def test_scenario_needs_demo_ids() -> None:
    with pytest.raises(ValueError, match="demo ids"):
        DemoScenario(GridxEmulator())


async def test_scenario_delivers_and_updates_gateway(
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    webhook_receiver: WebhookReceiver,
    emulator_api: EmulatorApi,
) -> None:
    sub = emulator.add_subscription(webhook_receiver.url())
    scenario = DemoScenario(emulator, demo_ids, seed=7, interval=0)
    step = await scenario.step()
    assert step.event["type"] == "gateway/offline"
    assert [(r.target_id, r.status) for r in step.results] == [(sub.id, 204)]
    _, _, body = await emulator_api.request("GET", "/gateways")
    assert body[0]["connectionStatus"]["status"] == "UNAVAILABLE"
    assert await scenario.run(steps=3) == 3
    _, _, body = await emulator_api.request("GET", "/gateways")
    assert body[0]["connectionStatus"]["status"] == "AVAILABLE"
    requests = await webhook_receiver.wait_for(4)
    assert [r.json()["type"] for r in requests] == EXPECTED_STORY_SEED_7[:4]
    for request in requests:
        assert verify_signature(
            request.body, request.headers[SIGNATURE_HEADER], sub.secrets
        )


async def test_scenario_run_is_cancellable(
    emulator: GridxEmulator, webhook_receiver: WebhookReceiver
) -> None:
    emulator.add_subscription(webhook_receiver.url())
    scenario = DemoScenario(emulator, seed=1, interval=0.01)
    task = asyncio.get_running_loop().create_task(scenario.run())
    await webhook_receiver.wait_for(3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(webhook_receiver.requests) >= 3


# -- protocol import -----------------------------------------------------------------------


def test_standalone_api_loader(tmp_path: Path) -> None:
    name = "gridx_emulator._test_standalone_api"
    try:
        event_types, signature = load_standalone_api(name)
        again, _ = load_standalone_api(name)
        assert again is event_types
        assert event_types.EventType.PING == "ping"
        assert signature.sign(b"x", ["k"]) == sign(b"x", ["k"])
        assert API_DIR.name == "api"
    finally:
        for module in [m for m in sys.modules if m.startswith(name)]:
            del sys.modules[module]
    with pytest.raises(ImportError, match="cannot load"):
        load_standalone_api(name + "_bad", tmp_path / "__init__.txt")


# -- command line ---------------------------------------------------------------------------


def test_cli_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--port",
        "--token",
        "--host",
        "--state",
        "--scenario",
        "--interval",
    ):
        assert option in out


def test_cli_module_entry_point(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["gridx_emulator", "--help"])
    monkeypatch.delitem(sys.modules, "gridx_emulator.__main__", raising=False)
    with pytest.raises(SystemExit) as exc:
        runpy.run_module("gridx_emulator", run_name="__main__")
    assert exc.value.code == 0
    assert "gridX cloud" in capsys.readouterr().out


def test_cli_main_passes_arguments(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    async def fake_run(**kwargs: Any) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(cli, "run", fake_run)
    assert (
        cli.main(
            [
                "--port",
                "0",
                "--token",
                "tok",
                "--state",
                str(tmp_path / "s.json"),
                "--scenario",
                "--interval",
                "2.5",
                "--seed",
                "4",
                "--batteries",
                "2",
                "-v",
            ]
        )
        == 0
    )
    assert seen == {
        "host": "127.0.0.1",
        "port": 0,
        "token": "tok",
        "portal_password": "demo-password",
        "state_path": tmp_path / "s.json",
        "scenario": True,
        "interval": 2.5,
        "seed": 4,
        "retry_base_delay": 0.5,
        "batteries": 2,
        "gateway_status": None,
    }
    assert cli.build_parser().parse_args([]).port == 8765
    assert cli.build_parser().parse_args([]).batteries == 1
    for bad in ("0", "x"):
        with pytest.raises(SystemExit):
            cli.build_parser().parse_args(["--batteries", bad])


@pytest.mark.parametrize(
    ("error", "code"), [(OSError("address in use"), 1), (KeyboardInterrupt(), 0)]
)
def test_cli_main_errors(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: BaseException,
    code: int,
) -> None:
    async def failing_run(**kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(cli, "run", failing_run)
    assert cli.main([]) == code
    if code:
        assert "address in use" in capsys.readouterr().err


def test_is_loopback() -> None:
    assert cli._is_loopback("127.0.0.1")
    assert cli._is_loopback("::1")
    assert cli._is_loopback("localhost")
    assert not cli._is_loopback("192.0.2.1")
    assert not cli._is_loopback("example.invalid")


async def test_cli_run_in_process(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    webhook_receiver: WebhookReceiver,
) -> None:
    state_path = tmp_path / "state.json"
    stop = asyncio.Event()
    started: list[GridxEmulator] = []

    def on_started(emulator: GridxEmulator) -> None:
        started.append(emulator)
        stop.set()

    await cli.run(
        port=0,
        token="first",
        state_path=state_path,
        stop_event=stop,
        on_started=on_started,
    )
    out = capsys.readouterr().out
    (first,) = started
    saved = EmulatorState.load(state_path)
    assert saved.demo is not None
    assert saved.demo.token == "first"
    assert "gridX emulator running at http://127.0.0.1:" in out
    assert "API token:  first" in out
    assert f"account ID: {saved.demo.account_id}" in out
    assert "gridX emulator stopped." in out
    assert not first.running

    # Second run: the state is loaded, a new token is added, the scenario runs.
    saved_state = EmulatorState.load(state_path)
    saved_state.subscriptions.clear()
    stop = asyncio.Event()

    async def use_it(emulator: GridxEmulator) -> None:
        async with ClientSession() as session:
            api = EmulatorApi(session, emulator.base_url)
            status, _, body = await api.request("GET", "/user", token="second")
            assert status == 200
            assert body["id"] == saved.demo.user_id  # type: ignore[union-attr]
            status, _, _ = await api.request(
                "POST",
                _webhooks(saved.demo),  # type: ignore[arg-type]
                token="second",
                json_body=_sub_body(webhook_receiver.url(), *SUBSCRIBABLE_EVENT_TYPES),
            )
            assert status == 201
        await webhook_receiver.wait_for(2)
        stop.set()

    tasks: list[asyncio.Task[None]] = []
    await cli.run(
        port=0,
        token="second",
        state_path=state_path,
        scenario=True,
        interval=0.01,
        seed=7,
        retry_base_delay=0.001,
        stop_event=stop,
        on_started=lambda emulator: tasks.append(
            asyncio.get_running_loop().create_task(use_it(emulator))
        ),
    )
    await asyncio.gather(*tasks)
    out = capsys.readouterr().out
    assert "API token:  second" in out
    assert "scenario:   one event every 0.01 s" in out
    reloaded = EmulatorState.load(state_path)
    assert reloaded.demo == saved.demo
    assert set(reloaded.tokens) == {"first", "second"}
    assert len(reloaded.subscriptions) == 1
    # The scenario started before the subscription: a contiguous part of the story.
    types = [r.json()["type"] for r in webhook_receiver.requests]
    story = [e["type"] for e in _story(7, 200)[0]]
    assert len(types) >= 2
    assert any(
        story[i : i + len(types)] == types for i in range(len(story) - len(types))
    )

    # Third run: the token is known already; nothing is added.
    stop = asyncio.Event()
    await cli.run(
        port=0,
        token="second",
        state_path=state_path,
        stop_event=stop,
        on_started=lambda _: stop.set(),
    )
    assert set(EmulatorState.load(state_path).tokens) == {"first", "second"}


@pytest.mark.usefixtures("socket_enabled")
async def test_cli_run_sets_the_gateway_status(tmp_path: Path) -> None:
    """``--gateway-status`` sets the demo gateway's polled status (kept in the state)."""
    state_path = tmp_path / "state.json"
    stop = asyncio.Event()
    await cli.run(
        port=0,
        state_path=state_path,
        gateway_status="UNAVAILABLE",
        stop_event=stop,
        on_started=lambda _: stop.set(),
    )
    state = EmulatorState.load(state_path)
    assert state.demo is not None
    gateway = state.gateways[state.demo.gateway_id]
    assert gateway.connection_status == "UNAVAILABLE"
    assert gateway.contacted_at is not None


@pytest.mark.usefixtures("socket_enabled")
async def test_cli_run_stops_on_sigint(capsys: pytest.CaptureFixture[str]) -> None:
    await cli.run(port=0, on_started=lambda _: signal.raise_signal(signal.SIGINT))
    out = capsys.readouterr().out
    assert "gridX emulator stopped." in out


@pytest.mark.usefixtures("socket_enabled")
async def test_cli_run_without_signal_support_and_public_host(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = asyncio.get_running_loop()

    def no_signals(*args: Any) -> None:
        raise NotImplementedError

    monkeypatch.setattr(loop, "add_signal_handler", no_signals)
    monkeypatch.setattr(cli, "_is_loopback", lambda host: False)
    stop = asyncio.Event()
    loop.call_later(0.05, stop.set)
    await cli.run(port=0, stop_event=stop)
    captured = capsys.readouterr()
    assert "WARNING: listening on 127.0.0.1, not loopback" in captured.err
    assert "API token:  demo" in captured.out
