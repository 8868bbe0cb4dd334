"""`GridxEmulator`: the REST server, the state and signed delivery in one object."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
import json
import logging
import os
from pathlib import Path
import random
from typing import Any, Self

import aiohttp
from aiohttp import web
from yarl import URL

from ._protocol import SUBSCRIBABLE_EVENT_TYPES, EventType, sign
from .app import GridxApi
from .auth0 import Auth0Emulator
from .control import ControlRoutes
from .delivery import DeliveryResult, post_with_retries
from .ev_control import EvControl
from .events import make_event, ping_data
from .faults import FaultInjector
from .fleet import FleetIds, seed_fleet
from .live import LiveSimulator
from .state import (
    ALL_POLICIES,
    DEMO_TOKEN,
    DemoIds,
    EmulatorState,
    Rule,
    Subscription,
    new_id,
    new_webhook_secret,
)

_LOGGER = logging.getLogger(__name__)

# How many delivery results `GridxEmulator.deliveries` remembers.
DELIVERY_LOG_SIZE = 1000
# How long `stop()` lets in-flight requests finish.
SHUTDOWN_TIMEOUT = 1.0


@dataclass(frozen=True)
class _Target:
    """Where one event goes: a subscription or a rule, and its secrets."""

    kind: str
    id: str
    url: str
    secrets: list[str]


class GridxEmulator:
    """A local stand-in for the gridX cloud: REST API, state and webhooks.

    ``await emulator.start()`` serves the API on 127.0.0.1 (an ephemeral port
    by default) and returns the base URL; ``await emulator.deliver(event)``
    sends an event to every matching subscription and rule, signed like gridX
    does, and returns one `DeliveryResult` per target.
    """

    def __init__(
        self,
        *,
        state: EmulatorState | None = None,
        retry_base_delay: float = 0.5,
        delivery_timeout: float = 5.0,
        state_path: str | os.PathLike[str] | None = None,
    ) -> None:
        """Prepare an emulator; nothing runs before `start`.

        With ``state_path`` the state is saved there after every change.
        """
        self.state = state if state is not None else EmulatorState()
        self.faults = FaultInjector()
        # Live and historical measurements of the systems (gridx_emulator.live).
        self.live = LiveSimulator(self)
        # EV charging control (gridx_emulator.ev_control), on the live clock.
        # Lambdas: tests replace the state and the clock.
        self.ev = EvControl(lambda: self.state, lambda: self.live.clock())  # noqa: PLW0108
        # The portal login (Auth0 stand-in), served on the same port.
        self.auth0 = Auth0Emulator()
        self.retry_base_delay = retry_base_delay
        self.delivery_timeout = delivery_timeout
        self.state_path = None if state_path is None else Path(state_path)
        self.deliveries: deque[DeliveryResult] = deque(maxlen=DELIVERY_LOG_SIZE)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._base_url: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- lifecycle ----------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve the API on ``host:port`` (0 = any free port); return the base URL."""
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        app = GridxApi(self).build_app()
        self.auth0.add_routes(app)
        ControlRoutes(self).add_routes(app)
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        # yarl brackets an IPv6 host.
        self._base_url = str(
            URL.build(scheme="http", host=host, port=runner.addresses[0][1])
        )
        # ThreadedResolver: no aiodns thread (Home Assistant's tests flag those).
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
        )
        _LOGGER.info("gridX emulator listening on %s", self._base_url)
        return self._base_url

    async def stop(self) -> None:
        """Cancel background work, close the client session and the server."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._base_url = None

    async def __aenter__(self) -> Self:
        """Start on 127.0.0.1 with an ephemeral port."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop."""
        await self.stop()

    @property
    def base_url(self) -> str:
        """Return the base URL, e.g. ``http://127.0.0.1:54321``."""
        if self._base_url is None:
            raise RuntimeError("emulator not started")
        return self._base_url

    @property
    def running(self) -> bool:
        """Return True between `start` and `stop`."""
        return self._runner is not None

    # -- state ----------------------------------------------------------------

    def add_token(
        self,
        token: str,
        *,
        user_id: str,
        policies: Iterable[str] = ALL_POLICIES,
        bad_credentials: bool = False,
    ) -> None:
        """Register an API token; ``bad_credentials`` makes it answer 403."""
        self.state.add_token(
            token, user_id=user_id, policies=policies, bad_credentials=bad_credentials
        )
        self.state_changed()

    def seed_demo(
        self, *, token: str = DEMO_TOKEN, rng: random.Random | None = None
    ) -> DemoIds:
        """Create the demo account, user, gridBox, appliances and EV; see `EmulatorState.seed_demo`."""
        ids = self.state.seed_demo(token=token, rng=rng)
        self.state_changed()
        return ids

    def seed_fleet(
        self,
        *,
        token: str,
        gateways: int,
        appliances_per_gateway: int,
        rng: random.Random | None = None,
    ) -> FleetIds:
        """Add a big account for ``token``; see `fleet.seed_fleet`."""
        ids = seed_fleet(
            self.state,
            token=token,
            gateways=gateways,
            appliances_per_gateway=appliances_per_gateway,
            rng=rng,
        )
        self.state_changed()
        return ids

    def add_subscription(
        self,
        target_url: str,
        event_types: Iterable[str] = SUBSCRIBABLE_EVENT_TYPES,
        *,
        active: bool = True,
        account_id: str | None = None,
        secret: str | None = None,
    ) -> Subscription:
        """Create a subscription directly, without the REST API.

        The account defaults to the demo account; the secret to a fresh
        ``whsec_`` one. Tests use it to point deliveries at Home Assistant.
        """
        account = account_id or self._demo().account_id
        subscription = Subscription(
            id=new_id(),
            account_id=account,
            event_types=[str(t) for t in event_types],
            target_url=target_url,
            active=active,
            secrets=[secret or new_webhook_secret()],
        )
        self.state.subscriptions[subscription.id] = subscription
        self.state_changed()
        return subscription

    def add_rule(
        self,
        target_url: str,
        event_type: str,
        secret: str,
        *,
        user_id: str | None = None,
        locale: str | None = "DE",
    ) -> Rule:
        """Create a notification rule directly (user: the demo user by default)."""
        user = self.state.users[user_id or self._demo().user_id]
        rule = Rule(
            id=new_id(),
            account_id=user.account_id,
            user_id=user.id,
            event_type=str(event_type),
            target_url=target_url,
            secret=secret,
            locale=locale,
        )
        self.state.rules[rule.id] = rule
        self.state_changed()
        return rule

    def _demo(self) -> DemoIds:
        """Return the demo ids, or raise when `seed_demo` was not called."""
        if self.state.demo is None:
            raise RuntimeError("no demo account; call seed_demo() or pass ids")
        return self.state.demo

    def state_changed(self) -> None:
        """Persist the state when a ``state_path`` is set (called after changes)."""
        if self.state_path is not None:
            self.state.save(self.state_path)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the state to a JSON file (secrets included: a developer tool)."""
        self.state.save(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], **kwargs: Any) -> GridxEmulator:
        """Return an emulator with the state read from ``path``."""
        return cls(state=EmulatorState.load(path), **kwargs)

    # -- events and delivery ------------------------------------------------------

    def make_event(
        self,
        event_type: str,
        data: Mapping[str, Any],
        *,
        event_id: str | None = None,
        time: datetime | None = None,
    ) -> dict[str, Any]:
        """Return a gridX envelope; ``source`` is the data's or the demo system."""
        system_id = data.get("systemID")
        if system_id is None and self.state.demo is not None:
            system_id = self.state.demo.system_id
        return make_event(
            event_type,
            data,
            system_id=None if system_id is None else str(system_id),
            event_id=event_id,
            time=time,
        )

    async def deliver(self, event: Mapping[str, Any]) -> list[DeliveryResult]:
        """Send ``event`` to every matching subscription and rule; await all.

        Matching: active subscriptions whose ``eventTypes`` hold the event's
        ``type``, and rules whose ``eventType`` is it. The stored state
        follows the event first (gateway and appliance connection status).
        """
        session = self._require_session()
        if self.state.apply_event(event):
            self.state_changed()
        self.live.observe(event)
        event_type = str(event.get("type"))
        body = json.dumps(event, separators=(",", ":")).encode()
        targets = [
            _Target("subscription", s.id, s.target_url, list(s.secrets))
            for s in self.state.subscriptions.values()
            if s.active and event_type in s.event_types
        ]
        targets.extend(
            _Target("rule", r.id, r.target_url, [r.secret])
            for r in self.state.rules.values()
            if r.event_type == event_type
        )
        return list(
            await asyncio.gather(
                *(self._deliver_one(session, event, body, target) for target in targets)
            )
        )

    async def ping(self, subscription_id: str) -> DeliveryResult:
        """Send a signed ``ping`` to one subscription, active or not."""
        session = self._require_session()
        subscription = self.state.subscriptions.get(subscription_id)
        if subscription is None:
            raise KeyError(subscription_id)
        event = make_event(
            EventType.PING,
            ping_data(),
            source=f"/accounts/{subscription.account_id}/webhooks/{subscription.id}",
        )
        body = json.dumps(event, separators=(",", ":")).encode()
        target = _Target(
            "subscription",
            subscription.id,
            subscription.target_url,
            list(subscription.secrets),
        )
        return await self._deliver_one(session, event, body, target)

    async def _deliver_one(
        self,
        session: aiohttp.ClientSession,
        event: Mapping[str, Any],
        body: bytes,
        target: _Target,
    ) -> DeliveryResult:
        """Deliver to one target; on 410 delete the subscription or rule."""
        outcome = await post_with_retries(
            session,
            target.url,
            body,
            sign(body, target.secrets),
            retry_base_delay=self.retry_base_delay,
            attempt_timeout=self.delivery_timeout,
        )
        deleted = False
        if outcome.gone:
            store: dict[str, Any] = (
                self.state.subscriptions
                if target.kind == "subscription"
                else self.state.rules
            )
            deleted = store.pop(target.id, None) is not None
            if deleted:
                _LOGGER.info("%s %s answered 410, deleted", target.kind, target.id)
                self.state_changed()
        result = DeliveryResult(
            target_url=target.url,
            kind=target.kind,
            target_id=target.id,
            event_id=str(event.get("id")),
            attempts=outcome.attempts,
            status=outcome.status,
            error=outcome.error,
            deleted=deleted,
        )
        self.deliveries.append(result)
        return result

    # -- background tasks -----------------------------------------------------

    def create_background_task(
        self, coro: Coroutine[Any, Any, Any]
    ) -> asyncio.Task[Any]:
        """Run ``coro`` as a task that `stop` cancels and awaits."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def join_background(self) -> None:
        """Wait until every background task (e.g. a ping) has finished."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _require_session(self) -> aiohttp.ClientSession:
        """Return the client session, or raise when not started."""
        if self._session is None:
            raise RuntimeError("emulator not started")
        return self._session
