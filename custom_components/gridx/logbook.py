"""Logbook descriptions of the ``gridx_event`` bus event.

Every accepted, non-duplicate gridX event is fired on the bus as
``gridx_event`` (see ``bus.py``). The logbook shows it as one readable line,
named after the Home Assistant device the event belongs to when there is one
("Garage EV plugged in", "Keller went offline"), else after the kind of
resource ("gridX EV plugged in"). The bus event's ``device_id`` also lets the
logbook list the line on that device's page.
"""

from collections.abc import Callable, Mapping
from typing import Any, Final

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ICON,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .api.event_types import EventType
from .api.models import known_value
from .const import DOMAIN, EVENT_GRIDX

# The name used when the event has no device (or the device is gone).
NAME_GRIDX: Final = "gridX"
NAME_EV: Final = "gridX EV"
NAME_GATEWAY: Final = "gridX gateway"
NAME_APPLIANCE: Final = "gridX appliance"
NAME_INVERTER: Final = "gridX inverter"
NAME_CHARGING_STATION: Final = "gridX charging station"

# (fallback name, message) per event type. The logbook shows "<name> <message>".
DESCRIPTIONS: Final[Mapping[EventType, tuple[str, str]]] = {
    EventType.APPLIANCE_CREATE: (NAME_APPLIANCE, "was added"),
    EventType.APPLIANCE_DELETE: (NAME_APPLIANCE, "was removed"),
    EventType.APPLIANCE_ONLINE: (NAME_APPLIANCE, "went online"),
    EventType.APPLIANCE_OFFLINE: (NAME_APPLIANCE, "went offline"),
    EventType.APPLIANCE_UPDATE: (NAME_APPLIANCE, "was updated"),
    EventType.INVERTER_STATUS: (NAME_INVERTER, "changed status"),
    EventType.GATEWAY_CREATE: (NAME_GATEWAY, "was added"),
    EventType.GATEWAY_ONLINE: (NAME_GATEWAY, "went online"),
    EventType.GATEWAY_OFFLINE: (NAME_GATEWAY, "went offline"),
    EventType.EV_PLUGGED: (NAME_EV, "plugged in"),
    EventType.EV_UNPLUGGED: (NAME_EV, "unplugged"),
    EventType.EV_CHARGE_STARTED: (NAME_EV, "started charging"),
    EventType.EV_CHARGE_STOPPED: (NAME_EV, "stopped charging"),
    EventType.EV_CHARGE_FAILED: (NAME_EV, "charging command failed"),
    EventType.EV_MEASUREMENT: (NAME_EV, "sent a measurement"),
    EventType.EV_INFEASIBLE_CHARGING_GOALS: (
        NAME_EV,
        "cannot reach its charging goal in time",
    ),
    EventType.POWER_LIMIT_SET: (NAME_GRIDX, "received a §14a power limit"),
    EventType.POWER_LIMIT_UNSET: (NAME_GRIDX, "had its §14a power limit lifted"),
    EventType.SYSTEM_ACTION: (NAME_GRIDX, "needs a user action"),
    EventType.PING: (NAME_GRIDX, "received a webhook test event"),
    EventType.COMMISSIONING_DONE: (NAME_GRIDX, "finished commissioning"),
}


# The logbook icon by the event type's family (its prefix).
ICONS: Final[Mapping[str, str]] = {
    "ev": "mdi:car-electric",
    "gateway": "mdi:router-network",
    "appliance": "mdi:solar-power-variant",
    "inverter": "mdi:solar-power-variant",
    "grid-signal-processor": "mdi:transmission-tower",
}
DEFAULT_ICON: Final = "mdi:lightning-bolt-circle"


def logbook_icon(raw_type: object) -> str:
    """Return the logbook icon for a gridX event type."""
    family = raw_type.split("/", 1)[0] if isinstance(raw_type, str) else ""
    return ICONS.get(family, DEFAULT_ICON)


def describe_gridx_event(
    hass: HomeAssistant, data: Mapping[str, Any]
) -> tuple[str, str]:
    """Return the logbook (name, message) of one ``gridx_event``'s data."""
    raw_type = data.get("type")
    event_type = known_value(EventType, raw_type if isinstance(raw_type, str) else None)
    if event_type is None:
        name, message = NAME_GRIDX, f"sent event {raw_type}"
    else:
        name, message = DESCRIPTIONS[event_type]
        message = _detail(event_type, data, message)
    if (device_name := _device_name(hass, data.get(ATTR_DEVICE_ID))) is not None:
        name = device_name
    return name, message


def _detail(event_type: EventType, data: Mapping[str, Any], message: str) -> str:
    """Add the one detail worth a logbook line to ``message``."""
    payload = data.get("data")
    if not isinstance(payload, Mapping):
        return message
    if event_type is EventType.INVERTER_STATUS and (status := payload.get("status")):
        message = f"changed status to {status}"
        if code := payload.get("err_code"):
            message = f"{message} (error code {code})"
    elif event_type is EventType.EV_CHARGE_FAILED and (kind := payload.get("kind")):
        message = f"could not {'stop' if kind == 'STOP' else 'start'} charging"
    elif event_type is EventType.EV_PLUGGED and (evse := payload.get("evse_id")):
        # The legacy charging-station event names the charge point.
        message = f"{message} at charge point {evse}"
    elif event_type is EventType.SYSTEM_ACTION and (
        isinstance(resolution := payload.get("resolution"), Mapping)
        and (title := resolution.get("title"))
    ):
        message = f"{message}: {title}"
    return message


def _device_name(hass: HomeAssistant, device_id: object) -> str | None:
    """Return the user-facing name of a device, if it still exists."""
    if not isinstance(device_id, str):
        return None
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        return None
    return device.name_by_user or device.name


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe the ``gridx_event`` bus event for the logbook."""

    @callback
    def async_describe_gridx_event(event: Event) -> dict[str, str]:
        name, message = describe_gridx_event(hass, event.data)
        return {
            LOGBOOK_ENTRY_NAME: name,
            LOGBOOK_ENTRY_MESSAGE: message,
            LOGBOOK_ENTRY_ICON: logbook_icon(event.data.get("type")),
        }

    async_describe_event(DOMAIN, EVENT_GRIDX, async_describe_gridx_event)
