"""The per-entry state of gridX: `GridxStore`, the one facade over it.

One `GridxStore` per config entry (``entry.runtime_data.store``) is the only
place state lives. It owns the resources and their stamped states
(`catalogue`, with the staleness rule), the dedupe cache (`seen`), the device registry sync
(`devices`), the saving (`persistence`), the event pipeline behind the push
door (``async_handle_event``, `pipeline`) and the listener registries
(`dispatch`). The push door and the poll write to it; entities only read
from it, and hear about it one way per kind of signal:

- **a resource or a kind of resource** (state changes, moves, new,
  reshaped and removed resources, momentary events):
  ``store.async_subscribe(callback, key, topic)``, the topics in `dispatch`;
- **the entry as a whole**: Home Assistant's dispatcher with the signals of
  `const` (``signal_event``: every accepted delivery; ``signal_state``: a
  poll ended; ``signal_mode``: push or poll-only changed;
  ``signal_bad_signature``); a few listeners each, and Home Assistant logs a
  failing one without stopping the sender;
- **live values and EV control**: their coordinators (``CoordinatorEntity``).
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
import homeassistant.util.dt as dt_util

from ..api.gateways import Appliance, Gateway
from ..api.live import LiveEvStation
from ..api.models import GridxEvent
from ..const import ResourceKind
from .apply import EventApplier
from .catalogue import Catalogue, StoreStats
from .devices import DeviceSync
from .dispatch import GridxDispatcher
from .identity import device_resources
from .live_stations import apply_live_stations
from .persistence import SaveScheduler, async_remove_storage
from .pipeline import EventPipeline, event_device_id
from .resource_model import GridxResource, Stamped, StateKey, not_future
from .seen import SeenIds


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
        self._dispatcher = GridxDispatcher()
        # The one way in for entities and platforms (module docstring):
        # ``async_subscribe(callback, key, topic)``, `dispatch.Topic`.
        self.async_subscribe = self._dispatcher.async_subscribe
        self.devices = DeviceSync(hass, entry_id, account)
        self.catalogue = Catalogue(
            self.stats, self.devices.sync, self.devices.async_may_create
        )
        self.seen = SeenIds()
        self.saver = SaveScheduler(hass, entry_id, self._to_storage)
        self.applier = EventApplier(self.catalogue, self.devices)
        self.pipeline = EventPipeline(
            hass,
            entry_id,
            seen=self.seen,
            catalogue=self.catalogue,
            applier=self.applier,
            dispatcher=self._dispatcher,
            saver=self.saver,
        )
        self.async_handle_event = self.pipeline.async_handle_event

    # -- persistence -----------------------------------------------------

    async def async_load(self) -> None:
        """Load resources, states, seen ids and tombstones; re-register devices."""
        data = await self.saver.async_load()
        if not isinstance(data, dict):
            return
        now = dt_util.utcnow()
        self.catalogue.load(data.get("resources"), data.get("tombstones"), now)
        self.seen.load(data.get("seen"), now)

    def _to_storage(self) -> dict[str, Any]:
        resources, tombstones = self.catalogue.as_storage()
        return {
            "resources": resources,
            "seen": self.seen.as_storage(),
            "tombstones": tombstones,
        }

    async def async_save(self) -> None:
        """Write the store now (on unload)."""
        await self.saver.async_save()

    # -- reading -----------------------------------------------------------

    def known(self, kind: ResourceKind) -> Iterable[str]:
        """Return the ids of the known resources of ``kind``."""
        return list(self.catalogue.of_kind(kind))

    def get(self, kind: ResourceKind, resource_id: str) -> GridxResource | None:
        """Return one resource, or None."""
        return self.catalogue.get(kind, resource_id)

    def resources(self, kind: ResourceKind) -> list[GridxResource]:
        """Return the known resources of ``kind``."""
        return list(self.catalogue.of_kind(kind).values())

    def stamped(
        self, kind: ResourceKind, resource_id: str, key: StateKey
    ) -> Stamped | None:
        """Return the stamped value of one state attribute, or None."""
        resource = self.catalogue.get(kind, resource_id)
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
        resource = self.catalogue.get(kind, resource_id)
        if resource is not None:
            kind = self.devices.device_kind(resource)
        return self.devices.identifier(kind, resource_id)

    def device_resources(self, device: dr.AnyDeviceEntry) -> list[GridxResource]:
        """Return the known resources whose device ``device`` is."""
        found: list[GridxResource] = []
        for kind, resource_id in device_resources(self.account, device.identifiers):
            for candidate in (kind, ResourceKind.EV):
                resource = self.catalogue.get(candidate, resource_id)
                if resource is not None and resource.device_id == device.id:
                    found.append(resource)
        order = (ResourceKind.GATEWAY, ResourceKind.EV, ResourceKind.APPLIANCE)
        unique = {id(resource): resource for resource in found}.values()
        return sorted(unique, key=lambda resource: order.index(resource.kind))

    def device_info_source(
        self, kind: ResourceKind, resource_id: str
    ) -> GridxResource | None:
        """Return the resource whose fields describe the device of a resource."""
        return self.catalogue.device_info_source(kind, resource_id)

    def event_device_id(self, event: GridxEvent) -> str | None:
        """Return the device registry id of the most specific device of an event."""
        return event_device_id(self.catalogue, event)

    @property
    def seen_count(self) -> int:
        """Return how many event ids the dedupe cache holds."""
        return len(self.seen)

    @property
    def listener_calls(self) -> int:
        """Return how many subscriber calls changes have caused so far."""
        return self._dispatcher.calls

    # -- the polling door ----------------------------------------------------

    @callback
    def async_apply_poll(
        self,
        gateways: Sequence[Gateway],
        appliances: Sequence[Appliance],
        polled_at: datetime,
        *,
        complete: bool = True,
    ) -> None:
        """Apply what a poll saw, as of ``polled_at`` (the poll's start).

        Seeds and reconciles connectivity from ``connectionStatus.status``
        (``AVAILABLE`` on, ``TEMPORARILY_UNAVAILABLE``/``UNAVAILABLE`` off,
        anything else unknown) and discovers resources no create event
        announced. A push newer than ``polled_at`` wins. A ``complete`` poll
        also counts the gateways and appliances it missed (removed after
        `apply.STALE_AFTER_POLLS` such polls in a row).
        """
        self.applier.apply_poll(gateways, appliances, polled_at, complete=complete)
        self.pipeline.async_notify()

    @callback
    def async_apply_live_stations(
        self, gateway_id: str, stations: Sequence[LiveEvStation], polled_at: datetime
    ) -> None:
        """Apply the plug and charging state of a live answer's stations.

        As of ``polled_at``; a newer push wins (see `live_stations`).
        """
        apply_live_stations(self.catalogue, gateway_id, stations, polled_at)
        self.pipeline.async_notify()

    # -- restore -------------------------------------------------------------

    @callback
    def async_restore(
        self, kind: ResourceKind, resource_id: str, key: StateKey, stamped: Stamped
    ) -> bool:
        """Seed one attribute from an entity's restore data, if the store has none.

        Used once after upgrading from a version that kept state values only
        in the entities' restore data. Returns True when it was applied.
        """
        resource = self.catalogue.get(kind, resource_id)
        if resource is None or key in resource.states:
            return False
        time = not_future(stamped.time, dt_util.utcnow())
        applied = self.catalogue.set(resource, key, stamped.value, time, stamped.source)
        self.pipeline.async_notify()
        return applied

    # -- removal -------------------------------------------------------------

    @callback
    def async_forget_device(self, device: dr.AnyDeviceEntry) -> bool:
        """Forget the resources of a device the user removes; False to refuse.

        A device that gridX still lists (the last successful poll) would come
        straight back with the next poll, so its removal is refused. Others
        come back only when an event or a poll mentions them again.
        """
        resources = self.device_resources(device)
        polled = self.applier.polled
        if polled is not None and any(
            resource.id in polled.get(resource.kind, ()) for resource in resources
        ):
            return False
        for resource in resources:
            self.catalogue.remove(resource.kind, resource.id)
        self.pipeline.async_notify()
        return True


async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the stored data of a removed entry."""
    await async_remove_storage(hass, entry_id)


__all__ = ["GridxStore", "async_remove_store"]
