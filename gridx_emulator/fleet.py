"""A big account for scaling measures: many gateways, each with the same appliances.

``seed_fleet(state, token="bench", gateways=200, appliances_per_gateway=9)``
adds an account, its user, the token and 200 gateways with 9 appliances each
(2,000 devices), with reproducible ids when given an ``rng``. Every gateway
gets the same mix of appliance types, so a 1 x 9 fleet is exactly one
two-hundredth of a 200 x 9 one and per-device costs compare directly.
Run it with ``python -m gridx_emulator --fleet 200x9``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import random

from .state import (
    ALL_POLICIES,
    Account,
    Appliance,
    EmulatorState,
    Gateway,
    User,
    new_id,
)

# (type, kind, model, manufacturer), repeated in this order behind each gateway.
APPLIANCE_MIX: tuple[tuple[str, str, str, str], ...] = (
    ("INVERTER", "HYBRID", "Symo GEN24 10.0 Plus", "Fronius"),
    ("INVERTER", "PV", "Sunny Tripower 8.0", "SMA"),
    ("INVERTER", "BATTERY", "BYD HVS 7.7", "BYD"),
    ("METER", "GRID", "AM550", "Iskraemeco"),
    ("METER", "PV", "EM24", "Carlo Gavazzi"),
    ("METER", "HEAT_PUMP", "SDM630", "Eastron"),
    ("EVSTATION", "EVSTATION", "Wallbox 11", "ExampleManufacturer"),
    ("HEAT_PUMP", "HEAT_PUMP", "WPL 25", "Stiebel Eltron"),
    ("HEATER", "UNKNOWN", "AC ELWA 2", "my-PV"),
)


@dataclass(frozen=True)
class FleetIds:
    """The ids created by `seed_fleet`; ``appliances[g]`` belong to ``gateways[g]``."""

    token: str
    account_id: str
    user_id: str
    gateways: tuple[str, ...]
    systems: tuple[str, ...]
    appliances: tuple[tuple[str, ...], ...]

    @property
    def device_count(self) -> int:
        """Gateways plus appliances."""
        return len(self.gateways) + sum(len(a) for a in self.appliances)


def parse_fleet(text: str) -> tuple[int, int]:
    """Return (gateways, appliances per gateway) from ``"200x9"``; ValueError if bad."""
    left, sep, right = text.lower().partition("x")
    if not sep or not left.isdigit() or not right.isdigit():
        raise ValueError(f"expected GATEWAYSxAPPLIANCES like 200x9, got {text!r}")
    gateways, appliances = int(left), int(right)
    if gateways < 1:
        raise ValueError("a fleet needs at least one gateway")
    return gateways, appliances


def seed_fleet(
    state: EmulatorState,
    *,
    token: str,
    gateways: int,
    appliances_per_gateway: int,
    rng: random.Random | None = None,
) -> FleetIds:
    """Add an account with ``gateways`` x ``appliances_per_gateway`` appliances.

    The token gets every policy. Each gateway is its own system. Appliance
    types cycle through `APPLIANCE_MIX`.
    """
    account = Account(id=new_id(rng), name=f"Fleet {gateways}x{appliances_per_gateway}")
    user = User(id=new_id(rng), account_id=account.id, email="fleet@example.invalid")
    state.accounts[account.id] = account
    state.users[user.id] = user
    state.add_token(token, user_id=user.id, policies=ALL_POLICIES)
    gateway_ids: list[str] = []
    system_ids: list[str] = []
    appliance_ids: list[tuple[str, ...]] = []
    for g in range(gateways):
        gateway = Gateway(
            id=new_id(rng),
            account_id=account.id,
            name=f"gridBox {g + 1:03d}",
            serial_number=f"F{g + 1:03d}-000-000-000-001-B-X",
            system_id=new_id(rng),
            system_name=f"System {g + 1:03d}",
        )
        state.gateways[gateway.id] = gateway
        ids: list[str] = []
        for a in range(appliances_per_gateway):
            appliance_type, kind, model, manufacturer = APPLIANCE_MIX[
                a % len(APPLIANCE_MIX)
            ]
            appliance = Appliance(
                id=new_id(rng),
                gateway_id=gateway.id,
                name=f"{model} {g + 1:03d}.{a + 1}",
                model=model,
                manufacturer=manufacturer,
                serial_number=f"SN-{g + 1:03d}-{a + 1:02d}",
                type=appliance_type,
                kind=kind,
            )
            state.appliances[appliance.id] = appliance
            ids.append(appliance.id)
        gateway_ids.append(gateway.id)
        system_ids.append(gateway.system_id)
        appliance_ids.append(tuple(ids))
    return FleetIds(
        token=token,
        account_id=account.id,
        user_id=user.id,
        gateways=tuple(gateway_ids),
        systems=tuple(system_ids),
        appliances=tuple(appliance_ids),
    )


# GET /gateways pages (gridx-live-facts §2): ``page`` from 1, ``per_page``
# 20 by default, 20-100.
DEFAULT_PER_PAGE = 20
MIN_PER_PAGE = 20
MAX_PER_PAGE = 100


def page_bounds(query: Mapping[str, str]) -> tuple[int, int] | list[str]:
    """Return (first, stop) item indexes of the asked page, or the errors.

    ``per_page`` outside 20-100 is clamped (the spec states the range, not
    the answer to a value outside it); a value that is not a positive
    integer is an error.
    """
    values: dict[str, int] = {}
    errors = []
    for name, default in (("page", 1), ("per_page", DEFAULT_PER_PAGE)):
        raw = query.get(name)
        if raw is None:
            values[name] = default
        elif raw.isdigit() and int(raw) >= 1:
            values[name] = int(raw)
        else:
            errors.append(f"{name}: expected a positive integer, got {raw!r}")
    if errors:
        return errors
    per_page = min(MAX_PER_PAGE, max(MIN_PER_PAGE, values["per_page"]))
    first = (values["page"] - 1) * per_page
    return first, first + per_page
