"""Benchmark: the cost of one live poll for many systems (an installer account).

Starts an in-process emulator with ``--systems`` systems, then polls
``GET /systems/{id}/live`` for all of them the way the live coordinator does
(the real client, at most `MAX_CONCURRENT` requests at a time) and prints
the wall time per poll and per system. Home Assistant's entity writes are
not included. Loopback only.

    python -m e2e.bench_live [--systems 200] [--polls 5]
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
import statistics
import time

import aiohttp

from custom_components.gridx.api.client import GridxClient
from custom_components.gridx.live.coordinator import MAX_CONCURRENT
from gridx_emulator import GridxEmulator
from gridx_emulator.state import Gateway

TOKEN = "bench"


async def run(systems: int, polls: int) -> list[float]:
    """Return the wall time (s) of each poll of ``systems`` systems."""
    emulator = GridxEmulator()
    ids = emulator.seed_demo(token=TOKEN)
    system_ids = [ids.system_id]
    for n in range(systems - 1):
        gateway = Gateway(
            id=f"bench-gateway-{n}",
            account_id=ids.account_id,
            name=f"gridBox {n}",
            serial_number=f"B{n:05d}",
            system_id=f"bench-system-{n}",
        )
        emulator.state.gateways[gateway.id] = gateway
        system_ids.append(gateway.system_id)
    # The emulator simulates a month per system once; not part of a poll.
    now = datetime.now(UTC)
    for system_id in system_ids:
        emulator.live.system(system_id).powers_at(now)
    times: list[float] = []
    async with emulator, aiohttp.ClientSession() as session:
        client = GridxClient(TOKEN, session, base_url=emulator.base_url)
        gate = asyncio.Semaphore(MAX_CONCURRENT)

        async def one(system_id: str) -> None:
            async with gate:
                await client.get_live(system_id)

        for _ in range(polls):
            started = time.perf_counter()
            await asyncio.gather(*(one(system_id) for system_id in system_ids))
            times.append(time.perf_counter() - started)
    return times


def main() -> None:
    """Parse arguments, run, print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=200)
    parser.add_argument("--polls", type=int, default=5)
    args = parser.parse_args()
    times = asyncio.run(run(args.systems, args.polls))
    median = statistics.median(times)
    print(
        f"live poll of {args.systems} systems ({MAX_CONCURRENT} at a time): "
        f"median {median:.2f} s, max {max(times):.2f} s, "
        f"{median / args.systems * 1000:.1f} ms per system"
    )


if __name__ == "__main__":
    main()
