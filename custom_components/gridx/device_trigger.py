"""Device triggers of gridX devices: "EV plugged in" as one click in the editor.

Every trigger is an ``event`` trigger on the ``gridx_event`` bus event,
filtered by the ``device_id`` the pipeline puts in it (the most specific
device of the event, see ``GridxStore.event_device_id``) and by the gridX
event ``type``. Duplicate deliveries are dropped before ``gridx_event`` is
fired, so each gridX event id fires a trigger at most once.

Which triggers a device offers follows from what the entry's store knows of
the resource behind the device's identifier:

- gateway: online, offline, and the §14a power limit set and unset (the
  grid signal carries no gateway id; the pipeline names the gateway of the
  event's system, or the only gateway);
- EV (vehicle asset): plugged in, unplugged, charging started, stopped and
  failed;
- legacy charging station (an EV resource keyed by its ``applianceID``):
  plugged in, the only event the legacy shape has;
- appliance: online, offline; an appliance of type ``INVERTER`` also offers
  status changed and problem (``status`` WARNING or ERROR).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_DEVICE_ID,
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .api.event_types import EventType
from .api.models import ApplianceType, InverterStatus
from .compat import get_device_and_config_entry
from .const import DOMAIN, EVENT_GRIDX, ResourceKind
from .runtime import GridxConfigEntry

TRIGGER_EV_PLUGGED: Final = "ev_plugged"
TRIGGER_EV_UNPLUGGED: Final = "ev_unplugged"
TRIGGER_EV_CHARGING_STARTED: Final = "ev_charging_started"
TRIGGER_EV_CHARGING_STOPPED: Final = "ev_charging_stopped"
TRIGGER_EV_CHARGING_FAILED: Final = "ev_charging_failed"
TRIGGER_GATEWAY_ONLINE: Final = "gateway_online"
TRIGGER_GATEWAY_OFFLINE: Final = "gateway_offline"
TRIGGER_APPLIANCE_ONLINE: Final = "appliance_online"
TRIGGER_APPLIANCE_OFFLINE: Final = "appliance_offline"
TRIGGER_INVERTER_STATUS_CHANGED: Final = "inverter_status_changed"
TRIGGER_INVERTER_PROBLEM: Final = "inverter_problem"
TRIGGER_POWER_LIMIT_SET: Final = "power_limit_set"
TRIGGER_POWER_LIMIT_UNSET: Final = "power_limit_unset"


@dataclass(frozen=True, slots=True)
class GridxTriggerDescription:
    """What one device trigger listens for.

    ``statuses``: when set, only ``inverter/status`` events whose new
    ``status`` is one of these fire the trigger.
    """

    event_type: EventType
    statuses: tuple[str, ...] = ()


TRIGGERS: Final[Mapping[str, GridxTriggerDescription]] = {
    TRIGGER_EV_PLUGGED: GridxTriggerDescription(EventType.EV_PLUGGED),
    TRIGGER_EV_UNPLUGGED: GridxTriggerDescription(EventType.EV_UNPLUGGED),
    TRIGGER_EV_CHARGING_STARTED: GridxTriggerDescription(EventType.EV_CHARGE_STARTED),
    TRIGGER_EV_CHARGING_STOPPED: GridxTriggerDescription(EventType.EV_CHARGE_STOPPED),
    TRIGGER_EV_CHARGING_FAILED: GridxTriggerDescription(EventType.EV_CHARGE_FAILED),
    TRIGGER_GATEWAY_ONLINE: GridxTriggerDescription(EventType.GATEWAY_ONLINE),
    TRIGGER_GATEWAY_OFFLINE: GridxTriggerDescription(EventType.GATEWAY_OFFLINE),
    TRIGGER_APPLIANCE_ONLINE: GridxTriggerDescription(EventType.APPLIANCE_ONLINE),
    TRIGGER_APPLIANCE_OFFLINE: GridxTriggerDescription(EventType.APPLIANCE_OFFLINE),
    TRIGGER_INVERTER_STATUS_CHANGED: GridxTriggerDescription(EventType.INVERTER_STATUS),
    TRIGGER_INVERTER_PROBLEM: GridxTriggerDescription(
        EventType.INVERTER_STATUS,
        statuses=(InverterStatus.WARNING, InverterStatus.ERROR),
    ),
    TRIGGER_POWER_LIMIT_SET: GridxTriggerDescription(EventType.POWER_LIMIT_SET),
    TRIGGER_POWER_LIMIT_UNSET: GridxTriggerDescription(EventType.POWER_LIMIT_UNSET),
}

GATEWAY_TRIGGERS: Final = (
    TRIGGER_GATEWAY_ONLINE,
    TRIGGER_GATEWAY_OFFLINE,
    TRIGGER_POWER_LIMIT_SET,
    TRIGGER_POWER_LIMIT_UNSET,
)
EV_TRIGGERS: Final = (
    TRIGGER_EV_PLUGGED,
    TRIGGER_EV_UNPLUGGED,
    TRIGGER_EV_CHARGING_STARTED,
    TRIGGER_EV_CHARGING_STOPPED,
    TRIGGER_EV_CHARGING_FAILED,
)
LEGACY_STATION_TRIGGERS: Final = (TRIGGER_EV_PLUGGED,)
APPLIANCE_TRIGGERS: Final = (TRIGGER_APPLIANCE_ONLINE, TRIGGER_APPLIANCE_OFFLINE)
INVERTER_TRIGGERS: Final = (
    TRIGGER_INVERTER_STATUS_CHANGED,
    TRIGGER_INVERTER_PROBLEM,
)

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {vol.Required(CONF_TYPE): vol.In(list(TRIGGERS))}
)


@callback
def async_device_trigger_types(hass: HomeAssistant, device_id: str) -> list[str]:
    """Return the trigger types that fit a device, in display order.

    Empty for a device that is not a gridX device, whose entry is not loaded,
    or whose resource the entry's store does not know.
    """
    device, entry = get_device_and_config_entry(hass, device_id, DOMAIN)
    if device is None or entry is None or entry.state is not ConfigEntryState.LOADED:
        return []
    gridx_entry: GridxConfigEntry = entry
    store = gridx_entry.runtime_data.store
    types: list[str] = []
    for resource in store.device_resources(device):
        if resource.kind is ResourceKind.GATEWAY:
            types.extend(GATEWAY_TRIGGERS)
        elif resource.kind is ResourceKind.EV:
            types.extend(
                LEGACY_STATION_TRIGGERS if resource.legacy_station else EV_TRIGGERS
            )
        else:
            types.extend(APPLIANCE_TRIGGERS)
            if resource.appliance_type == ApplianceType.INVERTER:
                types.extend(INVERTER_TRIGGERS)
    return list(dict.fromkeys(types))


async def async_get_triggers(
    hass: HomeAssistant, device_id: str
) -> list[dict[str, str]]:
    """List the device triggers of a gridX device."""
    return [
        {
            CONF_PLATFORM: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_TYPE: trigger_type,
        }
        for trigger_type in async_device_trigger_types(hass, device_id)
    ]


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Attach a trigger: an event trigger on ``gridx_event`` for the device.

    The ``event`` trigger matches event data by equality only, so the
    "problem" trigger attaches one event trigger per matching status and
    returns a function that detaches them all (an inverter/status event has
    one status, so at most one of them fires per event).
    """
    description = TRIGGERS[config[CONF_TYPE]]
    event_data: dict[str, Any] = {
        ATTR_DEVICE_ID: config[CONF_DEVICE_ID],
        CONF_TYPE: str(description.event_type),
    }
    variants = (
        [{**event_data, "data": {"status": str(s)}} for s in description.statuses]
        if description.statuses
        else [event_data]
    )
    removes: list[CALLBACK_TYPE] = []
    for data in variants:
        event_config = event_trigger.TRIGGER_SCHEMA(
            {
                CONF_PLATFORM: "event",
                event_trigger.CONF_EVENT_TYPE: EVENT_GRIDX,
                CONF_EVENT_DATA: data,
            }
        )
        removes.append(
            await event_trigger.async_attach_trigger(
                hass, event_config, action, trigger_info, platform_type="device"
            )
        )
    if len(removes) == 1:
        return removes[0]
    return partial(_remove_all, removes)


@callback
def _remove_all(removes: list[CALLBACK_TYPE]) -> None:
    """Detach every partial trigger."""
    for remove in removes:
        remove()
