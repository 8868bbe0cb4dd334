"""Hourly energy statistics imported from gridX's history (live facts §4, §6).

For every system, six external statistics (``gridx:<system>_<key>``, kWh,
with sums) are filled from ``GET /systems/{id}/historical`` at ``1h``: grid
import and export, solar production, battery charge and discharge, and home
consumption (gridX's ``totalConsumption``). The first run imports the last
30 days up to the last complete hour; every later run (hourly, and at each
setup) continues from the last imported hour, so a gap while Home Assistant
or gridX was down is filled from gridX's own data.

Idempotent: each statistic continues after its own last row with its own
sum, and the recorder replaces a row with the same start, so a second import
never double-counts. Hours are UTC hours; Europe/Berlin's offsets are whole
hours, so its daylight-saving days simply have 23 or 25 of them.

A ``1h`` point is the mean W of the hour ending at its ``measuredAt`` (so
W = Wh, inferred); `HistoricalSeries.energy_wh` also accepts start-stamped
points.

`async_start_live` starts the live poll and these imports for an entry.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
import re
from typing import TYPE_CHECKING, Final

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.translation import async_get_translations
import homeassistant.util.dt as dt_util
from homeassistant.util.unit_conversion import EnergyConverter

from ..api.client import GridxClient
from ..api.errors import GridxApiError, GridxPermissionError
from ..api.live import MAX_INTERVAL, HistoricalPoint, Resolution
from ..const import DOMAIN, LOGGER, ResourceKind
from ..state.resource_model import device_name
from .coordinator import GridxLiveCoordinator, LiveSystem

if TYPE_CHECKING:
    from ..coordinator import GridxConfigEntry

BACKFILL: Final = timedelta(days=30)
HOUR: Final = timedelta(hours=1)
CHUNK: Final = MAX_INTERVAL[Resolution.HOUR]
IMPORT_INTERVAL: Final = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class GridxStatistic:
    """One imported statistic: its key, name and the point value it sums."""

    key: str
    translation_key: str
    value_fn: Callable[[HistoricalPoint], float | None]


STATISTICS: Final = (
    GridxStatistic("grid_import", "grid_import_energy", lambda p: p.grid_supply),
    GridxStatistic("grid_export", "grid_export_energy", lambda p: p.grid_feed_in),
    GridxStatistic("solar_production", "solar_energy", lambda p: p.photovoltaic),
    GridxStatistic(
        "battery_charge", "battery_charge_energy", lambda p: p.battery_charge
    ),
    GridxStatistic(
        "battery_discharge", "battery_discharge_energy", lambda p: p.battery_discharge
    ),
    GridxStatistic(
        "home_consumption", "home_consumption_energy", lambda p: p.total_consumption
    ),
)


def statistic_id(system_id: str, key: str) -> str:
    """Return ``gridx:<system id as a slug>_<key>``."""
    slug = re.sub(r"[^a-z0-9]+", "_", system_id.lower()).strip("_")
    return f"{DOMAIN}:{slug}_{key}"


def last_complete_hour(now: datetime) -> datetime:
    """Return the start of the current UTC hour (the end of the last complete)."""
    return dt_util.as_utc(now).replace(minute=0, second=0, microsecond=0)


class GridxStatisticsImporter:
    """Import the history of an entry's systems into the recorder."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: GridxConfigEntry,
        client: GridxClient,
        live: GridxLiveCoordinator,
    ) -> None:
        """Import for the systems that ``live`` knows."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.live = live
        self._lock = asyncio.Lock()

    async def async_import_all(self, *_: object) -> None:
        """Import every system; failures are logged and retried next hour."""
        if "recorder" not in self.hass.config.components:
            LOGGER.debug("No recorder: gridX history is not imported")
            return
        async with self._lock:
            for system in self.live.systems():
                try:
                    added = await self.async_import(system)
                except GridxPermissionError:
                    self.live.set_history_forbidden(True)
                    continue
                except GridxApiError as err:
                    LOGGER.warning("gridX history could not be read: %s", err)
                    continue
                self.live.set_history_forbidden(False)
                if added:
                    # One system's rows at a time: the recorder checks every
                    # imported row on its own, so an installer's first import
                    # (hundreds of systems x 30 days x 24 h x 6 statistics)
                    # would otherwise queue up and keep it busy all at once.
                    await get_instance(self.hass).async_block_till_done()

    async def _last(self, stat_id: str) -> tuple[datetime, float] | None:
        """Return the start and sum of the statistic's last row."""
        rows = await get_instance(self.hass).async_add_executor_job(
            get_last_statistics, self.hass, 1, stat_id, True, {"sum"}
        )
        if not rows.get(stat_id):
            return None
        row = rows[stat_id][0]
        return dt_util.utc_from_timestamp(row["start"]), float(row.get("sum") or 0.0)

    async def async_import(self, system: LiveSystem) -> int:
        """Import one system's missing hours; return how many rows were added."""
        end = last_complete_hour(dt_util.utcnow())
        first_hour = end - BACKFILL
        # Per statistic: the next hour to import and the sum so far.
        state: dict[str, tuple[datetime | None, float]] = {}
        for statistic in STATISTICS:
            last = await self._last(statistic_id(system.system_id, statistic.key))
            state[statistic.key] = (
                (None, 0.0) if last is None else (last[0] + HOUR, last[1])
            )
        known = [start for start, _ in state.values() if start is not None]
        start = max(first_hour, min(known)) if known else first_hour
        if start >= end:
            return 0
        rows: dict[str, list[StatisticData]] = {s.key: [] for s in STATISTICS}
        sums = {key: total for key, (_, total) in state.items()}
        chunk_start = start
        while chunk_start < end:
            chunk_end = min(chunk_start + CHUNK, end)
            series = await self.client.get_historical(
                system.system_id, chunk_start, chunk_end, Resolution.HOUR
            )
            for begin, point, factor in series.energy_wh(chunk_start, chunk_end):
                for statistic in STATISTICS:
                    value = statistic.value_fn(point)
                    next_hour = state[statistic.key][0]
                    if value is None or (next_hour is not None and begin < next_hour):
                        continue
                    kwh = max(value, 0.0) * factor / 1000
                    sums[statistic.key] += kwh
                    rows[statistic.key].append(
                        StatisticData(start=begin, state=kwh, sum=sums[statistic.key])
                    )
            chunk_start = chunk_end
        names = await self._names(system)
        added = 0
        for statistic in STATISTICS:
            if not rows[statistic.key]:
                continue
            async_add_external_statistics(
                self.hass,
                StatisticMetaData(
                    mean_type=StatisticMeanType.NONE,
                    has_sum=True,
                    name=names[statistic.key],
                    source=DOMAIN,
                    statistic_id=statistic_id(system.system_id, statistic.key),
                    unit_class=EnergyConverter.UNIT_CLASS,
                    unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
                ),
                rows[statistic.key],
            )
            added += len(rows[statistic.key])
        LOGGER.debug("Imported %d hourly gridX statistics rows", added)
        return added

    async def _names(self, system: LiveSystem) -> dict[str, str]:
        """Return the statistic names: the system's, the value's, and "history".

        In the server's language at import (``hass.config.language``), like
        the names of entities: "My gridBox Grid import (gridX history)", so
        the Energy dialog tells the imported history apart from the live
        meter sensor "My gridBox Grid import", and two systems apart. Two
        systems whose gateways have the same name are numbered.
        """
        strings = await async_get_translations(
            self.hass, self.hass.config.language, "entity", {DOMAIN}
        )
        prefix = f"component.{DOMAIN}.entity.sensor"
        template = strings.get(
            f"{prefix}.history_statistic.name", "{system} {statistic} (gridX history)"
        )
        systems = self.live.systems()
        names = [self._system_name(each) for each in systems]
        system_name = self._system_name(system)
        if names.count(system_name) > 1 and system in systems:
            system_name = f"{system_name} {systems.index(system) + 1}"
        return {
            statistic.key: template.format(
                system=system_name,
                statistic=strings.get(
                    f"{prefix}.{statistic.translation_key}.name", statistic.key
                ),
            )
            for statistic in STATISTICS
        }

    def _system_name(self, system: LiveSystem) -> str:
        """Return the name of the system's gateway device (the user's name wins)."""
        gateway = self.live.store.get(ResourceKind.GATEWAY, system.gateway_id)
        if gateway is not None and gateway.device_id is not None:
            device = dr.async_get(self.hass).async_get(gateway.device_id)
            if device is not None and (device.name_by_user or device.name):
                return str(device.name_by_user or device.name)
        return "gridBox" if gateway is None else device_name(gateway)


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
