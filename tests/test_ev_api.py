"""The EV-control protocol calls (api/ev_client.py) against the emulator."""

from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession, TCPConnector, ThreadedResolver
import pytest

from custom_components.gridx.api.client import GridxClient
from custom_components.gridx.api.errors import (
    GridxNotFoundError,
    GridxPermissionError,
    GridxRateLimitError,
    GridxResponseError,
    GridxServerError,
    GridxStatusError,
)
from custom_components.gridx.api.ev_client import GridxEvApi
from custom_components.gridx.api.ev_configuration import (
    ChargeMode,
    EvConfiguration,
    EvConfigurationPatch,
    EvProfile,
    creation_body,
    departure_value,
    profile_capacity,
)
from gridx_emulator import DemoIds, GridxEmulator
from gridx_emulator.state import ALL_POLICIES, EV_WRITE_POLICY

from .emulator_fixtures import DEMO_TOKEN

READ_ONLY_TOKEN = "read-only-ev"


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[ClientSession]:
    """Return a plain aiohttp session (loopback only)."""
    async with ClientSession(
        connector=TCPConnector(resolver=ThreadedResolver())
    ) as client_session:
        yield client_session


class Sleeps:
    """Record the back-off instead of waiting it."""

    def __init__(self) -> None:
        """Start without waits."""
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        """Record one wait."""
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    """Return the recorder of waits."""
    return Sleeps()


@pytest.fixture
def api(emulator: GridxEmulator, session: ClientSession, sleeps: Sleeps) -> GridxEvApi:
    """Return the EV API on the demo account."""
    client = GridxClient(DEMO_TOKEN, session, base_url=emulator.base_url)
    return GridxEvApi(client, sleep=sleeps)


async def test_get_parses_every_field(api: GridxEvApi, demo_ids: DemoIds) -> None:
    """The demo station's configuration: every field present, nulls are None."""
    config = await api.get_configuration(demo_ids.gateway_id, demo_ids.ev_station_id)
    assert config is not None
    assert config.charge_mode is ChargeMode.FORCED_EV
    assert config.effective_mode is ChargeMode.FORCED_EV
    assert config.min_requested_soc is None
    assert config.max_power_calculated == 11000
    assert config.charging_enabled is True
    assert config.appliance_id == demo_ids.ev_station_id
    assert config.raw["departureTimestamp"] is None


async def test_patch_sends_exactly_the_changes(
    api: GridxEvApi, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """One PATCH with the given fields; the 200 answer is the whole object."""
    changes = {
        "chargeMode": "DEPARTURE_TIME_EV",
        "minRequestedSoc": 80,
        "userTotalCapacity": 60000,
        "departureTimestamp": departure_value(datetime(2026, 10, 7, 5, tzinfo=UTC)),
    }
    config = await api.update_configuration(
        demo_ids.gateway_id, demo_ids.ev_station_id, changes
    )
    assert emulator.ev.requests == [("PATCH", demo_ids.ev_station_id, changes)]
    assert config.charge_mode is ChargeMode.DEPARTURE_TIME_EV
    assert config.min_requested_soc == 80
    assert config.user_total_capacity == 60000
    assert config.departure == datetime(2026, 10, 7, 5, tzinfo=UTC)
    assert config.estimated_departure is not None
    assert config.max_power_calculated == 11000


async def test_missing_configuration_is_created(
    api: GridxEvApi, emulator: GridxEmulator, demo_ids: DemoIds
) -> None:
    """GET 404 is None; PATCH 404 becomes POST with the strict creation body."""
    station = demo_ids.ev_station_id
    del emulator.state.ev_configurations[station]
    assert await api.get_configuration(demo_ids.gateway_id, station) is None
    config = await api.update_configuration(
        demo_ids.gateway_id,
        station,
        {"chargeMode": "SURPLUS_EV", "maxChargePower": None},
    )
    assert emulator.ev.requests == [
        ("PATCH", station, {"chargeMode": "SURPLUS_EV", "maxChargePower": None}),
        ("POST", station, {"chargeMode": "SURPLUS_EV"}),
    ]
    assert config.charge_mode is ChargeMode.SURPLUS_EV


class FakeClient:
    """Answers the EV API's requests from a queue (for shapes gridX never sent)."""

    def __init__(self, *answers: bytes) -> None:
        """Queue raw 2xx bodies."""
        self.answers = list(answers)
        self.sent: list[tuple[str, str, Any]] = []
        # Its decode (text checks, JSON errors) without a session.
        self.real = GridxClient("t", None)  # type: ignore[arg-type]

    async def request(
        self, method: str, path: str, *, body: Any = None
    ) -> tuple[int, bytes]:
        """Return the next body; a PATCH is answered 404 (no configuration)."""
        self.sent.append((method, path, body))
        if method == "PATCH":
            raise GridxNotFoundError(404, "Not Found")
        if method == "GET" and not self.answers:
            raise GridxNotFoundError(404, "Not Found")
        return 200, self.answers.pop(0)

    def decode(self, raw: bytes, method: str, path: str) -> Any:
        """Decode as the real client does."""
        return GridxClient.decode(self.real, raw, method, path)


@pytest.mark.parametrize(
    ("answers", "mode"),
    [((b"", b'{"chargeMode": "SURPLUS_EV"}'), ChargeMode.SURPLUS_EV), ((b" ",), None)],
)
async def test_created_without_a_body_is_read(
    answers: tuple[bytes, ...], mode: ChargeMode | None
) -> None:
    """A 201 without a body (not documented) is followed by a GET."""
    client = FakeClient(*answers)
    api = GridxEvApi(client)  # type: ignore[arg-type]
    if mode is None:
        with pytest.raises(GridxResponseError):
            await api.update_configuration("g/1", "a", {"chargeMode": "SURPLUS_EV"})
        return
    config = await api.update_configuration("g/1", "a", {"chargeMode": "SURPLUS_EV"})
    assert config.charge_mode is mode
    path = "/gateways/g%2F1/appliances/a/ev/configuration"
    assert [(m, p) for m, p, _ in client.sent] == [
        ("PATCH", path),
        ("POST", path),
        ("GET", path),
    ]


async def test_not_json_answers() -> None:
    """A 2xx that is not JSON, or a profile list that is no list, is refused."""
    api = GridxEvApi(FakeClient(b"<html>", b'{"x": 1}'))  # type: ignore[arg-type]
    with pytest.raises(GridxResponseError):
        await api.get_configuration("g", "a")
    with pytest.raises(GridxResponseError):
        await api.list_profiles("s")


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"minRequestedSoc": 80}, 422, "userTotalCapacity is required"),
        ({"minRequestedSoc": 120, "userTotalCapacity": 1}, 400, "between 0 and 100"),
        ({"maxChargePower": -1}, 400, "must not be negative"),
        ({"chargeMode": "MIN_EV"}, 422, "MIN_EV needs minRequestedSoc"),
        ({"chargeMode": "TURBO"}, 400, "not a known mode"),
        ({"maxPowerCalculated": 1}, 400, "read-only field"),
    ],
)
async def test_refusals_carry_the_message(
    api: GridxEvApi,
    demo_ids: DemoIds,
    changes: dict[str, Any],
    status: int,
    message: str,
) -> None:
    """400/422 raise with gridX's message; nothing is retried."""
    with pytest.raises(GridxStatusError) as err:
        await api.update_configuration(
            demo_ids.gateway_id, demo_ids.ev_station_id, changes
        )
    assert err.value.status == status
    assert message in err.value.message


async def test_forbidden_is_not_a_login_problem(
    emulator: GridxEmulator, session: ClientSession, demo_ids: DemoIds
) -> None:
    """Without the write policy: reads work, a write is 403 once, not retried."""
    emulator.state.add_token(
        READ_ONLY_TOKEN,
        user_id=demo_ids.user_id,
        policies=ALL_POLICIES - {EV_WRITE_POLICY},
    )
    api = GridxEvApi(GridxClient(READ_ONLY_TOKEN, session, base_url=emulator.base_url))
    assert await api.get_configuration(demo_ids.gateway_id, demo_ids.ev_station_id)
    with pytest.raises(GridxPermissionError):
        await api.update_configuration(
            demo_ids.gateway_id, demo_ids.ev_station_id, {"chargeMode": "SURPLUS_EV"}
        )
    assert emulator.ev.requests == []


async def test_busy_and_failing_servers_are_retried(
    api: GridxEvApi, emulator: GridxEmulator, demo_ids: DemoIds, sleeps: Sleeps
) -> None:
    """429 (Retry-After honoured) and 5xx are retried with back-off."""
    emulator.faults.add("update_ev_configuration", status=429, retry_after=3)
    emulator.faults.add("update_ev_configuration", status=503)
    config = await api.update_configuration(
        demo_ids.gateway_id, demo_ids.ev_station_id, {"chargeMode": "SURPLUS_EV"}
    )
    assert config.charge_mode is ChargeMode.SURPLUS_EV
    assert sleeps.waits == [3, 2.0]


async def test_retries_stop_at_the_budget(
    api: GridxEvApi, emulator: GridxEmulator, demo_ids: DemoIds, sleeps: Sleeps
) -> None:
    """A server that keeps failing: the error after the last retry."""
    emulator.faults.add("update_ev_configuration", status=500, count=4)
    with pytest.raises(GridxServerError):
        await api.update_configuration(
            demo_ids.gateway_id, demo_ids.ev_station_id, {"chargeMode": "SURPLUS_EV"}
        )
    assert sleeps.waits == [1.0, 2.0, 4.0]
    emulator.faults.add("update_ev_configuration", status=429, retry_after=60)
    with pytest.raises(GridxRateLimitError):
        await api.update_configuration(
            demo_ids.gateway_id, demo_ids.ev_station_id, {"chargeMode": "SURPLUS_EV"}
        )
    assert sleeps.waits == [1.0, 2.0, 4.0]


async def test_profiles(api: GridxEvApi, demo_ids: DemoIds) -> None:
    """The demo profile lists the demo station with the car's capacity."""
    profiles = await api.list_profiles(demo_ids.system_id)
    assert profile_capacity(profiles, demo_ids.ev_station_id) == 60000
    assert profile_capacity(profiles, "other") is None


def test_models_tolerate_wrong_types() -> None:
    """Wrong types are None; unknown modes are None; no mode means fast."""
    config = EvConfiguration.from_dict(
        {"chargeMode": "TURBO", "minRequestedSoc": True, "maxChargePower": "1"}
    )
    assert config.charge_mode is None
    assert config.effective_mode is None
    assert config.min_requested_soc is None
    assert EvConfiguration.from_dict({}).effective_mode is ChargeMode.FORCED_EV
    with pytest.raises(GridxResponseError):
        EvConfiguration.from_dict([])
    profile = EvProfile.from_dict({"capacity": 5, "chargingStationApplianceIDs": 3})
    assert profile.station_ids == ()
    assert creation_body({"maxChargePower": None, "estimated": 1, "userSoc": 5}) == {
        "userSoc": 5
    }


def test_patch_body_sends_only_what_is_set() -> None:
    """Unset fields stay out; a cleared power cap is sent as null."""
    assert EvConfigurationPatch().as_body() == {}
    departure = datetime(2026, 6, 21, 5, 0, tzinfo=UTC)
    assert EvConfigurationPatch(
        charge_mode=ChargeMode.DEPARTURE_TIME_EV,
        min_requested_soc=80.0,
        departure=departure,
        user_total_capacity=60000.0,
    ).as_body() == {
        "chargeMode": "DEPARTURE_TIME_EV",
        "minRequestedSoc": 80.0,
        "departureTimestamp": departure_value(departure),
        "userTotalCapacity": 60000.0,
    }
    assert EvConfigurationPatch(set_max_charge_power=True).as_body() == {
        "maxChargePower": None
    }
    assert EvConfigurationPatch(
        max_charge_power=7400.0, set_max_charge_power=True, charging_enabled=False
    ).as_body() == {"maxChargePower": 7400.0, "chargingEnabled": False}
