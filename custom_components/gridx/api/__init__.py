"""The gridX protocol: signatures, event models and the REST client.

Nothing in this package imports Home Assistant or the integration around it
(tests/test_protocol_imports.py, tests/test_layout.py check that); it is typed
(``py.typed``) and could be published as a library of its own. `__all__` is
its public surface: what the integration and the emulator import. They may
import from the modules as well; a test keeps every such name in the list.
"""

from .auth import (
    DEFAULT_AUTH_BASE,
    PASSWORD_GRANT_INTERVAL,
    PortalSession,
    StaticToken,
    TokenSource,
)
from .client import DEFAULT_BASE_URL, GridxClient, Listing
from .enums import (
    EVChargeCommandKind,
    EVChargeFailureType,
    EVChargeState,
    SystemActionAgent,
    SystemActionStatus,
)
from .errors import (
    GridxApiError,
    GridxAuthError,
    GridxConnectionError,
    GridxInvalidCredentialsError,
    GridxMfaRequiredError,
    GridxNotFoundError,
    GridxParseError,
    GridxPermissionError,
    GridxPortalUnreachableError,
    GridxRateLimitError,
    GridxServerError,
    GridxStatusError,
    GridxTooManyAttemptsError,
)
from .ev_client import GridxEvApi
from .ev_configuration import (
    MODES_WITH_TARGET,
    ChargeMode,
    EvConfiguration,
    EvConfigurationPatch,
    departure_value,
    profile_capacity,
)
from .event_types import SUBSCRIBABLE_EVENT_TYPES, EventType
from .gateways import Appliance, Gateway
from .live import (
    MAX_INTERVAL,
    WS_PER_KWH,
    HistoricalPoint,
    LiveBattery,
    LiveEvStation,
    LiveHeatPump,
    LiveMeasurement,
    Resolution,
)
from .models import (
    ApplianceEventData,
    ApplianceType,
    EVChargeFailedEventData,
    EVChargingEventData,
    EVEventData,
    EVInfeasibleChargingGoalsEventData,
    EVMeasurementEventData,
    EVPlugState,
    GatewayEventData,
    GridxEvent,
    InverterEventData,
    InverterStatus,
    LegacyEVPluggedEventData,
    PowerLimitEventData,
    SystemActionEventData,
    UnvalidatedEventData,
    known_value,
    parse_event,
)
from .portals import DEFAULT_PORTAL, PORTALS, PORTALS_BY_KEY, Portal, get_portal
from .resources import GridxUser, NotificationRule, WebhookSubscription
from .signature import SIGNATURE_HEADER, sign, verify_signature
from .text import find_bad_text, has_bad_text, is_bad_text

__all__ = [
    "DEFAULT_AUTH_BASE",
    "DEFAULT_BASE_URL",
    "DEFAULT_PORTAL",
    "MAX_INTERVAL",
    "MODES_WITH_TARGET",
    "PASSWORD_GRANT_INTERVAL",
    "PORTALS",
    "PORTALS_BY_KEY",
    "SIGNATURE_HEADER",
    "SUBSCRIBABLE_EVENT_TYPES",
    "WS_PER_KWH",
    "Appliance",
    "ApplianceEventData",
    "ApplianceType",
    "ChargeMode",
    "EVChargeCommandKind",
    "EVChargeFailedEventData",
    "EVChargeFailureType",
    "EVChargeState",
    "EVChargingEventData",
    "EVEventData",
    "EVInfeasibleChargingGoalsEventData",
    "EVMeasurementEventData",
    "EVPlugState",
    "EvConfiguration",
    "EvConfigurationPatch",
    "EventType",
    "Gateway",
    "GatewayEventData",
    "GridxApiError",
    "GridxAuthError",
    "GridxClient",
    "GridxConnectionError",
    "GridxEvApi",
    "GridxEvent",
    "GridxInvalidCredentialsError",
    "GridxMfaRequiredError",
    "GridxNotFoundError",
    "GridxParseError",
    "GridxPermissionError",
    "GridxPortalUnreachableError",
    "GridxRateLimitError",
    "GridxServerError",
    "GridxStatusError",
    "GridxTooManyAttemptsError",
    "GridxUser",
    "HistoricalPoint",
    "InverterEventData",
    "InverterStatus",
    "LegacyEVPluggedEventData",
    "Listing",
    "LiveBattery",
    "LiveEvStation",
    "LiveHeatPump",
    "LiveMeasurement",
    "NotificationRule",
    "Portal",
    "PortalSession",
    "PowerLimitEventData",
    "Resolution",
    "StaticToken",
    "SystemActionAgent",
    "SystemActionEventData",
    "SystemActionStatus",
    "TokenSource",
    "UnvalidatedEventData",
    "WebhookSubscription",
    "departure_value",
    "find_bad_text",
    "get_portal",
    "has_bad_text",
    "is_bad_text",
    "known_value",
    "parse_event",
    "profile_capacity",
    "sign",
    "verify_signature",
]
