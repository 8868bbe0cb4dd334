"""The typed runtime data of a gridX config entry."""

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .api.client import GridxClient
from .coordinator import GridxDataUpdateCoordinator
from .ev_control import GridxEvCoordinator
from .live_coordinator import GridxLiveCoordinator
from .manager import GridxRegistration
from .store import GridxStore


@dataclass(slots=True)
class GridxRuntimeData:
    """What a loaded gridX entry holds while it runs."""

    client: GridxClient
    # The per-entry state (resources, stamped states, dedupe cache).
    store: GridxStore
    # The slow polling reconcile of gateways and appliances.
    coordinator: GridxDataUpdateCoordinator
    # Keeps the gridX subscription or rules in line; set once setup starts it.
    registration: GridxRegistration | None = None
    # The live poll of /systems/{id}/live (live_coordinator.py).
    live: GridxLiveCoordinator | None = None
    # The EV charging-station configurations (ev_control.py).
    ev: GridxEvCoordinator | None = None


type GridxConfigEntry = ConfigEntry[GridxRuntimeData]
