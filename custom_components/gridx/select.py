"""Select of gridX: the charge mode of each EV charging station.

The options are what a homeowner understands (translated), one per gridX
``chargeMode`` (gridx-control-facts §0.2). An unknown mode shows as unknown.
"""

from typing import Final, override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.ev_configuration import ChargeMode
from .coordinator import GridxConfigEntry
from .ev.commands import EvChange
from .ev.control import EvStation, GridxEvCoordinator
from .ev.entity import GridxEvEntity, async_add_ev_entities
from .state.store import GridxStore

# Writes go one by one through the coordinator's API.
PARALLEL_UPDATES = 1

# Option (translation key) <-> gridX mode, in the order gridX documents them.
CHARGE_MODE_OPTIONS: Final[dict[str, ChargeMode]] = {
    "fast": ChargeMode.FORCED_EV,
    "minimum_then_solar": ChargeMode.MIN_EV,
    "departure_time": ChargeMode.DEPARTURE_TIME_EV,
    "solar_surplus": ChargeMode.SURPLUS_EV,
}
OPTION_OF_MODE: Final = {mode: option for option, mode in CHARGE_MODE_OPTIONS.items()}

CHARGE_MODE = SelectEntityDescription(
    key="ev_charge_mode",
    translation_key="ev_charge_mode",
    options=list(CHARGE_MODE_OPTIONS),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GridxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a charge mode select per charging station."""

    def _entities(
        coordinator: GridxEvCoordinator, station: EvStation, store: GridxStore
    ) -> list[GridxChargeModeSelect]:
        return [GridxChargeModeSelect(coordinator, CHARGE_MODE, station, store)]

    async_add_ev_entities(entry, async_add_entities, _entities)


class GridxChargeModeSelect(GridxEvEntity, SelectEntity):
    """How the station charges: fast, minimum then solar, by departure, solar."""

    @property
    @override
    def current_option(self) -> str | None:
        """Return the confirmed mode (no configuration: fast, gridX's default)."""
        config = self.configuration
        mode = ChargeMode.FORCED_EV if config is None else config.effective_mode
        return None if mode is None else OPTION_OF_MODE[mode]

    @override
    async def async_select_option(self, option: str) -> None:
        """Ask gridX for the mode, with a target/departure when it needs one."""
        await self.async_change(EvChange(mode=CHARGE_MODE_OPTIONS[option]))
