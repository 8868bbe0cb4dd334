"""Make gridX hold exactly the registration we want, and delete it again.

Pure protocol logic on a `GridxClient`, shared by the config flow, the
runtime manager and the removal; no Home Assistant state is read or written
here. Modelled on Home Assistant's Monzo webhook manager:

- list, keep exactly one registration targeting our current URL, fix its
  event types and ``active``; delete only registrations that target one of
  our own earlier URLs, never anyone else's; create what is missing;
- never keep a registration whose secret we do not know (a create whose
  answer was lost, one made by hand): its secret is rotated, or it is
  replaced, so deliveries always verify;
- roll back whatever a failed or stopped pass created, so nothing is left.

Secrets and the token never reach a log line.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
import contextlib
from dataclasses import dataclass, field
import secrets
from typing import Any, Final, Self

from ..api.client import GridxClient
from ..api.errors import (
    GridxApiError,
    GridxAuthError,
    GridxConnectionError,
    GridxNotFoundError,
    GridxPermissionError,
    GridxRateLimitError,
    GridxServerError,
)
from ..api.resources import NotificationRule, WebhookSubscription
from ..const import (
    CONF_ACCOUNT_ID,
    CONF_CLOUDHOOK_URL,
    CONF_PREVIOUS_URLS,
    CONF_REGISTRATION_METHOD,
    CONF_RULE_IDS,
    CONF_SECRETS,
    CONF_SUBSCRIPTION_ID,
    CONF_USER_ID,
    CONF_WEBHOOK_URL,
    LOGGER,
    MAX_SECRETS,
    METHOD_AUTOMATIC,
    METHOD_RULES,
    METHOD_SUBSCRIPTION,
)

# Failures worth another try later; everything else is permanent.
TRANSIENT_ERRORS: Final = (GridxConnectionError, GridxServerError, GridxRateLimitError)

type Checkpoint = Callable[[], None]


class RegistrationStoppedError(Exception):
    """A pass was stopped between two calls (its entry unloads or changed)."""


def _go_on() -> None:
    """Never stop: the checkpoint of a pass nobody can stop."""


@dataclass(slots=True)
class RemoteRegistration:
    """What we hold at gridX: the method used, its ids and the secrets."""

    method: str
    subscription_id: str | None = None
    rule_ids: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    @classmethod
    def from_entry_data(cls, data: Mapping[str, Any]) -> Self:
        """Read the registration an entry stores."""
        return cls(
            method=data.get(CONF_REGISTRATION_METHOD, METHOD_AUTOMATIC),
            subscription_id=data.get(CONF_SUBSCRIPTION_ID),
            rule_ids=list(data.get(CONF_RULE_IDS, ())),
            secrets=list(data.get(CONF_SECRETS, ())),
        )

    def as_entry_data(self) -> dict[str, Any]:
        """Return the entry data keys this registration owns."""
        return {
            CONF_REGISTRATION_METHOD: self.method,
            CONF_SUBSCRIPTION_ID: self.subscription_id,
            CONF_RULE_IDS: list(self.rule_ids),
            CONF_SECRETS: list(self.secrets),
        }

    def add_secret(self, secret: str) -> None:
        """Append a secret (newest last), keeping at most MAX_SECRETS."""
        self.secrets = [*(s for s in self.secrets if s != secret), secret][
            -MAX_SECRETS:
        ]


async def async_reconcile(
    client: GridxClient,
    *,
    account_id: str,
    user_id: str,
    url: str,
    event_types: Sequence[str],
    current: RemoteRegistration,
    previous_urls: Iterable[str] = (),
    checkpoint: Checkpoint = _go_on,
) -> RemoteRegistration:
    """Make gridX hold exactly one registration for ``url``; return it.

    ``current.method`` is ``subscription`` or ``rules`` (keep using it) or
    ``automatic`` (the Subscription API, and on 403/404 the rules).
    Registrations targeting one of ``previous_urls`` are deleted; any other
    is left alone. ``checkpoint`` runs after every call and raises
    RegistrationStoppedError to stop the pass. On an error or a stop, what this
    call created is deleted again and the exception is raised.
    """
    stale = {u for u in previous_urls if u != url}
    if current.method != METHOD_RULES:
        try:
            return await _reconcile_subscription(
                client, account_id, url, event_types, current, stale, checkpoint
            )
        except GridxPermissionError, GridxNotFoundError:
            if current.method != METHOD_AUTOMATIC:
                raise
            LOGGER.info(
                "The gridX Subscription API is not available to this token; "
                "using notification rules"
            )
    return await _reconcile_rules(
        client, account_id, user_id, url, event_types, current, stale, checkpoint
    )


async def _reconcile_subscription(
    client: GridxClient,
    account_id: str,
    url: str,
    event_types: Sequence[str],
    current: RemoteRegistration,
    stale: set[str],
    checkpoint: Checkpoint,
) -> RemoteRegistration:
    """Keep one subscription for ``url`` with ``event_types``, active."""
    result = RemoteRegistration(
        METHOD_SUBSCRIPTION, current.subscription_id, [], list(current.secrets)
    )
    subscriptions = await client.list_webhooks(account_id)
    checkpoint()
    ours = sorted(
        (s for s in subscriptions if s.target_url == url),
        key=lambda s: s.id != current.subscription_id,
    )
    keep: WebhookSubscription | None = ours[0] if ours else None
    created: WebhookSubscription | None = None
    try:
        if keep is not None and (
            keep.id != current.subscription_id or not current.secrets
        ):
            # Ours by its URL, but its secret is unknown (a create whose
            # answer was lost): learn a new one, or replace it.
            keep = await _async_learn_secret(client, account_id, keep, result)
            checkpoint()
        if keep is None:
            created = await client.create_webhook(
                account_id, target_url=url, event_types=event_types
            )
            result.subscription_id = created.id
            if created.secret:
                result.add_secret(created.secret)
            LOGGER.debug("Created gridX subscription %s", created.id)
            checkpoint()
        else:
            result.subscription_id = keep.id
            if not keep.active or set(keep.event_types) != set(event_types):
                await client.update_webhook(
                    account_id,
                    keep.id,
                    target_url=url,
                    event_types=event_types,
                    active=True,
                )
                LOGGER.debug("Updated gridX subscription %s", keep.id)
                checkpoint()
        for extra in [*ours[1:], *(s for s in subscriptions if s.target_url in stale)]:
            with contextlib.suppress(GridxNotFoundError):  # already gone
                await client.delete_webhook(account_id, extra.id)
            LOGGER.debug("Deleted obsolete gridX subscription %s", extra.id)
            checkpoint()
    except GridxApiError, RegistrationStoppedError:
        if created is not None:
            await _rollback(client, account_id, "", [created.id], subscription=True)
        raise
    return result


async def _async_learn_secret(
    client: GridxClient,
    account_id: str,
    subscription: WebhookSubscription,
    result: RemoteRegistration,
) -> WebhookSubscription | None:
    """Rotate an unknown subscription's secret into ``result``.

    Returns the subscription to keep, or None when it is gone or had to be
    deleted (gridX refused the rotation): then a new one is created. The
    old secret stays valid at gridX for three days; every delivery also
    carries a digest with the new one, so it verifies at once.
    """
    try:
        result.add_secret(
            await client.rotate_webhook_secret(account_id, subscription.id)
        )
    except (GridxAuthError, *TRANSIENT_ERRORS):
        raise
    except GridxNotFoundError:
        return None
    except GridxApiError as err:
        LOGGER.debug(
            "Could not rotate the secret of gridX subscription %s (%s); replacing it",
            subscription.id,
            err,
        )
        with contextlib.suppress(GridxNotFoundError):
            await client.delete_webhook(account_id, subscription.id)
        return None
    LOGGER.info(
        "Found a gridX subscription %s for this webhook without its secret; "
        "rotated the secret",
        subscription.id,
    )
    return subscription


async def _reconcile_rules(
    client: GridxClient,
    account_id: str,
    user_id: str,
    url: str,
    event_types: Sequence[str],
    current: RemoteRegistration,
    stale: set[str],
    checkpoint: Checkpoint,
) -> RemoteRegistration:
    """Keep one rule per event type for ``url``, all with one known secret.

    A rule for our URL that is not one of ours by id (a create whose answer
    was lost) has a secret we cannot be sure of: it is replaced.
    """
    result = RemoteRegistration(METHOD_RULES, None, [], list(current.secrets))
    if not result.secrets:
        result.add_secret(secrets.token_hex(32))
    secret = result.secrets[-1]
    rules = await client.list_rules(account_id, user_id)
    checkpoint()
    wanted = list(dict.fromkeys(event_types))
    kept: dict[str, NotificationRule] = {}
    extra: list[NotificationRule] = []
    known = set(current.rule_ids) if current.secrets else set()
    for rule in sorted(rules, key=lambda r: r.id not in current.rule_ids):
        if rule.target_url == url:
            if (
                rule.id in known
                and rule.event_type in wanted
                and rule.event_type not in kept
            ):
                kept[rule.event_type] = rule
            else:
                extra.append(rule)
        elif rule.target_url in stale:
            extra.append(rule)
    created: list[str] = []
    try:
        for event_type in wanted:
            if event_type not in kept:
                rule = await client.create_rule(
                    account_id,
                    user_id,
                    event_type=event_type,
                    target_url=url,
                    secret=secret,
                )
                created.append(rule.id)
                kept[event_type] = rule
                checkpoint()
        for rule in extra:
            with contextlib.suppress(GridxNotFoundError):  # already gone
                await client.delete_rule(account_id, user_id, rule.id)
            LOGGER.debug("Deleted obsolete gridX rule %s", rule.id)
            checkpoint()
    except GridxApiError, RegistrationStoppedError:
        await _rollback(client, account_id, user_id, created, subscription=False)
        raise
    if created:
        LOGGER.debug("Created %s gridX notification rules", len(created))
    result.rule_ids = [kept[t].id for t in wanted]
    return result


async def _rollback(
    client: GridxClient,
    account_id: str,
    user_id: str,
    ids: Sequence[str],
    *,
    subscription: bool,
) -> None:
    """Delete what a failed pass created; a failure here is only logged.

    Whatever stays behind targets our URL: the next pass, or the removal,
    finds it by that URL.
    """
    for item_id in ids:
        try:
            if subscription:
                await client.delete_webhook(account_id, item_id)
            else:
                await client.delete_rule(account_id, user_id, item_id)
        except GridxApiError as err:
            LOGGER.warning(
                "Could not roll back gridX registration %s: %s", item_id, err
            )


# -- deletion ---------------------------------------------------------------------


def our_urls(data: Mapping[str, Any]) -> set[str]:
    """Return every URL the entry (or flow) ever registered."""
    urls = {data.get(CONF_WEBHOOK_URL), data.get(CONF_CLOUDHOOK_URL)}
    urls.update(data.get(CONF_PREVIOUS_URLS, ()))
    return {u for u in urls if u}


async def async_delete_remote(client: GridxClient, data: Mapping[str, Any]) -> None:
    """Delete the entry's subscriptions and rules (by id or by one of our URLs).

    Both kinds are looked for when the method is not known for sure (a
    flow that failed before it learnt which API the token may use).
    """
    account_id: str = data[CONF_ACCOUNT_ID]
    user_id: str = data[CONF_USER_ID]
    urls = our_urls(data)
    method = data.get(CONF_REGISTRATION_METHOD)
    if method != METHOD_SUBSCRIPTION:
        rule_ids = set(data.get(CONF_RULE_IDS, ()))
        try:
            rules = await client.list_rules(account_id, user_id)
        except GridxPermissionError, GridxNotFoundError:
            if method == METHOD_RULES:
                raise
            rules = []
        for rule in rules:
            if rule.id in rule_ids or rule.target_url in urls:
                with contextlib.suppress(GridxNotFoundError):
                    await client.delete_rule(account_id, user_id, rule.id)
    if method == METHOD_RULES:
        return
    subscription_id = data.get(CONF_SUBSCRIPTION_ID)
    try:
        subscriptions = await client.list_webhooks(account_id)
    except GridxPermissionError, GridxNotFoundError:
        if method == METHOD_SUBSCRIPTION:
            raise
        return
    for subscription in subscriptions:
        if subscription.id == subscription_id or subscription.target_url in urls:
            with contextlib.suppress(GridxNotFoundError):
                await client.delete_webhook(account_id, subscription.id)
