"""Where the state of an entry survives restarts and crashes.

One `homeassistant.helpers.storage.Store` per entry (``gridx.<entry_id>``)
holds everything that must agree after a restart: the resources with their
stamped state values, the seen event ids with the replay horizon, and the
deletion tombstones. Because values and ids are written together, a crash
can never leave an event "seen" whose state was lost, or the other way round.

**When it is written.** `SaveScheduler` writes at most `SAVE_MAX_DELAY`
after the first unsaved change, however many changes follow (Home
Assistant's ``async_delay_save`` alone is sliding: a steady trickle of
events would postpone the write forever). It also writes at unload and, via
the Store's own final-write hook, when Home Assistant stops. So after a
SIGKILL, everything acknowledged more than ``SAVE_MAX_DELAY`` plus the time
of one write before the kill is on disk.

**Versions.** 1: the catalogue without states and the seen ids as a list of
``[id, time]`` pairs (states lived in the entities' restore data, which
still seeds a value once when the store has none). 2: states in the
catalogue, seen ids compact (see `state/seen.py`).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
import homeassistant.util.dt as dt_util

from ..const import DOMAIN
from .seen import SeenIds

STORAGE_VERSION: Final = 2
SAVE_MAX_DELAY: Final = 1.0  # seconds after the first unsaved change


def storage_key(entry_id: str) -> str:
    """Return the storage key of an entry."""
    return f"{DOMAIN}.{entry_id}"


def migrate_v1(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Return version-1 data in the version-2 layout.

    The catalogue entries are kept as they are (no states yet); the seen
    pairs become the compact form, their receive time standing in for the
    unknown event time.
    """
    seen = SeenIds()
    seen.load(data.get("seen"), now)
    return {**data, "seen": seen.as_storage()}


class StateFile(Store[dict[str, Any]]):
    """The file of one entry's state (a Home Assistant Store), with the migration from version 1."""

    @override
    async def _async_migrate_func(
        self,
        old_major_version: int,
        old_minor_version: int,
        old_data: dict[str, Any],
    ) -> dict[str, Any]:
        """Migrate from version 1 (see the module docstring)."""
        if old_major_version == 1 and isinstance(old_data, dict):
            return migrate_v1(old_data, dt_util.utcnow())
        return old_data


class SaveScheduler:
    """Save on a maximum delay, not a sliding one (see the module docstring)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        data_func: Callable[[], dict[str, Any]],
        delay: float = SAVE_MAX_DELAY,
    ) -> None:
        """Save what ``data_func`` returns (called in the event loop)."""
        self._storage = StateFile(hass, STORAGE_VERSION, storage_key(entry_id))
        self._data_func = data_func
        self._delay = delay
        self._pending = False

    async def async_load(self) -> dict[str, Any] | None:
        """Return the stored data (migrated), or None."""
        return await self._storage.async_load()

    @callback
    def async_schedule(self) -> None:
        """Note an unsaved change; the first one arms the write."""
        if self._pending:
            return
        self._pending = True
        # Called once per unsaved period, so the Store's timer never slides.
        self._storage.async_delay_save(self._snapshot, self._delay)

    def _snapshot(self) -> dict[str, Any]:
        self._pending = False
        return self._data_func()

    async def async_save(self) -> None:
        """Write now (at unload)."""
        await self._storage.async_save(self._snapshot())


async def async_remove_storage(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the stored data of a removed entry (after its unload saved it)."""
    await StateFile(hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()


__all__ = [
    "SAVE_MAX_DELAY",
    "STORAGE_VERSION",
    "SaveScheduler",
    "StateFile",
    "async_remove_storage",
    "storage_key",
]
