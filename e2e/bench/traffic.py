"""Signed deliveries and how they are sent: one at a time, or in bursts.

Every delivery is built once (a unique gridX event, serialised and signed)
and the *same bytes and headers* go to each target: gridX's webhook, an
unregistered webhook id and the probe's no-op webhook. Sends interleave the
targets (ABC ABC ..., the order rotating) so that load from elsewhere on the
machine falls on all of them alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
import time
from typing import Any, Self

import aiohttp

from gridx_emulator import GridxEmulator
from gridx_emulator._protocol import SIGNATURE_HEADER, sign
from gridx_emulator.events import make_event
from gridx_emulator.fleet import FleetIds

GRIDX_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Delivery:
    """One serialised, signed event."""

    body: bytes
    headers: dict[str, str]


@dataclass
class Account:
    """A fleet account at the emulator and its gridX entry in Home Assistant."""

    ids: FleetIds
    entry_id: str = ""
    webhook_url: str = ""
    secrets: list[str] = field(default_factory=list)
    # The connection state last sent per gateway/appliance id (toggled).
    online: dict[str, bool] = field(default_factory=dict)
    sent: int = 0
    last_time: datetime = field(
        default_factory=lambda: datetime.min.replace(tzinfo=UTC)
    )

    @property
    def webhook_id(self) -> str:
        """The webhook id at the end of the URL."""
        return self.webhook_url.rsplit("/", 1)[-1]

    def bind(self, emulator: GridxEmulator, entry_id: str) -> None:
        """Find the subscription the integration registered for this account."""
        self.entry_id = entry_id
        subscriptions = [
            s
            for s in emulator.state.subscriptions.values()
            if s.account_id == self.ids.account_id and s.active
        ]
        if len(subscriptions) != 1:
            raise AssertionError(f"expected one subscription, got {subscriptions}")
        self.webhook_url = subscriptions[0].target_url
        self.secrets = list(subscriptions[0].secrets)

    def next_delivery(self) -> Delivery:
        """A unique, state-changing event: a gateway or appliance goes on/offline.

        Round-robin over the account's devices, so at 2,000 devices each
        event lands on a device other than the last few.
        """
        n = self.sent
        self.sent += 1
        per_gateway = 1 + len(self.ids.appliances[0])
        g, slot = divmod(n % (len(self.ids.gateways) * per_gateway), per_gateway)
        gateway_id, system_id = self.ids.gateways[g], self.ids.systems[g]
        if slot == 0:
            device_id, kind = gateway_id, "gateway"
            data: dict[str, Any] = {"gatewayID": gateway_id, "systemID": system_id}
        else:
            device_id, kind = self.ids.appliances[g][slot - 1], "appliance"
            data = {"applianceID": device_id, "gatewayID": gateway_id}
        online = self.online[device_id] = not self.online.get(device_id, True)
        # Now, and at least a millisecond (gridX's resolution) after the last.
        when = self.last_time = max(
            datetime.now(UTC), self.last_time + timedelta(milliseconds=1)
        )
        event = make_event(
            f"{kind}/{'online' if online else 'offline'}",
            data,
            system_id=system_id,
            time=when,
        )
        body = json.dumps(event, separators=(",", ":")).encode()
        return Delivery(
            body,
            {
                "Content-Type": GRIDX_CONTENT_TYPE,
                SIGNATURE_HEADER: sign(body, self.secrets),
            },
        )

    def deliveries(self, count: int) -> list[Delivery]:
        """``count`` fresh deliveries."""
        return [self.next_delivery() for _ in range(count)]


@dataclass
class Sample:
    """Answer times (seconds) and statuses of one target."""

    seconds: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    wall: float = 0.0

    def add(self, seconds: float, status: int) -> None:
        """Record one answer."""
        self.seconds.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1


class Sender:
    """An HTTP client on loopback that times each POST."""

    def __init__(self, concurrency: int = 64) -> None:
        """Connections are kept alive and reused, like gridX's would be."""
        self._connector_limit = concurrency
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        """Open the session."""
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=self._connector_limit, resolver=aiohttp.ThreadedResolver()
            ),
            timeout=aiohttp.ClientTimeout(total=30),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Close the session."""
        if self._session is not None:
            await self._session.close()

    async def post(self, url: str, delivery: Delivery) -> tuple[float, int]:
        """POST one delivery; return (seconds to the full answer, status)."""
        assert self._session is not None
        began = time.perf_counter()
        async with self._session.post(
            url, data=delivery.body, headers=delivery.headers
        ) as resp:
            await resp.read()
        return time.perf_counter() - began, resp.status

    async def one_by_one(
        self, targets: Mapping[str, tuple[str, Sequence[Delivery]]]
    ) -> dict[str, Sample]:
        """Send the n-th delivery of every target, target after target.

        ``targets`` maps a name to (URL, deliveries), all lists as long; the
        order of the targets rotates with each n.
        """
        names = list(targets)
        samples = {name: Sample() for name in names}
        count = min(len(deliveries) for _, deliveries in targets.values())
        began = time.perf_counter()
        for n in range(count):
            shift = n % len(names)
            for name in names[shift:] + names[:shift]:
                url, deliveries = targets[name]
                seconds, status = await self.post(url, deliveries[n])
                samples[name].add(seconds, status)
        wall = time.perf_counter() - began
        for sample in samples.values():
            sample.wall = wall / len(names)
        return samples

    async def burst(
        self, url: str, deliveries: Sequence[Delivery], in_flight: int
    ) -> Sample:
        """Send all deliveries to one URL with ``in_flight`` at a time."""
        sample = Sample()
        todo: Iterator[Delivery] = iter(deliveries)

        async def worker() -> None:
            for delivery in todo:  # shared iterator: each delivery once
                seconds, status = await self.post(url, delivery)
                sample.add(seconds, status)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        sample.wall = time.perf_counter() - began
        return sample
