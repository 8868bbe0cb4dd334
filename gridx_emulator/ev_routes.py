"""The emulator's EV-control routes (the resource is in ev_control.py).

Each handler takes the request and the authenticated caller (the policy is
checked by the API's guard); a gateway or appliance of another account is
404, as gridX does for what a token cannot see.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from aiohttp import web

from .ev_control import EvControl, ValidationError
from .state import EmulatorState

CONTENT_TYPE = "application/vnd.gridx.v2+json"


class _Caller(Protocol):
    @property
    def user(self) -> Any: ...


class _Live(Protocol):
    def settings_changed(self) -> None: ...


class _Emulator(Protocol):
    @property
    def state(self) -> EmulatorState: ...
    @property
    def ev(self) -> EvControl: ...
    @property
    def live(self) -> _Live: ...

    def state_changed(self) -> None: ...


def _json(status: int, body: Any) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(body).encode(), content_type=CONTENT_TYPE
    )


def _error(status: int, message: str, details: list[str] | None = None) -> web.Response:
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = details
    return _json(status, body)


class EvRoutes:
    """Route handlers for ``.../ev/configuration`` and ``ev-profiles``."""

    def __init__(self, emulator: _Emulator) -> None:
        """Serve ``emulator``'s EV control."""
        self._emulator = emulator

    def _station(self, request: web.Request, caller: _Caller) -> str | None:
        """Return the appliance id when the caller may see it, else None."""
        state = self._emulator.state
        gateway = state.gateways.get(request.match_info["gateway_id"])
        appliance = state.appliances.get(request.match_info["appliance_id"])
        if (
            gateway is None
            or gateway.account_id != caller.user.account_id
            or appliance is None
            or appliance.gateway_id != gateway.id
        ):
            return None
        return appliance.id

    async def get(self, request: web.Request, caller: _Caller) -> web.Response:
        """``GET .../ev/configuration``: 200 or 404 without a configuration."""
        station = self._station(request, caller)
        config = None if station is None else self._emulator.ev.get(station)
        if station is None or config is None:
            return _error(404, "Not Found")
        return _json(200, self._emulator.ev.view(station, config))

    async def write(self, request: web.Request, caller: _Caller) -> web.Response:
        """``POST`` (201) or ``PATCH`` (200) ``.../ev/configuration``."""
        station = self._station(request, caller)
        if station is None:
            return _error(404, "Not Found")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _error(400, "Bad Request", ["body is not valid JSON"])
        try:
            config = self._emulator.ev.write(request.method, station, body)
        except ValidationError as err:
            return _error(err.status, err.message, err.details)
        self._emulator.state_changed()
        self._emulator.live.settings_changed()
        status = 201 if request.method == "POST" else 200
        return _json(status, self._emulator.ev.view(station, config))

    async def delete(self, request: web.Request, caller: _Caller) -> web.Response:
        """``DELETE .../ev/configuration``: 204, or 404 without one."""
        station = self._station(request, caller)
        if station is None or not self._emulator.ev.delete(station):
            return _error(404, "Not Found")
        self._emulator.state_changed()
        self._emulator.live.settings_changed()
        return web.Response(status=204)

    async def profiles(self, request: web.Request, caller: _Caller) -> web.Response:
        """``GET /systems/{id}/ev-profiles``."""
        system_id = request.match_info["system_id"]
        if not any(
            gateway.system_id == system_id
            and gateway.account_id == caller.user.account_id
            for gateway in self._emulator.state.gateways.values()
        ):
            return _error(404, "Not Found")
        return _json(200, self._emulator.ev.profiles(system_id))
