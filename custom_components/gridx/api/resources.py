"""Typed views of the gridX REST API's account resources, and the readers they share.

The user (``GET /users/me``), webhook subscriptions and notification rules
(gridx-facts §3); the gateways and appliances a poll lists are in
`gateways`, read with the same tolerant readers (`opt_str`, `required_str`).

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
import logging
from typing import Any, Self

from .errors import GridxResponseError, expect_object

_LOGGER = logging.getLogger(__name__)

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


def scalar_str(value: object) -> str | None:
    """Return a string for a string or integer value, else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def required_str(data: Mapping[str, Any], what: str, *keys: str) -> str:
    """Return the first of ``keys`` that holds a non-empty string (or integer).

    Raises GridxResponseError when none does.
    """
    for key in keys:
        value = scalar_str(data.get(key))
        if value:
            return value
    raise GridxResponseError(f"{what}: missing string field {' or '.join(keys)}")


# (resource, field) pairs whose wrong type was logged: once per process, so
# a poll every minute does not repeat it.
_LOGGED: set[tuple[str, str]] = set()


def wrong_type(what: str, key: str, value: object) -> None:
    """Log once that an optional field had an unexpected type (never its value)."""
    if (what, key) not in _LOGGED:
        _LOGGED.add((what, key))
        _LOGGER.warning(
            "gridX sent %s.%s as %s, not as documented; ignoring it",
            what,
            key,
            type(value).__name__,
        )


def opt_str(obj: Mapping[str, Any], what: str, *keys: str) -> str | None:
    """Return the first of ``keys`` holding a string (or integer), else None.

    A present value of another type is ignored and logged once.
    """
    for key in keys:
        value = obj.get(key)
        if value is None:
            continue
        if (text := scalar_str(value)) is not None:
            return text
        wrong_type(what, key, value)
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
            id=required_str(obj, "user", "id"),
            account_id=required_str(obj, "user", "accountID"),
            email=opt_str(obj, "user", "email"),
            full_name=opt_str(obj, "user", "fullName"),
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
            id=required_str(obj, "webhook", "id", "webhookID"),
            account_id=opt_str(obj, "webhook", "accountID"),
            event_types=tuple(raw_types),
            target_url=required_str(obj, "webhook", "targetURL"),
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
                target_url = opt_str(
                    expect_object(webhook, "rule.notificationType.webhook"),
                    "rule.notificationType.webhook",
                    "targetURL",
                )
        return cls(
            id=required_str(obj, "rule", "id"),
            event_type=required_str(obj, "rule", "eventType"),
            target_url=target_url,
            account_id=opt_str(obj, "rule", "accountID"),
            user_id=opt_str(obj, "rule", "userID"),
        )
