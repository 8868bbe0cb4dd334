"""The bases of the typed event data: ``GridxModel`` and ``EventData``.

Also the data of an unknown event type (``UnknownEventData``) and of a known
type that failed validation (``UnvalidatedEventData``).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
import math
from typing import Any


def _jsonable(value: object) -> Any:
    """Return ``value`` as plain JSON types (datetimes as ISO 8601)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, GridxModel):
        return value.as_dict()
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN and infinities are not JSON
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class GridxModel:
    """Base of every gridX model: provides ``as_dict``."""

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-serialisable snake_case dict.

        Datetimes become ISO 8601 strings, nested models dicts, tuples
        lists; fields that are None are left out.
        """
        return {
            f.name: _jsonable(value)
            for f in fields(self)
            if (value := getattr(self, f.name)) is not None
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class EventData(GridxModel):
    """Base of every typed ``data`` object.

    It has no fields on purpose: use ``GridxEvent.gateway_id`` (and friends)
    to read resource ids without knowing the concrete class.
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownEventData(EventData):
    """The ``data`` of an event ``type`` this integration does not know."""

    raw: Mapping[str, Any] = field(hash=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the raw data as received, as plain JSON types."""
        result: dict[str, Any] = _jsonable(self.raw)
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class UnvalidatedEventData(EventData):
    """The ``data`` of a known event ``type`` that failed validation.

    gridX has changed its schemas several times; such an event is still an
    event. ``error`` says what did not validate (``data.issuedAt: is
    required``). Consumers apply only what the type and the resource ids
    imply; the ids are read by ``GridxEvent.gateway_id`` and friends.
    """

    raw: Mapping[str, Any] = field(hash=False)
    error: str

    @property
    def error_field(self) -> str:
        """Return the dotted path of the field that failed (``data.issuedAt``)."""
        return self.error.split(": ", 1)[0]

    def as_dict(self) -> dict[str, Any]:
        """Return the raw data as received, as plain JSON types."""
        result: dict[str, Any] = _jsonable(self.raw)
        return result
