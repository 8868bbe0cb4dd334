"""Diagnostic sensors of each charging station's configuration.

``estimatedDepartureTimestamp``: when the gridBox expects the target charge;
``maxPowerCalculated``: the most the gridBox lets the station draw (EV and
dynamic load management). Both are read-only (inferred, gridx-control-facts
§2.2) and appear once a station's configuration was read.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfPower
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..api.ev_configuration import EvConfiguration
from ..coordinator import GridxConfigEntry
from ..state.store import GridxStore
from .control import EvStation, GridxEvCoordinator
from .entity import GridxEvEntity, async_add_ev_entities


@dataclass(frozen=True, kw_only=True)
class GridxEvSensorEntityDescription(SensorEntityDescription):
    """A read-only value of a station's configuration."""

    value_fn: Callable[[EvConfiguration], datetime | float | None]


EV_SENSORS: tuple[GridxEvSensorEntityDescription, ...] = (
    GridxEvSensorEntityDescription(
        key="ev_estimated_departure",
        translation_key="ev_estimated_departure",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda config: config.estimated_departure,
    ),
    GridxEvSensorEntityDescription(
        key="ev_max_power_calculated",
        translation_key="ev_max_power_calculated",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda config: config.max_power_calculated,
    ),
)


@callback
def async_setup_ev_sensors(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the diagnostic sensors once a station's configuration was read."""

    def _entities(
        coordinator: GridxEvCoordinator, station: EvStation, store: GridxStore
    ) -> list[GridxEvSensor]:
        if station.configuration is None:
            return []
        return [
            GridxEvSensor(coordinator, description, station, store)
            for description in EV_SENSORS
        ]

    async_add_ev_entities(entry, async_add_entities, _entities)


class GridxEvSensor(GridxEvEntity, SensorEntity):
    """A read-only value of a station's configuration."""

    entity_description: GridxEvSensorEntityDescription

    @property
    @override
    def native_value(self) -> datetime | float | None:
        """Return the value of the last confirmed configuration."""
        config = self.configuration
        return None if config is None else self.entity_description.value_fn(config)
