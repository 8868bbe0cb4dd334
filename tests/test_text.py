"""Issue 20 §1: text no one can store, in what gridX's REST API and Auth0 answer.

`api.text` finds and drops keys and strings holding an unpaired UTF-16
surrogate or NUL; the REST client drops them from every answer (warned once
per field, the rest used), the portal session from token answers. The
webhook side is in test_hostile_input.py, stored data in test_store_text.py.
"""

import base64
import json
import logging
from types import MappingProxyType
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.gridx.api.auth import PortalSession, jwt_claims
from custom_components.gridx.api.client import GridxClient
from custom_components.gridx.api.envelope import parse_event
from custom_components.gridx.api.errors import (
    GridxParseError,
    GridxResponseError,
    GridxStatusError,
)
from custom_components.gridx.api.gateways import Appliance, Gateway
from custom_components.gridx.api.portals import get_portal
from custom_components.gridx.api.text import (
    drop_bad_text,
    find_bad_text,
    has_bad_text,
    is_bad_text,
    json_may_hold_bad_text,
)

BASE = "https://api.gridx.de"
MOCK_AUTH = "https://auth.example.invalid"
LOGGER = "custom_components.gridx.api.client"


def _decoded(text: str) -> Any:
    """Decode JSON text the way the client does (escapes stay escapes here)."""
    return json.loads(text)


@pytest.mark.parametrize(
    ("value", "bad"),
    [
        ("plain", False),
        ("", False),
        ("emoji \U0001f600", False),  # a surrogate pair decodes to one code point
        (_decoded('"\\ud83d\\ude00"'), False),
        (_decoded('"\\ud800"'), True),
        (_decoded('"x\\udfffy"'), True),
        (_decoded('"\\u0000"'), True),
    ],
)
def test_is_bad_text(value: str, bad: bool) -> None:
    """Only an unpaired surrogate or NUL is bad."""
    assert is_bad_text(value) is bad


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"a": 1, "b": [true, null, 1.5, "ok"], "c": {"d": "e"}}', None),
        ('"\\ud800"', ""),
        ('{"a": "\\u0000"}', "a"),
        ('{"a": {"b": [1, {"c": "x\\ud800"}]}}', "a.b[1].c"),
        ('{"a": {"\\udc00": 1}}', "a.<key>"),
        ('[1, ["ok", "\\u0000"]]', "[1][1]"),
        # A bad key is found before anything below its object.
        ('{"a": {"deep": "\\u0000"}, "\\ud800": 1}', "<key>"),
    ],
)
def test_find_bad_text(text: str, path: str | None) -> None:
    """The first bad key or string, by a path that never quotes it."""
    assert find_bad_text(_decoded(text)) == path


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "b": [true, null, 1.5, "ok"], "c": {"d": "e"}}',
        '"\\ud800"',
        '{"a": {"\\udc00": 1}}',
        '[1, ["ok", "\\u0000"]]',
        '[["ok", "\\u0000"], 1]',
    ],
)
def test_has_bad_text_agrees_with_find(text: str) -> None:
    """`has_bad_text` is the path-free walk: True exactly where a path is found."""
    value = _decoded(text)
    assert has_bad_text(value) is (find_bad_text(value) is not None)


@pytest.mark.parametrize(
    ("text", "may"),
    [
        (b'{"name": "gridBox K\xc3\xb6ln"}', False),  # UTF-8, no escape
        (b'{"name": "\\u00e9"}', True),  # any escape is scanned
        (b'{"name": "\xed\xa0\x80"}', True),  # a UTF-8-encoded surrogate
        ('{"n": 1}'.encode("utf-16"), True),  # UTF-16 holds NUL bytes
        ('{"name": "K\u00f6ln"}', False),
        ('{"name": "\\u0000"}', True),
        ('{"name": "\ud800"}', True),  # a str may hold one undecoded
    ],
)
def test_json_may_hold_bad_text(text: bytes | str, may: bool) -> None:
    """Only text without escapes, 0xED and NUL skips the scan."""
    assert json_may_hold_bad_text(text) is may


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": "\xed\xa0\x80"}',
        b'{"id": "\\ud800"}',
        '{"id": "\\u0000"}'.encode("utf-16"),
    ],
)
def test_parse_event_scans_what_may_hold_bad_text(body: bytes) -> None:
    """A surrogate however encoded, even in UTF-16, is refused by path."""
    with pytest.raises(GridxParseError) as err:
        parse_event(body)
    assert err.value.field == "id"


def test_find_bad_text_in_read_only_values() -> None:
    """Frozen data (MappingProxyType, tuples) is walked too, under a prefix."""
    frozen = MappingProxyType({"items": ("ok", MappingProxyType({"n": "\x00"}))})
    assert find_bad_text(frozen, "data") == "data.items[1].n"


def test_find_bad_text_deep_nesting() -> None:
    """No recursion: a value nested deeper than the stack allows is walked."""
    value: Any = "\x00"
    for _ in range(5_000):
        value = [value]
    assert find_bad_text(value) == "[0]" * 5_000


def test_drop_bad_text() -> None:
    """Bad pairs and array strings go; everything else stays, in place."""
    value = _decoded(
        '{"id": "gw1", "name": "gw\\ud800x", "\\u0000": 1,'
        ' "tags": ["a", "\\udc00", "b", {"k": "\\u0000", "v": 2}], "n": 3}'
    )
    assert drop_bad_text(value) == ["name", "<key>", "tags[1]", "tags[3].k"]
    assert value == {"id": "gw1", "tags": ["a", "b", {"v": 2}], "n": 3}
    assert drop_bad_text(value) == []


@pytest.mark.parametrize(
    ("value", "dropped"), [("\x00", [""]), ("fine", []), (7, []), (None, [])]
)
def test_drop_bad_text_scalars(value: object, dropped: list[str]) -> None:
    """A bad string itself cannot change in place: reported with the empty path."""
    assert drop_bad_text(value) == dropped


@pytest.fixture
def client(hass: HomeAssistant, aioclient_mock: AiohttpClientMocker) -> GridxClient:
    """Return a client with a gridX personal API token."""
    return GridxClient("gxp_token", async_get_clientsession(hass))


async def test_rest_answer_drops_bad_fields_warns_once(
    client: GridxClient,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bad name is dropped and warned once per field; the rest is used."""
    items = (
        '[{"id": "gw1", "name": "gw\\ud800x", "serialnumber": "S1",'
        ' "model": "\\u0000"}, {"id": "gw2", "name": "Garage"}]'
    )
    aioclient_mock.get(f"{BASE}/gateways", text=items)
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    for _ in range(2):
        gateways = await client.list_gateways()
        assert [(g.id, g.name, g.model) for g in gateways] == [
            ("gw1", None, None),
            ("gw2", "Garage", None),
        ]
    records = [r for r in caplog.records if "cannot be stored" in r.getMessage()]
    assert [(r.levelname, r.getMessage()) for r in records] == [
        (
            level,
            (
                "gridX answered GET /gateways with text that cannot be stored (an "
                f"unpaired UTF-16 surrogate or NUL) at {field}; that field is "
                "ignored, the rest is used"
            ),
        )
        for level in ("WARNING", "DEBUG")
        for field in ("[0].name", "[0].model")
    ]
    assert isinstance(gateways[0], Gateway)


async def test_rest_answer_bad_id_fails_the_item(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """An id is required: without it the answer is malformed (the poll fails)."""
    aioclient_mock.get(
        f"{BASE}/gateways/gw1/appliances", text='[{"id": "ap\\u0000", "type": "METER"}]'
    )
    with pytest.raises(GridxResponseError, match="missing string field id"):
        await client.list_appliances("gw1")


async def test_rest_answer_appliance_model(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """Appliance answers go through the same cleaning: a bad model is absent."""
    aioclient_mock.get(
        f"{BASE}/gateways/gw1/appliances",
        text='[{"id": "ap1", "type": "METER", "name": "ok", "model": "M\\udfff"}]',
    )
    assert await client.list_appliances("gw1") == [
        Appliance(id="ap1", gateway_id="gw1", name="ok", appliance_type="METER")
    ]


async def test_rest_bare_string_answer(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """A rotated secret that is itself bad text is no secret."""
    aioclient_mock.post(f"{BASE}/accounts/a/webhooks/w/secret", text='"s\\u0000"')
    with pytest.raises(GridxResponseError, match="no secret in the response"):
        await client.rotate_webhook_secret("a", "w")


async def test_rest_put_answer(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """An updated subscription loses its bad event type, keeps the rest."""
    aioclient_mock.put(
        f"{BASE}/accounts/a/webhooks/w",
        text='{"id": "w", "targetURL": "https://x", "active": true,'
        ' "eventTypes": ["ping", "\\ud800"]}',
    )
    updated = await client.update_webhook(
        "a", "w", target_url="https://x", event_types=["ping"], active=True
    )
    assert updated is not None
    assert updated.event_types == ("ping",)


async def test_rest_error_message(
    client: GridxClient, aioclient_mock: AiohttpClientMocker
) -> None:
    """An error message with bad text is not used: the reason phrase is."""
    aioclient_mock.get(
        f"{BASE}/user", status=400, text='{"message": "bad \\ud800 input"}'
    )
    with pytest.raises(GridxStatusError) as err:
        await client.get_user()
    assert err.value.message == "Bad Request"


def test_jwt_claim_with_bad_text() -> None:
    """A claim holding bad text is absent (``sub`` names the account)."""
    payload = base64.urlsafe_b64encode(b'{"sub": "auth0|\\u0000", "exp": 5}')
    token = f"h.{payload.decode().rstrip('=')}.s"
    assert jwt_claims(token) == {"exp": 5}


async def test_token_answer_with_bad_text(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A bearer holding bad text is no bearer (it would go into the entry)."""
    aioclient_mock.post(
        f"{MOCK_AUTH}/oauth/token",
        text='{"access_token": "tok\\ud800", "expires_in": 60}',
    )
    session = PortalSession(
        async_get_clientsession(hass),
        get_portal("eon-home"),
        "owner@example.invalid",
        "pw",
        auth_base=MOCK_AUTH,
    )
    with pytest.raises(GridxResponseError, match="no access_token"):
        await session.async_login()
