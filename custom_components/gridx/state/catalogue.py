"""The catalogue of one entry's resources, and the staleness rule that guards it.

**Staleness rule.** Every state attribute of every resource carries the time
it describes (`Stamped.time`): an event's envelope ``time`` (when it
occurred, clamped to the receive time when it lies in the future), a poll's
start time, or the stored time after a restart. A write with an older time
than the stored one is ignored (and logged at debug); an equal or newer one
wins. So a late event never overwrites newer state, a poll never overwrites
a push that happened after the poll began, and a push that happened after
the poll began wins over the poll. Device information (name, model, ...) is
guarded the same way, as one unit, and so are deletions (tombstones).

Every mutation is recorded in `Catalogue.changes` (a `ChangeSet`), which the
caller hands to the dispatcher once per event or poll.
"""

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import homeassistant.util.dt as dt_util

from ..api.text import is_bad_text
from ..const import LOGGER, ResourceKind
from .dispatch import GONE, INFO, ChangeSet
from .resource_model import GridxResource, Source, Stamped, StateKey, parse_stored_time

TOMBSTONE_MAX_SIZE: Final = 1_000

type DeviceSyncCallback = Callable[
    [GridxResource, GridxResource, GridxResource | None], None
]
type MayCreateCallback = Callable[[ResourceKind, str, datetime], bool]


@dataclass(slots=True)
class StoreStats:
    """Counters of the webhook pipeline, for diagnostics."""

    events_received: int = 0
    duplicates: int = 0
    replays: int = 0
    stale_ignored: int = 0
    future_clamped: int = 0
    last_event_at: datetime | None = None


class Catalogue:
    """The resources of one entry, guarded by time (see the module docstring)."""

    def __init__(
        self,
        stats: StoreStats,
        sync_device: DeviceSyncCallback,
        may_create: MayCreateCallback,
    ) -> None:
        """Start empty.

        ``sync_device(resource, info, gateway)`` keeps devices;
        ``may_create(kind, id, now)`` bounds what a push creates.
        """
        self.stats = stats
        self.changes = ChangeSet()
        self._sync_device_cb = sync_device
        self._may_create = may_create
        # True while a push is applied: its new resources are bounded.
        self.in_push = False
        self._resources: dict[ResourceKind, dict[str, GridxResource]] = {
            kind: {} for kind in ResourceKind
        }
        # system id -> the id of its (first known) gateway.
        self._by_system: dict[str, str] = {}
        # Deleted appliance ids and the time of their deletion.
        self.tombstones: OrderedDict[str, datetime] = OrderedDict()

    def take_changes(self) -> ChangeSet:
        """Return what changed since the last call, and start a new record."""
        changes, self.changes = self.changes, ChangeSet()
        return changes

    # -- reading -------------------------------------------------------------

    def of_kind(self, kind: ResourceKind) -> dict[str, GridxResource]:
        """Return the (live) resources of ``kind`` by id."""
        return self._resources[kind]

    def get(self, kind: ResourceKind, resource_id: str) -> GridxResource | None:
        """Return one resource, or None."""
        return self._resources[kind].get(resource_id)

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

    def gateway_for_system(self, system_id: str | None) -> GridxResource | None:
        """Return the gateway of a system; the only gateway if there is one."""
        gateways = self._resources[ResourceKind.GATEWAY]
        if system_id is not None and (gateway_id := self._by_system.get(system_id)):
            return gateways[gateway_id]
        if len(gateways) == 1:
            return next(iter(gateways.values()))
        return None

    def _index_system(self, gateway: GridxResource) -> None:
        if gateway.kind is ResourceKind.GATEWAY and gateway.system_id is not None:
            self._by_system.setdefault(gateway.system_id, gateway.id)

    # -- loading -------------------------------------------------------------

    def load(self, items: object, tombstones: object, now: datetime) -> None:
        """Load stored resources and tombstones (skipping malformed items).

        Malformed includes text no one can store (`api.text`), which earlier
        versions accepted: a resource without it, a tombstone, is skipped.

        Times far in the future (from versions that did not clamp them)
        become ``now``. Then each resource's device is re-registered, one by
        one: a resource whose device cannot be restored is skipped and logged,
        it never stops setup.
        """
        for item in items if isinstance(items, list) else ():
            if isinstance(item, Mapping) and (
                resource := GridxResource.from_storage(item, now)
            ):
                self._resources[resource.kind][resource.id] = resource
                self._index_system(resource)
        if isinstance(tombstones, Mapping):
            for key, value in tombstones.items():
                if (
                    isinstance(value, str)
                    and not is_bad_text(str(key))
                    and (time := parse_stored_time(value, now)) is not None
                ):
                    self.tombstones[str(key)] = time
        for kind in (ResourceKind.GATEWAY, ResourceKind.APPLIANCE, ResourceKind.EV):
            for resource in list(self._resources[kind].values()):
                try:
                    self.sync_device(resource)
                except Exception:  # noqa: BLE001 - one bad resource never stops setup
                    LOGGER.warning(
                        "Skipped stored gridX %s %s: its device cannot be restored",
                        kind,
                        resource.id,
                        exc_info=True,
                    )
                    del self._resources[kind][resource.id]

    def as_storage(self) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """Return the stored form of the resources and the tombstones."""
        return (
            [
                resource.as_storage()
                for kind in ResourceKind
                for resource in self._resources[kind].values()
            ],
            {key: value.isoformat() for key, value in self.tombstones.items()},
        )

    # -- guarded writes --------------------------------------------------------

    def upsert(
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
        create another resource now (`devices.CreationBudget`). A resource is
        kept only once its device exists: if the device registry refuses it,
        the error propagates (the webhook answers 500) and nothing is kept.
        """
        resource = self._resources[kind].get(resource_id)
        if resource is not None:
            return resource, False
        deleted_at = self.tombstones.get(resource_id)
        if deleted_at is not None and time <= deleted_at:
            self.stale(kind, resource_id, "resource", time, deleted_at)
            return None, False
        if gateway_id is not None and kind is not ResourceKind.GATEWAY:
            gateway, _ = self.upsert(ResourceKind.GATEWAY, gateway_id, time)
            if gateway is None:
                return None, False
        if self.in_push and not self._may_create(kind, resource_id, dt_util.utcnow()):
            return None, False
        self.tombstones.pop(resource_id, None)
        resource = GridxResource(
            kind=kind,
            id=resource_id,
            gateway_id=gateway_id,
            legacy_station=legacy_station,
        )
        self._resources[kind][resource_id] = resource
        try:
            self.sync_device(resource)
        except Exception:
            del self._resources[kind][resource_id]
            raise
        self.changes.new.append((kind, resource_id))
        LOGGER.debug("New gridX %s %s", kind, resource_id)
        return resource, True

    def update_info(
        self, resource: GridxResource, time: datetime, **info: str | None
    ) -> bool:
        """Update device information (only given, non-None fields); guarded."""
        if resource.info_time is not None and time < resource.info_time:
            if any(
                value is not None and getattr(resource, name) != value
                for name, value in info.items()
            ):
                self.stale(resource.kind, resource.id, "info", time, resource.info_time)
            return False
        if resource.info_time != time:
            resource.info_time = time
            resource.revision += 1
        changed = False
        for name, value in info.items():
            if value is not None and getattr(resource, name) != value:
                setattr(resource, name, value)
                changed = True
        if changed:
            self._index_system(resource)
            self.info_changed(resource)
            if (
                resource.gateway_id is not None
                and resource.kind is not ResourceKind.GATEWAY
            ):
                self.upsert(ResourceKind.GATEWAY, resource.gateway_id, time)
            self.sync_device(resource)
        return changed

    def info_changed(self, resource: GridxResource) -> None:
        """Record a change of device information (entities may come or go)."""
        resource.info_revision += 1
        resource.revision += 1
        self.changes.touch(resource.kind, resource.id, INFO)
        self.changes.reshape(resource.kind, resource.id)

    def set(
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
            self.stale(resource.kind, resource.id, key, time, current.time)
            return False
        resource.states[key] = Stamped(value, time, source)
        resource.revision += 1
        if current is None or current.value != value:
            resource.revisions[key] = resource.revisions.get(key, 0) + 1
            self.changes.touch(resource.kind, resource.id, key)
            if current is None:  # a first value may make an entity exist
                self.changes.reshape(resource.kind, resource.id)
        elif current.source is not source:  # availability may change
            self.changes.touch(resource.kind, resource.id, key)
        return True

    def remove(self, kind: ResourceKind, resource_id: str) -> GridxResource | None:
        """Drop a resource; its entities are told it is gone."""
        resource = self._resources[kind].pop(resource_id, None)
        if resource is None:
            return None
        if (
            kind is ResourceKind.GATEWAY
            and resource.system_id is not None
            and self._by_system.get(resource.system_id) == resource_id
        ):
            del self._by_system[resource.system_id]
            for other in self._resources[kind].values():
                self._index_system(other)
        self.changes.touch(kind, resource_id, GONE)
        self.changes.removed.append((kind, resource_id))
        return resource

    def tombstone(self, resource_id: str, time: datetime) -> None:
        """Remember a deletion, so older events do not bring it back."""
        self.tombstones[resource_id] = time
        self.tombstones.move_to_end(resource_id)
        while len(self.tombstones) > TOMBSTONE_MAX_SIZE:
            self.tombstones.popitem(last=False)

    def rekey(self, kind: ResourceKind, old_id: str, new_id: str) -> GridxResource:
        """Move a resource to a new id (re-pairing); the caller moves its device."""
        resource = self._resources[kind].pop(old_id)
        resource.id = new_id
        resource.revision += 1
        resource.info_revision += 1
        self._resources[kind][new_id] = resource
        self.changes.moved.append((kind, old_id, new_id))
        self.changes.touch(kind, new_id, INFO)
        return resource

    def sync_device(self, resource: GridxResource) -> None:
        """Create or update the device of a resource (its gateway first)."""
        gateway: GridxResource | None = None
        if resource.kind is not ResourceKind.GATEWAY and resource.gateway_id:
            gateway = self._resources[ResourceKind.GATEWAY].get(resource.gateway_id)
            if gateway is not None and gateway.device_id is None:
                self.sync_device(gateway)
        info = self.device_info_source(resource.kind, resource.id) or resource
        self._sync_device_cb(resource, info, gateway)

    def stale(
        self,
        kind: ResourceKind,
        resource_id: str,
        what: str,
        time: datetime,
        newer: datetime,
    ) -> None:
        """Count and log (debug) a write that lost to newer data."""
        self.stats.stale_ignored += 1
        LOGGER.debug(
            "Ignored stale %s of gridX %s %s: %s is older than %s",
            what,
            kind,
            resource_id,
            time.isoformat(),
            newer.isoformat(),
        )


__all__ = ["TOMBSTONE_MAX_SIZE", "Catalogue", "StoreStats"]
