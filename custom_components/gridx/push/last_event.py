"""The "Last event" sensor: when gridX last delivered to this account.

One diagnostic timestamp sensor per entry, on the account's service device
(`account_device_info`), so a user can see that deliveries arrive without
downloading diagnostics. It moves with every verified delivery the
pipeline accepts (`const.signal_event`: not duplicates, not replays older
than the dedupe window), the pings of gridX included: a ping is a real,
signed delivery, and the one the registration asks for right after setup
is what shows, within seconds, that the path from gridX works. Its value is
the receive time, which is what "delivery works" is about (an event's own
time may be late or clamped). It moves at most once a minute
(`RESOLUTION`): written on every delivery, each ``ev/measurement`` would be
a state write and a database row, and "a minute ago" is all the proof a
user needs (diagnostics keep the exact time). It is restored across
restarts (`RestoreSensor`); a poll-only entry, which gets no deliveries, has
none. Like every gridX entity it is created with its first value: at setup
when it existed before (restored), else with the first delivery, so it
never shows "Unknown" for ever.
"""

from datetime import datetime, timedelta
from typing import override

from homeassistant.components.sensor import (
    DOMAIN as SENSOR_DOMAIN,
    RestoreSensor,
    SensorDeviceClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
import homeassistant.util.dt as dt_util

from ..api.models import GridxEvent
from ..const import CONF_POLL_ONLY, DOMAIN, signal_event
from ..coordinator import GridxConfigEntry

# The service device of the account; identity's parser ignores it (no kind).
ACCOUNT_DEVICE_SUFFIX = "account"
# The sensor moves when a delivery is at least this much newer than it shows.
RESOLUTION = timedelta(minutes=1)


def account_device_info(entry: GridxConfigEntry) -> DeviceInfo:
    """Return the service device of the entry's gridX account."""
    account = entry.runtime_data.store.account
    return DeviceInfo(
        identifiers={(DOMAIN, f"{account}_{ACCOUNT_DEVICE_SUFFIX}")},
        name=entry.title,
        manufacturer="gridX",
        model="XENON API",
        entry_type=DeviceEntryType.SERVICE,
    )


def is_account_device(entry: GridxConfigEntry, device: dr.AnyDeviceEntry) -> bool:
    """Return True for the entry's account device (it cannot be deleted).

    ``dr.AnyDeviceEntry`` (2026.4+) is only an annotation, never evaluated.
    """
    (identifier,) = account_device_info(entry)["identifiers"]
    return identifier in device.identifiers


def last_event_unique_id(entry: GridxConfigEntry) -> str:
    """Return the unique id of the entry's Last-event sensor."""
    return f"{entry.runtime_data.store.account}_{ACCOUNT_DEVICE_SUFFIX}_last_event"


@callback
def async_setup_last_event(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the Last-event sensor now if it has a value, else at the first delivery."""
    if entry.data.get(CONF_POLL_ONLY):
        return
    registered = er.async_get(hass).async_get_entity_id(
        SENSOR_DOMAIN, DOMAIN, last_event_unique_id(entry)
    )
    # No delivery can have been counted yet: the entry's store is new and
    # delivery starts after the platforms (__init__.async_setup_entry).
    if registered is not None:
        async_add_entities([GridxLastEventSensor(entry)])
        return
    unsubscribe: CALLBACK_TYPE | None = None

    @callback
    def _async_stop() -> None:
        nonlocal unsubscribe
        if unsubscribe is not None:
            unsubscribe()
            unsubscribe = None

    @callback
    def _async_first(event: GridxEvent) -> None:
        # The sensor follows the deliveries itself from now on.
        _async_stop()
        async_add_entities([GridxLastEventSensor(entry)])

    unsubscribe = async_dispatcher_connect(
        hass, signal_event(entry.entry_id), _async_first
    )
    entry.async_on_unload(_async_stop)


class GridxLastEventSensor(RestoreSensor):
    """When the last verified delivery of gridX arrived (module docstring)."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = "last_event"
    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_native_value: datetime | None = None

    def __init__(self, entry: GridxConfigEntry) -> None:
        """Attach the sensor to the account's service device."""
        self._entry = entry
        self._attr_unique_id = last_event_unique_id(entry)
        self._attr_device_info = account_device_info(entry)

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the last time, then follow the entry's deliveries."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is not None and isinstance(last.native_value, datetime):
            self._attr_native_value = last.native_value
        # A delivery counted before the sensor was added (the one that
        # created it) is its first value, newer than any restored one.
        received = self._entry.runtime_data.store.stats.last_event_at
        if received is not None and (
            self._attr_native_value is None or received > self._attr_native_value
        ):
            self._attr_native_value = received
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_event(self._entry.entry_id), self._async_received
            )
        )

    @callback
    def _async_received(self, event: GridxEvent) -> None:
        """Show the receive time of a delivery, at most once a `RESOLUTION`."""
        received = (
            self._entry.runtime_data.store.stats.last_event_at or dt_util.utcnow()
        )
        shown = self._attr_native_value
        if shown is not None and received - shown < RESOLUTION:
            return
        self._attr_native_value = received
        self.async_write_ha_state()
