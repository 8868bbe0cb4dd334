"""EV charging control of the emulator (gridx-control-facts §2, §3).

``/gateways/{g}/appliances/{a}/ev/configuration`` (GET, POST, PATCH, DELETE)
and ``GET /systems/{id}/ev-profiles``, with the documented validation:
the strict creation body (``additionalProperties: false``), states of
charge 0-100 %, no negative power or capacity, ``minRequestedSoc`` only
with ``userTotalCapacity``, and the modes that need a target (and a
departure) refused without one. What the facts leave open is our guess:
400 for a body that is not the schema, 422 for values the rules refuse,
404 for GET/PATCH without a configuration and 409 for POST with one.

`charging_power` is the simulation: how much the demo EV draws in each mode.
Every accepted write is recorded in `EvControl.requests` for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .state import EmulatorState, rfc3339

MODES = ("FORCED_EV", "MIN_EV", "DEPARTURE_TIME_EV", "SURPLUS_EV")
TARGET_MODES = ("MIN_EV", "DEPARTURE_TIME_EV")
PERCENT_FIELDS = ("minRequestedSoc", "userSoc")
NON_NEGATIVE_FIELDS = (
    "userTotalCapacity",
    "maxChargePower",
    "minChargePower",
    "minChargePowerPerPhase",
)
BOOL_FIELDS = ("chargingEnabled", "chargingRemoteControllable", "lockEnabled")
WRITABLE = frozenset(
    {
        "chargeMode",
        "departureTimestamp",
        "evProfileID",
        *PERCENT_FIELDS,
        *NON_NEGATIVE_FIELDS,
        *BOOL_FIELDS,
    }
)
# Every field a GET carries (present, maybe null), read-only ones included.
ALL_FIELDS = (
    *sorted(WRITABLE),
    "estimatedDepartureTimestamp",
    "maxPowerCalculated",
    "issueTimestamp",
)
# The smallest power a station charges with (6 A on one phase).
MIN_STATION_POWER = 1380.0


class ValidationError(Exception):
    """A body the resource refuses: ``status`` and gridX's message/details."""

    def __init__(self, status: int, message: str, details: list[str]) -> None:
        """Store what the answer says."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _float(value: Any) -> float | None:
    return float(value) if _number(value) else None


def _is_time(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return False
    return moment.tzinfo is not None


def validate(body: Any, current: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return ``body`` if it may change ``current``; raise ValidationError."""
    if not isinstance(body, Mapping):
        raise ValidationError(400, "Bad Request", ["body is not an object"])
    unknown = sorted(set(body) - WRITABLE)
    if unknown:
        raise ValidationError(
            400, "Bad Request", [f"unknown or read-only field {k}" for k in unknown]
        )
    problems: list[str] = []
    for key, value in body.items():
        if value is None:
            continue
        if key == "chargeMode" and value not in MODES:
            problems.append("chargeMode is not a known mode")
        elif key in PERCENT_FIELDS and not (_number(value) and 0 <= value <= 100):
            problems.append(f"{key} must be between 0 and 100")
        elif key in NON_NEGATIVE_FIELDS and not (_number(value) and value >= 0):
            problems.append(f"{key} must not be negative")
        elif key in BOOL_FIELDS and not isinstance(value, bool):
            problems.append(f"{key} must be a boolean")
        elif key == "departureTimestamp" and not _is_time(value):
            problems.append("departureTimestamp must be an RFC 3339 time")
        elif key == "evProfileID" and not isinstance(value, str):
            problems.append("evProfileID must be a string")
    if problems:
        raise ValidationError(400, "Bad Request", problems)
    if (
        body.get("minRequestedSoc") is not None
        and body.get("userTotalCapacity") is None
    ):
        raise ValidationError(
            422,
            "userTotalCapacity is required when minRequestedSoc is set",
            ["userTotalCapacity"],
        )
    merged = {**(current or {}), **body}
    mode = merged.get("chargeMode") or "FORCED_EV"
    if mode in TARGET_MODES and merged.get("minRequestedSoc") is None:
        raise ValidationError(422, f"{mode} needs minRequestedSoc", ["minRequestedSoc"])
    if mode == "DEPARTURE_TIME_EV" and merged.get("departureTimestamp") is None:
        raise ValidationError(
            422, "DEPARTURE_TIME_EV needs departureTimestamp", ["departureTimestamp"]
        )
    return dict(body)


def new_configuration(appliance_id: str, now: datetime) -> dict[str, Any]:
    """Return a configuration with every field null (GET's shape)."""
    stamp = rfc3339(now.replace(microsecond=0))
    return {
        **dict.fromkeys(ALL_FIELDS),
        "applianceID": appliance_id,
        "createdAt": stamp,
        "updatedAt": stamp,
    }


def next_departure(value: str, now: datetime) -> datetime:
    """Return the next moment with the time of day (UTC) of ``value``.

    gridX reads only the time of day: past means tomorrow, future today.
    """
    moment = datetime.fromisoformat(value).astimezone(UTC)
    target = now.astimezone(UTC).replace(
        hour=moment.hour, minute=moment.minute, second=moment.second, microsecond=0
    )
    return target if target > now else target + timedelta(days=1)


def charging_power(
    config: Mapping[str, Any] | None,
    *,
    available: float,
    surplus: float,
    soc: float,
    capacity_wh: float,
    now: datetime,
) -> float:
    """Return what the EV draws (W) when it could draw ``available`` W.

    Fast (FORCED_EV, also without a configuration) = full power; solar
    surplus = only the PV surplus (nothing below a station's minimum); minimum =
    full power up to ``minRequestedSoc``, then surplus; departure = enough to
    reach the target by the departure time (more when the surplus gives it).
    ``maxChargePower`` caps every mode; ``chargingEnabled: false`` stops it.
    """
    if available <= 0:
        return 0.0
    config = config or {}
    if config.get("chargingEnabled") is False:
        return 0.0
    cap = _float(config.get("maxChargePower"))
    if cap is not None:
        available = min(available, cap)
    solar = max(0.0, min(available, surplus))
    solar = solar if solar >= MIN_STATION_POWER else 0.0
    mode = config.get("chargeMode") or "FORCED_EV"
    target = _float(config.get("minRequestedSoc"))
    if mode == "SURPLUS_EV":
        return solar
    if mode == "MIN_EV":
        return available if target is not None and soc < target else solar
    if mode == "DEPARTURE_TIME_EV" and target is not None:
        departure = config.get("departureTimestamp")
        if soc >= target or not isinstance(departure, str):
            return solar
        hours = (next_departure(departure, now) - now) / timedelta(hours=1)
        needed = (target - soc) / 100 * capacity_wh / max(hours, 1 / 60)
        return max(solar, min(available, max(needed, MIN_STATION_POWER)))
    return available


class EvControl:
    """The configurations and profiles of an `EmulatorState`, and their writes."""

    def __init__(
        self, state: Callable[[], EmulatorState], clock: Callable[[], datetime]
    ) -> None:
        """Keep how to reach the state and the clock."""
        self._state = state
        self._clock = clock
        self.requests: list[tuple[str, str, Any]] = []

    def get(self, appliance_id: str) -> dict[str, Any] | None:
        """Return the stored configuration of a station (None: none)."""
        return self._state().ev_configurations.get(appliance_id)

    def write(self, method: str, appliance_id: str, body: Any) -> dict[str, Any]:
        """Create (POST) or update (PATCH) and return the configuration.

        Raises ValidationError (404 without, 409 with an existing one for POST).
        """
        self.requests.append((method, appliance_id, body))
        current = self.get(appliance_id)
        if method == "POST" and current is not None:
            raise ValidationError(409, "Conflict", ["a configuration exists"])
        if method == "PATCH" and current is None:
            raise ValidationError(404, "Not Found", [])
        changes = validate(body, current)
        now = self._clock()
        config = current or new_configuration(appliance_id, now)
        config.update(changes)
        config["updatedAt"] = rfc3339(now.replace(microsecond=0))
        self._state().ev_configurations[appliance_id] = config
        return dict(config)

    def delete(self, appliance_id: str) -> bool:
        """Delete a configuration; False when there was none."""
        return self._state().ev_configurations.pop(appliance_id, None) is not None

    def profiles(self, system_id: str) -> list[dict[str, Any]]:
        """Return the EV profiles of a system."""
        return [dict(p) for p in self._state().ev_profiles.get(system_id, [])]

    def view(self, appliance_id: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """Return the GET/PATCH answer: the configuration with its estimate."""
        body = dict(config)
        mode = body.get("chargeMode")
        departure = body.get("departureTimestamp")
        now = self._clock()
        estimate: datetime | None = None
        if mode == "DEPARTURE_TIME_EV" and isinstance(departure, str):
            estimate = next_departure(departure, now)
        elif mode == "MIN_EV" and _number(body.get("minRequestedSoc")):
            soc, capacity = self.car(appliance_id)
            missing = max(0.0, body["minRequestedSoc"] - soc) / 100 * capacity
            power = body.get("maxPowerCalculated") or MIN_STATION_POWER
            estimate = now + timedelta(hours=missing / power)
        body["estimatedDepartureTimestamp"] = (
            None if estimate is None else rfc3339(estimate.replace(microsecond=0))
        )
        return body

    def car(self, appliance_id: str) -> tuple[float, float]:
        """Return (state of charge %, capacity Wh) of the car at a station."""
        state = self._state()
        appliance = state.appliances.get(appliance_id)
        gateway_id = None if appliance is None else appliance.gateway_id
        for asset in state.ev_assets.values():
            if asset.gateway_id == gateway_id:
                return asset.state_of_charge, float(asset.capacity_wh)
        return 50.0, 60000.0
