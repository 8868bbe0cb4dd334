"""The plug and charging state of charging stations, from the live poll.

``GET /systems/{id}/live`` lists each charging station in
``evChargingStations[]`` with its ``applianceID``, ``power`` and
``plugState`` (gridx-live-facts §3.1). This is the only plug signal an
account without push has, so the poll writes it into the store as the
station's plug and charging state: on the charging-station resource (an EV
resource keyed by the station's ``applianceID``, the one the legacy
``ev/plugged`` push sets too). Its device is the station appliance's device,
so the entities "plugged in" and "Charging" sit on the wallbox, one entity
per meaning, fed by whichever source speaks last (the store's staleness rule
orders a push and a poll by their times).

- ``PLUGGED_ON_STATION_AND_PLUGGED_ON_VEHICLE`` is plugged in;
  ``PLUGGED_ON_STATION`` (the cable hangs on the station only) and
  ``UNPLUGGED`` are not; any other value is unknown.
- Charging: ``stationState`` when present (**not documented** in live; the
  raw EV measurements' enum ``CHARGING`` is charging, the other known values
  are not); otherwise the station's power above `CHARGING_MIN_POWER`
  (**inferred**: gridX sends no charging flag in live; a car charges with at
  least 1.4 kW, a station idles at a few watts). Unplugged is never charging.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from ..api.live import LiveEvStation
from ..const import ResourceKind
from .catalogue import Catalogue
from .resource_model import Source, StateKey

PLUGGED: Final = "PLUGGED_ON_STATION_AND_PLUGGED_ON_VEHICLE"
NOT_PLUGGED: Final = frozenset({"PLUGGED_ON_STATION", "UNPLUGGED"})
# Power (W) above which a station with no stationState is charging.
CHARGING_MIN_POWER: Final = 100.0
STATION_CHARGING: Final = "CHARGING"
STATION_NOT_CHARGING: Final = frozenset(
    {"NOT_READY", "READY", "CHARGING_INTERRUPTED", "ERROR"}
)


def plugged(station: LiveEvStation) -> bool | None:
    """Return whether a vehicle is plugged in; None when not known."""
    if station.plug_state == PLUGGED:
        return True
    if station.plug_state in NOT_PLUGGED:
        return False
    return None


def charging(station: LiveEvStation) -> bool | None:
    """Return whether the station charges a vehicle; None when not known."""
    if plugged(station) is False:
        return False
    if station.station_state == STATION_CHARGING:
        return True
    if station.station_state in STATION_NOT_CHARGING:
        return False
    if station.power is None:
        return None
    return station.power > CHARGING_MIN_POWER


def apply_live_stations(
    catalogue: Catalogue,
    gateway_id: str,
    stations: Sequence[LiveEvStation],
    polled_at: datetime,
) -> None:
    """Write each listed station's plug and charging state, as of ``polled_at``.

    A station without an ``applianceID`` cannot be told apart and is
    skipped. A value sent but not understood is stored as None (unknown);
    a value not sent at all leaves the stored one as it is.
    """
    for station in stations:
        if not station.appliance_id:
            continue
        values: dict[StateKey, bool | None] = {}
        if station.plug_state is not None:
            values[StateKey.PLUGGED] = plugged(station)
        if (
            station.plug_state is not None
            or station.station_state is not None
            or station.power is not None
        ):
            values[StateKey.CHARGING] = charging(station)
        if not values:
            continue
        existing = catalogue.get(ResourceKind.EV, station.appliance_id)
        if existing is not None and not existing.legacy_station:
            continue  # a vehicle's asset id, not a station: never mix them
        resource, _ = catalogue.upsert(
            ResourceKind.EV,
            station.appliance_id,
            polled_at,
            gateway_id=gateway_id,
            legacy_station=True,
        )
        if resource is None:
            continue
        for key, value in values.items():
            catalogue.set(resource, key, value, polled_at, Source.POLL)
