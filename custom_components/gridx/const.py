"""Constants of the gridX integration."""

from datetime import timedelta
from enum import StrEnum
import logging
from typing import Final

from homeassistant.const import Platform

from .api.event_types import SUBSCRIBABLE_EVENT_TYPES, EventType

DOMAIN: Final = "gridx"
LOGGER = logging.getLogger(__package__)

# Bus event fired for every accepted delivery, for YAML automations.
EVENT_GRIDX: Final = "gridx_event"

# The config entry's minor version: 2 scopes device identifiers and unique
# ids to the account (see `identity` and `migration`); 3 shows the EV's
# location by an enum sensor (`location`).
ENTRY_MINOR_VERSION: Final = 3

# Config entry data keys.
CONF_WEBHOOK_ID: Final = "webhook_id"
CONF_SECRETS: Final = "secrets"
CONF_ACCOUNT_ID: Final = "account_id"
CONF_USER_ID: Final = "user_id"
CONF_API_BASE: Final = "api_base"
CONF_REGISTRATION_METHOD: Final = "registration_method"
CONF_EVENT_TYPES: Final = "event_types"
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"
CONF_WEBHOOK_URL: Final = "webhook_url"
CONF_SUBSCRIPTION_ID: Final = "subscription_id"
CONF_RULE_IDS: Final = "rule_ids"
CONF_PREVIOUS_URLS: Final = "previous_urls"
# When the newest subscription secret took effect (ISO 8601).
CONF_SECRET_SINCE: Final = "secret_since"  # noqa: S105 - a key name
# The collapsible "advanced" section of the user step.
CONF_ADVANCED: Final = "advanced"

# The portal sign-in (homeowners): which login an entry uses, and what a
# portal entry stores next to the e-mail and password (CONF_EMAIL,
# CONF_PASSWORD). Entries without CONF_AUTH_TYPE use an API token.
CONF_AUTH_TYPE: Final = "auth_type"
AUTH_TYPE_PORTAL: Final = "portal"
CONF_PORTAL: Final = "portal"
CONF_AUTH_BASE: Final = "auth_base"
CONF_REFRESH_TOKEN: Final = "refresh_token"  # noqa: S105 - a key name
# True when the account may use neither webhooks nor rules: polling only.
CONF_POLL_ONLY: Final = "poll_only"
ISSUE_PUSH_UNAVAILABLE: Final = "push_unavailable"
# True when a running entry lost the push it had (the repair issue).
CONF_PUSH_LOST: Final = "push_lost"

# Registration methods: what the user asks for, and (stored) what is used.
METHOD_AUTOMATIC: Final = "automatic"
METHOD_SUBSCRIPTION: Final = "subscription"
METHOD_RULES: Final = "rules"
REGISTRATION_METHODS: Final = (METHOD_AUTOMATIC, METHOD_SUBSCRIPTION, METHOD_RULES)
# Webhook secrets kept per entry (newest last), and earlier URLs remembered
# so their registrations can be recognised as ours and deleted.
MAX_SECRETS: Final = 5
MAX_PREVIOUS_URLS: Final = 5

# The largest body the webhook reads; gridX events are small JSON objects.
MAX_BODY_BYTES: Final = 64 * 1024

# The event types subscribed to by default: every one that carries state or
# that an automation would want.
DEFAULT_EVENT_TYPES: Final[tuple[str, ...]] = tuple(
    str(t) for t in SUBSCRIBABLE_EVENT_TYPES
)

POLL_INTERVAL: Final = timedelta(minutes=15)

# The entity platforms; number, select, switch and time control EV charging.
PLATFORMS: Final[list[Platform]] = [
    Platform.BINARY_SENSOR,
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TIME,
]

__all__ = ["EventType"]


class ResourceKind(StrEnum):
    """The kinds of gridX resource that become Home Assistant devices."""

    GATEWAY = "gateway"
    APPLIANCE = "appliance"
    EV = "ev"


# Entry-wide signals, sent with Home Assistant's dispatcher: a few listeners
# each, and a failing one is logged without stopping the sender. What
# concerns one resource or one kind of resource is subscribed through the
# store instead (`state.store.GridxStore.async_subscribe`).


def signal_event(entry_id: str) -> str:
    """Return the dispatcher signal carrying each new event of one entry.

    It is sent once per accepted, non-duplicate event (stale ones included:
    a late event is still an event), with the `GridxEvent` as argument.
    Scoped to the entry, so two entries never see each other's events.
    """
    return f"{DOMAIN}_{entry_id}_event"


def signal_state(entry_id: str) -> str:
    """Return the dispatcher signal sent when the entry's state store changed."""
    return f"{DOMAIN}_{entry_id}_state"


def signal_bad_signature(webhook_id: str) -> str:
    """Return the dispatcher signal sent when a delivery fails verification.

    Keyed by the webhook id (which the handler knows), without arguments.
    """
    return f"{DOMAIN}_{webhook_id}_bad_signature"
