"""A demo story told through webhook events, one step every few seconds.

Each cycle: the gridBox goes offline and back online; maybe a §14a grid
signal limits consumption; the EV comes home and is plugged in, charges
(reporting a few measurements), stops and is unplugged, and drives until the
next cycle; maybe the inverter changes its status; a limit set in this cycle
is lifted at its end. With a seed, the sequence, the event ids and every
value are reproducible (only times are real).

The values are physically plausible, so screenshots and history graphs show
nothing impossible (`tests/test_emulator_scenario.py` checks these rules):

- each step lasts ``interval`` seconds; while charging the state of charge
  rises by exactly the energy of the charge power over that time
  (``power x interval / capacity``), and never passes the charge limit:
  reaching it ends the session (``COMPLETE``, then ``ev/charge-stopped``);
- while charging nothing else changes it; between sessions the car drives
  (it is away from ``ev/unplugged`` to the next ``ev/plugged``) and uses
  `DRIVE_POWER_W` on average, and it stays home once `MIN_DRIVE_SOC` is hit;
- a session is started only below the limit, and the charge power is never
  above an active §14a limit (`power_limit_data`'s ``newLPC``);
- the range follows the state of charge (`KM_PER_KWH`).

At the default 5 s per step the state of charge moves by hundredths of a
per cent per step, as a real car would; a slow-motion ``interval`` (say 600)
tells a day in minutes with the same rules. The live EV power of
`live.LiveData` follows the ``chargePower`` of these events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
import logging
import random
from typing import Any

from ._protocol import EventType
from .delivery import DeliveryResult
from .emulator import GridxEmulator
from .events import (
    ev_data,
    gateway_data,
    inverter_status_data,
    make_event,
    power_limit_data,
)
from .state import DemoIds

_LOGGER = logging.getLogger(__name__)

# Chance per cycle of the optional steps.
GRID_SIGNAL_CHANCE = 0.5
INVERTER_STATUS_CHANCE = 0.5
CHARGE_POWERS_MW = (3_700_000, 7_400_000, 11_000_000)
POWER_LIMITS_MW = (4_200_000, 6_000_000)
# The EV's charge limit (%), the measurements per charging session, the mean
# power the car uses while away (W: a 20 km/h average of driving and parking
# at 15 kWh/100 km), the state of charge below which it stays home, and the
# range per kWh.
CHARGE_LIMIT = 80.0
MEASUREMENTS_PER_SESSION = 3
DRIVE_POWER_W = 3_000.0
MIN_DRIVE_SOC = 20.0
KM_PER_KWH = 6.0


@dataclass(frozen=True)
class ScenarioStep:
    """One emitted event and where it went."""

    event: dict[str, Any]
    results: list[DeliveryResult]


class DemoScenario:
    """Emits the demo story through `GridxEmulator.deliver`."""

    def __init__(
        self,
        emulator: GridxEmulator,
        ids: DemoIds | None = None,
        *,
        seed: int | None = None,
        interval: float = 5.0,
    ) -> None:
        """Tell the story of the demo ids (default: the state's demo)."""
        demo = ids or emulator.state.demo
        if demo is None:
            raise ValueError("the scenario needs demo ids; call seed_demo() first")
        self.emulator = emulator
        self.ids = demo
        self.interval = interval
        # Reproducible story values, not security: S311 does not apply.
        self._rng = random.Random(seed)  # noqa: S311
        # What the EV does until the next step: charge at this power (W),
        # drive (away), or stand still.
        self._charge_w = 0.0
        self._away = False
        self._started = False
        self._story = self._events()

    def next_event(self) -> dict[str, Any]:
        """Return the next event of the story (without delivering it)."""
        if self._started:
            self._advance(self.interval)
        self._started = True
        event_type, data = next(self._story)
        return make_event(event_type, data, rng=self._rng)

    async def step(self) -> ScenarioStep:
        """Deliver the next event and return it with the delivery results."""
        event = self.next_event()
        results = await self.emulator.deliver(event)
        _LOGGER.info(
            "Scenario: %s delivered to %d target(s)", event["type"], len(results)
        )
        return ScenarioStep(event=event, results=results)

    async def run(self, *, steps: int | None = None) -> int:
        """Emit a step every ``interval`` seconds; forever unless ``steps`` is set.

        Cancel the task to stop it. Returns the number of steps emitted.
        """
        done = 0
        while steps is None or done < steps:
            if done:
                await asyncio.sleep(self.interval)
            await self.step()
            done += 1
        return done

    def _advance(self, seconds: float) -> None:
        """Let ``seconds`` pass: the EV charges or drives (module docstring)."""
        asset = self.emulator.state.ev_assets[self.ids.ev_asset_id]
        per_cent_per_ws = 100 / (asset.capacity_wh * 3600)
        soc = asset.state_of_charge
        if self._charge_w > 0:
            soc = min(CHARGE_LIMIT, soc + self._charge_w * seconds * per_cent_per_ws)
        elif self._away:
            soc = max(MIN_DRIVE_SOC, soc - DRIVE_POWER_W * seconds * per_cent_per_ws)
        asset.state_of_charge = round(soc, 6)

    def _ev_values(self) -> dict[str, Any]:
        """Return the EV's state of charge and the range it gives."""
        asset = self.emulator.state.ev_assets[self.ids.ev_asset_id]
        soc = asset.state_of_charge
        km = soc / 100 * asset.capacity_wh / 1000 * KM_PER_KWH
        return {"stateOfCharge": soc, "range": int(km * 1000)}

    def _events(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield (type, data) of the story, cycle after cycle, for ever."""
        state = self.emulator.state
        gateway = state.gateways[self.ids.gateway_id]
        inverter = state.appliances[self.ids.inverter_id]
        asset = state.ev_assets[self.ids.ev_asset_id]
        rng = self._rng
        inverter_status = "OK"
        while True:
            limit = rng.random() < GRID_SIGNAL_CHANCE
            inverter_change = rng.random() < INVERTER_STATUS_CHANCE
            power = rng.choice(CHARGE_POWERS_MW)
            if limit:
                limit_mw = rng.choice(POWER_LIMITS_MW)
                # §14a: a limited charging station gets at most the limit.
                power = max(p for p in CHARGE_POWERS_MW if p <= limit_mw)
            yield EventType.GATEWAY_OFFLINE, gateway_data(gateway)
            yield EventType.GATEWAY_ONLINE, gateway_data(gateway)
            if limit:
                yield EventType.POWER_LIMIT_SET, power_limit_data(limit_mw)
            self._away = False  # home again
            asset.plug_state, asset.charge_state = "PLUGGED", ""
            yield EventType.EV_PLUGGED, ev_data(asset, state="PLUGGED")
            yield from self._session(power)
            asset.plug_state, asset.charge_state = "UNPLUGGED", ""
            self._away = asset.state_of_charge > MIN_DRIVE_SOC
            yield EventType.EV_UNPLUGGED, ev_data(asset, state="UNPLUGGED")
            if inverter_change:
                last, inverter_status = (
                    inverter_status,
                    "WARNING" if inverter_status == "OK" else "OK",
                )
                yield (
                    EventType.INVERTER_STATUS,
                    inverter_status_data(
                        inverter, gateway, status=inverter_status, last_status=last
                    ),
                )
            if limit:
                yield EventType.POWER_LIMIT_UNSET, power_limit_data(None)

    def _session(self, power_mw: int) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield one plugged-in session: charge up to the limit, then stop."""
        asset = self.emulator.state.ev_assets[self.ids.ev_asset_id]
        started = asset.state_of_charge < CHARGE_LIMIT
        if started:
            asset.charge_state = "CHARGING"
            self._charge_w = power_mw / 1000
            yield (
                EventType.EV_CHARGE_STARTED,
                ev_data(asset, state="CHARGING", chargePower=power_mw)
                | self._ev_values(),
            )
        for _ in range(MEASUREMENTS_PER_SESSION):
            if asset.state_of_charge >= CHARGE_LIMIT:
                self._charge_w = 0.0
            charging = self._charge_w > 0
            asset.charge_state = "CHARGING" if charging else "COMPLETE"
            yield (
                EventType.EV_MEASUREMENT,
                ev_data(
                    asset,
                    chargePower=power_mw if charging else 0,
                    chargeState=asset.charge_state,
                    plugState="PLUGGED",
                    isControllable=True,
                    chargeLimit=CHARGE_LIMIT,
                    capacity=asset.capacity_wh,
                )
                | self._ev_values(),
            )
            if not charging:
                break
        self._charge_w = 0.0
        if not started:  # full already: nothing to stop
            return
        asset.charge_state = "STOPPED"
        yield (
            EventType.EV_CHARGE_STOPPED,
            ev_data(asset, state="STOPPED", chargePower=0) | self._ev_values(),
        )
