"""Tests for the gridX webhook: the real webhook component over HTTP."""

from http import HTTPStatus
import json
from pathlib import Path
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from homeassistant.util.aiohttp import MockRequest
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.gridx.api.models import GridxEvent
from custom_components.gridx.api.signature import sign
from custom_components.gridx.const import DOMAIN, EVENT_GRIDX, MAX_BODY_BYTES
from custom_components.gridx.push.endpoint import async_create_handler

from .conftest import FIXTURES, SECRET, WEBHOOK_ID, PostWebhook, load_event

pytestmark = pytest.mark.usefixtures("init_integration")

GATEWAY_ONLINE: dict[str, Any] = {
    "id": "4f0c1f43-7f38-4d4c-9b8e-2f4d1c0f6a11",
    "time": "2026-11-28T10:15:00Z",
    "specVersion": "1.0",
    "source": "/systems/af87d7b3-316f-4d26-868c-4ae351095bdc",
    "type": "gateway/online",
    "data": {
        "gatewayID": "680d63aa-6e1d-4447-af7c-35c5eb6ca810",
        "gatewayName": "My gridBox",
        "systemID": "af87d7b3-316f-4d26-868c-4ae351095bdc",
    },
}
EVENT_FILES = sorted(p.name for p in (FIXTURES / "events").glob("*.json"))


@pytest.fixture
def bus_events(hass: HomeAssistant) -> list[Event]:
    """Capture every gridx_event."""
    return async_capture_events(hass, EVENT_GRIDX)


async def test_signed_event_fires_bus_event(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    bus_events: list[Event],
    init_integration: MockConfigEntry,
) -> None:
    """A signed event answers 204 and comes out as gridx_event."""
    resp = await post_webhook(GATEWAY_ONLINE)
    assert resp.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()

    assert len(bus_events) == 1
    data = bus_events[0].data
    assert data["type"] == "gateway/online"
    assert data["id"] == GATEWAY_ONLINE["id"]
    assert data["time"] == "2026-11-28T10:15:00+00:00"
    assert data["source"] == GATEWAY_ONLINE["source"]
    assert data["gateway_id"] == "680d63aa-6e1d-4447-af7c-35c5eb6ca810"
    assert data["system_id"] == "af87d7b3-316f-4d26-868c-4ae351095bdc"
    assert data["appliance_id"] is None
    assert data["config_entry_id"] == init_integration.entry_id
    assert data["data"]["gateway_name"] == "My gridBox"
    # The event is JSON-serialisable and carries no secret.
    assert SECRET not in json.dumps(data)


@pytest.mark.parametrize("name", EVENT_FILES)
async def test_every_event_type(
    hass: HomeAssistant, post_webhook: PostWebhook, bus_events: list[Event], name: str
) -> None:
    """Every fixture, current and legacy shapes, is accepted and fired."""
    body = load_event(name)
    resp = await post_webhook(body)
    assert resp.status == HTTPStatus.NO_CONTENT, await resp.text()
    await hass.async_block_till_done()
    assert [e.data["type"] for e in bus_events] == [body["type"]]
    assert bus_events[0].data["id"] == body["id"]


async def test_unknown_type_is_accepted(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    bus_events: list[Event],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A type this version does not know gets 204, a debug log and raw data."""
    caplog.set_level("DEBUG", logger="custom_components.gridx")
    body = {**GATEWAY_ONLINE, "type": "battery/exploded", "data": {"foo": 1}}
    resp = await post_webhook(body)
    assert resp.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    assert "unknown type battery/exploded" in caplog.text
    assert bus_events[0].data["type"] == "battery/exploded"
    assert bus_events[0].data["data"] == {"foo": 1}


@pytest.mark.parametrize(
    "secrets",
    [
        [SECRET],
        ["whsec_old", SECRET],
        [SECRET, "whsec_newer"],
        ["a", "b", "c", "d", SECRET],
    ],
    ids=["one", "old-and-new", "new-and-newer", "five"],
)
async def test_several_digests(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    bus_events: list[Event],
    secrets: list[str],
) -> None:
    """Any one matching digest among up to five is enough."""
    resp = await post_webhook(GATEWAY_ONLINE, secrets=secrets)
    assert resp.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    assert len(bus_events) == 1


def _digest(secret: str, body: bytes) -> str:
    return sign(body, [secret]).removeprefix("sha512=")


RAW = json.dumps(GATEWAY_ONLINE).encode()
GOOD = _digest(SECRET, RAW)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha512=",
        f"sha256={GOOD}",
        f"sha512={GOOD[:-2]}",
        f"sha512={GOOD}00",
        f"sha512={'g' * 128}",
        f"sha512={_digest('whsec_wrong', RAW)}",
        f"sha512={_digest(SECRET, RAW + b' ')}",
        ", ".join(
            [f"sha512={_digest(f's{i}', RAW)}" for i in range(5)] + [f"sha512={GOOD}"]
        ),
        f"sha512={GOOD};sha512={GOOD}",
        f"sha512={GOOD},  sha512={GOOD}",
        f"SHA512={GOOD}",
    ],
    ids=[
        "missing",
        "empty",
        "no-digest",
        "wrong-algorithm",
        "short",
        "long",
        "not-hex",
        "wrong-secret",
        "other-body",
        "six-digests",
        "bad-separator",
        "two-spaces",
        "upper-prefix",
    ],
)
async def test_bad_signature(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    bus_events: list[Event],
    signature: str | None,
) -> None:
    """Every bad signature form gets 401 with an empty body and fires nothing."""
    resp = await post_webhook(RAW, signature=signature)
    assert resp.status == HTTPStatus.UNAUTHORIZED
    assert await resp.read() == b""
    await hass.async_block_till_done()
    assert bus_events == []


async def test_signature_hex_case_and_separator(
    hass: HomeAssistant, post_webhook: PostWebhook, bus_events: list[Event]
) -> None:
    """Upper-case hex and a comma without a space are accepted."""
    other = _digest("whsec_other", RAW)
    resp = await post_webhook(RAW, signature=f"sha512={other},sha512={GOOD.upper()}")
    assert resp.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    assert len(bus_events) == 1


async def test_body_is_verified_as_received(
    hass: HomeAssistant, post_webhook: PostWebhook, bus_events: list[Event]
) -> None:
    """The digest covers the exact bytes: re-serialised JSON would not match."""
    raw = json.dumps(GATEWAY_ONLINE, indent=2, ensure_ascii=False).encode()
    resp = await post_webhook(raw)
    assert resp.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    assert len(bus_events) == 1


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"not json", HTTPStatus.BAD_REQUEST, "body"),
        (b"[1, 2]", HTTPStatus.BAD_REQUEST, "body"),
        (b'"text"', HTTPStatus.BAD_REQUEST, "body"),
        (b"", HTTPStatus.BAD_REQUEST, "body"),
        (
            json.dumps({k: v for k, v in GATEWAY_ONLINE.items() if k != "id"}).encode(),
            HTTPStatus.BAD_REQUEST,
            "id",
        ),
        (
            json.dumps({**GATEWAY_ONLINE, "data": ["gatewayID"]}).encode(),
            HTTPStatus.BAD_REQUEST,
            "data",
        ),
        (
            json.dumps({**GATEWAY_ONLINE, "time": "yesterday"}).encode(),
            HTTPStatus.BAD_REQUEST,
            "time",
        ),
    ],
    ids=["non-json", "array", "string", "empty", "no-id", "data-array", "bad-time"],
)
async def test_malformed_body(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    bus_events: list[Event],
    body: bytes,
    status: HTTPStatus,
    reason: str,
) -> None:
    """A signed body with a malformed envelope gets 400 naming the field.

    A valid envelope whose data drifted is accepted (test_hostile_input).
    """
    resp = await post_webhook(body)
    assert resp.status == status
    text = await resp.text()
    assert text.startswith("invalid event: ")
    assert reason in text
    await hass.async_block_till_done()
    assert bus_events == []


async def test_oversized_body(
    hass: HomeAssistant, post_webhook: PostWebhook, bus_events: list[Event]
) -> None:
    """A body over 64 KiB gets 413 before any parsing, and fires nothing."""
    body = {
        **GATEWAY_ONLINE,
        "data": {**GATEWAY_ONLINE["data"], "pad": "x" * MAX_BODY_BYTES},
    }
    resp = await post_webhook(body)
    assert resp.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    await hass.async_block_till_done()
    assert bus_events == []


async def test_body_at_limit_is_read(
    hass: HomeAssistant, post_webhook: PostWebhook, bus_events: list[Event]
) -> None:
    """A body of exactly 64 KiB is read whole, and its signature checked."""
    raw = json.dumps(GATEWAY_ONLINE).encode()
    raw = raw[:-1] + b" " * (MAX_BODY_BYTES - len(raw)) + b"}"
    assert len(raw) == MAX_BODY_BYTES
    resp = await post_webhook(raw)
    assert resp.status == HTTPStatus.NO_CONTENT
    await hass.async_block_till_done()
    assert len(bus_events) == 1


async def test_chunked_oversized_body(
    hass: HomeAssistant, hass_client_no_auth: Any, bus_events: list[Event]
) -> None:
    """Without a Content-Length, the cap still applies while streaming."""
    client = await hass_client_no_auth()

    async def gen() -> Any:
        for _ in range(5):
            yield b"x" * 20000

    resp = await client.post(f"/api/webhook/{WEBHOOK_ID}", data=gen())
    assert resp.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    await hass.async_block_till_done()
    assert bus_events == []


@pytest.mark.parametrize(
    ("pad", "status"),
    [(0, HTTPStatus.NO_CONTENT), (MAX_BODY_BYTES, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)],
    ids=["fits", "too-large"],
)
async def test_cloudhook_relay(
    hass: HomeAssistant, bus_events: list[Event], pad: int, status: HTTPStatus
) -> None:
    """A delivery relayed by Nabu Casa arrives as a MockRequest without read().

    This is the path cloud/client.py takes: it builds a MockRequest from the
    relayed body and headers and calls the webhook component directly. The
    signature still verifies over the body as received.
    """
    body = {**GATEWAY_ONLINE, "data": {**GATEWAY_ONLINE["data"], "pad": "x" * pad}}
    raw = json.dumps(body).encode()
    request = MockRequest(
        content=raw,
        mock_source="cloud",
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Signature": sign(raw, [SECRET]),
        },
    )
    assert not hasattr(request, "read")
    response = await webhook.async_handle_webhook(hass, WEBHOOK_ID, request)  # type: ignore[arg-type]
    assert response.status == status
    await hass.async_block_till_done()
    assert len(bus_events) == (1 if status == HTTPStatus.NO_CONTENT else 0)


async def test_only_post(hass: HomeAssistant, hass_client_no_auth: Any) -> None:
    """The webhook is registered for POST only."""
    client = await hass_client_no_auth()
    resp = await client.put(f"/api/webhook/{WEBHOOK_ID}", data=RAW)
    assert resp.status == HTTPStatus.METHOD_NOT_ALLOWED


async def test_processing_error_is_500_not_200(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unexpected processing error answers 500 (gridX retries), never 200."""

    def broken(event: GridxEvent) -> None:
        raise RuntimeError("boom")

    webhook.async_register(
        hass,
        DOMAIN,
        "broken",
        "broken-hook",
        async_create_handler(lambda: [SECRET], broken),
        allowed_methods=["POST"],
    )
    resp = await post_webhook(GATEWAY_ONLINE, webhook_id="broken-hook")
    assert resp.status == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Error processing gridX event" in caplog.text
    webhook.async_unregister(hass, "broken-hook")


async def test_unload_answers_503(
    hass: HomeAssistant,
    post_webhook: PostWebhook,
    bus_events: list[Event],
    init_integration: MockConfigEntry,
) -> None:
    """After unload the webhook answers 503 (gridX retries) and nothing fires."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    resp = await post_webhook(GATEWAY_ONLINE)
    assert resp.status == HTTPStatus.SERVICE_UNAVAILABLE
    await hass.async_block_till_done()
    assert bus_events == []


def test_fixtures_exist() -> None:
    """The per-type table above is not empty."""
    assert len(EVENT_FILES) >= 20
    assert Path(FIXTURES / "events").is_dir()
