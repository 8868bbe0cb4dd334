"""Change a charging station's configuration: one PATCH, confirmed by gridX.

`EvChange` says what the user asked for; `async_apply` sends exactly the
fields that change (nothing when nothing does), adds the coupled ones
(gridx-control-facts §2.2: ``minRequestedSoc`` needs ``userTotalCapacity``,
taken from the configuration, else from the EV profile that lists the
station, else a translated error), stores gridX's 200 answer and returns it.
Every failure is a translated `HomeAssistantError`, so the UI and an
automation's trace show it.

`async_setup_ev_control` starts the control of an entry: the configurations
are read after every live update (the live cycle, so a change made in the
gridX app shows within one cycle); then departures whose meaning a DST
change shifted are sent again (`async_resend_departures`).
"""

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
import homeassistant.util.dt as dt_util

from ..api.errors import (
    GridxApiError,
    GridxConnectionError,
    GridxPermissionError,
    GridxRateLimitError,
    GridxServerError,
    GridxStatusError,
)
from ..api.ev_configuration import (
    MODES_WITH_TARGET,
    ChargeMode,
    EvConfiguration,
    EvConfigurationPatch,
    profile_capacity,
)
from ..const import DOMAIN
from ..coordinator import GridxConfigEntry
from .control import WRITE_POLICY, EvStation, GridxEvCoordinator

# What L sends when a mode needs a target or a departure and none is set.
DEFAULT_TARGET: Final = 80.0
DEFAULT_DEPARTURE: Final = time(7, 0)
_UNSET: Final[Any] = object()


@dataclass(frozen=True, slots=True)
class EvChange:
    """What to change; None (or unset for the power) leaves a field alone."""

    mode: ChargeMode | None = None
    target: float | None = None
    departure: time | None = None
    # W; 0 or None = no limit (``maxChargePower: null``).
    max_power: Any = _UNSET
    charging_enabled: bool | None = None


def next_departure(local: time, now: datetime | None = None) -> datetime:
    """Return the next moment (UTC) that is ``local`` in Home Assistant's zone.

    Built from the local date and zone, so a DST change between today and
    tomorrow gives the right UTC offset.
    """
    now = dt_util.now() if now is None else dt_util.as_local(now)
    candidate = dt_util.as_utc(datetime.combine(now.date(), local, now.tzinfo))
    if candidate <= dt_util.as_utc(now):
        tomorrow = now.date() + timedelta(days=1)
        candidate = dt_util.as_utc(datetime.combine(tomorrow, local, now.tzinfo))
    return candidate


def _local_time(moment: datetime) -> time:
    return dt_util.as_local(moment).time().replace(microsecond=0)


def departure_local(config: EvConfiguration | None) -> time | None:
    """Return the departure as the local time of day the user set."""
    if config is None or config.departure is None:
        return None
    return _local_time(config.departure)


def departure_stale(config: EvConfiguration | None, now: datetime) -> bool:
    """Return True when a past departure means another hour after a DST change.

    gridX reads a past departure as its UTC time of day (§2.2 "past →
    tomorrow"; inferred: in UTC). Once the UTC offset changed since it was
    set, that is no longer the local time the user chose: send it again.
    """
    if config is None or config.departure is None or config.departure > now:
        return False
    local = _local_time(config.departure)
    return next_departure(local, now).time() != config.departure.time()


def _patch(config: EvConfiguration | None, change: EvChange) -> EvConfigurationPatch:
    """Return the fields that differ from ``config`` (coupling not yet added)."""
    current = config or EvConfiguration()
    fields: dict[str, Any] = {}
    mode = change.mode
    if mode is not None and mode is not current.effective_mode:
        fields["charge_mode"] = mode
    target = change.target
    if (
        mode in MODES_WITH_TARGET
        and target is None
        and current.min_requested_soc is None
    ):
        target = DEFAULT_TARGET
    if target is not None and target != current.min_requested_soc:
        fields["min_requested_soc"] = target
    departure = change.departure
    if (
        mode is ChargeMode.DEPARTURE_TIME_EV
        and departure is None
        and current.departure is None
    ):
        departure = DEFAULT_DEPARTURE
    if departure is not None:
        moment = next_departure(departure)
        if current.departure is None or moment.time() != current.departure.time():
            fields["departure"] = moment
    if change.max_power is not _UNSET:
        power = change.max_power or None
        if power != current.max_charge_power:
            fields["max_charge_power"] = power
            fields["set_max_charge_power"] = True
    enabled = change.charging_enabled
    if enabled is not None and enabled != current.charging_enabled:
        fields["charging_enabled"] = enabled
    return EvConfigurationPatch(**fields)


async def _capacity(coordinator: GridxEvCoordinator, station: EvStation) -> float:
    """Return the car's battery capacity (Wh) that a target must carry."""
    config = station.configuration
    if config is not None and config.user_total_capacity:
        return config.user_total_capacity
    try:
        profiles = await coordinator.api.list_profiles(station.system_id)
    except GridxPermissionError:
        # No EVProfilesRead: the capacity is as unknown as without a profile
        # (charging control itself may still be allowed).
        profiles = []
    except GridxApiError as err:
        raise _error(coordinator, err) from err
    capacity = profile_capacity(profiles, station.appliance_id)
    if capacity is None:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="ev_capacity_unknown"
        )
    return capacity


def _error(coordinator: GridxEvCoordinator, err: GridxApiError) -> HomeAssistantError:
    """Return the translated error of a failed call (403: also the repair issue)."""
    if isinstance(err, GridxPermissionError):
        coordinator.set_forbidden(WRITE_POLICY)
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="ev_forbidden",
            translation_placeholders={"policy": WRITE_POLICY},
        )
    if isinstance(err, GridxRateLimitError | GridxServerError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="ev_busy",
            translation_placeholders={"status": str(err.status)},
        )
    if isinstance(err, GridxStatusError) and err.status in (400, 422):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="ev_refused",
            translation_placeholders={"message": err.message},
        )
    if isinstance(err, GridxConnectionError):
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key="ev_unreachable"
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="ev_failed",
        translation_placeholders={"error": str(err)},
    )


def station_of(coordinator: GridxEvCoordinator, appliance_id: str) -> EvStation:
    """Return an available station, or raise the translated error."""
    station = (coordinator.data or {}).get(appliance_id)
    if station is None or not coordinator.station_available(appliance_id):
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="ev_unavailable"
        )
    return station


async def async_apply(
    coordinator: GridxEvCoordinator, appliance_id: str, change: EvChange
) -> EvConfiguration | None:
    """Send ``change`` as one PATCH; return the confirmed configuration.

    Returns the cached configuration, without a request, when nothing changes.
    """
    station = station_of(coordinator, appliance_id)
    patch = _patch(station.configuration, change)
    if not patch.as_body():
        return station.configuration
    if patch.min_requested_soc is not None:
        patch = replace(
            patch, user_total_capacity=await _capacity(coordinator, station)
        )
    try:
        config = await coordinator.api.update_configuration(
            station.gateway_id, station.appliance_id, patch.as_body()
        )
    except GridxApiError as err:
        raise _error(coordinator, err) from err
    coordinator.async_confirmed(station, config)
    return config


async def async_resend_departures(coordinator: GridxEvCoordinator) -> None:
    """Send departures again whose UTC offset changed (DST); errors are logged."""
    now = dt_util.utcnow()
    for key, station in (coordinator.data or {}).items():
        config = station.configuration
        if (
            config is None
            or config.departure is None
            or not coordinator.station_available(key)
            or not departure_stale(config, now)
        ):
            continue
        local = _local_time(config.departure)
        body = EvConfigurationPatch(departure=next_departure(local, now)).as_body()
        try:
            confirmed = await coordinator.api.update_configuration(
                station.gateway_id, station.appliance_id, body
            )
        except GridxApiError as err:
            coordinator.logger.warning(
                "Could not send the departure time again after a clock change: %s",
                err,
            )
            continue
        coordinator.async_confirmed(station, confirmed)


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
