"""Start the live poll and the statistics import of a config entry."""

from homeassistant.core import HomeAssistant
from homeassistant.helpers.event import async_track_time_interval

from .runtime import GridxConfigEntry
from .statistics import IMPORT_INTERVAL, GridxStatisticsImporter


async def async_start_live(hass: HomeAssistant, entry: GridxConfigEntry) -> None:
    """Poll live values now, then import history now and every hour.

    Called once the slow poll has told the store the gateways and their
    systems. Neither step fails the setup: push works without them.
    """
    runtime = entry.runtime_data
    live = runtime.live
    if live is None:
        return
    await live.async_refresh()
    importer = GridxStatisticsImporter(hass, entry, runtime.client, live)
    live.first_import = entry.async_create_background_task(
        hass, importer.async_import_all(), "gridx statistics import"
    )
    entry.async_on_unload(
        async_track_time_interval(hass, importer.async_import_all, IMPORT_INTERVAL)
    )
