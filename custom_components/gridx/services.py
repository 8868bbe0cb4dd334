"""The ``gridx.charge_to`` action: target charge by a time, in one change.

Registered in `async_setup` (quality rule ``action-setup``), so an
automation that uses it validates even while the entry is not loaded; the
call then fails with a translated error. The station is picked as its
device; the answer is the configuration gridX confirmed.
"""

from datetime import time
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import voluptuous as vol

from .api.ev_configuration import EvConfiguration
from .const import DOMAIN
from .coordinator import GridxConfigEntry
from .ev.commands import EvChange, async_apply
from .ev.control import GridxEvCoordinator
from .ev.entity import station_device
from .select import CHARGE_MODE_OPTIONS, OPTION_OF_MODE

SERVICE_CHARGE_TO: Final = "charge_to"
ATTR_TARGET: Final = "target"
ATTR_DEPARTURE: Final = "departure"
ATTR_MODE: Final = "mode"
DEFAULT_MODE: Final = "departure_time"

CHARGE_TO_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_TARGET): vol.All(
            vol.Coerce(float), vol.Range(min=0, max=100)
        ),
        vol.Required(ATTR_DEPARTURE): cv.time,
        vol.Optional(ATTR_MODE, default=DEFAULT_MODE): vol.In(
            list(CHARGE_MODE_OPTIONS)
        ),
    }
)


def _station(hass: HomeAssistant, device_id: str) -> tuple[GridxEvCoordinator, str]:
    """Return the coordinator and appliance id of a charging station device."""
    device = dr.async_get(hass).async_get(device_id)
    for entry_id in () if device is None else device.config_entries:
        entry: GridxConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
        if (
            entry is None
            or entry.domain != DOMAIN
            or entry.state is not ConfigEntryState.LOADED
            or (coordinator := entry.runtime_data.ev) is None
        ):
            continue
        store = entry.runtime_data.store
        for station in coordinator.stations():
            identifiers = station_device(store, station).get("identifiers", set())
            if device is not None and identifiers & device.identifiers:
                return coordinator, station.appliance_id
    raise ServiceValidationError(
        translation_domain=DOMAIN, translation_key="ev_station_unknown"
    )


def confirmed(config: EvConfiguration | None) -> dict[str, Any]:
    """Return a configuration as the action's answer."""
    config = config or EvConfiguration()
    mode = config.effective_mode
    return {
        "charge_mode": None if mode is None else OPTION_OF_MODE[mode],
        "target_charge": config.min_requested_soc,
        "departure": None if config.departure is None else config.departure.isoformat(),
        "estimated_departure": None
        if config.estimated_departure is None
        else config.estimated_departure.isoformat(),
        "max_charging_power": config.max_charge_power,
        "charging_allowed": config.charging_enabled,
    }


async def _charge_to(call: ServiceCall) -> ServiceResponse:
    """Set mode, target and departure in one PATCH; answer what gridX confirmed."""
    coordinator, appliance_id = _station(call.hass, call.data[ATTR_DEVICE_ID])
    departure: time = call.data[ATTR_DEPARTURE]
    change = EvChange(
        mode=CHARGE_MODE_OPTIONS[call.data[ATTR_MODE]],
        target=call.data[ATTR_TARGET],
        departure=departure.replace(microsecond=0),
    )
    return confirmed(await async_apply(coordinator, appliance_id, change))


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_CHARGE_TO,
        _charge_to,
        schema=CHARGE_TO_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
