"""The ``gridx_event`` bus event, for YAML automations and Developer tools."""

from typing import Any

from homeassistant.core import HomeAssistant, callback

from ..api.models import GridxEvent
from ..const import EVENT_GRIDX


def event_payload(entry_id: str, event: GridxEvent) -> dict[str, Any]:
    """Return the bus event data for one gridX event.

    It carries the envelope, the resource IDs at the top level (so a trigger
    can filter on them) and the parsed data. Secrets never reach it: they are
    not part of a gridX event.
    """
    envelope = event.as_dict()
    payload: dict[str, Any] = {
        "config_entry_id": entry_id,
        "type": event.type,
        "id": event.id,
        "time": envelope["time"],
        "source": event.source,
        "gateway_id": event.gateway_id,
        "appliance_id": event.appliance_id,
        "asset_id": event.asset_id,
        "system_id": event.system_id,
        "data": envelope["data"],
    }
    if event.correlation_id is not None:
        payload["correlation_id"] = event.correlation_id
    return payload


@callback
def async_fire_gridx_event(
    hass: HomeAssistant, entry_id: str, event: GridxEvent, **extra: Any
) -> None:
    """Fire ``gridx_event`` for one accepted delivery."""
    hass.bus.async_fire(EVENT_GRIDX, {**event_payload(entry_id, event), **extra})
