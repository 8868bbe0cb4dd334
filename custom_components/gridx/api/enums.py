"""The known values of the enum-valued strings in gridX events.

Every enum-valued field stores the raw string. These classes name the
values documented today; gridX may send others (see ``known_value``).
"""

from enum import StrEnum


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
