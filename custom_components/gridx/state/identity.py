"""Device identifiers and entity unique ids of gridX, scoped to one account.

Both carry the account (the config entry's unique id, gridX's accountID) and
the kind of resource, so that:

- two entries that see the same gateway (an installer's and a homeowner's
  account) get a device and entities each, whatever the load order;
- a gateway and an EV whose ids happen to be the same string stay two
  devices (one signed event once made a device its own parent this way).

Identifier: ``(DOMAIN, "{account}_{kind}_{resource_id}")``; unique id:
``"{account}_{kind}_{resource_id}_{key}"``. Kinds contain no ``_``, so an
identifier parses back unambiguously (`parse_identifier`). A legacy
charging-station EV shares the device of the appliance of the same id.

Entries made before this scheme (config entry minor version 1) used the bare
resource id; `migration.async_migrate_registries` rewrites them.
"""

from collections.abc import Iterable

from ..const import DOMAIN, ResourceKind


def device_identifier(
    account: str, kind: ResourceKind, resource_id: str
) -> tuple[str, str]:
    """Return the device registry identifier of one resource."""
    return (DOMAIN, f"{account}_{kind}_{resource_id}")


def unique_id_prefix(account: str, kind: ResourceKind, resource_id: str) -> str:
    """Return the start every unique id of a resource's entities shares."""
    return f"{account}_{kind}_{resource_id}_"


def entity_unique_id(
    account: str, kind: ResourceKind, resource_id: str, key: str
) -> str:
    """Return the unique id of one entity of a resource."""
    return unique_id_prefix(account, kind, resource_id) + key


def parse_identifier(account: str, value: str) -> tuple[ResourceKind, str] | None:
    """Return ``(kind, resource_id)`` of one identifier value, None if foreign."""
    rest = value.removeprefix(f"{account}_")
    if rest == value:
        return None
    kind, sep, resource_id = rest.partition("_")
    if not sep or not resource_id:
        return None
    try:
        return ResourceKind(kind), resource_id
    except ValueError:
        return None


def device_resources(
    account: str, identifiers: Iterable[tuple[str, str]]
) -> list[tuple[ResourceKind, str]]:
    """Return the resources a device's identifiers name, in a stable order."""
    return sorted(
        parsed
        for domain, value in identifiers
        if domain == DOMAIN and (parsed := parse_identifier(account, value))
    )
