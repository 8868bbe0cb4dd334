"""The parser's limits on signed input (issue 7, items 4, 5, 8 and 9)."""

import json
import math
from typing import Any

import pytest

from custom_components.gridx.api.errors import GridxParseError
from custom_components.gridx.api.event_types import EventType
from custom_components.gridx.api.models import (
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    MAX_SAFE_NUMBER,
    EVInfeasibleChargingGoalsEventData,
    EVMeasurementEventData,
    GatewayEventData,
    PowerLimitEventData,
    UnknownEventData,
    UnvalidatedEventData,
    parse_event,
    parse_event_dict,
)


def _envelope(event_type: str, data: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": "11111111-2222-4333-8444-555555555555",
        "time": "2026-01-02T03:04:05Z",
        "specVersion": "1.0",
        "source": "/systems/x",
        "type": event_type,
        "data": data,
        **extra,
    }


MEASUREMENT: dict[str, Any] = {
    "issuedAt": "2026-01-02T03:04:05Z",
    "atHome": True,
    "type": "EV",
    "systemID": "s",
    "assetID": "a",
    "gatewayID": "g",
    "chargePower": 1000,
    "chargeState": "CHARGING",
    "plugState": "PLUGGED",
    "isControllable": True,
}


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('"chargePower": NaN', "chargePower"),
        ('"chargePower": Infinity', "chargePower"),
        ('"capacity": -Infinity', "capacity"),
        ('"range": 18446744073709551616', "range"),  # 2**64, read as a float
        ('"range": 9007199254740993', "range"),  # 2**53 + 1, 16 digits: an int
        ('"stateOfCharge": 1e300', "stateOfCharge"),
        ('"chargeLimit": 1e400', "chargeLimit"),  # inf
        ('"chargePower": ' + "9" * 5000, "chargePower"),  # past int()'s digit cap
    ],
)
def test_item4_out_of_range_number_drops_only_its_field(text: str, field: str) -> None:
    """The field reads None and is listed; the event itself is valid."""
    data = {key: value for key, value in MEASUREMENT.items() if key != field}
    body = json.dumps(_envelope("ev/measurement", data))
    body = body.replace('"isControllable": true', f'"isControllable": true, {text}')
    event = parse_event(body, strict=True)
    data = event.data
    assert isinstance(data, EVMeasurementEventData)
    assert event.invalid_fields == (field,)
    assert data.plug_state == "PLUGGED"
    # No NaN or infinity leaves as_dict: they are not JSON.
    json.dumps(event.as_dict(), allow_nan=False)


def test_item4_limits_and_python_values() -> None:
    """±2**53 is kept; Python ints beyond it (parse_event_dict) are dropped."""
    data = MEASUREMENT | {"chargePower": -MAX_SAFE_NUMBER, "capacity": 10**400}
    event = parse_event_dict(_envelope("ev/measurement", data))
    assert isinstance(event.data, EVMeasurementEventData)
    assert event.data.charge_power == -MAX_SAFE_NUMBER
    assert event.data.capacity is None
    assert event.invalid_fields == ("capacity",)


def test_item4_required_numbers_of_infeasible_goals() -> None:
    """Required numbers become None too, each one listed."""
    data = {
        "systemID": "s",
        "assetID": "a",
        "minRequestedSoC": math.nan,
        "currentSoC": 42.0,
        "departureAt": "2026-06-22T07:30:00Z",
        "energyNeededWh": math.inf,
        "deliverableEnergyWh": 5400.0,
        "chargingPowerW": -math.inf,
    }
    event = parse_event_dict(_envelope("ev/infeasible-charging-goals", data))
    assert isinstance(event.data, EVInfeasibleChargingGoalsEventData)
    assert event.data.min_requested_soc is None
    assert event.data.current_soc == 42.0
    assert event.invalid_fields == (
        "minRequestedSoC",
        "energyNeededWh",
        "chargingPowerW",
    )


def test_item4_unknown_type_raw_data_is_json() -> None:
    """Raw data of an unknown type keeps the keys; NaN becomes null in as_dict."""
    event = parse_event(
        '{"id": "i", "time": "2026-01-02T03:04:05Z", '
        '"specVersion": "1.0", "source": "/s", "type": "new/type", '
        '"data": {"x": NaN, "y": [Infinity, 1]}}'
    )
    assert isinstance(event.data, UnknownEventData)
    assert event.as_dict()["data"] == {"x": None, "y": [None, 1]}


@pytest.mark.parametrize("key", ["gatewayID", "applianceID", "assetID", "systemID"])
def test_item5_resource_ids_over_the_cap(key: str) -> None:
    """A resource id over the cap raises, whatever the type and strictness."""
    for event_type in ("gateway/online", "future/type"):
        with pytest.raises(GridxParseError) as err:
            parse_event_dict(_envelope(event_type, {key: "x" * (MAX_ID_LENGTH + 1)}))
        assert err.value.field == f"data.{key}"
        assert err.value.problem == f"is longer than {MAX_ID_LENGTH} characters"


def test_item5_envelope_id_and_other_ids() -> None:
    """The envelope id raises; a system/action id over the cap is drift."""
    with pytest.raises(GridxParseError) as err:
        parse_event_dict(_envelope("ping", {}, id="i" * (MAX_ID_LENGTH + 1)))
    assert err.value.field == "id"
    event = parse_event_dict(_envelope("system/action", {"id": "i" * 200}))
    assert isinstance(event.data, UnvalidatedEventData)
    assert event.data.error_field == "data.id"


def test_item5_names_are_cut() -> None:
    """Device names and texts are cut to MAX_NAME_LENGTH characters."""
    data = {
        "gatewayID": "g",
        "systemID": "s",
        "gatewayName": "n" * 300,
        "gatewaySerialnumber": "s" * 300,
        "systemName": "y" * 10,
    }
    event = parse_event_dict(_envelope("gateway/online", data))
    assert isinstance(event.data, GatewayEventData)
    assert event.data.gateway_name == "n" * MAX_NAME_LENGTH
    assert event.data.gateway_serial_number == "s" * MAX_NAME_LENGTH
    assert event.data.system_name == "y" * 10


@pytest.mark.parametrize(
    "body",
    [
        '{"id": "a", "id": "a"}',
        '{"data": {"gatewayID": "g", "gatewayID": "h"}}',
        '{"data": {"list": [{"k": 1, "k": 1}]}}',
    ],
)
def test_item8_duplicate_keys_at_any_level(body: str) -> None:
    """A duplicate key anywhere rejects the body."""
    with pytest.raises(GridxParseError) as err:
        parse_event(body)
    assert err.value.field == "body"
    assert err.value.problem.startswith("has a duplicate key ")


def test_item9_unvalidated_ids_come_from_raw_data() -> None:
    """Ids are read from raw data only when they are non-empty strings."""
    data = {"gatewayID": "g", "applianceID": 5, "assetID": "", "systemID": "s"}
    event = parse_event_dict(_envelope("gateway/online", data | {"gatewayName": 1}))
    assert event.event_type is EventType.GATEWAY_ONLINE
    assert isinstance(event.data, UnvalidatedEventData)
    assert event.data.error == "data.gatewayName: must be a string, got number"
    assert (event.gateway_id, event.appliance_id, event.asset_id, event.system_id) == (
        "g",
        None,
        None,
        "s",
    )
    assert event.invalid_fields == ()
    assert event.as_dict()["data"] == data | {"gatewayName": 1}


def test_item9_drift_wins_over_invalid_numbers() -> None:
    """Data that fails validation lists no invalid fields: none were applied."""
    event = parse_event(
        '{"id": "i", "time": "2026-01-02T03:04:05Z", "specVersion": "1.0", '
        '"source": "/s", "type": "grid-signal-processor/limitation-of-power-'
        'consumption/set", "data": {"newLPC": NaN, "validUntil": 3}}'
    )
    assert isinstance(event.data, UnvalidatedEventData)
    assert event.invalid_fields == ()
    valid = parse_event_dict(
        _envelope(
            "grid-signal-processor/limitation-of-power-consumption/set",
            {"newLPC": math.nan},
        )
    )
    assert valid.data == PowerLimitEventData()
    assert valid.invalid_fields == ("newLPC",)
