"""Signed deliveries from the tests themselves, as gridX would send them.

The webhook id and secrets are read from the running Home Assistant's own
config entry storage, so a test can send exactly the bytes it wants (a
hostile body, a replay) and see the answer.
"""

from __future__ import annotations

import json
from typing import Any
import urllib.error
import urllib.request
import uuid

from custom_components.gridx.api.signature import SIGNATURE_HEADER, sign

from .harness import Stack, wait_for


def entry_data(stack: Stack) -> dict[str, Any]:
    """Return the data of the (only) gridX config entry on disk.

    Home Assistant writes its config entries a moment after a change, so
    this waits for the entry to appear.
    """
    path = stack.workdir / "config" / ".storage" / "core.config_entries"

    def read() -> list[dict[str, Any]]:
        if not path.exists():
            return []
        entries = json.loads(path.read_text())["data"]["entries"]
        return [entry for entry in entries if entry["domain"] == "gridx"]

    (entry,) = wait_for(read, timeout=30, what="the gridX entry on disk")
    data: dict[str, Any] = entry["data"]
    return data


def envelope(event_type: str, data: dict[str, Any], *, time: str) -> dict[str, Any]:
    """Return a gridX event with a fresh id."""
    return {
        "id": str(uuid.uuid4()),
        "time": time,
        "specVersion": "1.0",
        "source": f"/systems/{data.get('systemID', 'e2e')}",
        "type": event_type,
        "data": data,
    }


def post_signed(stack: Stack, body: bytes) -> int:
    """POST ``body`` signed with the entry's secrets; return the status."""
    data = entry_data(stack)
    req = urllib.request.Request(  # noqa: S310 - loopback only
        f"{stack.ha_url}/api/webhook/{data['webhook_id']}",
        data=body,
        headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, data["secrets"]),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return int(err.code)
