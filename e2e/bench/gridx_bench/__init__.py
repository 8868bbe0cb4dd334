"""The bench's probe inside Home Assistant (only in the bench's own config dir).

- A no-op webhook (`NOOP_WEBHOOK_ID`): reads the body and answers 204. It is
  the floor a webhook handler cannot go under; the bench sends it the same
  bytes it sends gridX.
- ``POST /api/gridx_bench/time`` with ``{"webhook_ids": [...]}`` wraps those
  webhooks' handlers with a timer; ``GET /api/gridx_bench/time`` returns and
  clears the handler times in seconds per webhook id (the in-process cost,
  without HTTP).
- ``GET /api/gridx_bench/entry/{entry_id}`` counts a config entry's
  enabled entities and how many of them have a state.
- ``POST /api/gridx_bench/live/{entry_id}`` with ``{"polls": n}`` runs the
  entry's live poll n times in a row and returns the seconds of each (all
  its systems asked, parsed, and every live sensor's state written), once
  the entry's first history import has ended.
- ``POST /api/gridx_bench/settle`` answers once every gridX entry's first
  history import has ended and the recorder has written everything queued,
  so a timed part starts with an idle recorder.
- A "floor" config entry (config_flow.py, sensor.py): n plain devices and m
  plain sensors, the floor for gridX's setup of an account of that shape.

Loaded with ``gridx_bench:`` in configuration.yaml; never shipped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
import dataclasses
from http import HTTPStatus
import time
from typing import Any

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.typing import ConfigType

DOMAIN = "gridx_bench"
NOOP_WEBHOOK_ID = "gridx_bench_noop"
# Bounded, and small: the memory part must not measure the probe itself.
KEEP_TIMES = 5_000

type Handler = Callable[[HomeAssistant, str, web.Request], Awaitable[Any]]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the no-op webhook and the probe's views."""
    webhook.async_register(
        hass, DOMAIN, "bench no-op", NOOP_WEBHOOK_ID, _noop, allowed_methods=["POST"]
    )
    times: dict[str, deque[float]] = {}
    hass.http.register_view(TimeView(times))
    hass.http.register_view(EntryView())
    hass.http.register_view(LiveView())
    hass.http.register_view(SettleView())
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Set up a floor entry: its sensors."""
    await hass.config_entries.async_forward_entry_setups(entry, [Platform.SENSOR])
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Unload a floor entry."""
    return await hass.config_entries.async_unload_platforms(entry, [Platform.SENSOR])


async def _noop(
    hass: HomeAssistant, webhook_id: str, request: web.Request
) -> web.Response:
    """Read the body, answer 204."""
    await request.read()
    return web.Response(status=HTTPStatus.NO_CONTENT)


def _timed(handler: Handler, times: deque[float]) -> Handler:
    async def timed(hass: HomeAssistant, webhook_id: str, request: web.Request) -> Any:
        began = time.perf_counter()
        try:
            return await handler(hass, webhook_id, request)
        finally:
            times.append(time.perf_counter() - began)

    return timed


class TimeView(HomeAssistantView):
    """Time webhook handlers in-process."""

    url = "/api/gridx_bench/time"
    name = "api:gridx_bench:time"

    def __init__(self, times: dict[str, deque[float]]) -> None:
        """Keep the per-webhook times."""
        self._times = times

    async def post(self, request: web.Request) -> web.Response:
        """Wrap the handlers of the given webhook ids (once each)."""
        hass = request.app[KEY_HASS]
        handlers = hass.data.get(webhook.DOMAIN, {})  # the webhook registry
        wrapped = []
        for webhook_id in (await request.json())["webhook_ids"]:
            data = handlers.get(webhook_id)
            if data is None or webhook_id in self._times:
                continue
            times = self._times[webhook_id] = deque(maxlen=KEEP_TIMES)
            handlers[webhook_id] = dataclasses.replace(
                data, handler=_timed(data.handler, times)
            )
            wrapped.append(webhook_id)
        return self.json({"wrapped": wrapped})

    async def get(self, request: web.Request) -> web.Response:
        """Return and clear the times so far."""
        result = {key: list(times) for key, times in self._times.items()}
        for times in self._times.values():
            times.clear()
        return self.json(result)


class EntryView(HomeAssistantView):
    """Count a config entry's entities and states."""

    url = "/api/gridx_bench/entry/{entry_id}"
    name = "api:gridx_bench:entry"

    async def get(self, request: web.Request, entry_id: str) -> web.Response:
        """Return ``{"entities": n, "states": m}``."""
        hass = request.app[KEY_HASS]
        entries = [
            e
            for e in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
            if not e.disabled
        ]
        states = sum(hass.states.get(e.entity_id) is not None for e in entries)
        return self.json({"entities": len(entries), "states": states})


class LiveView(HomeAssistantView):
    """Time a config entry's live poll in-process."""

    url = "/api/gridx_bench/live/{entry_id}"
    name = "api:gridx_bench:live"

    async def post(self, request: web.Request, entry_id: str) -> web.Response:
        """Return ``{"seconds": [...], "systems": n, "answered": m}``."""
        hass = request.app[KEY_HASS]
        entry = hass.config_entries.async_get_entry(entry_id)
        live = None if entry is None else entry.runtime_data.live
        if live is None:
            return self.json_message("no live poll", HTTPStatus.NOT_FOUND)
        polls = int((await request.json())["polls"])
        # Steady state: after the first history import (30 days of every
        # system), which runs once after set-up.
        if live.first_import is not None:
            await live.first_import
        seconds = []
        for _ in range(polls):
            began = time.perf_counter()
            await live.async_refresh()
            seconds.append(time.perf_counter() - began)
        return self.json(
            {
                "seconds": seconds,
                "systems": len(live.systems()),
                "answered": len(live.data or {}),
            }
        )


class SettleView(HomeAssistantView):
    """Wait for the recorder to be idle."""

    url = "/api/gridx_bench/settle"
    name = "api:gridx_bench:settle"

    async def post(self, request: web.Request) -> web.Response:
        """Answer once the first imports are done and the queue is written."""
        hass = request.app[KEY_HASS]
        for entry in hass.config_entries.async_loaded_entries("gridx"):
            live = entry.runtime_data.live
            if live is not None and live.first_import is not None:
                await live.first_import
        if "recorder" in hass.config.components:
            await get_instance(hass).async_block_till_done()
        return self.json({})
