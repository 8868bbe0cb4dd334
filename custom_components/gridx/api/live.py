"""Typed views of gridX live and historical measurements (gridx-live-facts §2-§4).

Protocol core: no Home Assistant imports. Parsing is tolerant: every value is
optional, a value of the wrong type counts as absent (logged once per field),
unknown fields are ignored, and only a body that is not a JSON object raises
GridxResponseError. ``gridx_emulator.contract`` states the documented shapes.

Units as gridX sends them: power in W, meter readings in **Ws** (not Wh),
rates and states of charge as 0.0-1.0, capacities in Wh. Signs: ``grid`` is
+ import / - export, ``battery.power`` + discharge / - charge, EV ``power``
+ charging.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import logging
import math
from typing import Any, Self

from .errors import expect_object

_LOGGER = logging.getLogger(__name__)

# Joules per kWh: a Ws meter reading divided by this is kWh.
WS_PER_KWH = 3_600_000

# Fields whose wrong type was logged: once per process, not on every poll.
_LOGGED: set[str] = set()


def _wrong_type(key: str, value: object) -> None:
    """Log once that a field had an unexpected type (never its value)."""
    if key not in _LOGGED:
        _LOGGED.add(key)
        _LOGGER.warning(
            "gridX sent the measurement field %s as %s, not as documented; ignoring it",
            key,
            type(value).__name__,
        )


def _number(value: object) -> float | None:
    """Return a finite int or float (never a bool) as a float, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _num(data: Mapping[str, Any], key: str) -> float | None:
    """Return the number ``key``; a present non-number is logged once."""
    value = data.get(key)
    number = _number(value)
    if number is None and value is not None:
        _wrong_type(key, value)
    return number


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        _wrong_type(key, value)
    return value if isinstance(value, str) and value else None


def _sub(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = data.get(key)
    if value is not None and not isinstance(value, Mapping):
        _wrong_type(key, value)
    return value if isinstance(value, Mapping) else None


def _items(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list):
        if value is not None:
            _wrong_type(key, value)
        return []
    return [item for item in value if isinstance(item, Mapping)]


def parse_time(value: object) -> datetime | None:
    """Return an RFC 3339 time as an aware UTC datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    """Return ``moment`` as RFC 3339 UTC with a ``Z`` (gridX refused offsets)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- /gateways ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GatewaySystem:
    """The system of a ``GET /gateways`` item (§2); 1:1 with its gateway.

    The spec types list items without ``system``, but real lists carry
    ``system{id, name, ...}``; a flat ``systemID`` is accepted too. ``name``
    can be a person's name: never log it.
    """

    id: str
    name: str | None = field(default=None, repr=False)

    @classmethod
    def from_gateway(cls, data: object) -> Self | None:
        """Return the system of a gateway item, None when it names none."""
        obj = expect_object(data, "gateway")
        system = _sub(obj, "system")
        if system is not None and (system_id := _str(system, "id")):
            return cls(id=system_id, name=_str(system, "name"))
        flat = _str(obj, "systemID") or _str(obj, "systemId")
        return None if flat is None else cls(id=flat)


# -- /systems/{id}/live ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LiveBattery:
    """``battery`` (the aggregate, no applianceID) or a ``batteries[]`` item."""

    appliance_id: str | None
    power: float | None
    state_of_charge: float | None
    capacity: float | None
    nominal_capacity: float | None
    remaining_charge: float | None
    # Not in the live spec; some systems send them (§3.1, inferred).
    charge: float | None
    discharge: float | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from ``{power, stateOfCharge, capacity, ...}``."""
        return cls(
            appliance_id=_str(data, "applianceID"),
            power=_num(data, "power"),
            state_of_charge=_num(data, "stateOfCharge"),
            capacity=_num(data, "capacity"),
            nominal_capacity=_num(data, "nominalCapacity"),
            remaining_charge=_num(data, "remainingCharge"),
            charge=_num(data, "charge"),
            discharge=_num(data, "discharge"),
        )


@dataclass(frozen=True, slots=True)
class LiveHeatPump:
    """A ``heatPumps[]`` item."""

    appliance_id: str | None
    power: float | None
    sg_ready_state: str | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from ``{applianceID, power, sgReadyState}``."""
        return cls(
            appliance_id=_str(data, "applianceID"),
            power=_num(data, "power"),
            sg_ready_state=_str(data, "sgReadyState"),
        )


@dataclass(frozen=True, slots=True)
class LiveEvStation:
    """``evChargingStation`` (aggregate) or an ``evChargingStations[]`` item."""

    appliance_id: str | None
    power: float | None
    state_of_charge: float | None
    # Wh per the spec; other clients read kWh (§3.1, disputed).
    reading_total: float | None
    plug_state: str | None
    # Not documented in live (only raw EV measurements carry it, §3.1):
    # read when present, absent otherwise.
    station_state: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from ``{applianceID, power, readingTotal, plugState, ...}``."""
        return cls(
            appliance_id=_str(data, "applianceID"),
            power=_num(data, "power"),
            state_of_charge=_num(data, "stateOfCharge"),
            reading_total=_num(data, "readingTotal"),
            plug_state=_str(data, "plugState"),
            station_state=_str(data, "stationState"),
        )


@dataclass(frozen=True, slots=True)
class LiveMeasurement:
    """One ``GET /systems/{id}/live`` answer.

    ``values`` holds every top-level number under its gridX name
    (``photovoltaic``, ``grid``, ``gridMeterReadingPositive`` ...): absent
    appliance types are left out by gridX and stay absent here (never 0).
    """

    measured_at: datetime | None
    values: Mapping[str, float]
    battery: LiveBattery | None = None
    batteries: tuple[LiveBattery, ...] = ()
    heat_pumps: tuple[LiveHeatPump, ...] = ()
    ev_station: LiveEvStation | None = None
    ev_stations: tuple[LiveEvStation, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build from the ``Measurement`` schema; ``{}`` is an empty answer."""
        obj = expect_object(data, "live")
        battery = _sub(obj, "battery")
        station = _sub(obj, "evChargingStation")
        return cls(
            measured_at=parse_time(obj.get("measuredAt")),
            values=_top_level_numbers(obj),
            battery=None if battery is None else LiveBattery.from_dict(battery),
            batteries=tuple(map(LiveBattery.from_dict, _items(obj, "batteries"))),
            heat_pumps=tuple(map(LiveHeatPump.from_dict, _items(obj, "heatPumps"))),
            ev_station=None if station is None else LiveEvStation.from_dict(station),
            ev_stations=tuple(
                map(LiveEvStation.from_dict, _items(obj, "evChargingStations"))
            ),
            raw=dict(obj),
        )

    @property
    def is_empty(self) -> bool:
        """Return True for an answer without any value (openHAB ignores ``{}``)."""
        return not self.values and self.battery is None and self.ev_station is None

    def get(self, key: str) -> float | None:
        """Return the top-level number ``key`` (a gridX field name), or None."""
        return self.values.get(key)


def _top_level_numbers(obj: Mapping[str, Any]) -> dict[str, float]:
    """Return every top-level number; objects and arrays are read apart.

    A top-level string or boolean (other than ``measuredAt``) is a number of
    the wrong type: ignored and logged once.
    """
    values: dict[str, float] = {}
    for key, value in obj.items():
        if (number := _number(value)) is not None:
            values[key] = number
        elif isinstance(value, str | bool) and key != "measuredAt":
            _wrong_type(key, value)
    return values


# -- /systems/{id}/historical -----------------------------------------------


class Resolution(StrEnum):
    """The ``resolution`` of a historical request (§4)."""

    MIN_15 = "15m"
    HOUR = "1h"
    DAY = "1d"
    WEEK = "1w"
    MONTH = "1M"


# The longest interval gridX accepts per resolution (§4; 1M: 5 years).
MAX_INTERVAL: Mapping[Resolution, timedelta] = {
    Resolution.MIN_15: timedelta(days=1),
    Resolution.HOUR: timedelta(weeks=1),
    Resolution.DAY: timedelta(days=28),
    Resolution.WEEK: timedelta(days=28),
    Resolution.MONTH: timedelta(days=5 * 365),
}
# Bucket lengths of the power resolutions, whose values are mean W.
POWER_BUCKETS: Mapping[Resolution, timedelta] = {
    Resolution.MIN_15: timedelta(minutes=15),
    Resolution.HOUR: timedelta(hours=1),
}


@dataclass(frozen=True, slots=True)
class HistoricalPoint:
    """One ``data[]`` item (``MeasurementExtended``), values as gridX sends them.

    ``grid`` is an object ``{supply, feedIn}`` in history (both ≥ 0,
    inferred). A scalar ``grid`` (the live shape) is accepted too and split by
    its sign, which is exact only when the bucket did not change direction.
    """

    measured_at: datetime
    photovoltaic: float | None = None
    production: float | None = None
    consumption: float | None = None
    total_consumption: float | None = None
    grid_supply: float | None = None
    grid_feed_in: float | None = None
    battery_charge: float | None = None
    battery_discharge: float | None = None
    heat_pump: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], measured_at: datetime) -> Self:
        """Build from one item whose time is already parsed."""
        supply = feed_in = None
        grid = data.get("grid")
        if isinstance(grid, Mapping):
            supply, feed_in = _num(grid, "supply"), _num(grid, "feedIn")
        elif (signed := _num(data, "grid")) is not None:
            supply, feed_in = max(signed, 0.0), max(-signed, 0.0)
        charge = discharge = None
        battery = data.get("battery")
        if isinstance(battery, Mapping):
            charge, discharge = _num(battery, "charge"), _num(battery, "discharge")
        return cls(
            measured_at=measured_at,
            photovoltaic=_num(data, "photovoltaic"),
            production=_num(data, "production"),
            consumption=_num(data, "consumption"),
            total_consumption=_num(data, "totalConsumption"),
            grid_supply=supply,
            grid_feed_in=feed_in,
            battery_charge=charge,
            battery_discharge=discharge,
            heat_pump=_num(data, "heatPump"),
        )


@dataclass(frozen=True, slots=True)
class HistoricalSeries:
    """A ``GET /systems/{id}/historical`` answer (``{total, data[]}``).

    Items without a parsable ``measuredAt`` are skipped. Points are sorted by
    time; a repeated time keeps the first.
    """

    resolution: Resolution
    points: tuple[HistoricalPoint, ...]

    @classmethod
    def from_dict(cls, data: object, resolution: Resolution) -> Self:
        """Build from ``{data: [...]}``; a bare array is accepted too."""
        items: list[Any]
        if isinstance(data, list):
            items = data
        else:
            obj = expect_object(data, "historical")
            raw_items = obj.get("data")
            items = raw_items if isinstance(raw_items, list) else []
        points: dict[datetime, HistoricalPoint] = {}
        for item in items:
            if not isinstance(item, Mapping):
                continue
            moment = parse_time(item.get("measuredAt"))
            if moment is not None and moment not in points:
                points[moment] = HistoricalPoint.from_dict(item, moment)
        return cls(resolution, tuple(points[key] for key in sorted(points)))

    def stamped_at_start(self, start: datetime, end: datetime) -> bool:
        """Return True when the points are stamped at their bucket's start.

        §4: ``15m``/``1h`` points are stamped at the bucket's **end** and
        ``1d`` and longer at its start; the former is inferred. To tolerate
        both readings, a power series for ``[start, end)`` that holds a point
        at ``start`` and none at ``end`` is read as start-stamped.
        """
        if self.resolution not in POWER_BUCKETS:
            return True
        times = {point.measured_at for point in self.points}
        return start in times and end not in times

    def energy_wh(
        self, start: datetime, end: datetime
    ) -> list[tuple[datetime, HistoricalPoint, float]]:
        """Return ``(bucket start, point, Wh per W)`` for the buckets in range.

        For the power resolutions a value in W times the factor is the
        bucket's energy in Wh (a 1 h mean of 500 W is 500 Wh); for the
        energy resolutions the factor is 1. Buckets outside ``[start, end)``
        are dropped.
        """
        bucket = POWER_BUCKETS.get(self.resolution)
        factor = 1.0 if bucket is None else bucket / timedelta(hours=1)
        shift = (
            timedelta(0)
            if bucket is None or self.stamped_at_start(start, end)
            else bucket
        )
        result = []
        for point in self.points:
            begin = point.measured_at - shift
            if start <= begin < end:
                result.append((begin, point, factor))
        return result
