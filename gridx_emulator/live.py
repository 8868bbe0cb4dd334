"""``/systems/{id}/live`` and ``/systems/{id}/historical`` of the emulator.

Each system of a stored gateway gets a `SystemSimulation` the first time it
is asked for. Live answers follow gridx-live-facts §3 (W, meters in Ws,
rates 0-1, absent appliance types left out); history follows §4 (``15m`` and
``1h`` in mean W stamped at the bucket's end, ``1d`` and longer in Wh stamped
at the start, UTC-aligned buckets, ``grid`` as ``{supply, feedIn}``).

``batteries`` (``--batteries N``) splits the simulated battery over N
batteries in ``batteries[]`` (equal shares of power, capacity and charge):
the gateway's battery appliance first, then ids its appliance list lacks
(``<gateway>-battery-2`` …), so a system with several batteries can be shown.

Faults for tests and the demo: `negative_export` sends the export meter with
a negative sign (the quirk integrations must survive), `reset_meters` makes a
system's meters restart from zero, and `empty_answers` makes the next live
answers ``{}``. Refusing access is done by the token's policies
(``SystemMeasurementsRead``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
import json
from typing import Any, Protocol

from aiohttp import web

from ._protocol import EventType
from .ev_control import charging_power
from .simulation import SystemSimulation, default_origin
from .state import EmulatorState, rfc3339

CONTENT_TYPE = "application/vnd.gridx.v2+json"
MEASUREMENTS_POLICY = "SystemMeasurementsRead"
METER_STEP_WS = 360_000  # 0.1 kWh: every real sample is a multiple (§3.2)
WS_PER_WH = 3600
# Meter readings before the simulation origin: grow with the date so a
# restarted emulator (a later origin) never shows a smaller meter.
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
IMPORT_WH_PER_DAY = 9_000
EXPORT_WH_PER_DAY = 6_000
BUCKETS: Mapping[str, timedelta] = {
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "1w": timedelta(weeks=1),
}
MAX_INTERVAL: Mapping[str, timedelta] = {
    "15m": timedelta(days=1),
    "1h": timedelta(weeks=1),
    "1d": timedelta(days=31),
    "1w": timedelta(days=31),
}
# Ids of simulated appliances that the gateway's appliance list lacks.
BATTERY_SUFFIX = "battery"
HEAT_PUMP_SUFFIX = "heatpump"
EV_STATION_SUFFIX = "evstation"
# The appliances (type, kinds) whose ids the live arrays use, best first: a
# battery sits behind a battery or hybrid inverter.
_BATTERY_APPLIANCES = (("INVERTER", "BATTERY"), ("INVERTER", "HYBRID"))
_HEAT_PUMP_APPLIANCES = (("HEAT_PUMP", None),)
_EV_APPLIANCES = (("EVSTATION", None),)
_EV_CHARGE = {EventType.EV_CHARGE_STARTED, EventType.EV_MEASUREMENT}
_EV_IDLE = {EventType.EV_CHARGE_STOPPED, EventType.EV_UNPLUGGED}


class _Caller(Protocol):
    @property
    def user(self) -> Any: ...


class _Emulator(Protocol):
    state: EmulatorState


def _error(status: int, message: str, details: list[str] | None = None) -> web.Response:
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = details
    return _json(status, body)


def _json(status: int, body: Any) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(body).encode(), content_type=CONTENT_TYPE
    )


def _parse_instant(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return None if moment.tzinfo is None else moment.astimezone(UTC)


class LiveSimulator:
    """The live and historical measurements of every system of the state."""

    def __init__(
        self, emulator: _Emulator, clock: Callable[[], datetime] | None = None
    ) -> None:
        """Simulate the systems of ``emulator``'s gateways."""
        self._emulator = emulator
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.systems: dict[str, SystemSimulation] = {}
        self.negative_export = False
        self.empty_answers = 0
        self.batteries = 1
        self._meter_offsets: dict[str, tuple[float, float, float]] = {}
        self._ev_power: dict[str, float] = {}
        # Per system: fields that replace the simulated ones in every
        # evChargingStations[] item (a test or the control route sets them).
        self.station_overrides: dict[str, dict[str, Any]] = {}

    # -- the simulations ------------------------------------------------

    def system(self, system_id: str) -> SystemSimulation:
        """Return the simulation of ``system_id`` (created on first use)."""
        simulation = self.systems.get(system_id)
        if simulation is None:
            simulation = SystemSimulation(
                system_id,
                default_origin(self.clock()),
                ev_override=lambda: self._ev_power.get(system_id),
                ev_policy=lambda available, surplus, moment: self._ev_policy(
                    system_id, available, surplus, moment
                ),
                clock=self._now,
            )
            self.systems[system_id] = simulation
        return simulation

    def _ev_policy(
        self, system_id: str, available: float, surplus: float, moment: datetime
    ) -> float:
        """Return the EV power the station's charge mode allows (ev_control.py)."""
        ev = getattr(self._emulator, "ev", None)
        if ev is None:
            return available
        for station_id in self._stations(system_id):
            soc, capacity = ev.car(station_id)
            return charging_power(
                ev.get(station_id),
                available=available,
                surplus=surplus,
                soc=soc,
                capacity_wh=capacity,
                now=max(moment, self.clock()),
            )
        return available

    def _stations(self, system_id: str) -> list[str]:
        """Return the EV stations of the system's gateways."""
        state = self._emulator.state
        gateways = {g.id for g in state.gateways.values() if g.system_id == system_id}
        return [
            a.id
            for a in state.appliances.values()
            if a.gateway_id in gateways and a.type == "EVSTATION"
        ]

    def settings_changed(self) -> None:
        """Recompute every system's current step: a charge mode changed."""
        now = self.clock()
        for simulation in self.systems.values():
            simulation.recompute_from(now)

    def _now(self) -> datetime:
        """Return the time of `clock` (which tests may replace)."""
        return self.clock()

    def observe(self, event: Mapping[str, Any]) -> None:
        """Follow the EV events of the scenario: live EV power matches them."""
        data = event.get("data")
        if not isinstance(data, Mapping) or not data.get("systemID"):
            return
        system_id = str(data["systemID"])
        before = self._ev_power.get(system_id)
        if event.get("type") in _EV_CHARGE:
            power = data.get("chargePower")
            if isinstance(power, int | float) and not isinstance(power, bool):
                self._ev_power[system_id] = power / 1000  # mW -> W
        elif event.get("type") in _EV_IDLE:
            self._ev_power[system_id] = 0.0
        simulation = self.systems.get(system_id)
        if simulation is not None and self._ev_power.get(system_id) != before:
            # The live EV power follows the story now, not at the next step.
            simulation.recompute_from(self.clock())

    def meters_ws(self, system_id: str, moment: datetime) -> tuple[float, float]:
        """Return (import, export) meter readings in Ws, unquantized."""
        simulation = self.system(system_id)
        days = (simulation.origin - _EPOCH) / timedelta(days=1)
        supply = days * IMPORT_WH_PER_DAY + simulation.energy_wh("supply", moment)
        feed_in = days * EXPORT_WH_PER_DAY + simulation.energy_wh("feedIn", moment)
        offset_import, offset_export, _ = self._offsets(system_id)
        return supply * WS_PER_WH - offset_import, feed_in * WS_PER_WH - offset_export

    def heat_pump_meter_ws(self, system_id: str, moment: datetime) -> float:
        """Return the heat pump meter reading in Ws, unquantized."""
        simulation = self.system(system_id)
        days = (simulation.origin - _EPOCH) / timedelta(days=1)
        # A heat pump uses about a fifth of the grid import over a year.
        energy = days * IMPORT_WH_PER_DAY / 5 + simulation.energy_wh("heatPump", moment)
        return energy * WS_PER_WH - self._offsets(system_id)[2]

    def _offsets(self, system_id: str) -> tuple[float, float, float]:
        return self._meter_offsets.get(system_id, (0.0, 0.0, 0.0))

    def reset_meters(self, system_id: str) -> None:
        """Fault: make the system's meters restart from zero now."""
        self._meter_offsets.pop(system_id, None)
        now = self.clock()
        self._meter_offsets[system_id] = (
            *self.meters_ws(system_id, now),
            self.heat_pump_meter_ws(system_id, now),
        )

    def _gateway_of(self, system_id: str, account_id: str) -> str | None:
        for gateway in self._emulator.state.gateways.values():
            if gateway.system_id == system_id and gateway.account_id == account_id:
                return gateway.id
        return None

    # -- bodies -----------------------------------------------------------

    def live_body(self, system_id: str, gateway_id: str) -> dict[str, Any]:
        """Return the ``Measurement`` of ``system_id`` now."""
        now = self.clock()
        simulation = self.system(system_id)
        powers = simulation.powers_at(now)
        grid = powers.grid
        production = powers.photovoltaic
        total = powers.total_consumption
        supply_ws, feed_in_ws = self.meters_ws(system_id, now)
        self_supply = total - max(grid, 0.0)
        self_consumption = production - max(-grid, 0.0)
        body: dict[str, Any] = {
            "measuredAt": rfc3339(now.replace(microsecond=0)),
            "photovoltaic": round(powers.photovoltaic),
            "production": round(production),
            "grid": round(grid),
            "consumption": round(powers.consumption),
            "totalConsumption": round(total),
            "selfSupply": round(self_supply),
            "selfConsumption": round(self_consumption),
            "selfSufficiencyRate": round(self_supply / total, 4) if total else 0,
            "gridMeterReadingPositive": _quantize(supply_ws),
            "gridMeterReadingNegative": _quantize(feed_in_ws)
            * (-1 if self.negative_export else 1),
            "l1CurtailmentPower": 0,
            "l2CurtailmentPower": 0,
            "l3CurtailmentPower": 0,
        }
        # gridX leaves the rates out at night (§3.1).
        if production > 0:
            body["selfConsumptionRate"] = round(self_consumption / production, 4)
        if simulation.has_battery:
            battery = {
                "power": round(powers.battery),
                "stateOfCharge": round(
                    powers.battery_energy / simulation.battery_capacity, 4
                ),
                "capacity": simulation.battery_capacity,
                "nominalCapacity": simulation.battery_capacity,
                "remainingCharge": round(powers.battery_energy),
            }
            body["battery"] = {**battery, "applianceID": ""}
            ids = self._appliances(gateway_id, _BATTERY_APPLIANCES, BATTERY_SUFFIX)
            ids += [
                f"{gateway_id}-{BATTERY_SUFFIX}-{n}"
                for n in range(2, self.batteries + 1)
            ]
            share = {
                key: round(battery[key] / len(ids))
                for key in ("power", "capacity", "nominalCapacity", "remainingCharge")
            }
            body["batteries"] = [
                {**battery, **share, "applianceID": appliance_id}
                for appliance_id in ids
            ]
        if simulation.has_heat_pump:
            body["heatPump"] = round(powers.heat_pump)
            body["heatPumps"] = [
                {
                    "applianceID": appliance_id,
                    "power": round(powers.heat_pump),
                    "sgReadyState": "ON" if powers.photovoltaic > 4000 else "AUTO",
                }
                for appliance_id in self._appliances(
                    gateway_id, _HEAT_PUMP_APPLIANCES, HEAT_PUMP_SUFFIX
                )
            ]
            body["heatPumpMeterReadingPositive"] = _quantize(
                self.heat_pump_meter_ws(system_id, now)
            )
        if simulation.has_ev:
            body["evChargingStation"] = {"power": round(powers.ev)}
            body["evChargingStations"] = [
                {
                    "applianceID": station_id,
                    "power": round(powers.ev),
                    "plugState": "PLUGGED_ON_STATION_AND_PLUGGED_ON_VEHICLE"
                    if powers.ev or powers.ev_demand
                    else "UNPLUGGED",
                    "readingTotal": round(simulation.energy_wh("ev", now), 2),
                    **self.station_overrides.get(system_id, {}),
                }
                for station_id in self._appliances(
                    gateway_id, _EV_APPLIANCES, EV_STATION_SUFFIX
                )
            ]
        return body

    def _appliances(
        self,
        gateway_id: str,
        kinds: tuple[tuple[str, str | None], ...],
        suffix: str,
    ) -> list[str]:
        """Return the ids of the gateway's appliances of the first matching kind.

        The simulated values are one appliance's: with several candidates of
        one (type, kind) only the first carries them. Without any, an id the
        gateway's appliance list lacks (``<gateway>-<suffix>``).
        """
        appliances = self._emulator.state.appliances.values()
        for appliance_type, kind in kinds:
            for appliance in appliances:
                if (
                    appliance.gateway_id == gateway_id
                    and appliance.type == appliance_type
                    and kind in (None, appliance.kind)
                ):
                    return [appliance.id]
        return [f"{gateway_id}-{suffix}"]

    def historical_body(
        self, system_id: str, start: datetime, end: datetime, resolution: str
    ) -> dict[str, Any]:
        """Return ``{total, data}`` for the complete buckets in ``[start, end)``.

        Buckets are aligned in UTC; those before the simulation origin or
        not yet complete are left out.
        """
        simulation = self.system(system_id)
        size = BUCKETS[resolution]
        power = size <= timedelta(hours=1)
        now = self.clock()
        first = max(start, simulation.origin)
        bucket = _align(first, size)
        if bucket < first:
            bucket += size
        data = []
        totals = dict.fromkeys(_FIELDS, 0.0)
        while bucket + size <= min(end, now):
            stop = bucket + size
            wh = {
                name: simulation.energy_wh(channel, stop)
                - simulation.energy_wh(channel, bucket)
                for name, channel in _FIELDS.items()
            }
            for name, value in wh.items():
                totals[name] += value
            scale = size / timedelta(hours=1) if power else 1.0
            item = _item({name: value / scale for name, value in wh.items()})
            item["measuredAt"] = rfc3339(stop if power else bucket)
            data.append(item)
            bucket = stop
        total = _item(totals)
        total["measuredAt"] = f"{rfc3339(start)}/{rfc3339(end)}"
        return {"total": total, "data": data}

    # -- routes -----------------------------------------------------------

    async def handle_live(self, request: web.Request, caller: _Caller) -> web.Response:
        """``GET /systems/{id}/live``."""
        system_id = request.match_info["system_id"]
        gateway_id = self._gateway_of(system_id, caller.user.account_id)
        if gateway_id is None:
            return _error(404, "Not Found")
        if self.empty_answers > 0:
            self.empty_answers -= 1
            return _json(200, {})
        return _json(200, self.live_body(system_id, gateway_id))

    async def handle_historical(
        self, request: web.Request, caller: _Caller
    ) -> web.Response:
        """``GET /systems/{id}/historical?interval=<a>/<b>&resolution=<r>``."""
        system_id = request.match_info["system_id"]
        if self._gateway_of(system_id, caller.user.account_id) is None:
            return _error(404, "Not Found")
        resolution = request.query.get("resolution", "1h")
        first, _, last = request.query.get("interval", "").partition("/")
        start, end = _parse_instant(first), _parse_instant(last)
        details = []
        if resolution not in BUCKETS:
            details.append(f"resolution: unsupported {resolution!r}")
        if start is None or end is None or not start < end:
            details.append("interval must be <RFC 3339>/<RFC 3339>, start < end")
        elif resolution in MAX_INTERVAL and end - start > MAX_INTERVAL[resolution]:
            details.append(f"interval too long for resolution {resolution}")
        if details or start is None or end is None:
            return _error(422, "Validation failed", details)
        return _json(200, self.historical_body(system_id, start, end, resolution))


# The historical fields and the simulation channels they come from.
_FIELDS: Mapping[str, str] = {
    "photovoltaic": "photovoltaic",
    "consumption": "consumption",
    "heatPump": "heatPump",
    "ev": "ev",
    "charge": "charge",
    "discharge": "discharge",
    "supply": "supply",
    "feedIn": "feedIn",
}


def _item(values: Mapping[str, float]) -> dict[str, Any]:
    """Return a ``MeasurementExtended`` item from channel values."""
    r = {name: round(value, 3) for name, value in values.items()}
    total = r["consumption"] + r["heatPump"] + r["ev"]
    return {
        "photovoltaic": r["photovoltaic"],
        "production": r["photovoltaic"],
        "consumption": r["consumption"],
        "heatPump": r["heatPump"],
        "totalConsumption": round(total, 3),
        "grid": {"supply": r["supply"], "feedIn": r["feedIn"]},
        "battery": {"charge": r["charge"], "discharge": r["discharge"]},
        "evChargingStation": {"charge": r["ev"]},
    }


def _align(moment: datetime, size: timedelta) -> datetime:
    """Return the UTC bucket start at or before ``moment``."""
    epoch = datetime(1970, 1, 5, tzinfo=UTC)  # a Monday: weeks start Monday
    return epoch + ((moment - epoch) // size) * size


def _quantize(value_ws: float) -> int:
    """Return a meter reading floored to 0.1 kWh, as real samples are."""
    return int(value_ws // METER_STEP_WS) * METER_STEP_WS
