"""Command line: ``python -m gridx_emulator --port 8765 --token demo``.

Starts the emulator on 127.0.0.1 (unless ``--host`` says otherwise), seeds a
demo account for the token when the state is new, prints the base URL and
the token to paste into Home Assistant (and a demo portal login), and runs
until SIGINT or SIGTERM.
``--batteries 2`` splits the demo system's battery over two batteries in
the live answers (one the gateway does not list). ``--fleet 200x9`` adds a
second, big account (200 gateways with 9 appliances
each) for the token ``--fleet-token`` (default ``fleet``), for scaling tests.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import contextlib
import ipaddress
import logging
from pathlib import Path
import signal
import sys
from typing import Any

from .auth0 import DEMO_PORTAL_EMAIL, DEMO_PORTAL_PASSWORD
from .emulator import GridxEmulator
from .fleet import parse_fleet
from .scenario import DemoScenario
from .state import DEMO_TOKEN, EV_WRITE_POLICY, GATEWAY_STATUSES, EmulatorState

DEFAULT_PORT = 8765
FLEET_TOKEN = "fleet"  # noqa: S105 - a test token, like DEMO_TOKEN


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the CLI."""
    parser = argparse.ArgumentParser(
        prog="python -m gridx_emulator",
        description="Run a local emulator of the gridX cloud API and webhooks.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; anything else exposes test secrets)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port (0 = any free port)"
    )
    parser.add_argument(
        "--token", default=DEMO_TOKEN, help="API token of the demo user"
    )
    parser.add_argument(
        "--portal-password",
        default=DEMO_PORTAL_PASSWORD,
        help="password of the demo portal logins (default %(default)s)",
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar="FILE",
        help="JSON state file: loaded if it exists, saved on changes and at exit",
    )
    parser.add_argument(
        "--gateway-status",
        choices=GATEWAY_STATUSES,
        default=None,
        help="set the demo gateway's polled connection status at start",
    )
    parser.add_argument(
        "--scenario", action="store_true", help="emit the demo story of events"
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=5.0,
        help="seconds between scenario steps (default 5)",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed of the scenario"
    )
    parser.add_argument(
        "--retry-base-delay",
        type=float,
        default=0.5,
        help="first retry delay of a failed delivery in seconds (default 0.5)",
    )
    parser.add_argument(
        "--fleet",
        type=_fleet_arg,
        default=None,
        metavar="GxA",
        help="also serve an account with G gateways of A appliances (e.g. 200x9)",
    )
    parser.add_argument(
        "--fleet-token",
        default=FLEET_TOKEN,
        help=f"API token of the --fleet account (default {FLEET_TOKEN})",
    )
    parser.add_argument(
        "--batteries",
        type=_positive,
        default=1,
        metavar="N",
        help="batteries per system in the live answers (default 1)",
    )
    parser.add_argument(
        "--no-charging-control",
        action="store_true",
        help="the demo token lacks AppliancesEVConfigurationWrite (403 on writes)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def _positive(text: str) -> int:
    """Parse a count of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            f"expected a count of at least 1, got {text!r}"
        )
    return int(text)


def _fleet_arg(text: str) -> tuple[int, int]:
    """Parse ``--fleet``; argparse reports the ValueError's message."""
    try:
        return parse_fleet(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _is_loopback(host: str) -> bool:
    """Return True for a loopback address or ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _load_state(path: Path | None) -> EmulatorState:
    """Return the state in ``path`` if it exists, else a new one."""
    if path is not None and path.exists():
        return EmulatorState.load(path)
    return EmulatorState()


async def run(
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    token: str = DEMO_TOKEN,
    portal_password: str = DEMO_PORTAL_PASSWORD,
    state_path: Path | None = None,
    scenario: bool = False,
    interval: float = 5.0,
    seed: int | None = None,
    retry_base_delay: float = 0.5,
    fleet: tuple[int, int] | None = None,
    fleet_token: str = FLEET_TOKEN,
    batteries: int = 1,
    gateway_status: str | None = None,
    charging_control: bool = True,
    stop_event: asyncio.Event | None = None,
    on_started: Callable[[GridxEmulator], None] | None = None,
) -> None:
    """Run the emulator until SIGINT/SIGTERM or until ``stop_event`` is set.

    ``on_started`` is called with the running emulator (tests use it).
    ``fleet`` (gateways, appliances per gateway) adds a big account for
    ``fleet_token`` unless the state already knows that token.
    """
    state = _load_state(state_path)
    emulator = GridxEmulator(
        state=state, retry_base_delay=retry_base_delay, state_path=state_path
    )
    emulator.live.batteries = batteries
    if state.demo is None:
        emulator.seed_demo(token=token)
    elif token not in state.tokens:
        emulator.add_token(token, user_id=state.demo.user_id)
    if fleet is not None and fleet_token not in state.tokens:
        emulator.seed_fleet(
            token=fleet_token, gateways=fleet[0], appliances_per_gateway=fleet[1]
        )
    demo = state.demo
    assert demo is not None  # noqa: S101 - seeded just above
    if gateway_status is not None:
        state.gateways[demo.gateway_id].set_connection(gateway_status)
    if not charging_control:
        state.tokens[token].policies.discard(EV_WRITE_POLICY)
    # Portal logins live in memory: seeded on every start.
    emulator.auth0.seed_demo_portal(demo.user_id, password=portal_password)
    stop = stop_event if stop_event is not None else asyncio.Event()
    base_url = await emulator.start(host, port)
    loop = asyncio.get_running_loop()
    signals: list[signal.Signals] = []
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Not available on Windows or outside the main thread.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
                signals.append(sig)
        if not _is_loopback(host):
            print(
                f"WARNING: listening on {host}, not loopback: the API and its "
                "test secrets are reachable from other machines.",
                file=sys.stderr,
            )
        print(f"gridX emulator running at {base_url}", flush=True)
        print(f"  API token:  {token}", flush=True)
        print(f"  account ID: {demo.account_id}", flush=True)
        print(f"  user ID:    {demo.user_id}", flush=True)
        print(
            f"  portal login (E.ON Home Manager): {DEMO_PORTAL_EMAIL} / "
            f"{portal_password}",
            flush=True,
        )
        if fleet is not None:
            print(
                f"  fleet:      {fleet[0]} gateways x {fleet[1]} appliances,"
                f" token {fleet_token}",
                flush=True,
            )
        if scenario:
            story = DemoScenario(emulator, seed=seed, interval=interval)
            emulator.create_background_task(story.run())
            print(f"  scenario:   one event every {interval:g} s", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
        if on_started is not None:
            on_started(emulator)
        await stop.wait()
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await emulator.stop()
        if state_path is not None:
            emulator.save(state_path)
    print("gridX emulator stopped.", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, run the emulator, return the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Only a given --fleet is passed on, so a plain run reads as before.
    fleet: dict[str, Any] = (
        {}
        if args.fleet is None
        else {"fleet": args.fleet, "fleet_token": args.fleet_token}
    )
    # Likewise only a given --no-charging-control.
    if args.no_charging_control:
        fleet["charging_control"] = False
    try:
        asyncio.run(
            run(
                host=args.host,
                port=args.port,
                token=args.token,
                portal_password=args.portal_password,
                state_path=args.state,
                scenario=args.scenario,
                interval=args.interval,
                seed=args.seed,
                retry_base_delay=args.retry_base_delay,
                batteries=args.batteries,
                gateway_status=args.gateway_status,
                **fleet,
            )
        )
    except OSError as err:
        print(f"gridx_emulator: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
