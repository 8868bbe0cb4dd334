"""The live poll: ``GET /systems/{id}/live`` for every system of an entry.

Systems are the gateways the store knows with a system id (a system is 1:1
with its gateway, gridx-live-facts §2); the slow poll and pushes keep that
list current. Every cycle (default 60 s, 30-300 s in the options) asks each
system once, at most `MAX_CONCURRENT` at a time, so an installer account with
hundreds of systems never floods gridX.

Failures are per system: a system's entities become unavailable after
`UNAVAILABLE_AFTER_FAILURES` failed cycles in a row; the others stay. A 429
pauses the whole account for its ``Retry-After`` (capped at `MAX_PAUSE`,
one poll interval when absent). A 403 means the token lacks
``SystemMeasurementsRead``: the repair issue ``live_data_unavailable`` says
so once, and the system is asked again only every `FORBIDDEN_RETRY`.

Live power goes to the live sensors only. The charging stations' plug and
charging state also go into the store (state/live_stations.py), where pushes of
the legacy ``ev/plugged`` write too: the store's staleness rule orders them.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
import homeassistant.util.dt as dt_util

from ..api.client import GridxClient
from ..api.errors import GridxApiError, GridxPermissionError, GridxRateLimitError
from ..api.live import LiveMeasurement
from ..const import DOMAIN, LOGGER, ResourceKind
from ..state.store import GridxStore

CONF_LIVE_INTERVAL: Final = "live_interval"
DEFAULT_LIVE_INTERVAL: Final = 60
MIN_LIVE_INTERVAL: Final = 30
MAX_LIVE_INTERVAL: Final = 300
MAX_CONCURRENT: Final = 4
MAX_PAUSE: Final = timedelta(minutes=15)
FORBIDDEN_RETRY: Final = timedelta(hours=1)
UNAVAILABLE_AFTER_FAILURES: Final = 3
ISSUE_LIVE_UNAVAILABLE: Final = "live_data_unavailable"
MEASUREMENTS_POLICY: Final = "SystemMeasurementsRead"


@dataclass(frozen=True, slots=True)
class LiveSystem:
    """A system to poll and the gateway whose device shows its values."""

    system_id: str
    gateway_id: str


def live_interval(entry: ConfigEntry) -> timedelta:
    """Return the entry's live poll interval (the option, bounded)."""
    seconds = entry.options.get(CONF_LIVE_INTERVAL, DEFAULT_LIVE_INTERVAL)
    if not isinstance(seconds, int | float):
        seconds = DEFAULT_LIVE_INTERVAL
    return timedelta(seconds=min(MAX_LIVE_INTERVAL, max(MIN_LIVE_INTERVAL, seconds)))


def issue_id(entry_id: str) -> str:
    """Return the id of the entry's ``live_data_unavailable`` issue."""
    return f"{ISSUE_LIVE_UNAVAILABLE}_{entry_id}"


class GridxLiveCoordinator(DataUpdateCoordinator[dict[str, LiveMeasurement]]):
    """Poll the live values of every system; data maps system id to values."""

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConfigEntry,
        client: GridxClient,
        store: GridxStore,
    ) -> None:
        """Poll with ``client`` the systems that ``store`` knows."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} live",
            update_interval=live_interval(config_entry),
        )
        self.client = client
        self.store = store
        self.failures: dict[str, int] = {}
        self.paused_until: datetime | None = None
        self._forbidden: dict[str, datetime] = {}
        # Set by the statistics import: /historical answered 403.
        self.history_forbidden = False
        # The first history import (statistics.async_start_live), for whoever must wait.
        self.first_import: asyncio.Task[None] | None = None
        self._semaphore = asyncio.Semaphore(MAX_CONCURRENT)

    def systems(self) -> list[LiveSystem]:
        """Return the systems of the store's gateways, in a stable order."""
        return sorted(
            (
                LiveSystem(gateway.system_id, gateway.id)
                for gateway in self.store.resources(ResourceKind.GATEWAY)
                if gateway.system_id
            ),
            key=lambda system: system.system_id,
        )

    def system_available(self, system_id: str) -> bool:
        """Return False once a system failed too often in a row."""
        return (
            system_id in (self.data or {})
            and self.failures.get(system_id, 0) < UNAVAILABLE_AFTER_FAILURES
        )

    @override
    async def _async_update_data(self) -> dict[str, LiveMeasurement]:
        """Ask every system once; keep the last values of those that failed."""
        current = {system.system_id for system in self.systems()}
        # A system whose gateway is gone keeps no values (its sensors go
        # unavailable rather than showing the last ones for ever).
        data = {k: v for k, v in (self.data or {}).items() if k in current}
        now = dt_util.utcnow()
        if self.paused_until is not None and now < self.paused_until:
            LOGGER.debug("Live poll paused until %s (429)", self.paused_until)
            return data
        self.paused_until = None
        systems = [
            system
            for system in self.systems()
            if self._forbidden.get(system.system_id, now) <= now
        ]
        results = await asyncio.gather(*(self._poll(system) for system in systems))
        forbidden = False
        for system, result in zip(systems, results, strict=True):
            if result is None:
                continue  # not asked: a 429 paused the account meanwhile
            if isinstance(result, LiveMeasurement):
                self.failures[system.system_id] = 0
                self._forbidden.pop(system.system_id, None)
                if not result.is_empty:
                    data[system.system_id] = result
                if result.ev_stations:
                    self.store.async_apply_live_stations(
                        system.gateway_id, result.ev_stations, now
                    )
                continue
            self.failures[system.system_id] = self.failures.get(system.system_id, 0) + 1
            if isinstance(result, GridxPermissionError):
                forbidden = True
                self._forbidden[system.system_id] = now + FORBIDDEN_RETRY
            elif isinstance(result, GridxRateLimitError):
                pause = timedelta(
                    seconds=result.retry_after
                    if result.retry_after is not None
                    else live_interval(self.config_entry).total_seconds()
                )
                until = now + min(pause, MAX_PAUSE)
                if self.paused_until is None or until > self.paused_until:
                    self.paused_until = until
        self._update_issue(
            forbidden, any(system.system_id in data for system in systems)
        )
        return data

    async def _poll(self, system: LiveSystem) -> LiveMeasurement | GridxApiError | None:
        """Return one system's values, the error, or None when paused."""
        async with self._semaphore:
            if self.paused_until is not None:
                return None
            try:
                return await self.client.get_live(system.system_id)
            except GridxApiError as err:
                LOGGER.debug("Live values of a system failed: %s", err)
                return err

    def set_history_forbidden(self, forbidden: bool) -> None:
        """Record whether ``/historical`` answered 403; raise or clear the issue."""
        self.history_forbidden = forbidden
        if forbidden:
            async_raise_live_issue(self.hass, self.config_entry)
        elif not self._forbidden:
            ir.async_delete_issue(
                self.hass, DOMAIN, issue_id(self.config_entry.entry_id)
            )

    def _update_issue(self, forbidden: bool, any_success: bool) -> None:
        """Raise the missing-access issue on a 403; clear it after a success."""
        if forbidden and not any_success:
            async_raise_live_issue(self.hass, self.config_entry)
        elif any_success and not self._forbidden and not self.history_forbidden:
            ir.async_delete_issue(
                self.hass, DOMAIN, issue_id(self.config_entry.entry_id)
            )

    def diagnostics(self) -> dict[str, Any]:
        """Return the last live payload per system and the failure counters.

        System ids are replaced by their position: they identify a home.
        """
        data: Mapping[str, LiveMeasurement] = self.data or {}
        return {
            "update_interval_seconds": live_interval(self.config_entry).total_seconds(),
            "paused_until": None
            if self.paused_until is None
            else self.paused_until.isoformat(),
            "systems": [
                {
                    "failures_in_a_row": self.failures.get(system.system_id, 0),
                    "forbidden": system.system_id in self._forbidden,
                    "last_payload": dict(data[system.system_id].raw)
                    if system.system_id in data
                    else None,
                }
                for system in self.systems()
            ],
        }


def async_raise_live_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Create (once) the warning that the token cannot read measurements."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry.entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_LIVE_UNAVAILABLE,
        translation_placeholders={
            "title": entry.title,
            "policy": MEASUREMENTS_POLICY,
        },
    )
