"""Signed webhook delivery with gridX's retry rules (gridx-facts §1.6, §4).

One POST of the exact body bytes to the exact target URL, with
``Content-Type: application/json`` and ``X-Signature``. ``200/201/202/204``
is success; ``408/429/500/502/503/504``, a timeout or a connection error are
retried up to five more times with exponential backoff; ``410`` means "delete
the subscription" (the caller does that); anything else is permanent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging

import aiohttp
from yarl import URL

from ._protocol import SIGNATURE_HEADER

_LOGGER = logging.getLogger(__name__)

SUCCESS_STATUSES: frozenset[int] = frozenset({200, 201, 202, 204})
RETRY_STATUSES: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})
GONE = 410
MAX_RETRIES = 5
# How much of a failing receiver's answer is logged.
_LOG_BODY_LIMIT = 2048


@dataclass(frozen=True)
class DeliveryOutcome:
    """What happened to one event at one target, after any retries."""

    attempts: int
    status: int | None
    error: str | None

    @property
    def gone(self) -> bool:
        """Return True when the receiver answered 410 Gone."""
        return self.status == GONE


@dataclass(frozen=True)
class DeliveryResult:
    """The result of delivering one event to one subscription or rule."""

    target_url: str
    kind: str  # "subscription" or "rule"
    target_id: str
    event_id: str
    attempts: int
    status: int | None
    error: str | None
    deleted: bool

    @property
    def ok(self) -> bool:
        """Return True when the receiver accepted the event."""
        return self.status in SUCCESS_STATUSES


def is_retryable(status: int | None) -> bool:
    """Return True for a transient failure (``None`` = timeout/connection error)."""
    return status is None or status in RETRY_STATUSES


async def post_with_retries(
    session: aiohttp.ClientSession,
    target_url: str,
    body: bytes,
    signature: str,
    *,
    retry_base_delay: float,
    attempt_timeout: float,
    max_retries: int = MAX_RETRIES,
) -> DeliveryOutcome:
    """POST ``body`` to ``target_url`` until it succeeds or fails for good.

    Attempt ``n`` (0-based) that fails transiently is followed by a sleep of
    ``retry_base_delay * 2**n``. Each attempt is bounded by ``attempt_timeout``.
    """
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature}
    # encoded=True: send the path and query exactly as registered.
    url = URL(target_url, encoded=True)
    client_timeout = aiohttp.ClientTimeout(total=attempt_timeout)
    status: int | None = None
    error: str | None = None
    attempt = 0
    while True:
        attempt += 1
        status, error = None, None
        try:
            async with session.post(
                url,
                data=body,
                headers=headers,
                timeout=client_timeout,
                allow_redirects=False,
            ) as response:
                status = response.status
                if status not in SUCCESS_STATUSES:
                    answer = await response.content.read(_LOG_BODY_LIMIT)
                    _LOGGER.debug(
                        "Delivery to %s got %s: %r", target_url, status, answer
                    )
        except TimeoutError:
            error = f"timeout after {attempt_timeout} s"
        except aiohttp.ClientError as err:
            error = f"{type(err).__name__}: {err}"
        if not is_retryable(status) or attempt > max_retries:
            return DeliveryOutcome(attempts=attempt, status=status, error=error)
        delay = retry_base_delay * 2 ** (attempt - 1)
        _LOGGER.debug(
            "Delivery to %s failed (%s), retry %d in %.3f s",
            target_url,
            status or error,
            attempt,
            delay,
        )
        await asyncio.sleep(delay)
