"""Tests for the live and historical models and their client calls (api/live.py)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientSession
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.gridx.api import client as client_module
from custom_components.gridx.api.client import GridxClient
from custom_components.gridx.api.errors import (
    GridxPermissionError,
    GridxRateLimitError,
    GridxResponseError,
    GridxServerError,
)
from custom_components.gridx.api.gateways import Gateway
from custom_components.gridx.api.live import (
    WS_PER_KWH,
    GatewaySystem,
    HistoricalPoint,
    HistoricalSeries,
    LiveMeasurement,
    Resolution,
    format_time,
    parse_time,
)
from gridx_emulator import GridxEmulator

BASE = "https://api.gridx.de"
SYSTEM = "3f2c9a61-0b7e-4d2a-9c15-7e8d4b1a2f30"
T = datetime(2026, 6, 21, 11, 0, tzinfo=UTC)

# gridx-live-facts §3.3 (assembled to satisfy the identities of §3.2).
LIVE: dict[str, Any] = {
    "measuredAt": "2026-06-21T11:02:30Z",
    "photovoltaic": 5200,
    "production": 5200,
    "grid": -900,
    "consumption": 2200,
    "totalConsumption": 2800,
    "selfConsumptionRate": 0.8269,
    "selfSufficiencyRate": 1,
    "gridMeterReadingPositive": 9370440000,
    "gridMeterReadingNegative": 6663600000,
    "battery": {
        "capacity": 10000,
        "nominalCapacity": 10000,
        "power": -1500,
        "charge": 1500,
        "discharge": 0,
        "remainingCharge": 6200,
        "stateOfCharge": 0.62,
    },
    "batteries": [{"applianceID": "b1", "power": -1500, "stateOfCharge": 0.62}, 7],
    "heatPump": 600,
    "heatPumps": [{"applianceID": "hp1", "power": 600, "sgReadyState": "AUTO"}],
    "evChargingStation": {"power": 0},
    "evChargingStations": [
        {
            "applianceID": "ev1",
            "power": 0,
            "plugState": "PLUGGED_ON_STATION",
            "readingTotal": 155763,
        }
    ],
    "somethingNew": "text",
    "flag": True,
    "nan": float("nan"),
}


def test_live_measurement_parses_values_units_and_arrays() -> None:
    """Every number is kept under its gridX name; arrays become typed items."""
    live = LiveMeasurement.from_dict(LIVE)
    assert live.measured_at == datetime(2026, 6, 21, 11, 2, 30, tzinfo=UTC)
    assert live.get("grid") == -900
    assert live.get("selfSufficiencyRate") == 1.0
    assert live.get("gridMeterReadingPositive") == 9370440000
    assert live.get("gridMeterReadingPositive") / WS_PER_KWH == pytest.approx(2602.9)  # type: ignore[operator]
    # Strings, booleans and NaN are not numbers; absent stays absent.
    for key in ("somethingNew", "flag", "nan", "heating"):
        assert live.get(key) is None
    assert live.battery is not None
    assert live.battery.power == -1500
    assert live.battery.state_of_charge == 0.62
    assert live.battery.charge == 1500
    assert live.battery.appliance_id is None
    assert [b.appliance_id for b in live.batteries] == ["b1"]
    assert live.heat_pumps[0].sg_ready_state == "AUTO"
    assert live.ev_station is not None
    assert live.ev_station.power == 0
    assert live.ev_stations[0].reading_total == 155763
    assert live.ev_stations[0].plug_state == "PLUGGED_ON_STATION"
    assert live.raw["somethingNew"] == "text"
    assert not live.is_empty


def test_live_measurement_empty_and_wrong_shapes() -> None:
    """``{}`` is an empty answer; a non-object is a wrong shape."""
    empty = LiveMeasurement.from_dict({"measuredAt": "garbage", "battery": "x"})
    assert empty.is_empty
    assert empty.measured_at is None
    assert empty.battery is None
    assert LiveMeasurement.from_dict({"batteries": "x"}).batteries == ()
    with pytest.raises(GridxResponseError, match="live: expected a JSON object"):
        LiveMeasurement.from_dict([])


def test_times() -> None:
    """Times parse to aware UTC; naive ones are taken as UTC; output uses Z."""
    assert parse_time("2026-03-29T01:00:00+01:00") == datetime(
        2026, 3, 29, 0, 0, tzinfo=UTC
    )
    assert parse_time("2026-03-29T01:00:00") == datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert parse_time(None) is None
    assert parse_time("") is None
    assert format_time(T) == "2026-06-21T11:00:00Z"


def test_gateway_system() -> None:
    """``system.id`` (real lists) or a flat ``systemID`` name the system."""
    system = GatewaySystem.from_gateway(
        {"id": "g", "system": {"id": SYSTEM, "name": "Erika Mustermann"}}
    )
    assert system == GatewaySystem(SYSTEM, "Erika Mustermann")
    assert "Erika" not in repr(system)
    assert GatewaySystem.from_gateway({"id": "g", "systemID": "s"}) == GatewaySystem(
        "s"
    )
    assert GatewaySystem.from_gateway({"id": "g", "system": {}}) is None
    with pytest.raises(GridxResponseError):
        GatewaySystem.from_gateway("g")
    # The polled gateway model picks the nested id up too.
    assert Gateway.from_dict({"id": "g", "system": {"id": SYSTEM}}).system_id == SYSTEM


def _series(
    resolution: Resolution, times: list[datetime], **values: Any
) -> HistoricalSeries:
    return HistoricalSeries.from_dict(
        {
            "total": {"grid": {"supply": 1}},
            "data": [{"measuredAt": format_time(t), **values} for t in times],
        },
        resolution,
    )


def test_historical_point_shapes() -> None:
    """``grid`` as an object or a signed scalar; battery charge and discharge."""
    point = HistoricalPoint.from_dict(
        {
            "photovoltaic": 1000,
            "grid": {"supply": 10, "feedIn": 300},
            "battery": {"charge": 200, "discharge": 0},
            "totalConsumption": 800,
            "consumption": 700,
            "heatPump": 100,
            "production": 1000,
        },
        T,
    )
    assert (point.grid_supply, point.grid_feed_in) == (10, 300)
    assert (point.battery_charge, point.battery_discharge) == (200, 0)
    assert point.heat_pump == 100
    signed = HistoricalPoint.from_dict({"grid": -250}, T)
    assert (signed.grid_supply, signed.grid_feed_in) == (0, 250)
    assert HistoricalPoint.from_dict({}, T).grid_supply is None


def test_historical_series_parsing() -> None:
    """Items are sorted, deduplicated, and those without a time are skipped."""
    series = HistoricalSeries.from_dict(
        {
            "data": [
                {"measuredAt": "2026-06-21T12:00:00Z", "photovoltaic": 2},
                {"measuredAt": "2026-06-21T11:00:00Z", "photovoltaic": 1},
                {"measuredAt": "2026-06-21T12:00:00Z", "photovoltaic": 3},
                {"photovoltaic": 4},
                "junk",
            ]
        },
        Resolution.HOUR,
    )
    assert [p.photovoltaic for p in series.points] == [1, 2]
    assert HistoricalSeries.from_dict([], Resolution.HOUR).points == ()
    assert HistoricalSeries.from_dict({"data": None}, Resolution.DAY).points == ()
    with pytest.raises(GridxResponseError):
        HistoricalSeries.from_dict("x", Resolution.HOUR)


def test_energy_buckets_end_stamped_by_default() -> None:
    """A 1 h point stamped at the hour's end covers the hour before it (§4)."""
    times = [T + timedelta(hours=h) for h in (1, 2, 3)]
    series = _series(Resolution.HOUR, times, photovoltaic=500)
    buckets = series.energy_wh(T, T + timedelta(hours=3))
    assert [(b, f) for b, _, f in buckets] == [
        (T, 1.0),
        (T + timedelta(hours=1), 1.0),
        (T + timedelta(hours=2), 1.0),
    ]


def test_energy_buckets_start_stamped_tolerated() -> None:
    """A series with a point at the start and none at the end is start-stamped."""
    times = [T + timedelta(hours=h) for h in (0, 1, 2)]
    series = _series(Resolution.HOUR, times, photovoltaic=500)
    assert series.stamped_at_start(T, T + timedelta(hours=3))
    assert [b for b, _, _ in series.energy_wh(T, T + timedelta(hours=3))] == times


def test_energy_buckets_quarter_hours_and_days() -> None:
    """15 min values are W (a quarter of an hour); 1 d values are Wh."""
    quarter = _series(Resolution.MIN_15, [T + timedelta(minutes=15)])
    assert quarter.energy_wh(T, T + timedelta(hours=1)) == [
        (T, quarter.points[0], 0.25)
    ]
    day = _series(Resolution.DAY, [T, T + timedelta(days=1)])
    assert day.stamped_at_start(T, T + timedelta(days=1))
    # Start-stamped; the bucket starting at the end is outside the range.
    assert day.energy_wh(T, T + timedelta(days=1)) == [(T, day.points[0], 1.0)]


async def test_client_get_live(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """``GET /systems/{id}/live`` with the id encoded as one path segment."""
    aioclient_mock.get(f"{BASE}/systems/a%2Fb/live", json=LIVE)
    client = GridxClient("gxp_token", async_get_clientsession(hass))
    live = await client.get_live("a/b")
    assert live.get("photovoltaic") == 5200


async def test_client_get_historical(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """The interval is sent as UTC Z instants; the answer is parsed."""
    aioclient_mock.get(
        f"{BASE}/systems/{SYSTEM}/historical",
        json={"data": [{"measuredAt": "2026-06-21T12:00:00Z", "photovoltaic": 7}]},
    )
    client = GridxClient("gxp_token", async_get_clientsession(hass))
    series = await client.get_historical(SYSTEM, T, T + timedelta(days=1))
    assert series.resolution is Resolution.HOUR
    assert series.points[0].photovoltaic == 7
    url = aioclient_mock.mock_calls[-1][1]
    assert url.query["interval"] == "2026-06-21T11:00:00Z/2026-06-22T11:00:00Z"
    assert url.query["resolution"] == "1h"
    assert "+" not in str(url)


async def test_client_historical_refuses_oversized_intervals(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """An interval longer than the resolution allows is never sent."""
    client = GridxClient("gxp_token", async_get_clientsession(hass))
    with pytest.raises(ValueError, match="interval"):
        await client.get_historical(SYSTEM, T, T + timedelta(days=2), Resolution.MIN_15)
    with pytest.raises(ValueError, match="interval"):
        await client.get_historical(SYSTEM, T, T)
    assert aioclient_mock.call_count == 0


async def test_client_live_errors(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """403 (no SystemMeasurementsRead) and 429 with Retry-After are typed."""
    client = GridxClient("gxp_token", async_get_clientsession(hass))
    aioclient_mock.get(
        f"{BASE}/systems/s1/live", status=403, json={"message": "Forbidden"}
    )
    with pytest.raises(GridxPermissionError):
        await client.get_live("s1")
    aioclient_mock.clear_requests()
    aioclient_mock.get(
        f"{BASE}/systems/s1/live",
        status=429,
        json={"message": "Too Many Requests"},
        headers={"Retry-After": "30"},
    )
    with pytest.raises(GridxRateLimitError) as err:
        await client.get_live("s1")
    assert err.value.retry_after == 30


async def test_client_walks_gateway_pages(emulator: GridxEmulator) -> None:
    """Every gateway of a 230-gateway account, in three pages of 100."""
    fleet = emulator.seed_fleet(token="big", gateways=230, appliances_per_gateway=1)
    async with ClientSession() as session:
        client = GridxClient("big", session, base_url=emulator.base_url)
        gateways = await client.list_gateways()
    assert [gateway.id for gateway in gateways] == list(fleet.gateways)
    assert [gateway.system_id for gateway in gateways] == list(fleet.systems)


def _gateways(first: int, count: int) -> list[dict[str, Any]]:
    return [
        {"id": f"gw-{n}", "system": {"id": f"s-{n}"}}
        for n in range(first, first + count)
    ]


@pytest.mark.parametrize(
    ("pages", "requests", "total"),
    [
        # The documented reading: a short page is the last.
        ([_gateways(0, 100), _gateways(100, 7)], 2, 107),
        # A full last page: the next, empty page ends the walk.
        ([_gateways(0, 100), []], 2, 100),
        # Fewer than the documented minimum of 20: certainly the last page.
        ([_gateways(0, 3)], 1, 3),
        # A server that caps per_page at 50: pages of 50 are full pages.
        ([_gateways(0, 50), _gateways(50, 50), _gateways(100, 20)], 3, 120),
        # A server that ignores page repeats itself: no new gateway, stop.
        ([_gateways(0, 30), _gateways(0, 30)], 2, 30),
        # A bare object wrapping the list (tolerated like other lists).
        ([{"gateways": _gateways(0, 1)}], 1, 1),
    ],
)
async def test_client_gateway_pages_end_in_both_readings(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    pages: list[Any],
    requests: int,
    total: int,
) -> None:
    """How the last page shows is not documented: each reading ends the walk."""
    for number, page in enumerate(pages, start=1):
        aioclient_mock.get(
            f"{BASE}/gateways",
            params={"page": str(number), "per_page": "100"},
            json=page,
        )
    client = GridxClient("gxp_token", async_get_clientsession(hass))
    gateways = await client.list_gateways()
    assert len(gateways) == total
    assert len({gateway.id for gateway in gateways}) == total
    assert aioclient_mock.call_count == requests
    assert gateways.complete is True


async def test_client_gateway_pages_are_bounded(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server that never ends its pages is asked at most MAX_GATEWAY_PAGES times."""
    monkeypatch.setattr(client_module, "MAX_GATEWAY_PAGES", 3)
    for number in range(1, 5):
        aioclient_mock.get(
            f"{BASE}/gateways",
            params={"page": str(number), "per_page": "100"},
            json=_gateways(number * 100, 100),
        )
    client = GridxClient("gxp_token", async_get_clientsession(hass))
    gateways = await client.list_gateways()
    assert len(gateways) == 300
    assert aioclient_mock.call_count == 3
    # Not all of them: a poll with this list takes nothing as gone.
    assert gateways.complete is False


async def test_client_appliance_pages(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Appliances are paged like gateways (listAll=true); a bounded walk is partial."""
    url = f"{BASE}/gateways/gw1/appliances"
    for number, count in ((1, 100), (2, 5)):
        aioclient_mock.get(
            url,
            params={"listAll": "true", "page": str(number), "per_page": "100"},
            json=[{"id": f"ap-{number}-{n}", "type": "METER"} for n in range(count)],
        )
    client = GridxClient("gxp_token", async_get_clientsession(hass))
    appliances = await client.list_appliances("gw1")
    assert len(appliances) == 105
    assert appliances.complete is True
    assert {appliance.gateway_id for appliance in appliances} == {"gw1"}

    monkeypatch.setattr(client_module, "MAX_GATEWAY_PAGES", 1)
    aioclient_mock.clear_requests()
    aioclient_mock.get(
        url, json=[{"id": f"ap-{n}", "type": "METER"} for n in range(100)]
    )
    assert (await client.list_appliances("gw1")).complete is False


async def test_client_failed_page_fails_the_list(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A page that fails fails the whole list: never a shorter, "complete" one."""
    aioclient_mock.get(
        f"{BASE}/gateways",
        params={"page": "1", "per_page": "100"},
        json=_gateways(0, 100),
    )
    aioclient_mock.get(
        f"{BASE}/gateways",
        params={"page": "2", "per_page": "100"},
        status=500,
        json={"message": "Internal Server Error"},
    )
    client = GridxClient("gxp_token", async_get_clientsession(hass))
    with pytest.raises(GridxServerError):
        await client.list_gateways()
