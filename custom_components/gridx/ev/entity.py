"""The base of the EV charging-control entities, and how they are added.

Each station gets its entities on its own device when the store knows the
appliance (as the live sensors, live/sensor.py), else on its gateway's
device. Unique ids are account-scoped on the gateway, ``{appliance}_{key}``.
"""

from collections.abc import Callable, Iterable
from typing import override

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from ..api.ev_configuration import EvConfiguration
from ..const import ResourceKind
from ..coordinator import GridxConfigEntry
from ..entity import resource_device_info
from ..state.identity import entity_unique_id
from ..state.store import GridxStore
from .commands import EvChange, async_apply
from .control import EvStation, GridxEvCoordinator


def station_device(store: GridxStore, station: EvStation) -> DeviceInfo:
    """Return the device of a station (its appliance, else its gateway)."""
    if store.get(ResourceKind.APPLIANCE, station.appliance_id):
        return resource_device_info(store, ResourceKind.APPLIANCE, station.appliance_id)
    return resource_device_info(store, ResourceKind.GATEWAY, station.gateway_id)


class GridxEvEntity(CoordinatorEntity[GridxEvCoordinator]):
    """A control value of one charging station."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: GridxEvCoordinator,
        description: EntityDescription,
        station: EvStation,
        store: GridxStore,
    ) -> None:
        """Show ``description`` of ``station``."""
        super().__init__(coordinator)
        self.entity_description = description
        self._appliance_id = station.appliance_id
        self._attr_unique_id = entity_unique_id(
            store.account,
            ResourceKind.GATEWAY,
            station.gateway_id,
            f"{station.appliance_id}_{description.key}",
        )
        self._attr_device_info = station_device(store, station)

    @property
    @override
    def available(self) -> bool:
        """Return True while gridX's configuration of the station is current."""
        return self.coordinator.station_available(self._appliance_id)

    @property
    def configuration(self) -> EvConfiguration | None:
        """Return the station's confirmed configuration (None: none at gridX)."""
        station = (self.coordinator.data or {}).get(self._appliance_id)
        return None if station is None else station.configuration

    async def async_change(self, change: EvChange) -> None:
        """Send ``change``; the state follows gridX's answer, never the request."""
        await async_apply(self.coordinator, self._appliance_id, change)


type EntityFactory = Callable[
    [GridxEvCoordinator, EvStation, GridxStore], Iterable[Entity]
]


@callback
def async_add_ev_entities(
    entry: GridxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    factory: EntityFactory,
) -> None:
    """Add ``factory``'s entities for each station, once, as stations appear.

    The factory may decline a station until its configuration says more
    (a switch needs ``chargingEnabled``); it is asked again on each update.
    """
    coordinator = entry.runtime_data.ev
    if coordinator is None:
        return
    store = entry.runtime_data.store
    added: set[str] = set()

    @callback
    def _add() -> None:
        new: list[Entity] = []
        stations = {s.appliance_id: s for s in coordinator.stations()}
        stations.update(coordinator.data or {})
        for station in stations.values():
            for entity in factory(coordinator, station, store):
                if entity.unique_id not in added:
                    added.add(str(entity.unique_id))
                    new.append(entity)
        if new:
            async_add_entities(new)

    entry.async_on_unload(coordinator.async_add_listener(_add))
    entry.async_on_unload(coordinator.live.async_add_listener(_add))
    _add()
