"""The emulator's big account (``--fleet``) for scaling measures, over real HTTP."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
import random
from typing import Any

from aiohttp import ClientSession
import pytest

from gridx_emulator import EmulatorState, GridxEmulator
import gridx_emulator.__main__ as cli
from gridx_emulator.fleet import APPLIANCE_MIX, parse_fleet, seed_fleet


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible test ids


async def _get(session: ClientSession, url: str, token: str) -> tuple[int, Any]:
    async with session.get(url, headers={"Authorization": f"Token {token}"}) as resp:
        return resp.status, await resp.json(content_type=None)


@pytest.mark.usefixtures("socket_enabled")
async def test_fleet_is_served_next_to_the_demo_account() -> None:
    emulator = GridxEmulator()
    demo = emulator.seed_demo(token="demo")
    fleet = emulator.seed_fleet(
        token="big", gateways=3, appliances_per_gateway=11, rng=_rng(1)
    )
    assert fleet.device_count == 3 + 33
    async with emulator, ClientSession() as session:
        status, user = await _get(session, f"{emulator.base_url}/user", "big")
        assert status == 200
        assert user["accountID"] == fleet.account_id
        assert user["id"] == fleet.user_id
        status, gateways = await _get(session, f"{emulator.base_url}/gateways", "big")
        assert status == 200
        assert [g["id"] for g in gateways] == list(fleet.gateways)
        assert [g["system"]["id"] for g in gateways] == list(fleet.systems)
        assert demo.gateway_id not in {g["id"] for g in gateways}
        url = f"{emulator.base_url}/gateways/{fleet.gateways[2]}/appliances"
        status, appliances = await _get(session, url, "big")
        assert status == 200
        assert [a["id"] for a in appliances] == list(fleet.appliances[2])
        assert all("gatewayID" not in a for a in appliances)
        # The mix repeats: 11 appliances are the 9 types, then the first two again;
        # only inverters and meters have a kind (gridx-live-facts §2.1).
        types = [(a["type"], a.get("kind")) for a in appliances]
        assert types == [
            (t, k if t in ("INVERTER", "METER") else None)
            for t, k, _, _ in (*APPLIANCE_MIX, *APPLIANCE_MIX[:2])
        ]
        # The demo token still sees only the demo gateway.
        status, gateways = await _get(session, f"{emulator.base_url}/gateways", "demo")
        assert [g["id"] for g in gateways] == [demo.gateway_id]


def test_fleet_is_reproducible_and_distinct() -> None:
    first = seed_fleet(
        EmulatorState(),
        token="t",
        gateways=2,
        appliances_per_gateway=9,
        rng=_rng(5),
    )
    second = seed_fleet(
        EmulatorState(),
        token="t",
        gateways=2,
        appliances_per_gateway=9,
        rng=_rng(5),
    )
    assert first == second
    state = EmulatorState()
    ids = seed_fleet(state, token="t", gateways=200, appliances_per_gateway=9)
    assert ids.device_count == 2000
    assert len(state.gateways) == 200
    assert len(state.appliances) == 1800
    assert Counter(a.gateway_id for a in state.appliances.values()) == dict.fromkeys(
        ids.gateways, 9
    )
    assert len({g.serial_number for g in state.gateways.values()}) == 200


def test_fleet_survives_the_state_file(tmp_path: Path) -> None:
    emulator = GridxEmulator(state_path=tmp_path / "s.json")
    ids = emulator.seed_fleet(token="t", gateways=2, appliances_per_gateway=3)
    loaded = EmulatorState.load(tmp_path / "s.json")
    assert set(loaded.gateways) == set(ids.gateways)
    assert loaded.tokens["t"].user_id == ids.user_id


@pytest.mark.parametrize(
    ("text", "expected"), [("200x9", (200, 9)), ("1X0", (1, 0)), ("3x12", (3, 12))]
)
def test_parse_fleet(text: str, expected: tuple[int, int]) -> None:
    assert parse_fleet(text) == expected


@pytest.mark.parametrize("text", ["200", "x9", "ax9", "2x-1", "0x9", ""])
def test_parse_fleet_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"200x9|at least one gateway"):
        parse_fleet(text)


def test_cli_fleet_flag(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, Any] = {}

    async def fake_run(**kwargs: Any) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(cli, "run", fake_run)
    assert cli.main(["--fleet", "200x9", "--fleet-token", "big"]) == 0
    assert seen["fleet"] == (200, 9)
    assert seen["fleet_token"] == "big"
    with pytest.raises(SystemExit):
        cli.main(["--fleet", "many"])
    assert "expected GATEWAYSxAPPLIANCES" in capsys.readouterr().err


@pytest.mark.usefixtures("socket_enabled")
async def test_cli_run_with_fleet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_path = tmp_path / "state.json"
    for _ in range(2):  # the second run finds the fleet token and adds nothing
        stop = asyncio.Event()
        await cli.run(
            port=0,
            state_path=state_path,
            fleet=(4, 2),
            stop_event=stop,
            on_started=lambda _, stop=stop: stop.set(),
        )
        saved = EmulatorState.load(state_path)
        assert len(saved.gateways) == 1 + 4
        assert saved.tokens["fleet"].user_id != saved.tokens["demo"].user_id
    assert (
        "fleet:      4 gateways x 2 appliances, token fleet" in capsys.readouterr().out
    )
