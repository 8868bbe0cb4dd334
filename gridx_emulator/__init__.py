"""A local emulator of the gridX cloud, for developing and testing the integration.

It serves the gridX REST API (``/user``, webhook subscriptions, notification
rules, gateways), keeps its state in memory or a JSON file, and delivers
webhook events signed like gridX does. It imports nothing from Home
Assistant and is not shipped to users (HACS copies only custom_components).

    emulator = GridxEmulator(retry_base_delay=0.01)
    ids = emulator.seed_demo(token="demo")
    base_url = await emulator.start()          # http://127.0.0.1:<port>
    event = emulator.make_event("gateway/online", {...})
    results = await emulator.deliver(event)
    await emulator.stop()

Run it by hand with ``python -m gridx_emulator --port 8765 --token demo``.
"""

from .delivery import DeliveryResult
from .emulator import GridxEmulator
from .faults import ROUTE_NAMES, Fault, FaultInjector
from .scenario import DemoScenario, ScenarioStep
from .state import ALL_POLICIES, DemoIds, EmulatorState

__all__ = [
    "ALL_POLICIES",
    "ROUTE_NAMES",
    "DeliveryResult",
    "DemoIds",
    "DemoScenario",
    "EmulatorState",
    "Fault",
    "FaultInjector",
    "GridxEmulator",
    "ScenarioStep",
]
