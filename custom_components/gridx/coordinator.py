"""The slow polling reconcile: gateways and appliances into the store.

Every `POLL_INTERVAL` (every live cycle for a poll-only entry, see
`registration.mode`) and at setup the coordinator reads ``GET /gateways``
and ``GET /gateways/{id}/appliances`` and hands the result to the store,
stamped with the time the poll *started*. The store's staleness rule then
decides per attribute: a push whose event ``time`` is after the poll's start
wins over the poll, an older push loses to it (the poll already saw the
later state). See `store.GridxStore` for the rule.

A device gridX no longer lists is removed after two complete polls in a
row miss it; a failed poll (an exception: nothing is applied) or a partial
one (a list stopped at its page limit) never counts (see `apply`).

Failures are counted: entities fed by polling become unavailable only after
`entity.UNAVAILABLE_AFTER_FAILED_POLLS` failures in a row (and not if a push
updated them since). A 401 raises ConfigEntryAuthFailed, which starts reauth.

This module also holds the typed runtime data of an entry (`GridxRuntimeData`,
`GridxConfigEntry`), as core's lamarzocco and withings keep theirs beside
their coordinators.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
import homeassistant.util.dt as dt_util

from .api.client import GridxClient, Listing
from .api.errors import GridxApiError, GridxAuthError
from .api.gateways import Appliance, Gateway
from .const import DOMAIN, LOGGER, signal_state
from .registration.mode import poll_interval
from .state.store import GridxStore

if TYPE_CHECKING:
    from .ev.control import GridxEvCoordinator
    from .live.coordinator import GridxLiveCoordinator
    from .registration.lifecycle import GridxRegistration


@dataclass(frozen=True, slots=True)
class GridxPollData:
    """What one successful poll saw."""

    gateways: tuple[Gateway, ...]
    appliances: tuple[Appliance, ...]
    polled_at: datetime
    # False when a list stopped at the page limit: what it did not list may
    # still exist, so nothing is taken as gone (`apply`).
    complete: bool = True


def _complete(items: Sequence[Gateway | Appliance]) -> bool:
    """Return False for a paged list that stopped at the page limit."""
    return not isinstance(items, Listing) or items.complete


class GridxDataUpdateCoordinator(DataUpdateCoordinator[GridxPollData]):
    """Poll gridX slowly and reconcile the store."""

    config_entry: GridxConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: GridxConfigEntry,
        client: GridxClient,
        store: GridxStore,
    ) -> None:
        """Poll with ``client`` into ``store``."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=DOMAIN,
            # Every live cycle for a poll-only entry (connectivity has no
            # push then), else every 15 minutes.
            update_interval=poll_interval(config_entry),
        )
        self.client = client
        self.store = store
        # Consecutive failed polls, and when the current run of failures began.
        self.failed_polls = 0
        self.failing_since: datetime | None = None
        self._attempt_started: datetime | None = None

    @override
    async def _async_update_data(self) -> GridxPollData:
        """Fetch gateways and their appliances, then apply them to the store."""
        polled_at = self._attempt_started = dt_util.utcnow()
        try:
            gateways = await self.client.list_gateways()
            complete = _complete(gateways)
            appliances: list[Appliance] = []
            for gateway in gateways:
                listed = await self.client.list_appliances(gateway.id)
                complete = complete and _complete(listed)
                appliances.extend(listed)
        except GridxAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="poll_auth_failed"
            ) from err
        except GridxApiError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="poll_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.store.async_apply_poll(gateways, appliances, polled_at, complete=complete)
        return GridxPollData(tuple(gateways), tuple(appliances), polled_at, complete)

    @callback
    def async_follow_mode(self) -> None:
        """Poll as often as the entry's mode now wants (`mode.poll_interval`).

        Connected to `mode.signal_mode` while the entry is loaded: a push
        entry polls slowly, a poll-only one every live cycle.
        """
        self.update_interval = poll_interval(self.config_entry)

    @override
    def _async_refresh_finished(self) -> None:
        """Count failures in a row; tell polled entities (availability may change).

        The one entry-wide notification: each polled entity writes only if
        its availability actually changed.
        """
        if self.last_update_success:
            self.failed_polls = 0
            self.failing_since = None
        else:
            self.failed_polls += 1
            if self.failing_since is None:
                self.failing_since = self._attempt_started or dt_util.utcnow()
        async_dispatcher_send(self.hass, signal_state(self.config_entry.entry_id))


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
    # The live poll of /systems/{id}/live (live/coordinator.py).
    live: GridxLiveCoordinator | None = None
    # The EV charging-station configurations (ev/control.py).
    ev: GridxEvCoordinator | None = None


type GridxConfigEntry = ConfigEntry[GridxRuntimeData]
