"""The documented shape of every gridX REST answer the integration reads.

Written from the facts, not from the emulator or the parser:
``gridx-live-facts.md`` (live facts: §1 token, §2 gateways, §2.1
appliances, §3 live, §4 historical) and ``gridx-facts.md`` (facts: §3.1
rules, §3.2 webhook subscriptions, §3.3 ``/user``), which cite gridX's
Solution API specification (S1) and recorded answers. Both sides use it: a
test validates every emulator answer against it, and the parser tests build
their fixtures in these shapes.

Objects are closed: a key the facts do not name is an error ("nothing
invented"). Where the facts say *inferred* or *not documented*, the shape
accepts both readings and says so next to it. `validate` returns the
problems as ``path: message`` strings (empty when the value fits).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
import re
from typing import Any

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Str:
    """A string; ``enum`` limits it, ``fmt`` is ``uuid`` or ``date-time``."""

    enum: tuple[str, ...] | None = None
    fmt: str | None = None


@dataclass(frozen=True)
class Num:
    """A JSON number (integers and floats mix, live facts §3.2)."""

    integer: bool = False


@dataclass(frozen=True)
class Bool:
    """A JSON boolean."""


@dataclass(frozen=True)
class Anything:
    """Any JSON value: the spec requires the key but gives it no schema."""


@dataclass(frozen=True)
class Arr:
    """A JSON array of ``item``."""

    item: Shape


@dataclass(frozen=True)
class Obj:
    """A JSON object: ``required`` and ``optional`` keys; ``open`` allows others.

    ``open`` is for objects the integration never reads and the facts do
    not list (e.g. ``system.metadata``).
    """

    required: Mapping[str, Shape] = field(default_factory=dict)
    optional: Mapping[str, Shape] = field(default_factory=dict)
    open: bool = False


@dataclass(frozen=True)
class OneOf:
    """An object chosen by the value of its ``discriminator`` key."""

    discriminator: str
    choices: Mapping[str, Obj]


@dataclass(frozen=True)
class Either:
    """Any of ``shapes``: two readings the facts leave open."""

    shapes: tuple[Shape, ...]


type Shape = Str | Num | Bool | Anything | Arr | Obj | OneOf | Either


def validate(shape: Shape, value: Any, path: str = "$") -> list[str]:
    """Return what in ``value`` does not fit ``shape`` (empty: it fits)."""
    match shape:
        case Str():
            return _check_str(shape, value, path)
        case Num():
            if isinstance(value, bool) or not isinstance(value, int | float):
                return [f"{path}: expected a number"]
            if shape.integer and not isinstance(value, int):
                return [f"{path}: expected an integer"]
            return []
        case Bool():
            return [] if isinstance(value, bool) else [f"{path}: expected a boolean"]
        case Anything():
            return []
        case Arr():
            if not isinstance(value, list):
                return [f"{path}: expected an array"]
            return [
                problem
                for index, item in enumerate(value)
                for problem in validate(shape.item, item, f"{path}[{index}]")
            ]
        case Obj():
            return _check_obj(shape, value, path)
        case OneOf():
            if not isinstance(value, Mapping):
                return [f"{path}: expected an object"]
            choice = shape.choices.get(str(value.get(shape.discriminator)))
            if choice is None:
                return [
                    f"{path}.{shape.discriminator}: not one of {sorted(shape.choices)}"
                ]
            return _check_obj(choice, value, path)
        case Either():
            results = [validate(option, value, path) for option in shape.shapes]
            return [] if any(not r for r in results) else min(results, key=len)


def _check_str(shape: Str, value: Any, path: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{path}: expected a string"]
    if shape.enum is not None and value not in shape.enum:
        return [f"{path}: {value!r} not in {list(shape.enum)}"]
    if shape.fmt == "uuid" and not _UUID.fullmatch(value):
        return [f"{path}: not a uuid"]
    if shape.fmt == "date-time":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return [f"{path}: not an RFC 3339 date-time"]
        if moment.tzinfo is None:
            return [f"{path}: date-time without a zone"]
    return []


def _check_obj(shape: Obj, value: Any, path: str) -> list[str]:
    if not isinstance(value, Mapping):
        return [f"{path}: expected an object"]
    problems = [f"{path}.{key}: missing" for key in shape.required if key not in value]
    for key, item in value.items():
        sub = shape.required.get(key) or shape.optional.get(key)
        if sub is None:
            if not shape.open:
                problems.append(f"{path}.{key}: not in the documented shape")
            continue
        problems.extend(validate(sub, item, f"{path}.{key}"))
    return problems


UUID = Str(fmt="uuid")
TIME = Str(fmt="date-time")
TEXT = Str()
NUMBER = Num()
INTEGER = Num(integer=True)
OPEN = Obj(open=True)

# -- errors (live facts §1.2, facts §3.1 "General Exception") ----------------

ERROR = Obj(required={"message": TEXT}, optional={"details": Arr(TEXT)})

# -- Auth0 token answer (live facts §1.1) -----------------------------------

TOKEN = Obj(
    required={
        "access_token": TEXT,
        "id_token": TEXT,
        "scope": TEXT,
        "expires_in": INTEGER,
        "token_type": Str(enum=("Bearer",)),
    },
    # Not documented: no recorded answer carries one; inferred from
    # `offline_access` (standard Auth0), so it may be present or absent.
    optional={"refresh_token": TEXT},
)
# Auth0's error body (live facts §1.1: AU-err, AU-mfa).
TOKEN_ERROR = Obj(
    required={"error": TEXT},
    optional={"error_description": TEXT, "mfa_token": TEXT},
)

# -- GET /user (facts §3.3, S1 `User`) ----------------------------------------

USER = Obj(
    required={"id": UUID, "email": TEXT, "createdAt": TIME, "updatedAt": TIME},
    optional={
        "accountID": UUID,
        "fullName": TEXT,
        "loginsCount": INTEGER,
        "mfaEnabled": Bool(),
        "mfaReset": Bool(),
        "groups": Arr(Anything()),
        "mainAddress": OPEN,
        "language": Obj(optional={"tag": TEXT, "name": TEXT, "nameNative": TEXT}),
    },
)

# -- GET /gateways (live facts §2, S1 `Gateway`, `ConnectionStatus`) ---------

GATEWAY_STATUSES = ("AVAILABLE", "TEMPORARILY_UNAVAILABLE", "UNAVAILABLE")
GATEWAY_CONNECTION = Obj(
    required={"status": Str(enum=GATEWAY_STATUSES)},
    optional={"contactedAt": TIME},
)
SYSTEM = Obj(
    # The spec's `System` requires name, createdAt and updatedAt too, but
    # the list item's `system` is not in the spec at all (§2): only `id` is
    # read by every client.
    required={"id": UUID},
    optional={
        "name": TEXT,
        "solution": TEXT,  # "HOME" in O-test
        "createdAt": TIME,
        "updatedAt": TIME,
        "operatingSince": TIME,
        "metadata": OPEN,
        "location": OPEN,  # `System.location.timeZone`; not documented for homeowners
    },
)
GATEWAY = Obj(
    required={
        "id": UUID,
        "type": Str(enum=("VIRTUAL", "PHYSICAL", "OTHER")),  # deprecated
        "startcode": TEXT,
        "connectionStatus": GATEWAY_CONNECTION,
        "createdAt": TIME,
    },
    optional={
        "updatedAt": TIME,  # required in S1, but the facts list it with createdAt only
        "registeredAt": TIME,
        "name": TEXT,  # absent in O-test, present in L-fix
        "serialnumber": TEXT,
        "model": TEXT,
        "manufacturer": TEXT,
        "vendorID": UUID,
        "debugModeUntil": TIME,
        "applianceComposition": Arr(TEXT),
        "additionalIdentifiers": Arr(Anything()),
        "scanners": Arr(Anything()),
        "system": SYSTEM,  # not in the spec's `Gateway`, but in real lists (§2)
    },
)

# -- GET /gateways/{id}/appliances (live facts §2.1, S1 `Appliance`) ---------

APPLIANCE_STATUSES = ("AVAILABLE", "UNAVAILABLE", "UNKNOWN")
APPLIANCE_CONNECTION = Obj(
    required={"status": Str(enum=APPLIANCE_STATUSES)},
    optional={"contactedAt": TIME},  # deprecated in S1
)
_BASE_REQUIRED: Mapping[str, Shape] = {
    "id": UUID,
    "inactive": Bool(),
    "createdAt": TIME,
    "updatedAt": TIME,
    "reverseFlow": Bool(),
    "connectionStatus": APPLIANCE_CONNECTION,
    "state": Str(
        enum=(
            "UNKNOWN_APPLIANCE_STATE",
            "SCANNED",
            "CONNECTING",
            "VERIFYING",
            "UNTRUSTED",
            "CONNECTED",
            "DISCONNECTED",
        )
    ),
}
_BASE_OPTIONAL: Mapping[str, Shape] = {
    # `position` is required by S1 but has no schema there: any value, and
    # (inferred) a server may leave it out, as the emulator does.
    "position": Anything(),
    "name": TEXT,
    "serialnumber": TEXT,
    "status": Str(enum=("UNDEFINED", "OK", "WARNING", "ERROR")),
    "room": TEXT,
    "network": OPEN,
    "parent": UUID,
    "loadSettings": OPEN,
    "sensorSettings": Anything(),
    "source": OPEN,
    "commissioningKind": TEXT,
    "energySettings": Anything(),
    "cryptoSettings": Arr(Anything()),
    "manufacturer": TEXT,
    "model": TEXT,
    "firmware": TEXT,
}


def _appliance(
    type_: str,
    required: Mapping[str, Shape] | None = None,
    optional: Mapping[str, Shape] | None = None,
) -> Obj:
    return Obj(
        required={**_BASE_REQUIRED, "type": Str(enum=(type_,)), **(required or {})},
        optional={**_BASE_OPTIONAL, **(optional or {})},
    )


INVERTER_KINDS = ("UNKNOWN", "PV", "PV_EXTERNAL", "BATTERY", "HYBRID")
METER_KINDS = (
    "UNKNOWN",
    "PV",
    "GRID",
    "BATTERY",
    "HEAT_PUMP",
    "FUEL_CELL",
    "HEAT_PUMP_EXTERNAL",
    "EVSTATION",
    "PV_EXTERNAL",
    "BTTP",
    "HEATING",
    "MISC",
    "CLUSTER",
    "WIND_TURBINE",
)
APPLIANCE = OneOf(
    "type",
    {
        "INVERTER": _appliance(
            "INVERTER",
            required={"kind": Str(enum=INVERTER_KINDS), "inverter": OPEN},
            optional={
                "battery": OPEN,  # {maxCharge, maxDischarge, ...}
                "nominalPowerLimit": INTEGER,
                "hybridCalcMode": INTEGER,
                "hardwareStatus": OPEN,
            },
        ),
        "METER": _appliance(
            "METER",
            required={
                "kind": Str(enum=METER_KINDS),
                "auxMeter": Obj(
                    required={"location": Str(enum=METER_KINDS), "type": TEXT},
                    optional={"modbusAddress": INTEGER},
                ),
            },
        ),
        "HEAT_PUMP": _appliance("HEAT_PUMP", required={"heatPump": OPEN}),
        "EVSTATION": _appliance(
            "EVSTATION",
            optional={"evseID": TEXT, "evLoadManagementParameters": OPEN},
        ),
        # Types the integration shows only by their common part.
        **{
            name: Obj(
                required={**_BASE_REQUIRED, "type": Str(enum=(name,))},
                optional=_BASE_OPTIONAL,
                open=True,
            )
            for name in (
                "HEAT_METER",
                "ELECTROLYZER",
                "IO_DEVICE",
                "HEATER",
                "CONTAINER",
            )
        },
    },
)

# -- GET /systems/{id}/live (live facts §3.1) --------------------------------

_LIVE_BATTERY = Obj(
    optional={
        "applianceID": TEXT,  # empty for the aggregate
        "power": NUMBER,
        "remainingCharge": NUMBER,
        "capacity": NUMBER,
        "nominalCapacity": NUMBER,
        "stateOfCharge": NUMBER,
        # Not in the live spec; sent by some systems (inferred, §3.1).
        "charge": NUMBER,
        "discharge": NUMBER,
    }
)
_LIVE_HEAT_PUMP = Obj(
    optional={
        "applianceID": TEXT,
        "power": NUMBER,
        "sgReadyState": Str(enum=("UNKNOWN", "OFF", "AUTO", "RECOMMEND_ON", "ON")),
    }
)
_LIVE_EV_STATION = Obj(
    optional={
        "applianceID": TEXT,
        "power": NUMBER,
        "stateOfCharge": NUMBER,
        "readingTotal": NUMBER,  # Wh per spec; kWh per some clients (§3.1)
        "readingTariff1": NUMBER,
        "readingTariff2": NUMBER,
        "plugState": Str(
            enum=(
                "UNPLUGGED",
                "PLUGGED_ON_STATION",
                "PLUGGED_ON_STATION_AND_PLUGGED_ON_VEHICLE",
            )
        ),
        "currentL1": NUMBER,
        "currentL2": NUMBER,
        "currentL3": NUMBER,
    }
)
_LIVE_HEATER = Obj(
    optional={
        "applianceID": TEXT,
        "measuredAt": TIME,
        **dict.fromkeys(
            (
                "power",
                "powerL1",
                "powerL2",
                "powerL3",
                "temperature",
                "minTemperature",
                "maxTemperature",
            ),
            NUMBER,
        ),
    }
)
_LIVE_HEAT_METER = Obj(
    optional={
        "applianceID": TEXT,
        "measuredAt": TIME,
        **dict.fromkeys(
            (
                "flowRate",
                "readingPositive",
                "readingNegative",
                "power",
                "inflowTemperature",
                "outflowTemperature",
            ),
            NUMBER,
        ),
    }
)
_LIVE_NUMBERS = (
    "grid",
    "gridL1",
    "gridL2",
    "gridL3",
    "gridSupplyLimit",
    "photovoltaic",
    "photovoltaicExternal",
    "production",
    "windTurbine",
    "fuelCell",
    "blockTypeThermalPowerStation",
    "heatPumpExternal",
    "appliancePower",
    "consumption",
    "totalConsumption",
    "selfConsumption",
    "directConsumption",
    "directConsumptionHousehold",
    "directConsumptionHeatPump",
    "directConsumptionEV",
    "directConsumptionHeater",
    "selfSupply",
    "selfSufficiencyRate",
    "selfConsumptionRate",
    "directConsumptionRate",
    "heatPump",
    "heating",
    "heatingTemperature",
    "gridMeterReadingPositive",
    "gridMeterReadingNegative",
    "heatPumpMeterReadingPositive",
    "heatPumpMeterReadingNegative",
    "fuelCellMeterReadingPositive",
    "fuelCellMeterReadingNegative",
    "l1CurtailmentPower",
    "l2CurtailmentPower",
    "l3CurtailmentPower",
    "fuseProtectionCount",
)
# Every key is optional: absent appliance types are left out, and gridX
# answers `{}` at times (§3.2).
LIVE = Obj(
    optional={
        "measuredAt": TIME,
        **dict.fromkeys(_LIVE_NUMBERS, NUMBER),
        "appliances": Arr(
            Obj(optional={"applianceID": TEXT, "power": NUMBER, "kind": TEXT})
        ),
        "battery": _LIVE_BATTERY,
        "batteries": Arr(_LIVE_BATTERY),
        "heatPumps": Arr(_LIVE_HEAT_PUMP),
        # The aggregate may be only {power} (§3.1).
        "evChargingStation": _LIVE_EV_STATION,
        "evChargingStations": Arr(_LIVE_EV_STATION),
        "heaters": Arr(_LIVE_HEATER),
        "heatMeters": Arr(_LIVE_HEAT_METER),
    }
)

# -- GET /systems/{id}/historical (live facts §4, S1 `MeasurementExtended`) --

_HISTORY_GRID = Obj(
    optional={
        "feedIn": NUMBER,
        "supply": NUMBER,
        "supplyLimit": NUMBER,
        "meterReading": Obj(optional={"feedIn": NUMBER, "supply": NUMBER}),
        "measuredAt": TIME,
    }
)
_HISTORY_BATTERY = Obj(
    optional=dict.fromkeys(
        ("charge", "discharge", "stateOfCharge", "capacity", "nominalCapacity"),
        NUMBER,
    )
)
_HISTORY_EV = Obj(
    optional=dict.fromkeys(
        ("charge", "discharge", "stateOfCharge", "currentL1", "currentL2", "currentL3"),
        NUMBER,
    )
)
# "Other scalars as in live": the live numbers except `grid`, now an object.
_HISTORY_ITEM: Mapping[str, Shape] = {
    **dict.fromkeys((n for n in _LIVE_NUMBERS if n != "grid"), NUMBER),
    "grid": _HISTORY_GRID,
    "battery": _HISTORY_BATTERY,
    "evChargingStation": _HISTORY_EV,
}
HISTORICAL = Obj(
    required={
        "total": Obj(
            # `measuredAt` of the total is "<start>/<end>".
            required={"measuredAt": Str()},
            optional=_HISTORY_ITEM,
        ),
        "data": Arr(Obj(required={"measuredAt": TIME}, optional=_HISTORY_ITEM)),
    }
)

# -- webhook subscriptions (facts §3.2; no OpenAPI, from gridX's README) -----

SUBSCRIPTION = Obj(
    required={
        "id": UUID,
        "accountID": UUID,
        "eventTypes": Arr(TEXT),
        "targetURL": TEXT,
        "active": Bool(),
    },
    # Only the create answer carries the secret.
    optional={"secret": TEXT},
)
# The rotate answer is not documented beyond "new secret": a bare
# `{secret}` or the whole subscription with its secret; both are accepted.
ROTATED_SECRET = Either(
    (
        Obj(required={"secret": TEXT}),
        Obj(required={**SUBSCRIPTION.required, "secret": TEXT}),
    )
)

# -- notification rules (facts §3.1, S1 `NotificationsRule`) -----------------

RULE = Obj(
    required={
        "id": UUID,
        "accountID": UUID,
        "userID": UUID,
        "eventType": TEXT,
        "notificationType": Obj(
            optional={
                # `secret` comes from gridX's README, not the spec snapshot.
                "webhook": Obj(required={"targetURL": TEXT}, optional={"secret": TEXT}),
                "email": Obj(optional={"address": TEXT}),
                "sms": Obj(optional={"phonenumber": TEXT}),
                "dashboardNotification": Obj(optional={"userID": UUID}),
                "mobile": Obj(
                    optional={"appName": TEXT, "os": TEXT, "deviceToken": TEXT}
                ),
            }
        ),
    },
    optional={
        "filters": Arr(Obj(optional={"name": TEXT, "condition": TEXT})),
        "locale": TEXT,
    },
)

__all__ = [
    "APPLIANCE",
    "ERROR",
    "GATEWAY",
    "HISTORICAL",
    "LIVE",
    "ROTATED_SECRET",
    "RULE",
    "SUBSCRIPTION",
    "TOKEN",
    "TOKEN_ERROR",
    "USER",
    "Shape",
    "validate",
]
