"""Fixtures that run the local gridX emulator and a webhook receiver.

``emulator``: a started `GridxEmulator` on 127.0.0.1 (ephemeral port), seeded
with a demo account whose token is ``DEMO_TOKEN`` and with tiny retry delays.
``demo_ids``: its `DemoIds`. ``webhook_receiver``: a small aiohttp server on
127.0.0.1 that records every POST and answers the statuses you queue.
``emulator_api``: an HTTP client for the emulator's REST API.

To deliver to Home Assistant instead, point a subscription at HA's webhook
URL, e.g. ``emulator.add_subscription(str(client.make_url(f"/api/webhook/{id}")))``
with ``client = await hass_client_no_auth()``, then ``await emulator.deliver(event)``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
import json
from typing import Any

from aiohttp import ClientSession, TCPConnector, ThreadedResolver, web
import pytest

from gridx_emulator import DemoIds, GridxEmulator

DEMO_TOKEN = "demo-token"
# Small enough for fast tests, large enough to tell attempts apart.
TEST_RETRY_BASE_DELAY = 0.001
TEST_DELIVERY_TIMEOUT = 2.0


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the receiver got."""

    method: str
    path_qs: str
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.body)


HANG = -1  # A queued "status" that never answers (until teardown).


class WebhookReceiver:
    """An aiohttp server on 127.0.0.1 that records deliveries.

    ``respond(503, 503, 200)`` queues answers for the next requests; when the
    queue is empty it answers ``default_status``. ``HANG`` holds a request
    open until the receiver stops (to provoke delivery timeouts).
    """

    def __init__(self) -> None:
        """Prepare an unstarted receiver."""
        self.requests: list[ReceivedRequest] = []
        self.default_status = 204
        self._statuses: deque[int] = deque()
        self._runner: web.AppRunner | None = None
        self._release = asyncio.Event()
        self._arrived = asyncio.Condition()
        self.base_url = ""

    def respond(self, *statuses: int) -> None:
        """Queue the statuses of the next requests."""
        self._statuses.extend(statuses)

    def url(self, path: str = "/hooks/gridx") -> str:
        """Return the absolute URL of ``path`` on this receiver."""
        return f"{self.base_url}{path}"

    async def start(self) -> None:
        """Listen on 127.0.0.1, any free port."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        """Release hanging requests and close the server."""
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(
        self, count: int, wait_seconds: float = 5.0
    ) -> list[ReceivedRequest]:
        """Wait until ``count`` requests arrived; return all of them."""
        async with asyncio.timeout(wait_seconds), self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)
        return self.requests

    async def _handle(self, request: web.Request) -> web.Response:
        """Record the request and answer the next queued status."""
        body = await request.read()
        async with self._arrived:
            self.requests.append(
                ReceivedRequest(
                    request.method, request.path_qs, dict(request.headers), body
                )
            )
            self._arrived.notify_all()
        status = self._statuses.popleft() if self._statuses else self.default_status
        if status == HANG:
            await self._release.wait()
            status = 200
        return web.Response(status=status)


class EmulatorApi:
    """A small client for the emulator's REST API (answers status, headers, JSON)."""

    def __init__(self, session: ClientSession, base_url: str) -> None:
        """Talk to ``base_url`` through ``session``."""
        self._session = session
        self.base_url = base_url

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = DEMO_TOKEN,
        scheme: str = "Token",
        json_body: Any = None,
        data: bytes | None = None,
    ) -> tuple[int, Mapping[str, str], Any]:
        """Send a request; return (status, headers, parsed JSON body or None)."""
        headers = {"Accept": "application/vnd.gridx.v2+json"}
        if token is not None:
            headers["Authorization"] = f"{scheme} {token}"
        kwargs: dict[str, Any] = {"headers": headers}
        if json_body is not None:
            kwargs["json"] = json_body
        if data is not None:
            kwargs["data"] = data
        async with self._session.request(
            method, f"{self.base_url}{path}", **kwargs
        ) as response:
            raw = await response.read()
            body = json.loads(raw) if raw else None
            return response.status, response.headers, body


@pytest.fixture
async def emulator(socket_enabled: None) -> AsyncGenerator[GridxEmulator]:
    """Return a started emulator with a demo account (token ``DEMO_TOKEN``).

    ``socket_enabled`` (pytest-socket): Home Assistant's test plugin blocks
    sockets; enabled, they may still only reach 127.0.0.1.
    """
    emu = GridxEmulator(
        retry_base_delay=TEST_RETRY_BASE_DELAY, delivery_timeout=TEST_DELIVERY_TIMEOUT
    )
    emu.seed_demo(token=DEMO_TOKEN)
    await emu.start("127.0.0.1", 0)
    yield emu
    await emu.stop()


@pytest.fixture
def demo_ids(emulator: GridxEmulator) -> DemoIds:
    """Return the ids of the emulator's demo account."""
    assert emulator.state.demo is not None
    return emulator.state.demo


@pytest.fixture
async def webhook_receiver(socket_enabled: None) -> AsyncGenerator[WebhookReceiver]:
    """Return a started receiver that records deliveries."""
    receiver = WebhookReceiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


@pytest.fixture
async def emulator_api(emulator: GridxEmulator) -> AsyncGenerator[EmulatorApi]:
    """Return a REST client for the running emulator."""
    async with ClientSession(
        connector=TCPConnector(resolver=ThreadedResolver())
    ) as session:
        yield EmulatorApi(session, emulator.base_url)
