"""Time of gridX: the departure time of each charging station.

gridX stores ``departureTimestamp`` but reads only its time of day (past:
tomorrow, future: today; gridx-control-facts §2.2). The entity shows it as
the local time of day it was set for and sends the next occurrence of a new
time in UTC; after a DST change it is sent again (ev/commands.py).
"""

from datetime import time
from typing import override

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import GridxConfigEntry
from .ev.commands import EvChange, departure_local
from .ev.control import EvStation, GridxEvCoordinator
from .ev.entity import GridxEvEntity, async_add_ev_entities
from .state.store import GridxStore

PARALLEL_UPDATES = 1

DEPARTURE = TimeEntityDescription(key="ev_departure", translation_key="ev_departure")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the departure time of each charging station."""

    def _entities(
        coordinator: GridxEvCoordinator, station: EvStation, store: GridxStore
    ) -> list[GridxDepartureTime]:
        return [GridxDepartureTime(coordinator, DEPARTURE, station, store)]

    async_add_ev_entities(entry, async_add_entities, _entities)


class GridxDepartureTime(GridxEvEntity, TimeEntity):
    """When the car should be charged (to the target charge)."""

    @property
    @override
    def native_value(self) -> time | None:
        """Return the confirmed departure as local time of day."""
        return departure_local(self.configuration)

    @override
    async def async_set_value(self, value: time) -> None:
        """Send the next occurrence of ``value`` (local) in UTC."""
        await self.async_change(EvChange(departure=value))
