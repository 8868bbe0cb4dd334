"""The data of the appliance, inverter and gateway events, and their parsers."""

from dataclasses import dataclass
from typing import Any

from .data import EventData
from .fields import Reader, as_id, as_name, as_str


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplianceEventData(EventData):
    """``appliance/create|delete|online|offline|update``."""

    appliance_id: str
    gateway_id: str
    model: str | None = None
    manufacturer: str | None = None
    appliance_type: str | None = None  # JSON `type`, see ApplianceType
    kind: str | None = None  # see ApplianceKind
    name: str | None = None
    serial_number: str | None = None
    firmware: str | None = None
    parent: str | None = None
    gateway_type: str | None = None
    # Required in the legacy spec and until 2026-05-08, optional now.
    system_id: str | None = None
    system_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InverterEventData(ApplianceEventData):
    """``inverter/status``: an inverter changed from ``last_status`` to ``status``."""

    status: str  # see InverterStatus
    last_status: str
    err_code: str | None = None
    last_err_code: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayEventData(EventData):
    """``gateway/create|online|offline``."""

    gateway_id: str
    system_id: str
    gateway_name: str | None = None
    gateway_serial_number: str | None = None  # JSON `gatewaySerialnumber`
    gateway_device_id: str | None = None
    system_name: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    user_mail: str | None = None


def appliance_fields(r: Reader) -> dict[str, Any]:
    """Return the fields every appliance-shaped event has, by keyword."""
    return {
        "appliance_id": r.req("applianceID", as_id),
        "gateway_id": r.req("gatewayID", as_id),
        "model": r.opt("model", as_name),
        "manufacturer": r.opt("manufacturer", as_name),
        "appliance_type": r.opt("type", as_str),
        "kind": r.opt("kind", as_str),
        "name": r.opt("name", as_name),
        "serial_number": r.opt("serialNumber", as_name),
        "firmware": r.opt("firmware", as_name),
        "parent": r.opt("parent", as_str),
        "gateway_type": r.opt("gatewayType", as_str),
        "system_id": r.opt("systemID", as_id),
        "system_name": r.opt("systemName", as_name),
    }


def parse_appliance(r: Reader) -> EventData:
    """Parse ``appliance/*`` data."""
    return ApplianceEventData(**appliance_fields(r))


def parse_inverter(r: Reader) -> EventData:
    """Parse ``inverter/status`` data."""
    return InverterEventData(
        **appliance_fields(r),
        status=r.req("status", as_str),
        last_status=r.req("lastStatus", as_str),
        err_code=r.opt("errCode", as_str),
        last_err_code=r.opt("lastErrCode", as_str),
    )


def parse_gateway(r: Reader) -> EventData:
    """Parse ``gateway/*`` data."""
    return GatewayEventData(
        gateway_id=r.req("gatewayID", as_id),
        system_id=r.req("systemID", as_id),
        gateway_name=r.opt("gatewayName", as_name),
        gateway_serial_number=r.opt("gatewaySerialnumber", as_name),
        gateway_device_id=r.opt("gatewayDeviceID", as_str),
        system_name=r.opt("systemName", as_name),
        user_id=r.opt("userID", as_str),
        user_name=r.opt("userName", as_str),
        user_mail=r.opt("userMail", as_str),
    )
