"""The dedupe cache: bounds, the replay horizon and its compact storage."""

from datetime import timedelta
import json
import uuid

import homeassistant.util.dt as dt_util

from custom_components.gridx.state.seen import SEEN_MAX_SIZE, SeenIds, Verdict


def test_seen_ids_bounded_by_size_and_age() -> None:
    """The dedupe cache forgets the oldest ids and ids older than its age."""
    now = dt_util.utcnow()
    seen = SeenIds(max_size=3, max_age=timedelta(hours=1))
    for i, key in enumerate("abcd"):
        assert seen.check_and_add(key, now, now + timedelta(seconds=i)) is Verdict.NEW
    assert len(seen) == 3
    # "a" was evicted: not a duplicate any more (but a replay, see below).
    assert seen.check_and_add("a", now) is not Verdict.DUPLICATE
    assert seen.check_and_add("d", now) is Verdict.DUPLICATE
    later = now + timedelta(hours=2)
    assert seen.check_and_add("d", later) is not Verdict.DUPLICATE  # expired
    assert len(seen) == 1


def test_replay_after_eviction_is_not_new() -> None:
    """An evicted id sent again is a replay; newer events are still new."""
    now = dt_util.utcnow()
    seen = SeenIds(max_size=3)
    times = [now - timedelta(minutes=10 - i) for i in range(6)]
    for i, time in enumerate(times):
        assert seen.check_and_add(f"e{i}", now, time) is Verdict.NEW
    # e0..e2 were evicted; the horizon is the newest of their times (in ms).
    assert seen.horizon == times[2].replace(
        microsecond=times[2].microsecond // 1000 * 1000
    )
    # A new event after the horizon is new, even if older than the cached ones.
    assert seen.check_and_add("late", now, times[2] + timedelta(seconds=1)) is (
        Verdict.NEW
    )
    assert seen.check_and_add("e0", now, times[0]) is Verdict.REPLAY
    assert seen.check_and_add("e2", now, times[2]) is Verdict.REPLAY


def test_replay_after_a_day() -> None:
    """An id that expired after a day is a replay; a newer event is not."""
    now = dt_util.utcnow()
    seen = SeenIds()
    occurred = now - timedelta(minutes=1)
    assert seen.check_and_add("old", now, occurred) is Verdict.NEW
    tomorrow = now + timedelta(hours=25)
    assert seen.check_and_add("next", tomorrow, tomorrow) is Verdict.NEW
    assert seen.horizon is not None
    assert seen.check_and_add("old", tomorrow, occurred) is Verdict.REPLAY
    assert seen.check_and_add("old", tomorrow, occurred) is Verdict.DUPLICATE
    # Any unknown id at or before the horizon is a replay.
    assert seen.check_and_add("unseen", tomorrow, now - timedelta(days=9)) is (
        Verdict.REPLAY
    )


def test_discard_keeps_no_horizon() -> None:
    """A discarded id (failed processing) is new again, not a replay."""
    now = dt_util.utcnow()
    seen = SeenIds(max_size=2)
    assert seen.check_and_add("x", now) is Verdict.NEW
    seen.discard("x")
    seen.discard("never")
    assert seen.check_and_add("x", now) is Verdict.NEW


def test_compact_storage_round_trip() -> None:
    """Ids, both times and the horizon survive storage; odd ids too."""
    now = dt_util.utcnow()
    seen = SeenIds(max_size=4)
    for i in range(5):
        seen.check_and_add(f"id{i}", now + timedelta(seconds=i), now)
    seen.check_and_add("line\nbreak", now + timedelta(seconds=9), now)
    data = json.loads(json.dumps(seen.as_storage()))
    assert isinstance(data["ids"], str)
    restored = SeenIds(max_size=4)
    restored.load(data, now + timedelta(seconds=10))
    assert len(restored) == 4
    assert restored.horizon == seen.horizon
    assert restored.check_and_add("line\nbreak", now) is Verdict.DUPLICATE
    assert restored.check_and_add("id4", now) is Verdict.DUPLICATE
    assert restored.check_and_add("id0", now, now) is Verdict.REPLAY


def test_load_version_1_pairs_and_garbage() -> None:
    """The old ``[[id, time]]`` list loads; malformed data is skipped."""
    now = dt_util.utcnow()
    seen = SeenIds()
    seen.load([["a", now.isoformat()], ["bad"], "junk", ["x", "not a time"]], now)
    assert seen.check_and_add("a", now) is Verdict.DUPLICATE
    assert len(seen) == 1
    for junk in (
        "not a list",
        {"ids": "a\nb", "received_base": 0, "received": "1", "time_base": 0},
        {"ids": "a", "received_base": "x", "received": "", "time_base": 0, "time": ""},
        {"ids": "", "horizon": True, "other": [["z", 1], "junk"]},
    ):
        empty = SeenIds()
        empty.load(junk, now)
        assert len(empty) == 0
        assert empty.horizon is None


def test_ten_thousand_ids_are_compact() -> None:
    """A full cache is about half the size of the old pretty-printed pairs."""
    now = dt_util.utcnow()
    seen = SeenIds()
    for i in range(SEEN_MAX_SIZE):
        seen.check_and_add(str(uuid.uuid4()), now, now - timedelta(seconds=i))
    compact = json.dumps(seen.as_storage(), indent=2)
    pairs = json.dumps(
        [[str(uuid.uuid4()), now.isoformat()] for _ in range(SEEN_MAX_SIZE)], indent=2
    )
    assert len(compact) < 0.6 * len(pairs)
    assert compact.count("\n") < 20  # not one line per id
