"""Tests of the gridX event models (custom_components/gridx/api/models.py)."""

import copy
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta, timezone
import json
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from custom_components.gridx.api.errors import (
    GridxError,
    GridxParseError,
    GridxRateLimitError,
    GridxSignatureError,
    GridxStatusError,
)
from custom_components.gridx.api.event_types import SUBSCRIBABLE_EVENT_TYPES, EventType
from custom_components.gridx.api.models import (
    ApplianceEventData,
    ApplianceKind,
    ApplianceType,
    CommissioningDoneEventData,
    EVChargeFailedEventData,
    EVChargeFailureReason,
    EVChargeFailureType,
    EVChargeStartedEventData,
    EVChargeState,
    EVChargeStoppedEventData,
    EVChargingEventData,
    EventData,
    EVEventData,
    EVInfeasibleChargingGoalsEventData,
    EVMeasurementEventData,
    EVPluggedEventData,
    EVPlugState,
    EVState,
    EVUnpluggedEventData,
    GatewayEventData,
    GridxEvent,
    InverterEventData,
    InverterStatus,
    LegacyEVPluggedEventData,
    LegacyEVState,
    PingEventData,
    PowerLimitEventData,
    SystemActionCapability,
    SystemActionEventData,
    SystemActionResolution,
    UnknownEventData,
    UnvalidatedEventData,
    known_value,
    parse_event,
    parse_event_dict,
)

FIXTURES = Path(__file__).parent / "fixtures" / "events"

SYS = "3f2c9a61-0b7e-4d2a-9c15-7e8d4b1a2f30"
GW = "b71e4c02-5d3a-4f8e-a6b9-1c2d3e4f5a60"
APP = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
ASSET = "e4d3c2b1-a098-4765-b432-10fedcba9876"
PARENT = "55aa55aa-0000-4000-8000-000000000001"
EVENT_TIME = datetime(2026, 6, 20, 14, 3, 27, 123000, tzinfo=UTC)
CEST = timezone(timedelta(hours=2))
EV_BASE: dict[str, Any] = {
    "issued_at": datetime(2026, 6, 20, 14, 3, 20, tzinfo=CEST),
    "at_home": True,
    "asset_type": "EV",
    "system_id": SYS,
    "asset_id": ASSET,
    "gateway_id": GW,
}
APP_FULL: dict[str, Any] = {
    "appliance_id": APP,
    "gateway_id": GW,
    "model": "SunPower X7",
    "manufacturer": "Fronius",
    "appliance_type": "INVERTER",
    "kind": "HYBRID",
    "name": "Roof inverter",
    "serial_number": "30117744",
    "firmware": "3.28.1-4",
    "parent": PARENT,
    "gateway_type": "GRIDBOX",
    "system_id": SYS,
    "system_name": "Musterhaus",
}


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def _plain(value: Any) -> Any:
    """Turn read-only mappings and tuples back into dicts and lists."""
    if isinstance(value, MappingProxyType | dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def _event_id(number: int) -> str:
    return f"0b5f3e2a-7c41-4d8e-9a6b-{number:012d}"


# fixture -> (event number in its id, data class, every data field expected)
# Fields not listed must be None (checked against dataclass defaults below).
CASES: dict[str, tuple[int, type[EventData], dict[str, Any]]] = {
    "appliance_create.json": (1, ApplianceEventData, APP_FULL),
    "appliance_delete.json": (
        2,
        ApplianceEventData,
        {"appliance_id": APP, "gateway_id": GW},
    ),
    "appliance_online.json": (
        3,
        ApplianceEventData,
        {
            "appliance_id": APP,
            "gateway_id": GW,
            "appliance_type": "METER",
            "kind": "GRID",
            "name": "Grid meter",
            "system_id": SYS,
        },
    ),
    "appliance_offline.json": (
        4,
        ApplianceEventData,
        {
            "appliance_id": APP,
            "gateway_id": GW,
            "appliance_type": "HEAT_PUMP",
            "manufacturer": "Vaillant",
        },
    ),
    "appliance_update.json": (
        5,
        ApplianceEventData,
        {
            "appliance_id": APP,
            "gateway_id": GW,
            "firmware": "4.0.0",
            "gateway_type": "GRIDBOX",
            "parent": PARENT,
        },
    ),
    "appliance_online_legacy.json": (
        6,
        ApplianceEventData,
        {
            "appliance_id": APP,
            "gateway_id": GW,
            "system_id": SYS,
            "model": "Baz",
            "manufacturer": "Iskraemeco",
            "appliance_type": "METER",
            "kind": "PV",
            "serial_number": "9312355",
            "system_name": "Alt",
        },
    ),
    "inverter_status.json": (
        7,
        InverterEventData,
        {
            **APP_FULL,
            "status": "ERROR",
            "last_status": "OK",
            "err_code": "E102",
            "last_err_code": "F71A",
        },
    ),
    "inverter_status_minimal.json": (
        8,
        InverterEventData,
        {
            "appliance_id": APP,
            "gateway_id": GW,
            "status": "OK",
            "last_status": "WARNING",
        },
    ),
    "gateway_create.json": (
        9,
        GatewayEventData,
        {
            "gateway_id": GW,
            "system_id": SYS,
            "gateway_name": "My gridBox",
            "gateway_serial_number": "D403-007-000-000-001-B-X",
            "gateway_device_id": "dev-4711",
            "system_name": "Musterhaus",
            "user_id": "a115d9e3-6e78-4ddf-8676-a98c28ad8249",
            "user_name": "Erika Musterfrau",
            "user_mail": "erika@example.org",
        },
    ),
    "gateway_online.json": (10, GatewayEventData, {"gateway_id": GW, "system_id": SYS}),
    "gateway_offline.json": (
        11,
        GatewayEventData,
        {"gateway_id": GW, "system_id": SYS, "gateway_name": "Keller"},
    ),
    "ev_plugged.json": (12, EVPluggedEventData, {**EV_BASE, "state": "PLUGGED"}),
    "ev_plugged_legacy.json": (
        13,
        LegacyEVPluggedEventData,
        {
            "appliance_id": APP,
            "gateway_id": GW,
            "system_id": SYS,
            "appliance_type": "EVSTATION",
            "evse_id": "FR*A23*E45B*78C",
            "state": "plugged",
        },
    ),
    "ev_unplugged.json": (
        14,
        EVUnpluggedEventData,
        {**EV_BASE, "at_home": False, "state": "UNPLUGGED"},
    ),
    "ev_charge_started.json": (
        15,
        EVChargeStartedEventData,
        {
            **EV_BASE,
            "charge_power": 11_000_000,
            "state": "CHARGING",
            "state_of_charge": 42.5,
            "range": 187_000,
        },
    ),
    "ev_charge_stopped.json": (
        16,
        EVChargeStoppedEventData,
        {**EV_BASE, "charge_power": -3_700_000, "state": "STOPPED"},
    ),
    "ev_charge_failed.json": (
        17,
        EVChargeFailedEventData,
        {
            **EV_BASE,
            "created_at": datetime(2026, 6, 20, 13, 58, tzinfo=UTC),
            "completed_at": datetime(2026, 6, 20, 14, 3, 0, 500000, tzinfo=UTC),
            "kind": "START",
            "failure_reason": EVChargeFailureReason(
                type="NO_RESPONSE", detail="Vehicle did not respond within 5 minutes"
            ),
        },
    ),
    "ev_measurement.json": (
        18,
        EVMeasurementEventData,
        {
            **EV_BASE,
            "charge_power": 7_400_000,
            "charge_state": "CHARGING",
            "plug_state": "PLUGGED",
            "is_controllable": True,
            "state_of_charge": 63.0,
            "range": 250_000,
            "charge_limit": 80.0,
            "capacity": 77_000,
        },
    ),
    "ev_measurement_unplugged.json": (
        19,
        EVMeasurementEventData,
        {
            **EV_BASE,
            "at_home": False,
            "charge_power": 0,
            "charge_state": "",
            "plug_state": "UNPLUGGED",
            "is_controllable": False,
        },
    ),
    "ev_infeasible_charging_goals.json": (
        20,
        EVInfeasibleChargingGoalsEventData,
        {
            "system_id": SYS,
            "asset_id": ASSET,
            "min_requested_soc": 80.0,
            "current_soc": 42.0,
            "departure_at": datetime(2026, 6, 22, 7, 30, tzinfo=UTC),
            "max_state_of_charge": 90.0,
            "energy_needed_wh": 9200.0,
            "deliverable_energy_wh": 5400.0,
            "charging_power_w": 3600.0,
            "at_home": True,
        },
    ),
    "ev_infeasible_charging_goals_nulls.json": (
        21,
        EVInfeasibleChargingGoalsEventData,
        {
            "system_id": SYS,
            "asset_id": ASSET,
            "min_requested_soc": 100.0,
            "current_soc": 12.5,
            "departure_at": datetime(
                2026, 6, 23, 6, 0, tzinfo=timezone(timedelta(hours=1))
            ),
            "energy_needed_wh": 60000.0,
            "deliverable_energy_wh": 33000.5,
            "charging_power_w": 11000.0,
        },
    ),
    "power_limit_set.json": (
        22,
        PowerLimitEventData,
        {
            "new_lpc": 4_200_000.0,
            "received_at": datetime(2026, 6, 20, 14, 3, tzinfo=UTC),
            "valid_until": datetime(2026, 6, 20, 16, 3, tzinfo=UTC),
        },
    ),
    "power_limit_unset.json": (
        23,
        PowerLimitEventData,
        {"received_at": datetime(2026, 6, 20, 16, 3, 1, tzinfo=UTC)},
    ),
    "system_action.json": (
        24,
        SystemActionEventData,
        {
            "action_id": "7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8",
            "capabilities": ("chargeState", "location"),
            "asset_type": "EV",
            "manufacturer": "Audi",
            "domain": "Account",
            "introduced_at": datetime(2026, 6, 19, 8, tzinfo=UTC),
            "resolution": SystemActionResolution(
                description="Open the **myAudi app** and accept the terms.",
                title="Accept the Audi terms and conditions",
                access="Remote",
                agent="User",
                action="Link",
            ),
            "gateway_id": GW,
            "asset_id": ASSET,
            "system_id": SYS,
            "status": "OPEN",
        },
    ),
    "ping.json": (25, PingEventData, {"message": "hello world"}),
    "commissioning_done.json": (
        26,
        CommissioningDoneEventData,
        {
            "customer_id": "1a81c4f4-5f6c-48e6-be91-2528c1c0bb28",
            "customer_email": "kunde@example.org",
            "customer_address": "Hauptstr. 5, 20359 Hamburg, Germany",
            "system_name": "Neubau",
            "gateway_serial_number": "D403-007-000-000-002-B-X",
        },
    ),
    "unknown_type.json": (
        27,
        UnknownEventData,
        {
            "raw": {
                "batteryID": "bbbb0000-1111-4222-8333-444455556666",
                "temperature": 61.5,
                "cells": ({"id": 1, "ok": False},),
                "note": None,
            }
        },
    ),
}

# Envelope extras per fixture: (spec_version, data_content_type, correlation_id)
ENVELOPE: dict[str, tuple[str, str | None, str | None]] = {
    "appliance_create.json": (
        "1.0",
        "application/json",
        "c0ffee00-1111-4222-8333-444455556666",
    ),
    "appliance_online_legacy.json": (
        "1.0.1",
        None,
        "deadbeef-2222-4333-8444-555566667777",
    ),
    "ev_plugged_legacy.json": ("1.0", None, "aaaabbbb-cccc-4ddd-8eee-ffff00001111"),
    "ping.json": ("1.0.1", None, "12345678-90ab-4cde-8f01-234567890abc"),
}


def test_every_fixture_is_in_the_table() -> None:
    """No fixture file is left untested, and every event type has one."""
    assert {p.name for p in FIXTURES.glob("*.json")} == set(CASES)
    covered = {_load(name)["type"] for name in CASES}
    assert set(EventType) <= covered


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_parses(name: str) -> None:
    """Each fixture parses to the expected class, envelope and values."""
    number, cls, expected = CASES[name]
    body = (FIXTURES / name).read_bytes()
    event = parse_event(body)

    assert event.id == _event_id(number)
    assert event.time == EVENT_TIME
    assert event.time.tzinfo is not None
    assert event.source == f"/systems/{SYS}"
    assert event.type == _load(name)["type"]
    spec_version, content_type, correlation = ENVELOPE.get(name, ("1.0", None, None))
    assert event.spec_version == spec_version
    assert event.data_content_type == content_type
    assert event.correlation_id == correlation

    assert type(event.data) is cls
    for field_name in cls.__dataclass_fields__:
        assert getattr(event.data, field_name) == expected.get(field_name), field_name
    assert set(expected) <= set(cls.__dataclass_fields__)
    # raw_data is the data object as received.
    assert _plain(event.raw_data) == _load(name)["data"]
    # str and bytes bodies parse the same.
    assert parse_event(body.decode()) == event


@pytest.mark.parametrize("name", sorted(CASES))
def test_as_dict_is_json(name: str) -> None:
    """as_dict() is json.dumps-able and has the envelope and data keys."""
    event = parse_event((FIXTURES / name).read_bytes())
    result = event.as_dict()
    decoded = json.loads(json.dumps(result))
    assert decoded == result
    assert set(result) == {
        "id",
        "time",
        "spec_version",
        "source",
        "type",
        "data_content_type",
        "correlation_id",
        "data",
    }
    assert result["time"] == "2026-06-20T14:03:27.123000+00:00"
    assert result["id"] == event.id
    _, cls, expected = CASES[name]
    if cls is UnknownEventData:
        assert result["data"] == _load(name)["data"]
    else:
        # snake_case field names, None values left out.
        assert set(result["data"]) == {k for k, v in expected.items() if v is not None}


def test_as_dict_values() -> None:
    """Nested models, datetimes and tuples are converted in as_dict()."""
    failed = parse_event((FIXTURES / "ev_charge_failed.json").read_bytes())
    assert failed.data.as_dict() == {
        "issued_at": "2026-06-20T14:03:20+02:00",
        "at_home": True,
        "asset_type": "EV",
        "system_id": SYS,
        "asset_id": ASSET,
        "gateway_id": GW,
        "created_at": "2026-06-20T13:58:00+00:00",
        "completed_at": "2026-06-20T14:03:00.500000+00:00",
        "kind": "START",
        "failure_reason": {
            "type": "NO_RESPONSE",
            "detail": "Vehicle did not respond within 5 minutes",
        },
    }
    action = parse_event((FIXTURES / "system_action.json").read_bytes()).as_dict()
    assert action["data"]["capabilities"] == ["chargeState", "location"]
    assert action["data"]["resolution"]["action"] == "Link"
    assert action["data"]["introduced_at"] == "2026-06-19T08:00:00+00:00"
    unset = parse_event((FIXTURES / "power_limit_unset.json").read_bytes())
    assert unset.as_dict()["data"] == {"received_at": "2026-06-20T16:03:01+00:00"}
    ping = parse_event((FIXTURES / "ping.json").read_bytes()).as_dict()
    assert ping["correlation_id"] == "12345678-90ab-4cde-8f01-234567890abc"
    assert ping["data_content_type"] is None
    assert ping["data"] == {"message": "hello world"}


# --- Resource-id accessors and event_type ------------------------------------

ACCESSORS = [
    # fixture, event_type, gateway_id, appliance_id, asset_id, system_id
    ("appliance_create.json", EventType.APPLIANCE_CREATE, GW, APP, None, SYS),
    ("appliance_delete.json", EventType.APPLIANCE_DELETE, GW, APP, None, None),
    ("inverter_status.json", EventType.INVERTER_STATUS, GW, APP, None, SYS),
    ("gateway_online.json", EventType.GATEWAY_ONLINE, GW, None, None, SYS),
    ("ev_plugged.json", EventType.EV_PLUGGED, GW, None, ASSET, SYS),
    ("ev_plugged_legacy.json", EventType.EV_PLUGGED, GW, APP, None, SYS),
    ("ev_measurement.json", EventType.EV_MEASUREMENT, GW, None, ASSET, SYS),
    (
        "ev_infeasible_charging_goals.json",
        EventType.EV_INFEASIBLE_CHARGING_GOALS,
        None,
        None,
        ASSET,
        SYS,
    ),
    ("system_action.json", EventType.SYSTEM_ACTION, GW, None, ASSET, SYS),
    ("power_limit_set.json", EventType.POWER_LIMIT_SET, None, None, None, None),
    ("ping.json", EventType.PING, None, None, None, None),
    ("commissioning_done.json", EventType.COMMISSIONING_DONE, None, None, None, None),
    ("unknown_type.json", None, None, None, None, None),
]


@pytest.mark.parametrize("case", ACCESSORS, ids=[c[0] for c in ACCESSORS])
def test_accessors(case: tuple[str, EventType | None, *tuple[str | None, ...]]) -> None:
    """event_type and the resource-id properties read from the data."""
    name, event_type, gateway, appliance, asset, system = case
    event = parse_event((FIXTURES / name).read_bytes())
    assert event.event_type is event_type
    assert event.gateway_id == gateway
    assert event.appliance_id == appliance
    assert event.asset_id == asset
    assert event.system_id == system


def test_unknown_data_has_no_ids_even_if_raw_does() -> None:
    """UnknownEventData does not guess ids from camelCase raw keys."""
    event = parse_event_dict(
        _envelope("future/thing", {"gatewayID": GW, "gateway_id": GW})
    )
    assert isinstance(event.data, UnknownEventData)
    assert event.gateway_id is None
    assert event.data.raw["gatewayID"] == GW


# --- Required fields ------------------------------------------------------

ENVELOPE_REQUIRED = ["id", "time", "specVersion", "source", "type", "data"]

# fixture -> the required fields of its data, as paths below `data`.
REQUIRED: dict[str, list[str]] = {
    "appliance_create.json": ["applianceID", "gatewayID"],
    "inverter_status.json": ["applianceID", "gatewayID", "status", "lastStatus"],
    "gateway_create.json": ["gatewayID", "systemID"],
    "ev_plugged.json": [
        "issuedAt",
        "atHome",
        "type",
        "systemID",
        "gatewayID",
        "state",
    ],
    "ev_plugged_legacy.json": ["applianceID", "gatewayID", "state"],
    "ev_unplugged.json": [
        "issuedAt",
        "atHome",
        "type",
        "systemID",
        "assetID",
        "gatewayID",
        "state",
    ],
    "ev_charge_started.json": [
        "issuedAt",
        "atHome",
        "type",
        "systemID",
        "assetID",
        "gatewayID",
        "chargePower",
        "state",
    ],
    "ev_charge_stopped.json": ["chargePower", "state", "assetID"],
    "ev_charge_failed.json": [
        "issuedAt",
        "atHome",
        "type",
        "systemID",
        "assetID",
        "gatewayID",
        "createdAt",
        "completedAt",
        "kind",
        "failureReason",
        "failureReason.type",
        "failureReason.detail",
    ],
    "ev_measurement.json": [
        "issuedAt",
        "atHome",
        "type",
        "systemID",
        "assetID",
        "gatewayID",
        "chargePower",
        "chargeState",
        "plugState",
        "isControllable",
    ],
    "ev_infeasible_charging_goals.json": [
        "systemID",
        "assetID",
        "minRequestedSoC",
        "currentSoC",
        "departureAt",
        "energyNeededWh",
        "deliverableEnergyWh",
        "chargingPowerW",
    ],
    "system_action.json": [
        "id",
        "capabilities",
        "type",
        "manufacturer",
        "domain",
        "introducedAt",
        "resolution",
        "resolution.description",
        "resolution.title",
        "resolution.access",
        "resolution.agent",
        "gatewayID",
        "assetID",
        "systemID",
        "status",
    ],
}

# Removing these must still parse: they are optional.
OPTIONAL: dict[str, list[str]] = {
    "appliance_create.json": [
        "model",
        "manufacturer",
        "type",
        "kind",
        "name",
        "serialNumber",
        "firmware",
        "parent",
        "gatewayType",
        "systemID",
        "systemName",
    ],
    "inverter_status.json": ["errCode", "lastErrCode", "systemID"],
    "gateway_create.json": [
        "gatewayName",
        "gatewaySerialnumber",
        "gatewayDeviceID",
        "systemName",
        "userID",
        "userName",
        "userMail",
    ],
    "ev_plugged_legacy.json": ["evseID", "systemID"],
    "ev_charge_started.json": ["stateOfCharge", "range"],
    "ev_measurement.json": ["stateOfCharge", "range", "chargeLimit", "capacity"],
    "ev_infeasible_charging_goals.json": ["maxStateOfCharge", "atHome"],
    "power_limit_set.json": ["newLPC", "receivedAt", "validUntil"],
    "system_action.json": ["resolution.action"],
    "ping.json": ["message"],
    "commissioning_done.json": [
        "customerID",
        "customerEmail",
        "customerAddress",
        "systemName",
        "gatewaySerialnumber",
    ],
}


def _without(obj: dict[str, Any], path: str) -> dict[str, Any]:
    result = copy.deepcopy(obj)
    *parents, last = path.split(".")
    target = result
    for key in parents:
        target = target[key]
    del target[last]
    return result


def _with(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    result = copy.deepcopy(obj)
    *parents, last = path.split(".")
    target = result
    for key in parents:
        target = target[key]
    target[last] = value
    return result


def _envelope(event_type: str, data: Any) -> dict[str, Any]:
    return {
        "id": "11111111-2222-4333-8444-555555555555",
        "time": "2026-01-02T03:04:05Z",
        "specVersion": "1.0",
        "source": "/systems/x",
        "type": event_type,
        "data": data,
    }


@pytest.mark.parametrize(
    ("name", "path"),
    [("ping.json", key) for key in ENVELOPE_REQUIRED]
    + [
        (name, f"data.{key}") for name, keys in sorted(REQUIRED.items()) for key in keys
    ],
)
def test_missing_required_field(name: str, path: str) -> None:
    """Removing or nulling a required field raises naming that field."""
    obj = _load(name)
    with pytest.raises(GridxParseError) as err:
        parse_event_dict(_without(obj, path), strict=True)
    assert err.value.field == path
    assert err.value.problem == "is required"
    assert str(err.value) == f"{path}: is required"
    with pytest.raises(GridxParseError) as err:
        parse_event(json.dumps(_with(obj, path, None)), strict=True)
    assert err.value.field == path
    assert err.value.problem == "must not be null"
    if path.startswith("data."):
        # Not strict (the webhook): schema drift, the event is kept unvalidated.
        event = parse_event_dict(_without(obj, path))
        assert isinstance(event.data, UnvalidatedEventData)
        assert event.data.error == f"{path}: is required"
        assert event.data.error_field == path
        assert event.data.as_dict() == _plain(event.raw_data)


def test_legacy_ev_plugged_requires_appliance_id_with_evse_id() -> None:
    """A legacy ev/plugged with evseID but no applianceID names applianceID."""
    obj = _without(_load("ev_plugged_legacy.json"), "data.applianceID")
    with pytest.raises(GridxParseError) as err:
        parse_event_dict(obj, strict=True)
    assert err.value.field == "data.applianceID"


def test_current_ev_plugged_requires_asset_id() -> None:
    """Without assetID and without legacy keys, ev/plugged names assetID."""
    obj = _without(_load("ev_plugged.json"), "data.assetID")
    with pytest.raises(GridxParseError) as err:
        parse_event_dict(obj, strict=True)
    assert err.value.field == "data.assetID"


@pytest.mark.parametrize(
    ("name", "path"),
    [(name, f"data.{key}") for name, keys in sorted(OPTIONAL.items()) for key in keys],
)
def test_optional_field_may_be_absent_or_null(name: str, path: str) -> None:
    """Removing or nulling an optional field still parses, to None."""
    obj = _load(name)
    cls = CASES[name][1]
    for variant in (_without(obj, path), _with(obj, path, None)):
        event = parse_event_dict(variant)
        assert type(event.data) is cls
        assert event.data != parse_event_dict(obj).data


def test_all_optional_envelope_fields_absent() -> None:
    """The dataContentType and correlation ids are optional."""
    event = parse_event_dict(_envelope("ping", {}))
    assert event.data_content_type is None
    assert event.correlation_id is None
    assert event.data == PingEventData(message=None)
    assert event.raw_data == {}


# --- Wrong types ------------------------------------------------------------

WRONG_TYPES: list[tuple[str, str, Any, str]] = [
    ("ping.json", "id", 42, "must be a string, got number"),
    ("ping.json", "id", "", "must not be empty"),
    ("ping.json", "time", 1718892207, "must be a string, got number"),
    ("ping.json", "specVersion", 1.0, "must be a string, got number"),
    ("ping.json", "source", ["/systems/x"], "must be a string, got array"),
    ("ping.json", "type", True, "must be a string, got boolean"),
    ("ping.json", "type", "", "must not be empty"),
    ("ping.json", "data", [1, 2], "must be an object, got array"),
    ("ping.json", "data", "hello", "must be an object, got string"),
    ("ping.json", "data", 3, "must be an object, got number"),
    ("ping.json", "dataContentType", {}, "must be a string, got object"),
    ("ping.json", "correlationID", 7, "must be a string, got number"),
    ("ping.json", "correlationId", False, "must be a string, got boolean"),
    ("ping.json", "data.message", 12, "must be a string, got number"),
    ("appliance_create.json", "data.applianceID", 5, "must be a string, got number"),
    ("appliance_create.json", "data.gatewayID", "", "must not be empty"),
    ("appliance_create.json", "data.systemID", "", "must not be empty"),
    ("appliance_create.json", "data.type", {"a": 1}, "must be a string, got object"),
    (
        "appliance_create.json",
        "data.serialNumber",
        9312355,
        "must be a string, got number",
    ),
    ("inverter_status.json", "data.status", 1, "must be a string, got number"),
    (
        "inverter_status.json",
        "data.lastErrCode",
        False,
        "must be a string, got boolean",
    ),
    ("gateway_create.json", "data.userMail", [], "must be a string, got array"),
    ("ev_plugged.json", "data.atHome", "true", "must be a boolean, got string"),
    ("ev_plugged.json", "data.atHome", 1, "must be a boolean, got number"),
    ("ev_plugged.json", "data.issuedAt", 0, "must be a string, got number"),
    ("ev_plugged_legacy.json", "data.evseID", 3, "must be a string, got number"),
    (
        "ev_charge_started.json",
        "data.chargePower",
        "11000000",
        "must be a number, got string",
    ),
    (
        "ev_charge_started.json",
        "data.chargePower",
        True,
        "must be a number, got boolean",
    ),
    ("ev_charge_started.json", "data.chargePower", 1500.5, "must be an integer"),
    ("ev_charge_started.json", "data.range", 1.25, "must be an integer"),
    (
        "ev_charge_started.json",
        "data.stateOfCharge",
        "42",
        "must be a number, got string",
    ),
    (
        "ev_charge_started.json",
        "data.stateOfCharge",
        False,
        "must be a number, got boolean",
    ),
    (
        "ev_charge_failed.json",
        "data.failureReason",
        "NO_RESPONSE",
        "must be an object, got string",
    ),
    (
        "ev_charge_failed.json",
        "data.failureReason.detail",
        404,
        "must be a string, got number",
    ),
    ("ev_charge_failed.json", "data.createdAt", {}, "must be a string, got object"),
    (
        "ev_measurement.json",
        "data.isControllable",
        "yes",
        "must be a boolean, got string",
    ),
    ("ev_measurement.json", "data.capacity", 77000.5, "must be an integer"),
    ("ev_measurement.json", "data.chargeLimit", [80], "must be a number, got array"),
    ("ev_measurement.json", "data.chargeState", None, "must not be null"),
    (
        "ev_infeasible_charging_goals.json",
        "data.atHome",
        "no",
        "must be a boolean, got string",
    ),
    (
        "ev_infeasible_charging_goals.json",
        "data.currentSoC",
        True,
        "must be a number, got boolean",
    ),
    ("power_limit_set.json", "data.newLPC", "4200", "must be a number, got string"),
    ("power_limit_set.json", "data.newLPC", True, "must be a number, got boolean"),
    (
        "system_action.json",
        "data.capabilities",
        "chargeState",
        "must be an array, got string",
    ),
    (
        "system_action.json",
        "data.capabilities",
        {"a": 1},
        "must be an array, got object",
    ),
    ("system_action.json", "data.resolution", [], "must be an object, got array"),
    ("system_action.json", "data.resolution.action", 1, "must be a string, got number"),
    ("commissioning_done.json", "data.customerID", 1, "must be a string, got number"),
]


@pytest.mark.parametrize(("name", "path", "value", "problem"), WRONG_TYPES)
def test_wrong_type(name: str, path: str, value: Any, problem: str) -> None:
    """A field of the wrong JSON type raises one error naming the field."""
    with pytest.raises(GridxParseError) as err:
        parse_event(json.dumps(_with(_load(name), path, value)), strict=True)
    assert err.value.field == path
    assert err.value.problem == problem


def test_wrong_type_in_array_item() -> None:
    """An array item of the wrong type is named with its index."""
    obj = _with(_load("system_action.json"), "data.capabilities", ["location", 3])
    with pytest.raises(GridxParseError) as err:
        parse_event_dict(obj, strict=True)
    assert err.value.field == "data.capabilities[1]"
    assert err.value.problem == "must be a string, got number"


def test_non_json_python_value() -> None:
    """parse_event_dict with a non-JSON Python value names its Python type."""
    obj = _with(_load("ping.json"), "data.message", {1, 2})
    with pytest.raises(GridxParseError) as err:
        parse_event_dict(obj, strict=True)
    assert err.value.problem == "must be a string, got set"


@pytest.mark.parametrize(
    ("path", "attr", "value"),
    [
        ("data.stateOfCharge", "state_of_charge", float("nan")),
        ("data.chargePower", "charge_power", float("inf")),
    ],
)
def test_non_finite_numbers_invalidate_the_field(
    path: str, attr: str, value: float
) -> None:
    """NaN and infinities are not numbers here: the field reads as None."""
    obj = _with(_load("ev_charge_started.json"), path, value)
    event = parse_event_dict(obj, strict=True)
    assert isinstance(event.data, EVChargingEventData)
    assert event.invalid_fields == (path.removeprefix("data."),)
    assert getattr(event.data, attr) is None


def test_integral_float_accepted_for_int_fields() -> None:
    """1500.0 for an int field becomes 1500; ints for float fields become floats."""
    obj = _load("ev_measurement.json")
    obj["data"].update(
        chargePower=1500.0, range=-0.0, capacity=77000, stateOfCharge=50, chargeLimit=1
    )
    data = parse_event_dict(obj).data
    assert isinstance(data, EVMeasurementEventData)
    assert data.charge_power == 1500
    assert type(data.charge_power) is int
    assert data.range == 0
    assert type(data.range) is int
    assert data.capacity == 77000
    assert data.state_of_charge == 50.0
    assert type(data.state_of_charge) is float
    assert type(data.charge_limit) is float


@pytest.mark.parametrize("value", [2**53, -(2**53), 2**53 - 1])
def test_big_integer_kept_exact(value: int) -> None:
    """Integers up to +-2**53 are not rounded through float."""
    obj = _with(_load("ev_charge_started.json"), "data.chargePower", value)
    event = parse_event(json.dumps(obj))
    assert isinstance(event.data, EVChargingEventData)
    assert event.data.charge_power == value
    assert type(event.data.charge_power) is int
    assert event.invalid_fields == ()


# --- Timestamps -------------------------------------------------------------

GOOD_TIMES = [
    ("2026-06-20T14:03:27Z", datetime(2026, 6, 20, 14, 3, 27, tzinfo=UTC)),
    ("2026-06-20t14:03:27z", datetime(2026, 6, 20, 14, 3, 27, tzinfo=UTC)),
    ("2026-06-20 14:03:27Z", datetime(2026, 6, 20, 14, 3, 27, tzinfo=UTC)),
    ("2026-06-20T14:03:27.5Z", datetime(2026, 6, 20, 14, 3, 27, 500000, tzinfo=UTC)),
    (
        "2026-06-20T14:03:27.123456789Z",
        datetime(2026, 6, 20, 14, 3, 27, 123456, tzinfo=UTC),
    ),
    (
        "2026-06-20T16:03:27.1+02:00",
        datetime(2026, 6, 20, 14, 3, 27, 100000, tzinfo=UTC),
    ),
    ("2026-06-20T09:33:27-04:30", datetime(2026, 6, 20, 14, 3, 27, tzinfo=UTC)),
    ("2026-06-20T14:03:27-00:00", datetime(2026, 6, 20, 14, 3, 27, tzinfo=UTC)),
    # No offset: read as UTC.
    ("2026-06-20T14:03:27", datetime(2026, 6, 20, 14, 3, 27, tzinfo=UTC)),
    ("2024-02-29T00:00:00Z", datetime(2024, 2, 29, tzinfo=UTC)),
]


@pytest.mark.parametrize(("text", "expected"), GOOD_TIMES)
def test_good_timestamps(text: str, expected: datetime) -> None:
    """RFC 3339 timestamps become aware datetimes at the right instant."""
    event = parse_event_dict({**_load("ping.json"), "time": text})
    assert event.time == expected
    assert event.time.utcoffset() is not None


def test_timestamp_keeps_offset() -> None:
    """The sender's offset is kept, not converted."""
    event = parse_event_dict(
        {**_load("ping.json"), "time": "2026-06-20T16:03:27+02:00"}
    )
    assert event.time.utcoffset() == timedelta(hours=2)
    assert event.as_dict()["time"] == "2026-06-20T16:03:27+02:00"


BAD_TIMES = [
    "",
    "yesterday",
    "2026-06-20",
    "14:03:27Z",
    "2026-06-20T14:03Z",
    "20260620T140327Z",
    "2026-W25-6T14:03:27Z",
    "2026-06-20T14:03:27.Z",
    "2026-06-20T14:03:27+0200",
    "2026-06-20T14:03:27+02",
    "2026-06-20T14:03:27 Z",
    " 2026-06-20T14:03:27Z",
    "2026-06-20T14:03:27Z\n",
    "2026-13-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-06-20T24:00:00Z",
    "2026-06-20T23:60:00Z",
    "2026-06-20T23:59:60Z",
    "0000-01-01T00:00:00Z",
    "2026-06-20T14:03:27+02:60",
    "2026-06-20T14:03:27+24:00",
    "\uff12\uff10\uff12\uff16-06-20T14:03:27Z",
]


@pytest.mark.parametrize("text", BAD_TIMES)
@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("ping.json", "time"),
        ("ev_plugged.json", "data.issuedAt"),
        ("power_limit_set.json", "data.validUntil"),
        ("ev_charge_failed.json", "data.completedAt"),
    ],
)
def test_bad_timestamps(text: str, name: str, path: str) -> None:
    """An invalid timestamp raises naming the field."""
    with pytest.raises(GridxParseError) as err:
        parse_event_dict(_with(_load(name), path, text), strict=True)
    assert err.value.field == path
    assert err.value.problem.startswith(
        (
            "is not an RFC 3339 date-time",
            "is not a valid date-time",
            "has an invalid UTC",
        )
    )


# --- Bodies -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem_start"),
    [
        (b"", "is not valid JSON"),
        (b"not json", "is not valid JSON"),
        (b"{", "is not valid JSON"),
        ("{'id': 1}", "is not valid JSON"),
        (b"\xff\xfe\xfa", "is not valid JSON"),
        (b'{"a": 1, "a": 2}', "has a duplicate key 'a'"),
        (b'{"data": {"x": {"y": 1, "y": 1}}}', "has a duplicate key 'y'"),
        (b"[" * 200_000 + b"]" * 200_000, "is not valid JSON"),
        (b"[]", "must be a JSON object, got array"),
        (b'[{"id": "x"}]', "must be a JSON object, got array"),
        (b'"hello"', "must be a JSON object, got string"),
        ('"{}"', "must be a JSON object, got string"),
        (b"42", "must be a JSON object, got number"),
        (b"null", "must be a JSON object, got null"),
        (b"true", "must be a JSON object, got boolean"),
    ],
)
def test_bad_body(body: bytes | str, problem_start: str) -> None:
    """Non-JSON and non-object bodies raise GridxParseError('body')."""
    with pytest.raises(GridxParseError) as err:
        parse_event(body)
    assert err.value.field == "body"
    assert err.value.problem.startswith(problem_start)
    assert isinstance(err.value, GridxError)


def test_empty_object_body_names_id() -> None:
    """An empty object is JSON but misses the first envelope field."""
    with pytest.raises(GridxParseError) as err:
        parse_event(b"{}")
    assert err.value.field == "id"


def test_utf16_body() -> None:
    """json.loads detects UTF-16/32 bodies; they parse like UTF-8."""
    body = (FIXTURES / "ping.json").read_text(encoding="utf-8")
    assert parse_event(body.encode("utf-16")) == parse_event(body.encode())


def test_deeply_nested_data_dict() -> None:
    """Data nested too deep to copy raises naming `data`, not RecursionError."""
    nested: dict[str, Any] = {}
    for _ in range(100_000):
        nested = {"x": nested}
    with pytest.raises(GridxParseError) as err:
        parse_event_dict(_envelope("future/thing", nested))
    assert err.value.field == "data"


# --- Unknown types and fields -----------------------------------------------


def test_unknown_type_keeps_raw() -> None:
    """An unknown type never raises and keeps the data."""
    event = parse_event((FIXTURES / "unknown_type.json").read_bytes())
    assert event.type == "battery/overheated"
    assert event.event_type is None
    assert isinstance(event.data, UnknownEventData)
    assert event.data.raw is event.raw_data
    assert event.data.raw["cells"][0]["ok"] is False
    assert event.data.as_dict() == {
        "batteryID": "bbbb0000-1111-4222-8333-444455556666",
        "temperature": 61.5,
        "cells": [{"id": 1, "ok": False}],
        "note": None,
    }


@pytest.mark.parametrize(
    "event_type", ["ev/control", "ev/create", "webhook/failed", "APPLIANCE/CREATE"]
)
def test_deprecated_and_odd_types_are_unknown(event_type: str) -> None:
    """Removed and differently-cased types parse as unknown, even with odd data."""
    event = parse_event_dict(_envelope(event_type, {"eventPayload": {"x": [1]}}))
    assert isinstance(event.data, UnknownEventData)
    assert event.data.as_dict() == {"eventPayload": {"x": [1]}}


def test_unknown_type_still_needs_object_data() -> None:
    """Unknown types still need a valid envelope and object data."""
    with pytest.raises(GridxParseError) as err:
        parse_event_dict(_envelope("future/thing", [1]))
    assert err.value.field == "data"
    with pytest.raises(GridxParseError) as err:
        parse_event_dict(_without(_envelope("future/thing", {}), "time"))
    assert err.value.field == "time"


@pytest.mark.parametrize("name", sorted(CASES))
def test_unknown_fields_ignored(name: str) -> None:
    """Extra fields in the envelope, data and nested objects are ignored."""
    obj = _load(name)
    expected = parse_event_dict(obj)
    obj.update(userID="u", accountID="a", notification={"x": 1}, specversion="9")
    obj["data"]["futureField"] = {"deep": [1, 2, None]}
    obj["data"]["another"] = None
    for nested in ("failureReason", "resolution"):
        if nested in obj["data"]:
            obj["data"][nested]["extra"] = 1
    event = parse_event(json.dumps(obj))
    assert event.data == expected.data or isinstance(event.data, UnknownEventData)
    assert event.id == expected.id
    assert event.raw_data["futureField"] == {"deep": (1, 2, None)}


# --- Correlation spellings ------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, None),
        ({"correlationId": "new"}, "new"),
        ({"correlationID": "old"}, "old"),
        ({"correlationId": "new", "correlationID": "old"}, "new"),
        ({"correlationId": None, "correlationID": "old"}, "old"),
        ({"correlationid": "lower"}, None),
    ],
)
def test_correlation_spellings(extra: dict[str, Any], expected: str | None) -> None:
    """Both correlationId (current) and correlationID (legacy) are read."""
    event = parse_event_dict({**_envelope("ping", {}), **extra})
    assert event.correlation_id == expected
    assert event.as_dict()["correlation_id"] == expected


# --- Legacy shapes ------------------------------------------------------------


def test_legacy_ev_plugged_shape() -> None:
    """The charging-station ev/plugged parses to LegacyEVPluggedEventData."""
    event = parse_event((FIXTURES / "ev_plugged_legacy.json").read_bytes())
    assert isinstance(event.data, LegacyEVPluggedEventData)
    assert isinstance(event.data, ApplianceEventData)
    assert known_value(LegacyEVState, event.data.state) is LegacyEVState.PLUGGED
    assert known_value(EVState, event.data.state) is None
    assert event.event_type is EventType.EV_PLUGGED


@pytest.mark.parametrize(
    ("keys", "cls"),
    [
        (
            {"applianceID": APP, "gatewayID": GW, "state": "plugged"},
            LegacyEVPluggedEventData,
        ),
        # evseID alone marks the legacy shape too (then applianceID is missing).
        (
            {"evseID": "X", "applianceID": APP, "gatewayID": GW, "state": "plugged"},
            LegacyEVPluggedEventData,
        ),
        # assetID present: the current shape, whatever else is there.
        (
            {
                "applianceID": APP,
                "evseID": "X",
                "issuedAt": "2026-06-20T14:03:20Z",
                "atHome": True,
                "type": "EV",
                "systemID": SYS,
                "assetID": ASSET,
                "gatewayID": GW,
                "state": "PLUGGED",
            },
            EVPluggedEventData,
        ),
    ],
)
def test_ev_plugged_shape_detection(keys: dict[str, Any], cls: type[EventData]) -> None:
    """Legacy is detected by no assetID and an applianceID or evseID."""
    event = parse_event_dict(_envelope("ev/plugged", keys))
    assert type(event.data) is cls


def test_legacy_appliance_with_system_id_and_without() -> None:
    """The systemID was required in legacy payloads and is optional now."""
    legacy = parse_event((FIXTURES / "appliance_online_legacy.json").read_bytes())
    current = parse_event((FIXTURES / "appliance_delete.json").read_bytes())
    assert legacy.system_id == SYS
    assert current.system_id is None


def test_commissioning_done_may_be_empty() -> None:
    """Every field of commissioning/done is optional."""
    event = parse_event_dict(_envelope("commissioning/done", {}))
    assert event.data == CommissioningDoneEventData()
    assert event.data.as_dict() == {}
    assert event.event_type is EventType.COMMISSIONING_DONE


# --- Immutability, equality, hashing ------------------------------------------


def test_raw_data_is_read_only_and_detached() -> None:
    """raw_data cannot be changed and does not follow the input dict."""
    obj = _load("system_action.json")
    event = parse_event_dict(obj)
    assert isinstance(event.raw_data, MappingProxyType)
    with pytest.raises(TypeError):
        event.raw_data["status"] = "SOLVED"  # type: ignore[index]
    with pytest.raises(TypeError):
        event.raw_data["resolution"]["title"] = "x"
    assert event.raw_data["capabilities"] == ("chargeState", "location")
    obj["data"]["status"] = "SOLVED"
    obj["data"]["resolution"]["title"] = "changed"
    assert event.raw_data["status"] == "OPEN"
    assert (
        event.raw_data["resolution"]["title"] == "Accept the Audi terms and conditions"
    )


def test_models_are_frozen_and_hashable() -> None:
    """Events and data are frozen; equal events hash equal."""
    body = (FIXTURES / "system_action.json").read_bytes()
    first, second = parse_event(body), parse_event(body)
    assert first == second
    assert hash(first) == hash(second)
    assert len({first, second}) == 1
    with pytest.raises(FrozenInstanceError):
        first.id = "x"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        first.data.status = "SOLVED"  # type: ignore[attr-defined]
    unknown = parse_event((FIXTURES / "unknown_type.json").read_bytes())
    assert hash(unknown) == hash(
        parse_event((FIXTURES / "unknown_type.json").read_bytes())
    )


def test_data_base_has_no_id_defaults() -> None:
    """Subclass id fields are required, not defaulted by the base class."""
    with pytest.raises(TypeError):
        ApplianceEventData(gateway_id=GW)  # type: ignore[call-arg]
    assert EventData().as_dict() == {}
    assert issubclass(EVChargeStartedEventData, EVEventData)
    assert issubclass(InverterEventData, ApplianceEventData)


def test_gridx_event_built_directly() -> None:
    """Other code (the emulator, tests) can build events directly."""
    data = GatewayEventData(gateway_id=GW, system_id=SYS)
    event = GridxEvent(
        id="e1",
        time=EVENT_TIME,
        spec_version="1.0",
        source="/gateways/x",
        type=EventType.GATEWAY_OFFLINE,
        data=data,
        raw_data=MappingProxyType({"gatewayID": GW, "systemID": SYS}),
    )
    assert event.gateway_id == GW
    assert event.event_type is EventType.GATEWAY_OFFLINE
    assert event.as_dict()["data"] == {"gateway_id": GW, "system_id": SYS}


# --- Enums --------------------------------------------------------------------


def test_known_value() -> None:
    """known_value maps raw strings to enum members, unknowns to None."""
    assert known_value(InverterStatus, "WARNING") is InverterStatus.WARNING
    assert known_value(InverterStatus, "SMOKING") is None
    assert known_value(InverterStatus, None) is None
    assert known_value(EVChargeState, "") is EVChargeState.EMPTY
    assert known_value(EVPlugState, "plugged") is None
    assert known_value(SystemActionCapability, "startCharging") is (
        SystemActionCapability.START_CHARGING
    )


def test_enum_values_match_spec() -> None:
    """The StrEnums carry the documented values."""
    assert [v.value for v in ApplianceType] == [
        "UNKNOWN",
        "INVERTER",
        "METER",
        "EVSTATION",
        "HEAT_PUMP",
        "HEATER",
        "CONTAINER",
    ]
    assert len(ApplianceKind) == 15
    assert ApplianceKind.WIND_TURBINE == "WIND_TURBINE"
    assert {v.value for v in EVChargeState} == {
        "INITIALIZING",
        "CHARGING",
        "COMPLETE",
        "STOPPED",
        "FAULT",
        "NO_POWER",
        "DISCHARGING",
        "",
    }
    assert EVChargeFailureType.REQUESTED_CANCELLATION == "REQUESTED_CANCELLATION"


def test_unknown_enum_strings_accepted() -> None:
    """New enum values from gridX: any string is stored as sent."""
    obj = _load("inverter_status.json")
    obj["data"].update(status="DEGRADED", type="BATTERY_RACK", kind="TIDAL")
    data = parse_event_dict(obj).data
    assert isinstance(data, InverterEventData)
    assert (data.status, data.appliance_type, data.kind) == (
        "DEGRADED",
        "BATTERY_RACK",
        "TIDAL",
    )
    assert known_value(InverterStatus, data.status) is None
    assert known_value(InverterStatus, data.last_status) is InverterStatus.OK


# --- The protocol error tree ------------------------------------------------


def test_error_tree() -> None:
    """The error classes keep their details and share GridxError."""
    parse = GridxParseError("data.gatewayID", "is required")
    assert (parse.field, parse.problem) == ("data.gatewayID", "is required")
    status = GridxStatusError(404, "not found")
    assert (status.status, status.message, str(status)) == (
        404,
        "not found",
        "HTTP 404: not found",
    )
    limited = GridxRateLimitError(429, "slow down", 2.5)
    assert (limited.status, limited.retry_after) == (429, 2.5)
    assert isinstance(limited, GridxStatusError)
    assert all(
        isinstance(e, GridxError)
        for e in (parse, status, limited, GridxSignatureError("x"))
    )


def test_subscribable_types() -> None:
    """Neither ping nor commissioning/done can be subscribed to."""
    assert EventType.PING not in SUBSCRIBABLE_EVENT_TYPES
    assert EventType.COMMISSIONING_DONE not in SUBSCRIBABLE_EVENT_TYPES
    assert len(SUBSCRIBABLE_EVENT_TYPES) == len(EventType) - 2
