"""The emulator answers in gridX's documented REST shapes (`gridx_emulator.contract`).

Every REST answer the emulator gives is validated against the contract
(keys, types, enums, nesting; nothing gridX does not send), and the
contract names the old guesses as what they are. The parsers' side is
``test_rest_parsers.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from typing import Any

import pytest

from gridx_emulator import DemoIds, GridxEmulator
from gridx_emulator.auth0 import DEMO_PORTAL_EMAIL, DEMO_PORTAL_PASSWORD
from gridx_emulator.contract import (
    APPLIANCE,
    ERROR,
    GATEWAY,
    HISTORICAL,
    LIVE,
    ROTATED_SECRET,
    RULE,
    SUBSCRIPTION,
    TOKEN,
    TOKEN_ERROR,
    USER,
    Arr,
    validate,
)

from .emulator_fixtures import EmulatorApi
from .rest_fixtures import fits, fixture
from .test_emulator_auth0 import password_body

FLEET_TOKEN = "fleet-token"
NOON = datetime(2026, 6, 21, 11, 7, 30, tzinfo=UTC)


async def _get(api: EmulatorApi, path: str, token: str | None = None) -> Any:
    kwargs = {} if token is None else {"token": token}
    status, _, body = await api.request("GET", path, **kwargs)
    assert status == 200, body
    return body


# -- the emulator answers in the documented shapes ----------------------------------


async def test_emulator_read_answers_fit_the_contract(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    """/user, /gateways, appliances of every type, live and history."""
    emulator.live.clock = lambda: NOON
    # A fleet holds every appliance type the emulator knows.
    fleet = emulator.seed_fleet(token=FLEET_TOKEN, gateways=1, appliances_per_gateway=9)
    fits(USER, await _get(emulator_api, "/user"))
    for token, gateway_id, system_id in (
        (None, demo_ids.gateway_id, demo_ids.system_id),
        (FLEET_TOKEN, fleet.gateways[0], fleet.systems[0]),
    ):
        gateways = await _get(emulator_api, "/gateways", token)
        fits(Arr(GATEWAY), gateways)
        appliances = await _get(
            emulator_api, f"/gateways/{gateway_id}/appliances", token
        )
        fits(Arr(APPLIANCE), appliances)
        fits(LIVE, await _get(emulator_api, f"/systems/{system_id}/live", token))
    assert {a["type"] for a in appliances} >= {
        "INVERTER",
        "METER",
        "EVSTATION",
        "HEAT_PUMP",
    }
    start = NOON.replace(hour=0, minute=0, second=0) - timedelta(days=2)
    for resolution, days in (("15m", 1), ("1h", 2), ("1d", 2)):
        end = (start + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        interval = f"{start.strftime('%Y-%m-%dT%H:%M:%SZ')}/{end}"
        history = await _get(
            emulator_api,
            f"/systems/{demo_ids.system_id}/historical"
            f"?interval={interval}&resolution={resolution}",
        )
        fits(HISTORICAL, history)
        assert history["data"], resolution
    # An empty live answer (gridX sends `{}` at times) fits too.
    emulator.live.empty_answers = 1
    assert await _get(emulator_api, f"/systems/{demo_ids.system_id}/live") == {}


@pytest.mark.parametrize("status", ["TEMPORARILY_UNAVAILABLE", "UNAVAILABLE"])
async def test_emulator_gateway_statuses_fit_the_contract(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds, status: str
) -> None:
    """A silent gateway's status and last contact (2 minutes / 24 hours ago)."""
    emulator.state.gateways[demo_ids.gateway_id].set_connection(status)
    [gateway] = await _get(emulator_api, "/gateways")
    fits(GATEWAY, gateway)
    assert gateway["connectionStatus"]["status"] == status
    contacted = datetime.fromisoformat(gateway["connectionStatus"]["contactedAt"])
    silent = datetime.now(UTC) - contacted
    assert silent >= (
        timedelta(hours=24) if status == "UNAVAILABLE" else timedelta(minutes=2)
    )


async def test_emulator_webhook_and_rule_answers_fit_the_contract(
    emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    """Subscriptions (create, list, update, rotate) and notification rules."""
    hooks = f"/accounts/{demo_ids.account_id}/webhooks"
    body = {"eventTypes": ["gateway/online"], "targetURL": "https://example.invalid/h"}
    status, _, created = await emulator_api.request(
        "POST", hooks, json_body={**body, "active": False}
    )
    assert status == 201
    fits(SUBSCRIPTION, created)
    assert "secret" in created
    listed = await _get(emulator_api, hooks)
    fits(Arr(SUBSCRIPTION), listed)
    assert all("secret" not in item for item in listed)
    status, _, updated = await emulator_api.request(
        "PUT", f"{hooks}/{created['id']}", json_body={**body, "active": True}
    )
    assert status == 200
    fits(SUBSCRIPTION, updated)
    status, _, rotated = await emulator_api.request(
        "POST", f"{hooks}/{created['id']}/secret"
    )
    assert status == 200
    fits(ROTATED_SECRET, rotated)

    rules = (
        f"/accounts/{demo_ids.account_id}/users/{demo_ids.user_id}/notifications/rules"
    )
    webhook = {"targetURL": "https://example.invalid/h", "secret": "whsec_test"}
    status, _, rule = await emulator_api.request(
        "POST",
        rules,
        json_body={
            "eventType": "gateway/online",
            "notificationType": {"webhook": webhook},
            "locale": "DE",
        },
    )
    assert status == 201
    fits(RULE, rule)
    fits(Arr(RULE), await _get(emulator_api, rules))


async def test_emulator_errors_and_tokens_fit_the_contract(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    """Error bodies (404, 422, 403) and Auth0's token answers and refusals."""
    for path, expected in (
        ("/systems/unknown/live", 404),
        (f"/systems/{demo_ids.system_id}/historical?interval=nonsense", 422),
    ):
        status, _, body = await emulator_api.request("GET", path)
        assert status == expected
        fits(ERROR, body)
    status, _, body = await emulator_api.request("GET", "/user", token="nobody")
    assert status == 401
    fits(ERROR, body)

    emulator.auth0.seed_demo_portal(demo_ids.user_id)
    status, _, answer = await emulator_api.request(
        "POST", "/oauth/token", token=None, json_body=password_body()
    )
    assert status == 200
    fits(TOKEN, answer)
    status, _, refreshed = await emulator_api.request(
        "POST",
        "/oauth/token",
        token=None,
        json_body={
            "grant_type": "refresh_token",
            "refresh_token": answer["refresh_token"],
            "client_id": password_body()["client_id"],
        },
    )
    assert status == 200
    fits(TOKEN, refreshed)
    status, _, refused = await emulator_api.request(
        "POST",
        "/oauth/token",
        token=None,
        json_body=password_body(password=DEMO_PORTAL_PASSWORD + "-wrong"),
    )
    assert status == 403
    fits(TOKEN_ERROR, refused)
    assert DEMO_PORTAL_EMAIL not in json.dumps(refused)


# -- the contract itself ---------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"systemID": "x"}, "$.systemID: not in the documented shape"),
        ({"serialNumber": "x"}, "$.serialNumber: not in the documented shape"),
        ({"connectionStatus": "AVAILABLE"}, "$.connectionStatus: expected an object"),
        (
            {"connectionStatus": {"status": "ONLINE"}},
            (
                "$.connectionStatus.status: 'ONLINE' not in "
                "['AVAILABLE', 'TEMPORARILY_UNAVAILABLE', 'UNAVAILABLE']"
            ),
        ),
        ({"id": "gw-1"}, "$.id: not a uuid"),
        ({"createdAt": "2026-01-01T00:00:00"}, "$.createdAt: date-time without a zone"),
        ({"createdAt": "yesterday"}, "$.createdAt: not an RFC 3339 date-time"),
        ({"name": 7}, "$.name: expected a string"),
        ({"scanners": {}}, "$.scanners: expected an array"),
    ],
)
def test_contract_names_what_gridx_does_not_send(
    change: dict[str, Any], problem: str
) -> None:
    """The old guesses (top-level systemID, serialNumber, a status string) fail."""
    gateway = fixture("gateways")[0]
    assert validate(GATEWAY, {**gateway, **change}) == [problem]


def test_contract_appliances_by_type() -> None:
    """The discriminator picks the shape; a gatewayID or missing key is named."""
    inverter, meter, *_ = fixture("appliances")
    assert validate(APPLIANCE, {**inverter, "gatewayID": "x"}) == [
        "$.gatewayID: not in the documented shape"
    ]
    assert validate(APPLIANCE, {k: v for k, v in meter.items() if k != "auxMeter"}) == [
        "$.auxMeter: missing"
    ]
    assert validate(APPLIANCE, {**meter, "type": "TOASTER"})[0].startswith(
        "$.type: not one of"
    )
    assert validate(APPLIANCE, [meter]) == ["$: expected an object"]
    assert validate(Arr(APPLIANCE), {}) == ["$: expected an array"]
    assert validate(APPLIANCE, {**inverter, "inactive": "no"}) == [
        "$.inactive: expected a boolean"
    ]
    assert validate(APPLIANCE, {**inverter, "hybridCalcMode": 1.5}) == [
        "$.hybridCalcMode: expected an integer"
    ]
    # `position` is required by the spec but has no schema: any value fits.
    assert validate(APPLIANCE, {**inverter, "position": {"x": 1}}) == []
    assert validate(LIVE, {"grid": "-900"}) == ["$.grid: expected a number"]
    assert validate(ROTATED_SECRET, {"secret": 1}) == ["$.secret: expected a string"]


# -- the parsers read the documented shapes ---------------------------------------
