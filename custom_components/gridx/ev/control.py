"""The EV charging control of an entry: read each station's configuration.

A station is an ``evChargingStations[]`` item of a system's ``/live``
answer (its ``applianceID``) on the system's gateway (gridx-control-facts
§2.3). The configurations are read with the live cycle: every live update
refreshes them, and every write replaces one with gridX's answer
(ev/commands.py). Nothing is shown that gridX did not confirm.

Failures are per station and touch only the control entities: a station
whose read failed is unavailable until a read succeeds. A 403 (the login
lacks a policy) makes every control entity unavailable and raises the
repair issue ``ev_control_forbidden`` naming the policy; it is never a
reason to log in again, and the station is asked again after
`FORBIDDEN_RETRY` (or a reload).
"""

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
import homeassistant.util.dt as dt_util

from ..api.client import GridxClient
from ..api.errors import GridxApiError, GridxPermissionError
from ..api.ev_client import GridxEvApi
from ..api.ev_configuration import EvConfiguration
from ..const import DOMAIN, LOGGER
from ..live.coordinator import GridxLiveCoordinator

ISSUE_EV_FORBIDDEN: Final = "ev_control_forbidden"
READ_POLICY: Final = "AppliancesEVConfigurationRead"
WRITE_POLICY: Final = "AppliancesEVConfigurationWrite"
FORBIDDEN_RETRY: Final = timedelta(hours=1)
MAX_CONCURRENT: Final = 4


@dataclass(frozen=True, slots=True)
class EvStation:
    """A charging station and its last confirmed configuration.

    ``configuration`` is None while the station has none at gridX (404):
    then the station charges fast (FORCED_EV) and a write creates one.
    """

    system_id: str
    gateway_id: str
    appliance_id: str
    configuration: EvConfiguration | None = None


def issue_id(entry_id: str) -> str:
    """Return the id of the entry's ``ev_control_forbidden`` issue."""
    return f"{ISSUE_EV_FORBIDDEN}_{entry_id}"


class GridxEvCoordinator(DataUpdateCoordinator[dict[str, EvStation]]):
    """The configurations of every station; data maps appliance id to station."""

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConfigEntry,
        client: GridxClient,
        live: GridxLiveCoordinator,
    ) -> None:
        """Read with ``client`` the stations that ``live`` reports."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} EV control",
            update_interval=None,
        )
        self.api = GridxEvApi(client)
        self.live = live
        self.failed: set[str] = set()
        # The missing policy and until when nothing is asked, after a 403.
        self.forbidden: str | None = None
        self.forbidden_until: datetime | None = None
        # Bumped by every write: a read that overlapped it is not stored.
        self.writes: dict[str, int] = {}
        self._semaphore = asyncio.Semaphore(MAX_CONCURRENT)

    def stations(self) -> list[EvStation]:
        """Return the stations the last live answers listed, in a stable order."""
        found: dict[str, EvStation] = {}
        for system in self.live.systems():
            live = (self.live.data or {}).get(system.system_id)
            if live is None:
                continue
            for item in live.ev_stations:
                if item.appliance_id and item.appliance_id not in found:
                    found[item.appliance_id] = EvStation(
                        system.system_id, system.gateway_id, item.appliance_id
                    )
        return sorted(found.values(), key=lambda s: s.appliance_id)

    def station_available(self, appliance_id: str) -> bool:
        """Return True while the station's configuration is current."""
        return (
            self.forbidden is None
            and appliance_id in (self.data or {})
            and appliance_id not in self.failed
        )

    @override
    async def _async_update_data(self) -> dict[str, EvStation]:
        """Read every station once; keep the others' last configurations."""
        data = dict(self.data or {})
        now = dt_util.utcnow()
        if self.forbidden_until is not None and now < self.forbidden_until:
            return data
        stations = self.stations()
        writes = {s.appliance_id: self.writes.get(s.appliance_id, 0) for s in stations}
        results = await asyncio.gather(*(self._read(s) for s in stations))
        forbidden = False
        for station, result in zip(stations, results, strict=True):
            key = station.appliance_id
            if self.writes.get(key, 0) != writes[key]:
                continue  # written meanwhile: the write's answer is newer
            if isinstance(result, GridxPermissionError):
                forbidden = True
            elif isinstance(result, GridxApiError):
                self.failed.add(key)
            else:
                self.failed.discard(key)
                data[key] = replace(station, configuration=result)
        if forbidden:
            self.set_forbidden(READ_POLICY)
        elif self.forbidden is not None:
            self.clear_forbidden()
        return data

    async def _read(self, station: EvStation) -> EvConfiguration | GridxApiError | None:
        async with self._semaphore:
            try:
                return await self.api.get_configuration(
                    station.gateway_id, station.appliance_id
                )
            except GridxApiError as err:
                LOGGER.debug("EV configuration of a station failed: %s", err)
                return err

    def set_forbidden(self, policy: str) -> None:
        """Make the control entities unavailable and raise the repair issue."""
        self.forbidden = policy
        self.forbidden_until = dt_util.utcnow() + FORBIDDEN_RETRY
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id(self.config_entry.entry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_EV_FORBIDDEN,
            translation_placeholders={
                "title": self.config_entry.title,
                "policy": policy,
            },
        )
        self.async_update_listeners()

    def clear_forbidden(self) -> None:
        """Forget a 403 after a read succeeded; remove the repair issue."""
        self.forbidden = None
        self.forbidden_until = None
        ir.async_delete_issue(self.hass, DOMAIN, issue_id(self.config_entry.entry_id))

    @callback
    def async_confirmed(self, station: EvStation, config: EvConfiguration) -> None:
        """Store gridX's answer to a write and tell the entities."""
        key = station.appliance_id
        self.writes[key] = self.writes.get(key, 0) + 1
        self.failed.discard(key)
        self.async_set_updated_data(
            {**(self.data or {}), key: replace(station, configuration=config)}
        )

    def diagnostics(self) -> list[dict[str, Any]]:
        """Return each station's cached configuration as gridX sent it."""
        return [
            {
                "gateway_id": station.gateway_id,
                "appliance_id": station.appliance_id,
                "available": self.station_available(key),
                "configuration": None
                if station.configuration is None
                else dict(station.configuration.raw),
            }
            for key, station in sorted((self.data or {}).items())
        ]
