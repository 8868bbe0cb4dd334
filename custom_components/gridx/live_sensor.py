"""Live sensors: system power, battery, rates and real grid meters.

System values sit on the gateway's device (a system is 1:1 with its
gateway); the values of a heat pump or charging station in the live arrays
sit on that appliance's device when the store knows it, else on the gateway.
A sensor exists only once its system reported its value (no battery: no
battery sensors). Units and signs are gridX's (gridx-live-facts §3, §6):
power in W with grid + import / - export and battery + discharge / - charge,
as Home Assistant expects; rates 0-1 become %; meters in Ws become kWh.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, UnitOfEnergy, UnitOfPower
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.live import WS_PER_KWH, LiveEvStation, LiveMeasurement
from .const import ResourceKind
from .entity import resource_device_info
from .identity import entity_unique_id
from .live_coordinator import GridxLiveCoordinator, LiveSystem
from .runtime import GridxConfigEntry

# A meter that drops by less than this share of its reading is a glitch and
# is held; a larger drop is a meter reset (a new total_increasing cycle).
METER_GLITCH_SHARE = 0.1
SG_READY_OPTIONS = ["off", "auto", "recommend_on", "on"]
PLUG_STATE_OPTIONS = [
    "unplugged",
    "plugged_on_station",
    "plugged_on_station_and_plugged_on_vehicle",
]

type Value = float | str | None


def _field(name: str) -> Callable[[LiveMeasurement], Value]:
    return lambda live: live.get(name)


def _percent(name: str) -> Callable[[LiveMeasurement], Value]:
    def value(live: LiveMeasurement) -> Value:
        rate = live.get(name)
        return None if rate is None else round(rate * 100, 2)

    return value


def _grid_import(live: LiveMeasurement) -> Value:
    grid = live.get("grid")
    return None if grid is None else max(grid, 0.0)


def _grid_export(live: LiveMeasurement) -> Value:
    grid = live.get("grid")
    return None if grid is None else max(-grid, 0.0)


def _meter(name: str) -> Callable[[LiveMeasurement], Value]:
    """Return a Ws meter in kWh; the sign is dropped (negative-export quirk)."""

    def value(live: LiveMeasurement) -> Value:
        reading = live.get(name)
        return None if reading is None else abs(reading) / WS_PER_KWH

    return value


def _battery(attribute: str, scale: float = 1) -> Callable[[LiveMeasurement], Value]:
    def value(live: LiveMeasurement) -> Value:
        number = None if live.battery is None else getattr(live.battery, attribute)
        return None if number is None else round(number * scale, 2)

    return value


def _station_power(live: LiveMeasurement) -> Value:
    return None if live.ev_station is None else live.ev_station.power


def _lower(value: str | None, options: list[str]) -> str | None:
    """Return a known enum value in lower case; UNKNOWN and others are None."""
    lowered = None if value is None else value.lower()
    return lowered if lowered in options else None


@dataclass(frozen=True, kw_only=True)
class GridxLiveSensorEntityDescription(SensorEntityDescription):
    """A system-level live value."""

    value_fn: Callable[[LiveMeasurement], Value]
    meter: bool = False


@dataclass(frozen=True, kw_only=True)
class GridxItemSensorEntityDescription(SensorEntityDescription):
    """A value of each item of a live array (heat pumps, charging stations)."""

    items_fn: Callable[[LiveMeasurement], Sequence[Any]]
    value_fn: Callable[[Any], Value]
    meter: bool = False
    # A system sensor shows the same value when this is the only item; an
    # unmatched only item (it would sit on the gateway too) gets no sensor.
    repeats_aggregate: bool = False


def _power(key: str, value_fn: Callable[[LiveMeasurement], Value], **kw: Any) -> Any:
    return GridxLiveSensorEntityDescription(
        key=key,
        translation_key=key,
        value_fn=value_fn,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        **kw,
    )


def _energy(key: str, value_fn: Callable[[LiveMeasurement], Value], **kw: Any) -> Any:
    return GridxLiveSensorEntityDescription(
        key=key,
        translation_key=key,
        value_fn=value_fn,
        meter=True,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        **kw,
    )


def _rate(key: str, name: str) -> GridxLiveSensorEntityDescription:
    return GridxLiveSensorEntityDescription(
        key=key,
        translation_key=key,
        value_fn=_percent(name),
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
    )


def _stored(key: str, attribute: str) -> GridxLiveSensorEntityDescription:
    return GridxLiveSensorEntityDescription(
        key=key,
        translation_key=key,
        value_fn=_battery(attribute),
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
    )


SYSTEM_SENSORS: tuple[GridxLiveSensorEntityDescription, ...] = (
    _power("photovoltaic_power", _field("photovoltaic")),
    _power("production_power", _field("production")),
    _power("consumption_power", _field("consumption")),
    _power("total_consumption_power", _field("totalConsumption")),
    _power("grid_power", _field("grid")),
    _power("grid_import_power", _grid_import),
    _power("grid_export_power", _grid_export),
    _power("battery_power", _battery("power")),
    _power("heat_pump_power", _field("heatPump")),
    _power("heating_power", _field("heating")),
    _power("charging_station_power", _station_power),
    _power(
        "self_supply_power", _field("selfSupply"), entity_registry_enabled_default=False
    ),
    _power(
        "self_consumption_power",
        _field("selfConsumption"),
        entity_registry_enabled_default=False,
    ),
    *(
        _power(
            f"grid_l{n}_power",
            _field(f"gridL{n}"),
            entity_registry_enabled_default=False,
        )
        for n in (1, 2, 3)
    ),
    GridxLiveSensorEntityDescription(
        key="battery_state_of_charge",
        translation_key="battery_state_of_charge",
        value_fn=_battery("state_of_charge", 100),
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
    ),
    _stored("battery_capacity", "capacity"),
    _stored("battery_remaining_charge", "remaining_charge"),
    _rate("self_sufficiency", "selfSufficiencyRate"),
    _rate("self_consumption_rate", "selfConsumptionRate"),
    _energy("grid_import_energy", _meter("gridMeterReadingPositive")),
    _energy("grid_export_energy", _meter("gridMeterReadingNegative")),
    _energy(
        "heat_pump_energy",
        _meter("heatPumpMeterReadingPositive"),
        entity_registry_enabled_default=False,
    ),
)


def _station_energy(station: LiveEvStation) -> Value:
    # Wh per the spec; some clients read kWh (gridx-live-facts §3.1). The
    # spec wins; the unit is Wh, shown in kWh.
    return station.reading_total


ITEM_SENSORS: tuple[GridxItemSensorEntityDescription, ...] = (
    GridxItemSensorEntityDescription(
        key="heat_pump_power",
        translation_key="heat_pump_power",
        repeats_aggregate=True,
        items_fn=lambda live: live.heat_pumps,
        value_fn=lambda item: item.power,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
    ),
    GridxItemSensorEntityDescription(
        key="sg_ready_state",
        translation_key="sg_ready_state",
        items_fn=lambda live: live.heat_pumps,
        value_fn=lambda item: _lower(item.sg_ready_state, SG_READY_OPTIONS),
        device_class=SensorDeviceClass.ENUM,
        options=SG_READY_OPTIONS,
    ),
    GridxItemSensorEntityDescription(
        key="charging_station_power",
        translation_key="charging_station_power",
        repeats_aggregate=True,
        items_fn=lambda live: live.ev_stations,
        value_fn=lambda item: item.power,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
    ),
    GridxItemSensorEntityDescription(
        key="charging_station_energy",
        translation_key="charging_station_energy",
        items_fn=lambda live: live.ev_stations,
        value_fn=_station_energy,
        meter=True,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
    ),
    GridxItemSensorEntityDescription(
        key="plug_state",
        translation_key="plug_state",
        items_fn=lambda live: live.ev_stations,
        value_fn=lambda item: _lower(item.plug_state, PLUG_STATE_OPTIONS),
        device_class=SensorDeviceClass.ENUM,
        options=PLUG_STATE_OPTIONS,
        entity_registry_enabled_default=False,
    ),
)


@callback
def async_setup_live_sensors(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add live sensors as systems report values, now and after every poll."""
    coordinator = entry.runtime_data.live
    if coordinator is None:
        return
    store = entry.runtime_data.store
    added: set[str] = set()

    def _unique_id(system: LiveSystem, key: str) -> str:
        # Account-scoped on the gateway, like every gridX unique id: two
        # entries that see one system get a sensor each (identity.py).
        return entity_unique_id(
            store.account, ResourceKind.GATEWAY, system.gateway_id, key
        )

    def _device(system: LiveSystem, appliance_id: str | None) -> DeviceInfo:
        if appliance_id and store.get(ResourceKind.APPLIANCE, appliance_id):
            return resource_device_info(store, ResourceKind.APPLIANCE, appliance_id)
        return resource_device_info(store, ResourceKind.GATEWAY, system.gateway_id)

    @callback
    def _add() -> None:
        data = coordinator.data or {}
        new: list[SensorEntity] = []
        for system in coordinator.systems():
            live = data.get(system.system_id)
            if live is None:
                continue
            for description in SYSTEM_SENSORS:
                unique_id = _unique_id(system, description.key)
                if unique_id in added or description.value_fn(live) is None:
                    continue
                added.add(unique_id)
                device = _device(system, None)
                new.append(_entity(coordinator, description, system, unique_id, device))
            for item_description in ITEM_SENSORS:
                items = item_description.items_fn(live)
                for item in items:
                    appliance = item.appliance_id
                    if (
                        item_description.repeats_aggregate
                        and len(items) == 1
                        and not store.get(ResourceKind.APPLIANCE, appliance or "")
                    ):
                        continue
                    unique_id = _unique_id(
                        system, f"{appliance}_{item_description.key}"
                    )
                    if not appliance or unique_id in added:
                        continue
                    if item_description.value_fn(item) is None:
                        continue
                    added.add(unique_id)
                    new.append(
                        _entity(
                            coordinator,
                            item_description,
                            system,
                            unique_id,
                            _device(system, appliance),
                            appliance,
                        )
                    )
        if new:
            async_add_entities(new)

    entry.async_on_unload(coordinator.async_add_listener(_add))
    _add()


def _entity(
    coordinator: GridxLiveCoordinator,
    description: GridxLiveSensorEntityDescription | GridxItemSensorEntityDescription,
    system: LiveSystem,
    unique_id: str,
    device: DeviceInfo,
    appliance_id: str | None = None,
) -> SensorEntity:
    cls = GridxLiveMeterSensor if description.meter else GridxLiveSensor
    return cls(coordinator, description, system, unique_id, device, appliance_id)


class GridxLiveSensor(CoordinatorEntity[GridxLiveCoordinator], SensorEntity):
    """A live value of one system (or of one appliance in its arrays)."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: GridxLiveCoordinator,
        description: GridxLiveSensorEntityDescription
        | GridxItemSensorEntityDescription,
        system: LiveSystem,
        unique_id: str,
        device: DeviceInfo,
        appliance_id: str | None,
    ) -> None:
        """Show ``description`` of ``system`` (and ``appliance_id``)."""
        super().__init__(coordinator)
        self.entity_description = description
        self._system_id = system.system_id
        self._appliance_id = appliance_id
        self._attr_unique_id = unique_id
        self._attr_device_info = device

    @property
    @override
    def available(self) -> bool:
        """Return False once this system failed too often in a row."""
        return self.coordinator.system_available(self._system_id)

    def _current(self) -> Value:
        live = (self.coordinator.data or {}).get(self._system_id)
        if live is None:
            return None
        description = self.entity_description
        if isinstance(description, GridxItemSensorEntityDescription):
            for item in description.items_fn(live):
                if item.appliance_id == self._appliance_id:
                    return description.value_fn(item)
            return None
        if isinstance(description, GridxLiveSensorEntityDescription):
            return description.value_fn(live)
        return None  # pragma: no cover - there are only the two kinds

    @property
    @override
    def native_value(self) -> Value:
        """Return the value of the last live answer, None when not reported."""
        return self._current()


class GridxLiveMeterSensor(GridxLiveSensor, RestoreSensor):
    """A cumulative meter that never steps backwards by mistake.

    A reading below the last one by less than `METER_GLITCH_SHARE` is held
    (a glitch, e.g. a repeated older sample); a larger drop is a meter reset
    and is shown, so the recorder starts a new cycle. The last reading is
    restored after a restart, so the rule holds across restarts.
    """

    _last: float | None = None

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the last reading."""
        await super().async_added_to_hass()
        restored = await self.async_get_last_sensor_data()
        if restored is not None and isinstance(restored.native_value, int | float):
            self._last = float(restored.native_value)
        self._accept()

    @override
    def _handle_coordinator_update(self) -> None:
        self._accept()
        super()._handle_coordinator_update()

    def _accept(self) -> None:
        value = self._current()
        if not isinstance(value, int | float):
            return
        last = self._last
        if last is None or value >= last or last - value > last * METER_GLITCH_SHARE:
            self._last = float(value)

    @property
    @override
    def native_value(self) -> float | None:
        """Return the last accepted reading."""
        return self._last
