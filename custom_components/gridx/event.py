"""Event entities of gridX: the momentary events that change no state.

At most one event entity per EV ("Charging") and per gateway
("Installation"). Each accepted, non-duplicate, non-replayed gridX event
(stale ones included, a late event is still an event) is handed by the
pipeline to the subscribers of its EV and of its gateway only (the store's
``async_subscribe`` with `dispatch.Topic.EVENT`, keyed by resource), and an
entity fires it if its type is one of the entity's:

- EV entity (keyed by ``assetID``): ``ev/charge-failed`` and
  ``ev/infeasible-charging-goals`` of its asset.
- Gateway entity (keyed by ``gatewayID``): ``appliance/create|delete|update``
  and ``system/action`` carrying its ``gatewayID``.

Plugging, charging, online/offline and the §14a limit are states: their
binary sensors show them, the logbook lists their state changes (one
translated line per event), and device triggers fire on them.

An event entity is created by the first event it fires, so none shows
"Unknown" until something happens; an entity that exists already (it is in
the entity registry) comes back at setup and restores its last event itself
(`EventEntity` restores through `RestoreEntity`); if it has none to restore
it is unavailable until its next event. The event that creates the entity is
handed over before Home Assistant has added it: the entity keeps such early
events and fires them once it is added.

The attributes carry the gridX event id and time and the useful data
fields; never the gateway user's name, mail or id.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Final, override

from homeassistant.components.event import (
    DOMAIN as EVENT_DOMAIN,
    EventEntity,
    EventEntityDescription,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
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
from .coordinator import GridxConfigEntry
from .entity import GridxEntity, registered_unique_ids
from .state.dispatch import Topic
from .state.identity import entity_unique_id

PARALLEL_UPDATES = 0

# Events kept for an entity that is not subscribed yet (see the docstring).
MAX_EARLY_EVENTS: Final = 10

ATTR_EVENT_ID: Final = "event_id"
ATTR_EVENT_TIME: Final = "event_time"

# gridX event type -> event entity event type, per kind of entity.
# Only the events that change no state: plugging, charging, online/offline
# and the §14a limit show on their binary sensors (and in the logbook as
# those sensors' state changes), and fire device triggers.
EV_EVENT_TYPES: Final[Mapping[EventType, str]] = {
    EventType.EV_CHARGE_FAILED: "charge_failed",
    EventType.EV_INFEASIBLE_CHARGING_GOALS: "infeasible_charging_goals",
}
GATEWAY_EVENT_TYPES: Final[Mapping[EventType, str]] = {
    EventType.APPLIANCE_CREATE: "appliance_created",
    EventType.APPLIANCE_DELETE: "appliance_deleted",
    EventType.APPLIANCE_UPDATE: "appliance_updated",
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
    """Watch every EV and gateway; add its event entity with its first event."""
    store = entry.runtime_data.store
    # Event entities that exist already: created now, they restore themselves.
    registered = registered_unique_ids(entry, EVENT_DOMAIN)
    # (kind, resource id) -> how to stop watching it (None: entity added).
    watched: dict[tuple[ResourceKind, str], CALLBACK_TYPE | None] = {}

    @callback
    def _forget(key: tuple[ResourceKind, str]) -> None:
        watched.pop(key, None)

    @callback
    def _create(
        description: GridxEventEntityDescription,
        resource_id: str,
        first: GridxEvent | None,
    ) -> None:
        key = (description.kind, resource_id)
        watched[key] = None
        entity = GridxEventEntity(entry, description, resource_id)
        # Listening from now on: the entity keeps events until it is added.
        entity.async_on_remove(
            store.async_subscribe(entity.async_receive_event, key, Topic.EVENT)
        )
        entity.async_on_remove(partial(_forget, key))
        if first is not None:
            entity.async_receive_event(first)
        async_add_entities([entity])

    @callback
    def _watch(description: GridxEventEntityDescription, resource_id: str) -> None:
        key = (description.kind, resource_id)
        if key in watched:
            return
        unique_id = entity_unique_id(
            store.account, description.kind, resource_id, description.key
        )
        if unique_id in registered:
            _create(description, resource_id, None)
            return

        @callback
        def _first(event: GridxEvent) -> None:
            known = event.event_type
            if known is None or known not in description.event_map:
                return
            if stop := watched.get(key):
                stop()
            _create(description, resource_id, event)

        watched[key] = store.async_subscribe(_first, key, Topic.EVENT)

    @callback
    def _removed(kind: ResourceKind, resource_id: str) -> None:
        if stop := watched.pop((kind, resource_id), None):
            stop()

    @callback
    def _unwatch_all() -> None:
        for stop in list(watched.values()):
            if stop is not None:
                stop()
        watched.clear()

    entry.async_on_unload(_unwatch_all)
    for description in EVENT_DESCRIPTIONS:
        for resource_id in store.known(description.kind):
            _watch(description, resource_id)
        entry.async_on_unload(
            store.async_subscribe(
                partial(_watch, description), description.kind, Topic.NEW
            )
        )
        entry.async_on_unload(
            store.async_subscribe(
                partial(_removed, description.kind), description.kind, Topic.REMOVED
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
        # Whether it has an event to show: restored, fired, or about to fire.
        self._has_event = False

    @property
    @override
    def available(self) -> bool:
        """Return False until the entity has an event to show.

        An entity created again at setup whose restore data holds no event
        (it never fired, or fired while unavailable) waits for its next
        event instead of showing "Unknown".
        """
        return self._has_event

    @override
    async def async_added_to_hass(self) -> None:
        """Fire the events that came before the entity was added.

        They fire after Home Assistant wrote the entity's first state, so
        the first event is a state change like any other: the logbook lists
        it (it skips an entity's first state).
        """
        await super().async_added_to_hass()
        # EventEntity restored its last event (if any): its state is that time.
        self._has_event = self.state is not None or bool(self._early_events)
        self.hass.async_create_task(self._async_fire_early(), eager_start=False)

    async def _async_fire_early(self) -> None:
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
        self._has_event = True
        self._trigger_event(event_type, event_attributes(event))
        self.async_write_ha_state()
