"""Shapes of the account answers: errors, Auth0 tokens, ``/user``, webhooks, rules."""

from __future__ import annotations

from .schema import (
    INTEGER,
    OPEN,
    TEXT,
    TIME,
    UUID,
    Anything,
    Arr,
    Bool,
    Either,
    Obj,
    Str,
)

# -- errors (live facts §1.2, facts §3.1 "General Exception") ----------------

ERROR = Obj(required={"message": TEXT}, optional={"details": Arr(TEXT)})

# -- Auth0 token answer (live facts §1.1) -----------------------------------

TOKEN = Obj(
    required={
        "access_token": TEXT,
        "id_token": TEXT,
        "scope": TEXT,
        "expires_in": INTEGER,
        "token_type": Str(enum=("Bearer",)),
    },
    # Not documented: no recorded answer carries one; inferred from
    # `offline_access` (standard Auth0), so it may be present or absent.
    optional={"refresh_token": TEXT},
)
# Auth0's error body (live facts §1.1: AU-err, AU-mfa).
TOKEN_ERROR = Obj(
    required={"error": TEXT},
    optional={"error_description": TEXT, "mfa_token": TEXT},
)

# -- GET /user (facts §3.3, S1 `User`) ----------------------------------------

USER = Obj(
    required={"id": UUID, "email": TEXT, "createdAt": TIME, "updatedAt": TIME},
    optional={
        "accountID": UUID,
        "fullName": TEXT,
        "loginsCount": INTEGER,
        "mfaEnabled": Bool(),
        "mfaReset": Bool(),
        "groups": Arr(Anything()),
        "mainAddress": OPEN,
        "language": Obj(optional={"tag": TEXT, "name": TEXT, "nameNative": TEXT}),
    },
)

# -- webhook subscriptions (facts §3.2; no OpenAPI, from gridX's README) -----

SUBSCRIPTION = Obj(
    required={
        "id": UUID,
        "accountID": UUID,
        "eventTypes": Arr(TEXT),
        "targetURL": TEXT,
        "active": Bool(),
    },
    # Only the create answer carries the secret.
    optional={"secret": TEXT},
)
# The rotate answer is not documented beyond "new secret": a bare
# `{secret}` or the whole subscription with its secret; both are accepted.
ROTATED_SECRET = Either(
    (
        Obj(required={"secret": TEXT}),
        Obj(required={**SUBSCRIPTION.required, "secret": TEXT}),
    )
)

# -- notification rules (facts §3.1, S1 `NotificationsRule`) -----------------

RULE = Obj(
    required={
        "id": UUID,
        "accountID": UUID,
        "userID": UUID,
        "eventType": TEXT,
        "notificationType": Obj(
            optional={
                # `secret` comes from gridX's README, not the spec snapshot.
                "webhook": Obj(required={"targetURL": TEXT}, optional={"secret": TEXT}),
                "email": Obj(optional={"address": TEXT}),
                "sms": Obj(optional={"phonenumber": TEXT}),
                "dashboardNotification": Obj(optional={"userID": UUID}),
                "mobile": Obj(
                    optional={"appName": TEXT, "os": TEXT, "deviceToken": TEXT}
                ),
            }
        ),
    },
    optional={
        "filters": Arr(Obj(optional={"name": TEXT, "condition": TEXT})),
        "locale": TEXT,
    },
)
