"""The demo scenario tells a physically plausible story (issue 11, item 14).

Screenshots and history graphs of `scripts/develop` show what the scenario
sends, so its values obey the rules of `gridx_emulator.scenario`: the state of
charge rises only while charging, by the energy of the charge power over the
step, never passes the charge limit, falls only while the car is away, and the
charge power respects an active §14a limit.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from gridx_emulator import DemoScenario, EmulatorState, GridxEmulator
from gridx_emulator.scenario import (
    CHARGE_LIMIT,
    DRIVE_POWER_W,
    KM_PER_KWH,
    MIN_DRIVE_SOC,
)

LIMIT_SET = "grid-signal-processor/limitation-of-power-consumption/set"
LIMIT_UNSET = "grid-signal-processor/limitation-of-power-consumption/unset"
EV_TYPES = {
    "ev/plugged",
    "ev/charge-started",
    "ev/measurement",
    "ev/charge-stopped",
    "ev/unplugged",
}


def _story(
    seed: int, steps: int, interval: float, soc: float = 50.0
) -> tuple[list[dict[str, Any]], float, int]:
    """Return ``steps`` events, the EV's first state of charge and capacity (Wh)."""
    state = EmulatorState()
    ids = state.seed_demo(rng=random.Random(0))  # noqa: S311
    asset = state.ev_assets[ids.ev_asset_id]
    asset.state_of_charge = soc
    scenario = DemoScenario(GridxEmulator(state=state), seed=seed, interval=interval)
    return [scenario.next_event() for _ in range(steps)], soc, asset.capacity_wh


def _check_invariants(
    events: list[dict[str, Any]], interval: float, soc: float, capacity_wh: int
) -> dict[str, int]:
    """Assert the scenario's rules over one story; return what it showed.

    ``soc`` is the model of the car's state of charge, advanced one step of
    ``interval`` seconds per event by the physics the scenario promises;
    every state of charge an event reports must match it.
    """
    per_cent_per_ws = 100 / (capacity_wh * 3600)
    seen = {"sessions": 0, "complete": 0, "drained": 0, "limited": 0}
    plugged = charging = away = False
    power_w = 0.0
    limit_w: float | None = None
    for index, event in enumerate(events):
        kind, data = event["type"], event["data"]
        if index and charging:
            soc = min(CHARGE_LIMIT, soc + power_w * interval * per_cent_per_ws)
        elif index and away:
            drained = soc - DRIVE_POWER_W * interval * per_cent_per_ws
            soc = max(MIN_DRIVE_SOC, drained)
            seen["drained"] += 1
        if kind == LIMIT_SET:
            limit_w = data["newLPC"] / 1000
        elif kind == LIMIT_UNSET:
            limit_w = None
        if kind not in EV_TYPES:
            continue
        if "stateOfCharge" in data:
            value = data["stateOfCharge"]
            assert 0 <= value <= 100
            assert value == pytest.approx(soc, abs=1e-4), event
            if charging:
                assert value <= CHARGE_LIMIT
            km = value / 100 * capacity_wh / 1000 * KM_PER_KWH
            assert data["range"] == int(km * 1000)
            soc = value
        if kind == "ev/plugged":
            assert not plugged
            plugged, away = True, False
        elif kind == "ev/charge-started":
            assert plugged
            assert not charging
            assert soc < CHARGE_LIMIT
            charging, power_w = True, data["chargePower"] / 1000
            assert power_w > 0
            if limit_w is not None:
                assert power_w <= limit_w
                seen["limited"] += 1
            seen["sessions"] += 1
        elif kind == "ev/measurement":
            assert plugged
            assert data["chargeLimit"] == CHARGE_LIMIT
            if data["chargeState"] == "CHARGING":
                assert charging
                assert data["chargePower"] / 1000 == power_w
            else:
                assert data["chargeState"] == "COMPLETE"
                assert data["chargePower"] == 0
                assert data["stateOfCharge"] == pytest.approx(CHARGE_LIMIT)
                charging = False
                seen["complete"] += 1
        elif kind == "ev/charge-stopped":
            assert plugged
            assert data["chargePower"] == 0
            charging = False
        elif kind == "ev/unplugged":
            assert plugged
            assert not charging
            plugged = False
            away = soc > MIN_DRIVE_SOC
    return seen


def test_realtime_story_is_plausible() -> None:
    """At 5 s a step the car charges by hundredths of a per cent, as a real one."""
    events, soc, capacity = _story(seed=7, steps=400, interval=5.0)
    seen = _check_invariants(events, 5.0, soc, capacity)
    assert seen["sessions"] > 10
    assert seen["limited"] > 0
    socs = [e["data"]["stateOfCharge"] for e in events if e["type"] == "ev/measurement"]
    # 11 kW for 5 s in a 60 kWh battery: at most 0.026 % a step, and two
    # measurements are at most two charging steps apart.
    assert max(b - a for a, b in itertools.pairwise(socs)) < 0.052
    assert 49 < min(socs) <= max(socs) < 52


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_slow_motion_story_reaches_the_limit_and_drives(seed: int) -> None:
    """At 10 min a step the limit is reached, sessions end, and drives drain."""
    events, soc, capacity = _story(seed=seed, steps=600, interval=600.0)
    seen = _check_invariants(events, 600.0, soc, capacity)
    assert seen["complete"] > 0
    assert seen["drained"] > 0
    assert seen["sessions"] > 10


def test_full_car_is_not_charged() -> None:
    """A car at its limit is plugged in, reports complete, and no session starts."""
    events, soc, capacity = _story(seed=3, steps=14, interval=5.0, soc=CHARGE_LIMIT)
    _check_invariants(events, 5.0, soc, capacity)
    types = [e["type"] for e in events]
    start = types.index("ev/plugged")
    assert types[start : start + 3] == ["ev/plugged", "ev/measurement", "ev/unplugged"]
    measurement = events[start + 1]["data"]
    assert (measurement["chargeState"], measurement["chargePower"]) == ("COMPLETE", 0)
    # The first session is none; the car drove, so the second one charges.
    assert "ev/charge-started" not in types[: start + 3]
    assert "ev/charge-started" in types[start + 3 :]
