"""The EV charging-control calls (gridx-control-facts §2.1, §3).

Protocol core: no Home Assistant imports. ``GET/PATCH/POST
/gateways/{gatewayID}/appliances/{applianceID}/ev/configuration`` and
``GET /systems/{id}/ev-profiles``, through a `GridxClient` (which maps the
statuses: 400/422 `GridxStatusError` with gridX's ``message``, 403
`GridxPermissionError` (never a new login), 404 `GridxNotFoundError`, 429
`GridxRateLimitError`, 5xx `GridxServerError`).

A write is retried on 429, 5xx and connection errors with back-off, within
`WRITE_BUDGET` seconds of waiting in total; then the last error is raised.
A PATCH is idempotent (it sets values), so a repeat does no harm. A PATCH
answered 404 means the station has no configuration yet: it is created
with ``POST`` and the strict creation body (not documented: whether GET
answers 404 without one; inferred from §2.1).
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from .client import GridxClient, segment
from .errors import (
    GridxConnectionError,
    GridxNotFoundError,
    GridxRateLimitError,
    GridxResponseError,
    GridxServerError,
)
from .ev_configuration import EvConfiguration, EvProfile, creation_body
from .resources import unwrap_list

# Waits (s) before the 2nd, 3rd, ... attempt of a write; a Retry-After
# longer than the wait is honoured while the budget allows it.
WRITE_RETRY_DELAYS: Final[tuple[float, ...]] = (1.0, 2.0, 4.0)
# The most a write waits in total before it gives up (an action must answer
# within seconds, not minutes).
WRITE_BUDGET: Final = 10.0

type Sleep = Callable[[float], Awaitable[None]]


class GridxEvApi:
    """Read and change EV charging-station configurations with one client."""

    def __init__(
        self,
        client: GridxClient,
        *,
        retry_delays: tuple[float, ...] | None = None,
        budget: float | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Use ``client``; the retry delays and budget default to the module's."""
        self._client = client
        self.retry_delays = WRITE_RETRY_DELAYS if retry_delays is None else retry_delays
        self.budget = WRITE_BUDGET if budget is None else budget
        self._sleep = sleep

    @staticmethod
    def configuration_path(gateway_id: str, appliance_id: str) -> str:
        """Return ``/gateways/{g}/appliances/{a}/ev/configuration``, encoded."""
        return (
            f"/gateways/{segment(gateway_id)}/appliances/{segment(appliance_id)}"
            "/ev/configuration"
        )

    async def get_configuration(
        self, gateway_id: str, appliance_id: str
    ) -> EvConfiguration | None:
        """Return the station's configuration, None when it has none (404)."""
        path = self.configuration_path(gateway_id, appliance_id)
        try:
            _, raw = await self._client.request("GET", path)
        except GridxNotFoundError:
            return None
        return EvConfiguration.from_dict(self._client.decode(raw, "GET", path))

    async def update_configuration(
        self, gateway_id: str, appliance_id: str, changes: Mapping[str, Any]
    ) -> EvConfiguration:
        """PATCH ``changes`` (or create with them after a 404); return gridX's answer."""
        path = self.configuration_path(gateway_id, appliance_id)
        try:
            raw = await self._retrying("PATCH", path, dict(changes))
        except GridxNotFoundError:
            raw = await self._retrying("POST", path, creation_body(changes))
            if not raw.strip():
                # 201 without a body (not documented): read what was made.
                created = await self.get_configuration(gateway_id, appliance_id)
                if created is None:
                    raise GridxResponseError(
                        f"POST {path}: created, but not readable"
                    ) from None
                return created
        return EvConfiguration.from_dict(self._client.decode(raw, "PATCH", path))

    async def list_profiles(self, system_id: str) -> list[EvProfile]:
        """Return the system's EV profiles (``GET /systems/{id}/ev-profiles``)."""
        path = f"/systems/{segment(system_id)}/ev-profiles"
        _, raw = await self._client.request("GET", path)
        return [
            EvProfile.from_dict(item)
            for item in unwrap_list(
                self._client.decode(raw, "GET", path), "ev profiles"
            )
        ]

    async def _retrying(self, method: str, path: str, body: dict[str, Any]) -> bytes:
        """Send a write; retry 429, 5xx and connection errors within the budget."""
        waited = 0.0
        attempt = 0
        while True:
            try:
                _, raw = await self._client.request(method, path, body=body)
            except (GridxRateLimitError, GridxServerError, GridxConnectionError) as err:
                if attempt >= len(self.retry_delays):
                    raise
                delay = self.retry_delays[attempt]
                if isinstance(err, GridxRateLimitError) and err.retry_after:
                    delay = max(delay, err.retry_after)
                if waited + delay > self.budget:
                    raise
                attempt += 1
                waited += delay
                await self._sleep(delay)
            else:
                return raw
