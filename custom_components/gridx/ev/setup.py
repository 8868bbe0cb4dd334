"""Start the EV charging control of an entry (ev/control.py).

The configurations are read after every live update (the live cycle, so
a change made in the gridX app shows within one cycle); then departures
whose meaning a DST change shifted are sent again (ev/commands.py).
"""

import asyncio

from homeassistant.core import HomeAssistant, callback

from ..coordinator import GridxConfigEntry
from .commands import async_resend_departures
from .control import GridxEvCoordinator


def async_setup_ev_control(hass: HomeAssistant, entry: GridxConfigEntry) -> None:
    """Create the entry's EV coordinator and tie it to the live cycle."""
    runtime = entry.runtime_data
    live = runtime.live
    if live is None:
        return
    coordinator = GridxEvCoordinator(hass, entry, runtime.client, live)
    runtime.ev = coordinator
    # One cycle at a time: two overlapping ones would both see a stale
    # departure and send it twice.
    lock = asyncio.Lock()

    async def _cycle() -> None:
        async with lock:
            await coordinator.async_refresh()
            await async_resend_departures(coordinator)

    @callback
    def _live_updated() -> None:
        entry.async_create_background_task(hass, _cycle(), "gridx EV configuration")

    entry.async_on_unload(live.async_add_listener(_live_updated))
