"""Sensors of gridX: inverter status, EV measurements and location, §14a limit."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, UnitOfLength, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import ApplianceType, InverterStatus, known_value
from .const import LOGGER, ResourceKind
from .coordinator import GridxConfigEntry
from .entity import GridxEntityDescription, GridxStateEntity, async_add_dynamic_entities
from .ev.sensor import async_setup_ev_sensors
from .live.sensor import async_setup_live_sensors
from .push.last_event import async_setup_last_event
from .registration.updates_sensor import async_setup_updates
from .state.location import LOCATION_KEY, LOCATION_OPTIONS, location_state
from .state.resource_model import GridxResource, StateKey

# Entities only read the store, which the webhook and the coordinator feed.
PARALLEL_UPDATES = 0

# The inverter status options; gridX's UNKNOWN is Home Assistant's unknown.
INVERTER_STATUS_OPTIONS = [
    InverterStatus.OK.lower(),
    InverterStatus.WARNING.lower(),
    InverterStatus.ERROR.lower(),
]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _inverter_status(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return None
    status = known_value(InverterStatus, value.get("status"))
    if status is None:
        LOGGER.debug("Unknown gridX inverter status %s", value.get("status"))
        return None
    if status is InverterStatus.UNKNOWN:
        return None
    return status.lower()


def _is_inverter(resource: GridxResource) -> bool:
    return (
        resource.appliance_type == ApplianceType.INVERTER
        or StateKey.INVERTER in resource.states
    )


def _is_vehicle(resource: GridxResource) -> bool:
    return not resource.legacy_station


@dataclass(frozen=True, kw_only=True)
class GridxSensorEntityDescription(SensorEntityDescription, GridxEntityDescription):
    """A gridX sensor: ``value_fn`` maps the stored value to the native value."""

    value_fn: Callable[[Any], float | str | None] = _number
    # No value means "does not apply now" (a lifted §14a limit), not unknown.
    unavailable_without_value: bool = False


SENSORS: tuple[GridxSensorEntityDescription, ...] = (
    GridxSensorEntityDescription(
        key="power_limit",
        translation_key="power_limit",
        kind=ResourceKind.GATEWAY,
        state_key=StateKey.POWER_LIMIT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        # Created with the first limit; while no limit applies, the §14a
        # binary sensor says "Not limited" and this has no number to show.
        unavailable_without_value=True,
    ),
    GridxSensorEntityDescription(
        key="inverter_status",
        translation_key="inverter_status",
        kind=ResourceKind.APPLIANCE,
        state_key=StateKey.INVERTER,
        device_class=SensorDeviceClass.ENUM,
        options=INVERTER_STATUS_OPTIONS,
        exists_fn=_is_inverter,
        value_fn=_inverter_status,
    ),
    GridxSensorEntityDescription(
        key="ev_state_of_charge",
        translation_key="ev_state_of_charge",
        kind=ResourceKind.EV,
        state_key=StateKey.STATE_OF_CHARGE,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        exists_fn=_is_vehicle,
    ),
    GridxSensorEntityDescription(
        key="ev_charge_power",
        translation_key="ev_charge_power",
        kind=ResourceKind.EV,
        state_key=StateKey.CHARGE_POWER,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        exists_fn=_is_vehicle,
    ),
    GridxSensorEntityDescription(
        key="ev_range",
        translation_key="ev_range",
        kind=ResourceKind.EV,
        state_key=StateKey.RANGE,
        device_class=SensorDeviceClass.DISTANCE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfLength.METERS,
        suggested_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=0,
        exists_fn=_is_vehicle,
    ),
    GridxSensorEntityDescription(
        key="ev_charge_limit",
        translation_key="ev_charge_limit",
        kind=ResourceKind.EV,
        state_key=StateKey.CHARGE_LIMIT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        exists_fn=_is_vehicle,
    ),
    GridxSensorEntityDescription(
        # Home or away (location.py); it replaced a presence binary sensor.
        key=LOCATION_KEY,
        translation_key=LOCATION_KEY,
        kind=ResourceKind.EV,
        state_key=StateKey.AT_HOME,
        device_class=SensorDeviceClass.ENUM,
        options=LOCATION_OPTIONS,
        exists_fn=_is_vehicle,
        value_fn=location_state,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add sensors for known resources, and for new ones as they appear."""
    async_add_dynamic_entities(entry, SENSORS, GridxSensorEntity, async_add_entities)
    async_setup_last_event(hass, entry, async_add_entities)
    async_setup_updates(entry, async_add_entities)
    async_setup_live_sensors(hass, entry, async_add_entities)
    async_setup_ev_sensors(hass, entry, async_add_entities)


class GridxSensorEntity(GridxStateEntity, SensorEntity):
    """A sensor showing one stored attribute."""

    entity_description: GridxSensorEntityDescription

    @property
    @override
    def native_value(self) -> float | str | None:
        """Return the value in the native unit, None while unknown."""
        value = self.state_value
        return None if value is None else self.entity_description.value_fn(value)

    @property
    @override
    def available(self) -> bool:
        """Return False also while a value that may be absent is absent."""
        if (
            self.entity_description.unavailable_without_value
            and self.state_value is None
        ):
            return False
        return super().available
