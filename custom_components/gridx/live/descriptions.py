"""What each system-level live sensor shows, and how (gridx-live-facts §3, §6).

Units and signs are gridX's: power in W with grid + import / - export and
battery + discharge / - charge, as Home Assistant expects; rates 0-1 become
%; meters in Ws become kWh. A value the system does not report is None (no
sensor is created for it).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, UnitOfEnergy, UnitOfPower

from ..api.live import WS_PER_KWH, LiveMeasurement

type Value = float | str | None


def field(name: str) -> Callable[[LiveMeasurement], Value]:
    """Return the top-level number ``name`` as sent."""
    return lambda live: live.get(name)


def percent(rate: float | None) -> Value:
    """Return a 0-1 rate or state of charge in % (gridX sends ``1`` as int too)."""
    return None if rate is None else round(rate * 100, 2)


def _rate_of(name: str) -> Callable[[LiveMeasurement], Value]:
    return lambda live: percent(live.get(name))


def _grid_import(live: LiveMeasurement) -> Value:
    grid = live.get("grid")
    return None if grid is None else max(grid, 0.0)


def _grid_export(live: LiveMeasurement) -> Value:
    grid = live.get("grid")
    return None if grid is None else max(-grid, 0.0)


def ws_meter_kwh(reading: float | None) -> Value:
    """Return a Ws meter in kWh; the sign is dropped (negative-export quirk)."""
    return None if reading is None else abs(reading) / WS_PER_KWH


def meter(name: str) -> Callable[[LiveMeasurement], Value]:
    """Return the Ws meter ``name`` in kWh."""
    return lambda live: ws_meter_kwh(live.get(name))


def _battery(attribute: str, scale: float = 1) -> Callable[[LiveMeasurement], Value]:
    def value(live: LiveMeasurement) -> Value:
        number = None if live.battery is None else getattr(live.battery, attribute)
        return None if number is None else round(number * scale, 2)

    return value


def _station_power(live: LiveMeasurement) -> Value:
    return None if live.ev_station is None else live.ev_station.power


@dataclass(frozen=True, kw_only=True)
class GridxLiveSensorEntityDescription(SensorEntityDescription):
    """A system-level live value."""

    value_fn: Callable[[LiveMeasurement], Value]
    meter: bool = False


POWER: dict[str, Any] = {
    "device_class": SensorDeviceClass.POWER,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": UnitOfPower.WATT,
    "suggested_display_precision": 0,
}
KWH_METER: dict[str, Any] = {
    "meter": True,
    "device_class": SensorDeviceClass.ENERGY,
    "state_class": SensorStateClass.TOTAL_INCREASING,
    "native_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
    "suggested_display_precision": 1,
}
STATE_OF_CHARGE: dict[str, Any] = {
    "device_class": SensorDeviceClass.BATTERY,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": PERCENTAGE,
    "suggested_display_precision": 0,
}
STORED_ENERGY: dict[str, Any] = {
    "device_class": SensorDeviceClass.ENERGY_STORAGE,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": UnitOfEnergy.WATT_HOUR,
    "suggested_display_precision": 0,
    "entity_registry_enabled_default": False,
}


def _power(key: str, value_fn: Callable[[LiveMeasurement], Value], **kw: Any) -> Any:
    return GridxLiveSensorEntityDescription(
        key=key, translation_key=key, value_fn=value_fn, **POWER, **kw
    )


def _energy(key: str, value_fn: Callable[[LiveMeasurement], Value], **kw: Any) -> Any:
    return GridxLiveSensorEntityDescription(
        key=key, translation_key=key, value_fn=value_fn, **KWH_METER, **kw
    )


def _rate(key: str, name: str) -> GridxLiveSensorEntityDescription:
    return GridxLiveSensorEntityDescription(
        key=key,
        translation_key=key,
        value_fn=_rate_of(name),
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
    )


def _stored(key: str, attribute: str) -> GridxLiveSensorEntityDescription:
    return GridxLiveSensorEntityDescription(
        key=key, translation_key=key, value_fn=_battery(attribute), **STORED_ENERGY
    )


SYSTEM_SENSORS: tuple[GridxLiveSensorEntityDescription, ...] = (
    _power("photovoltaic_power", field("photovoltaic")),
    _power("production_power", field("production")),
    _power("consumption_power", field("consumption")),
    _power("total_consumption_power", field("totalConsumption")),
    _power("grid_power", field("grid")),
    _power("grid_import_power", _grid_import),
    _power("grid_export_power", _grid_export),
    _power("battery_power", _battery("power")),
    _power("heat_pump_power", field("heatPump")),
    _power("heating_power", field("heating")),
    _power("charging_station_power", _station_power),
    _power(
        "self_supply_power", field("selfSupply"), entity_registry_enabled_default=False
    ),
    _power(
        "self_consumption_power",
        field("selfConsumption"),
        entity_registry_enabled_default=False,
    ),
    *(
        _power(
            f"grid_l{n}_power",
            field(f"gridL{n}"),
            entity_registry_enabled_default=False,
        )
        for n in (1, 2, 3)
    ),
    GridxLiveSensorEntityDescription(
        key="battery_state_of_charge",
        translation_key="battery_state_of_charge",
        value_fn=_battery("state_of_charge", 100),
        **STATE_OF_CHARGE,
    ),
    _stored("battery_capacity", "capacity"),
    _stored("battery_remaining_charge", "remaining_charge"),
    _rate("self_sufficiency", "selfSufficiencyRate"),
    _rate("self_consumption_rate", "selfConsumptionRate"),
    _energy("grid_import_energy", meter("gridMeterReadingPositive")),
    _energy("grid_export_energy", meter("gridMeterReadingNegative")),
    _energy(
        "heat_pump_energy",
        meter("heatPumpMeterReadingPositive"),
        entity_registry_enabled_default=False,
    ),
)
