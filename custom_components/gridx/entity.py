"""Base entities of gridX: device info from the store, and store-driven state.

Entities subscribe to their own resource only, through the store's one way
in (`GridxStore.async_subscribe`, topics in `state.dispatch`): a change of
one device wakes the few entities of that device, and an entity writes its
state only when the attribute it shows (its revision), the device
information or its availability changed. Only polled entities also listen
to the entry-wide ``signal_state`` (poll failures: availability).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, override

from homeassistant.core import callback
from homeassistant.helpers import entity_platform, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import ExtraStoredData, RestoreEntity

from .compat import set_via_device
from .const import ResourceKind, signal_state
from .coordinator import GridxConfigEntry
from .state.dispatch import GONE, INFO, Topic
from .state.identity import entity_unique_id, unique_id_prefix
from .state.resource_model import (
    GridxResource,
    Source,
    Stamped,
    StateKey,
    device_name,
    device_translation_key,
    device_translation_placeholders,
)
from .state.store import GridxStore

# Polled entities (connectivity) become unavailable after this many polls
# in a row failed, unless a push updated them after the failures began.
UNAVAILABLE_AFTER_FAILED_POLLS = 3


def resource_device_info(
    store: GridxStore, kind: ResourceKind, resource_id: str
) -> DeviceInfo:
    """Return the device info of one resource, from what the store knows."""
    info: DeviceInfo = DeviceInfo(
        identifiers={store.device_identifier(kind, resource_id)}
    )
    resource = store.device_info_source(kind, resource_id)
    if resource is None:
        return info
    if (key := device_translation_key(resource)) is not None:
        info["translation_key"] = key
        info["translation_placeholders"] = device_translation_placeholders(resource)
    else:
        info["name"] = device_name(resource)
    for key, value in (
        ("manufacturer", resource.manufacturer),
        ("model", resource.model),
        ("serial_number", resource.serial_number),
        ("sw_version", resource.firmware),
    ):
        if value is not None:
            info[key] = value  # type: ignore[literal-required]
    if kind is not ResourceKind.GATEWAY and resource.gateway_id is not None:
        gateway = store.get(ResourceKind.GATEWAY, resource.gateway_id)
        if gateway is not None and gateway.device_id is not None:
            set_via_device(
                info,
                gateway.device_id,
                store.device_identifier(ResourceKind.GATEWAY, gateway.id),
            )
    return info


class GridxEntity(Entity):
    """An entity of one gridX resource (gateway, appliance or EV).

    The unique id is `identity.entity_unique_id` of the resource: when
    gridX re-issues an applianceID (re-pairing), the store moves the device
    and rewrites such unique ids, and this class follows the move.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, entry: GridxConfigEntry, kind: ResourceKind, resource_id: str
    ) -> None:
        """Attach the entity to the device of ``resource_id``."""
        self._entry = entry
        self._store = entry.runtime_data.store
        self._kind = kind
        self._resource_id = resource_id
        self._attr_device_info = resource_device_info(self._store, kind, resource_id)

    def _unique_id(self, key: str) -> str:
        """Return the unique id of this entity's ``key`` on its resource."""
        return entity_unique_id(self._store.account, self._kind, self._resource_id, key)

    @property
    def resource_id(self) -> str:
        """Return the id of the resource (it changes when an appliance re-pairs)."""
        return self._resource_id

    @property
    def resource(self) -> GridxResource | None:
        """Return the resource from the store, None once it is gone."""
        return self._store.get(self._kind, self._resource_id)

    @override
    async def async_added_to_hass(self) -> None:
        """Follow re-pairing moves of the resource."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self._store.async_subscribe(
                self._async_moved, (self._kind, self._resource_id), Topic.MOVED
            )
        )

    @callback
    def _async_moved(self, new_id: str) -> None:
        old_id = self._resource_id
        self._resource_id = new_id
        old_prefix = unique_id_prefix(self._store.account, self._kind, old_id)
        if self._attr_unique_id is not None and self._attr_unique_id.startswith(
            old_prefix
        ):
            self._attr_unique_id = unique_id_prefix(
                self._store.account, self._kind, new_id
            ) + self._attr_unique_id.removeprefix(old_prefix)
        self._attr_device_info = resource_device_info(self._store, self._kind, new_id)


@dataclass(frozen=True, kw_only=True)
class GridxEntityDescription(EntityDescription):
    """What a state entity shows: one attribute of one kind of resource."""

    kind: ResourceKind
    state_key: StateKey
    # Fed by the coordinator too: subject to the failed-poll availability rule.
    polled: bool = False
    exists_fn: Callable[[GridxResource], bool] = lambda _: True
    # Created only once the value is known (from a poll or an event), or
    # when the entity exists already (registered: it restores its value);
    # until it has a value it is unavailable, never "Unknown" for ever.
    needs_value: bool = True
    # Further attributes of the resource the entity shows (as state
    # attributes): a change of one writes the state too.
    attribute_keys: tuple[StateKey, ...] = ()


class GridxRestoreData(ExtraStoredData):
    """The restored value of an attribute together with its time."""

    def __init__(self, stamped: Stamped | None) -> None:
        """Hold the stamped value (None when there is none)."""
        self.stamped = stamped

    @override
    def as_dict(self) -> dict[str, Any]:
        """Return ``{"stamped": {value, time, source}}``."""
        return {"stamped": None if self.stamped is None else self.stamped.as_dict()}


class GridxStateEntity(GridxEntity, RestoreEntity):
    """An entity showing one stamped attribute of the store.

    It restores its value and the value's time after a restart, so an event
    older than the restored state still cannot overwrite it.
    """

    entity_description: GridxEntityDescription

    def __init__(
        self,
        entry: GridxConfigEntry,
        description: GridxEntityDescription,
        resource_id: str,
    ) -> None:
        """Show ``description.state_key`` of ``resource_id``."""
        super().__init__(entry, description.kind, resource_id)
        self.entity_description = description
        self._attr_unique_id = self._unique_id(description.key)
        self._written: tuple[object, ...] | None = None

    @property
    def stamped(self) -> Stamped | None:
        """Return the stamped attribute this entity shows."""
        return self._store.stamped(
            self._kind, self._resource_id, self.entity_description.state_key
        )

    @property
    def state_value(self) -> Any:
        """Return the attribute's value, or None."""
        stamped = self.stamped
        return None if stamped is None else stamped.value

    @property
    @override
    def available(self) -> bool:
        """Return False without a value, without the resource, or while polls fail."""
        if self.resource is None:
            return False
        if self.entity_description.needs_value and self.stamped is None:
            # A registered entity with nothing to restore waits for its value.
            return False
        if not self.entity_description.polled:
            return True
        coordinator = self._entry.runtime_data.coordinator
        if coordinator.failed_polls < UNAVAILABLE_AFTER_FAILED_POLLS:
            return True
        stamped = self.stamped
        return (
            stamped is not None
            and stamped.source is Source.PUSH
            and coordinator.failing_since is not None
            and stamped.time >= coordinator.failing_since
        )

    @property
    @override
    def extra_restore_state_data(self) -> GridxRestoreData:
        """Return the value with its time, for the next start."""
        return GridxRestoreData(self.stamped)

    @override
    async def async_added_to_hass(self) -> None:
        """Seed a value from restore data if the store has none; follow the store.

        The store keeps values and times itself; restore data only matters
        once, after upgrading from a version that kept values there (store
        version 1). Read through `RestoreEntity.async_get_last_extra_data`,
        the entity's own restore data (how Home Assistant keys its cache
        changed in 2026.11; this call did not).
        """
        await super().async_added_to_hass()
        key = self.entity_description.state_key
        if self.stamped is None and (extra := await self.async_get_last_extra_data()):
            raw = extra.as_dict().get("stamped")
            if isinstance(raw, dict) and (stamped := Stamped.from_dict(raw)):
                self._store.async_restore(self._kind, self._resource_id, key, stamped)
        self.async_on_remove(
            self._store.async_subscribe(
                self._async_resource_changed,
                (self._kind, self._resource_id),
                Topic.STATE,
            )
        )
        if self.entity_description.polled:
            self.async_on_remove(
                async_dispatcher_connect(
                    self.hass,
                    signal_state(self._entry.entry_id),
                    self._async_write_if_changed,
                )
            )
        self._written = self._marker()

    def _marker(self) -> tuple[object, ...]:
        resource = self.resource
        if resource is None:
            return (-1, -1, False)
        description = self.entity_description
        return (
            resource.revisions.get(description.state_key, 0),
            resource.info_revision,
            self.available,
            *(resource.revisions.get(key, 0) for key in description.attribute_keys),
        )

    @callback
    def _async_resource_changed(self, keys: frozenset[str]) -> None:
        description = self.entity_description
        if (
            description.state_key in keys
            or INFO in keys
            or GONE in keys
            or not keys.isdisjoint(description.attribute_keys)
        ):
            self._async_write_if_changed()

    @callback
    def _async_write_if_changed(self) -> None:
        marker = self._marker()
        if marker != self._written:
            self._written = marker
            self.async_write_ha_state()


def registered_unique_ids(
    entry: GridxConfigEntry, domain: str | None = None
) -> set[str]:
    """Return the unique ids of the entry's registered entities (of ``domain``).

    An entity that is registered existed before: it is created again at
    setup and decides from its own restore data
    (`RestoreEntity.async_get_last_state` / ``async_get_last_extra_data``)
    what it shows. Only the entity registry's documented helpers are used;
    Home Assistant's restore cache itself is not read (its layout is not API:
    2026.11 split it by entity id and by registry id).
    """
    hass = entry.runtime_data.store.hass
    return {
        entity.unique_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if domain is None or entity.domain == domain
    }


@callback
def async_add_dynamic_entities[D: GridxEntityDescription](
    entry: GridxConfigEntry,
    descriptions: Sequence[D],
    factory: Callable[[GridxConfigEntry, D, str], Entity],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add entities for known resources now, and for new ones as they appear.

    The store announces each new resource, and each resource whose shape
    changed (an appliance that reported its first inverter status, a device
    whose type became known), so only that one resource is looked at; a
    resource that is removed is forgotten here, so it gets its entities
    again if it comes back.
    """
    store = entry.runtime_data.store
    # Only this platform's registered entities (a unique id is unique per
    # platform); this runs in the platform's async_setup_entry.
    registered = registered_unique_ids(
        entry, entity_platform.async_get_current_platform().domain
    )
    by_kind: dict[ResourceKind, list[D]] = {}
    for description in descriptions:
        by_kind.setdefault(description.kind, []).append(description)
    # (kind, resource id) -> the keys of the descriptions added for it.
    added: dict[tuple[ResourceKind, str], set[str]] = {}

    @callback
    def _consider(kind: ResourceKind, resource_id: str) -> None:
        resource = store.get(kind, resource_id)
        if resource is None:
            return
        done = added.setdefault((kind, resource_id), set())
        fitting = [
            description
            for description in by_kind[kind]
            if description.key not in done
            and description.exists_fn(resource)
            and (
                not description.needs_value
                or description.state_key in resource.states
                or entity_unique_id(store.account, kind, resource_id, description.key)
                in registered
            )
        ]
        if fitting:
            done.update(description.key for description in fitting)
            async_add_entities(
                [factory(entry, description, resource_id) for description in fitting]
            )

    @callback
    def _removed(kind: ResourceKind, resource_id: str) -> None:
        added.pop((kind, resource_id), None)

    @callback
    def _moved(kind: ResourceKind, old_id: str, new_id: str) -> None:
        if (keys := added.pop((kind, old_id), None)) is not None:
            added[(kind, new_id)] = keys

    for kind in by_kind:
        consider = partial(_consider, kind)
        for topic in (Topic.NEW, Topic.RESHAPED):
            entry.async_on_unload(store.async_subscribe(consider, kind, topic))
        entry.async_on_unload(
            store.async_subscribe(partial(_removed, kind), kind, Topic.REMOVED)
        )
        entry.async_on_unload(
            store.async_subscribe(partial(_moved, kind), kind, Topic.MOVED)
        )
        for resource_id in store.known(kind):
            _consider(kind, resource_id)


__all__ = [
    "UNAVAILABLE_AFTER_FAILED_POLLS",
    "GridxEntity",
    "GridxEntityDescription",
    "GridxRestoreData",
    "GridxStateEntity",
    "async_add_dynamic_entities",
    "registered_unique_ids",
    "resource_device_info",
]
