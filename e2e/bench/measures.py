"""The bench's parts: sequential, burst, scaling, setup, memory and live.

Each part adds rows to the report and key figures for the LAST line. Ratios
are gridX over the no-op webhook (the floor: Home Assistant's webhook path
plus reading the body) unless a row says otherwise; per repetition, then the
median and the range over the repetitions.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import secrets
import time

from custom_components.gridx.live.coordinator import (
    DEFAULT_LIVE_INTERVAL,
    MAX_CONCURRENT,
    MIN_LIVE_INTERVAL,
)
from e2e.bench_live import run as client_live_polls
from gridx_emulator import GridxEmulator

from .gridx_bench import NOOP_WEBHOOK_ID
from .report import Report, ms, pct, ratio, statuses_ok
from .stack import BenchStack
from .traffic import Account, Delivery, Sample, Sender

GRIDX, UNREGISTERED, NOOP = "gridX", "unregistered", "no-op"
EXPECTED = {GRIDX: 204, UNREGISTERED: 200, NOOP: 204}
IN_FLIGHT = 32


@dataclass
class Options:
    """Sizes of the parts (``--quick`` makes them smaller)."""

    reps: int = 3
    sequential: int = 300
    bursts: tuple[int, ...] = (1_000, 10_000)
    scaling_sequential: int = 300
    scaling_burst: int = 2_000
    memory_events: int = 100_000
    live_polls: int = 5


@dataclass
class Bench:
    """What the parts share: the stack, the emulator, the client, the accounts."""

    stack: BenchStack
    emulator: GridxEmulator
    sender: Sender
    small: Account
    options: Options
    report: Report = field(default_factory=Report)
    big: Account | None = None

    def url(self, webhook_id: str) -> str:
        """Home Assistant's URL of a webhook id."""
        return f"{self.stack.ha_url}/api/webhook/{webhook_id}"

    def bare_targets(self) -> dict[str, str]:
        """GridX's webhook and the two bare ones."""
        return {
            GRIDX: self.small.webhook_url,
            UNREGISTERED: self.url(secrets.token_hex(32)),
            NOOP: self.url(NOOP_WEBHOOK_ID),
        }

    def check(self, what: str, name: str, sample: Sample, expected: int) -> None:
        """Fail the run when an answer had another status."""
        if not statuses_ok(sample.statuses, expected):
            self.report.fail(f"{what} {name}: statuses {sample.statuses}")

    async def handler_times(self) -> dict[str, list[float]]:
        """In-process handler seconds per webhook id since the last call."""
        return await asyncio.to_thread(self.stack.handler_times)


async def sequential(bench: Bench) -> None:
    """One delivery at a time, the same bytes to gridX and the bare webhooks."""
    opts, report = bench.options, bench.report
    targets = bench.bare_targets()
    await bench.sender.one_by_one(
        {name: (url, bench.small.deliveries(20)) for name, url in targets.items()}
    )  # warm-up
    await bench.handler_times()
    pooled: dict[str, list[float]] = {name: [] for name in targets}
    handler: dict[str, list[float]] = {GRIDX: [], NOOP: []}
    p50: dict[str, list[float]] = {n: [] for n in (NOOP, UNREGISTERED, "handler")}
    p99: list[float] = []
    for _ in range(opts.reps):
        deliveries = bench.small.deliveries(opts.sequential)
        samples = await bench.sender.one_by_one(
            {name: (url, deliveries) for name, url in targets.items()}
        )
        times = await bench.handler_times()
        for name, sample in samples.items():
            bench.check("sequential", name, sample, EXPECTED[name])
            pooled[name] += sample.seconds
        got = {n: pct(s.seconds, 50) for n, s in samples.items()}
        p50[NOOP].append(got[GRIDX] / got[NOOP])
        p50[UNREGISTERED].append(got[GRIDX] / got[UNREGISTERED])
        p99.append(pct(samples[GRIDX].seconds, 99) / pct(samples[NOOP].seconds, 99))
        mine = times.get(bench.small.webhook_id, [])
        noop = times.get(NOOP_WEBHOOK_ID, [])
        handler[GRIDX] += mine
        handler[NOOP] += noop
        p50["handler"].append(pct(mine, 50) / pct(noop, 50))
    report.section(
        f"sequential: {opts.reps} x {opts.sequential} deliveries, interleaved"
        f" gridX / unregistered / no-op (ms)"
    )
    for p, ratios in ((50, p50[NOOP]), (99, p99)):
        values = " / ".join(ms(pct(pooled[n], p)) for n in targets)
        report.add(f"answer p{p}", values, f"gridX/no-op {ratio(ratios)}")
    report.add(
        "answer p50 vs unregistered", "", f"gridX/unreg. {ratio(p50[UNREGISTERED])}"
    )
    report.add(
        "handler p50 in-process (gridX / no-op)",
        f"{ms(pct(handler[GRIDX], 50))} / {ms(pct(handler[NOOP], 50))}",
        f"{ratio(p50['handler'])}",
    )
    report.key["seq_p50"] = ratio(p50[NOOP]).split(" ")[0]
    report.key["seq_p99"] = ratio(p99).split(" ")[0]


async def burst(bench: Bench) -> None:
    """Bursts at 32 in flight, to gridX and to each bare webhook in turn."""
    opts, report = bench.options, bench.report
    targets = bench.bare_targets()
    names = list(targets)
    for size in opts.bursts:
        pooled: dict[str, list[Sample]] = {name: [] for name in names}
        throughput: list[float] = []
        p99: list[float] = []
        for rep in range(opts.reps):
            deliveries = bench.small.deliveries(size)
            shift = rep % len(names)
            got: dict[str, Sample] = {}
            for name in names[shift:] + names[:shift]:
                await asyncio.sleep(0.5)  # let the previous burst's writes settle
                got[name] = await bench.sender.burst(
                    targets[name], deliveries, IN_FLIGHT
                )
                bench.check(f"burst {size}", name, got[name], EXPECTED[name])
                pooled[name].append(got[name])
            throughput.append(got[NOOP].wall / got[GRIDX].wall)
            p99.append(pct(got[GRIDX].seconds, 99) / pct(got[NOOP].seconds, 99))
        report.section(
            f"burst of {size:,} at {IN_FLIGHT} in flight, {opts.reps} x,"
            " gridX / unregistered / no-op"
        )
        for label, p in (("p50", 50), ("p99", 99), ("max", 100)):
            values = " / ".join(
                ms(pct([x for s in pooled[n] for x in s.seconds], p)) for n in names
            )
            extra = f"gridX/no-op {ratio(p99)}" if p == 99 else ""
            report.add(f"answer {label} ms", values, extra)
        rates = " / ".join(
            f"{sum(len(s.seconds) for s in pooled[n]) / sum(s.wall for s in pooled[n]):,.0f}"
            for n in names
        )
        report.add("throughput /s", rates, f"gridX/no-op {ratio(throughput)}")
        report.key[f"burst{size // 1000}k_p99_ms"] = ms(
            pct([x for s in pooled[GRIDX] for x in s.seconds], 99)
        )
        report.key[f"burst{size // 1000}k_tput"] = ratio(throughput).split(" ")[0]


async def setup(bench: Bench, big: Account) -> None:
    """Add the big account; time it until every entity has a state.

    Then the floor: gridX's entry is disabled, and the probe's entry with the
    same number of devices and entities (plain sensors, nothing of gridX's)
    is set up and timed the same way, and removed. Each timed setup starts
    with the recorder idle. Enabling gridX's entry
    again is timed as a second setup (a restart's: the registries know
    every device and entity).
    """
    stack, report = bench.stack, bench.report
    await asyncio.to_thread(stack.settle)
    entry_id, began, answered = await asyncio.to_thread(stack.add_entry, big.ids.token)
    settled, counts = await asyncio.to_thread(stack.wait_all_states, entry_id)
    big.bind(bench.emulator, entry_id)
    bench.big = big
    gateways, per = len(big.ids.gateways), len(big.ids.appliances[0])
    devices, entities = big.ids.device_count, counts["entities"]
    report.section(
        f"setup of {gateways} gateways x {per} appliances ({devices:,} devices)"
    )
    report.add("config flow answered create_entry", f"{answered - began:.2f} s")
    report.add(
        f"all {counts['states']:,} entity states present", f"{settled - began:.2f} s"
    )

    await asyncio.to_thread(stack.set_disabled, entry_id, disabled=True)
    await asyncio.to_thread(stack.settle)
    floor_id, floor_began, _ = await asyncio.to_thread(
        stack.add_floor, devices, entities
    )
    floor_settled, _ = await asyncio.to_thread(stack.wait_all_states, floor_id)
    await asyncio.to_thread(stack.remove_entry, floor_id)
    await asyncio.to_thread(stack.settle)
    first, floor = settled - began, floor_settled - floor_began
    report.add(
        f"floor: {devices:,} plain devices, {entities:,} plain sensors",
        f"{floor:.2f} s",
        f"gridX/floor {first / floor:.2f}x",
    )
    again_began, _ = await asyncio.to_thread(
        stack.set_disabled, entry_id, disabled=False
    )
    again_settled, _ = await asyncio.to_thread(stack.wait_all_states, entry_id)
    report.add(
        "set up again (a restart's setup)", f"{again_settled - again_began:.2f} s"
    )
    report.key["setup_s"] = f"{first:.1f}"
    report.key["setup_floor"] = f"{first / floor:.2f}"


async def scaling(bench: Bench) -> None:
    """Per-event cost at 10 devices and at 2,000 devices, interleaved."""
    opts, report, big = bench.options, bench.report, bench.big
    assert big is not None
    small = bench.small
    await asyncio.to_thread(bench.stack.time_handlers, [big.webhook_id])
    names = ("10 devices", "2,000 devices")
    accounts = dict(zip(names, (small, big), strict=True))

    def targets(count: int) -> dict[str, tuple[str, list[Delivery]]]:
        return {n: (a.webhook_url, a.deliveries(count)) for n, a in accounts.items()}

    await bench.sender.one_by_one(targets(20))  # warm-up
    await bench.handler_times()
    http: list[float] = []
    handler: list[float] = []
    pooled: dict[str, list[float]] = {n: [] for n in names}
    handled: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(opts.reps):
        samples = await bench.sender.one_by_one(targets(opts.scaling_sequential))
        times = await bench.handler_times()
        for name, sample in samples.items():
            bench.check("scaling", name, sample, 204)
            pooled[name] += sample.seconds
            handled[name] += times.get(accounts[name].webhook_id, [])
        http.append(
            pct(samples[names[1]].seconds, 50) / pct(samples[names[0]].seconds, 50)
        )
        handler.append(
            pct(times.get(big.webhook_id, []), 50)
            / pct(times.get(small.webhook_id, []), 50)
        )
    report.section(
        f"per event, 10 vs 2,000 devices: {opts.reps} x {opts.scaling_sequential}"
        " deliveries, interleaved (ms)"
    )
    report.add(
        "answer p50 over HTTP",
        " / ".join(ms(pct(pooled[n], 50)) for n in names),
        f"2,000/10 {ratio(http)}",
    )
    report.add(
        "handler p50 in-process",
        " / ".join(ms(pct(handled[n], 50)) for n in names),
        f"2,000/10 {ratio(handler)}",
    )
    size = opts.scaling_burst
    got = {}
    for name, account in accounts.items():
        await asyncio.sleep(0.5)
        got[name] = await bench.sender.burst(
            account.webhook_url, account.deliveries(size), IN_FLIGHT
        )
        bench.check(f"scaling burst {size}", name, got[name], 204)
    report.add(
        f"burst of {size:,} at {IN_FLIGHT} in flight: throughput /s",
        " / ".join(f"{len(s.seconds) / s.wall:,.0f}" for s in got.values()),
    )
    report.add(
        "  slowest answer ms", " / ".join(ms(max(s.seconds)) for s in got.values())
    )
    report.key["scale_http"] = ratio(http).split(" ")[0]
    report.key["scale_handler"] = ratio(handler).split(" ")[0]


async def memory(bench: Bench) -> None:
    """RSS of hass before and after many unique deliveries (bursts of 2,000)."""
    count, report = bench.options.memory_events, bench.report
    await bench.handler_times()  # empties the probe's buffers (<= 5,000 floats)
    await asyncio.sleep(2)
    before = bench.stack.rss_mib()
    began = time.perf_counter()
    sent = 0
    while sent < count:
        chunk = min(2_000, count - sent)
        sample = await bench.sender.burst(
            bench.small.webhook_url, bench.small.deliveries(chunk), IN_FLIGHT
        )
        bench.check("memory", GRIDX, sample, 204)
        sent += chunk
    wall = time.perf_counter() - began
    await asyncio.sleep(5)  # the recorder and delayed saves catch up
    after = bench.stack.rss_mib()
    report.section(f"memory: {count:,} unique deliveries at {IN_FLIGHT} in flight")
    report.add("hass RSS before / after", f"{before:.1f} / {after:.1f} MiB")
    report.add(
        "growth", f"{after - before:+.1f} MiB", f"{count / wall:,.0f} deliveries/s"
    )
    report.key["rss_growth_mib"] = f"{after - before:+.1f}"


async def live(bench: Bench) -> None:
    """The live poll of the big account's 200 systems, in hass and client only.

    In hass: the entry's live coordinator refreshed ``live_polls`` times in a
    row (every system asked, at most `MAX_CONCURRENT` at a time, answers
    parsed, every live sensor's state written). Client only: the same
    requests from the bench process (e2e/bench_live.py), without hass.
    Goal: a poll ends well within the shortest poll interval (30 s).
    """
    big, report, polls = bench.big, bench.report, bench.options.live_polls
    assert big is not None
    result = await asyncio.to_thread(bench.stack.time_live_polls, big.entry_id, polls)
    seconds: list[float] = result["seconds"]
    systems = int(result["systems"])
    client = await client_live_polls(systems, polls)
    report.section(
        f"live poll of {systems} systems ({MAX_CONCURRENT} at a time),"
        f" {polls} x in a row (s)"
    )
    if result["answered"] != systems:
        report.fail(f"live: {result['answered']} of {systems} systems answered")
    p50 = pct(seconds, 50)
    report.add(
        "in hass: poll p50 / max",
        f"{p50:.2f} / {max(seconds):.2f}",
        f"{p50 / systems * 1000:.1f} ms per system;"
        f" {p50 / DEFAULT_LIVE_INTERVAL:.1%} of the {DEFAULT_LIVE_INTERVAL} s interval",
    )
    report.add(
        "client only: poll p50 / max",
        f"{pct(client, 50):.2f} / {max(client):.2f}",
        f"{pct(client, 50) / systems * 1000:.1f} ms per system",
    )
    if max(seconds) > MIN_LIVE_INTERVAL:
        report.fail(f"live: a poll took {max(seconds):.1f} s > {MIN_LIVE_INTERVAL} s")
    report.key["live_poll_s"] = f"{p50:.2f}"
