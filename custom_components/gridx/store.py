"""The per-entry state of gridX: resources, their devices and stamped states.

One `GridxStore` per config entry (``entry.runtime_data.store``) is the only
place state lives. Both doors write to it, entities only read from it:

- the webhook pipeline (`GridxStore.async_handle_event`): dedupe on the
  envelope ``id``, apply with a staleness guard, then dispatch;
- the coordinator (`GridxStore.async_apply_poll`), with the poll's start
  time as the time of what it saw.

**Staleness rule.** Every state attribute of every resource carries the time
it describes (`Stamped.time`): an event's envelope ``time`` (when it
occurred), a poll's start time, or the restored time after a restart. A
write with an older time than the stored one is ignored (and logged at
debug); an equal or newer one wins. So a late event never overwrites newer
state, a poll never overwrites a push that happened after the poll began,
and a push that happened after the poll began wins over the poll.
Device information (name, model, ...) is guarded the same way, as one unit.

Resources are gateways (keyed by ``gatewayID``), appliances (``applianceID``)
and EVs (``assetID``; the legacy charging-station ``ev/plugged`` is keyed by
its ``applianceID``). Each becomes one device in the device registry, which
this store keeps in line (create, update, move on re-pair, remove).

The catalogue of known resources, the seen event ids and the deletion
tombstones are saved with `homeassistant.helpers.storage`; state values and
their times are restored by the entities (RestoreEntity extra data).
"""

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
import homeassistant.util.dt as dt_util

from .api.event_types import EventType
from .api.models import (
    ApplianceEventData,
    EVChargeState,
    EVChargingEventData,
    EVMeasurementEventData,
    EVPlugState,
    GatewayEventData,
    GridxEvent,
    InverterEventData,
    LegacyEVPluggedEventData,
    PowerLimitEventData,
    UnvalidatedEventData,
)
from .api.resources import Appliance, Gateway
from .bus import async_fire_gridx_event
from .compat import get_device_by_identifier, via_device_kwargs
from .const import DOMAIN, LOGGER, ResourceKind, signal_event, signal_state
from .identity import device_identifier, device_resources, unique_id_prefix
from .limits import CreationBudget

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 10  # seconds
# The dedupe cache: gridX retries up to five times with exponential backoff,
# so a day is generous; the size bound keeps memory and storage small.
SEEN_MAX_SIZE: Final = 10_000
SEEN_MAX_AGE: Final = timedelta(hours=24)
TOMBSTONE_MAX_SIZE: Final = 1_000
CONNECTION_AVAILABLE: Final = "AVAILABLE"
SYSTEMS_PREFIX: Final = "/systems/"


class StateKey(StrEnum):
    """The state attributes a resource can carry."""

    CONNECTED = "connected"  # gateway, appliance: bool
    INVERTER = (
        "inverter"  # appliance: dict(status, last_status, err_code, last_err_code)
    )
    PLUGGED = "plugged"  # ev: bool
    CHARGING = "charging"  # ev: bool
    STATE_OF_CHARGE = "state_of_charge"  # ev: percent
    CHARGE_POWER = "charge_power"  # ev: W (converted from mW)
    RANGE = "range"  # ev: metres
    CHARGE_LIMIT = "charge_limit"  # ev: percent
    POWER_LIMIT_ACTIVE = "power_limit_active"  # gateway: bool (§14a)
    POWER_LIMIT = "power_limit"  # gateway: W (converted from mW) or None


class Source(StrEnum):
    """Where a stamped value came from."""

    PUSH = "push"
    POLL = "poll"
    RESTORE = "restore"


@dataclass(frozen=True, slots=True)
class Stamped:
    """A state value with the time it describes and its source."""

    value: Any
    time: datetime
    source: Source

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form (used as RestoreEntity extra data)."""
        return {
            "value": self.value,
            "time": self.time.isoformat(),
            "source": str(self.source),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Stamped | None:
        """Return the stamped value of `as_dict` output, or None if malformed."""
        time = data.get("time")
        parsed = dt_util.parse_datetime(time) if isinstance(time, str) else None
        if parsed is None or "value" not in data:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt_util.UTC)
        return cls(data["value"], parsed, Source.RESTORE)


# Device information fields of a resource, in storage order.
_INFO_FIELDS: Final = (
    "gateway_id",
    "system_id",
    "name",
    "model",
    "manufacturer",
    "serial_number",
    "firmware",
    "appliance_type",
    "appliance_kind",
)


@dataclass(slots=True)
class GridxResource:
    """One gateway, appliance or EV and what is known about it."""

    kind: ResourceKind
    id: str
    gateway_id: str | None = None
    system_id: str | None = None
    name: str | None = None
    model: str | None = None
    manufacturer: str | None = None
    serial_number: str | None = None
    firmware: str | None = None
    appliance_type: str | None = None  # appliances: INVERTER, METER, ...
    appliance_kind: str | None = None  # appliances: PV, BATTERY, ...
    # An EV resource keyed by a legacy charging station's applianceID.
    legacy_station: bool = False
    info_time: datetime | None = None
    states: dict[str, Stamped] = field(default_factory=dict)
    # Bumped on every change; entities compare it to skip needless writes.
    revision: int = 0
    device_id: str | None = None

    def as_storage(self) -> dict[str, Any]:
        """Return the catalogue entry (no states: entities restore those)."""
        data: dict[str, Any] = {"kind": str(self.kind), "id": self.id}
        for name in _INFO_FIELDS:
            if (value := getattr(self, name)) is not None:
                data[name] = value
        if self.legacy_station:
            data["legacy_station"] = True
        if self.info_time is not None:
            data["info_time"] = self.info_time.isoformat()
        return data

    @classmethod
    def from_storage(cls, data: Mapping[str, Any]) -> GridxResource | None:
        """Return a resource from its catalogue entry, None if malformed."""
        try:
            kind = ResourceKind(data["kind"])
            resource_id = str(data["id"])
        except KeyError, ValueError:
            return None
        resource = cls(kind=kind, id=resource_id)
        for name in _INFO_FIELDS:
            value = data.get(name)
            if isinstance(value, str):
                setattr(resource, name, value)
        resource.legacy_station = bool(data.get("legacy_station", False))
        info_time = data.get("info_time")
        if isinstance(info_time, str):
            resource.info_time = dt_util.parse_datetime(info_time)
        return resource


@dataclass(slots=True)
class StoreStats:
    """Counters of the webhook pipeline, for diagnostics."""

    events_received: int = 0
    duplicates: int = 0
    stale_ignored: int = 0
    last_event_at: datetime | None = None


class SeenIds:
    """A bounded cache of event ids, limited by size and by age."""

    def __init__(
        self, max_size: int = SEEN_MAX_SIZE, max_age: timedelta = SEEN_MAX_AGE
    ) -> None:
        """Start empty."""
        self._ids: OrderedDict[str, datetime] = OrderedDict()
        self._max_size = max_size
        self._max_age = max_age

    def __len__(self) -> int:
        """Return the number of remembered ids."""
        return len(self._ids)

    def _expire(self, now: datetime) -> None:
        cutoff = now - self._max_age
        while self._ids:
            oldest_id, seen_at = next(iter(self._ids.items()))
            if seen_at >= cutoff and len(self._ids) <= self._max_size:
                break
            del self._ids[oldest_id]

    def check_and_add(self, event_id: str, now: datetime) -> bool:
        """Return True if ``event_id`` was seen (and still remembered); else add it."""
        self._expire(now)
        if event_id in self._ids:
            return True
        self._ids[event_id] = now
        self._expire(now)
        return False

    def discard(self, event_id: str) -> None:
        """Forget ``event_id``, so a redelivery is processed again."""
        self._ids.pop(event_id, None)

    def as_storage(self) -> list[list[str]]:
        """Return ``[[id, iso time], ...]``, oldest first."""
        return [[key, seen.isoformat()] for key, seen in self._ids.items()]

    def load(self, items: object, now: datetime) -> None:
        """Load `as_storage` output, dropping malformed and expired items."""
        if not isinstance(items, list):
            return
        for item in items:
            if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str):
                seen = dt_util.parse_datetime(str(item[1]))
                if seen is not None:
                    self._ids[item[0]] = seen
        self._expire(now)


type NewResourceCallback = Callable[[str], None]
type MovedResourceCallback = Callable[[ResourceKind, str, str], None]


class GridxStore:
    """The state of one config entry; see the module docstring."""

    def __init__(self, hass: HomeAssistant, entry_id: str, account: str) -> None:
        """Create an empty store; call `async_load` before use.

        ``account`` scopes device identifiers and unique ids (see `identity`).
        """
        self.hass = hass
        self.entry_id = entry_id
        self.account = account
        self.stats = StoreStats()
        self._resources: dict[ResourceKind, dict[str, GridxResource]] = {
            kind: {} for kind in ResourceKind
        }
        self._seen = SeenIds()
        # Deleted appliance ids and the time of their deletion.
        self._tombstones: OrderedDict[str, datetime] = OrderedDict()
        self._new_listeners: dict[ResourceKind, list[NewResourceCallback]] = {
            kind: [] for kind in ResourceKind
        }
        self._moved_listeners: list[MovedResourceCallback] = []
        self._storage: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}"
        )
        self._pending_new: list[GridxResource] = []
        # What the last successful poll listed, by kind (None before one).
        self._polled: dict[ResourceKind, set[str]] | None = None
        # Resources a push may create; the poll is not limited (see `limits`).
        self._push_budget = CreationBudget()
        self._in_push = False

    # -- persistence -----------------------------------------------------

    async def async_load(self) -> None:
        """Load the catalogue, seen ids and tombstones; re-register devices."""
        data = await self._storage.async_load()
        if not isinstance(data, dict):
            return
        now = dt_util.utcnow()
        for item in data.get("resources", ()):
            if isinstance(item, Mapping) and (
                resource := GridxResource.from_storage(item)
            ):
                self._resources[resource.kind][resource.id] = resource
        self._seen.load(data.get("seen"), now)
        for key, value in dict(data.get("tombstones", {})).items():
            if (deleted := dt_util.parse_datetime(str(value))) is not None:
                self._tombstones[str(key)] = deleted
        for kind in (ResourceKind.GATEWAY, ResourceKind.APPLIANCE, ResourceKind.EV):
            for resource in list(self._resources[kind].values()):
                try:
                    self._sync_device(resource)
                except Exception:  # noqa: BLE001 - one bad resource never stops setup
                    LOGGER.warning(
                        "Skipped stored gridX %s %s: its device cannot be restored",
                        kind,
                        resource.id,
                        exc_info=True,
                    )
                    del self._resources[kind][resource.id]

    def _to_storage(self) -> dict[str, Any]:
        return {
            "resources": [
                resource.as_storage()
                for kind in ResourceKind
                for resource in self._resources[kind].values()
            ],
            "seen": self._seen.as_storage(),
            "tombstones": {
                key: value.isoformat() for key, value in self._tombstones.items()
            },
        }

    @callback
    def _schedule_save(self) -> None:
        self._storage.async_delay_save(self._to_storage, SAVE_DELAY)

    async def async_save(self) -> None:
        """Write the store now (on unload)."""
        await self._storage.async_save(self._to_storage())

    async def async_remove_storage(self) -> None:
        """Delete the stored catalogue (when the entry is removed)."""
        await self._storage.async_remove()

    # -- reading -----------------------------------------------------------

    def known(self, kind: ResourceKind) -> Iterable[str]:
        """Return the ids of the known resources of ``kind``."""
        return list(self._resources[kind])

    def get(self, kind: ResourceKind, resource_id: str) -> GridxResource | None:
        """Return one resource, or None."""
        return self._resources[kind].get(resource_id)

    def resources(self, kind: ResourceKind) -> list[GridxResource]:
        """Return the known resources of ``kind``."""
        return list(self._resources[kind].values())

    def stamped(
        self, kind: ResourceKind, resource_id: str, key: StateKey
    ) -> Stamped | None:
        """Return the stamped value of one state attribute, or None."""
        resource = self._resources[kind].get(resource_id)
        return None if resource is None else resource.states.get(key)

    def value(self, kind: ResourceKind, resource_id: str, key: StateKey) -> Any:
        """Return the value of one state attribute, or None."""
        stamped = self.stamped(kind, resource_id, key)
        return None if stamped is None else stamped.value

    def device_identifier(
        self, kind: ResourceKind, resource_id: str
    ) -> tuple[str, str]:
        """Return the device identifier of a resource.

        A legacy charging-station EV shares the device of the appliance of
        the same id.
        """
        resource = self._resources[kind].get(resource_id)
        if resource is not None and resource.legacy_station:
            kind = ResourceKind.APPLIANCE
        return device_identifier(self.account, kind, resource_id)

    def device_resources(self, device: dr.AnyDeviceEntry) -> list[GridxResource]:
        """Return the known resources whose device ``device`` is."""
        found: list[GridxResource] = []
        for kind, resource_id in device_resources(self.account, device.identifiers):
            for candidate in (kind, ResourceKind.EV):
                resource = self._resources[candidate].get(resource_id)
                if resource is not None and resource.device_id == device.id:
                    found.append(resource)
        order = (ResourceKind.GATEWAY, ResourceKind.EV, ResourceKind.APPLIANCE)
        unique = {id(resource): resource for resource in found}.values()
        return sorted(unique, key=lambda resource: order.index(resource.kind))

    def device_info_source(
        self, kind: ResourceKind, resource_id: str
    ) -> GridxResource | None:
        """Return the resource whose fields describe the device of a resource.

        A legacy charging-station EV shares its device with the appliance of
        the same id, which describes it better.
        """
        resource = self._resources[kind].get(resource_id)
        if resource is not None and resource.legacy_station:
            return self._resources[ResourceKind.APPLIANCE].get(resource_id, resource)
        return resource

    @property
    def seen_count(self) -> int:
        """Return how many event ids the dedupe cache holds."""
        return len(self._seen)

    # -- listeners ---------------------------------------------------------

    @callback
    def async_listen_new(
        self, kind: ResourceKind, cb: NewResourceCallback
    ) -> CALLBACK_TYPE:
        """Call ``cb(resource_id)`` whenever a new resource of ``kind`` is known.

        Called after the resource's device exists, from push or poll.
        Returns a function that removes the listener.
        """
        self._new_listeners[kind].append(cb)

        @callback
        def _remove() -> None:
            self._new_listeners[kind].remove(cb)

        return _remove

    @callback
    def async_listen_moved(self, cb: MovedResourceCallback) -> CALLBACK_TYPE:
        """Call ``cb(kind, old_id, new_id)`` when a re-paired appliance moves."""
        self._moved_listeners.append(cb)

        @callback
        def _remove() -> None:
            self._moved_listeners.remove(cb)

        return _remove

    @callback
    def _notify(self, *, state_changed: bool) -> None:
        pending, self._pending_new = self._pending_new, []
        for resource in pending:
            if self._resources[resource.kind].get(resource.id) is not resource:
                continue  # removed or moved again within the same apply
            for cb in list(self._new_listeners[resource.kind]):
                cb(resource.id)
        if state_changed or pending:
            async_dispatcher_send(self.hass, signal_state(self.entry_id))

    # -- the webhook pipeline ------------------------------------------------

    @callback
    def async_handle_event(self, event: GridxEvent) -> None:
        """Process one verified, parsed delivery; quick, never does I/O.

        A duplicate ``id`` does nothing at all. A new event is applied (with
        the staleness guard), then entities are told (``signal_state``),
        then event entities (``signal_event``), then ``gridx_event`` is fired
        with the device id of the most specific device it concerns.
        """
        now = dt_util.utcnow()
        if self._seen.check_and_add(event.id, now):
            self.stats.duplicates += 1
            LOGGER.debug("Ignored duplicate gridX event %s (%s)", event.id, event.type)
            return
        self._in_push = True
        try:
            device_before = self.event_device_id(event)
            changed = self._apply_event(event)
        except Exception:
            # The webhook answers 500 and gridX delivers again: that retry
            # must not be taken for a duplicate.
            self._seen.discard(event.id)
            raise
        finally:
            self._in_push = False
        self.stats.events_received += 1
        self.stats.last_event_at = now
        self._schedule_save()
        self._notify(state_changed=changed)
        async_dispatcher_send(self.hass, signal_event(self.entry_id), event)
        async_fire_gridx_event(
            self.hass,
            self.entry_id,
            event,
            device_id=self.event_device_id(event) or device_before,
        )

    def event_device_id(self, event: GridxEvent) -> str | None:
        """Return the device registry id of the most specific device of an event.

        The appliance, else the EV, else the gateway (for a §14a signal: the
        gateway of the event's system); None when none is known.
        """
        candidates: list[tuple[ResourceKind, str | None]] = [
            (ResourceKind.APPLIANCE, event.appliance_id),
            (ResourceKind.EV, event.appliance_id),
            (ResourceKind.EV, event.asset_id),
            (ResourceKind.GATEWAY, event.gateway_id),
        ]
        if event.gateway_id is None:
            gateway = self._gateway_for_system(_event_system_id(event))
            candidates.append(
                (ResourceKind.GATEWAY, None if gateway is None else gateway.id)
            )
        for kind, resource_id in candidates:
            if resource_id is None:
                continue
            resource = self._resources[kind].get(resource_id)
            if resource is not None and resource.device_id is not None:
                return resource.device_id
        return None

    def _apply_event(self, event: GridxEvent) -> bool:
        """Apply one event; return True if any state or resource changed."""
        data = event.data
        time = event.time
        event_type = event.event_type
        if event_type is None:
            return False  # an unknown type: nothing to apply, still an event
        if isinstance(data, UnvalidatedEventData) and event.asset_id is None:
            return self._apply_unvalidated(event, event_type, time)
        if isinstance(data, GatewayEventData):
            return self._apply_gateway_event(event_type, data, time)
        if isinstance(data, LegacyEVPluggedEventData):
            return self._apply_legacy_plugged(data, time)
        if isinstance(data, ApplianceEventData):
            if event_type is EventType.APPLIANCE_DELETE:
                return self._delete_appliance(data, time)
            return self._apply_appliance_event(event_type, data, time)
        if isinstance(data, PowerLimitEventData):
            return self._apply_power_limit(event, data, time)
        if event.asset_id is not None:
            return self._apply_ev_event(event, event.asset_id, time)
        return False  # ping, commissioning/done: no state

    def _apply_unvalidated(
        self, event: GridxEvent, event_type: EventType, time: datetime
    ) -> bool:
        """Apply what the type and ids of data that failed validation imply.

        Connectivity and the §14a limit being on or off; nothing read from
        other data fields, and no deletion (EV events go the usual way: it
        reads only their type and ids from such data).
        """
        resource: GridxResource | None = None
        if event_type.startswith("gateway/") and event.gateway_id is not None:
            resource, changed = self._upsert(
                ResourceKind.GATEWAY, event.gateway_id, time
            )
        elif (
            event_type.startswith(("appliance/", "inverter/"))
            and event_type is not EventType.APPLIANCE_DELETE
            and event.appliance_id is not None
        ):
            resource, changed = self._upsert(
                ResourceKind.APPLIANCE,
                event.appliance_id,
                time,
                gateway_id=event.gateway_id,
            )
        elif event_type in (EventType.POWER_LIMIT_SET, EventType.POWER_LIMIT_UNSET):
            return self._apply_power_limit(event, PowerLimitEventData(), time)
        if resource is None:
            return False
        online = {
            EventType.GATEWAY_ONLINE: True,
            EventType.GATEWAY_OFFLINE: False,
            EventType.APPLIANCE_ONLINE: True,
            EventType.APPLIANCE_OFFLINE: False,
        }.get(event_type)
        if online is not None:
            changed |= self._set(
                resource, StateKey.CONNECTED, online, time, Source.PUSH
            )
        return changed

    def _apply_gateway_event(
        self, event_type: EventType, data: GatewayEventData, time: datetime
    ) -> bool:
        gateway, changed = self._upsert(ResourceKind.GATEWAY, data.gateway_id, time)
        if gateway is None:
            return False
        changed |= self._update_info(
            gateway,
            time,
            system_id=data.system_id,
            name=data.gateway_name,
            serial_number=data.gateway_serial_number,
        )
        if event_type is not EventType.GATEWAY_CREATE:
            online = event_type is EventType.GATEWAY_ONLINE
            changed |= self._set(gateway, StateKey.CONNECTED, online, time, Source.PUSH)
        return changed

    def _apply_appliance_event(
        self, event_type: EventType, data: ApplianceEventData, time: datetime
    ) -> bool:
        changed = False
        if event_type is EventType.APPLIANCE_CREATE:
            changed |= self._move_if_repaired(
                data.appliance_id,
                data.gateway_id,
                data.serial_number,
                data.appliance_type,
            )
        appliance, created = self._upsert(
            ResourceKind.APPLIANCE, data.appliance_id, time, gateway_id=data.gateway_id
        )
        if appliance is None:
            return changed
        changed |= created
        changed |= self._update_appliance_info(appliance, data, time)
        if event_type in (EventType.APPLIANCE_ONLINE, EventType.APPLIANCE_OFFLINE):
            online = event_type is EventType.APPLIANCE_ONLINE
            changed |= self._set(
                appliance, StateKey.CONNECTED, online, time, Source.PUSH
            )
        elif isinstance(data, InverterEventData):
            status = {
                "status": data.status,
                "last_status": data.last_status,
                "err_code": data.err_code,
                "last_err_code": data.last_err_code,
            }
            changed |= self._set(
                appliance, StateKey.INVERTER, status, time, Source.PUSH
            )
        return changed

    def _apply_legacy_plugged(
        self, data: LegacyEVPluggedEventData, time: datetime
    ) -> bool:
        ev, changed = self._upsert(
            ResourceKind.EV,
            data.appliance_id,
            time,
            gateway_id=data.gateway_id,
            legacy_station=True,
        )
        if ev is None:
            return False
        changed |= self._update_appliance_info(ev, data, time)
        changed |= self._set(ev, StateKey.PLUGGED, True, time, Source.PUSH)
        return changed

    def _apply_power_limit(
        self, event: GridxEvent, data: PowerLimitEventData, time: datetime
    ) -> bool:
        gateway = self._gateway_for_system(_event_system_id(event))
        if gateway is None:
            LOGGER.debug(
                "Ignored gridX event %s: no known gateway for source %s",
                event.id,
                event.source,
            )
            return False
        active = event.event_type is EventType.POWER_LIMIT_SET
        limit = data.new_lpc / 1000 if active and data.new_lpc is not None else None
        changed = self._set(
            gateway, StateKey.POWER_LIMIT_ACTIVE, active, time, Source.PUSH
        )
        # A limit that was sent but is invalid or unvalidated is unknown:
        # the stored one stays.
        if not active or not (
            "newLPC" in event.invalid_fields
            or isinstance(event.data, UnvalidatedEventData)
        ):
            changed |= self._set(
                gateway, StateKey.POWER_LIMIT, limit, time, Source.PUSH
            )
        return changed

    def _apply_ev_event(self, event: GridxEvent, asset_id: str, time: datetime) -> bool:
        ev, changed = self._upsert(
            ResourceKind.EV, asset_id, time, gateway_id=event.gateway_id
        )
        if ev is None:
            return False
        changed |= self._update_info(
            ev, time, gateway_id=event.gateway_id, system_id=event.system_id
        )
        data = event.data
        values: dict[StateKey, Any] = {}
        match event.event_type:
            case EventType.EV_PLUGGED:
                values[StateKey.PLUGGED] = True
            case EventType.EV_UNPLUGGED:
                values[StateKey.PLUGGED] = False
            case EventType.EV_CHARGE_STARTED:
                values[StateKey.CHARGING] = True
            case EventType.EV_CHARGE_STOPPED:
                values[StateKey.CHARGING] = False
        if isinstance(data, EVChargingEventData):
            if data.charge_power is not None:
                values[StateKey.CHARGE_POWER] = data.charge_power / 1000
            if data.state_of_charge is not None:
                values[StateKey.STATE_OF_CHARGE] = data.state_of_charge
            if data.range is not None:
                values[StateKey.RANGE] = data.range
        elif isinstance(data, EVMeasurementEventData):
            if data.plug_state == EVPlugState.PLUGGED:
                values[StateKey.PLUGGED] = True
            elif data.plug_state == EVPlugState.UNPLUGGED:
                values[StateKey.PLUGGED] = False
            values[StateKey.CHARGING] = data.charge_state == EVChargeState.CHARGING
            if data.charge_power is not None:
                values[StateKey.CHARGE_POWER] = data.charge_power / 1000
            if data.state_of_charge is not None:
                values[StateKey.STATE_OF_CHARGE] = data.state_of_charge
            if data.range is not None:
                values[StateKey.RANGE] = data.range
            if data.charge_limit is not None:
                values[StateKey.CHARGE_LIMIT] = data.charge_limit
        for key, value in values.items():
            changed |= self._set(ev, key, value, time, Source.PUSH)
        return changed

    # -- the polling door ----------------------------------------------------

    @callback
    def async_apply_poll(
        self,
        gateways: Sequence[Gateway],
        appliances: Sequence[Appliance],
        polled_at: datetime,
    ) -> None:
        """Apply what a poll saw, as of ``polled_at`` (the poll's start).

        Seeds and reconciles connectivity from ``connectionStatus``
        (``AVAILABLE`` is on, anything else off) and discovers resources no
        create event announced. A push newer than ``polled_at`` wins.
        """
        changed = False
        polled_ids = {appliance.id for appliance in appliances}
        self._polled = {
            ResourceKind.GATEWAY: {gateway.id for gateway in gateways},
            ResourceKind.APPLIANCE: polled_ids,
        }
        for gw in gateways:
            gateway, created = self._upsert(ResourceKind.GATEWAY, gw.id, polled_at)
            if gateway is None:
                continue
            changed |= created
            changed |= self._update_info(
                gateway,
                polled_at,
                system_id=gw.system_id,
                name=gw.name,
                serial_number=gw.serial_number,
                model=gw.model,
                manufacturer=gw.manufacturer,
            )
            changed |= self._set_polled_connection(
                gateway, gw.connection_status, polled_at
            )
        for item in appliances:
            if item.id not in self._resources[ResourceKind.APPLIANCE]:
                changed |= self._move_if_repaired(
                    item.id,
                    item.gateway_id,
                    item.serial_number,
                    item.appliance_type,
                    listed=polled_ids,
                )
            appliance, created = self._upsert(
                ResourceKind.APPLIANCE, item.id, polled_at, gateway_id=item.gateway_id
            )
            if appliance is None:
                continue
            changed |= created
            changed |= self._update_info(
                appliance,
                polled_at,
                gateway_id=item.gateway_id,
                name=item.name,
                model=item.model,
                manufacturer=item.manufacturer,
                serial_number=item.serial_number,
                firmware=item.firmware,
                appliance_type=item.appliance_type,
                appliance_kind=item.kind,
            )
            changed |= self._set_polled_connection(
                appliance, item.connection_status, polled_at
            )
        if changed:
            self._schedule_save()
        self._notify(state_changed=changed)

    # -- restore -------------------------------------------------------------

    @callback
    def async_restore(
        self, kind: ResourceKind, resource_id: str, key: StateKey, stamped: Stamped
    ) -> bool:
        """Seed one attribute from restored data, unless something newer is known.

        Returns True when it was applied. Used by entities after a restart.
        """
        resource = self._resources[kind].get(resource_id)
        if resource is None:
            return False
        return self._set(resource, key, stamped.value, stamped.time, Source.RESTORE)

    # -- removal -------------------------------------------------------------

    @callback
    def async_forget_device(self, device: dr.AnyDeviceEntry) -> bool:
        """Forget the resources of a device the user removes; False to refuse.

        A device that gridX still lists (the last successful poll) would come
        straight back with the next poll, so its removal is refused. Others
        come back only when an event or a poll mentions them again.
        """
        resources = self.device_resources(device)
        if self._polled is not None and any(
            resource.id in self._polled.get(resource.kind, ()) for resource in resources
        ):
            return False
        for resource in resources:
            del self._resources[resource.kind][resource.id]
        self._schedule_save()
        self._notify(state_changed=True)
        return True

    # -- internals -------------------------------------------------------------

    def _gateway_for_system(self, system_id: str | None) -> GridxResource | None:
        """Return the gateway of a system; the only gateway if there is one."""
        gateways = self._resources[ResourceKind.GATEWAY]
        if system_id is not None:
            for gateway in gateways.values():
                if gateway.system_id == system_id:
                    return gateway
        if len(gateways) == 1:
            return next(iter(gateways.values()))
        return None

    def _upsert(
        self,
        kind: ResourceKind,
        resource_id: str,
        time: datetime,
        *,
        gateway_id: str | None = None,
        legacy_station: bool = False,
    ) -> tuple[GridxResource | None, bool]:
        """Return the resource, created if new; None if it may not exist.

        None when it was deleted after ``time``, or when a push may not
        create another resource now (`limits.CreationBudget`). A resource is
        kept only once its device exists: if the device registry refuses it,
        the error propagates (the webhook answers 500) and nothing is kept.
        """
        resource = self._resources[kind].get(resource_id)
        if resource is not None:
            return resource, False
        deleted_at = self._tombstones.get(resource_id)
        if deleted_at is not None and time <= deleted_at:
            self._stale(kind, resource_id, "resource", time, deleted_at)
            return None, False
        if gateway_id is not None and kind is not ResourceKind.GATEWAY:
            gateway, _ = self._upsert(ResourceKind.GATEWAY, gateway_id, time)
            if gateway is None:
                return None, False
        if self._in_push and not self._push_budget.take(dt_util.utcnow()):
            self._async_budget_exhausted(kind, resource_id)
            return None, False
        self._tombstones.pop(resource_id, None)
        resource = GridxResource(
            kind=kind,
            id=resource_id,
            gateway_id=gateway_id,
            legacy_station=legacy_station,
        )
        self._resources[kind][resource_id] = resource
        try:
            self._sync_device(resource)
        except Exception:
            del self._resources[kind][resource_id]
            raise
        self._pending_new.append(resource)
        LOGGER.debug("New gridX %s %s", kind, resource_id)
        return resource, True

    @callback
    def _async_budget_exhausted(self, kind: ResourceKind, resource_id: str) -> None:
        """Tell the user (once per run) that pushes named too many new devices."""
        LOGGER.debug("Not creating gridX %s %s: device limit", kind, resource_id)
        if self._push_budget.refused > 1:
            return
        LOGGER.warning(
            "gridX events named more new devices than %s per hour; further new "
            "devices are added by the next poll or when the limit allows",
            self._push_budget.per_hour,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"device_limit_{self.entry_id}",
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="device_limit",
            translation_placeholders={
                "burst": str(self._push_budget.capacity),
                "per_hour": str(self._push_budget.per_hour),
            },
        )

    def _update_appliance_info(
        self, resource: GridxResource, data: ApplianceEventData, time: datetime
    ) -> bool:
        """Update a resource's device info from appliance event data."""
        return self._update_info(
            resource,
            time,
            gateway_id=data.gateway_id,
            system_id=data.system_id,
            name=data.name,
            model=data.model,
            manufacturer=data.manufacturer,
            serial_number=data.serial_number,
            firmware=data.firmware,
            appliance_type=data.appliance_type,
            appliance_kind=data.kind,
        )

    def _update_info(
        self, resource: GridxResource, time: datetime, **info: str | None
    ) -> bool:
        """Update device information (only given, non-None fields); guarded."""
        if resource.info_time is not None and time < resource.info_time:
            if any(
                value is not None and getattr(resource, name) != value
                for name, value in info.items()
            ):
                self._stale(
                    resource.kind, resource.id, "info", time, resource.info_time
                )
            return False
        resource.info_time = time
        changed = False
        for name, value in info.items():
            if value is not None and getattr(resource, name) != value:
                setattr(resource, name, value)
                changed = True
        if changed:
            resource.revision += 1
            if (
                resource.gateway_id is not None
                and resource.kind is not ResourceKind.GATEWAY
            ):
                self._upsert(ResourceKind.GATEWAY, resource.gateway_id, time)
            self._sync_device(resource)
        return changed

    def _set_polled_connection(
        self, resource: GridxResource, status: str | None, polled_at: datetime
    ) -> bool:
        """Apply a polled ``connectionStatus``: AVAILABLE is on, anything else off."""
        if status is None:
            return False
        online = status == CONNECTION_AVAILABLE
        return self._set(resource, StateKey.CONNECTED, online, polled_at, Source.POLL)

    def _set(
        self,
        resource: GridxResource,
        key: StateKey,
        value: Any,
        time: datetime,
        source: Source,
    ) -> bool:
        """Set one attribute unless the stored one is newer; True if applied."""
        current = resource.states.get(key)
        if current is not None and time < current.time:
            self._stale(resource.kind, resource.id, key, time, current.time)
            return False
        resource.states[key] = Stamped(value, time, source)
        if current is None or current.value != value:
            resource.revision += 1
        return True

    def _stale(
        self,
        kind: ResourceKind,
        resource_id: str,
        what: str,
        time: datetime,
        newer: datetime,
    ) -> None:
        self.stats.stale_ignored += 1
        LOGGER.debug(
            "Ignored stale %s of gridX %s %s: %s is older than %s",
            what,
            kind,
            resource_id,
            time.isoformat(),
            newer.isoformat(),
        )

    def _sync_device(self, resource: GridxResource) -> None:
        """Create or update the device of a resource (its gateway first)."""
        dev_reg = dr.async_get(self.hass)
        via_device_id: str | None = None
        if resource.kind is not ResourceKind.GATEWAY and resource.gateway_id:
            gateway = self._resources[ResourceKind.GATEWAY].get(resource.gateway_id)
            if gateway is not None:
                if gateway.device_id is None:
                    self._sync_device(gateway)
                via_device_id = gateway.device_id
        info = self.device_info_source(resource.kind, resource.id) or resource
        device = dev_reg.async_get_or_create(
            config_entry_id=self.entry_id,
            identifiers={self.device_identifier(resource.kind, resource.id)},
            name=device_name(info),
            translation_key=device_translation_key(info),
            manufacturer=info.manufacturer,
            model=info.model,
            serial_number=info.serial_number,
            sw_version=info.firmware,
            **via_device_kwargs(dev_reg, via_device_id),
        )
        resource.device_id = device.id

    def _delete_appliance(self, data: ApplianceEventData, time: datetime) -> bool:
        appliance = self._resources[ResourceKind.APPLIANCE].get(data.appliance_id)
        if (
            appliance is not None
            and appliance.info_time is not None
            and time < appliance.info_time
        ):
            self._stale(
                ResourceKind.APPLIANCE,
                appliance.id,
                "delete",
                time,
                appliance.info_time,
            )
            return False
        self._tombstones[data.appliance_id] = time
        self._tombstones.move_to_end(data.appliance_id)
        while len(self._tombstones) > TOMBSTONE_MAX_SIZE:
            self._tombstones.popitem(last=False)
        if appliance is None:
            return False
        del self._resources[ResourceKind.APPLIANCE][data.appliance_id]
        dev_reg = dr.async_get(self.hass)
        ev = self._resources[ResourceKind.EV].get(appliance.id)
        if ev is not None and not ev.legacy_station:
            ev = None
        if (
            device := get_device_by_identifier(
                dev_reg,
                device_identifier(self.account, ResourceKind.APPLIANCE, appliance.id),
                self.entry_id,
            )
        ) and ev is None:
            dev_reg.async_update_device(device.id, remove_config_entry_id=self.entry_id)
        elif ev is not None:
            self._sync_device(ev)
        LOGGER.debug("Removed gridX appliance %s", appliance.id)
        return True

    def _move_if_repaired(
        self,
        new_id: str,
        gateway_id: str | None,
        serial_number: str | None,
        appliance_type: str | None,
        *,
        listed: set[str] | None = None,
    ) -> bool:
        """Move a re-paired appliance to ``new_id``.

        gridX may re-issue an applianceID when an appliance re-pairs; the
        existing device, its entities' unique ids and its state move to the
        new id instead of a duplicate appearing. Only an appliance that is
        gone from gridX moves: same serial, same gateway and same type, and
        missing from ``listed`` (the appliances of this poll; for an event,
        of the last successful poll: without one, nothing moves). A second
        live appliance with the same serial (a sub-appliance, the spec's
        ``parent``) is never taken over.
        """
        appliances = self._resources[ResourceKind.APPLIANCE]
        if listed is None and self._polled is not None:
            listed = self._polled.get(ResourceKind.APPLIANCE)
        if (
            not serial_number
            or gateway_id is None
            or new_id in appliances
            or listed is None
        ):
            return False
        old = next(
            (
                a
                for a in appliances.values()
                if a.serial_number == serial_number
                and a.gateway_id == gateway_id
                and a.appliance_type == appliance_type
                and a.id != new_id
                and a.id not in listed
            ),
            None,
        )
        if old is None:
            return False
        old_id = old.id
        LOGGER.debug("gridX appliance %s re-paired as %s", old_id, new_id)
        del appliances[old_id]
        old.id = new_id
        old.revision += 1
        appliances[new_id] = old
        kind = ResourceKind.APPLIANCE
        dev_reg = dr.async_get(self.hass)
        if device := get_device_by_identifier(
            dev_reg, device_identifier(self.account, kind, old_id), self.entry_id
        ):
            dev_reg.async_update_device(
                device.id,
                new_identifiers={device_identifier(self.account, kind, new_id)},
            )
        ent_reg = er.async_get(self.hass)
        prefix = unique_id_prefix(self.account, kind, old_id)
        new_prefix = unique_id_prefix(self.account, kind, new_id)
        for entry in er.async_entries_for_config_entry(ent_reg, self.entry_id):
            if entry.unique_id.startswith(prefix):
                ent_reg.async_update_entity(
                    entry.entity_id,
                    new_unique_id=new_prefix + entry.unique_id.removeprefix(prefix),
                )
        for cb in list(self._moved_listeners):
            cb(ResourceKind.APPLIANCE, old_id, new_id)
        return True


async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the stored catalogue of a removed entry."""
    await Store[dict[str, Any]](
        hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}"
    ).async_remove()


def device_translation_key(resource: GridxResource) -> str | None:
    """Return the translation key of a nameless EV's device name, else None.

    gridX sends no name for a vehicle or a legacy charging station, so their
    device names come from strings.json (``device.ev``/``charging_station``).
    """
    if resource.name or resource.kind is not ResourceKind.EV:
        return None
    return "charging_station" if resource.legacy_station else "ev"


def device_name(resource: GridxResource) -> str:
    """Return the device name: the given name, else a descriptive fallback.

    The English fallback of a nameless EV is only used where no translation
    is available; see `device_translation_key`.
    """
    if resource.name:
        return resource.name
    if resource.kind is ResourceKind.GATEWAY:
        return "gridBox"
    if resource.kind is ResourceKind.EV:
        return "EV charging station" if resource.legacy_station else "Electric vehicle"
    described = " ".join(p for p in (resource.manufacturer, resource.model) if p)
    return (
        described or (resource.appliance_type or "Appliance").replace("_", " ").title()
    )


def _event_system_id(event: GridxEvent) -> str | None:
    """Return the system id of the data, else the one in ``source``."""
    if event.system_id is not None:
        return event.system_id
    if event.source.startswith(SYSTEMS_PREFIX):
        return event.source.removeprefix(SYSTEMS_PREFIX).split("/", 1)[0] or None
    return None


__all__ = [
    "GridxResource",
    "GridxStore",
    "SeenIds",
    "Source",
    "Stamped",
    "StateKey",
    "StoreStats",
    "async_remove_store",
    "device_name",
    "device_translation_key",
]
