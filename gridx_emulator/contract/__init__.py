"""The documented shape of every gridX REST answer the integration reads.

Written from the facts, not from the emulator or the parser:
``gridx-live-facts.md`` (live facts: §1 token, §2 gateways, §2.1
appliances, §3 live, §4 historical) and ``gridx-facts.md`` (facts: §3.1
rules, §3.2 webhook subscriptions, §3.3 ``/user``), which cite gridX's
Solution API specification (S1) and recorded answers. Both sides use it: a
test validates every emulator answer against it, and the parser tests build
their fixtures in these shapes.

Objects are closed: a key the facts do not name is an error ("nothing
invented"). Where the facts say *inferred* or *not documented*, the shape
accepts both readings and says so next to it. `validate` returns the
problems as ``path: message`` strings (empty when the value fits).

Modules: `schema` (the shape language and `validate`), `account` (errors,
Auth0 tokens, ``/user``, webhook subscriptions, notification rules),
`inventory` (gateways, appliances), `measurements` (live, historical).
"""

from .account import ERROR, ROTATED_SECRET, RULE, SUBSCRIPTION, TOKEN, TOKEN_ERROR, USER
from .inventory import APPLIANCE, APPLIANCE_STATUSES, GATEWAY, GATEWAY_STATUSES
from .measurements import HISTORICAL, LIVE
from .schema import Anything, Arr, Bool, Either, Num, Obj, OneOf, Shape, Str, validate

__all__ = [
    "APPLIANCE",
    "APPLIANCE_STATUSES",
    "ERROR",
    "GATEWAY",
    "GATEWAY_STATUSES",
    "HISTORICAL",
    "LIVE",
    "ROTATED_SECRET",
    "RULE",
    "SUBSCRIPTION",
    "TOKEN",
    "TOKEN_ERROR",
    "USER",
    "Anything",
    "Arr",
    "Bool",
    "Either",
    "Num",
    "Obj",
    "OneOf",
    "Shape",
    "Str",
    "validate",
]
