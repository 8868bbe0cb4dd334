"""The EV charging-station configuration and EV profiles (gridx-control-facts §2).

Protocol core: no Home Assistant imports. ``GET .../ev/configuration``
returns every field of ``AbstractEVChargingStationConfiguration``; each
nullable one is present but may be ``null``. Parsing is tolerant all the
same: a missing field or one of the wrong type is None, so a configuration
always parses as long as the body is a JSON object.

Units as gridX sends them: states of charge in % (0-100, unlike ``/live``'s
0-1), capacities in **Wh**, powers in W over all phases.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
import math
from typing import Any, Final, Self

from .errors import expect_object
from .live import format_time, parse_time


class ChargeMode(StrEnum):
    """``chargeMode`` (gridx-control-facts §0.2); no configuration = FORCED_EV."""

    FORCED_EV = "FORCED_EV"
    MIN_EV = "MIN_EV"
    DEPARTURE_TIME_EV = "DEPARTURE_TIME_EV"
    SURPLUS_EV = "SURPLUS_EV"


# The modes that charge towards ``minRequestedSoc`` (which needs the capacity).
MODES_WITH_TARGET: Final = frozenset({ChargeMode.MIN_EV, ChargeMode.DEPARTURE_TIME_EV})

# The fields of ``EVChargingStationConfigurationCreationStrict``
# (``additionalProperties: false``). Inferred: the writable fields of
# §2.2; the read-only ones (estimate, calculated power, ids, times) are
# never sent.
CREATION_FIELDS: Final = frozenset(
    {
        "chargeMode",
        "minRequestedSoc",
        "departureTimestamp",
        "userSoc",
        "userTotalCapacity",
        "maxChargePower",
        "minChargePower",
        "minChargePowerPerPhase",
        "chargingEnabled",
        "chargingRemoteControllable",
        "lockEnabled",
        "evProfileID",
    }
)


def _num(data: Mapping[str, Any], key: str) -> float | None:
    """Return a finite number (never a bool), else None."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _mode(value: object) -> ChargeMode | None:
    """Return a known charge mode; an unknown one is None (shown as unknown)."""
    if not isinstance(value, str):
        return None
    try:
        return ChargeMode(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class EvConfiguration:
    """One charging station's configuration, as gridX last confirmed it."""

    charge_mode: ChargeMode | None = None
    min_requested_soc: float | None = None
    departure: datetime | None = None
    estimated_departure: datetime | None = None
    user_soc: float | None = None
    user_total_capacity: float | None = None
    max_charge_power: float | None = None
    min_charge_power: float | None = None
    min_charge_power_per_phase: float | None = None
    max_power_calculated: float | None = None
    charging_enabled: bool | None = None
    charging_remote_controllable: bool | None = None
    lock_enabled: bool | None = None
    ev_profile_id: str | None = None
    appliance_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build from ``EVChargingStationConfiguration``; raise for a non-object."""
        obj = expect_object(data, "ev configuration")
        return cls(
            charge_mode=_mode(obj.get("chargeMode")),
            min_requested_soc=_num(obj, "minRequestedSoc"),
            departure=parse_time(obj.get("departureTimestamp")),
            estimated_departure=parse_time(obj.get("estimatedDepartureTimestamp")),
            user_soc=_num(obj, "userSoc"),
            user_total_capacity=_num(obj, "userTotalCapacity"),
            max_charge_power=_num(obj, "maxChargePower"),
            min_charge_power=_num(obj, "minChargePower"),
            min_charge_power_per_phase=_num(obj, "minChargePowerPerPhase"),
            max_power_calculated=_num(obj, "maxPowerCalculated"),
            charging_enabled=_bool(obj, "chargingEnabled"),
            charging_remote_controllable=_bool(obj, "chargingRemoteControllable"),
            lock_enabled=_bool(obj, "lockEnabled"),
            ev_profile_id=_str(obj, "evProfileID"),
            appliance_id=_str(obj, "applianceID"),
            raw=dict(obj),
        )

    @property
    def effective_mode(self) -> ChargeMode | None:
        """Return the mode in force: no ``chargeMode`` means FORCED_EV (§2.2)."""
        if "chargeMode" not in self.raw or self.raw["chargeMode"] is None:
            return ChargeMode.FORCED_EV
        return self.charge_mode


@dataclass(frozen=True, slots=True)
class EvProfile:
    """An EV profile (``/systems/{id}/ev-profiles``); capacity in Wh."""

    id: str | None
    name: str | None
    capacity: float | None
    station_ids: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build from ``EVProfile``; raise for a non-object."""
        obj = expect_object(data, "ev profile")
        stations = obj.get("chargingStationApplianceIDs")
        return cls(
            id=_str(obj, "id"),
            name=_str(obj, "name"),
            capacity=_num(obj, "capacity"),
            station_ids=tuple(s for s in stations if isinstance(s, str) and s)
            if isinstance(stations, list)
            else (),
        )


def profile_capacity(profiles: list[EvProfile], appliance_id: str) -> float | None:
    """Return the capacity (Wh) of the first profile that lists the station."""
    for profile in profiles:
        if appliance_id in profile.station_ids and profile.capacity:
            return profile.capacity
    return None


def departure_value(moment: datetime) -> str:
    """Return a departure time as gridX takes it: RFC 3339 UTC with ``Z``."""
    return format_time(moment)


@dataclass(frozen=True, slots=True, kw_only=True)
class EvConfigurationPatch:
    """The fields one PATCH of a station's configuration sets (control facts §2.2).

    A field left at None is not sent; ``max_charge_power`` is sent when
    ``set_max_charge_power`` is True, None as ``null`` (no cap).
    ``user_total_capacity`` (Wh) must come with a ``min_requested_soc``.
    """

    charge_mode: ChargeMode | None = None
    min_requested_soc: float | None = None
    departure: datetime | None = None
    max_charge_power: float | None = None
    set_max_charge_power: bool = False
    charging_enabled: bool | None = None
    user_total_capacity: float | None = None

    def as_body(self) -> dict[str, Any]:
        """Return the JSON body gridX takes, with only the fields that are set."""
        body: dict[str, Any] = {}
        if self.charge_mode is not None:
            body["chargeMode"] = self.charge_mode.value
        if self.min_requested_soc is not None:
            body["minRequestedSoc"] = self.min_requested_soc
        if self.departure is not None:
            body["departureTimestamp"] = departure_value(self.departure)
        if self.set_max_charge_power:
            body["maxChargePower"] = self.max_charge_power
        if self.charging_enabled is not None:
            body["chargingEnabled"] = self.charging_enabled
        if self.user_total_capacity is not None:
            body["userTotalCapacity"] = self.user_total_capacity
        return body


def creation_body(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return the strict creation body for ``changes`` (a PATCH body).

    Only `CREATION_FIELDS` go (``additionalProperties: false``). ``null``
    is left out: without a configuration every field is unset already
    (``maxChargePower: null`` = no cap, the default).
    """
    return {
        key: value
        for key, value in changes.items()
        if key in CREATION_FIELDS and value is not None
    }
