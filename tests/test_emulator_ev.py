"""The emulator's EV charging control: validation, routes and the simulation."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from gridx_emulator import DemoIds, GridxEmulator, __main__ as cli
from gridx_emulator.ev_control import (
    MIN_STATION_POWER,
    ValidationError,
    charging_power,
    next_departure,
    validate,
)
from gridx_emulator.state import EV_WRITE_POLICY, EmulatorState

from .emulator_fixtures import EmulatorApi

NOW = datetime(2026, 6, 21, 11, tzinfo=UTC)


def power(config: dict[str, Any] | None, **kwargs: Any) -> float:
    """Return the simulated EV power with defaults: 11 kW free, 5 kW surplus."""
    values: dict[str, Any] = {
        "available": 11000.0,
        "surplus": 5000.0,
        "soc": 50.0,
        "capacity_wh": 60000.0,
        "now": NOW,
    }
    values.update(kwargs)
    return charging_power(config, **values)


def test_the_mode_drives_the_power() -> None:
    """Fast = full; solar = surplus; minimum = full to the target; departure = in time."""
    assert power(None) == 11000
    assert power({"chargeMode": "FORCED_EV"}) == 11000
    assert power({"chargeMode": "FORCED_EV", "maxChargePower": 7400}) == 7400
    assert power({"chargeMode": "SURPLUS_EV"}) == 5000
    assert power({"chargeMode": "SURPLUS_EV"}, surplus=20000) == 11000
    # Below a station's minimum the surplus does not charge.
    assert power({"chargeMode": "SURPLUS_EV"}, surplus=MIN_STATION_POWER - 1) == 0
    assert power({"chargeMode": "MIN_EV", "minRequestedSoc": 80}) == 11000
    assert power({"chargeMode": "MIN_EV", "minRequestedSoc": 40}) == 5000
    # 30 % of 60 kWh = 18 kWh in 20 h (07:00 UTC tomorrow): 900 W, but the
    # 5 kW surplus is used when there is more.
    departure = {
        "chargeMode": "DEPARTURE_TIME_EV",
        "minRequestedSoc": 80,
        "departureTimestamp": "2026-06-01T07:00:00Z",
    }
    assert power(departure, surplus=0) == MIN_STATION_POWER
    assert power(departure) == 5000
    assert power(departure, surplus=0, now=datetime(2026, 6, 22, 6, tzinfo=UTC)) == (
        pytest.approx(11000)
    )
    assert power({**departure, "minRequestedSoc": 40}, surplus=0) == 0
    assert power({"chargeMode": "DEPARTURE_TIME_EV"}, surplus=0) == 11000
    assert power({"chargingEnabled": False}) == 0
    assert power(None, available=0) == 0


def test_next_departure_reads_the_time_of_day() -> None:
    """Past means tomorrow, future today (UTC time of day)."""
    assert next_departure("2020-01-01T12:00:00Z", NOW) == datetime(
        2026, 6, 21, 12, tzinfo=UTC
    )
    assert next_departure("2030-01-01T10:00:00+00:00", NOW) == datetime(
        2026, 6, 22, 10, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("body", "current", "status"),
    [
        ([], None, 400),
        ({"userSoc": "x"}, None, 400),
        ({"lockEnabled": 1}, None, 400),
        ({"departureTimestamp": "07:00"}, None, 400),
        ({"departureTimestamp": "2026-01-01T07:00:00"}, None, 400),
        ({"evProfileID": 5}, None, 400),
        ({"chargeMode": "DEPARTURE_TIME_EV"}, {"minRequestedSoc": 80}, 422),
    ],
)
def test_validation(body: Any, current: dict[str, Any] | None, status: int) -> None:
    """Wrong types are 400, missing coupled values 422."""
    with pytest.raises(ValidationError) as err:
        validate(body, current)
    assert err.value.status == status


def test_valid_nulls_and_coupled_fields() -> None:
    """Null clears a field; a target with its capacity is fine."""
    body = {"maxChargePower": None, "minRequestedSoc": 80, "userTotalCapacity": 1}
    assert validate(body, None) == body


async def test_routes(
    emulator: GridxEmulator, emulator_api: EmulatorApi, demo_ids: DemoIds
) -> None:
    """GET, POST (409 with one), DELETE, 404 for foreign ids, profiles."""
    path = (
        f"/gateways/{demo_ids.gateway_id}/appliances/{demo_ids.ev_station_id}"
        "/ev/configuration"
    )
    status, _, body = await emulator_api.request("GET", path)
    assert status == 200
    assert body["chargeMode"] == "FORCED_EV"
    assert body["estimatedDepartureTimestamp"] is None
    status, _, _ = await emulator_api.request(
        "POST", path, json_body={"chargeMode": "SURPLUS_EV"}
    )
    assert status == 409
    status, _, body = await emulator_api.request("PATCH", path, data=b"{")
    assert status == 400
    status, _, body = await emulator_api.request(
        "PATCH",
        path,
        json_body={
            "chargeMode": "MIN_EV",
            "minRequestedSoc": 60,
            "userTotalCapacity": 1,
        },
    )
    assert status == 200
    assert body["estimatedDepartureTimestamp"] is not None
    assert (await emulator_api.request("DELETE", path))[0] == 204
    assert (await emulator_api.request("DELETE", path))[0] == 404
    assert (await emulator_api.request("GET", path))[0] == 404
    status, _, body = await emulator_api.request(
        "POST", path, json_body={"chargeMode": "SURPLUS_EV"}
    )
    assert status == 201
    assert body["chargeMode"] == "SURPLUS_EV"
    assert body["maxPowerCalculated"] is None
    other = f"/gateways/{demo_ids.gateway_id}/appliances/nope/ev/configuration"
    assert (await emulator_api.request("GET", other))[0] == 404
    assert (await emulator_api.request("PATCH", other, json_body={}))[0] == 404
    status, _, body = await emulator_api.request(
        "GET", f"/systems/{demo_ids.system_id}/ev-profiles"
    )
    assert status == 200
    assert body[0]["chargingStationApplianceIDs"] == [demo_ids.ev_station_id]
    assert (await emulator_api.request("GET", "/systems/nope/ev-profiles"))[0] == 404


def test_state_round_trip_keeps_configurations() -> None:
    """Configurations and profiles survive the JSON file."""
    state = EmulatorState()
    ids = state.seed_demo()
    again = EmulatorState.from_dict(state.to_dict())
    assert again.ev_configurations == state.ev_configurations
    assert again.ev_profiles[ids.system_id][0]["capacity"] == 60000


def test_car_without_an_asset() -> None:
    """A station whose gateway has no EV asset: a 50 % car of 60 kWh."""
    emulator = GridxEmulator()
    assert emulator.ev.car("unknown") == (50.0, 60000.0)


def test_cli_passes_no_charging_control(monkeypatch: pytest.MonkeyPatch) -> None:
    """--no-charging-control reaches run(); without it nothing extra is passed."""
    seen: dict[str, Any] = {}

    async def fake_run(**kwargs: Any) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(cli, "run", fake_run)
    assert cli.main(["--port", "0", "--no-charging-control"]) == 0
    assert seen["charging_control"] is False
    seen.clear()
    assert cli.main(["--port", "0"]) == 0
    assert "charging_control" not in seen


async def test_cli_run_without_charging_control(socket_enabled: None) -> None:
    """The demo token of such a run lacks the write policy."""
    seen: list[GridxEmulator] = []
    stop = asyncio.Event()

    def started(emulator: GridxEmulator) -> None:
        seen.append(emulator)
        stop.set()

    await cli.run(
        port=0, token="t", charging_control=False, stop_event=stop, on_started=started
    )
    [emulator] = seen
    assert EV_WRITE_POLICY not in emulator.state.tokens["t"].policies
    assert "AppliancesEVConfigurationRead" in emulator.state.tokens["t"].policies
