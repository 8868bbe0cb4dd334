"""gridX's documented REST shapes (`gridx_emulator.contract`), on both sides.

The emulator: every REST answer it gives is validated against the contract
(keys, types, enums, nesting; nothing gridX does not send). The parsers:
fixtures in the documented shapes (``tests/fixtures/rest``, built from the
facts' field lists and example values: an openHAB-like gateway, a hybrid
inverter, a meter, an EV station, a heat pump, the live and historical
examples) fit the contract and parse to what they say, with optional
fields absent, unknown fields ignored and wrong-typed ones logged once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.gridx.api import live as live_api, resources
from custom_components.gridx.api.live import (
    HistoricalSeries,
    LiveMeasurement,
    Resolution,
)
from custom_components.gridx.api.resources import Appliance, Gateway, connected
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
    Shape,
    validate,
)

from .emulator_fixtures import EmulatorApi
from .test_emulator_auth0 import password_body

FIXTURES = Path(__file__).parent / "fixtures" / "rest"
FLEET_TOKEN = "fleet-token"
NOON = datetime(2026, 6, 21, 11, 7, 30, tzinfo=UTC)


def fixture(name: str) -> Any:
    """Return a REST fixture (``tests/fixtures/rest/<name>.json``)."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


def fits(shape: Shape, value: Any) -> None:
    """Assert that ``value`` has the documented shape."""
    assert validate(shape, value) == []


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


def test_gateway_fixtures_fit_and_parse() -> None:
    """An openHAB-like gateway (no name) and one with only the required keys."""
    items = fixture("gateways")
    fits(Arr(GATEWAY), items)
    full, minimal = (Gateway.from_dict(item) for item in items)
    assert full == Gateway(
        id="5a1c2e70-3c41-4d6b-9f0e-2b8e6f1d7a10",
        name=None,
        serial_number="G505F88A-450-000-001-182-P-X",
        connection_status="AVAILABLE",
        system_id="c6f0e0b2-8f4a-4a0e-9d8e-6a1f2b3c4d5e",
        model="4.50P-X",
        manufacturer="gridX",
        contacted_at=datetime(2026, 6, 21, 11, 2, 28, tzinfo=UTC),
    )
    assert full.connected is True
    assert minimal == Gateway(
        id="8d2b4f61-7e3a-4c59-b0a1-9c8d7e6f5a42",
        connection_status="TEMPORARILY_UNAVAILABLE",
        system_id="1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
    )
    assert minimal.connected is False


def test_appliance_fixtures_fit_and_parse() -> None:
    """Hybrid inverter, meter, EV station (no name, serial, kind), heat pump."""
    items = fixture("appliances")
    fits(Arr(APPLIANCE), items)
    inverter, meter, station, heat_pump = (
        Appliance.from_dict(item, gateway_id="gw") for item in items
    )
    assert inverter == Appliance(
        id="2423417f-81af-473b-9168-7d5ffb8d5641",
        gateway_id="gw",
        name="Hybrid inverter",
        model="Sunny Boy Storage 2.5",
        manufacturer="SMA",
        serial_number="3010123456",
        appliance_type="INVERTER",
        kind="HYBRID",
        firmware="2.4.23.R",
        connection_status="AVAILABLE",
    )
    assert (meter.serial_number, meter.kind, meter.connected) == (
        "60001234",
        "GRID",
        False,
    )
    assert station == Appliance(
        id="87f20de8-ef1a-49d0-bd71-5e4508db0d6e",
        gateway_id="gw",
        model="eCHARGE/PV",
        manufacturer="Echarge Hardy Barth",
        appliance_type="EVSTATION",
        firmware="0.38-78000001",
        connection_status="UNKNOWN",
    )
    assert station.connected is None
    assert (heat_pump.appliance_type, heat_pump.kind, heat_pump.serial_number) == (
        "HEAT_PUMP",
        None,
        "HP-0042",
    )


def test_connection_statuses() -> None:
    """AVAILABLE on; TEMPORARILY_UNAVAILABLE, UNAVAILABLE off; anything else unknown."""
    assert [
        connected(status)
        for status in (
            "AVAILABLE",
            "TEMPORARILY_UNAVAILABLE",
            "UNAVAILABLE",
            "UNKNOWN",
            "ONLINE",
            None,
        )
    ] == [True, False, False, None, None, None]


def test_live_and_history_fixtures_fit_and_parse() -> None:
    """The assembled live example (live facts §3.3) and a history answer (§4)."""
    live_body = fixture("live")
    fits(LIVE, live_body)
    live = LiveMeasurement.from_dict(live_body)
    assert live.get("grid") == -900
    assert live.battery is not None
    assert live.battery.power == -1500
    assert [s.plug_state for s in live.ev_stations] == ["PLUGGED_ON_STATION"]
    history_body = fixture("historical")
    fits(HISTORICAL, history_body)
    history = HistoricalSeries.from_dict(history_body, Resolution.HOUR)
    assert [(p.grid_supply, p.battery_discharge) for p in history.points] == [
        (110, 200),
        (290, 0),
    ]


def test_wrong_typed_optional_fields_are_ignored_and_logged_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A string status (the old guess), a numeric name: ignored, one line each."""
    monkeypatch.setattr(resources, "_LOGGED", set())
    item = {
        **fixture("gateways")[0],
        "connectionStatus": "AVAILABLE",
        "name": ["not", "a", "name"],
        "unknownField": {"is": "ignored"},
    }
    for _ in range(3):
        gateway = Gateway.from_dict(item)
        assert (gateway.connection_status, gateway.name) == (None, None)
        assert gateway.serial_number == "G505F88A-450-000-001-182-P-X"
    appliance = Appliance.from_dict(
        {"id": "a", "connectionStatus": {"status": ["AVAILABLE"]}}, gateway_id="gw"
    )
    assert appliance.connection_status is None
    messages = [r.getMessage() for r in caplog.records if r.name == resources.__name__]
    assert messages == [
        "gridX sent gateway.connectionStatus as str, not as documented; ignoring it",
        "gridX sent gateway.name as list, not as documented; ignoring it",
        (
            "gridX sent appliance.connectionStatus.status as list,"
            " not as documented; ignoring it"
        ),
    ]


def test_wrong_typed_measurements_are_ignored_and_logged_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live values of the wrong type count as absent; one line per field."""
    monkeypatch.setattr(live_api, "_LOGGED", set())
    body = {
        **fixture("live"),
        "photovoltaic": "5200",
        "battery": [1500],
        "heatPumps": {"power": 600},
        "evChargingStations": [{"power": "0", "plugState": 1}],
        "somethingNew": 1,
    }
    for _ in range(2):
        live = LiveMeasurement.from_dict(body)
        assert live.get("photovoltaic") is None
        assert live.get("somethingNew") == 1
        assert (live.battery, live.heat_pumps) == (None, ())
        assert [(s.power, s.plug_state) for s in live.ev_stations] == [(None, None)]
    messages = [r.getMessage() for r in caplog.records if r.name == live_api.__name__]
    assert sorted(messages) == [
        f"gridX sent the measurement field {key} as {kind}, not as documented;"
        " ignoring it"
        for key, kind in (
            ("battery", "list"),
            ("heatPumps", "dict"),
            ("photovoltaic", "str"),
            ("plugState", "int"),
            ("power", "str"),
        )
    ]


def test_event_data_spellings_still_parse() -> None:
    """The same models read ``gateway/*`` and ``appliance/*`` event data."""
    gateway = Gateway.from_dict(
        {
            "gatewayID": "gw",
            "gatewayName": "Home",
            "gatewaySerialnumber": "D403",
            "systemID": "sys",
        }
    )
    assert (gateway.id, gateway.name, gateway.serial_number, gateway.system_id) == (
        "gw",
        "Home",
        "D403",
        "sys",
    )
    appliance = Appliance.from_dict(
        {"applianceID": "ap", "gatewayID": "gw", "serialNumber": "SN"}
    )
    assert (appliance.id, appliance.gateway_id, appliance.serial_number) == (
        "ap",
        "gw",
        "SN",
    )
