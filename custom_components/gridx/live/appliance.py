"""What each appliance-level live sensor shows (gridx-live-facts §3.1).

The live arrays ``batteries[]``, ``heatPumps[]`` and ``evChargingStations[]``
hold one item per appliance with its ``applianceID``. Each item gets its own
sensors, shown on that appliance's device when the store knows an appliance
with that id (**inferred**: the live ``applianceID`` is the id that push
events and ``/gateways/{id}/appliances`` use; no source says otherwise),
else on the gateway's device.

An item's ``applianceID`` changes when a battery re-registers (firmware,
EEBUS; L-changelog 1.2.0): the new id gets new sensors, as a new appliance
would. System-level sums stay on the gateway (live/descriptions.py).

Several items of one array read alike ("Battery power" twice, next to the
system's "Battery power"), so each is numbered in the order of its array
when its sensor is created ("Battery 2 power", translation key
``<key>_numbered`` with the placeholder ``number``); an only item keeps
the plain name. The order of the arrays is **not documented**: the number
follows gridX's order as sent, and is kept for the sensor's life so a
reordered answer renames nothing.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntityDescription
from homeassistant.const import UnitOfEnergy

from ..api.live import LiveBattery, LiveEvStation, LiveHeatPump, LiveMeasurement
from .descriptions import (
    KWH_METER,
    POWER,
    STATE_OF_CHARGE,
    STORED_ENERGY,
    Value,
    percent,
    ws_meter_kwh,
)

SG_READY_OPTIONS = ["off", "auto", "recommend_on", "on"]
PLUG_STATE_OPTIONS = [
    "unplugged",
    "plugged_on_station",
    "plugged_on_station_and_plugged_on_vehicle",
]


def _lower(value: str | None, options: list[str]) -> str | None:
    """Return a known enum value in lower case; UNKNOWN and others are None."""
    lowered = None if value is None else value.lower()
    return lowered if lowered in options else None


def item_numbers(items: Sequence[Any]) -> dict[str, int]:
    """Return each applianceID's number (from 1) when there are several, else {}.

    Items without an ``applianceID`` get no sensor and no number.
    """
    ids = dict.fromkeys(item.appliance_id for item in items if item.appliance_id)
    if len(ids) < 2:
        return {}
    return {appliance_id: number for number, appliance_id in enumerate(ids, 1)}


def numbered_translation_key(translation_key: str) -> str:
    """Return the translation key of the numbered name of ``translation_key``."""
    return f"{translation_key}_numbered"


@dataclass(frozen=True, kw_only=True)
class GridxItemSensorEntityDescription(SensorEntityDescription):
    """A value of each item of a live array (one appliance each)."""

    items_fn: Callable[[LiveMeasurement], Sequence[Any]]
    # (the whole answer, the item) -> the value; None: not reported.
    value_fn: Callable[[LiveMeasurement, Any], Value]
    meter: bool = False
    # A system sensor on the gateway shows the same value when this is the
    # only item: an unmatched only item (it would sit on the gateway too)
    # gets no second sensor there.
    repeats_aggregate: bool = False
    # Only when the array has several items: with one, the system's sensor
    # on the gateway is that item's value, and a second entity of the same
    # meaning would count twice (one battery as "2 low batteries").
    several_only: bool = False


def _battery_power(live: LiveMeasurement, battery: LiveBattery) -> Value:
    return battery.power


def _battery_soc(live: LiveMeasurement, battery: LiveBattery) -> Value:
    return percent(battery.state_of_charge)


def _battery_capacity(live: LiveMeasurement, battery: LiveBattery) -> Value:
    return battery.capacity


def _heat_pump_energy(live: LiveMeasurement, heat_pump: LiveHeatPump) -> Value:
    # heatPumps[] items carry no meter (§3.1); the system's
    # heatPumpMeterReadingPositive (Ws) meters its heat pumps. Inferred: with
    # exactly one heat pump it is that heat pump's meter. With several it
    # belongs to none of them and stays on the gateway only.
    if len(live.heat_pumps) != 1:
        return None
    return ws_meter_kwh(live.get("heatPumpMeterReadingPositive"))


def _station_energy(live: LiveMeasurement, station: LiveEvStation) -> Value:
    # Wh per the spec; some clients read kWh (gridx-live-facts §3.1). The
    # spec wins: the unit is Wh, shown in kWh. The sign is dropped, like the
    # grid meters' (a negative meter is a known quirk, §3.2).
    reading = station.reading_total
    return None if reading is None else abs(reading)


def _batteries(live: LiveMeasurement) -> Sequence[LiveBattery]:
    return live.batteries


def _heat_pumps(live: LiveMeasurement) -> Sequence[LiveHeatPump]:
    return live.heat_pumps


def _stations(live: LiveMeasurement) -> Sequence[LiveEvStation]:
    return live.ev_stations


ITEM_SENSORS: tuple[GridxItemSensorEntityDescription, ...] = (
    GridxItemSensorEntityDescription(
        key="battery_power",
        translation_key="battery_power",
        repeats_aggregate=True,
        items_fn=_batteries,
        value_fn=_battery_power,
        **POWER,
    ),
    GridxItemSensorEntityDescription(
        key="battery_state_of_charge",
        translation_key="battery_state_of_charge",
        repeats_aggregate=True,
        several_only=True,
        items_fn=_batteries,
        value_fn=_battery_soc,
        **STATE_OF_CHARGE,
    ),
    GridxItemSensorEntityDescription(
        key="battery_capacity",
        translation_key="battery_capacity",
        repeats_aggregate=True,
        items_fn=_batteries,
        value_fn=_battery_capacity,
        **STORED_ENERGY,
    ),
    GridxItemSensorEntityDescription(
        key="heat_pump_power",
        translation_key="heat_pump_power",
        repeats_aggregate=True,
        items_fn=_heat_pumps,
        value_fn=lambda live, item: item.power,
        **POWER,
    ),
    GridxItemSensorEntityDescription(
        key="sg_ready_state",
        translation_key="sg_ready_state",
        items_fn=_heat_pumps,
        value_fn=lambda live, item: _lower(item.sg_ready_state, SG_READY_OPTIONS),
        device_class=SensorDeviceClass.ENUM,
        options=SG_READY_OPTIONS,
    ),
    GridxItemSensorEntityDescription(
        key="heat_pump_energy",
        translation_key="heat_pump_energy",
        repeats_aggregate=True,
        items_fn=_heat_pumps,
        value_fn=_heat_pump_energy,
        **KWH_METER,
    ),
    GridxItemSensorEntityDescription(
        key="charging_station_power",
        translation_key="charging_station_power",
        repeats_aggregate=True,
        items_fn=_stations,
        value_fn=lambda live, item: item.power,
        **POWER,
    ),
    GridxItemSensorEntityDescription(
        key="charging_station_energy",
        translation_key="charging_station_energy",
        items_fn=_stations,
        value_fn=_station_energy,
        **{
            **KWH_METER,
            "native_unit_of_measurement": UnitOfEnergy.WATT_HOUR,
            "suggested_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
        },
    ),
    GridxItemSensorEntityDescription(
        key="plug_state",
        translation_key="plug_state",
        items_fn=_stations,
        value_fn=lambda live, item: _lower(item.plug_state, PLUG_STATE_OPTIONS),
        device_class=SensorDeviceClass.ENUM,
        options=PLUG_STATE_OPTIONS,
        entity_registry_enabled_default=False,
    ),
)
