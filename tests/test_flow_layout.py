"""The flows ask the registration's owner; the config flow is composed (issue 17).

An `ast` walk over ``config_flow.py`` and ``flow/`` shows that no flow
calls the REST client's registration methods, the protocol functions of
the registration (``async_reconcile``, ``async_delete_remote``) or takes a
lock: every change at gridX goes through `GridxRegistrar`, which alone
holds the entry's registration lock. The step families each derive from
the shared base only; the config flow is made of them.
"""

import ast
import asyncio
from pathlib import Path
import textwrap
from typing import Final

from homeassistant.config_entries import ConfigFlow
from homeassistant.core import HomeAssistant
import pytest

from custom_components.gridx.config_flow import GridxConfigFlow
from custom_components.gridx.flow.base import GridxFlowBase
from custom_components.gridx.flow.portal import GridxPortalSteps
from custom_components.gridx.flow.reconfigure import GridxReconfigureSteps
from custom_components.gridx.registration.registrar import registrar_of
from gridx_emulator import GridxEmulator

from .test_config_flow import (
    FEW_TYPES,
    async_create_entry,
    ha_client,  # noqa: F401 - a fixture
)
from .test_layout import PACKAGE

FLOW_MODULES: Final = sorted([PACKAGE / "config_flow.py", *PACKAGE.glob("flow/*.py")])
# What changes a registration at gridX (GridxClient's methods and the
# registration's protocol functions), and the lock every change holds.
REGISTRATION_CALLS: Final = frozenset(
    {
        "list_webhooks",
        "create_webhook",
        "update_webhook",
        "delete_webhook",
        "ping_webhook",
        "rotate_webhook_secret",
        "list_rules",
        "create_rule",
        "delete_rule",
        "async_reconcile",
        "async_delete_remote",
        "registration_lock",
        "Lock",
        "acquire",
    }
)
# Modules whose work is the registrar's alone.
REGISTRAR_ONLY: Final = ("registration.reconcile", "registration.changes")


def registration_calls(source: str) -> list[str]:
    """Return what ``source`` calls, imports or locks of the registration's work."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else None
            if isinstance(func, ast.Name):
                name = func.id
            if name in REGISTRATION_CALLS:
                found.append(f"calls {name}")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.endswith(REGISTRAR_ONLY):
                found.append(f"imports {module}")
            found.extend(
                f"imports {alias.name}"
                for alias in node.names
                if alias.name in REGISTRATION_CALLS or alias.name == "_LOCKS"
            )
        elif isinstance(node, ast.AsyncWith):
            found.append("holds a lock (async with)")
    return found


@pytest.mark.parametrize("path", FLOW_MODULES, ids=lambda path: path.name)
def test_flows_ask_the_registrar(path: Path) -> None:
    """No flow module changes the registration or takes the lock itself."""
    assert registration_calls(path.read_text(encoding="utf-8")) == []


def test_the_lock_lives_in_the_registrar() -> None:
    """Only the registrar names the registration lock's key."""
    users = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "_LOCKS" in path.read_text(encoding="utf-8")
    )
    assert users == ["registration/registrar.py"]


@pytest.mark.parametrize(
    "source",
    [
        "await client.create_webhook(account_id, target_url=url)",
        "await client.list_rules(account_id, user_id)",
        "from ..registration.target import registration_lock",
        "from ..registration.reconcile import RemoteRegistration",
        "async with lock:\n    pass",
        "await async_delete_remote(client, data)",
    ],
)
def test_checker_sees_registration_work(source: str) -> None:
    """The walk reports a REST call, a lock or an import of the registrar's work."""
    assert registration_calls(f"async def f():\n{textwrap.indent(source, '    ')}\n")


def test_config_flow_is_composed() -> None:
    """The step families derive from the shared base alone, none from another."""
    assert GridxFlowBase.__bases__ == (ConfigFlow,)
    assert GridxPortalSteps.__bases__ == (GridxFlowBase,)
    assert GridxReconfigureSteps.__bases__ == (GridxFlowBase,)
    assert GridxConfigFlow.__bases__ == (GridxPortalSteps, GridxReconfigureSteps)


@pytest.mark.usefixtures("ha_client")
async def test_flows_reach_the_running_registrar(
    hass: HomeAssistant, emulator: GridxEmulator
) -> None:
    """A loaded entry's flows ask its manager's registrar; one not loaded, its own.

    Both hold the entry's one lock: a change by either waits for the other.
    """
    entry = await async_create_entry(hass, emulator, event_types=FEW_TYPES)
    await emulator.join_background()
    await hass.async_block_till_done()
    running = registrar_of(hass, entry)
    assert running is entry.runtime_data.registration.registrar

    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    own = registrar_of(hass, entry)
    assert own is not running
    order: list[str] = []

    async def first() -> None:
        order.append("first in")
        await asyncio.sleep(0)
        order.append("first out")

    async def second() -> None:
        order.append("second")

    await asyncio.gather(running.async_pass(first), own.async_pass(second))
    assert order == ["first in", "first out", "second"]
