"""Fault injection for the emulator's REST routes.

``emulator.faults.add("create_webhook", status=503, count=2)`` makes the next
two calls to that route answer 503 with a gridX error body; afterwards the
route behaves normally again. Faults can also delay a call, drop the
connection without any response, or carry out the call and then lose its
answer (``lost``: what a client sees as a timeout after gridX acted).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

ROUTE_NAMES: frozenset[str] = frozenset(
    {
        "get_user",
        "list_webhooks",
        "create_webhook",
        "update_webhook",
        "delete_webhook",
        "ping_webhook",
        "rotate_secret",
        "list_rules",
        "create_rule",
        "delete_rule",
        "list_gateways",
        "list_appliances",
        "get_live",
        "get_historical",
        "get_ev_configuration",
        "create_ev_configuration",
        "update_ev_configuration",
        "delete_ev_configuration",
        "list_ev_profiles",
    }
)


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour of a route, for ``count`` calls."""

    status: int | None = None
    delay: float = 0.0
    drop: bool = False
    lost: bool = False
    body: Mapping[str, Any] | None = None
    retry_after: float | None = None

    def error_body(self, status: int) -> dict[str, Any]:
        """Return the body to send with ``status``: the given one or gridX's."""
        if self.body is not None:
            return dict(self.body)
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        return {"message": phrase}


class FaultInjector:
    """Queues of faults per route name, consumed one call at a time."""

    def __init__(self) -> None:
        """Start without faults."""
        self._queues: dict[str, deque[Fault]] = {}

    def add(
        self,
        endpoint: str,
        *,
        status: int | None = None,
        delay: float = 0,
        drop: bool = False,
        lost: bool = False,
        count: int = 1,
        body: Mapping[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``endpoint`` misbehave.

        ``status`` answers with that status and a gridX error body (or
        ``body``); ``retry_after`` adds a ``Retry-After`` header (seconds);
        ``delay`` waits first; ``drop`` closes the connection without a
        response; ``lost`` carries the call out, then closes the connection
        instead of answering. Faults added later queue behind earlier ones.
        """
        if endpoint not in ROUTE_NAMES:
            raise ValueError(f"unknown endpoint {endpoint!r}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if delay < 0:
            raise ValueError("delay must not be negative")
        if status is not None and not 100 <= status <= 599:
            raise ValueError(f"invalid status {status}")
        fault = Fault(
            status=status,
            delay=delay,
            drop=drop,
            lost=lost,
            body=body,
            retry_after=retry_after,
        )
        self._queues.setdefault(endpoint, deque()).extend([fault] * count)

    def take(self, endpoint: str) -> Fault | None:
        """Return and consume the next fault for ``endpoint``, if any."""
        queue = self._queues.get(endpoint)
        if not queue:
            return None
        return queue.popleft()

    def pending(self, endpoint: str) -> int:
        """Return how many calls of ``endpoint`` will still misbehave."""
        return len(self._queues.get(endpoint, ()))

    def clear(self) -> None:
        """Drop every queued fault."""
        self._queues.clear()
