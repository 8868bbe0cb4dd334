"""Numbers of gridX: target charge and maximum charging power per station.

``minRequestedSoc`` is 0-100 % (not 0-1 as in ``/live``) and goes out with
the car's capacity (ev/commands.py). ``maxChargePower`` is W over all
phases; 0 means no limit (``null``), as L does it; disabled by default
like L's, since most homes never cap their wallbox.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.ev_configuration import EvConfiguration
from .coordinator import GridxConfigEntry
from .ev.commands import EvChange
from .ev.control import EvStation, GridxEvCoordinator
from .ev.entity import GridxEvEntity, async_add_ev_entities
from .state.store import GridxStore

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class GridxEvNumberEntityDescription(NumberEntityDescription):
    """A number of the configuration: how to read it and what a write changes."""

    value_fn: Callable[[EvConfiguration], float | None]
    change_fn: Callable[[float], EvChange]


NUMBERS: tuple[GridxEvNumberEntityDescription, ...] = (
    GridxEvNumberEntityDescription(
        key="ev_target_charge",
        translation_key="ev_target_charge",
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        mode=NumberMode.BOX,
        native_unit_of_measurement=PERCENTAGE,
        value_fn=lambda config: config.min_requested_soc,
        change_fn=lambda value: EvChange(target=value),
    ),
    GridxEvNumberEntityDescription(
        key="ev_max_charging_power",
        translation_key="ev_max_charging_power",
        device_class=NumberDeviceClass.POWER,
        native_min_value=0,
        native_max_value=22000,
        native_step=100,
        mode=NumberMode.BOX,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_registry_enabled_default=False,
        # null = no limit, shown (and set) as 0.
        value_fn=lambda config: config.max_charge_power or 0,
        change_fn=lambda value: EvChange(max_power=value),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the numbers of each charging station."""

    def _entities(
        coordinator: GridxEvCoordinator, station: EvStation, store: GridxStore
    ) -> list[GridxEvNumber]:
        return [
            GridxEvNumber(coordinator, description, station, store)
            for description in NUMBERS
        ]

    async_add_ev_entities(entry, async_add_entities, _entities)


class GridxEvNumber(GridxEvEntity, NumberEntity):
    """A number of a station's configuration."""

    entity_description: GridxEvNumberEntityDescription

    @property
    @override
    def native_value(self) -> float | None:
        """Return the confirmed value."""
        config = self.configuration or EvConfiguration()
        return self.entity_description.value_fn(config)

    @override
    async def async_set_native_value(self, value: float) -> None:
        """Send the value; the state changes once gridX confirmed it."""
        await self.async_change(self.entity_description.change_fn(value))
