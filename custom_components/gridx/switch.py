"""Switch of gridX: whether a charging station may charge (``chargingEnabled``).

Only stations whose configuration carries the field (not null) get it: the
effect of ``chargingEnabled: false`` is not documented beyond "charging
allowed" (gridx-control-facts §2.2, §7).
"""

from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import GridxConfigEntry
from .ev.commands import EvChange
from .ev.control import EvStation, GridxEvCoordinator
from .ev.entity import GridxEvEntity, async_add_ev_entities
from .state.store import GridxStore

PARALLEL_UPDATES = 1

CHARGING_ALLOWED = SwitchEntityDescription(
    key="ev_charging_allowed", translation_key="ev_charging_allowed"
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switch where a station's configuration carries the field."""

    def _entities(
        coordinator: GridxEvCoordinator, station: EvStation, store: GridxStore
    ) -> list[GridxChargingAllowedSwitch]:
        config = station.configuration
        if config is None or config.charging_enabled is None:
            return []
        return [
            GridxChargingAllowedSwitch(coordinator, CHARGING_ALLOWED, station, store)
        ]

    async_add_ev_entities(entry, async_add_entities, _entities)


class GridxChargingAllowedSwitch(GridxEvEntity, SwitchEntity):
    """Charging allowed at the station."""

    @property
    @override
    def is_on(self) -> bool | None:
        """Return the confirmed ``chargingEnabled``."""
        config = self.configuration
        return None if config is None else config.charging_enabled

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Allow charging."""
        await self.async_change(EvChange(charging_enabled=True))

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop charging (not allowed)."""
        await self.async_change(EvChange(charging_enabled=False))
