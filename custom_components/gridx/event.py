"""Event entities of gridX: the momentary events of EVs and gateways.

One event entity per EV and one per gateway. Each accepted, non-duplicate
gridX event (``signal_event``; stale ones included, a late event is still an
event) is routed to at most one of them:

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
  The grid signal carries no gateway id: it goes to the gateway the store
  names for it (``GridxStore.event_device_id``: the gateway of the system
  in the event's ``source``, else the entry's only gateway), the same device
  the ``gridx_event`` bus event and the device triggers name. With several
  gateways and none matching the system it fires nothing.

Entities exist for every EV and gateway the store knows at setup, and are
added for new ones as the store announces them. The event that announces a
new resource is dispatched before the new entity is subscribed; such early
events are kept by the entity and fired once it is added, so the first
``ev/plugged`` of a never-seen EV still fires ``plugged``.

The attributes carry the gridX event id and time and the useful data
fields; never the gateway user's name, mail or id.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Final, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
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
from .const import ResourceKind, signal_event
from .entity import GridxEntity
from .runtime import GridxConfigEntry
from .store import GridxStore

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
_GRID_SIGNAL_TYPES: Final = (EventType.POWER_LIMIT_SET, EventType.POWER_LIMIT_UNSET)


def _ev_resource_id(event: GridxEvent, store: GridxStore) -> str | None:
    """Return the EV resource an EV event belongs to."""
    if isinstance(event.data, LegacyEVPluggedEventData):
        return event.appliance_id
    return event.asset_id


def _gateway_resource_id(event: GridxEvent, store: GridxStore) -> str | None:
    """Return the gateway resource a gateway-entity event belongs to."""
    if event.event_type not in _GRID_SIGNAL_TYPES:
        return event.gateway_id
    device_id = store.event_device_id(event)
    if device_id is None:
        return None
    return next(
        (
            gateway.id
            for gateway in store.resources(ResourceKind.GATEWAY)
            if gateway.device_id == device_id
        ),
        None,
    )


@dataclass(frozen=True, kw_only=True)
class GridxEventEntityDescription(EventEntityDescription):
    """An event entity of one kind of resource.

    ``event_map``: gridX event type -> entity event type. ``resource_fn``:
    the id of the resource an event of ``event_map`` belongs to.
    """

    kind: ResourceKind
    event_map: Mapping[EventType, str]
    resource_fn: Callable[[GridxEvent, GridxStore], str | None]


EVENT_DESCRIPTIONS: Final[tuple[GridxEventEntityDescription, ...]] = (
    GridxEventEntityDescription(
        key="event",
        translation_key="ev_event",
        kind=ResourceKind.EV,
        event_types=list(EV_EVENT_TYPES.values()),
        event_map=EV_EVENT_TYPES,
        resource_fn=_ev_resource_id,
    ),
    GridxEventEntityDescription(
        key="event",
        translation_key="gateway_event",
        kind=ResourceKind.GATEWAY,
        event_types=list(GATEWAY_EVENT_TYPES.values()),
        event_map=GATEWAY_EVENT_TYPES,
        resource_fn=_gateway_resource_id,
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
    added: set[tuple[ResourceKind, str]] = set()
    # Entities handed to Home Assistant but not subscribed yet.
    pending: list[GridxEventEntity] = []

    @callback
    def _add(description: GridxEventEntityDescription, resource_id: str) -> None:
        key = (description.kind, resource_id)
        if key in added:
            return
        added.add(key)
        entity = GridxEventEntity(entry, description, resource_id)
        entity.async_on_remove(lambda: added.discard(key))
        pending.append(entity)
        async_add_entities([entity])

    @callback
    def _keep_early(event: GridxEvent) -> None:
        pending[:] = [entity for entity in pending if not entity.subscribed]
        for entity in pending:
            entity.async_keep_early_event(event)

    # Connected before any entity is added, so it runs before theirs.
    entry.async_on_unload(
        async_dispatcher_connect(hass, signal_event(entry.entry_id), _keep_early)
    )
    for description in EVENT_DESCRIPTIONS:
        for resource_id in store.known(description.kind):
            _add(description, resource_id)
        entry.async_on_unload(
            store.async_listen_new(description.kind, partial(_add, description))
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
        # None once subscribed to signal_event.
        self._early_events: list[GridxEvent] | None = []

    @property
    def subscribed(self) -> bool:
        """Return True once the entity receives events itself."""
        return self._early_events is None

    @callback
    def async_keep_early_event(self, event: GridxEvent) -> None:
        """Keep an event of this entity that arrived before it was subscribed."""
        if self._early_events is not None and self._event_type(event) is not None:
            self._early_events.append(event)
            del self._early_events[:-MAX_EARLY_EVENTS]

    @override
    async def async_added_to_hass(self) -> None:
        """Subscribe to the entry's events, then fire the ones that came early."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_event(self._entry.entry_id), self._async_handle_event
            )
        )
        early, self._early_events = self._early_events or [], None
        for event in early:
            self._async_handle_event(event)

    def _event_type(self, event: GridxEvent) -> str | None:
        """Return this entity's event type for ``event``, None if not its own."""
        description = self.entity_description
        if event.event_type is None or event.event_type not in description.event_map:
            return None
        if description.resource_fn(event, self._store) != self.resource_id:
            return None
        return description.event_map[event.event_type]

    @callback
    def _async_handle_event(self, event: GridxEvent) -> None:
        if (event_type := self._event_type(event)) is None:
            return
        self._trigger_event(event_type, event_attributes(event))
        self.async_write_ha_state()
