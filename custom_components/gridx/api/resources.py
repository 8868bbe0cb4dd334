"""Typed views of what the gridX REST API returns (gridx-facts §3, live facts §2).

Every resource is a frozen dataclass with a tolerant ``from_dict``: unknown
fields are ignored, optional fields may be missing or ``null``, an optional
field of the wrong type is ignored (and logged once), and a wrong shape (not
an object, a required field missing or of the wrong type) raises
GridxResponseError. Error messages name the field and the expected type but
never echo a value, so a secret can never end up in one.
``gridx_emulator.contract`` states the documented shapes.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
import logging
from typing import Any, Final, Self

from .errors import GridxResponseError, expect_object
from .live import GatewaySystem, parse_time

_LOGGER = logging.getLogger(__name__)

CONNECTION_AVAILABLE: Final = "AVAILABLE"
# Gateways: no data for 2 minutes / for 24 hours; appliances: UNAVAILABLE.
CONNECTION_UNAVAILABLE: Final = frozenset({"TEMPORARILY_UNAVAILABLE", "UNAVAILABLE"})

# Keys under which a list may arrive wrapped in an object. The documented
# shape is a bare JSON array; the wrappers are undocumented and accepted
# defensively (inferred, gridx-facts §7).
LIST_WRAPPER_KEYS: tuple[str, ...] = (
    "items",
    "data",
    "webhooks",
    "rules",
    "gateways",
    "appliances",
)


def _scalar_str(value: object) -> str | None:
    """Return a string for a string or integer value, else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _required_str(data: Mapping[str, Any], what: str, *keys: str) -> str:
    """Return the first of ``keys`` that holds a non-empty string (or integer).

    Raises GridxResponseError when none does.
    """
    for key in keys:
        value = _scalar_str(data.get(key))
        if value:
            return value
    raise GridxResponseError(f"{what}: missing string field {' or '.join(keys)}")


# (resource, field) pairs whose wrong type was logged: once per process, so
# a poll every minute does not repeat it.
_LOGGED: set[tuple[str, str]] = set()


def _wrong_type(what: str, key: str, value: object) -> None:
    """Log once that an optional field had an unexpected type (never its value)."""
    if (what, key) not in _LOGGED:
        _LOGGED.add((what, key))
        _LOGGER.warning(
            "gridX sent %s.%s as %s, not as documented; ignoring it",
            what,
            key,
            type(value).__name__,
        )


def _opt_str(obj: Mapping[str, Any], what: str, *keys: str) -> str | None:
    """Return the first of ``keys`` holding a string (or integer), else None.

    A present value of another type is ignored and logged once.
    """
    for key in keys:
        value = obj.get(key)
        if value is None:
            continue
        if (text := _scalar_str(value)) is not None:
            return text
        _wrong_type(what, key, value)
    return None


def _secret(data: Mapping[str, Any], what: str) -> str | None:
    """Return the optional ``secret`` field; a non-string is a wrong shape."""
    value = data.get("secret")
    if value is None:
        return None
    if not isinstance(value, str):
        raise GridxResponseError(f"{what}.secret: expected a string")
    return value


def unwrap_list(payload: object, what: str) -> list[Any]:
    """Return the items of a list response.

    Accepts a bare JSON array (documented) or an object holding the array
    under one of LIST_WRAPPER_KEYS (undocumented, accepted defensively).
    """
    if isinstance(payload, list):
        return payload
    if isinstance(payload, Mapping):
        for key in LIST_WRAPPER_KEYS:
            items = payload.get(key)
            if isinstance(items, list):
                return items
    raise GridxResponseError(f"{what}: expected a JSON array")


@dataclass(frozen=True, slots=True)
class GridxUser:
    """The authenticated user (``GET /user``, gridx-facts §3.3)."""

    id: str
    account_id: str
    email: str | None = None
    full_name: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build from the ``User`` schema: ``id``, ``accountID``, ``email``, ``fullName``."""
        obj = expect_object(data, "user")
        return cls(
            id=_required_str(obj, "user", "id"),
            account_id=_required_str(obj, "user", "accountID"),
            email=_opt_str(obj, "user", "email"),
            full_name=_opt_str(obj, "user", "fullName"),
        )


@dataclass(frozen=True, slots=True)
class WebhookSubscription:
    """A Webhook Subscription (``/accounts/{a}/webhooks``, gridx-facts §3.2).

    ``secret`` is only present in the create response (and never in a repr).
    """

    id: str
    account_id: str | None
    event_types: tuple[str, ...]
    target_url: str
    active: bool
    secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build from ``{id, accountID, eventTypes, targetURL, active, secret}``."""
        obj = expect_object(data, "webhook")
        raw_types = obj.get("eventTypes", [])
        if raw_types is None:
            raw_types = []
        if not isinstance(raw_types, list) or not all(
            isinstance(t, str) for t in raw_types
        ):
            raise GridxResponseError("webhook.eventTypes: expected a list of strings")
        active = obj.get("active", False)
        if active is None:
            active = False
        if not isinstance(active, bool):
            raise GridxResponseError("webhook.active: expected a boolean")
        return cls(
            id=_required_str(obj, "webhook", "id", "webhookID"),
            account_id=_opt_str(obj, "webhook", "accountID"),
            event_types=tuple(raw_types),
            target_url=_required_str(obj, "webhook", "targetURL"),
            active=active,
            secret=_secret(obj, "webhook"),
        )


@dataclass(frozen=True, slots=True)
class NotificationRule:
    """A legacy notification rule (gridx-facts §3.1); one per event type.

    ``target_url`` comes from ``notificationType.webhook.targetURL``; rules
    that notify by other means (email, sms, ...) have ``target_url`` None.
    The rule's webhook secret is not kept.
    """

    id: str
    event_type: str
    target_url: str | None
    account_id: str | None = None
    user_id: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build from the ``NotificationsRule`` schema."""
        obj = expect_object(data, "rule")
        target_url: str | None = None
        notification = obj.get("notificationType")
        if notification is not None:
            webhook = expect_object(notification, "rule.notificationType").get(
                "webhook"
            )
            if webhook is not None:
                target_url = _opt_str(
                    expect_object(webhook, "rule.notificationType.webhook"),
                    "rule.notificationType.webhook",
                    "targetURL",
                )
        return cls(
            id=_required_str(obj, "rule", "id"),
            event_type=_required_str(obj, "rule", "eventType"),
            target_url=target_url,
            account_id=_opt_str(obj, "rule", "accountID"),
            user_id=_opt_str(obj, "rule", "userID"),
        )


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
        _wrong_type(what, "connectionStatus", value)
        return None, None
    status = _opt_str(value, f"{what}.connectionStatus", "status")
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
            id=_required_str(obj, "gateway", "id", "gatewayID"),
            name=_opt_str(obj, "gateway", "name", "gatewayName"),
            serial_number=_opt_str(
                obj, "gateway", "serialnumber", "gatewaySerialnumber"
            ),
            connection_status=status,
            contacted_at=contacted_at,
            system_id=_opt_str(obj, "gateway", "systemID", "systemId")
            or _nested_system_id(obj),
            model=_opt_str(obj, "gateway", "model"),
            manufacturer=_opt_str(obj, "gateway", "manufacturer"),
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
            id=_required_str(obj, "appliance", "id", "applianceID"),
            gateway_id=gateway_id or _opt_str(obj, "appliance", "gatewayID"),
            name=_opt_str(obj, "appliance", "name", "applianceName"),
            model=_opt_str(obj, "appliance", "model"),
            manufacturer=_opt_str(obj, "appliance", "manufacturer"),
            serial_number=_opt_str(obj, "appliance", "serialnumber", "serialNumber"),
            appliance_type=_opt_str(obj, "appliance", "type", "applianceType"),
            kind=_opt_str(obj, "appliance", "kind"),
            firmware=_opt_str(obj, "appliance", "firmware", "firmwareVersion"),
            connection_status=_connection(obj, "appliance")[0],
        )
