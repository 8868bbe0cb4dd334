"""The event envelope ``GridxEvent`` and the entry points that parse it.

``parse_event`` decodes a webhook body, ``parse_event_dict`` parses a
decoded one; both choose the typed ``data`` by the event ``type``.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
import json
from typing import Any, Final

from .data import EventData, UnknownEventData, UnvalidatedEventData
from .data_appliance import parse_appliance, parse_gateway, parse_inverter
from .data_ev import (
    parse_ev_charge_failed,
    parse_ev_charge_started,
    parse_ev_charge_stopped,
    parse_ev_infeasible,
    parse_ev_measurement,
    parse_ev_plugged,
    parse_ev_unplugged,
)
from .data_system import (
    parse_commissioning_done,
    parse_ping,
    parse_power_limit,
    parse_system_action,
)
from .enums import known_value
from .errors import GridxParseError
from .event_types import EventType
from .fields import Reader, as_id, as_object, as_str, as_time, json_type
from .limits import (
    MAX_ID_LENGTH,
    DuplicateKeyError,
    check_resource_ids,
    freeze,
    parse_int,
    unique_keys,
)
from .text import BAD_TEXT_REASON, find_bad_text, has_bad_text, json_may_hold_bad_text

DEFAULT_DATA_CONTENT_TYPE: Final = "application/json"
# The current spec says specVersion is "1.0"; gridX's Go example client sends
# "1.0.1". Both (and any other string) are accepted and stored as sent.
KNOWN_SPEC_VERSIONS: Final = ("1.0", "1.0.1")
# An event's ``source`` names its system: ``/systems/<id>``.
SYSTEMS_PREFIX: Final = "/systems/"


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
    def source_system_id(self) -> str | None:
        """The system id in ``source`` (``/systems/<id>``), if it names one."""
        if self.source.startswith(SYSTEMS_PREFIX):
            return self.source.removeprefix(SYSTEMS_PREFIX).split("/", 1)[0] or None
        return None

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


_PARSERS: Final[Mapping[str, Callable[[Reader], EventData]]] = {
    EventType.APPLIANCE_CREATE: parse_appliance,
    EventType.APPLIANCE_DELETE: parse_appliance,
    EventType.APPLIANCE_ONLINE: parse_appliance,
    EventType.APPLIANCE_OFFLINE: parse_appliance,
    EventType.APPLIANCE_UPDATE: parse_appliance,
    EventType.INVERTER_STATUS: parse_inverter,
    EventType.GATEWAY_CREATE: parse_gateway,
    EventType.GATEWAY_ONLINE: parse_gateway,
    EventType.GATEWAY_OFFLINE: parse_gateway,
    EventType.EV_PLUGGED: parse_ev_plugged,
    EventType.EV_UNPLUGGED: parse_ev_unplugged,
    EventType.EV_CHARGE_STARTED: parse_ev_charge_started,
    EventType.EV_CHARGE_STOPPED: parse_ev_charge_stopped,
    EventType.EV_CHARGE_FAILED: parse_ev_charge_failed,
    EventType.EV_MEASUREMENT: parse_ev_measurement,
    EventType.EV_INFEASIBLE_CHARGING_GOALS: parse_ev_infeasible,
    EventType.POWER_LIMIT_SET: parse_power_limit,
    EventType.POWER_LIMIT_UNSET: parse_power_limit,
    EventType.SYSTEM_ACTION: parse_system_action,
    EventType.PING: parse_ping,
    EventType.COMMISSIONING_DONE: parse_commissioning_done,
}


def parse_event(body: bytes | str, *, strict: bool = False) -> GridxEvent:
    """Decode a webhook body and parse it into a GridxEvent.

    Raises GridxParseError("body", ...) when the body is not JSON, not a
    JSON object or has a duplicate key, GridxParseError naming the field for
    a key or string holding an unpaired UTF-16 surrogate or NUL (`text`),
    and for envelope errors (and, with ``strict``, data errors).
    """
    try:
        obj: object = json.loads(
            body,
            object_pairs_hook=unique_keys,
            parse_int=parse_int,
            parse_constant=float,  # NaN, Infinity: an invalid field (models docstring)
        )
    except DuplicateKeyError as err:
        raise GridxParseError("body", f"has a duplicate key {err.args[0]!r}") from err
    except (ValueError, RecursionError) as err:
        # ValueError covers JSONDecodeError and invalid UTF-8.
        raise GridxParseError("body", f"is not valid JSON: {err}") from err
    if not isinstance(obj, dict):
        raise GridxParseError("body", f"must be a JSON object, got {json_type(obj)}")
    if json_may_hold_bad_text(body):
        _reject_bad_text(obj)
    return _parse_object(obj, strict)


def parse_event_dict(obj: Mapping[str, Any], *, strict: bool = False) -> GridxEvent:
    """Parse an already decoded event (a JSON object) into a GridxEvent.

    A known type whose data does not validate gives UnvalidatedEventData,
    or raises with ``strict``. A key or string holding an unpaired UTF-16
    surrogate or NUL raises, wherever it is (see `text`).
    """
    _reject_bad_text(obj)
    return _parse_object(obj, strict)


def _reject_bad_text(obj: Mapping[str, Any]) -> None:
    # Keys included, and in data that would not validate or whose event
    # type is unknown: such text would be stored, name a device and be fired.
    if has_bad_text(obj):
        raise GridxParseError(find_bad_text(obj) or "body", BAD_TEXT_REASON)


def _parse_object(obj: Mapping[str, Any], strict: bool) -> GridxEvent:
    envelope = Reader(obj, "")
    event_id = envelope.req("id", as_id)
    time = envelope.req("time", as_time)
    spec_version = envelope.req("specVersion", as_str)
    source = envelope.req("source", as_str)
    event_type = envelope.req("type", as_id)
    data_content_type = envelope.opt("dataContentType", as_str)
    # `correlationId` is current; `correlationID` was used before 2026-05-08,
    # in the legacy spec and in the Go example client. Accept both, prefer
    # the current spelling when both are sent.
    correlation_id = envelope.opt("correlationId", as_str)
    if correlation_id is None:
        correlation_id = envelope.opt("correlationID", as_str)
    data = envelope.req("data", as_object)
    try:
        raw_data: Mapping[str, Any] = freeze(data)
    except RecursionError as err:
        raise GridxParseError("data", "is nested too deeply") from err
    check_resource_ids(raw_data)
    parser = _PARSERS.get(event_type)
    reader = Reader(raw_data, "data")
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
