"""The data of the grid signal and system events, and their parsers.

The grid signal (power limit set/unset), ``system/action``, ``ping`` and
the legacy ``commissioning/done``.
"""

from dataclasses import dataclass
from datetime import datetime

from .data import EventData, GridxModel
from .fields import Reader, as_float, as_id, as_reader, as_str, as_str_tuple, as_time


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerLimitEventData(EventData):
    """``grid-signal-processor/limitation-of-power-consumption/set|unset``.

    The §14a EnWG grid signal. No field is required.
    """

    # Milliwatt per the spec (it said watts from 2026-05-08 to 2026-05-11).
    # Absent when a limit was lifted.
    new_lpc: float | None = None
    received_at: datetime | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemActionResolution(GridxModel):
    """How a ``system/action`` can be resolved."""

    description: str  # Markdown
    title: str
    access: str  # see SystemActionAccess
    agent: str  # see SystemActionAgent
    action: str | None = None  # see SystemActionResolutionAction


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemActionEventData(EventData):
    """``system/action``: a user action is needed for an asset."""

    action_id: str  # JSON `id`
    capabilities: tuple[str, ...]  # see SystemActionCapability
    asset_type: str  # JSON `type`, see AssetType
    manufacturer: str
    domain: str  # see SystemActionDomain
    introduced_at: datetime
    resolution: SystemActionResolution
    gateway_id: str
    asset_id: str
    system_id: str
    status: str  # see SystemActionStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class PingEventData(EventData):
    """``ping``: a test event."""

    message: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommissioningDoneEventData(EventData):
    """Legacy ``commissioning/done``. Every field is optional."""

    customer_id: str | None = None
    customer_email: str | None = None
    customer_address: str | None = None
    system_name: str | None = None
    gateway_serial_number: str | None = None  # JSON `gatewaySerialnumber`


def parse_power_limit(r: Reader) -> EventData:
    """Parse the grid signal (power limit set or unset) data."""
    return PowerLimitEventData(
        new_lpc=r.number("newLPC", as_float, required=False),
        received_at=r.opt("receivedAt", as_time),
        valid_until=r.opt("validUntil", as_time),
    )


def parse_system_action(r: Reader) -> EventData:
    """Parse ``system/action`` data."""
    action_id = r.req("id", as_id)
    capabilities = r.req("capabilities", as_str_tuple)
    asset_type = r.req("type", as_str)
    manufacturer = r.req("manufacturer", as_str)
    domain = r.req("domain", as_str)
    introduced_at = r.req("introducedAt", as_time)
    res = r.req("resolution", as_reader)
    resolution = SystemActionResolution(
        description=res.req("description", as_str),
        title=res.req("title", as_str),
        access=res.req("access", as_str),
        agent=res.req("agent", as_str),
        action=res.opt("action", as_str),
    )
    return SystemActionEventData(
        action_id=action_id,
        capabilities=capabilities,
        asset_type=asset_type,
        manufacturer=manufacturer,
        domain=domain,
        introduced_at=introduced_at,
        resolution=resolution,
        gateway_id=r.req("gatewayID", as_id),
        asset_id=r.req("assetID", as_id),
        system_id=r.req("systemID", as_id),
        status=r.req("status", as_str),
    )


def parse_ping(r: Reader) -> EventData:
    """Parse ``ping`` data."""
    return PingEventData(message=r.opt("message", as_str))


def parse_commissioning_done(r: Reader) -> EventData:
    """Parse legacy ``commissioning/done`` data."""
    return CommissioningDoneEventData(
        customer_id=r.opt("customerID", as_str),
        customer_email=r.opt("customerEmail", as_str),
        customer_address=r.opt("customerAddress", as_str),
        system_name=r.opt("systemName", as_str),
        gateway_serial_number=r.opt("gatewaySerialnumber", as_str),
    )
