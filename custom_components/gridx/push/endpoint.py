"""The gridX webhook: read, verify, parse and hand over one delivery.

gridX POSTs every event to the one URL it was given. The handler answers
within gridX's 5 s limit and never with 410, which would make gridX delete
the subscription:

- 503, with an empty body, when the entry stopped accepting deliveries
  while the body was read (it is unloading; see `router`);
- 413 when the body is larger than gridX ever sends;
- 401, with an empty body, when no ``X-Signature`` digest matches a secret;
- 400, with a short reason, when the envelope is not a valid gridX event:
  not JSON, a duplicate key, a missing envelope field, an id over its cap;
- 500 when processing fails unexpectedly, so gridX retries (Home Assistant
  would otherwise log the exception and answer 200, losing the event);
- 204 otherwise: also for event types this version does not know, for a
  known type whose data no longer validates (schema drift: fired with the
  raw data, warned once per type and field) and for numbers no sensor can
  hold (that field is dropped, warned once per type and field).
"""

from collections.abc import Awaitable, Callable, Sequence
from http import HTTPStatus
import re
from typing import Final

from aiohttp import StreamReader, web
from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_send

from ..api.errors import GridxParseError
from ..api.models import GridxEvent, UnvalidatedEventData, parse_event
from ..api.signature import SIGNATURE_HEADER, verify_signature
from ..const import LOGGER, MAX_BODY_BYTES, signal_bad_signature

type EventProcessor = Callable[[GridxEvent], None]
type WebhookHandler = Callable[
    [HomeAssistant, str, web.Request], Awaitable[web.Response | None]
]


# A logged parse problem is cut to this length: it may quote the value.
MAX_LOGGED_ERROR: Final = 200
_INDEX = re.compile(r"\[\d+\]")


class BodyTooLargeError(Exception):
    """The request body is larger than MAX_BODY_BYTES."""


async def read_body(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """Return the raw body, reading at most ``limit`` bytes.

    Reads from ``request.content``, which both aiohttp's request and the
    ``MockRequest`` that Nabu Casa's cloudhook relay builds provide (the
    latter has no ``read()``). The bytes are exactly what was received.
    """
    # MockRequest has no content_length either; the read below caps anyway.
    declared: int | None = getattr(request, "content_length", None)
    if declared is not None and declared > limit:
        raise BodyTooLargeError
    content: StreamReader = request.content  # MockRequest: a new reader per access
    chunks: list[bytes] = []
    size = 0
    while chunk := await content.read(limit + 1 - size):
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


class _DriftWarnings:
    """Warn once per event type and field about data that did not validate."""

    def __init__(self) -> None:
        self._warned: set[tuple[str, str]] = set()

    def _first(self, event_type: str, field: str) -> bool:
        key = (event_type, _INDEX.sub("[]", field))
        if key in self._warned:
            return False
        self._warned.add(key)
        return True

    def check(self, event: GridxEvent) -> None:
        """Log what of ``event`` was not applied, the first time per field."""
        data = event.data
        if isinstance(data, UnvalidatedEventData):
            if self._first(event.type, data.error_field):
                LOGGER.warning(
                    "gridX sent %s data that does not match the known schema "
                    "(%s); the event is fired with its raw data and only its "
                    "type and ids are applied. Further such events are logged "
                    "at debug level",
                    event.type,
                    data.error[:MAX_LOGGED_ERROR],
                )
            else:
                LOGGER.debug("Unvalidated gridX event %s: %s", event.id, data.error)
        for field in event.invalid_fields:
            if self._first(event.type, field):
                LOGGER.warning(
                    "gridX sent %s with a %s no sensor can hold (NaN, infinite "
                    "or beyond 2^53); that field is ignored, the rest applied",
                    event.type,
                    field,
                )


def async_create_handler(
    get_secrets: Callable[[], Sequence[str]],
    process: EventProcessor,
    accepting: Callable[[], bool] = lambda: True,
) -> WebhookHandler:
    """Return a webhook handler that verifies with the current secrets.

    ``get_secrets`` is called per request, so a rotated secret takes effect
    without a reload. ``process`` runs in the event loop and must be quick.
    ``accepting`` is asked once the body is read: False (the entry began to
    unload meanwhile) answers 503 so gridX delivers again.
    """
    drift = _DriftWarnings()

    async def handle(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        try:
            body = await read_body(request)
        except BodyTooLargeError:
            LOGGER.debug("Rejected a webhook body larger than %s bytes", MAX_BODY_BYTES)
            return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        # From here to process() nothing awaits: what is accepted now is
        # processed by a pipeline that is still there.
        if not accepting():
            return web.Response(status=HTTPStatus.SERVICE_UNAVAILABLE)

        if not verify_signature(
            body, request.headers.get(SIGNATURE_HEADER), get_secrets()
        ):
            LOGGER.debug("Rejected a webhook delivery with a missing or bad signature")
            async_dispatcher_send(hass, signal_bad_signature(webhook_id))
            return web.Response(status=HTTPStatus.UNAUTHORIZED)

        try:
            event = parse_event(body)
        except GridxParseError as err:
            LOGGER.debug("Rejected an invalid gridX event: %s", err)
            return web.Response(
                status=HTTPStatus.BAD_REQUEST, text=f"invalid event: {err}"
            )

        if event.event_type is None:
            LOGGER.debug("Received gridX event of unknown type %s", event.type)
        drift.check(event)
        try:
            process(event)
        except Exception:  # noqa: BLE001 - any failure must become a 500, never a 200
            LOGGER.exception(
                "Error processing gridX event %s (%s)", event.id, event.type
            )
            return web.Response(status=HTTPStatus.INTERNAL_SERVER_ERROR)
        return web.Response(status=HTTPStatus.NO_CONTENT)

    return handle
