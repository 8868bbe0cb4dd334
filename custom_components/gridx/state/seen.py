"""The dedupe cache of gridX event ids, with a replay horizon.

gridX delivers at least once and retries failed deliveries "up to five more
times with exponential backoff" (schedule undocumented), so the same event
``id`` may arrive more than once. `SeenIds` remembers the ids of the last
`SEEN_MAX_SIZE` events for at most `SEEN_MAX_AGE`, with the time each was
received and the (clamped) time of the event.

**Replay horizon.** An id the cache has forgotten (evicted by size or
expired by age) would look new again: the same signed bytes sent after
10,000 newer events, or a day later, would fire automations a second time.
So the cache keeps a horizon, the newest event time among the ids it has
forgotten (stored with the ids, so it survives restarts), and an unknown id
whose event time is at or before the horizon is a `Verdict.REPLAY`: the
pipeline still applies its state (guarded by time, so it never overwrites
newer state) but fires nothing.

Trade-offs: a genuinely new event that gridX delivers late (a retry) and
whose time is not after the newest forgotten event is treated the same way:
its state is applied, but no ``gridx_event``, event entity or device trigger
fires for it. That needs the cache to forget an event newer than it before
the late delivery: more than 10,000 newer events in between, or a delay of
about a day. Firing an automation twice for a replay was judged worse than
not firing for an event that late. The horizon only moves with ids this
store has seen and forgotten: an empty cache (a new entry) takes every id as
new, however old its event; its state is still guarded by time.

Storage is compact (`as_storage`): the ids as one newline-joined string and
the times as integers relative to a base, comma-joined; 10,000 ids are
about 0.5 MB instead of 0.9 MB of pretty-printed pairs, and building it is a
join, cheap in the event loop.
"""

from collections import OrderedDict
from datetime import datetime, timedelta
from enum import Enum
import math
from typing import Any, Final

import homeassistant.util.dt as dt_util

from ..api.text import is_bad_text

SEEN_MAX_SIZE: Final = 10_000
SEEN_MAX_AGE: Final = timedelta(hours=24)
_SEP: Final = "\n"


class Verdict(Enum):
    """What the cache says about a delivery."""

    NEW = "new"
    DUPLICATE = "duplicate"
    REPLAY = "replay"


class SeenIds:
    """A bounded cache of event ids, limited by size and by age."""

    def __init__(
        self, max_size: int = SEEN_MAX_SIZE, max_age: timedelta = SEEN_MAX_AGE
    ) -> None:
        """Start empty, with no horizon."""
        # id -> (received at in POSIX seconds, event time in POSIX
        # milliseconds: precise enough that only the same event, or one of
        # the same millisecond, is at the horizon); oldest first.
        self._ids: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._max_size = max_size
        self._max_age = int(max_age.total_seconds())
        self._horizon: float = -math.inf

    def __len__(self) -> int:
        """Return the number of remembered ids."""
        return len(self._ids)

    @property
    def horizon(self) -> datetime | None:
        """Return the newest event time among the forgotten ids, if any."""
        if self._horizon == -math.inf:
            return None
        return dt_util.utc_from_timestamp(self._horizon / 1000)

    def _expire(self, now: int) -> None:
        cutoff = now - self._max_age
        ids = self._ids
        while ids:
            oldest_id, (seen_at, event_time) = next(iter(ids.items()))
            if seen_at >= cutoff and len(ids) <= self._max_size:
                break
            del ids[oldest_id]
            self._horizon = max(self._horizon, event_time)

    def check_and_add(
        self, event_id: str, now: datetime, event_time: datetime | None = None
    ) -> Verdict:
        """Return what ``event_id`` is; remember it unless it is a duplicate.

        ``event_time`` (the clamped envelope time; ``now`` if omitted) is
        compared with the horizon.
        """
        received = math.floor(now.timestamp())
        occurred = _millis(now if event_time is None else event_time)
        self._expire(received)
        if event_id in self._ids:
            return Verdict.DUPLICATE
        # Against the horizon before this id evicts another one.
        replay = occurred <= self._horizon
        self._ids[event_id] = (received, occurred)
        self._expire(received)
        return Verdict.REPLAY if replay else Verdict.NEW

    def discard(self, event_id: str) -> None:
        """Forget ``event_id`` without moving the horizon (a failed delivery)."""
        self._ids.pop(event_id, None)

    def as_storage(self) -> dict[str, Any]:
        """Return the compact stored form (see the module docstring).

        Runs in the event loop at each save: list copies, one subtraction
        per time and three joins (about 2 ms for 10,000 ids).
        """
        ids = self._ids
        horizon = None if self._horizon == -math.inf else int(self._horizon)
        if any(_SEP in key for key in ids):  # only hostile ids contain one
            plain = {k: v for k, v in ids.items() if _SEP not in k}
            other = [[k, *v] for k, v in ids.items() if _SEP in k]
        else:
            plain, other = ids, []
        received, times = zip(*plain.values(), strict=True) if plain else ((), ())
        base = received[0] if received else 0  # the oldest: ids are in order
        time_base = base * 1000
        data: dict[str, Any] = {
            "ids": _SEP.join(plain),
            "received_base": base,
            "received": ",".join(map(str, [r - base for r in received])),
            "time_base": time_base,
            "time": ",".join(map(str, [t - time_base for t in times])),
            "horizon": horizon,
        }
        if other:
            data["other"] = other
        return data

    def load(self, data: object, now: datetime) -> None:
        """Load `as_storage` output, dropping malformed and expired items.

        An id holding text no one can store (`api.text`; earlier versions
        accepted it) is malformed: it is dropped, so the store saves again.

        Also reads the list of ``[id, iso time]`` pairs of storage version 1
        (the event time is then unknown; the receive time stands in for it).
        """
        if isinstance(data, list):
            self._load_pairs(data)
        elif isinstance(data, dict):
            self._load_compact(data)
        self._expire(math.floor(now.timestamp()))

    def _load_pairs(self, items: list[Any]) -> None:
        for item in items:
            if (
                isinstance(item, list)
                and len(item) == 2
                and isinstance(item[0], str)
                and not is_bad_text(item[0])
            ):
                seen = dt_util.parse_datetime(str(item[1]))
                if seen is not None:
                    self._ids[item[0]] = (math.floor(seen.timestamp()), _millis(seen))

    def _load_compact(self, data: dict[str, Any]) -> None:
        horizon = data.get("horizon")
        if isinstance(horizon, int | float) and not isinstance(horizon, bool):
            self._horizon = max(self._horizon, float(horizon))
        try:
            ids = str(data["ids"]).split(_SEP) if data["ids"] else []
            base = int(data["received_base"])
            received = [base + int(v) for v in str(data["received"]).split(",") if v]
            time_base = int(data["time_base"])
            times = [time_base + int(v) for v in str(data["time"]).split(",") if v]
        except KeyError, TypeError, ValueError:
            return
        if len(ids) == len(received) == len(times):
            self._ids.update(
                (event_id, pair)
                for event_id, pair in zip(
                    ids, zip(received, times, strict=True), strict=True
                )
                if not is_bad_text(event_id)
            )
        for item in data.get("other", ()):
            if (
                isinstance(item, list)
                and len(item) == 3
                and isinstance(item[0], str)
                and not is_bad_text(item[0])
                and all(isinstance(v, int) for v in item[1:])
            ):
                self._ids[item[0]] = (item[1], item[2])
        if "other" in data:  # back into receive order, for eviction
            self._ids = OrderedDict(sorted(self._ids.items(), key=lambda kv: kv[1][0]))


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=dt_util.UTC)
_MS: Final = timedelta(milliseconds=1)


def _millis(value: datetime) -> int:
    return (value - _EPOCH) // _MS


__all__ = ["SEEN_MAX_AGE", "SEEN_MAX_SIZE", "SeenIds", "Verdict"]
