"""The gridX event types (gridx-facts §1.3)."""

from enum import StrEnum


class EventType(StrEnum):
    """Every event ``type`` this integration understands."""

    APPLIANCE_CREATE = "appliance/create"
    APPLIANCE_DELETE = "appliance/delete"
    APPLIANCE_ONLINE = "appliance/online"
    APPLIANCE_OFFLINE = "appliance/offline"
    APPLIANCE_UPDATE = "appliance/update"
    INVERTER_STATUS = "inverter/status"
    GATEWAY_CREATE = "gateway/create"
    GATEWAY_ONLINE = "gateway/online"
    GATEWAY_OFFLINE = "gateway/offline"
    EV_PLUGGED = "ev/plugged"
    EV_UNPLUGGED = "ev/unplugged"
    EV_CHARGE_STARTED = "ev/charge-started"
    EV_CHARGE_STOPPED = "ev/charge-stopped"
    EV_CHARGE_FAILED = "ev/charge-failed"
    EV_MEASUREMENT = "ev/measurement"
    EV_INFEASIBLE_CHARGING_GOALS = "ev/infeasible-charging-goals"
    POWER_LIMIT_SET = "grid-signal-processor/limitation-of-power-consumption/set"
    POWER_LIMIT_UNSET = "grid-signal-processor/limitation-of-power-consumption/unset"
    SYSTEM_ACTION = "system/action"
    PING = "ping"
    # Legacy (Notification Rule era): no longer in the current spec, still parsed.
    COMMISSIONING_DONE = "commissioning/done"


# The types a subscription or rule can carry. `ping` cannot be subscribed to,
# and `commissioning/done` is gone from the current API.
SUBSCRIBABLE_EVENT_TYPES: tuple[EventType, ...] = tuple(
    t for t in EventType if t not in (EventType.PING, EventType.COMMISSIONING_DONE)
)
