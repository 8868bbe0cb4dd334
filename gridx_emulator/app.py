"""The emulated gridX REST API as an aiohttp application (gridx-facts §3).

Every route goes through the same checks, in this order: an injected fault,
the "Subscription API disabled" switch (webhook routes only, 404), the token
(401, or 403 "Bad credentials"), the route's policy (403), and the account and
user in the path, which must be the token's (403). Unknown resources answer
404 ``{"message": "Not Found"}``. Bodies are JSON with gridX's media type.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
import json
import logging
from typing import Any, Protocol

from aiohttp import web

from ._protocol import SUBSCRIBABLE_EVENT_TYPES, EventType
from .auth0 import Auth0Emulator
from .delivery import DeliveryResult
from .ev_control import EvControl
from .ev_routes import EvRoutes
from .faults import Fault, FaultInjector
from .fleet import page_bounds
from .live import LiveSimulator
from .state import EmulatorState, Rule, Subscription, User, new_id, new_webhook_secret

_LOGGER = logging.getLogger(__name__)

CONTENT_TYPE = "application/vnd.gridx.v2+json"
WEBHOOK_EVENT_TYPES: frozenset[str] = frozenset(SUBSCRIBABLE_EVENT_TYPES)
# Rules also knew the legacy `commissioning/done`; `ping` is never subscribable.
RULE_EVENT_TYPES: frozenset[str] = WEBHOOK_EVENT_TYPES | {EventType.COMMISSIONING_DONE}
RULE_FIELDS = frozenset({"eventType", "notificationType", "locale", "filters"})
MAX_BODY = 64 * 1024

type Handler = Callable[[web.Request, "Caller"], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """An error answer in gridX's ``{"message", "details"}`` form."""

    def __init__(
        self, status: int, message: str, details: list[str] | None = None
    ) -> None:
        """Store the status and the body fields."""
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.details = details

    def response(self) -> web.Response:
        """Return the error as a response."""
        body: dict[str, Any] = {"message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return json_response(self.status, body)


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of a request."""

    token: str
    user: User
    policies: frozenset[str] = frozenset()


def json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Return ``body`` as JSON with gridX's media type."""
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        content_type=CONTENT_TYPE,
        headers=headers,
    )


def empty_response(status: int) -> web.Response:
    """Return a response without a body (204, 202)."""
    return web.Response(status=status)


NOT_FOUND = ApiError(404, "Not Found")


def _is_http_url(value: Any) -> bool:
    """Return True for a string starting with http:// or https://."""
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def validate_subscription(body: Any) -> tuple[list[str], str, bool]:
    """Return (eventTypes, targetURL, active) or raise a 422 ApiError."""
    if not isinstance(body, dict):
        raise ApiError(422, "Validation failed", ["body must be a JSON object"])
    details: list[str] = []
    raw_types = body.get("eventTypes")
    event_types: list[str] = []
    if not isinstance(raw_types, list) or not raw_types:
        details.append("eventTypes must be a non-empty list")
    else:
        for item in raw_types:
            if isinstance(item, str) and item in WEBHOOK_EVENT_TYPES:
                event_types.append(item)
            else:
                details.append(f"eventTypes: unsupported event type {item!r}")
    target_url = body.get("targetURL")
    if not _is_http_url(target_url):
        details.append("targetURL must be an http(s) URL")
    active = body.get("active", True)
    if not isinstance(active, bool):
        details.append("active must be a boolean")
    if details:
        raise ApiError(422, "Validation failed", details)
    return list(dict.fromkeys(event_types)), str(target_url), active


def validate_rule(body: Any) -> dict[str, Any]:
    """Return the rule fields of a create body or raise a 422 ApiError."""
    if not isinstance(body, dict):
        raise ApiError(422, "Validation failed", ["body must be a JSON object"])
    details = [f"unknown field {key!r}" for key in body if key not in RULE_FIELDS]
    event_type = body.get("eventType")
    if not isinstance(event_type, str) or event_type not in RULE_EVENT_TYPES:
        details.append(f"eventType: unsupported event type {event_type!r}")
    notification = body.get("notificationType")
    webhook = notification.get("webhook") if isinstance(notification, dict) else None
    if not isinstance(webhook, dict):
        details.append("notificationType.webhook is required")
        webhook = {}
    target_url = webhook.get("targetURL")
    secret = webhook.get("secret")
    if not _is_http_url(target_url):
        details.append("notificationType.webhook.targetURL must be an http(s) URL")
    if not isinstance(secret, str) or not secret:
        details.append("notificationType.webhook.secret is required")
    locale = body.get("locale")
    if locale is not None and not isinstance(locale, str):
        details.append("locale must be a string")
    filters = body.get("filters", [])
    if not isinstance(filters, list):
        details.append("filters must be a list")
    if details:
        raise ApiError(422, "Validation failed", details)
    return {
        "event_type": event_type,
        "target_url": target_url,
        "secret": secret,
        "locale": locale,
        "filters": filters,
    }


class ApiBackend(Protocol):
    """What the routes need from the emulator (`GridxEmulator` is one).

    The API depends on this, not on the emulator module, so imports go one
    way: the emulator builds the API, the API never imports the emulator.
    """

    @property
    def state(self) -> EmulatorState:
        """The stored accounts, tokens, subscriptions, rules and gateways."""

    @property
    def faults(self) -> FaultInjector:
        """The faults to inject into the next requests."""

    @property
    def live(self) -> LiveSimulator:
        """The live and historical measurements of the systems."""

    @property
    def ev(self) -> EvControl:
        """The EV charging-station configurations and profiles."""

    @property
    def auth0(self) -> Auth0Emulator:
        """The portal login: which portal bearers the API accepts."""

    def state_changed(self) -> None:
        """Persist the state after a change."""

    def create_background_task(
        self, coro: Coroutine[Any, Any, Any]
    ) -> asyncio.Task[Any]:
        """Run ``coro`` in the background (stopped with the emulator)."""

    async def ping(self, subscription_id: str) -> DeliveryResult:
        """Send a signed ``ping`` to a subscription."""


class GridxApi:
    """The route handlers, bound to one emulator."""

    def __init__(self, emulator: ApiBackend) -> None:
        """Keep the emulator whose state and faults the routes use."""
        self._emulator = emulator

    def build_app(self) -> web.Application:
        """Return the aiohttp application with every gridX route."""
        app = web.Application(middlewares=[_error_middleware], client_max_size=MAX_BODY)
        webhooks = "/accounts/{account_id}/webhooks"
        rules = "/accounts/{account_id}/users/{user_id}/notifications/rules"
        ev_config = "/gateways/{gateway_id}/appliances/{appliance_id}/ev/configuration"
        ev = EvRoutes(self._emulator)
        routes: list[tuple[str, str, str, str, Handler, bool]] = [
            ("GET", "/user", "get_user", "ReadUser", self._get_user, False),
            ("GET", webhooks, "list_webhooks", "WebhooksRead", self._list_webhooks, True),
            ("POST", webhooks, "create_webhook", "WebhooksWrite", self._create_webhook, True),
            ("PUT", webhooks + "/{webhook_id}", "update_webhook", "WebhooksWrite", self._update_webhook, True),
            ("DELETE", webhooks + "/{webhook_id}", "delete_webhook", "WebhooksWrite", self._delete_webhook, True),
            ("POST", webhooks + "/{webhook_id}/ping", "ping_webhook", "WebhooksWrite", self._ping_webhook, True),
            ("POST", webhooks + "/{webhook_id}/secret", "rotate_secret", "WebhooksWrite", self._rotate_secret, True),
            ("GET", rules, "list_rules", "AccountsUsersRead", self._list_rules, False),
            ("POST", rules, "create_rule", "AccountsUsersWrite", self._create_rule, False),
            ("DELETE", rules + "/{rule_id}", "delete_rule", "AccountsUsersWrite", self._delete_rule, False),
            ("GET", "/gateways", "list_gateways", "GatewaysRead", self._list_gateways, False),
            ("GET", "/gateways/{gateway_id}/appliances", "list_appliances", "GatewaysRead", self._list_appliances, False),
            ("GET", "/systems/{system_id}/live", "get_live", "SystemMeasurementsRead", self._emulator.live.handle_live, False),
            ("GET", "/systems/{system_id}/historical", "get_historical", "SystemMeasurementsRead", self._emulator.live.handle_historical, False),
            ("GET", ev_config, "get_ev_configuration", "AppliancesEVConfigurationRead", ev.get, False),
            ("POST", ev_config, "create_ev_configuration", "AppliancesEVConfigurationWrite", ev.write, False),
            ("PATCH", ev_config, "update_ev_configuration", "AppliancesEVConfigurationWrite", ev.write, False),
            ("DELETE", ev_config, "delete_ev_configuration", "AppliancesEVConfigurationWrite", ev.delete, False),
            ("GET", "/systems/{system_id}/ev-profiles", "list_ev_profiles", "EVProfilesRead", ev.profiles, False),
        ]  # fmt: skip
        for method, path, name, policy, handler, is_webhooks in routes:
            app.router.add_route(
                method,
                path,
                self._guard(name, policy, handler, webhooks_api=is_webhooks),
                name=name,
            )
        return app

    # -- the shared checks ------------------------------------------------

    def _guard(
        self, name: str, policy: str, handler: Handler, *, webhooks_api: bool
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """Wrap ``handler`` with faults, the API switch, auth and policy checks."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            fault = self._emulator.faults.take(name)
            if fault is not None:
                injected = await _apply_fault(request, fault)
                if injected is not None:
                    return injected
            try:
                caller = self._check(request, policy, webhooks_api=webhooks_api)
                response = await handler(request, caller)
            except ApiError as err:
                response = err.response()
            if fault is not None and fault.lost:
                return _drop(request)
            return response

        return guarded

    def _check(
        self, request: web.Request, policy: str, *, webhooks_api: bool
    ) -> Caller:
        """Return the caller after the switch, token, policy and path checks."""
        if webhooks_api and not self._emulator.state.webhooks_api_enabled:
            raise NOT_FOUND
        caller = self._authenticate(request)
        if policy not in caller.policies:
            raise ApiError(403, "Forbidden", [f"missing policy {policy}"])
        account_id = request.match_info.get("account_id")
        if account_id is not None and account_id != caller.user.account_id:
            raise ApiError(403, "Forbidden", ["account is not the token's"])
        user_id = request.match_info.get("user_id")
        if user_id is not None and user_id != caller.user.id:
            raise ApiError(403, "Forbidden", ["user is not the token's"])
        return caller

    def _authenticate(self, request: web.Request) -> Caller:
        """Return the caller of ``Authorization: Token|Bearer <t>``."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        value = value.strip()
        state = self._emulator.state
        # An API token, or a bearer from the Auth0 emulator (portal login).
        token = state.tokens.get(value) or self._emulator.auth0.api_token(value)
        if scheme.lower() not in ("token", "bearer") or token is None:
            raise ApiError(401, "Unauthorized")
        if token.bad_credentials:
            raise ApiError(403, "Bad credentials")
        user = state.users.get(token.user_id)
        if user is None:
            raise ApiError(401, "Unauthorized")
        return Caller(token=value, user=user, policies=frozenset(token.policies))

    def _subscription(self, request: web.Request) -> Subscription:
        """Return the subscription in the path, or raise 404."""
        subscription = self._emulator.state.subscriptions.get(
            request.match_info["webhook_id"]
        )
        if subscription is None or (
            subscription.account_id != request.match_info["account_id"]
        ):
            raise NOT_FOUND
        return subscription

    # -- /user -------------------------------------------------------------

    async def _get_user(self, request: web.Request, caller: Caller) -> web.Response:
        """``GET /user``."""
        return json_response(200, caller.user.to_api())

    # -- /accounts/{a}/webhooks ---------------------------------------------

    async def _list_webhooks(
        self, request: web.Request, caller: Caller
    ) -> web.Response:
        """``GET /accounts/{a}/webhooks``: the account's subscriptions, no secrets."""
        account_id = caller.user.account_id
        return json_response(
            200,
            [
                s.to_api()
                for s in self._emulator.state.subscriptions.values()
                if s.account_id == account_id
            ],
        )

    async def _create_webhook(
        self, request: web.Request, caller: Caller
    ) -> web.Response:
        """``POST /accounts/{a}/webhooks``: 201 with the only copy of the secret."""
        event_types, target_url, active = validate_subscription(
            await _read_json(request)
        )
        subscription = Subscription(
            id=new_id(),
            account_id=caller.user.account_id,
            event_types=event_types,
            target_url=target_url,
            active=active,
            secrets=[new_webhook_secret()],
        )
        self._emulator.state.subscriptions[subscription.id] = subscription
        self._emulator.state_changed()
        return json_response(201, subscription.to_api(with_secret=True))

    async def _update_webhook(
        self, request: web.Request, caller: Caller
    ) -> web.Response:
        """``PUT /accounts/{a}/webhooks/{id}``: replace types, URL and active."""
        subscription = self._subscription(request)
        event_types, target_url, active = validate_subscription(
            await _read_json(request)
        )
        subscription.event_types = event_types
        subscription.target_url = target_url
        subscription.active = active
        self._emulator.state_changed()
        return json_response(200, subscription.to_api())

    async def _delete_webhook(
        self, request: web.Request, caller: Caller
    ) -> web.Response:
        """``DELETE /accounts/{a}/webhooks/{id}``: 204."""
        subscription = self._subscription(request)
        del self._emulator.state.subscriptions[subscription.id]
        self._emulator.state_changed()
        return empty_response(204)

    async def _ping_webhook(self, request: web.Request, caller: Caller) -> web.Response:
        """``POST .../{id}/ping``: 202, then a signed ``ping`` in the background."""
        subscription = self._subscription(request)
        self._emulator.create_background_task(self._emulator.ping(subscription.id))
        return empty_response(202)

    async def _rotate_secret(
        self, request: web.Request, caller: Caller
    ) -> web.Response:
        """``POST .../{id}/secret``: a new secret, signed with next to the old ones."""
        subscription = self._subscription(request)
        secret = new_webhook_secret()
        subscription.add_secret(secret)
        self._emulator.state_changed()
        return json_response(200, {"secret": secret})

    # -- /accounts/{a}/users/{u}/notifications/rules --------------------------

    async def _list_rules(self, request: web.Request, caller: Caller) -> web.Response:
        """``GET .../notifications/rules``: the user's rules."""
        return json_response(
            200,
            [
                rule.to_api()
                for rule in self._emulator.state.rules.values()
                if rule.account_id == caller.user.account_id
                and rule.user_id == caller.user.id
            ],
        )

    async def _create_rule(self, request: web.Request, caller: Caller) -> web.Response:
        """``POST .../notifications/rules``: 201 with id, accountID and userID."""
        fields = validate_rule(await _read_json(request))
        rule = Rule(
            id=new_id(),
            account_id=caller.user.account_id,
            user_id=caller.user.id,
            **fields,
        )
        self._emulator.state.rules[rule.id] = rule
        self._emulator.state_changed()
        return json_response(201, rule.to_api())

    async def _delete_rule(self, request: web.Request, caller: Caller) -> web.Response:
        """``DELETE .../notifications/rules/{id}``: 204."""
        rule = self._emulator.state.rules.get(request.match_info["rule_id"])
        if rule is None or rule.user_id != caller.user.id:
            raise NOT_FOUND
        del self._emulator.state.rules[rule.id]
        self._emulator.state_changed()
        return empty_response(204)

    # -- /gateways ------------------------------------------------------------

    async def _list_gateways(
        self, request: web.Request, caller: Caller
    ) -> web.Response:
        """``GET /gateways``: one page of the account's gateways (`contract.GATEWAY`)."""
        bounds = page_bounds(request.query)
        if isinstance(bounds, list):
            raise ApiError(422, "Validation failed", bounds)
        gateways = [
            gateway.to_api()
            for gateway in self._emulator.state.gateways.values()
            if gateway.account_id == caller.user.account_id
        ]
        return json_response(200, gateways[slice(*bounds)])

    async def _list_appliances(
        self, request: web.Request, caller: Caller
    ) -> web.Response:
        """``GET /gateways/{id}/appliances`` (`contract.APPLIANCE`)."""
        state = self._emulator.state
        gateway = state.gateways.get(request.match_info["gateway_id"])
        if gateway is None or gateway.account_id != caller.user.account_id:
            raise NOT_FOUND
        return json_response(
            200,
            [
                appliance.to_api()
                for appliance in state.appliances.values()
                if appliance.gateway_id == gateway.id
            ],
        )


async def _read_json(request: web.Request) -> Any:
    """Return the parsed JSON body, or raise 400 for bad JSON."""
    raw = await request.read()
    try:
        return json.loads(raw)
    except ValueError as err:
        raise ApiError(400, "Bad Request", ["body is not valid JSON"]) from err


async def _apply_fault(request: web.Request, fault: Fault) -> web.Response | None:
    """Act out ``fault``; return the response to send, or None to go on normally.

    A dropped connection aborts the transport and returns a placeholder
    response: aiohttp cannot write it and quietly ends the connection, so the
    client gets no response at all.
    """
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if fault.drop:
        return _drop(request)
    if fault.status is None:
        return None
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = f"{fault.retry_after:g}"
    return json_response(fault.status, fault.error_body(fault.status), headers)


def _drop(request: web.Request) -> web.Response:
    """Abort the connection: the client gets no response at all."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    return empty_response(500)


@web.middleware
async def _error_middleware(
    request: web.Request,
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    """Answer router errors (unknown path, wrong method) in gridX's form."""
    try:
        return await handler(request)
    except web.HTTPError as err:
        return json_response(err.status, {"message": err.reason})
