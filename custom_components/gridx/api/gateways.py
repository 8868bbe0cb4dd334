"""The gateways and appliances a poll lists (gridx-live-facts §2, §2.1).

``GET /gateways`` and ``GET /gateways/{id}/appliances``, read as tolerantly
as every REST resource (`resources`): unknown fields ignored, optional ones
may be missing or of a wrong type (ignored and logged once), a wrong shape
raises GridxResponseError. The same models read the ids and names of
``gateway/*`` and ``appliance/*`` event data.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Self

from .errors import expect_object
from .live import GatewaySystem, parse_time
from .resources import opt_str, required_str, wrong_type

CONNECTION_AVAILABLE: Final = "AVAILABLE"
# Gateways: no data for 2 minutes / for 24 hours; appliances: UNAVAILABLE.
CONNECTION_UNAVAILABLE: Final = frozenset({"TEMPORARILY_UNAVAILABLE", "UNAVAILABLE"})


def _nested_system_id(obj: Mapping[str, Any]) -> str | None:
    """Return ``system.id`` of a real ``/gateways`` item (live facts §2)."""
    system = GatewaySystem.from_gateway(obj)
    return None if system is None else system.id


def connected(status: str | None) -> bool | None:
    """Return what a polled ``connectionStatus.status`` means for a connection.

    Gateways: ``AVAILABLE``, ``TEMPORARILY_UNAVAILABLE`` (no data for 2
    minutes), ``UNAVAILABLE`` (none for 24 hours); appliances: ``AVAILABLE``,
    ``UNAVAILABLE``, ``UNKNOWN`` (the gateway reported none) (live facts §2,
    §2.1). True when available, False when not, None when unknown (also for
    a status gridX does not document).
    """
    if status == CONNECTION_AVAILABLE:
        return True
    if status in CONNECTION_UNAVAILABLE:
        return False
    return None


def _connection(
    obj: Mapping[str, Any], what: str
) -> tuple[str | None, datetime | None]:
    """Return ``connectionStatus.status`` and ``.contactedAt`` of an item.

    Documented as an object ``{status, contactedAt}``, never a bare string
    (live facts §2): anything else is ignored and logged once.
    """
    value = obj.get("connectionStatus")
    if value is None:
        return None, None
    if not isinstance(value, Mapping):
        wrong_type(what, "connectionStatus", value)
        return None, None
    status = opt_str(value, f"{what}.connectionStatus", "status")
    if status is None:
        return None, None
    return status, parse_time(value.get("contactedAt"))


@dataclass(frozen=True, slots=True)
class Gateway:
    """A gateway from ``GET /gateways`` (gridx-live-facts §2).

    The documented item: ``id``, ``serialnumber`` (lower case), ``model``,
    ``manufacturer``, an optional ``name``, ``connectionStatus{status,
    contactedAt}`` and ``system{id, name, ...}``. The same model reads a
    ``gateway/*`` event's data (``gatewayID``, ``gatewayName``,
    ``gatewaySerialnumber``, ``systemID``; gridx-facts §1.4).
    """

    id: str
    name: str | None = None
    serial_number: str | None = None
    connection_status: str | None = None
    system_id: str | None = None
    model: str | None = None
    manufacturer: str | None = None
    contacted_at: datetime | None = None

    @property
    def connected(self) -> bool | None:
        """Return the polled connection: on, off, or None when unknown."""
        return connected(self.connection_status)

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build from a gateway object; only the id is required."""
        obj = expect_object(data, "gateway")
        status, contacted_at = _connection(obj, "gateway")
        return cls(
            id=required_str(obj, "gateway", "id", "gatewayID"),
            name=opt_str(obj, "gateway", "name", "gatewayName"),
            serial_number=opt_str(
                obj, "gateway", "serialnumber", "gatewaySerialnumber"
            ),
            connection_status=status,
            contacted_at=contacted_at,
            system_id=opt_str(obj, "gateway", "systemID", "systemId")
            or _nested_system_id(obj),
            model=opt_str(obj, "gateway", "model"),
            manufacturer=opt_str(obj, "gateway", "manufacturer"),
        )


@dataclass(frozen=True, slots=True)
class Appliance:
    """An appliance from ``GET /gateways/{id}/appliances`` (gridx-live-facts §2.1).

    The documented item is one of several shapes chosen by ``type``
    (``INVERTER``, ``METER``, ``HEAT_PUMP``, ``EVSTATION``, ...) with a
    common part: ``id``, ``name``, ``serialnumber`` (lower case),
    ``connectionStatus{status}``, and per type ``model``, ``manufacturer``,
    ``firmware`` and (inverters, meters) ``kind``. It does not name its
    gateway: that is the one in the path. The same model reads an
    ``appliance/*`` event's data (``applianceID``, ``gatewayID``,
    ``serialNumber``; gridx-facts §1.4).
    """

    id: str
    gateway_id: str | None = None
    name: str | None = None
    model: str | None = None
    manufacturer: str | None = None
    serial_number: str | None = None
    appliance_type: str | None = None
    kind: str | None = None
    firmware: str | None = None
    connection_status: str | None = None

    @property
    def connected(self) -> bool | None:
        """Return the polled connection: on, off, or None when unknown."""
        return connected(self.connection_status)

    @classmethod
    def from_dict(cls, data: object, *, gateway_id: str | None = None) -> Self:
        """Build from an appliance object; only the id is required.

        ``gateway_id`` is the gateway of the request path; an object that
        names its gateway (event data) is read when none is given.
        """
        obj = expect_object(data, "appliance")
        return cls(
            id=required_str(obj, "appliance", "id", "applianceID"),
            gateway_id=gateway_id or opt_str(obj, "appliance", "gatewayID"),
            name=opt_str(obj, "appliance", "name", "applianceName"),
            model=opt_str(obj, "appliance", "model"),
            manufacturer=opt_str(obj, "appliance", "manufacturer"),
            serial_number=opt_str(obj, "appliance", "serialnumber", "serialNumber"),
            appliance_type=opt_str(obj, "appliance", "type", "applianceType"),
            kind=opt_str(obj, "appliance", "kind"),
            firmware=opt_str(obj, "appliance", "firmware", "firmwareVersion"),
            connection_status=_connection(obj, "appliance")[0],
        )
