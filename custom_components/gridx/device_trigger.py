"""Device triggers of gridX devices: what no sensor of the device shows.

Home Assistant lists its own ``binary_sensor`` device triggers for every
binary sensor of a device ("Electric vehicle 3f9a plugged in", "Gateway
Connection connected"): they cannot be hidden, so a change a binary sensor
shows is core's trigger, and this module lists only what is left:

- EV: arrived home and left home, ``away`` → ``home`` and back of its
  Location sensor (an enum sensor, for which core offers no trigger): never
  from unknown or unavailable, so a reload or a restart does not fire them;
- push events, as event triggers on the ``gridx_event`` bus event, filtered
  by the ``device_id`` the pipeline puts in it and the gridX event ``type``
  (each event id fires at most once): the §14a power limit set and lifted
  (gateway), an EV's failed charging command, an inverter's status change
  and problem (``status`` WARNING or ERROR). A poll-only entry gets no
  events, so it does not offer them.

The state triggers of earlier versions (EV plugged in, unplugged, started
and stopped charging, gateway and appliance online and offline) are no
longer listed but still attach, so automations made with them keep working:
a ``state`` trigger ``off`` → ``on`` (or back) of the binary sensor.

A state trigger is offered once its sensor exists (a sensor exists once its
value is known).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from homeassistant.components.binary_sensor import DOMAIN as BINARY_SENSOR_DOMAIN
from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.device_automation.exceptions import (
    InvalidDeviceAutomationConfig,
)
from homeassistant.components.homeassistant.triggers import (
    event as event_trigger,
    state as state_trigger,
)
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_DEVICE_ID,
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_ENTITY_ID,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .api.event_types import EventType
from .api.models import ApplianceType, InverterStatus
from .compat import get_device_and_config_entry
from .const import DOMAIN, EVENT_GRIDX, ResourceKind
from .coordinator import GridxConfigEntry
from .registration.mode import is_poll_only
from .state.identity import entity_unique_id
from .state.location import LOCATION_AWAY, LOCATION_HOME, LOCATION_KEY
from .state.resource_model import GridxResource

TRIGGER_EV_PLUGGED: Final = "ev_plugged"
TRIGGER_EV_UNPLUGGED: Final = "ev_unplugged"
TRIGGER_EV_CHARGING_STARTED: Final = "ev_charging_started"
TRIGGER_EV_CHARGING_STOPPED: Final = "ev_charging_stopped"
TRIGGER_EV_CHARGING_FAILED: Final = "ev_charging_failed"
TRIGGER_EV_ARRIVED_HOME: Final = "ev_arrived_home"
TRIGGER_EV_LEFT_HOME: Final = "ev_left_home"
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

    A state trigger names its ``sensors`` (description keys in ``domain``:
    a device has at most one of them) and the change, ``from_state`` →
    ``to_state``. An event trigger names the
    ``event_type`` (push only). ``statuses``: when set, only
    ``inverter/status`` events whose new ``status`` is one of these fire.
    """

    sensors: tuple[str, ...] = ()
    domain: str = BINARY_SENSOR_DOMAIN
    from_state: str = STATE_OFF
    to_state: str = STATE_ON
    event_type: EventType | None = None
    statuses: tuple[str, ...] = ()


def _state(to_on: bool, *sensors: str) -> GridxTriggerDescription:
    """Return an unlisted trigger on a binary sensor, kept for old automations."""
    states = (STATE_OFF, STATE_ON) if to_on else (STATE_ON, STATE_OFF)
    return GridxTriggerDescription(
        sensors=sensors, from_state=states[0], to_state=states[1]
    )


def _location(from_state: str, to_state: str) -> GridxTriggerDescription:
    return GridxTriggerDescription(
        sensors=(LOCATION_KEY,),
        domain=SENSOR_DOMAIN,
        from_state=from_state,
        to_state=to_state,
    )


def _event(event_type: EventType, *statuses: str) -> GridxTriggerDescription:
    return GridxTriggerDescription(event_type=event_type, statuses=statuses)


TRIGGERS: Final[Mapping[str, GridxTriggerDescription]] = {
    TRIGGER_EV_PLUGGED: _state(True, "ev_plugged"),
    TRIGGER_EV_UNPLUGGED: _state(False, "ev_plugged"),
    TRIGGER_EV_CHARGING_STARTED: _state(True, "ev_charging", "station_charging"),
    TRIGGER_EV_CHARGING_STOPPED: _state(False, "ev_charging", "station_charging"),
    TRIGGER_EV_CHARGING_FAILED: _event(EventType.EV_CHARGE_FAILED),
    TRIGGER_EV_ARRIVED_HOME: _location(LOCATION_AWAY, LOCATION_HOME),
    TRIGGER_EV_LEFT_HOME: _location(LOCATION_HOME, LOCATION_AWAY),
    TRIGGER_GATEWAY_ONLINE: _state(True, "gateway_connection"),
    TRIGGER_GATEWAY_OFFLINE: _state(False, "gateway_connection"),
    TRIGGER_APPLIANCE_ONLINE: _state(True, "appliance_connection"),
    TRIGGER_APPLIANCE_OFFLINE: _state(False, "appliance_connection"),
    TRIGGER_INVERTER_STATUS_CHANGED: _event(EventType.INVERTER_STATUS),
    TRIGGER_INVERTER_PROBLEM: _event(
        EventType.INVERTER_STATUS, InverterStatus.WARNING, InverterStatus.ERROR
    ),
    TRIGGER_POWER_LIMIT_SET: _event(EventType.POWER_LIMIT_SET),
    TRIGGER_POWER_LIMIT_UNSET: _event(EventType.POWER_LIMIT_UNSET),
}

# The listed triggers of each kind of device, in display order: not those
# on a binary sensor (core lists its own for it); they only stay attachable.
GATEWAY_TRIGGERS: Final = (TRIGGER_POWER_LIMIT_SET, TRIGGER_POWER_LIMIT_UNSET)
EV_TRIGGERS: Final = (
    TRIGGER_EV_ARRIVED_HOME,
    TRIGGER_EV_LEFT_HOME,
    TRIGGER_EV_CHARGING_FAILED,
)
INVERTER_TRIGGERS: Final = (
    TRIGGER_INVERTER_STATUS_CHANGED,
    TRIGGER_INVERTER_PROBLEM,
)

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {vol.Required(CONF_TYPE): vol.In(list(TRIGGERS))}
)


def _candidates(resource: GridxResource) -> tuple[str, ...]:
    """Return the trigger types a resource's kind may offer, in display order."""
    if resource.kind is ResourceKind.GATEWAY:
        return GATEWAY_TRIGGERS
    if resource.kind is ResourceKind.EV:
        return () if resource.legacy_station else EV_TRIGGERS
    if resource.appliance_type == ApplianceType.INVERTER:
        return INVERTER_TRIGGERS
    return ()


@callback
def async_device_trigger_types(hass: HomeAssistant, device_id: str) -> list[str]:
    """Return the trigger types that fit a device, in display order.

    Empty for a device that is not a gridX device, whose entry is not loaded,
    or whose resource the entry's store does not know. A state trigger needs
    its sensor; an event trigger needs push (not poll-only).
    """
    device, entry = get_device_and_config_entry(hass, device_id, DOMAIN)
    if device is None or entry is None or entry.state is not ConfigEntryState.LOADED:
        return []
    gridx_entry: GridxConfigEntry = entry
    store = gridx_entry.runtime_data.store
    poll_only = is_poll_only(entry)
    ent_reg = er.async_get(hass)
    types: list[str] = []
    for resource in store.device_resources(device):
        for trigger_type in _candidates(resource):
            description = TRIGGERS[trigger_type]
            if not description.sensors:
                if not poll_only:
                    types.append(trigger_type)
                continue
            if any(
                ent_reg.async_get_entity_id(
                    description.domain,
                    DOMAIN,
                    entity_unique_id(store.account, resource.kind, resource.id, key),
                )
                for key in description.sensors
            ):
                types.append(trigger_type)
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


@callback
def _sensor_entity_ids(
    hass: HomeAssistant, device_id: str, description: GridxTriggerDescription
) -> list[str]:
    """Return the device's gridX entities of the trigger's domain and sensors.

    Read from the entity registry, which knows them before the entry is set
    up (automations may attach first). A unique id ends with its key.
    """
    return [
        entity.entity_id
        for entity in er.async_entries_for_device(er.async_get(hass), device_id)
        if entity.domain == description.domain
        and entity.platform == DOMAIN
        and entity.unique_id.endswith(tuple(f"_{key}" for key in description.sensors))
    ]


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Attach a trigger: a state trigger on the sensor, or an event trigger."""
    description = TRIGGERS[config[CONF_TYPE]]
    if description.sensors:
        return await _async_attach_state(
            hass, config, description, action, trigger_info
        )
    return await _async_attach_event(hass, config, description, action, trigger_info)


async def _async_attach_state(
    hass: HomeAssistant,
    config: ConfigType,
    description: GridxTriggerDescription,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Attach a ``state`` trigger: ``from_state`` → ``to_state`` of the sensor."""
    entity_ids = _sensor_entity_ids(hass, config[CONF_DEVICE_ID], description)
    if not entity_ids:
        raise InvalidDeviceAutomationConfig(
            translation_domain=DOMAIN,
            translation_key="trigger_sensor_missing",
            translation_placeholders={"type": config[CONF_TYPE]},
        )
    state_config = await state_trigger.async_validate_trigger_config(
        hass,
        {
            CONF_PLATFORM: "state",
            CONF_ENTITY_ID: entity_ids,
            state_trigger.CONF_FROM: description.from_state,
            state_trigger.CONF_TO: description.to_state,
        },
    )
    return await state_trigger.async_attach_trigger(
        hass, state_config, action, trigger_info, platform_type="device"
    )


async def _async_attach_event(
    hass: HomeAssistant,
    config: ConfigType,
    description: GridxTriggerDescription,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Attach an event trigger on ``gridx_event`` for the device.

    The ``event`` trigger matches event data by equality only, so the
    "problem" trigger attaches one event trigger per matching status and
    returns a function that detaches them all (an inverter/status event has
    one status, so at most one of them fires per event).
    """
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
