"""The emulator's data model and its JSON file.

Everything the emulated gridX cloud knows lives in one `EmulatorState`:
accounts, users, API tokens, gateways, appliances, EV assets, webhook
subscriptions and notification rules. It is saved to and loaded from a plain
JSON file.

The file holds webhook secrets and API tokens in clear text. That is on
purpose: this is a developer tool that emulates a cloud on 127.0.0.1, and the
secrets in it are test secrets. Never point it at real gridX credentials.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import json
import os
from pathlib import Path
import random
import secrets
import tempfile
from typing import Any
import uuid

from ._protocol import EventType

ALL_POLICIES: frozenset[str] = frozenset(
    {
        "ReadUser",
        "WebhooksRead",
        "WebhooksWrite",
        "AccountsUsersRead",
        "AccountsUsersWrite",
        "GatewaysRead",
        "SystemMeasurementsRead",
        "AppliancesEVConfigurationRead",
        "AppliancesEVConfigurationWrite",
        "EVProfilesRead",
    }
)
# The policy an account without charging control lacks (gridx-control-facts §4).
EV_WRITE_POLICY = "AppliancesEVConfigurationWrite"
# The demo car's battery (Wh), as its EV profile gives it.
DEMO_EV_CAPACITY_WH = 60000

# The token `seed_demo` and the CLI use unless told otherwise (not a secret).
DEMO_TOKEN = "demo"  # noqa: S105
STATE_VERSION = 1
AVAILABLE = "AVAILABLE"
UNAVAILABLE = "UNAVAILABLE"
TEMPORARILY_UNAVAILABLE = "TEMPORARILY_UNAVAILABLE"
GATEWAY_STATUSES = (AVAILABLE, TEMPORARILY_UNAVAILABLE, UNAVAILABLE)
# How long a gateway of each status has been silent (gridx-live-facts §2).
GATEWAY_SILENCE: dict[str, timedelta] = {
    TEMPORARILY_UNAVAILABLE: timedelta(minutes=2),
    UNAVAILABLE: timedelta(hours=24),
}
MAX_SECRETS = 5


def utc_now_iso() -> str:
    """Return the current time as RFC 3339 UTC with a ``Z`` suffix."""
    return rfc3339(datetime.now(UTC))


def rfc3339(moment: datetime) -> str:
    """Return ``moment`` as RFC 3339 UTC, e.g. ``2026-01-02T03:04:05.000Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (
        moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def new_id(rng: random.Random | None = None) -> str:
    """Return a random uuid4 string, reproducible when ``rng`` is given."""
    if rng is None:
        return str(uuid.uuid4())
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def new_webhook_secret() -> str:
    """Return a fresh subscription secret in gridX's ``whsec_<hex>`` form."""
    return f"whsec_{secrets.token_hex(24)}"


def demo_ev_configuration(appliance_id: str) -> dict[str, Any]:
    """Return the demo wallbox's configuration: fast, no target, 11 kW."""
    stamp = utc_now_iso()
    return {
        "applianceID": appliance_id,
        "chargeMode": "FORCED_EV",
        "minRequestedSoc": None,
        "departureTimestamp": None,
        "estimatedDepartureTimestamp": None,
        "userSoc": None,
        "userTotalCapacity": None,
        "maxChargePower": None,
        "minChargePower": None,
        "minChargePowerPerPhase": None,
        "maxPowerCalculated": 11000,
        "chargingEnabled": True,
        "chargingRemoteControllable": True,
        "lockEnabled": False,
        "evProfileID": None,
        "issueTimestamp": None,
        "createdAt": stamp,
        "updatedAt": stamp,
    }


@dataclass
class Account:
    """A gridX account (a customer or an organisation)."""

    id: str
    name: str = "Demo account"


@dataclass
class User:
    """A user of an account; ``GET /user`` returns the token's user."""

    id: str
    account_id: str
    email: str
    created_at: str = field(default_factory=utc_now_iso)
    updated_at: str = field(default_factory=utc_now_iso)

    def to_api(self) -> dict[str, Any]:
        """Return the ``GET /user`` body."""
        return {
            "id": self.id,
            "accountID": self.account_id,
            "email": self.email,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


@dataclass
class Token:
    """An API token: whose it is and which policies it grants.

    A token with ``bad_credentials`` set is known but rejected with
    ``403 {"message": "Bad credentials"}``, as gridX answers some bad tokens.
    """

    user_id: str
    policies: set[str] = field(default_factory=lambda: set(ALL_POLICIES))
    bad_credentials: bool = False


@dataclass
class Gateway:
    """A gateway (gridBox) in a system."""

    id: str
    account_id: str
    name: str
    serial_number: str
    system_id: str
    system_name: str = "Demo system"
    model: str = "gridBox"
    manufacturer: str = "gridX"
    connection_status: str = AVAILABLE
    created_at: str = field(default_factory=utc_now_iso)
    # When the gateway last contacted the cloud; None: now (it is AVAILABLE).
    contacted_at: str | None = None

    def set_connection(self, status: str, now: datetime | None = None) -> None:
        """Set the connection status and a ``contactedAt`` that fits it.

        gridX: ``TEMPORARILY_UNAVAILABLE`` means no data for 2 minutes,
        ``UNAVAILABLE`` none for 24 hours (gridx-live-facts §2); the emulator
        dates the last contact back by that much when the status changes.
        """
        now = now or datetime.now(UTC)
        if status != self.connection_status:
            silent = GATEWAY_SILENCE.get(status)
            self.contacted_at = None if silent is None else rfc3339(now - silent)
        self.connection_status = status

    @property
    def startcode(self) -> str:
        """Return the registration code (``^[A-F0-9]{16}$``), derived from the id."""
        return hashlib.sha256(self.id.encode()).hexdigest()[:16].upper()

    def to_api(self) -> dict[str, Any]:
        """Return the ``GET /gateways`` item (gridx-live-facts §2, `contract.GATEWAY`)."""
        return {
            "id": self.id,
            "type": "PHYSICAL",
            "startcode": self.startcode,
            "name": self.name,
            "serialnumber": self.serial_number,
            "model": self.model,
            "manufacturer": self.manufacturer,
            "connectionStatus": {
                "status": self.connection_status,
                "contactedAt": self.contacted_at or utc_now_iso(),
            },
            "createdAt": self.created_at,
            "updatedAt": self.created_at,
            # Not in the spec's `Gateway`, but real lists nest the system (§2).
            "system": {
                "id": self.system_id,
                "name": self.system_name,
                "solution": "HOME",
            },
        }


@dataclass
class Appliance:
    """A device behind a gateway: inverter, meter, EV station, ..."""

    id: str
    gateway_id: str
    name: str
    model: str
    manufacturer: str
    serial_number: str
    type: str
    kind: str = "UNKNOWN"
    firmware: str = "1.0.0"
    connection_status: str = AVAILABLE
    created_at: str = field(default_factory=utc_now_iso)

    def to_api(self) -> dict[str, Any]:
        """Return the ``GET /gateways/{id}/appliances`` item (`contract.APPLIANCE`).

        The item does not name its gateway (the one in the path), and only
        inverters and meters have a ``kind`` (gridx-live-facts §2.1).
        """
        body: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "model": self.model,
            "manufacturer": self.manufacturer,
            "serialnumber": self.serial_number,
            "firmware": self.firmware,
            "inactive": False,
            "reverseFlow": False,
            "state": "CONNECTED",
            "connectionStatus": {"status": self.connection_status},
            "createdAt": self.created_at,
            "updatedAt": self.created_at,
        }
        match self.type:
            case "INVERTER":
                body["kind"] = self.kind
                body["inverter"] = {"type": self.model}
            case "METER":
                body["kind"] = self.kind
                body["auxMeter"] = {"location": self.kind, "type": self.model}
            case "HEAT_PUMP":
                body["heatPump"] = {
                    "type": "UNKNOWN",
                    "controllable": False,
                    "behindGCP": True,
                    "withOwnTariff": False,
                    "userControlEnabled": False,
                }
        return body


@dataclass
class EvAsset:
    """An electric vehicle asset (``assetID`` in the ``ev/*`` events)."""

    id: str
    gateway_id: str
    system_id: str
    name: str = "Demo EV"
    plug_state: str = "UNPLUGGED"
    charge_state: str = ""
    state_of_charge: float = 50.0
    capacity_wh: int = 60000


@dataclass
class Subscription:
    """A Webhook Subscription API subscription with its secrets, oldest first."""

    id: str
    account_id: str
    event_types: list[str]
    target_url: str
    active: bool
    secrets: list[str] = field(default_factory=list)

    def to_api(self, *, with_secret: bool = False) -> dict[str, Any]:
        """Return the API form; the newest secret only when asked (on create)."""
        body: dict[str, Any] = {
            "id": self.id,
            "accountID": self.account_id,
            "eventTypes": list(self.event_types),
            "targetURL": self.target_url,
            "active": self.active,
        }
        if with_secret:
            body["secret"] = self.secrets[-1]
        return body

    def add_secret(self, secret: str) -> None:
        """Append a secret, keeping the newest ``MAX_SECRETS``."""
        self.secrets = [*self.secrets, secret][-MAX_SECRETS:]


@dataclass
class Rule:
    """A (legacy) notification rule with a webhook notification type."""

    id: str
    account_id: str
    user_id: str
    event_type: str
    target_url: str
    secret: str
    locale: str | None = None
    filters: list[Any] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        """Return the API form; rules echo the client-chosen secret."""
        body: dict[str, Any] = {
            "id": self.id,
            "accountID": self.account_id,
            "userID": self.user_id,
            "eventType": self.event_type,
            "filters": list(self.filters),
            "notificationType": {
                "webhook": {"targetURL": self.target_url, "secret": self.secret}
            },
        }
        if self.locale is not None:
            body["locale"] = self.locale
        return body


@dataclass(frozen=True)
class DemoIds:
    """The ids created by `EmulatorState.seed_demo`."""

    token: str
    account_id: str
    user_id: str
    system_id: str
    gateway_id: str
    inverter_id: str
    meter_id: str
    ev_station_id: str
    ev_asset_id: str


@dataclass
class EmulatorState:
    """Everything the emulated gridX cloud stores."""

    accounts: dict[str, Account] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    gateways: dict[str, Gateway] = field(default_factory=dict)
    appliances: dict[str, Appliance] = field(default_factory=dict)
    ev_assets: dict[str, EvAsset] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    # EV charging-station configurations by appliance id (API form), and
    # EV profiles by system id (ev_control.py).
    ev_configurations: dict[str, dict[str, Any]] = field(default_factory=dict)
    ev_profiles: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # False makes every /accounts/{a}/webhooks* route answer 404, like an
    # account without the Subscription API (the integration falls back to rules).
    webhooks_api_enabled: bool = True
    demo: DemoIds | None = None

    def add_token(
        self,
        token: str,
        *,
        user_id: str,
        policies: Iterable[str] = ALL_POLICIES,
        bad_credentials: bool = False,
    ) -> None:
        """Register (or replace) an API token for a user."""
        self.tokens[token] = Token(
            user_id=user_id, policies=set(policies), bad_credentials=bad_credentials
        )

    def seed_demo(
        self, *, token: str = DEMO_TOKEN, rng: random.Random | None = None
    ) -> DemoIds:
        """Create a demo account, user, gridBox, appliances and EV; return ids.

        With ``rng`` the ids are reproducible. The token gets every policy.
        """
        account = Account(id=new_id(rng))
        user = User(id=new_id(rng), account_id=account.id, email="demo@example.invalid")
        system_id = new_id(rng)
        gateway = Gateway(
            id=new_id(rng),
            account_id=account.id,
            name="Demo gridBox",
            serial_number="D403-007-000-000-001-B-X",
            system_id=system_id,
        )
        inverter = Appliance(
            id=new_id(rng),
            gateway_id=gateway.id,
            name="Demo inverter",
            model="Symo GEN24 10.0 Plus",
            manufacturer="Fronius",
            serial_number="INV-0001",
            type="INVERTER",
            kind="HYBRID",
        )
        meter = Appliance(
            id=new_id(rng),
            gateway_id=gateway.id,
            name="Demo grid meter",
            model="AM550",
            manufacturer="Iskraemeco",
            serial_number="9312355",
            type="METER",
            kind="GRID",
        )
        station = Appliance(
            id=new_id(rng),
            gateway_id=gateway.id,
            name="Demo wallbox",
            model="Wallbox 11",
            manufacturer="ExampleManufacturer",
            serial_number="EVSE-0001",
            type="EVSTATION",
            kind="EVSTATION",
        )
        asset = EvAsset(id=new_id(rng), gateway_id=gateway.id, system_id=system_id)
        self.accounts[account.id] = account
        self.users[user.id] = user
        self.gateways[gateway.id] = gateway
        for appliance in (inverter, meter, station):
            self.appliances[appliance.id] = appliance
        self.ev_assets[asset.id] = asset
        self.ev_configurations[station.id] = demo_ev_configuration(station.id)
        self.ev_profiles[system_id] = [
            {
                "id": new_id(rng),
                "name": "Demo EV",
                "capacity": DEMO_EV_CAPACITY_WH,
                "chargingStationApplianceIDs": [station.id],
            }
        ]
        self.add_token(token, user_id=user.id)
        self.demo = DemoIds(
            token=token,
            account_id=account.id,
            user_id=user.id,
            system_id=system_id,
            gateway_id=gateway.id,
            inverter_id=inverter.id,
            meter_id=meter.id,
            ev_station_id=station.id,
            ev_asset_id=asset.id,
        )
        return self.demo

    def apply_event(self, event: Mapping[str, Any]) -> bool:
        """Update stored state from an event so polling agrees; True if changed."""
        data = event.get("data")
        if not isinstance(data, Mapping):
            return False
        event_type = event.get("type")
        if event_type in (EventType.GATEWAY_ONLINE, EventType.GATEWAY_OFFLINE):
            gateway = self.gateways.get(str(data.get("gatewayID")))
            if gateway is None:
                return False
            online = event_type == EventType.GATEWAY_ONLINE
            gateway.set_connection(AVAILABLE if online else UNAVAILABLE)
            return True
        if event_type in (EventType.APPLIANCE_ONLINE, EventType.APPLIANCE_OFFLINE):
            appliance = self.appliances.get(str(data.get("applianceID")))
            if appliance is None:
                return False
            online = event_type == EventType.APPLIANCE_ONLINE
            appliance.connection_status = AVAILABLE if online else UNAVAILABLE
            return True
        return False

    # -- JSON file -------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the state as JSON-ready data."""
        return {
            "version": STATE_VERSION,
            "webhooks_api_enabled": self.webhooks_api_enabled,
            "accounts": {k: asdict(v) for k, v in self.accounts.items()},
            "users": {k: asdict(v) for k, v in self.users.items()},
            "tokens": {
                k: {
                    "user_id": v.user_id,
                    "policies": sorted(v.policies),
                    "bad_credentials": v.bad_credentials,
                }
                for k, v in self.tokens.items()
            },
            "gateways": {k: asdict(v) for k, v in self.gateways.items()},
            "appliances": {k: asdict(v) for k, v in self.appliances.items()},
            "ev_assets": {k: asdict(v) for k, v in self.ev_assets.items()},
            "subscriptions": {k: asdict(v) for k, v in self.subscriptions.items()},
            "rules": {k: asdict(v) for k, v in self.rules.items()},
            "ev_configurations": self.ev_configurations,
            "ev_profiles": self.ev_profiles,
            "demo": None if self.demo is None else asdict(self.demo),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> EmulatorState:
        """Rebuild a state from `to_dict` output."""
        if raw.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported state version {raw.get('version')!r}")
        demo = raw.get("demo")
        return cls(
            accounts={k: Account(**v) for k, v in raw["accounts"].items()},
            users={k: User(**v) for k, v in raw["users"].items()},
            tokens={
                k: Token(
                    user_id=v["user_id"],
                    policies=set(v["policies"]),
                    bad_credentials=v["bad_credentials"],
                )
                for k, v in raw["tokens"].items()
            },
            gateways={k: Gateway(**v) for k, v in raw["gateways"].items()},
            appliances={k: Appliance(**v) for k, v in raw["appliances"].items()},
            ev_assets={k: EvAsset(**v) for k, v in raw["ev_assets"].items()},
            subscriptions={
                k: Subscription(**v) for k, v in raw["subscriptions"].items()
            },
            rules={k: Rule(**v) for k, v in raw["rules"].items()},
            ev_configurations=dict(raw.get("ev_configurations", {})),
            ev_profiles=dict(raw.get("ev_profiles", {})),
            webhooks_api_enabled=raw["webhooks_api_enabled"],
            demo=None if demo is None else DemoIds(**demo),
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the state to ``path`` atomically (temp file, then rename)."""
        target = Path(path)
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=target.parent, prefix=f".{target.name}.", delete=False
        ) as tmp:
            tmp.write(text)
        Path(tmp.name).replace(target)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> EmulatorState:
        """Read a state written by `save`."""
        return cls.from_dict(json.loads(Path(path).read_text()))
