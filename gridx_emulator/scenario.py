"""A demo story told through webhook events, one step every few seconds.

Each cycle: the gridBox goes offline and back online; maybe a §14a grid
signal limits consumption; the EV is plugged, starts charging, reports a
measurement, stops and is unplugged; maybe the inverter changes its status;
a limit set in this cycle is lifted at its end. With a seed, the sequence,
the event ids and every value are reproducible (only times are real).
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
        self._story = self._events()

    def next_event(self) -> dict[str, Any]:
        """Return the next event of the story (without delivering it)."""
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
            yield EventType.GATEWAY_OFFLINE, gateway_data(gateway)
            yield EventType.GATEWAY_ONLINE, gateway_data(gateway)
            if limit:
                yield (
                    EventType.POWER_LIMIT_SET,
                    power_limit_data(rng.choice(POWER_LIMITS_MW)),
                )
            asset.plug_state, asset.charge_state = "PLUGGED", ""
            yield EventType.EV_PLUGGED, ev_data(asset, state="PLUGGED")
            asset.charge_state = "CHARGING"
            yield (
                EventType.EV_CHARGE_STARTED,
                ev_data(
                    asset,
                    state="CHARGING",
                    chargePower=power,
                    stateOfCharge=asset.state_of_charge,
                ),
            )
            asset.state_of_charge = min(
                100.0, round(asset.state_of_charge + rng.uniform(5, 15), 1)
            )
            yield (
                EventType.EV_MEASUREMENT,
                ev_data(
                    asset,
                    chargePower=power,
                    chargeState="CHARGING",
                    plugState="PLUGGED",
                    isControllable=True,
                    stateOfCharge=asset.state_of_charge,
                    range=int(asset.state_of_charge * 4000),
                    chargeLimit=80.0,
                    capacity=asset.capacity_wh,
                ),
            )
            asset.charge_state = "STOPPED"
            yield (
                EventType.EV_CHARGE_STOPPED,
                ev_data(
                    asset,
                    state="STOPPED",
                    chargePower=0,
                    stateOfCharge=asset.state_of_charge,
                ),
            )
            asset.plug_state, asset.charge_state = "UNPLUGGED", ""
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
            # A full battery starts the next cycle half empty again.
            if asset.state_of_charge >= 100.0:
                asset.state_of_charge = 50.0
