"""The error tree of the gridX protocol layer."""

from collections.abc import Mapping
from typing import Any


class GridxError(Exception):
    """Base class of every gridX protocol error."""


class GridxSignatureError(GridxError):
    """The X-Signature header is missing or malformed."""


class GridxParseError(GridxError):
    """An event body does not match the gridX schema.

    ``field`` names the offending field as a dotted path (``data.gatewayID``),
    or ``body`` when the body itself is not a JSON object.
    """

    def __init__(self, field: str, problem: str) -> None:
        """Store the field and say what is wrong with it."""
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class GridxApiError(GridxError):
    """A REST call to the gridX API failed."""


class GridxConnectionError(GridxApiError):
    """The API could not be reached: DNS, TLS, refused connection or timeout."""


class GridxResponseError(GridxApiError):
    """The API answered with something that is not the documented shape."""


def expect_object(data: object, what: str) -> Mapping[str, Any]:
    """Return ``data`` as a mapping, or raise when it is not a JSON object."""
    if not isinstance(data, Mapping):
        raise GridxResponseError(
            f"{what}: expected a JSON object, got {type(data).__name__}"
        )
    return data


class GridxStatusError(GridxApiError):
    """The API answered with an error status."""

    def __init__(self, status: int, message: str) -> None:
        """Store the HTTP status and the API's message."""
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class GridxAuthError(GridxStatusError):
    """The token is invalid or expired (401, or 403 "Bad credentials")."""


class GridxPermissionError(GridxStatusError):
    """The token is valid but lacks a policy (403), e.g. WebhooksWrite."""


class GridxNotFoundError(GridxStatusError):
    """The resource or endpoint does not exist (404)."""


class GridxRateLimitError(GridxStatusError):
    """Too many requests (429); ``retry_after`` is in seconds when known."""

    def __init__(self, status: int, message: str, retry_after: float | None) -> None:
        """Store the Retry-After delay next to the status."""
        super().__init__(status, message)
        self.retry_after = retry_after


class GridxServerError(GridxStatusError):
    """The API failed on its side (5xx)."""


# -- the portal login (Auth0 token endpoint, gridx-live-facts §1.1) ------------


class GridxInvalidCredentialsError(GridxAuthError):
    """The portal refused the e-mail and password (or a revoked session).

    Nothing is retried with these credentials: the user must enter new ones.
    """


class GridxMfaRequiredError(GridxAuthError):
    """The account has multi-factor authentication; this login cannot do it."""


class GridxTooManyAttemptsError(GridxRateLimitError):
    """The portal throttles or blocked the login (429, ``too_many_attempts``).

    Also raised without asking the portal while the session holds back a
    password login (at most one per 60 s, longer after a refusal):
    ``retry_after`` says for how long. ``locked`` is True when the portal
    said the account is blocked (it may need the e-mail unlock link).
    """

    def __init__(
        self,
        status: int,
        message: str,
        retry_after: float | None,
        *,
        locked: bool = False,
    ) -> None:
        """Store whether the account itself is blocked."""
        super().__init__(status, message, retry_after)
        self.locked = locked


class GridxPortalUnreachableError(GridxConnectionError):
    """The portal's token endpoint did not answer usefully (network, 5xx)."""
