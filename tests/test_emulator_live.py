"""Tests for the emulator's live and historical measurements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridx_emulator import DemoIds, GridxEmulator
from gridx_emulator.live import METER_STEP_WS, WS_PER_WH
from gridx_emulator.simulation import HISTORY, STEP, SystemSimulation

from .emulator_fixtures import DEMO_TOKEN, EmulatorApi

NOON = datetime(2026, 6, 21, 11, 7, 30, tzinfo=UTC)


class Clock:
    """A settable clock for the simulation."""

    def __init__(self, now: datetime) -> None:
        """Start at ``now``."""
        self.now = now

    def __call__(self) -> datetime:
        """Return the current time."""
        return self.now


@pytest.fixture
def clock(emulator: GridxEmulator) -> Clock:
    """Drive the emulator's measurements by a fixed clock (midsummer noon)."""
    fixed = Clock(NOON)
    emulator.live.clock = fixed
    return fixed


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_gateways_carry_the_system(
    emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    """``GET /gateways`` items nest ``system{id, name}`` like real lists."""
    status, _, body = await emulator_api.request("GET", "/gateways")
    assert status == 200
    assert body[0]["system"]["id"] == demo_ids.system_id


async def test_live_values_units_and_identities(
    emulator_api: EmulatorApi, demo_ids: DemoIds, clock: Clock
) -> None:
    """A midsummer noon: PV, signs, rates 0-1, meters in Ws (0.1 kWh steps)."""
    status, _, live = await emulator_api.request(
        "GET", f"/systems/{demo_ids.system_id}/live"
    )
    assert status == 200
    assert live["measuredAt"] == "2026-06-21T11:07:30.000Z"
    assert live["photovoltaic"] > 1000
    # §3.2: totalConsumption = production + battery.power + grid (rounding).
    assert (
        abs(
            live["totalConsumption"]
            - (live["production"] + live["battery"]["power"] + live["grid"])
        )
        <= 2
    )
    assert 0 <= live["battery"]["stateOfCharge"] <= 1
    assert 0 <= live["selfSufficiencyRate"] <= 1
    assert 0 <= live["selfConsumptionRate"] <= 1
    for key in ("gridMeterReadingPositive", "gridMeterReadingNegative"):
        assert live[key] > 0
        assert live[key] % METER_STEP_WS == 0
    assert live["heatPumps"][0]["sgReadyState"] in ("ON", "AUTO")
    # The demo's wallbox is the charging station of the live answer.
    assert live["evChargingStations"][0]["applianceID"] == demo_ids.ev_station_id


async def test_two_batteries_share_the_system_battery(
    emulator: GridxEmulator,
    emulator_api: EmulatorApi,
    demo_ids: DemoIds,
    clock: Clock,
) -> None:
    """``batteries = 2``: the demo's inverter and one unlisted battery, halves."""
    emulator.live.batteries = 2
    _, _, live = await emulator_api.request(
        "GET", f"/systems/{demo_ids.system_id}/live"
    )
    first, second = live["batteries"]
    assert first["applianceID"] == demo_ids.inverter_id
    assert second["applianceID"] == f"{demo_ids.gateway_id}-battery-2"
    total = live["battery"]
    assert abs(first["power"] + second["power"] - total["power"]) <= 1
    assert first["capacity"] + second["capacity"] == total["capacity"]
    assert first["stateOfCharge"] == second["stateOfCharge"] == total["stateOfCharge"]


async def test_live_at_night_leaves_rates_out(
    emulator_api: EmulatorApi, demo_ids: DemoIds, clock: Clock
) -> None:
    """No production: no self-consumption rate, PV is 0 and the grid imports."""
    clock.now = datetime(2026, 6, 21, 23, 30, tzinfo=UTC)
    _, _, live = await emulator_api.request(
        "GET", f"/systems/{demo_ids.system_id}/live"
    )
    assert live["photovoltaic"] == 0
    assert "selfConsumptionRate" not in live
    assert live["grid"] >= 0


async def test_meters_advance_by_integrated_power(
    emulator: GridxEmulator, demo_ids: DemoIds, clock: Clock
) -> None:
    """The import meter grows by exactly the integrated grid import."""
    live = emulator.live
    simulation = live.system(demo_ids.system_id)
    start = NOON
    end = NOON + timedelta(hours=3)
    before, _ = live.meters_ws(demo_ids.system_id, start)
    clock.now = end
    after, _ = live.meters_ws(demo_ids.system_id, end)
    integrated = 0.0
    moment = start
    while moment < end:
        step_end = min(end, simulation.origin + (simulation.index(moment) + 1) * STEP)
        grid = simulation.powers_at(moment).grid
        integrated += max(grid, 0.0) * (step_end - moment).total_seconds()
        moment = step_end
    assert after - before == pytest.approx(integrated, rel=1e-9, abs=1e-3)


async def test_hourly_history_matches_the_meters(
    emulator: GridxEmulator,
    emulator_api: EmulatorApi,
    demo_ids: DemoIds,
    clock: Clock,
) -> None:
    """``1h`` points are mean W stamped at the hour's end and sum to the meters."""
    start = datetime(2026, 6, 20, 0, tzinfo=UTC)
    end = start + timedelta(days=1)
    status, _, body = await emulator_api.request(
        "GET",
        f"/systems/{demo_ids.system_id}/historical"
        f"?interval={_z(start)}/{_z(end)}&resolution=1h",
    )
    assert status == 200
    data = body["data"]
    assert len(data) == 24
    assert data[0]["measuredAt"] == "2026-06-20T01:00:00.000Z"
    supply_wh = sum(item["grid"]["supply"] for item in data)
    feed_in_wh = sum(item["grid"]["feedIn"] for item in data)
    import_0, export_0 = emulator.live.meters_ws(demo_ids.system_id, start)
    import_1, export_1 = emulator.live.meters_ws(demo_ids.system_id, end)
    assert supply_wh == pytest.approx((import_1 - import_0) / WS_PER_WH, abs=0.05)
    assert feed_in_wh == pytest.approx((export_1 - export_0) / WS_PER_WH, abs=0.05)
    assert body["total"]["grid"]["supply"] == pytest.approx(supply_wh, abs=0.05)
    assert sum(item["photovoltaic"] for item in data) > 5000
    assert body["total"]["measuredAt"].endswith("/2026-06-21T00:00:00.000Z")


async def test_quarter_hours_and_days(
    emulator_api: EmulatorApi, demo_ids: DemoIds, clock: Clock
) -> None:
    """``15m`` is W at the bucket end (mean W = 4 x Wh); ``1d`` is Wh at the start."""
    start = datetime(2026, 6, 20, 10, tzinfo=UTC)
    path = f"/systems/{demo_ids.system_id}/historical"
    _, _, quarter = await emulator_api.request(
        "GET",
        f"{path}?interval={_z(start)}/{_z(start + timedelta(hours=1))}&resolution=15m",
    )
    _, _, hour = await emulator_api.request(
        "GET",
        f"{path}?interval={_z(start)}/{_z(start + timedelta(hours=1))}&resolution=1h",
    )
    assert [item["measuredAt"][11:16] for item in quarter["data"]] == [
        "10:15",
        "10:30",
        "10:45",
        "11:00",
    ]
    mean = sum(item["photovoltaic"] for item in quarter["data"]) / 4
    assert mean == pytest.approx(hour["data"][0]["photovoltaic"], abs=0.01)
    day_start = datetime(2026, 6, 18, tzinfo=UTC)
    _, _, days = await emulator_api.request(
        "GET",
        f"{path}?interval={_z(day_start)}/{_z(day_start + timedelta(days=2))}&resolution=1d",
    )
    assert [item["measuredAt"] for item in days["data"]] == [
        "2026-06-18T00:00:00.000Z",
        "2026-06-19T00:00:00.000Z",
    ]


async def test_history_leaves_out_incomplete_and_too_old_buckets(
    emulator: GridxEmulator,
    emulator_api: EmulatorApi,
    demo_ids: DemoIds,
    clock: Clock,
) -> None:
    """Only complete buckets after the simulation origin are served."""
    path = f"/systems/{demo_ids.system_id}/historical"
    _, _, body = await emulator_api.request(
        "GET",
        f"{path}?interval={_z(NOON - timedelta(hours=2))}/{_z(NOON + timedelta(hours=2))}",
    )
    assert [item["measuredAt"][11:16] for item in body["data"]] == ["11:00"]
    origin = emulator.live.system(demo_ids.system_id).origin
    assert origin == (NOON - HISTORY).replace(hour=0, minute=0, second=0)
    old = origin - timedelta(days=3)
    _, _, body = await emulator_api.request(
        "GET", f"{path}?interval={_z(old)}/{_z(origin + timedelta(hours=1))}"
    )
    assert len(body["data"]) == 1


@pytest.mark.parametrize(
    "query",
    [
        "interval=2026-06-01T00:00:00Z/2026-06-10T00:00:00Z&resolution=1h",
        "interval=2026-06-01T00:00:00Z/2026-06-01T00:00:00Z",
        "interval=yesterday/today",
        "interval=2026-06-01T00:00:00/2026-06-02T00:00:00",
        "interval=2026-06-01T00:00:00Z/2026-06-02T00:00:00Z&resolution=1y",
        "resolution=1h",
    ],
)
async def test_history_validation(
    emulator_api: EmulatorApi, demo_ids: DemoIds, query: str
) -> None:
    """Bad intervals and resolutions answer 422 with details."""
    status, _, body = await emulator_api.request(
        "GET", f"/systems/{demo_ids.system_id}/historical?{query}"
    )
    assert status == 422
    assert body["message"] == "Validation failed"
    assert body["details"]


async def test_unknown_system_and_missing_policy(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    """An unknown system is 404; a token without SystemMeasurementsRead 403."""
    for route in ("live", "historical"):
        status, _, _ = await emulator_api.request("GET", f"/systems/nope/{route}")
        assert status == 404
    user_id = demo_ids.user_id
    emulator.state.add_token("no-live", user_id=user_id, policies={"GatewaysRead"})
    for route in ("live", "historical?interval=a/b"):
        status, _, body = await emulator_api.request(
            "GET", f"/systems/{demo_ids.system_id}/{route}", token="no-live"
        )
        assert status == 403
        assert body["details"] == ["missing policy SystemMeasurementsRead"]


async def test_faults(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds, clock: Clock
) -> None:
    """Negative export meter, meter reset, empty answers and 429."""
    path = f"/systems/{demo_ids.system_id}/live"
    # Without a battery the grid imports every night (a full one can carry
    # a midsummer home through several days).
    emulator.live.system(demo_ids.system_id).has_battery = False
    _, _, normal = await emulator_api.request("GET", path)
    emulator.live.negative_export = True
    _, _, negative = await emulator_api.request("GET", path)
    assert negative["gridMeterReadingNegative"] == -normal["gridMeterReadingNegative"]
    emulator.live.negative_export = False
    emulator.live.reset_meters(demo_ids.system_id)
    _, _, reset = await emulator_api.request("GET", path)
    assert reset["gridMeterReadingPositive"] == 0
    # The meter counts up from zero again (at the latest at night).
    for _ in range(24):
        clock.now += timedelta(hours=1)
        _, _, later = await emulator_api.request("GET", path)
        if later["gridMeterReadingPositive"] > 0:
            break
    assert 0 < later["gridMeterReadingPositive"] < normal["gridMeterReadingPositive"]
    emulator.live.empty_answers = 1
    assert (await emulator_api.request("GET", path))[2] == {}
    assert (await emulator_api.request("GET", path))[2] != {}
    emulator.faults.add("get_live", status=429, retry_after=30)
    status, headers, _ = await emulator_api.request("GET", path)
    assert status == 429
    assert headers["Retry-After"] == "30"


async def test_ev_power_follows_the_scenario_events(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds, clock: Clock
) -> None:
    """A delivered ``ev/charge-started`` sets the live charging station power."""
    path = f"/systems/{demo_ids.system_id}/live"
    data = {"systemID": demo_ids.system_id, "chargePower": 7_400_000}
    await emulator.deliver({"type": "ev/charge-started", "data": data})
    _, _, live = await emulator_api.request("GET", path)
    assert live["evChargingStation"]["power"] == 7400
    assert live["evChargingStations"][0]["plugState"].startswith("PLUGGED")
    await emulator.deliver({"type": "ev/charge-stopped", "data": data})
    clock.now += STEP
    _, _, live = await emulator_api.request("GET", path)
    assert live["evChargingStation"]["power"] == 0
    # Events without a system, or with a bad power, change nothing.
    emulator.live.observe({"type": "ev/charge-started", "data": {}})
    emulator.live.observe(
        {"type": "ev/charge-started", "data": {**data, "chargePower": "x"}}
    )
    emulator.live.observe({"type": "ev/charge-started"})
    clock.now += STEP
    assert (await emulator_api.request("GET", path))[2]["evChargingStation"][
        "power"
    ] == 0


def test_simulation_without_appliances_and_empty_battery() -> None:
    """A system without battery, heat pump or EV; a battery at its reserve."""
    origin = datetime(2026, 1, 10, tzinfo=UTC)
    bare = SystemSimulation(
        "s",
        origin,
        has_battery=False,
        has_heat_pump=False,
        has_ev=False,
        clock=lambda: origin + timedelta(days=1),
    )
    powers = bare.powers_at(origin + timedelta(hours=20))
    assert (powers.battery, powers.heat_pump, powers.ev) == (0, 0, 0)
    assert bare.index(origin - timedelta(hours=1)) == 0
    night = SystemSimulation("s", origin, clock=lambda: origin + timedelta(days=2))
    # A winter night empties the battery down to its reserve, then imports.
    late = night.powers_at(origin + timedelta(days=1, hours=3))
    assert late.battery_energy == pytest.approx(
        night.battery_capacity * night.battery_reserve, abs=1
    )
    assert late.battery == 0


async def test_demo_token_sees_live(
    emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    """The demo token has the measurements policy (real clock)."""
    status, _, _ = await emulator_api.request(
        "GET", f"/systems/{demo_ids.system_id}/live", token=DEMO_TOKEN
    )
    assert status == 200


async def test_gateways_come_in_pages(
    emulator: GridxEmulator, emulator_api: EmulatorApi
) -> None:
    """``page`` and ``per_page`` (20 by default, 20-100) cut the list (§2)."""
    fleet = emulator.seed_fleet(token="big", gateways=45, appliances_per_gateway=1)

    async def ids(query: str) -> list[str]:
        status, _, body = await emulator_api.request(
            "GET", f"/gateways{query}", token="big"
        )
        assert status == 200
        return [item["id"] for item in body]

    assert await ids("") == list(fleet.gateways[:20])
    assert await ids("?page=3") == list(fleet.gateways[40:])
    assert await ids("?page=4") == []
    assert await ids("?page=1&per_page=100") == list(fleet.gateways)
    assert await ids("?page=2&per_page=5") == list(fleet.gateways[20:40])  # min 20
    assert await ids("?per_page=1000") == list(fleet.gateways)  # max 100
    for bad in ("?page=0", "?per_page=x", "?page=-1"):
        status, _, body = await emulator_api.request(
            "GET", f"/gateways{bad}", token="big"
        )
        assert status == 422
        assert body["details"]
