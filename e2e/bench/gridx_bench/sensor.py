"""The floor entry's devices and sensors: as plain as Home Assistant allows.

The first device of every ten is a parent the next nine hang off (like a
gridBox and its appliances); the sensors are spread evenly over the devices
with a plain name and a fixed state, one `async_add_entities` call per
device, as gridX adds them per resource.
"""

from __future__ import annotations

from homeassistant.components.sensor import SensorEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import DOMAIN


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add ``entities`` sensors over ``devices`` devices."""
    devices: int = entry.data["devices"]
    entities: int = entry.data["entities"]
    by_device: dict[int, list[FloorSensor]] = {}
    for number in range(entities):
        device = number * devices // entities
        by_device.setdefault(device, []).append(
            FloorSensor(entry.entry_id, number, device)
        )
    for sensors in by_device.values():
        async_add_entities(sensors)


class FloorSensor(SensorEntity):
    """A sensor with a fixed value on one of the floor's devices."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_native_value = 1.0

    def __init__(self, entry_id: str, number: int, device: int) -> None:
        """Sensor ``number`` on device ``device``."""
        self._attr_unique_id = f"{entry_id}_{number}"
        self._attr_name = f"Value {number}"
        parent = device - device % 10
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{entry_id}_{device}")},
            name=f"Floor device {device}",
            via_device=(DOMAIN, f"{entry_id}_{parent}") if parent != device else None,
        )
