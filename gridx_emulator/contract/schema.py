"""The little schema language of the REST contract, and its validator.

Shapes: `Str` (``enum``, ``fmt`` uuid/date-time), `Num`, `Bool`,
`Anything`, `Arr`, `Obj` (closed unless ``open``), `OneOf` (by a
discriminator key) and `Either` (two readings the facts leave open).
`validate` returns the problems as ``path: message`` strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
import re
from typing import Any

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Str:
    """A string; ``enum`` limits it, ``fmt`` is ``uuid`` or ``date-time``."""

    enum: tuple[str, ...] | None = None
    fmt: str | None = None


@dataclass(frozen=True)
class Num:
    """A JSON number (integers and floats mix, live facts §3.2)."""

    integer: bool = False


@dataclass(frozen=True)
class Bool:
    """A JSON boolean."""


@dataclass(frozen=True)
class Anything:
    """Any JSON value: the spec requires the key but gives it no schema."""


@dataclass(frozen=True)
class Arr:
    """A JSON array of ``item``."""

    item: Shape


@dataclass(frozen=True)
class Obj:
    """A JSON object: ``required`` and ``optional`` keys; ``open`` allows others.

    ``open`` is for objects the integration never reads and the facts do
    not list (e.g. ``system.metadata``).
    """

    required: Mapping[str, Shape] = field(default_factory=dict)
    optional: Mapping[str, Shape] = field(default_factory=dict)
    open: bool = False


@dataclass(frozen=True)
class OneOf:
    """An object chosen by the value of its ``discriminator`` key."""

    discriminator: str
    choices: Mapping[str, Obj]


@dataclass(frozen=True)
class Either:
    """Any of ``shapes``: two readings the facts leave open."""

    shapes: tuple[Shape, ...]


type Shape = Str | Num | Bool | Anything | Arr | Obj | OneOf | Either


def validate(shape: Shape, value: Any, path: str = "$") -> list[str]:
    """Return what in ``value`` does not fit ``shape`` (empty: it fits)."""
    match shape:
        case Str():
            return _check_str(shape, value, path)
        case Num():
            if isinstance(value, bool) or not isinstance(value, int | float):
                return [f"{path}: expected a number"]
            if shape.integer and not isinstance(value, int):
                return [f"{path}: expected an integer"]
            return []
        case Bool():
            return [] if isinstance(value, bool) else [f"{path}: expected a boolean"]
        case Anything():
            return []
        case Arr():
            if not isinstance(value, list):
                return [f"{path}: expected an array"]
            return [
                problem
                for index, item in enumerate(value)
                for problem in validate(shape.item, item, f"{path}[{index}]")
            ]
        case Obj():
            return _check_obj(shape, value, path)
        case OneOf():
            if not isinstance(value, Mapping):
                return [f"{path}: expected an object"]
            choice = shape.choices.get(str(value.get(shape.discriminator)))
            if choice is None:
                return [
                    f"{path}.{shape.discriminator}: not one of {sorted(shape.choices)}"
                ]
            return _check_obj(choice, value, path)
        case Either():
            results = [validate(option, value, path) for option in shape.shapes]
            return [] if any(not r for r in results) else min(results, key=len)


def _check_str(shape: Str, value: Any, path: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{path}: expected a string"]
    if shape.enum is not None and value not in shape.enum:
        return [f"{path}: {value!r} not in {list(shape.enum)}"]
    if shape.fmt == "uuid" and not _UUID.fullmatch(value):
        return [f"{path}: not a uuid"]
    if shape.fmt == "date-time":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return [f"{path}: not an RFC 3339 date-time"]
        if moment.tzinfo is None:
            return [f"{path}: date-time without a zone"]
    return []


def _check_obj(shape: Obj, value: Any, path: str) -> list[str]:
    if not isinstance(value, Mapping):
        return [f"{path}: expected an object"]
    problems = [f"{path}.{key}: missing" for key in shape.required if key not in value]
    for key, item in value.items():
        sub = shape.required.get(key) or shape.optional.get(key)
        if sub is None:
            if not shape.open:
                problems.append(f"{path}.{key}: not in the documented shape")
            continue
        problems.extend(validate(sub, item, f"{path}.{key}"))
    return problems


UUID = Str(fmt="uuid")
TIME = Str(fmt="date-time")
TEXT = Str()
NUMBER = Num()
INTEGER = Num(integer=True)
OPEN = Obj(open=True)
