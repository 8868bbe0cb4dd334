"""Typed views of what the gridX REST API returns (gridx-facts §3).

Every resource is a frozen dataclass with a tolerant ``from_dict``: unknown
fields are ignored, optional fields may be missing or ``null``, and a wrong
shape (not an object, a required field missing or of the wrong type) raises
GridxResponseError. Error messages name the field and the expected type but
never echo a value, so a secret can never end up in one.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from .errors import GridxResponseError
from .live import GatewaySystem

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


def _mapping(data: object, what: str) -> Mapping[str, Any]:
    """Return ``data`` as a mapping, or raise when it is not a JSON object."""
    if not isinstance(data, Mapping):
        raise GridxResponseError(
            f"{what}: expected a JSON object, got {type(data).__name__}"
        )
    return data


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


def _optional_str(data: Mapping[str, Any], *keys: str) -> str | None:
    """Return the first of ``keys`` that holds a string (or integer), else None.

    Optional fields are descriptive; a value of an unexpected type is treated
    as absent rather than failing the whole resource.
    """
    for key in keys:
        value = _scalar_str(data.get(key))
        if value is not None:
            return value
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
        obj = _mapping(data, "user")
        return cls(
            id=_required_str(obj, "user", "id"),
            account_id=_required_str(obj, "user", "accountID"),
            email=_optional_str(obj, "email"),
            full_name=_optional_str(obj, "fullName"),
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
        obj = _mapping(data, "webhook")
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
            account_id=_optional_str(obj, "accountID"),
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
        obj = _mapping(data, "rule")
        target_url: str | None = None
        notification = obj.get("notificationType")
        if notification is not None:
            webhook = _mapping(notification, "rule.notificationType").get("webhook")
            if webhook is not None:
                target_url = _optional_str(
                    _mapping(webhook, "rule.notificationType.webhook"), "targetURL"
                )
        return cls(
            id=_required_str(obj, "rule", "id"),
            event_type=_required_str(obj, "rule", "eventType"),
            target_url=target_url,
            account_id=_optional_str(obj, "accountID"),
            user_id=_optional_str(obj, "userID"),
        )


def _nested_system_id(obj: Mapping[str, Any]) -> str | None:
    """Return ``system.id`` of a real ``/gateways`` item (live facts §2)."""
    system = GatewaySystem.from_gateway(obj)
    return None if system is None else system.id


@dataclass(frozen=True, slots=True)
class Gateway:
    """A gateway from ``GET /gateways``.

    The response shape is NOT documented; the field names are inferred from
    the webhook event schemas (``gatewayID``, ``gatewayName``,
    ``gatewaySerialnumber``, ``systemID``) and common REST naming (``id``,
    ``name``, ``serialNumber``, ``connectionStatus`` e.g. ``AVAILABLE``).
    """

    id: str
    name: str | None = None
    serial_number: str | None = None
    connection_status: str | None = None
    system_id: str | None = None
    model: str | None = None
    manufacturer: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build from a gateway object; only the id is required."""
        obj = _mapping(data, "gateway")
        return cls(
            id=_required_str(obj, "gateway", "id", "gatewayID"),
            name=_optional_str(obj, "name", "gatewayName"),
            serial_number=_optional_str(
                obj, "serialNumber", "gatewaySerialnumber", "gatewaySerialNumber"
            ),
            connection_status=_optional_str(obj, "connectionStatus"),
            system_id=_optional_str(obj, "systemID", "systemId")
            or _nested_system_id(obj),
            model=_optional_str(obj, "model"),
            manufacturer=_optional_str(obj, "manufacturer"),
        )


@dataclass(frozen=True, slots=True)
class Appliance:
    """An appliance from ``GET /gateways/{id}/appliances``.

    The response shape is NOT documented; the field names are inferred from
    the ``appliance/*`` event data (``applianceID``, ``gatewayID``, ``type``,
    ``kind``, ``serialNumber``, ``firmware``, ...) plus ``id``, ``name``,
    ``applianceType`` and ``connectionStatus`` as likely REST variants.
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

    @classmethod
    def from_dict(cls, data: object, *, gateway_id: str | None = None) -> Self:
        """Build from an appliance object; only the id is required.

        ``gateway_id`` is used when the object does not name its gateway.
        """
        obj = _mapping(data, "appliance")
        return cls(
            id=_required_str(obj, "appliance", "id", "applianceID"),
            gateway_id=_optional_str(obj, "gatewayID") or gateway_id,
            name=_optional_str(obj, "name", "applianceName"),
            model=_optional_str(obj, "model"),
            manufacturer=_optional_str(obj, "manufacturer"),
            serial_number=_optional_str(obj, "serialNumber"),
            appliance_type=_optional_str(obj, "type", "applianceType"),
            kind=_optional_str(obj, "kind"),
            firmware=_optional_str(obj, "firmware", "firmwareVersion"),
            connection_status=_optional_str(obj, "connectionStatus"),
        )
