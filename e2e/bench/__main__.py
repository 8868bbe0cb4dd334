"""scripts/bench: gridX deliveries against Home Assistant's bare webhook floor.

Starts a real hass (the develop configuration, quiet logs, the bench probe)
and an in-process emulator on free loopback ports, adds gridX for a small
account (1 gateway x 9 appliances = 10 devices) and, for the scaling and
setup parts, a big one (200 x 9 = 2,000 devices). Then, in one run:

  sequential  one delivery at a time, interleaved with the same bytes to an
              unregistered webhook id and to a no-op webhook: p50/p99, ratios,
              and the handler's in-process time against the no-op's
  burst       1,000 and 10,000 at 32 in flight to each of the three
  memory      hass RSS before and after 100,000 unique deliveries
  setup       the big account, to all entity states present; then the
              floor (gridX disabled, the probe's entry of as many plain
              devices and sensors, timed alike) and gridX set up again
  scaling     per-event cost at 10 and at 2,000 devices, over HTTP and
              in-process, and a burst of 2,000 to each (adds the big
              account first, so it reports setup too)
  live        one live poll of the big account's 200 systems: in hass
              (requests, parsing, state writes) and client only

Live polling is on throughout, as in a real installation: each entry polls
its systems' live values every 60 s and imports their history.

A default run should take 6-10 minutes on 2 idle cores (estimated from idle
rates); with other work on the cores far longer (>30 min at load 12, where
``--quick`` took 7).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
import platform
import random
import shutil
import sys
import tempfile
import time

from gridx_emulator import GridxEmulator

from .gridx_bench import NOOP_WEBHOOK_ID
from .measures import Bench, Options, burst, live, memory, scaling, sequential, setup
from .report import Report
from .stack import BenchStack
from .traffic import Account, Sender

# The order they run in: memory before the big account exists.
PARTS = ("sequential", "burst", "memory", "setup", "scaling", "live")
QUICK = Options(
    reps=1,
    sequential=100,
    bursts=(1_000,),
    scaling_sequential=100,
    scaling_burst=500,
    memory_events=10_000,
    live_polls=2,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="|".join(PARTS),
        help="run only this part (repeat or comma-separate to combine)",
    )
    parser.add_argument(
        "--no-recorder", action="store_true", help="leave the recorder out"
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, 1 repetition"
    )
    parser.add_argument(
        "--reps", type=int, default=None, help="repetitions (default 3)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work dir")
    args = parser.parse_args(argv)
    chosen = [p for item in args.only or [] for p in item.split(",") if p]
    bad = [p for p in chosen if p not in PARTS]
    if bad:
        parser.error(f"unknown part(s) {bad}; choose from {', '.join(PARTS)}")
    args.parts = [p for p in PARTS if p in chosen] if chosen else list(PARTS)
    return args


def machine() -> str:
    """Where this ran: cores, Python, kernel, and whether others may be loading it."""
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = ["?"]
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()},"
        f" {platform.system()} {platform.release()}, load at start {' '.join(load)}"
    )


async def run(args: argparse.Namespace) -> int:
    """Run the chosen parts; print the table; return the exit status."""
    options = QUICK if args.quick else Options()
    if args.reps is not None:
        options.reps = max(1, args.reps)
    workdir = Path(tempfile.mkdtemp(prefix="gridx-bench-"))
    stack = BenchStack(workdir, recorder=not args.no_recorder)
    emulator = GridxEmulator(retry_base_delay=0.2)
    rng = random.Random(2026)
    small = Account(
        emulator.seed_fleet(
            token="small", gateways=1, appliances_per_gateway=9, rng=rng
        )
    )
    big = Account(
        emulator.seed_fleet(
            token="big", gateways=200, appliances_per_gateway=9, rng=rng
        )
    )
    await emulator.start("127.0.0.1", stack.emulator_port)
    started = time.monotonic()
    report = Report()
    print(
        f"gridX bench: {', '.join(args.parts)}; recorder"
        f" {'off' if args.no_recorder else 'on'}; {options.reps} repetition(s);"
        f" {machine()}",
        flush=True,
    )
    try:
        await asyncio.to_thread(stack.start, emulator=False)
        await asyncio.to_thread(stack.onboard)
        entry_id, _, _ = await asyncio.to_thread(stack.add_entry, small.ids.token)
        await asyncio.to_thread(stack.wait_all_states, entry_id)
        # Measure the steady state: after the first history import.
        await asyncio.to_thread(stack.settle)
        small.bind(emulator, entry_id)
        await asyncio.to_thread(
            stack.time_handlers, [small.webhook_id, NOOP_WEBHOOK_ID]
        )
        async with Sender() as sender:
            bench = Bench(stack, emulator, sender, small, options, report)
            for part in args.parts:
                print(f"... {part} ({time.monotonic() - started:.0f} s)", flush=True)
                await asyncio.to_thread(stack.refresh_token)
                if part in ("setup", "scaling", "live") and bench.big is None:
                    await setup(bench, big)
                if part in PARTS_RUN:
                    await PARTS_RUN[part](bench)
                print(report.new_rows(), flush=True)
    finally:
        await asyncio.to_thread(stack.stop)
        await emulator.stop()
        if args.keep:
            print(f"work dir kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report.section(f"run took {time.monotonic() - started:.0f} s")
    print()
    print(report.text())
    return 1 if report.failures else 0


PARTS_RUN = {
    "sequential": sequential,
    "burst": burst,
    "memory": memory,
    "scaling": scaling,
    "live": live,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m e2e.bench``."""
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
