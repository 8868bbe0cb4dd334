"""Event entities of gridX: the momentary events of EVs and gateways.

One event entity per EV and one per gateway. Each accepted, non-duplicate,
non-replayed gridX event (stale ones included, a late event is still an
event) is handed by the pipeline to the event entities of its EV and of its
gateway only (`dispatch.GridxDispatcher.events`, keyed by resource id), and
an entity fires it if its type is one of the entity's:

- EV entity (keyed by ``assetID``): ``ev/plugged``, ``ev/unplugged``,
  ``ev/charge-started``, ``ev/charge-stopped``, ``ev/charge-failed`` and
  ``ev/infeasible-charging-goals`` of its asset.
  The legacy ``ev/plugged`` (a charging-station appliance event, no
  ``assetID``) goes to the EV entity the store keeps for that station, keyed
  by its ``applianceID``; it only ever fires ``plugged``.
- Gateway entity (keyed by ``gatewayID``): ``gateway/online|offline``,
  ``appliance/create|delete|update`` and ``system/action`` carrying its
  ``gatewayID``, and the §14a grid signal
  (``grid-signal-processor/limitation-of-power-consumption/set|unset``).
  The grid signal carries no gateway id: it goes to the gateway of the
  system in the event's ``source``, else the entry's only gateway, the same
  device the ``gridx_event`` bus event and the device triggers name. With
  several gateways and none matching the system it fires nothing.

Entities exist for every EV and gateway the store knows at setup, and are
added for new ones as the store announces them. The event that announces a
new resource is handed over before Home Assistant has added the new entity:
the entity listens from its creation on, keeps such early events and fires
them once it is added, so the first ``ev/plugged`` of a never-seen EV still
fires ``plugged``.

The attributes carry the gridX event id and time and the useful data
fields; never the gateway user's name, mail or id.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Final, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.event_types import EventType
from .api.models import (
    ApplianceEventData,
    EVChargeFailedEventData,
    EVChargingEventData,
    EVEventData,
    EVInfeasibleChargingGoalsEventData,
    GridxEvent,
    LegacyEVPluggedEventData,
    PowerLimitEventData,
    SystemActionEventData,
)
from .const import ResourceKind
from .entity import GridxEntity
from .runtime import GridxConfigEntry

PARALLEL_UPDATES = 0

# Events kept for an entity that is not subscribed yet (see the docstring).
MAX_EARLY_EVENTS: Final = 10

ATTR_EVENT_ID: Final = "event_id"
ATTR_EVENT_TIME: Final = "event_time"

# gridX event type -> event entity event type, per kind of entity.
EV_EVENT_TYPES: Final[Mapping[EventType, str]] = {
    EventType.EV_PLUGGED: "plugged",
    EventType.EV_UNPLUGGED: "unplugged",
    EventType.EV_CHARGE_STARTED: "charge_started",
    EventType.EV_CHARGE_STOPPED: "charge_stopped",
    EventType.EV_CHARGE_FAILED: "charge_failed",
    EventType.EV_INFEASIBLE_CHARGING_GOALS: "infeasible_charging_goals",
}
GATEWAY_EVENT_TYPES: Final[Mapping[EventType, str]] = {
    EventType.GATEWAY_ONLINE: "online",
    EventType.GATEWAY_OFFLINE: "offline",
    EventType.APPLIANCE_CREATE: "appliance_created",
    EventType.APPLIANCE_DELETE: "appliance_deleted",
    EventType.APPLIANCE_UPDATE: "appliance_updated",
    EventType.POWER_LIMIT_SET: "power_limit_set",
    EventType.POWER_LIMIT_UNSET: "power_limit_unset",
    EventType.SYSTEM_ACTION: "system_action",
}


@dataclass(frozen=True, kw_only=True)
class GridxEventEntityDescription(EventEntityDescription):
    """An event entity of one kind of resource.

    ``event_map``: gridX event type -> entity event type.
    """

    kind: ResourceKind
    event_map: Mapping[EventType, str]


EVENT_DESCRIPTIONS: Final[tuple[GridxEventEntityDescription, ...]] = (
    GridxEventEntityDescription(
        key="event",
        translation_key="ev_event",
        kind=ResourceKind.EV,
        event_types=list(EV_EVENT_TYPES.values()),
        event_map=EV_EVENT_TYPES,
    ),
    GridxEventEntityDescription(
        key="event",
        translation_key="gateway_event",
        kind=ResourceKind.GATEWAY,
        event_types=list(GATEWAY_EVENT_TYPES.values()),
        event_map=GATEWAY_EVENT_TYPES,
    ),
)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def event_attributes(event: GridxEvent) -> dict[str, Any]:
    """Return the entity attributes of one gridX event (None values left out)."""
    data = event.data
    attributes: dict[str, Any] = {
        ATTR_EVENT_ID: event.id,
        ATTR_EVENT_TIME: event.time.isoformat(),
    }
    if isinstance(data, EVEventData):
        attributes |= {"at_home": data.at_home, "issued_at": _iso(data.issued_at)}
    if isinstance(data, EVChargingEventData):
        attributes |= {
            # W, from mW; None (left out) when sent but invalid.
            "charge_power": None
            if data.charge_power is None
            else data.charge_power / 1000,
            "state_of_charge": data.state_of_charge,
            "range": data.range,
        }
    elif isinstance(data, EVChargeFailedEventData):
        attributes |= {
            "command": data.kind,
            "failure_reason": data.failure_reason.type,
            "failure_detail": data.failure_reason.detail,
            "created_at": _iso(data.created_at),
            "completed_at": _iso(data.completed_at),
        }
    elif isinstance(data, EVInfeasibleChargingGoalsEventData):
        attributes |= {
            "at_home": data.at_home,
            "current_soc": data.current_soc,
            "min_requested_soc": data.min_requested_soc,
            "max_state_of_charge": data.max_state_of_charge,
            "departure_at": _iso(data.departure_at),
            "energy_needed": data.energy_needed_wh,  # Wh
            "deliverable_energy": data.deliverable_energy_wh,  # Wh
            "charging_power": data.charging_power_w,  # W
        }
    elif isinstance(data, LegacyEVPluggedEventData):
        attributes |= {"appliance_id": data.appliance_id, "evse_id": data.evse_id}
    elif isinstance(data, ApplianceEventData):
        attributes |= {
            "appliance_id": data.appliance_id,
            "appliance_name": data.name,
            "appliance_type": data.appliance_type,
            "appliance_kind": data.kind,
            "manufacturer": data.manufacturer,
            "model": data.model,
            "serial_number": data.serial_number,
            "firmware": data.firmware,
        }
    elif isinstance(data, PowerLimitEventData):
        attributes |= {
            # W, from mW; absent when a limit is lifted.
            "power_limit": None if data.new_lpc is None else data.new_lpc / 1000,
            "received_at": _iso(data.received_at),
            "valid_until": _iso(data.valid_until),
        }
    elif isinstance(data, SystemActionEventData):
        attributes |= {
            "action_id": data.action_id,
            "status": data.status,
            "title": data.resolution.title,
            "description": data.resolution.description,
            "access": data.resolution.access,
            "agent": data.resolution.agent,
            "action": data.resolution.action,
            "manufacturer": data.manufacturer,
            "domain": data.domain,
            "capabilities": list(data.capabilities),
            "asset_id": data.asset_id,
            "introduced_at": _iso(data.introduced_at),
        }
    return {key: value for key, value in attributes.items() if value is not None}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an event entity per known EV and gateway, and per new one."""
    store = entry.runtime_data.store
    events = store.dispatcher.events
    added: set[tuple[ResourceKind, str]] = set()

    @callback
    def _add(description: GridxEventEntityDescription, resource_id: str) -> None:
        key = (description.kind, resource_id)
        if key in added:
            return
        added.add(key)
        entity = GridxEventEntity(entry, description, resource_id)
        # Listening from now on: the event that announced the resource is
        # handed over before Home Assistant adds the entity.
        entity.async_on_remove(events.async_listen(key, entity.async_receive_event))
        entity.async_on_remove(lambda: added.discard(key))
        async_add_entities([entity])

    @callback
    def _removed(kind: ResourceKind, resource_id: str) -> None:
        added.discard((kind, resource_id))

    for description in EVENT_DESCRIPTIONS:
        for resource_id in store.known(description.kind):
            _add(description, resource_id)
        entry.async_on_unload(
            store.async_listen_new(description.kind, partial(_add, description))
        )
        entry.async_on_unload(
            store.dispatcher.removed.async_listen(
                description.kind, partial(_removed, description.kind)
            )
        )


class GridxEventEntity(GridxEntity, EventEntity):
    """The events of one EV or gateway."""

    entity_description: GridxEventEntityDescription

    def __init__(
        self,
        entry: GridxConfigEntry,
        description: GridxEventEntityDescription,
        resource_id: str,
    ) -> None:
        """Show the events of ``resource_id``."""
        super().__init__(entry, description.kind, resource_id)
        self.entity_description = description
        self._attr_unique_id = self._unique_id(description.key)
        # Events that came before the entity was added; None once added.
        self._early_events: list[tuple[str, GridxEvent]] | None = []

    @override
    async def async_added_to_hass(self) -> None:
        """Fire the events that came before the entity was added."""
        await super().async_added_to_hass()
        early, self._early_events = self._early_events or [], None
        for event_type, event in early:
            self._async_fire(event_type, event)

    @callback
    def async_receive_event(self, event: GridxEvent) -> None:
        """Fire ``event`` if its type is one of this entity's (keep it if early)."""
        known = event.event_type
        if known is None or (
            (event_type := self.entity_description.event_map.get(known)) is None
        ):
            return
        if self._early_events is not None:
            self._early_events.append((event_type, event))
            del self._early_events[:-MAX_EARLY_EVENTS]
            return
        self._async_fire(event_type, event)

    @callback
    def _async_fire(self, event_type: str, event: GridxEvent) -> None:
        self._trigger_event(event_type, event_attributes(event))
        self.async_write_ha_state()
