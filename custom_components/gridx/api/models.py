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

This module is the public import surface; the code lives by job in:

* ``envelope``: ``GridxEvent``, ``parse_event`` and ``parse_event_dict``;
* ``data``: the bases ``GridxModel`` and ``EventData``, and the data of
  unknown and unvalidated events;
* ``data_appliance``, ``data_ev``, ``data_system``: the typed data of each
  area and its parser;
* ``fields``: the field reader and converters;
* ``limits``: the caps on signed input and the ``json.loads`` hooks;
* ``enums``: the known enum values.
"""

from .data import EventData, GridxModel, UnknownEventData, UnvalidatedEventData
from .data_appliance import ApplianceEventData, GatewayEventData, InverterEventData
from .data_ev import (
    EVChargeFailedEventData,
    EVChargeFailureReason,
    EVChargeStartedEventData,
    EVChargeStoppedEventData,
    EVChargingEventData,
    EVEventData,
    EVInfeasibleChargingGoalsEventData,
    EVMeasurementEventData,
    EVPluggedEventData,
    EVUnpluggedEventData,
    LegacyEVPluggedEventData,
)
from .data_system import (
    CommissioningDoneEventData,
    PingEventData,
    PowerLimitEventData,
    SystemActionEventData,
    SystemActionResolution,
)
from .enums import (
    ApplianceKind,
    ApplianceType,
    AssetType,
    EVChargeCommandKind,
    EVChargeFailureType,
    EVChargeState,
    EVPlugState,
    EVState,
    InverterStatus,
    LegacyEVState,
    SystemActionAccess,
    SystemActionAgent,
    SystemActionCapability,
    SystemActionDomain,
    SystemActionResolutionAction,
    SystemActionStatus,
    known_value,
)
from .envelope import (
    DEFAULT_DATA_CONTENT_TYPE,
    KNOWN_SPEC_VERSIONS,
    GridxEvent,
    parse_event,
    parse_event_dict,
)
from .limits import MAX_ID_LENGTH, MAX_NAME_LENGTH, MAX_SAFE_NUMBER, RESOURCE_ID_KEYS

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
