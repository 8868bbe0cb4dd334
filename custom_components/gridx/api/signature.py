"""The gridX ``X-Signature`` header: parse, verify and sign.

gridX signs the raw request body with HMAC-SHA-512, keyed with the UTF-8
bytes of the webhook secret, and sends ``sha512=<128 hex>``. During a secret
rotation the Subscription API sends up to five digests separated by ``, ``;
any one of them matching is enough.

The key is the whole secret string, ``whsec_`` prefix included: gridX's own
Go example uses the string's bytes as they are. This is inferred, not stated
by gridX (gridx-facts §2.1); a ping round trip confirms it at registration.
"""

from collections.abc import Iterable
import hashlib
import hmac
import re

from .errors import GridxSignatureError

SIGNATURE_HEADER = "X-Signature"
MAX_DIGESTS = 5
_ENTRY = re.compile(r"sha512=([0-9a-fA-F]{128})")
# A comma with at most one whitespace character after it (spec pattern `,\s?`).
_SEPARATOR = re.compile(r",\s?")


def parse_signature_header(value: str | None) -> tuple[bytes, ...]:
    """Return the raw digests in an ``X-Signature`` value.

    Raises GridxSignatureError when the header is missing, empty, has more
    than five entries, or any entry is not ``sha512=`` and 128 hex digits.
    """
    if not value:
        raise GridxSignatureError("missing signature header")
    entries = _SEPARATOR.split(value.strip())
    if len(entries) > MAX_DIGESTS:
        raise GridxSignatureError(f"more than {MAX_DIGESTS} digests")
    digests: list[bytes] = []
    for entry in entries:
        match = _ENTRY.fullmatch(entry)
        if match is None:
            raise GridxSignatureError("malformed signature entry")
        digests.append(bytes.fromhex(match.group(1)))
    return tuple(digests)


def compute_digest(body: bytes, secret: str) -> bytes:
    """Return HMAC-SHA-512 of ``body`` keyed with the secret's UTF-8 bytes."""
    return hmac.new(secret.encode(), body, hashlib.sha512).digest()


def verify_signature(body: bytes, header: str | None, secrets: Iterable[str]) -> bool:
    """Return True when any digest in ``header`` matches any secret.

    Every comparison runs in constant time with ``hmac.compare_digest``. A
    missing or malformed header, or no secrets, is simply not a match.
    """
    try:
        received = parse_signature_header(header)
    except GridxSignatureError:
        return False
    expected = [compute_digest(body, secret) for secret in secrets if secret]
    matched = False
    # No early exit: the time taken does not depend on which pair matched.
    for digest in received:
        for candidate in expected:
            matched |= hmac.compare_digest(digest, candidate)
    return matched


def sign(body: bytes, secrets: Iterable[str]) -> str:
    """Return an ``X-Signature`` value signing ``body`` with every secret.

    This is how gridX signs, newest secrets last, at most five of them. The
    emulator and the tests use it.
    """
    chosen = [secret for secret in secrets if secret][-MAX_DIGESTS:]
    if not chosen:
        raise ValueError("at least one secret is needed to sign")
    return ", ".join(f"sha512={compute_digest(body, s).hex()}" for s in chosen)


__all__ = [
    "MAX_DIGESTS",
    "SIGNATURE_HEADER",
    "compute_digest",
    "parse_signature_header",
    "sign",
    "verify_signature",
]
