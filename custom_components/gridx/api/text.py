r"""Text no one downstream can keep: unpaired UTF-16 surrogates and NUL.

JSON may escape any UTF-16 code unit, so ``"\ud800"`` is valid JSON text
that decodes to a Python string holding a lone surrogate. Home Assistant
writes its storage, websocket messages and recorder rows with orjson, which
refuses such a string (``str is not valid UTF-8: surrogates not allowed``):
one of them in a device name stops ``core.device_registry`` from being
saved, for every integration. NUL (``"\u0000"``) is valid JSON and UTF-8,
but PostgreSQL, a common recorder database, refuses it in text.

Python's ``json`` joins a valid surrogate pair into one code point, so any
surrogate left in a decoded string is unpaired. The checks here look at
every key and every string of a decoded JSON value, at any depth, without
recursion (a deeply nested value costs no stack).
"""

from collections.abc import Mapping
import re
from typing import Any, Final

# What a decoded string must not hold; the reason names it without quoting it.
_BAD: Final = re.compile("[\x00\ud800-\udfff]")
BAD_TEXT_REASON: Final = "holds an unpaired UTF-16 surrogate or NUL"
# How a key that is itself bad shows in a path (it is never quoted).
BAD_KEY: Final = "<key>"


def is_bad_text(value: str) -> bool:
    """Return True if ``value`` holds an unpaired surrogate or NUL."""
    return _BAD.search(value) is not None


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def json_may_hold_bad_text(text: bytes | str) -> bool:
    r"""Return False if JSON ``text`` cannot decode to any bad key or string.

    A decoded string gets a surrogate or NUL only from a ``\u`` escape, or,
    in bytes, from a surrogate encoded in UTF-8 (``json.loads`` decodes
    bytes with ``surrogatepass``; such a sequence starts with 0xED) or a
    UTF-16/32 body (which holds NUL bytes). Without any of them the decoded
    value need not be scanned; with one, it must be (``\u00e9`` is fine).
    """
    if isinstance(text, str):
        return "\\u" in text or _BAD.search(text) is not None
    return b"\\u" in text or b"\xed" in text or b"\x00" in text


def has_bad_text(value: object) -> bool:
    """Return True if any key or string in ``value`` is bad, at any depth.

    The same walk as `find_bad_text` without building paths: every delivery
    and REST answer is checked, and almost none holds bad text.
    """
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _BAD.search(item) is not None:
                return True
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if isinstance(key, str) and _BAD.search(key) is not None:
                    return True
                stack.append(child)
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def find_bad_text(value: object, path: str = "") -> str | None:
    """Return the path of the first bad key or string in ``value``, else None.

    ``value`` is a decoded JSON value (dicts, lists, tuples, mappings built
    by ``json.loads``). A path is dotted with list indexes (``data.items[2]
    .name``); a bad key is shown as ``<key>`` after its object's path, so a
    path never holds bad text itself. An empty path is ``value`` itself.
    On a hot path, ask `has_bad_text` first: it walks without paths.
    """
    stack: list[tuple[str, object]] = [(path, value)]
    while stack:
        here, item = stack.pop()
        if isinstance(item, str):
            if is_bad_text(item):
                return here
        elif isinstance(item, Mapping):
            # Every key of an object before any of its children: a path
            # below it then names good keys only.
            for key in item:
                if isinstance(key, str) and is_bad_text(key):
                    return _join(here, BAD_KEY)
            stack.extend((_join(here, key), child) for key, child in item.items())
        elif isinstance(item, list | tuple):
            stack.extend(
                (_join(here, index), child) for index, child in enumerate(item)
            )
    return None


def drop_bad_text(value: Any) -> list[str]:
    """Remove every bad key and string from a decoded JSON value, in place.

    An object loses the pair whose key or string value is bad; an array loses
    the bad strings. Returns the paths of what was removed (see
    `find_bad_text`). ``value`` itself, if a bad string, cannot be changed in
    place: it is reported with the empty path and the caller drops it.
    """
    if isinstance(value, str):
        return [""] if is_bad_text(value) else []
    if not has_bad_text(value):
        return []
    dropped: list[str] = []
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        here, item = stack.pop()
        if isinstance(item, dict):
            for key in list(item):
                child = item[key]
                if isinstance(key, str) and is_bad_text(key):
                    dropped.append(_join(here, BAD_KEY))
                    del item[key]
                elif isinstance(child, str) and is_bad_text(child):
                    dropped.append(_join(here, key))
                    del item[key]
                else:
                    stack.append((_join(here, key), child))
        elif isinstance(item, list):
            kept: list[Any] = []
            for index, child in enumerate(item):
                if isinstance(child, str) and is_bad_text(child):
                    dropped.append(_join(here, index))
                else:
                    kept.append(child)
                    stack.append((_join(here, index), child))
            item[:] = kept
    return dropped


__all__ = [
    "BAD_KEY",
    "BAD_TEXT_REASON",
    "drop_bad_text",
    "find_bad_text",
    "has_bad_text",
    "is_bad_text",
    "json_may_hold_bad_text",
]
