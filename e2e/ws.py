"""Home Assistant's websocket API, for the commands REST does not offer."""

import asyncio
from typing import Any

import aiohttp

from .harness import Stack


def ws_command(stack: Stack, command: str, **payload: Any) -> Any:
    """Send one websocket command as the owner and return its result.

    Connects, authenticates with the stack's access token, sends
    ``{"id": 1, "type": command, **payload}`` and asserts success.
    """

    async def send() -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{stack.ha_url}/api/websocket") as ws,
        ):
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": stack.access_token})
            assert (await ws.receive_json())["type"] == "auth_ok"
            await ws.send_json({"id": 1, "type": command, **payload})
            answer = await ws.receive_json()
            assert answer["success"], answer
            return answer["result"]

    return asyncio.run(send())
