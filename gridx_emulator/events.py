"""Builders for gridX event envelopes and their ``data`` (gridx-facts §1.2-§1.4)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
import random
from typing import Any

from ._protocol import EventType
from .state import Appliance, EvAsset, Gateway, new_id, rfc3339

SPEC_VERSION = "1.0"


def make_event(
    event_type: str,
    data: Mapping[str, Any],
    *,
    system_id: str | None = None,
    source: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """Return a gridX envelope: id, time, specVersion, source, type and data.

    ``source`` is ``/systems/<id>``, taken from ``system_id`` or else from
    ``data["systemID"]``, unless ``source`` is given. A random id is used when ``event_id`` is not given
    (reproducible with ``rng``); the time defaults to now.
    """
    if source is None:
        system = system_id or str(data.get("systemID") or new_id(rng))
        source = f"/systems/{system}"
    return {
        "id": event_id or new_id(rng),
        "time": rfc3339(time or datetime.now(UTC)),
        "specVersion": SPEC_VERSION,
        "dataContentType": "application/json",
        "source": source,
        "type": str(event_type),
        "data": dict(data),
    }


def gateway_data(gateway: Gateway) -> dict[str, Any]:
    """Return ``GatewayEventData`` for ``gateway/*`` events."""
    return {
        "gatewayID": gateway.id,
        "gatewayName": gateway.name,
        "gatewaySerialnumber": gateway.serial_number,
        "systemID": gateway.system_id,
        "systemName": gateway.system_name,
    }


def appliance_data(appliance: Appliance, gateway: Gateway) -> dict[str, Any]:
    """Return ``ApplianceEventData`` for ``appliance/*`` events."""
    return {
        "applianceID": appliance.id,
        "gatewayID": gateway.id,
        "model": appliance.model,
        "manufacturer": appliance.manufacturer,
        "type": appliance.type,
        "kind": appliance.kind,
        "name": appliance.name,
        "serialNumber": appliance.serial_number,
        "firmware": appliance.firmware,
        "gatewayType": "GRIDBOX",
        "systemID": gateway.system_id,
        "systemName": gateway.system_name,
    }


def inverter_status_data(
    appliance: Appliance,
    gateway: Gateway,
    *,
    status: str,
    last_status: str,
    err_code: str | None = None,
    last_err_code: str | None = None,
) -> dict[str, Any]:
    """Return ``InverterEventData`` for ``inverter/status``."""
    data = appliance_data(appliance, gateway)
    data["status"] = status
    data["lastStatus"] = last_status
    if err_code is not None:
        data["errCode"] = err_code
    if last_err_code is not None:
        data["lastErrCode"] = last_err_code
    return data


def ev_data(
    asset: EvAsset,
    *,
    issued_at: datetime | None = None,
    at_home: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """Return the common EV fields plus ``extra`` (state, chargePower in mW, ...)."""
    return {
        "issuedAt": rfc3339(issued_at or datetime.now(UTC)),
        "atHome": at_home,
        "type": "EV",
        "systemID": asset.system_id,
        "assetID": asset.id,
        "gatewayID": asset.gateway_id,
        **extra,
    }


def power_limit_data(
    new_lpc_mw: float | None,
    *,
    received_at: datetime | None = None,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """Return ``GSP14aSignalEventData``; ``newLPC`` is in milliwatt."""
    data: dict[str, Any] = {"receivedAt": rfc3339(received_at or datetime.now(UTC))}
    if new_lpc_mw is not None:
        data["newLPC"] = new_lpc_mw
    if valid_until is not None:
        data["validUntil"] = rfc3339(valid_until)
    return data


def ping_data() -> dict[str, Any]:
    """Return the ``ping`` payload gridX's example client sends."""
    return {"message": "hello world"}


__all__ = [
    "EventType",
    "appliance_data",
    "ev_data",
    "gateway_data",
    "inverter_status_data",
    "make_event",
    "ping_data",
    "power_limit_data",
]
