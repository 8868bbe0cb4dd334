"""Typed, frozen models of the gridX webhook events (gridx-facts §1).

``parse_event`` turns a webhook body into a ``GridxEvent``: the CloudEvents
style envelope plus a typed ``data`` object chosen by the event ``type``.

The parser is tolerant where gridX may grow and strict where a consumer
would otherwise crash:

* Unknown fields are ignored everywhere, and an unknown ``type`` parses to
  ``UnknownEventData`` that keeps the raw payload.
* Schema drift: a known ``type`` whose ``data`` does not validate parses to
  ``UnvalidatedEventData`` (the raw data and the first error), so the event
  is still delivered; only an invalid envelope raises. ``strict=True``
  raises for ``data`` errors too.
* Enum-valued strings (status, chargeState, appliance type, ...) accept any
  string, because gridX adds values; the raw string is stored and the known
  values are offered as StrEnum classes (see ``known_value``).
* A missing required field, a ``null`` required field, or a field of the
  wrong JSON type raises one ``GridxParseError`` whose ``field`` is the
  dotted path of the field (``data.failureReason.detail``); in ``data``
  (not strict) that makes the event an ``UnvalidatedEventData`` instead.
* A body with a duplicate key in any object raises: the two readings of it
  would disagree about the event.
* JSON ``null`` for an optional field is read as "absent".
* Integer fields accept JSON integers and floats with an integral value
  (``1500.0`` becomes ``1500``); a fractional value is an error. Number
  fields accept integers and floats and store a float. ``true``/``false``
  are never numbers.
* A number no sensor can hold (NaN, an infinity, or beyond +-2**53, the
  largest integer a float and JavaScript keep exactly) invalidates that field
  only: it parses as None and its JSON name is listed in
  ``GridxEvent.invalid_fields``; the rest of the event is valid. Python's
  json reads the non-JSON tokens NaN and Infinity, and integers of more
  than 16 digits are read as floats, so a huge number cannot cost time.
* Resource ids (``id``, ``applianceID``, ``gatewayID``, ...) must be
  non-empty strings of at most MAX_ID_LENGTH characters; an envelope ``id``
  or a ``gatewayID``/``applianceID``/``assetID``/``systemID`` over the cap
  raises even when not strict. They are not checked to be UUIDs:
  ``system/action`` documents them without a uuid format.
* Names and other device-describing text (name, model, manufacturer, serial
  number, firmware) are cut to MAX_NAME_LENGTH characters: a device keeps a
  readable name rather than losing it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
import json
import math
import re
from types import MappingProxyType
from typing import Any, Final

from .errors import GridxParseError
from .event_types import EventType

DEFAULT_DATA_CONTENT_TYPE: Final = "application/json"
# The current spec says specVersion is "1.0"; gridX's Go example client sends
# "1.0.1". Both (and any other string) are accepted and stored as sent.
KNOWN_SPEC_VERSIONS: Final = ("1.0", "1.0.1")
# Caps on what a signed body can make us keep: ids become storage keys and
# device identifiers, names become device names.
MAX_ID_LENGTH: Final = 128
MAX_NAME_LENGTH: Final = 255
# The largest magnitude a number field may have (see the module docstring).
MAX_SAFE_NUMBER: Final = 2**53
# The data keys of the resource ids; over MAX_ID_LENGTH they reject the body.
RESOURCE_ID_KEYS: Final = ("gatewayID", "applianceID", "assetID", "systemID")


# --- Known enum values -----------------------------------------------------
# Every enum-valued field stores the raw string. These classes name the
# values documented today; gridX may send others.


class ApplianceType(StrEnum):
    """The ``type`` of an appliance (``ApplianceEventData.type``)."""

    UNKNOWN = "UNKNOWN"
    INVERTER = "INVERTER"
    METER = "METER"
    EVSTATION = "EVSTATION"
    HEAT_PUMP = "HEAT_PUMP"
    HEATER = "HEATER"
    CONTAINER = "CONTAINER"


class ApplianceKind(StrEnum):
    """The ``kind`` of an inverter or meter appliance."""

    UNKNOWN = "UNKNOWN"
    PV = "PV"
    BATTERY = "BATTERY"
    HYBRID = "HYBRID"
    PV_EXTERNAL = "PV_EXTERNAL"
    GRID = "GRID"
    HEAT_PUMP = "HEAT_PUMP"
    FUEL_CELL = "FUEL_CELL"
    HEAT_PUMP_EXTERNAL = "HEAT_PUMP_EXTERNAL"
    EVSTATION = "EVSTATION"
    BTTP = "BTTP"
    HEATING = "HEATING"
    MISC = "MISC"
    CLUSTER = "CLUSTER"
    WIND_TURBINE = "WIND_TURBINE"


class InverterStatus(StrEnum):
    """The ``status`` and ``lastStatus`` of an inverter."""

    UNKNOWN = "UNKNOWN"
    OK = "OK"
    WARNING = "WARNING"
    ERROR = "ERROR"


class AssetType(StrEnum):
    """The asset ``type`` of EV and ``system/action`` events."""

    EV = "EV"


class EVState(StrEnum):
    """The ``state`` of ``ev/plugged|unplugged|charge-started|charge-stopped``."""

    PLUGGED = "PLUGGED"
    UNPLUGGED = "UNPLUGGED"
    CHARGING = "CHARGING"
    STOPPED = "STOPPED"


class LegacyEVState(StrEnum):
    """The lower-case ``state`` of the legacy charging-station ``ev/plugged``."""

    PLUGGED = "plugged"


class EVChargeState(StrEnum):
    """The ``chargeState`` of ``ev/measurement``."""

    INITIALIZING = "INITIALIZING"
    CHARGING = "CHARGING"
    COMPLETE = "COMPLETE"
    STOPPED = "STOPPED"
    FAULT = "FAULT"
    NO_POWER = "NO_POWER"
    DISCHARGING = "DISCHARGING"
    # Sent as "" when the vehicle is not plugged in.
    EMPTY = ""


class EVPlugState(StrEnum):
    """The ``plugState`` of ``ev/measurement``."""

    PLUGGED = "PLUGGED"
    UNPLUGGED = "UNPLUGGED"
    UNKNOWN = "UNKNOWN"


class EVChargeCommandKind(StrEnum):
    """The ``kind`` of charging command that failed (``ev/charge-failed``)."""

    START = "START"
    STOP = "STOP"


class EVChargeFailureType(StrEnum):
    """The ``failureReason.type`` of ``ev/charge-failed``."""

    NO_RESPONSE = "NO_RESPONSE"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    CONFLICT = "CONFLICT"
    NOT_FOUND = "NOT_FOUND"
    REQUESTED_CANCELLATION = "REQUESTED_CANCELLATION"


class SystemActionCapability(StrEnum):
    """An item of ``capabilities`` in ``system/action``."""

    CHARGE_STATE = "chargeState"
    INFORMATION = "information"
    START_CHARGING = "startCharging"
    STOP_CHARGING = "stopCharging"
    LOCATION = "location"


class SystemActionDomain(StrEnum):
    """The ``domain`` of ``system/action``: the device or the vendor account."""

    ACCOUNT = "Account"
    DEVICE = "Device"


class SystemActionStatus(StrEnum):
    """The ``status`` of ``system/action``."""

    OPEN = "OPEN"
    SOLVED = "SOLVED"


class SystemActionAccess(StrEnum):
    """The ``resolution.access`` of ``system/action``."""

    REMOTE = "Remote"
    PHYSICAL = "Physical"


class SystemActionAgent(StrEnum):
    """The ``resolution.agent`` of ``system/action``."""

    USER = "User"
    THIRD_PARTY = "ThirdParty"


class SystemActionResolutionAction(StrEnum):
    """The ``resolution.action`` of ``system/action``."""

    LINK = "Link"
    LINK_ADDITIONAL_ASSET = "LinkAdditionalAsset"


def known_value[E: StrEnum](enum_cls: type[E], value: str | None) -> E | None:
    """Return ``value`` as a member of ``enum_cls``, or None if it is not one.

    For example ``known_value(InverterStatus, data.status)``.
    """
    if value is None:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        return None


# --- Models ----------------------------------------------------------------


def _jsonable(value: object) -> Any:
    """Return ``value`` as plain JSON types (datetimes as ISO 8601)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, GridxModel):
        return value.as_dict()
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN and infinities are not JSON
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class GridxModel:
    """Base of every gridX model: provides ``as_dict``."""

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-serialisable snake_case dict.

        Datetimes become ISO 8601 strings, nested models dicts, tuples
        lists; fields that are None are left out.
        """
        return {
            f.name: _jsonable(value)
            for f in fields(self)
            if (value := getattr(self, f.name)) is not None
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class EventData(GridxModel):
    """Base of every typed ``data`` object.

    It has no fields on purpose: use ``GridxEvent.gateway_id`` (and friends)
    to read resource ids without knowing the concrete class.
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownEventData(EventData):
    """The ``data`` of an event ``type`` this integration does not know."""

    raw: Mapping[str, Any] = field(hash=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the raw data as received, as plain JSON types."""
        result: dict[str, Any] = _jsonable(self.raw)
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class UnvalidatedEventData(EventData):
    """The ``data`` of a known event ``type`` that failed validation.

    gridX has changed its schemas several times; such an event is still an
    event. ``error`` says what did not validate (``data.issuedAt: is
    required``). Consumers apply only what the type and the resource ids
    imply; the ids are read by ``GridxEvent.gateway_id`` and friends.
    """

    raw: Mapping[str, Any] = field(hash=False)
    error: str

    @property
    def error_field(self) -> str:
        """Return the dotted path of the field that failed (``data.issuedAt``)."""
        return self.error.split(": ", 1)[0]

    def as_dict(self) -> dict[str, Any]:
        """Return the raw data as received, as plain JSON types."""
        result: dict[str, Any] = _jsonable(self.raw)
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplianceEventData(EventData):
    """``appliance/create|delete|online|offline|update``."""

    appliance_id: str
    gateway_id: str
    model: str | None = None
    manufacturer: str | None = None
    appliance_type: str | None = None  # JSON `type`, see ApplianceType
    kind: str | None = None  # see ApplianceKind
    name: str | None = None
    serial_number: str | None = None
    firmware: str | None = None
    parent: str | None = None
    gateway_type: str | None = None
    # Required in the legacy spec and until 2026-05-08, optional now.
    system_id: str | None = None
    system_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InverterEventData(ApplianceEventData):
    """``inverter/status``: an inverter changed from ``last_status`` to ``status``."""

    status: str  # see InverterStatus
    last_status: str
    err_code: str | None = None
    last_err_code: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyEVPluggedEventData(ApplianceEventData):
    """Legacy ``ev/plugged``: a charging-station appliance event.

    Notification Rule era shape: appliance fields plus ``evseID`` and a
    lower-case ``state: "plugged"`` (see LegacyEVState).
    """

    state: str
    evse_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayEventData(EventData):
    """``gateway/create|online|offline``."""

    gateway_id: str
    system_id: str
    gateway_name: str | None = None
    gateway_serial_number: str | None = None  # JSON `gatewaySerialnumber`
    gateway_device_id: str | None = None
    system_name: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    user_mail: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EVEventData(EventData):
    """The fields every vehicle-asset EV event has (except infeasible goals)."""

    issued_at: datetime
    at_home: bool
    asset_type: str  # JSON `type`, see AssetType
    system_id: str
    asset_id: str
    gateway_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EVPluggedEventData(EVEventData):
    """``ev/plugged`` (current, vehicle-asset shape)."""

    state: str  # "PLUGGED", see EVState


@dataclass(frozen=True, slots=True, kw_only=True)
class EVUnpluggedEventData(EVEventData):
    """``ev/unplugged``."""

    state: str  # "UNPLUGGED", see EVState


@dataclass(frozen=True, slots=True, kw_only=True)
class EVChargingEventData(EVEventData):
    """Common base of ``ev/charge-started`` and ``ev/charge-stopped``."""

    # mW; negative means discharging (V2G/V2H). None: sent, but invalid.
    charge_power: int | None
    state: str  # see EVState
    state_of_charge: float | None = None  # percent, 0.0-100.0
    range: int | None = None  # metres


@dataclass(frozen=True, slots=True, kw_only=True)
class EVChargeStartedEventData(EVChargingEventData):
    """``ev/charge-started``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EVChargeStoppedEventData(EVChargingEventData):
    """``ev/charge-stopped``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EVChargeFailureReason(GridxModel):
    """Why a charging command failed."""

    type: str  # see EVChargeFailureType
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EVChargeFailedEventData(EVEventData):
    """``ev/charge-failed``: the EV did not accept a start or stop command."""

    created_at: datetime
    completed_at: datetime
    kind: str  # see EVChargeCommandKind
    failure_reason: EVChargeFailureReason


@dataclass(frozen=True, slots=True, kw_only=True)
class EVMeasurementEventData(EVEventData):
    """``ev/measurement``."""

    charge_power: int | None  # mW; negative means discharging; None: invalid
    charge_state: str  # see EVChargeState; "" when not plugged in
    plug_state: str  # see EVPlugState
    is_controllable: bool
    state_of_charge: float | None = None  # percent
    range: int | None = None  # metres
    charge_limit: float | None = None  # percent
    capacity: int | None = None  # Wh


@dataclass(frozen=True, slots=True, kw_only=True)
class EVInfeasibleChargingGoalsEventData(EventData):
    """``ev/infeasible-charging-goals``: it has no gatewayID and no issuedAt.

    The required numbers are None when sent but invalid (``invalid_fields``).
    """

    system_id: str
    asset_id: str
    min_requested_soc: float | None  # percent
    current_soc: float | None  # percent
    departure_at: datetime
    energy_needed_wh: float | None
    deliverable_energy_wh: float | None
    charging_power_w: float | None  # W (not mW)
    max_state_of_charge: float | None = None  # percent
    at_home: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerLimitEventData(EventData):
    """``grid-signal-processor/limitation-of-power-consumption/set|unset``.

    The §14a EnWG grid signal. No field is required.
    """

    # Milliwatt per the spec (it said watts from 2026-05-08 to 2026-05-11).
    # Absent when a limit was lifted.
    new_lpc: float | None = None
    received_at: datetime | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemActionResolution(GridxModel):
    """How a ``system/action`` can be resolved."""

    description: str  # Markdown
    title: str
    access: str  # see SystemActionAccess
    agent: str  # see SystemActionAgent
    action: str | None = None  # see SystemActionResolutionAction


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemActionEventData(EventData):
    """``system/action``: a user action is needed for an asset."""

    action_id: str  # JSON `id`
    capabilities: tuple[str, ...]  # see SystemActionCapability
    asset_type: str  # JSON `type`, see AssetType
    manufacturer: str
    domain: str  # see SystemActionDomain
    introduced_at: datetime
    resolution: SystemActionResolution
    gateway_id: str
    asset_id: str
    system_id: str
    status: str  # see SystemActionStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class PingEventData(EventData):
    """``ping``: a test event."""

    message: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommissioningDoneEventData(EventData):
    """Legacy ``commissioning/done``. Every field is optional."""

    customer_id: str | None = None
    customer_email: str | None = None
    customer_address: str | None = None
    system_name: str | None = None
    gateway_serial_number: str | None = None  # JSON `gatewaySerialnumber`


def _str_attr(data: EventData, name: str, raw_key: str) -> str | None:
    """Return the string attribute ``name`` of ``data``, if it has one.

    For data that failed validation, the id ``raw_key`` of the raw data, if
    it is a non-empty string within MAX_ID_LENGTH.
    """
    value: object
    if isinstance(data, UnvalidatedEventData):
        value = data.raw.get(raw_key)
        if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_LENGTH:
            return None
    else:
        value = getattr(data, name, None)
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True, kw_only=True)
class GridxEvent:
    """A gridX webhook event: the envelope and its typed ``data``."""

    id: str
    time: datetime  # always timezone-aware
    spec_version: str
    source: str
    type: str  # the raw type string, even if unknown
    data: EventData
    # None when absent, which "is guaranteed to be application/json".
    data_content_type: str | None = None
    correlation_id: str | None = None
    # The `data` object as received, deep read-only (objects are
    # MappingProxyType, arrays tuples). Not hashed.
    raw_data: Mapping[str, Any] = field(hash=False)
    # The JSON names of data fields that were sent but dropped because no
    # sensor can hold their number (they read as None). Consumers treat None
    # as "unknown": they leave the state as it is.
    invalid_fields: tuple[str, ...] = ()

    @property
    def event_type(self) -> EventType | None:
        """Return the known event type, or None for an unknown ``type``."""
        return known_value(EventType, self.type)

    @property
    def gateway_id(self) -> str | None:
        """Return the gateway id of the data, if it has one."""
        return _str_attr(self.data, "gateway_id", "gatewayID")

    @property
    def appliance_id(self) -> str | None:
        """Return the appliance id of the data, if it has one."""
        return _str_attr(self.data, "appliance_id", "applianceID")

    @property
    def asset_id(self) -> str | None:
        """Return the (EV) asset id of the data, if it has one."""
        return _str_attr(self.data, "asset_id", "assetID")

    @property
    def system_id(self) -> str | None:
        """Return the system id of the data, if it has one."""
        return _str_attr(self.data, "system_id", "systemID")

    def as_dict(self) -> dict[str, Any]:
        """Return the event as a JSON-serialisable dict.

        The envelope keys are always present (``correlation_id`` and
        ``data_content_type`` may be None); ``data`` is ``data.as_dict()``.
        """
        return {
            "id": self.id,
            "time": self.time.isoformat(),
            "spec_version": self.spec_version,
            "source": self.source,
            "type": self.type,
            "data_content_type": self.data_content_type,
            "correlation_id": self.correlation_id,
            "data": self.data.as_dict(),
        }


# --- Parsing ---------------------------------------------------------------

# RFC 3339 date-time. The separator may be `T`, `t` or a space (RFC 3339
# §5.6 note); any number of fractional digits; `Z`, `z` or `±HH:MM`.
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))?",
    re.ASCII,
)


def _as_str(path: str, value: object) -> str:
    if not isinstance(value, str):
        raise GridxParseError(path, f"must be a string, got {_json_type(value)}")
    return value


def _as_id(path: str, value: object) -> str:
    text = _as_str(path, value)
    if not text:
        raise GridxParseError(path, "must not be empty")
    if len(text) > MAX_ID_LENGTH:
        raise GridxParseError(path, f"is longer than {MAX_ID_LENGTH} characters")
    return text


def _as_name(path: str, value: object) -> str:
    """Return a name or other device text, cut to MAX_NAME_LENGTH characters."""
    return _as_str(path, value)[:MAX_NAME_LENGTH]


def _as_bool(path: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise GridxParseError(path, f"must be a boolean, got {_json_type(value)}")
    return value


class _OutOfRangeError(GridxParseError):
    """A number no sensor can hold: the field is dropped, not the event."""


def _check_range(path: str, value: float) -> None:
    # An int is compared as an int: math.isfinite(10**400) overflows.
    if not isinstance(value, int) and not math.isfinite(value):
        raise _OutOfRangeError(path, "must be a finite number")
    if abs(value) > MAX_SAFE_NUMBER:
        raise _OutOfRangeError(path, f"must be within +-{MAX_SAFE_NUMBER}")


def _as_float(path: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GridxParseError(path, f"must be a number, got {_json_type(value)}")
    _check_range(path, value)  # before float(): 10**400 overflows it
    return float(value)


def _as_int(path: str, value: object) -> int:
    # An integral float (1500.0) is accepted: some JSON encoders write them.
    if isinstance(value, int) and not isinstance(value, bool):
        _check_range(path, value)
        return value
    number = _as_float(path, value)
    if not number.is_integer():
        raise GridxParseError(path, "must be an integer")
    return int(number)


def _as_time(path: str, value: object) -> datetime:
    text = _as_str(path, value)
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise GridxParseError(path, f"is not an RFC 3339 date-time: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zulu, sign, off_hours, off_minutes = match.groups()[6:]
    # More than 6 fractional digits are truncated to microseconds.
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    if zulu or sign is None:
        # No offset is not RFC 3339; gridX documents UTC, so read it as UTC.
        tzinfo: timezone = UTC
    else:
        if int(off_hours) > 23 or int(off_minutes) > 59:
            raise GridxParseError(path, f"has an invalid UTC offset: {text!r}")
        offset = timedelta(hours=int(off_hours), minutes=int(off_minutes))
        tzinfo = timezone(-offset if sign == "-" else offset)
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tzinfo)
    except ValueError as err:
        raise GridxParseError(path, f"is not a valid date-time: {err}") from err


def _json_type(value: object) -> str:
    """Name the JSON type of a decoded value, for error messages."""
    match value:
        case None:
            return "null"
        case bool():
            return "boolean"
        case int() | float():
            return "number"
        case str():
            return "string"
        case Mapping():
            return "object"
        case tuple() | list():
            return "array"
    return type(value).__name__


class _Reader:
    """Read typed fields from a JSON object, naming fields by dotted path.

    ``invalid`` collects the fields `number` dropped (JSON names below
    ``data``).
    """

    __slots__ = ("_obj", "_path", "invalid")

    def __init__(self, obj: Mapping[str, Any], path: str) -> None:
        self._obj = obj
        self._path = path
        self.invalid: list[str] = []

    def path(self, key: str) -> str:
        """Return the dotted path of ``key``."""
        return f"{self._path}.{key}" if self._path else key

    def req[T](self, key: str, convert: Callable[[str, object], T]) -> T:
        """Return the required field ``key``, converted."""
        value = self._obj.get(key)
        if value is None:
            problem = "must not be null" if key in self._obj else "is required"
            raise GridxParseError(self.path(key), problem)
        return convert(self.path(key), value)

    def opt[T](self, key: str, convert: Callable[[str, object], T]) -> T | None:
        """Return the optional field ``key``, converted; None if absent or null."""
        value = self._obj.get(key)
        if value is None:
            return None
        return convert(self.path(key), value)

    def number[T](
        self, key: str, convert: Callable[[str, object], T], *, required: bool
    ) -> T | None:
        """Return a number field; None (and listed invalid) when out of range."""
        try:
            if required:
                return self.req(key, convert)
            return self.opt(key, convert)
        except _OutOfRangeError:
            self.invalid.append(self.path(key).removeprefix("data."))
            return None

    def has(self, key: str) -> bool:
        """Return True when ``key`` is present (even if null)."""
        return key in self._obj


def _as_object(path: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise GridxParseError(path, f"must be an object, got {_json_type(value)}")
    return value


def _as_reader(path: str, value: object) -> _Reader:
    return _Reader(_as_object(path, value), path)


def _as_str_tuple(path: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, tuple | list):
        raise GridxParseError(path, f"must be an array, got {_json_type(value)}")
    return tuple(_as_str(f"{path}[{index}]", item) for index, item in enumerate(value))


def _appliance_fields(r: _Reader) -> dict[str, Any]:
    return {
        "appliance_id": r.req("applianceID", _as_id),
        "gateway_id": r.req("gatewayID", _as_id),
        "model": r.opt("model", _as_name),
        "manufacturer": r.opt("manufacturer", _as_name),
        "appliance_type": r.opt("type", _as_str),
        "kind": r.opt("kind", _as_str),
        "name": r.opt("name", _as_name),
        "serial_number": r.opt("serialNumber", _as_name),
        "firmware": r.opt("firmware", _as_name),
        "parent": r.opt("parent", _as_str),
        "gateway_type": r.opt("gatewayType", _as_str),
        "system_id": r.opt("systemID", _as_id),
        "system_name": r.opt("systemName", _as_name),
    }


def _ev_fields(r: _Reader) -> dict[str, Any]:
    return {
        "issued_at": r.req("issuedAt", _as_time),
        "at_home": r.req("atHome", _as_bool),
        "asset_type": r.req("type", _as_str),
        "system_id": r.req("systemID", _as_id),
        "asset_id": r.req("assetID", _as_id),
        "gateway_id": r.req("gatewayID", _as_id),
    }


def _ev_charging_fields(r: _Reader) -> dict[str, Any]:
    return {
        **_ev_fields(r),
        "charge_power": r.number("chargePower", _as_int, required=True),
        "state": r.req("state", _as_str),
        "state_of_charge": r.number("stateOfCharge", _as_float, required=False),
        "range": r.number("range", _as_int, required=False),
    }


def _parse_appliance(r: _Reader) -> EventData:
    return ApplianceEventData(**_appliance_fields(r))


def _parse_inverter(r: _Reader) -> EventData:
    return InverterEventData(
        **_appliance_fields(r),
        status=r.req("status", _as_str),
        last_status=r.req("lastStatus", _as_str),
        err_code=r.opt("errCode", _as_str),
        last_err_code=r.opt("lastErrCode", _as_str),
    )


def _parse_gateway(r: _Reader) -> EventData:
    return GatewayEventData(
        gateway_id=r.req("gatewayID", _as_id),
        system_id=r.req("systemID", _as_id),
        gateway_name=r.opt("gatewayName", _as_name),
        gateway_serial_number=r.opt("gatewaySerialnumber", _as_name),
        gateway_device_id=r.opt("gatewayDeviceID", _as_str),
        system_name=r.opt("systemName", _as_name),
        user_id=r.opt("userID", _as_str),
        user_name=r.opt("userName", _as_str),
        user_mail=r.opt("userMail", _as_str),
    )


def _parse_ev_plugged(r: _Reader) -> EventData:
    # The legacy (Notification Rule era) ev/plugged was a charging-station
    # appliance event: applianceID + evseID, no assetID.
    if not r.has("assetID") and (r.has("applianceID") or r.has("evseID")):
        return LegacyEVPluggedEventData(
            **_appliance_fields(r),
            state=r.req("state", _as_str),
            evse_id=r.opt("evseID", _as_str),
        )
    return EVPluggedEventData(**_ev_fields(r), state=r.req("state", _as_str))


def _parse_ev_unplugged(r: _Reader) -> EventData:
    return EVUnpluggedEventData(**_ev_fields(r), state=r.req("state", _as_str))


def _parse_ev_charge_started(r: _Reader) -> EventData:
    return EVChargeStartedEventData(**_ev_charging_fields(r))


def _parse_ev_charge_stopped(r: _Reader) -> EventData:
    return EVChargeStoppedEventData(**_ev_charging_fields(r))


def _parse_ev_charge_failed(r: _Reader) -> EventData:
    base = _ev_fields(r)
    created_at = r.req("createdAt", _as_time)
    completed_at = r.req("completedAt", _as_time)
    kind = r.req("kind", _as_str)
    reason = r.req("failureReason", _as_reader)
    return EVChargeFailedEventData(
        **base,
        created_at=created_at,
        completed_at=completed_at,
        kind=kind,
        failure_reason=EVChargeFailureReason(
            type=reason.req("type", _as_str), detail=reason.req("detail", _as_str)
        ),
    )


def _parse_ev_measurement(r: _Reader) -> EventData:
    return EVMeasurementEventData(
        **_ev_fields(r),
        charge_power=r.number("chargePower", _as_int, required=True),
        charge_state=r.req("chargeState", _as_str),
        plug_state=r.req("plugState", _as_str),
        is_controllable=r.req("isControllable", _as_bool),
        state_of_charge=r.number("stateOfCharge", _as_float, required=False),
        range=r.number("range", _as_int, required=False),
        charge_limit=r.number("chargeLimit", _as_float, required=False),
        capacity=r.number("capacity", _as_int, required=False),
    )


def _parse_ev_infeasible(r: _Reader) -> EventData:
    return EVInfeasibleChargingGoalsEventData(
        system_id=r.req("systemID", _as_id),
        asset_id=r.req("assetID", _as_id),
        min_requested_soc=r.number("minRequestedSoC", _as_float, required=True),
        current_soc=r.number("currentSoC", _as_float, required=True),
        departure_at=r.req("departureAt", _as_time),
        energy_needed_wh=r.number("energyNeededWh", _as_float, required=True),
        deliverable_energy_wh=r.number("deliverableEnergyWh", _as_float, required=True),
        charging_power_w=r.number("chargingPowerW", _as_float, required=True),
        max_state_of_charge=r.number("maxStateOfCharge", _as_float, required=False),
        at_home=r.opt("atHome", _as_bool),
    )


def _parse_power_limit(r: _Reader) -> EventData:
    return PowerLimitEventData(
        new_lpc=r.number("newLPC", _as_float, required=False),
        received_at=r.opt("receivedAt", _as_time),
        valid_until=r.opt("validUntil", _as_time),
    )


def _parse_system_action(r: _Reader) -> EventData:
    action_id = r.req("id", _as_id)
    capabilities = r.req("capabilities", _as_str_tuple)
    asset_type = r.req("type", _as_str)
    manufacturer = r.req("manufacturer", _as_str)
    domain = r.req("domain", _as_str)
    introduced_at = r.req("introducedAt", _as_time)
    res = r.req("resolution", _as_reader)
    resolution = SystemActionResolution(
        description=res.req("description", _as_str),
        title=res.req("title", _as_str),
        access=res.req("access", _as_str),
        agent=res.req("agent", _as_str),
        action=res.opt("action", _as_str),
    )
    return SystemActionEventData(
        action_id=action_id,
        capabilities=capabilities,
        asset_type=asset_type,
        manufacturer=manufacturer,
        domain=domain,
        introduced_at=introduced_at,
        resolution=resolution,
        gateway_id=r.req("gatewayID", _as_id),
        asset_id=r.req("assetID", _as_id),
        system_id=r.req("systemID", _as_id),
        status=r.req("status", _as_str),
    )


def _parse_ping(r: _Reader) -> EventData:
    return PingEventData(message=r.opt("message", _as_str))


def _parse_commissioning_done(r: _Reader) -> EventData:
    return CommissioningDoneEventData(
        customer_id=r.opt("customerID", _as_str),
        customer_email=r.opt("customerEmail", _as_str),
        customer_address=r.opt("customerAddress", _as_str),
        system_name=r.opt("systemName", _as_str),
        gateway_serial_number=r.opt("gatewaySerialnumber", _as_str),
    )


_PARSERS: Final[Mapping[str, Callable[[_Reader], EventData]]] = {
    EventType.APPLIANCE_CREATE: _parse_appliance,
    EventType.APPLIANCE_DELETE: _parse_appliance,
    EventType.APPLIANCE_ONLINE: _parse_appliance,
    EventType.APPLIANCE_OFFLINE: _parse_appliance,
    EventType.APPLIANCE_UPDATE: _parse_appliance,
    EventType.INVERTER_STATUS: _parse_inverter,
    EventType.GATEWAY_CREATE: _parse_gateway,
    EventType.GATEWAY_ONLINE: _parse_gateway,
    EventType.GATEWAY_OFFLINE: _parse_gateway,
    EventType.EV_PLUGGED: _parse_ev_plugged,
    EventType.EV_UNPLUGGED: _parse_ev_unplugged,
    EventType.EV_CHARGE_STARTED: _parse_ev_charge_started,
    EventType.EV_CHARGE_STOPPED: _parse_ev_charge_stopped,
    EventType.EV_CHARGE_FAILED: _parse_ev_charge_failed,
    EventType.EV_MEASUREMENT: _parse_ev_measurement,
    EventType.EV_INFEASIBLE_CHARGING_GOALS: _parse_ev_infeasible,
    EventType.POWER_LIMIT_SET: _parse_power_limit,
    EventType.POWER_LIMIT_UNSET: _parse_power_limit,
    EventType.SYSTEM_ACTION: _parse_system_action,
    EventType.PING: _parse_ping,
    EventType.COMMISSIONING_DONE: _parse_commissioning_done,
}


def _freeze(value: object) -> Any:
    """Return a deep read-only copy: objects as MappingProxyType, arrays as tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value


class _DuplicateKeyError(ValueError):
    """A JSON object has the same key twice."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of duplicate keys; gridX never sends them,
    # and a body whose readers could disagree is not an event.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def _parse_int(text: str) -> int | float:
    # More than 16 digits is beyond MAX_SAFE_NUMBER anyway: read it as a
    # float (inf when huge), which costs no big-integer arithmetic and
    # avoids the int() digit limit.
    return int(text) if len(text.lstrip("-")) <= 16 else float(text)


def parse_event(body: bytes | str, *, strict: bool = False) -> GridxEvent:
    """Decode a webhook body and parse it into a GridxEvent.

    Raises GridxParseError("body", ...) when the body is not JSON, not a
    JSON object or has a duplicate key, and GridxParseError naming the field
    for envelope errors (and, with ``strict``, data errors).
    """
    try:
        obj: object = json.loads(
            body,
            object_pairs_hook=_unique_keys,
            parse_int=_parse_int,
            parse_constant=float,  # NaN, Infinity: an invalid field, see above
        )
    except _DuplicateKeyError as err:
        raise GridxParseError("body", f"has a duplicate key {err.args[0]!r}") from err
    except (ValueError, RecursionError) as err:
        # ValueError covers JSONDecodeError and invalid UTF-8.
        raise GridxParseError("body", f"is not valid JSON: {err}") from err
    if not isinstance(obj, dict):
        raise GridxParseError("body", f"must be a JSON object, got {_json_type(obj)}")
    return parse_event_dict(obj, strict=strict)


def _check_resource_ids(data: Mapping[str, Any]) -> None:
    """Reject resource ids over MAX_ID_LENGTH, even in data that drifted."""
    for key in RESOURCE_ID_KEYS:
        value = data.get(key)
        if isinstance(value, str) and len(value) > MAX_ID_LENGTH:
            raise GridxParseError(
                f"data.{key}", f"is longer than {MAX_ID_LENGTH} characters"
            )


def parse_event_dict(obj: Mapping[str, Any], *, strict: bool = False) -> GridxEvent:
    """Parse an already decoded event (a JSON object) into a GridxEvent.

    A known type whose data does not validate gives UnvalidatedEventData,
    or raises with ``strict``.
    """
    envelope = _Reader(obj, "")
    event_id = envelope.req("id", _as_id)
    time = envelope.req("time", _as_time)
    spec_version = envelope.req("specVersion", _as_str)
    source = envelope.req("source", _as_str)
    event_type = envelope.req("type", _as_id)
    data_content_type = envelope.opt("dataContentType", _as_str)
    # `correlationId` is current; `correlationID` was used before 2026-05-08,
    # in the legacy spec and in the Go example client. Accept both, prefer
    # the current spelling when both are sent.
    correlation_id = envelope.opt("correlationId", _as_str)
    if correlation_id is None:
        correlation_id = envelope.opt("correlationID", _as_str)
    data = envelope.req("data", _as_object)
    try:
        raw_data: Mapping[str, Any] = _freeze(data)
    except RecursionError as err:
        raise GridxParseError("data", "is nested too deeply") from err
    _check_resource_ids(raw_data)
    parser = _PARSERS.get(event_type)
    reader = _Reader(raw_data, "data")
    typed: EventData
    if parser is None:
        typed = UnknownEventData(raw=raw_data)
    else:
        try:
            typed = parser(reader)
        except GridxParseError as err:
            if strict:
                raise
            typed = UnvalidatedEventData(raw=raw_data, error=str(err))
            reader.invalid.clear()
    return GridxEvent(
        id=event_id,
        time=time,
        spec_version=spec_version,
        source=source,
        type=event_type,
        data=typed,
        data_content_type=data_content_type,
        correlation_id=correlation_id,
        raw_data=raw_data,
        invalid_fields=tuple(reader.invalid),
    )


__all__ = [
    "DEFAULT_DATA_CONTENT_TYPE",
    "KNOWN_SPEC_VERSIONS",
    "MAX_ID_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_SAFE_NUMBER",
    "RESOURCE_ID_KEYS",
    "ApplianceEventData",
    "ApplianceKind",
    "ApplianceType",
    "AssetType",
    "CommissioningDoneEventData",
    "EVChargeCommandKind",
    "EVChargeFailedEventData",
    "EVChargeFailureReason",
    "EVChargeFailureType",
    "EVChargeStartedEventData",
    "EVChargeState",
    "EVChargeStoppedEventData",
    "EVChargingEventData",
    "EVEventData",
    "EVInfeasibleChargingGoalsEventData",
    "EVMeasurementEventData",
    "EVPlugState",
    "EVPluggedEventData",
    "EVState",
    "EVUnpluggedEventData",
    "EventData",
    "GatewayEventData",
    "GridxEvent",
    "GridxModel",
    "InverterEventData",
    "InverterStatus",
    "LegacyEVPluggedEventData",
    "LegacyEVState",
    "PingEventData",
    "PowerLimitEventData",
    "SystemActionAccess",
    "SystemActionAgent",
    "SystemActionCapability",
    "SystemActionDomain",
    "SystemActionEventData",
    "SystemActionResolution",
    "SystemActionResolutionAction",
    "SystemActionStatus",
    "UnknownEventData",
    "UnvalidatedEventData",
    "known_value",
    "parse_event",
    "parse_event_dict",
]
