"""Control routes of the emulator: change what gridX would report, from outside.

Not part of gridX's API: a test (or a person walking ``scripts/develop``)
uses them to play the homeowner's side, e.g. plug a car into the wallbox or
unplug the gridBox's network cable. They take no token (the emulator serves
loopback only) and answer 400 to a body they do not understand, changing
nothing.

- ``POST /_control/systems/{system_id}/ev-station`` with
  ``{"plugState": "UNPLUGGED" | "PLUGGED_ON_STATION" |
  "PLUGGED_ON_STATION_AND_PLUGGED_ON_VEHICLE", "power": W}`` (each field
  optional; ``{}`` returns to the simulation): the system's
  ``evChargingStations[]`` items show these values in ``/live``.
- ``POST /_control/gateways/{gateway_id}/connection`` with
  ``{"connectionStatus": "AVAILABLE" | "TEMPORARILY_UNAVAILABLE" |
  "UNAVAILABLE"}`` (gridX's documented statuses): what ``GET /gateways``
  lists for the gateway, with a ``contactedAt`` that fits.
"""

from typing import Any, Protocol

from aiohttp import web

from .live import LiveSimulator
from .state import GATEWAY_STATUSES, EmulatorState

PLUG_STATES = frozenset(
    {"UNPLUGGED", "PLUGGED_ON_STATION", "PLUGGED_ON_STATION_AND_PLUGGED_ON_VEHICLE"}
)
CONNECTION_STATUSES = frozenset(GATEWAY_STATUSES)


class _Backend(Protocol):
    @property
    def state(self) -> EmulatorState: ...

    @property
    def live(self) -> LiveSimulator: ...

    def state_changed(self) -> None: ...


def _bad(message: str) -> web.Response:
    return web.json_response({"message": message}, status=400)


async def _body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class ControlRoutes:
    """The ``/_control/`` routes of one emulator."""

    def __init__(self, backend: _Backend) -> None:
        """Change the state and live values of ``backend``."""
        self._backend = backend

    def add_routes(self, app: web.Application) -> None:
        """Add the control routes to ``app``."""
        app.router.add_post(
            "/_control/systems/{system_id}/ev-station", self._ev_station
        )
        app.router.add_post(
            "/_control/gateways/{gateway_id}/connection", self._connection
        )

    async def _ev_station(self, request: web.Request) -> web.Response:
        system_id = request.match_info["system_id"]
        if not any(
            gateway.system_id == system_id
            for gateway in self._backend.state.gateways.values()
        ):
            return web.json_response({"message": "unknown system"}, status=404)
        body = await _body(request)
        if body is None or set(body) - {"plugState", "power"}:
            return _bad("expected an object with plugState and/or power")
        plug_state = body.get("plugState")
        power = body.get("power")
        if plug_state is not None and plug_state not in PLUG_STATES:
            return _bad(f"plugState must be one of {sorted(PLUG_STATES)}")
        if power is not None and (
            isinstance(power, bool) or not isinstance(power, int | float)
        ):
            return _bad("power must be a number (W)")
        overrides = self._backend.live.station_overrides
        if body:
            overrides[system_id] = body
        else:
            overrides.pop(system_id, None)
        return web.json_response(body)

    async def _connection(self, request: web.Request) -> web.Response:
        gateway = self._backend.state.gateways.get(request.match_info["gateway_id"])
        if gateway is None:
            return web.json_response({"message": "unknown gateway"}, status=404)
        body = await _body(request)
        status = None if body is None else body.get("connectionStatus")
        if body is None or set(body) != {"connectionStatus"}:
            return _bad("expected {connectionStatus}")
        if status not in CONNECTION_STATUSES:
            return _bad(
                f"connectionStatus must be one of {sorted(CONNECTION_STATUSES)}"
            )
        gateway.set_connection(status)
        self._backend.state_changed()
        return web.json_response(body)
