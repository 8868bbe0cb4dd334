"""The typed runtime data of a gridX config entry."""

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .api.client import GridxClient


@dataclass(slots=True)
class GridxRuntimeData:
    """What a loaded gridX entry holds while it runs."""

    client: GridxClient


type GridxConfigEntry = ConfigEntry[GridxRuntimeData]
