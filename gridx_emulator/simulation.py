"""A plausible home energy system, simulated in five-minute steps.

Photovoltaic output follows the sun of the day of the year (with a cloud
factor per day), the household load has a morning and an evening peak, a heat
pump cycles harder in winter, an EV charges on some evenings (or whenever the
demo scenario says it is charging), and a battery charges from surplus and
discharges into the load. Every step's powers are constant; their running
integrals (Wh) are kept, so the grid meters advance by exactly the integrated
grid power and any history bucket is an exact sum.

Deterministic for a given system id and origin (no wall-clock randomness):
the same step always has the same values within one emulator run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
import hashlib
import math

STEP = timedelta(minutes=5)
STEP_HOURS = STEP / timedelta(hours=1)
SOLAR_NOON = 11.3  # hours UTC, central Germany
# Simulated history before the emulator started (history serves 30 days).
HISTORY = timedelta(days=32)
# The channels that are integrated, in Wh.
CHANNELS = (
    "photovoltaic",
    "consumption",
    "heatPump",
    "ev",
    "charge",
    "discharge",
    "supply",
    "feedIn",
)


def _unit(*parts: object) -> float:
    """Return a reproducible number in [0, 1) for ``parts``."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


@dataclass(frozen=True, slots=True)
class Powers:
    """The powers (W) of one step and the battery energy (Wh) at its end."""

    photovoltaic: float
    consumption: float
    heat_pump: float
    ev: float
    battery: float  # + discharge / - charge, as gridX signs it
    battery_energy: float
    # What the plugged-in EV could draw before its charge mode shaped it
    # (0: not plugged in or not asking for energy).
    ev_demand: float = 0.0

    @property
    def grid(self) -> float:
        """Return the grid power: + import / - export."""
        return (
            self.consumption
            + self.heat_pump
            + self.ev
            - self.photovoltaic
            - self.battery
        )

    @property
    def total_consumption(self) -> float:
        """Return household load plus heat pump and EV."""
        return self.consumption + self.heat_pump + self.ev


@dataclass
class SystemSimulation:
    """One system's step-by-step simulation from ``origin`` on."""

    system_id: str
    origin: datetime
    pv_peak: float = 8000.0
    battery_capacity: float = 10000.0
    battery_max_power: float = 4000.0
    battery_reserve: float = 0.05
    has_battery: bool = True
    has_heat_pump: bool = True
    has_ev: bool = True
    # The scenario's EV charge power (W) right now, or None to follow the
    # evening schedule; used for steps simulated within LIVE_WINDOW of now.
    ev_override: Callable[[], float | None] = lambda: None
    # Shapes a live step's EV power by the station's charge mode:
    # (available W, PV surplus W, step start) -> W drawn (ev_control.py).
    ev_policy: Callable[[float, float, datetime], float] = (
        lambda available, surplus, moment: available
    )
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    powers: list[Powers] = field(default_factory=list)
    # cumulative[c][i] = Wh of channel c from origin to the start of step i.
    cumulative: dict[str, list[float]] = field(
        default_factory=lambda: {c: [0.0] for c in CHANNELS}
    )
    _days: dict[date, _Day] = field(default_factory=dict, repr=False)

    def index(self, moment: datetime) -> int:
        """Return the step index of ``moment`` (clamped at 0)."""
        return max(0, int((moment - self.origin) // STEP))

    def powers_at(self, moment: datetime) -> Powers:
        """Return the powers of the step holding ``moment``."""
        index = self.index(moment)
        self._extend(index + 1)
        return self.powers[index]

    def energy_wh(self, channel: str, moment: datetime) -> float:
        """Return the Wh of ``channel`` from origin to ``moment`` (interpolated)."""
        index = self.index(moment)
        self._extend(index + 1)
        start = self.origin + index * STEP
        fraction = max(0.0, (moment - start) / STEP)
        base = self.cumulative[channel][index]
        step = self.cumulative[channel][index + 1] - base
        return base + step * fraction

    def recompute_from(self, moment: datetime) -> None:
        """Forget the steps from the one holding ``moment`` on (a setting changed)."""
        index = self.index(moment)
        del self.powers[index:]
        for series in self.cumulative.values():
            del series[index + 1 :]

    def _extend(self, count: int) -> None:
        """Simulate steps until ``count`` of them exist."""
        if len(self.powers) >= count:
            return
        now = self.clock()
        energy = (
            self.powers[-1].battery_energy
            if self.powers
            else self.battery_capacity * 0.5
        )
        cum = [self.cumulative[c] for c in CHANNELS]
        totals = [series[-1] for series in cum]
        while len(self.powers) < count:
            index = len(self.powers)
            moment = self.origin + index * STEP
            day = self._day(moment.date())
            live = now - moment <= LIVE_WINDOW
            powers = self._step(index, moment, day, energy, live=live)
            energy = powers.battery_energy
            self.powers.append(powers)
            grid = powers.grid
            battery = powers.battery
            for position, value in enumerate(
                (
                    powers.photovoltaic,
                    powers.consumption,
                    powers.heat_pump,
                    powers.ev,
                    -battery if battery < 0 else 0.0,
                    battery if battery > 0 else 0.0,
                    grid if grid > 0 else 0.0,
                    -grid if grid < 0 else 0.0,
                )
            ):
                totals[position] += value * STEP_HOURS
                cum[position].append(totals[position])

    def _day(self, day: date) -> _Day:
        """Return the per-day parameters (computed once per day)."""
        cached = self._days.get(day)
        if cached is None:
            yday = day.timetuple().tm_yday
            season = math.sin(2 * math.pi * (yday - 80) / 365)
            cached = _Day(
                day_length=12 + 4 * season,
                pv_scale=self.pv_peak
                * (0.55 + 0.45 * season)
                * (0.35 + 0.65 * _unit(self.system_id, "cloud", day)),
                cold=0.5 + 0.5 * math.cos(2 * math.pi * (yday - 15) / 365),
                washing=_unit(self.system_id, "wash", day) > 0.6,
                ev_evening=_unit(self.system_id, "ev", day) < 0.4,
                seed=int(_unit(self.system_id, "seed", day) * 2**31),
            )
            self._days[day] = cached
        return cached

    def _step(
        self, index: int, moment: datetime, day: _Day, energy: float, *, live: bool
    ) -> Powers:
        """Return the powers of step ``index`` (starting at ``moment``)."""
        minute = moment.hour * 60 + moment.minute  # UTC
        hour = minute / 60
        noise_a = _noise(day.seed, index)
        noise_b = _noise(day.seed + 1, index)
        pv = 0.0
        angle = (hour - SOLAR_NOON) / day.day_length * math.pi
        if abs(angle) < math.pi / 2:
            shape: float = math.cos(angle) ** 1.5
            pv = day.pv_scale * (0.85 + 0.15 * noise_a) * shape
        load = 250.0 + 200 * noise_b
        if 5 <= hour < 7:
            load += 700
        if 16 <= hour < 20:
            load += 1100
        if day.washing and 10 <= hour < 11:
            load += 1800
        heat_pump = 0.0
        if self.has_heat_pump and moment.minute < 10 + 50 * day.cold:
            heat_pump = 600 + 1400 * day.cold
        ev = 0.0
        if self.has_ev:
            override = self.ev_override() if live else None
            if override is not None:
                ev = override
            elif day.ev_evening and 17 <= hour < 19.5:
                ev = 11000.0
        demand = ev
        if ev and live:
            ev = self.ev_policy(ev, pv - load - heat_pump, moment)
        battery = 0.0
        if self.has_battery:
            surplus = pv - load - heat_pump - ev
            if surplus > 0:
                room = (self.battery_capacity - energy) / STEP_HOURS
                battery = -min(surplus, self.battery_max_power, room)
            else:
                reserve = self.battery_capacity * self.battery_reserve
                left = max(0.0, energy - reserve) / STEP_HOURS
                battery = min(-surplus, self.battery_max_power, left)
            energy -= battery * STEP_HOURS
        return Powers(
            photovoltaic=round(pv, 1),
            consumption=round(load, 1),
            heat_pump=round(heat_pump, 1),
            ev=round(ev, 1),
            battery=round(battery, 1),
            battery_energy=energy,
            ev_demand=round(demand, 1),
        )


@dataclass(frozen=True, slots=True)
class _Day:
    """What stays the same for a whole (UTC) day."""

    day_length: float
    pv_scale: float
    cold: float
    washing: bool
    ev_evening: bool
    seed: int


def _noise(seed: int, index: int) -> float:
    """Return a cheap reproducible number in [0, 1) for step ``index``."""
    value = (index * 2654435761 + seed * 40503) & 0xFFFFFFFF
    value ^= value >> 15
    value = (value * 2246822519) & 0xFFFFFFFF
    value ^= value >> 13
    return value / 2**32


# Steps simulated this close to "now" follow the scenario's EV state.
LIVE_WINDOW = STEP + timedelta(minutes=1)


def default_origin(now: datetime) -> datetime:
    """Return the simulation origin: UTC midnight, `HISTORY` before ``now``."""
    start = (now - HISTORY).astimezone(UTC)
    return start.replace(hour=0, minute=0, second=0, microsecond=0)
