"""Helpers for the state-side tests: ids, an event builder, a fake poll."""

from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import AsyncMock, patch
import uuid

from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er

from custom_components.gridx.api.client import GridxClient, Listing
from custom_components.gridx.api.errors import GridxPermissionError
from custom_components.gridx.api.gateways import Appliance, Gateway
from custom_components.gridx.api.live import (
    HistoricalSeries,
    LiveMeasurement,
    Resolution,
)
from custom_components.gridx.const import DOMAIN, ResourceKind
from custom_components.gridx.state.identity import device_identifier

from .ha_compat import devices_with_identifier

# The ids the event fixtures use.
GATEWAY_ID = "b71e4c02-5d3a-4f8e-a6b9-1c2d3e4f5a60"
SYSTEM_ID = "3f2c9a61-0b7e-4d2a-9c15-7e8d4b1a2f30"
APPLIANCE_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
ASSET_ID = "e4d3c2b1-a098-4765-b432-10fedcba9876"
# After the setup poll (which is stamped with the real "now"), so events at
# and after T0 are newer than what the poll saw.
T0 = (datetime.now(UTC) + timedelta(hours=1)).replace(second=0, microsecond=0)


def at(minutes: float) -> datetime:
    """Return T0 plus ``minutes``."""
    return T0 + timedelta(minutes=minutes)


def event(
    event_type: str,
    data: dict[str, Any],
    *,
    time: datetime = T0,
    event_id: str | None = None,
    system_id: str = SYSTEM_ID,
) -> dict[str, Any]:
    """Return a gridX envelope."""
    return {
        "id": event_id or str(uuid.uuid4()),
        "time": time.isoformat().replace("+00:00", "Z"),
        "specVersion": "1.0",
        "source": f"/systems/{system_id}",
        "type": event_type,
        "data": data,
    }


def gateway_data(gateway_id: str = GATEWAY_ID, **extra: Any) -> dict[str, Any]:
    """Return ``gateway/*`` data."""
    return {"gatewayID": gateway_id, "systemID": SYSTEM_ID, **extra}


def appliance_data(
    appliance_id: str = APPLIANCE_ID, gateway_id: str = GATEWAY_ID, **extra: Any
) -> dict[str, Any]:
    """Return ``appliance/*`` data."""
    return {"applianceID": appliance_id, "gatewayID": gateway_id, **extra}


def ev_data(asset_id: str = ASSET_ID, **extra: Any) -> dict[str, Any]:
    """Return the common fields of ``ev/*`` data."""
    return {
        "issuedAt": T0.isoformat(),
        "atHome": True,
        "type": "EV",
        "systemID": SYSTEM_ID,
        "assetID": asset_id,
        "gatewayID": GATEWAY_ID,
        **extra,
    }


def entity_id(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    """Return the entity id of a gridX entity by unique id (asserting it exists).

    ``unique_id`` may be the full unique id, or ``f"{resource_id}_{key}"``:
    then the account (any gridX entry's) and the kind are filled in, as
    `identity.entity_unique_id` does, and exactly one entity must match.
    """
    ent_reg = er.async_get(hass)
    if found := ent_reg.async_get_entity_id(platform, DOMAIN, unique_id):
        return found
    matches = {
        found
        for entry in hass.config_entries.async_entries(DOMAIN)
        for kind in ResourceKind
        if (
            found := ent_reg.async_get_entity_id(
                platform, DOMAIN, f"{entry.unique_id}_{kind}_{unique_id}"
            )
        )
    }
    assert len(matches) == 1, f"no single {platform} entity {unique_id}: {matches}"
    return matches.pop()


def state_of(hass: HomeAssistant, platform: str, unique_id: str) -> State:
    """Return the state of a gridX entity by unique id."""
    state = hass.states.get(entity_id(hass, platform, unique_id))
    assert state is not None
    return state


@dataclass
class FakePoll:
    """What the patched REST client answers to the coordinator."""

    gateways: list[Gateway] = field(default_factory=list)
    appliances: dict[str, list[Appliance]] = field(default_factory=dict)
    error: Exception | None = None
    calls: int = 0
    # False: the gateway list stopped at the page limit (a partial poll).
    complete: bool = True

    async def list_gateways(self) -> list[Gateway]:
        """Answer ``GET /gateways``."""
        self.calls += 1
        if self.error is not None:
            raise self.error
        return Listing(self.gateways, complete=self.complete)

    async def list_appliances(self, gateway_id: str) -> list[Appliance]:
        """Answer ``GET /gateways/{id}/appliances``."""
        return list(self.appliances.get(gateway_id, []))

    async def get_live(self, system_id: str) -> LiveMeasurement:
        """Answer ``GET /systems/{id}/live``: ``{}`` (no live sensors)."""
        return LiveMeasurement.from_dict({})

    async def get_historical(self, system_id: str, *_: Any) -> HistoricalSeries:
        """Answer ``GET /systems/{id}/historical``: no data."""
        return HistoricalSeries(Resolution.HOUR, ())


@contextmanager
def patch_poll(poll: FakePoll | None = None) -> Generator[FakePoll]:
    """Patch the client's read API with a `FakePoll` (empty by default)."""
    poll = poll or FakePoll()
    with (
        patch.object(
            GridxClient, "list_gateways", AsyncMock(side_effect=poll.list_gateways)
        ),
        patch.object(
            GridxClient,
            "list_appliances",
            AsyncMock(side_effect=poll.list_appliances),
        ),
        patch.object(GridxClient, "get_live", AsyncMock(side_effect=poll.get_live)),
        patch.object(
            GridxClient,
            "get_historical",
            AsyncMock(side_effect=poll.get_historical),
        ),
    ):
        yield poll


@contextmanager
def patch_push_refused() -> Generator[None]:
    """Answer 403 to both push probes (webhooks, rules) of a poll-only entry.

    A poll-only entry asks gridX at setup (and daily) whether push is allowed.
    """
    refused = AsyncMock(side_effect=GridxPermissionError(403, "Forbidden"))
    with (
        patch.object(GridxClient, "list_webhooks", refused),
        patch.object(GridxClient, "list_rules", refused),
    ):
        yield


def demo_gateway(connection_status: str = "AVAILABLE") -> Gateway:
    """Return the polled gateway of the fixtures."""
    return Gateway(
        id=GATEWAY_ID,
        name="My gridBox",
        serial_number="D403-007-000-000-001-B-X",
        connection_status=connection_status,
        system_id=SYSTEM_ID,
        model="gridBox",
        manufacturer="gridX",
        contacted_at=datetime(2026, 6, 20, 14, 59, 30, tzinfo=UTC),
    )


def demo_inverter(connection_status: str = "AVAILABLE") -> Appliance:
    """Return the polled inverter of the fixtures."""
    return Appliance(
        id=APPLIANCE_ID,
        gateway_id=GATEWAY_ID,
        name="Roof inverter",
        model="SunPower X7",
        manufacturer="Fronius",
        serial_number="30117744",
        appliance_type="INVERTER",
        kind="HYBRID",
        firmware="3.28.1-4",
        connection_status=connection_status,
    )


def demo_poll() -> FakePoll:
    """Return a poll that sees the fixtures' gateway and inverter, both online."""
    return FakePoll(
        gateways=[demo_gateway()], appliances={GATEWAY_ID: [demo_inverter()]}
    )


def device_identifiers(
    hass: HomeAssistant, resource_id: str, kind: ResourceKind | None = None
) -> set[tuple[str, str]]:
    """Return the identifiers a resource's device may have, for every entry."""
    kinds = list(ResourceKind) if kind is None else [kind]
    return {
        device_identifier(entry.unique_id or entry.entry_id, each, resource_id)
        for entry in hass.config_entries.async_entries(DOMAIN)
        for each in kinds
    }


def get_device(
    hass: HomeAssistant, resource_id: str, kind: ResourceKind | None = None
) -> dr.DeviceEntry | None:
    """Return the one gridX device of a resource id (of any entry), or None."""
    devices = {
        device.id: device
        for identifier in device_identifiers(hass, resource_id, kind)
        for device in devices_with_identifier(hass, identifier)
    }
    assert len(devices) <= 1, devices
    return next(iter(devices.values()), None)
