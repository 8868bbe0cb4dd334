"""Benchmark: how fast a real Home Assistant answers gridX deliveries.

Starts hass (the develop configuration) and an in-process emulator, adds
gridX through the config flow, then has the emulator deliver signed events
to the real webhook URL over loopback, sequentially and with concurrency,
with 20% duplicates. Prints the answer time of every delivery (percentiles)
and the throughput, and checks that every delivery got 2xx. gridX allows
5 s per delivery.

    scripts/bench [--events 2000] [--concurrency 1,8,32]
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
import random
import statistics
import tempfile
import time
from typing import Any

from gridx_emulator import DemoIds, GridxEmulator

from .harness import Stack


def build_events(
    emulator: GridxEmulator, ids: DemoIds, count: int, rng: random.Random
) -> list[dict[str, Any]]:
    """Return ``count`` deliveries: state and momentary events, 20% repeated."""
    start = datetime.now(UTC)
    unique = int(count * 0.8)
    events: list[dict[str, Any]] = []
    for n in range(unique):
        when = start + timedelta(seconds=n)
        match n % 4:
            case 0:
                event_type = rng.choice(["gateway/online", "gateway/offline"])
                data: dict[str, Any] = {
                    "gatewayID": ids.gateway_id,
                    "systemID": ids.system_id,
                }
            case 1:
                event_type = rng.choice(["ev/plugged", "ev/unplugged"])
                state = "PLUGGED" if event_type == "ev/plugged" else "UNPLUGGED"
                data = _ev(ids, when, state=state)
            case 2:
                event_type = "ev/measurement"
                data = _ev(
                    ids,
                    when,
                    chargePower=rng.randrange(0, 11_000_000),
                    chargeState="CHARGING",
                    plugState="PLUGGED",
                    isControllable=True,
                    stateOfCharge=rng.uniform(10, 90),
                )
            case _:
                event_type = rng.choice(["appliance/online", "appliance/offline"])
                data = {"applianceID": ids.inverter_id, "gatewayID": ids.gateway_id}
        events.append(emulator.make_event(event_type, data, time=when))
    events += [rng.choice(events) for _ in range(count - unique)]
    rng.shuffle(events)
    return events


def _ev(ids: DemoIds, when: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "issuedAt": when.isoformat(),
        "atHome": True,
        "type": "EV",
        "systemID": ids.system_id,
        "assetID": ids.ev_asset_id,
        "gatewayID": ids.gateway_id,
        **extra,
    }


async def run_batch(
    emulator: GridxEmulator, events: list[dict[str, Any]], concurrency: int
) -> tuple[list[float], float, dict[int | None, int]]:
    """Deliver ``events``; return per-delivery seconds, wall seconds, statuses."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for event in events:
        queue.put_nowait(event)
    latencies: list[float] = []
    statuses: dict[int | None, int] = {}

    async def worker() -> None:
        while not queue.empty():
            event = queue.get_nowait()
            began = time.perf_counter()
            results = await emulator.deliver(event)
            latencies.append(time.perf_counter() - began)
            for result in results:
                statuses[result.status] = statuses.get(result.status, 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - began, statuses


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


async def main(count: int, levels: list[int]) -> int:
    """Run the benchmark; return the exit status."""
    workdir = Path(tempfile.mkdtemp(prefix="gridx-bench-"))
    stack = Stack(workdir)
    emulator = GridxEmulator(retry_base_delay=0.2)
    await emulator.start("127.0.0.1", stack.emulator_port)
    ids = emulator.seed_demo(token=stack.gridx_token, rng=random.Random(1))
    try:
        await asyncio.to_thread(stack.start, emulator=False)
        await asyncio.to_thread(stack.onboard)
        result = await asyncio.to_thread(stack.add_integration)
        if result.get("type") != "create_entry":
            print(f"config flow failed: {result}")
            return 1
        rng = random.Random(2026)
        print(f"{count} deliveries per run, 20% duplicates, hass at {stack.ha_url}")
        print(
            "concurrency  deliveries   wall s  deliveries/s"
            "   p50 ms   p95 ms   p99 ms   max ms  statuses"
        )
        worst = 0.0
        for level in levels:
            events = build_events(emulator, ids, count, rng)
            latencies, wall, statuses = await run_batch(emulator, events, level)
            q = statistics.quantiles(latencies, n=100)
            worst = max(worst, *latencies)
            print(
                f"{level:11d}  {len(latencies):10d}  {wall:7.2f}  {len(latencies) / wall:12.1f}"
                f" {_ms(q[49])} {_ms(q[94])} {_ms(q[98])} {_ms(max(latencies))}"
                f"  {dict(sorted(statuses.items(), key=str))}"
            )
            if set(statuses) != {204}:
                print("FAIL: a delivery was not answered 204")
                return 1
        print(f"slowest answer {worst * 1000:.1f} ms of gridX's 5000 ms")
        return 0 if worst < 5 else 1
    finally:
        await asyncio.to_thread(stack.stop)
        await emulator.stop()


def cli() -> int:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", default="1,8,32")
    args = parser.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]
    return asyncio.run(main(args.events, levels))


if __name__ == "__main__":
    raise SystemExit(cli())
