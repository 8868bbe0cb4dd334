"""How many new resources (devices) gridX events may create.

A signed event is trusted to be from gridX, but gridX (or whoever holds the
secret) can still name any number of ids. Each new id becomes a device with
entities, and Home Assistant slows down for all entities once there are
many. So pushes may create new resources only at a bounded rate: a token
bucket of `CAPACITY` creations, refilled by `PER_HOUR` an hour. The poll is
not limited: what `GET /gateways` lists is the account's.

A new installation (one gateway and its appliances, an EV) fits in the
bucket; a flood of thousands of distinct ids creates at most `CAPACITY` devices
at once and `PER_HOUR` an hour after that. The events themselves are still
accepted (204) and fired on the bus, only without a device.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Final

CAPACITY: Final = 30
PER_HOUR: Final = 12


@dataclass(slots=True)
class CreationBudget:
    """A token bucket; `take` spends one token if there is one."""

    capacity: int = CAPACITY
    per_hour: int = PER_HOUR
    tokens: float | None = None  # None: full
    refilled_at: datetime | None = None
    # Creations refused since the bucket last had a token.
    refused: int = 0

    def take(self, now: datetime) -> bool:
        """Return True and spend a token, or False when none is left."""
        tokens = float(self.capacity) if self.tokens is None else self.tokens
        if self.refilled_at is not None:
            hours = max((now - self.refilled_at).total_seconds(), 0.0) / 3600
            tokens = min(float(self.capacity), tokens + hours * self.per_hour)
        self.refilled_at = now
        self.tokens = tokens
        if tokens >= 1:
            self.tokens -= 1
            self.refused = 0
            return True
        self.refused += 1
        return False
