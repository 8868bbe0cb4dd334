"""The caps on what a signed webhook body can make us keep.

Length caps for ids and names, the number bound, the check of resource ids
that rejects a body even when its data drifted, and the ``json.loads``
hooks: the duplicate-key hook and the reading of long integers. Internal to
the api package; import from ``.models``.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from .errors import GridxParseError

# Caps on what a signed body can make us keep: ids become storage keys and
# device identifiers, names become device names.
MAX_ID_LENGTH: Final = 128
MAX_NAME_LENGTH: Final = 255
# The largest magnitude a number field may have (see the models docstring).
MAX_SAFE_NUMBER: Final = 2**53
# The data keys of the resource ids; over MAX_ID_LENGTH they reject the body.
RESOURCE_ID_KEYS: Final = ("gatewayID", "applianceID", "assetID", "systemID")


def freeze(value: object) -> Any:
    """Return a deep read-only copy: objects as MappingProxyType, arrays as tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


class DuplicateKeyError(ValueError):
    """A JSON object has the same key twice."""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, raising DuplicateKeyError on a repeated key."""
    # json.loads keeps the last of duplicate keys; gridX never sends them,
    # and a body whose readers could disagree is not an event.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(key)
        result[key] = value
    return result


def parse_int(text: str) -> int | float:
    """Read a JSON integer; beyond 16 digits as a float."""
    # More than 16 digits is beyond MAX_SAFE_NUMBER anyway: read it as a
    # float (inf when huge), which costs no big-integer arithmetic and
    # avoids the int() digit limit.
    return int(text) if len(text.lstrip("-")) <= 16 else float(text)


def check_resource_ids(data: Mapping[str, Any]) -> None:
    """Reject resource ids over MAX_ID_LENGTH, even in data that drifted."""
    for key in RESOURCE_ID_KEYS:
        value = data.get(key)
        if isinstance(value, str) and len(value) > MAX_ID_LENGTH:
            raise GridxParseError(
                f"data.{key}", f"is longer than {MAX_ID_LENGTH} characters"
            )
