"""Stable short hashes for the ids in diagnostics (`diagnostics`).

gridX ids (gateway, system, appliance, asset, subscription, rule, event) and
serial numbers identify a home. Diagnostics show ``#`` and the first 12 hex
digits of an HMAC-SHA256 of the id, keyed by the account, instead:

- the same id gives the same hash in every download of one account, so
  support can correlate resources, states and log lines;
- the key is not part of the download (the account id is redacted), so a
  low-entropy serial number cannot be found by trying candidates.

Three rules catch an id wherever it appears, as a value or as a key: a value
under an id key (`ID_KEYS`, compared without ``_`` and case), any UUID inside
a string (gridX ids are UUIDs; Home Assistant's ids have no dashes), and a
value equal to an id the entry knows (``system/action`` ids are strings
without the UUID format).
"""

from collections.abc import Iterable, Mapping
import hashlib
import hmac
import re
from typing import Any

from homeassistant.components.diagnostics import REDACTED

# Keys whose values are ids, lowercased and without "_".
ID_KEYS = frozenset(
    {
        "id",
        "gatewayid",
        "systemid",
        "applianceid",
        "assetid",
        "evseid",
        "serialnumber",
        "gatewayserialnumber",
        "subscriptionid",
        "ruleids",
        "webhookid",
        "accountid",
    }
)
UUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
HASH_DIGITS = 12


def is_id_key(key: object) -> bool:
    """Return True if values under ``key`` are ids."""
    return isinstance(key, str) and key.replace("_", "").lower() in ID_KEYS


class IdHasher:
    """Replace ids by their keyed short hash (module docstring)."""

    def __init__(self, key: str, known: Iterable[str] = ()) -> None:
        """Hash with ``key`` (the account); ``known`` ids are hashed anywhere."""
        self._key = key.encode()
        self._known = frozenset(known)

    def hash(self, value: str) -> str:
        """Return the short hash of one id."""
        digest = hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()
        return f"#{digest[:HASH_DIGITS]}"

    def _string(self, value: str, *, is_id: bool) -> str:
        if value == REDACTED:
            return value
        if is_id or value in self._known:
            return self.hash(value)
        return UUID_RE.sub(lambda match: self.hash(match.group()), value)

    def scrub(self, data: Any, *, is_id: bool = False) -> Any:
        """Return ``data`` with every id hashed; ``is_id`` hashes all leaves."""
        if isinstance(data, Mapping):
            return {
                self.scrub(key): self.scrub(value, is_id=is_id_key(key))
                for key, value in data.items()
            }
        if isinstance(data, list | tuple | set | frozenset):
            return [self.scrub(item, is_id=is_id) for item in data]
        if isinstance(data, str):
            return self._string(data, is_id=is_id)
        if is_id and isinstance(data, int | float) and not isinstance(data, bool):
            return self.hash(str(data))
        return data

    def scrub_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Return a mapping with every id hashed (`scrub` of a mapping)."""
        result: dict[str, Any] = self.scrub(data)
        return result
