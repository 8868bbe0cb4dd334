"""Start the live poll and the statistics import of a config entry."""

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.start import async_at_started

from ..coordinator import GridxConfigEntry
from .statistics import IMPORT_INTERVAL, GridxStatisticsImporter


async def async_start_live(hass: HomeAssistant, entry: GridxConfigEntry) -> None:
    """Poll live values now; import history once Home Assistant runs, then hourly.

    Called once the slow poll has told the store the gateways and their
    systems. Neither step fails the setup: push works without them. The
    first import waits for Home Assistant to have started, so a restart is
    not slowed by the recorder catching up on gridX's history.
    """
    runtime = entry.runtime_data
    live = runtime.live
    if live is None:
        return
    await live.async_refresh()
    importer = GridxStatisticsImporter(hass, entry, runtime.client, live)

    @callback
    def _import_now(*_: object) -> None:
        # A background task of the entry: unloading cancels an import in
        # flight, and Home Assistant's stop does not wait for one.
        task = entry.async_create_background_task(
            hass, importer.async_import_all(), "gridx statistics import"
        )
        if live.first_import is None:
            live.first_import = task

    entry.async_on_unload(async_at_started(hass, _import_now))
    entry.async_on_unload(async_track_time_interval(hass, _import_now, IMPORT_INTERVAL))
