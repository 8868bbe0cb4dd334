"""The parsers read gridX's documented REST shapes (`gridx_emulator.contract`).

Fixtures in the documented shapes (`rest_fixtures`) fit the contract and
parse to what they say, with optional fields absent, unknown fields ignored
and wrong-typed ones ignored and logged once. The same models still read the
spellings of the webhook events' data.
"""

from datetime import UTC, datetime

import pytest

from custom_components.gridx.api import live as live_api, resources
from custom_components.gridx.api.gateways import Appliance, Gateway, connected
from custom_components.gridx.api.live import (
    HistoricalSeries,
    LiveMeasurement,
    Resolution,
)
from gridx_emulator.contract import APPLIANCE, GATEWAY, HISTORICAL, LIVE, Arr

from .rest_fixtures import fits, fixture


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
