"""The "Updates" sensor: how this entry gets its values, push or polling.

One diagnostic enum sensor per entry, on the account's service device (next
to "Last event"), so the mode is visible where a user looks: ``push`` (gridX
sends events as they happen, and values are polled too) or ``polling`` (a
homeowner's portal login, or a token without webhook permissions: values
every live cycle, no instant events). Poll-only is a normal mode, not a
fault (registration/mode.py); this sensor says which one runs. It follows a change
of mode at runtime (`mode.signal_mode`).
"""

from typing import Final, override

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..coordinator import GridxConfigEntry
from ..push.last_event import ACCOUNT_DEVICE_SUFFIX, account_device_info
from .mode import is_poll_only, signal_mode

UPDATES_PUSH: Final = "push"
UPDATES_POLLING: Final = "polling"


@callback
def async_setup_updates(
    entry: GridxConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entry's Updates sensor."""
    async_add_entities([GridxUpdatesSensor(entry)])


class GridxUpdatesSensor(SensorEntity):
    """Whether the entry runs with push events or polling only."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = "updates"
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, entry: GridxConfigEntry) -> None:
        """Attach the sensor to the account's service device."""
        self._entry = entry
        self._attr_options = [UPDATES_PUSH, UPDATES_POLLING]
        account = entry.runtime_data.store.account
        self._attr_unique_id = f"{account}_{ACCOUNT_DEVICE_SUFFIX}_updates"
        self._attr_device_info = account_device_info(entry)

    @property
    @override
    def native_value(self) -> str:
        """Return ``polling`` for a poll-only entry, else ``push``."""
        return UPDATES_POLLING if is_poll_only(self._entry) else UPDATES_PUSH

    @override
    async def async_added_to_hass(self) -> None:
        """Write the state again when the entry's mode changes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_mode(self._entry.entry_id), self.async_write_ha_state
            )
        )
