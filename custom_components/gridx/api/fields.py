"""Read typed fields from decoded JSON, naming a bad field by its dotted path.

The converters (string, id, name, boolean, number, integer, RFC 3339 time,
object, array of strings) and ``Reader``, which applies them to the keys of
a JSON object. Internal to the api package; import from ``.models``.
"""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
import math
import re
from typing import Any

from .errors import GridxParseError
from .limits import MAX_ID_LENGTH, MAX_NAME_LENGTH, MAX_SAFE_NUMBER

# RFC 3339 date-time. The separator may be `T`, `t` or a space (RFC 3339
# §5.6 note); any number of fractional digits; `Z`, `z` or `±HH:MM`.
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))?",
    re.ASCII,
)


def as_str(path: str, value: object) -> str:
    """Return ``value`` as a string."""
    if not isinstance(value, str):
        raise GridxParseError(path, f"must be a string, got {json_type(value)}")
    return value


def as_id(path: str, value: object) -> str:
    """Return ``value`` as a resource id: non-empty, at most MAX_ID_LENGTH."""
    text = as_str(path, value)
    if not text:
        raise GridxParseError(path, "must not be empty")
    if len(text) > MAX_ID_LENGTH:
        raise GridxParseError(path, f"is longer than {MAX_ID_LENGTH} characters")
    return text


def as_name(path: str, value: object) -> str:
    """Return a name or other device text, cut to MAX_NAME_LENGTH characters."""
    return as_str(path, value)[:MAX_NAME_LENGTH]


def as_bool(path: str, value: object) -> bool:
    """Return ``value`` as a boolean."""
    if not isinstance(value, bool):
        raise GridxParseError(path, f"must be a boolean, got {json_type(value)}")
    return value


class OutOfRangeError(GridxParseError):
    """A number no sensor can hold: the field is dropped, not the event."""


def check_range(path: str, value: float) -> None:
    """Raise OutOfRangeError for a number no sensor can hold."""
    # An int is compared as an int: math.isfinite(10**400) overflows.
    if not isinstance(value, int) and not math.isfinite(value):
        raise OutOfRangeError(path, "must be a finite number")
    if abs(value) > MAX_SAFE_NUMBER:
        raise OutOfRangeError(path, f"must be within +-{MAX_SAFE_NUMBER}")


def as_float(path: str, value: object) -> float:
    """Return a JSON number as a float, within MAX_SAFE_NUMBER."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GridxParseError(path, f"must be a number, got {json_type(value)}")
    check_range(path, value)  # before float(): 10**400 overflows it
    return float(value)


def as_int(path: str, value: object) -> int:
    """Return a JSON integer (or integral float) as an int."""
    # An integral float (1500.0) is accepted: some JSON encoders write them.
    if isinstance(value, int) and not isinstance(value, bool):
        check_range(path, value)
        return value
    number = as_float(path, value)
    if not number.is_integer():
        raise GridxParseError(path, "must be an integer")
    return int(number)


def as_time(path: str, value: object) -> datetime:
    """Return an RFC 3339 date-time as an aware datetime."""
    text = as_str(path, value)
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise GridxParseError(path, f"is not an RFC 3339 date-time: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zulu, sign, off_hours, off_minutes = match.groups()[6:]
    # More than 6 fractional digits are truncated to microseconds.
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    if zulu or sign is None:
        # No offset is not RFC 3339; gridX documents UTC, so read it as UTC.
        tzinfo: timezone = UTC
    else:
        if int(off_hours) > 23 or int(off_minutes) > 59:
            raise GridxParseError(path, f"has an invalid UTC offset: {text!r}")
        offset = timedelta(hours=int(off_hours), minutes=int(off_minutes))
        tzinfo = timezone(-offset if sign == "-" else offset)
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tzinfo)
    except ValueError as err:
        raise GridxParseError(path, f"is not a valid date-time: {err}") from err


def json_type(value: object) -> str:
    """Name the JSON type of a decoded value, for error messages."""
    match value:
        case None:
            return "null"
        case bool():
            return "boolean"
        case int() | float():
            return "number"
        case str():
            return "string"
        case Mapping():
            return "object"
        case tuple() | list():
            return "array"
    return type(value).__name__


class Reader:
    """Read typed fields from a JSON object, naming fields by dotted path.

    ``invalid`` collects the fields `number` dropped (JSON names below
    ``data``).
    """

    __slots__ = ("_obj", "_path", "invalid")

    def __init__(self, obj: Mapping[str, Any], path: str) -> None:
        """Read ``obj``, found at the dotted ``path`` (empty at the top level)."""
        self._obj = obj
        self._path = path
        self.invalid: list[str] = []

    def path(self, key: str) -> str:
        """Return the dotted path of ``key``."""
        return f"{self._path}.{key}" if self._path else key

    def req[T](self, key: str, convert: Callable[[str, object], T]) -> T:
        """Return the required field ``key``, converted."""
        value = self._obj.get(key)
        if value is None:
            problem = "must not be null" if key in self._obj else "is required"
            raise GridxParseError(self.path(key), problem)
        return convert(self.path(key), value)

    def opt[T](self, key: str, convert: Callable[[str, object], T]) -> T | None:
        """Return the optional field ``key``, converted; None if absent or null."""
        value = self._obj.get(key)
        if value is None:
            return None
        return convert(self.path(key), value)

    def number[T](
        self, key: str, convert: Callable[[str, object], T], *, required: bool
    ) -> T | None:
        """Return a number field; None (and listed invalid) when out of range."""
        try:
            if required:
                return self.req(key, convert)
            return self.opt(key, convert)
        except OutOfRangeError:
            self.invalid.append(self.path(key).removeprefix("data."))
            return None

    def has(self, key: str) -> bool:
        """Return True when ``key`` is present (even if null)."""
        return key in self._obj


def as_object(path: str, value: object) -> Mapping[str, Any]:
    """Return ``value`` as a JSON object."""
    if not isinstance(value, Mapping):
        raise GridxParseError(path, f"must be an object, got {json_type(value)}")
    return value


def as_reader(path: str, value: object) -> Reader:
    """Return a Reader of the JSON object ``value``."""
    return Reader(as_object(path, value), path)


def as_str_tuple(path: str, value: object) -> tuple[str, ...]:
    """Return a JSON array of strings as a tuple."""
    if not isinstance(value, tuple | list):
        raise GridxParseError(path, f"must be an array, got {json_type(value)}")
    return tuple(as_str(f"{path}[{index}]", item) for index, item in enumerate(value))
