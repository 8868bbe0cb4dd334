"""Tests of the X-Signature parsing, verification and signing."""

import hashlib
import hmac

import pytest

from custom_components.gridx.api.errors import GridxSignatureError
from custom_components.gridx.api.signature import (
    MAX_DIGESTS,
    SIGNATURE_HEADER,
    compute_digest,
    parse_signature_header,
    sign,
    verify_signature,
)

BODY = b'{"id":"0b5f3e2a","type":"ping","data":{"message":"hello world"}}'
SECRETS = [f"whsec_secret{n}" for n in range(1, 7)]


def _hex(body: bytes, secret: str) -> str:
    """Compute the digest independently of the module under test."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha512).hexdigest()


def _header(*secrets: str, sep: str = ", ", body: bytes = BODY) -> str:
    return sep.join(f"sha512={_hex(body, s)}" for s in secrets)


def test_constants() -> None:
    """The header name and digest limit are gridX's."""
    assert SIGNATURE_HEADER == "X-Signature"
    assert MAX_DIGESTS == 5


def test_compute_digest_known_vector() -> None:
    """RFC 4231 test case 2: HMAC-SHA-512 with key "Jefe"."""
    digest = compute_digest(b"what do ya want for nothing?", "Jefe")
    assert digest.hex() == (
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    )
    assert len(digest) == 64


def test_compute_digest_uses_whole_secret_utf8() -> None:
    """The key is the UTF-8 bytes of the full secret, prefix included."""
    assert compute_digest(BODY, "whsec_ümlaut").hex() == _hex(BODY, "whsec_ümlaut")
    assert compute_digest(BODY, "whsec_abc") != compute_digest(BODY, "abc")


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("sep", [", ", ",", ",\t"])
def test_parse_one_to_five_digests(count: int, sep: str) -> None:
    """One to five digests parse, comma with or without one whitespace."""
    header = _header(*SECRETS[:count], sep=sep)
    digests = parse_signature_header(header)
    assert [d.hex() for d in digests] == [_hex(BODY, s) for s in SECRETS[:count]]


def test_parse_upper_and_mixed_case_hex() -> None:
    """Upper-case hex digits are accepted."""
    lower = _hex(BODY, SECRETS[0])
    header = f"sha512={lower.upper()}, sha512={lower[:64]}{lower[64:].upper()}"
    assert parse_signature_header(header) == (bytes.fromhex(lower),) * 2


def test_parse_strips_outer_whitespace() -> None:
    """Leading and trailing whitespace around the value is ignored."""
    header = f"  {_header(SECRETS[0])}\t"
    assert parse_signature_header(header) == (bytes.fromhex(_hex(BODY, SECRETS[0])),)


def test_six_digests_rejected() -> None:
    """More than five digests is malformed."""
    with pytest.raises(GridxSignatureError, match="more than 5 digests"):
        parse_signature_header(_header(*SECRETS))
    assert not verify_signature(BODY, _header(*SECRETS), SECRETS)


GOOD = _hex(BODY, SECRETS[0])


@pytest.mark.parametrize(
    "header",
    [
        f"sha256={GOOD}",
        f"SHA512={GOOD}",
        f"sha512:{GOOD}",
        f"sha512 ={GOOD}",
        GOOD,
        f"sha512={GOOD[:-1]}",
        f"sha512={GOOD}0",
        f"sha512={GOOD[:-1]}g",
        f"sha512={GOOD[:-2]}  ",
        f"sha512={GOOD},  sha512={GOOD}",
        f"sha512={GOOD}; sha512={GOOD}",
        f"sha512={GOOD},",
        f",sha512={GOOD}",
        f"sha512={GOOD}, sha256={GOOD}",
        "sha512=",
        ",",
    ],
)
def test_malformed_headers(header: str) -> None:
    """Bad prefix, wrong length, non-hex or bad separators are rejected."""
    with pytest.raises(GridxSignatureError, match="malformed signature entry"):
        parse_signature_header(header)
    assert not verify_signature(BODY, header, [SECRETS[0]])


@pytest.mark.parametrize("header", [None, ""])
def test_missing_header(header: str | None) -> None:
    """An empty or absent header is missing."""
    with pytest.raises(GridxSignatureError, match="missing signature header"):
        parse_signature_header(header)
    assert not verify_signature(BODY, header, [SECRETS[0]])


def test_whitespace_only_header_is_malformed() -> None:
    """Whitespace is not a signature."""
    with pytest.raises(GridxSignatureError, match="malformed"):
        parse_signature_header("   ")


def test_verify_single_digest() -> None:
    """A digest made with the secret verifies."""
    assert verify_signature(BODY, _header(SECRETS[0]), [SECRETS[0]])


def test_verify_wrong_secret() -> None:
    """A digest made with another secret does not verify."""
    assert not verify_signature(BODY, _header(SECRETS[0]), [SECRETS[1]])
    assert not verify_signature(BODY, _header(SECRETS[0]), ["secret1"])


@pytest.mark.parametrize("position", range(5))
def test_verify_any_of_several(position: int) -> None:
    """One matching digest among several is enough, in any position."""
    header = _header(*SECRETS[:5])
    assert verify_signature(BODY, header, [SECRETS[position]])
    assert verify_signature(BODY, header, ["unrelated", SECRETS[position]])


def test_verify_several_secrets_one_digest() -> None:
    """During a rotation the receiver may hold several secrets."""
    assert verify_signature(BODY, _header(SECRETS[3]), ["old", SECRETS[3], "new"])
    assert not verify_signature(BODY, _header(SECRETS[3]), ["old", "new"])


def test_verify_no_secrets() -> None:
    """No secrets (or only empty ones) never verifies."""
    assert not verify_signature(BODY, _header(SECRETS[0]), [])
    assert not verify_signature(BODY, _header(""), [""])


@pytest.mark.parametrize(
    "body",
    [
        BODY + b" ",
        BODY.replace(b"hello", b"hellO"),
        BODY[:-1],
        b"",
        BODY.replace(b":", b": "),
    ],
)
def test_body_tampering(body: bytes) -> None:
    """Any change to the raw body breaks the signature."""
    assert not verify_signature(body, _header(SECRETS[0]), [SECRETS[0]])


def test_verify_empty_body() -> None:
    """An empty body can be signed and verified."""
    assert verify_signature(b"", _header(SECRETS[0], body=b""), [SECRETS[0]])


def test_sign_single() -> None:
    """sign() produces gridX's lower-case format."""
    assert sign(BODY, [SECRETS[0]]) == f"sha512={GOOD}"


def test_sign_ordering_and_separator() -> None:
    """Digests keep the order of the secrets, joined by comma and space."""
    header = sign(BODY, SECRETS[:3])
    assert header == _header(*SECRETS[:3])
    assert header.count(", ") == 2
    assert verify_signature(BODY, header, [SECRETS[2]])


def test_sign_limit_keeps_newest_five() -> None:
    """With more than five secrets, the newest (last) five are used."""
    header = sign(BODY, SECRETS)
    assert header == _header(*SECRETS[1:])
    assert not verify_signature(BODY, header, [SECRETS[0]])
    assert len(parse_signature_header(header)) == 5


def test_sign_skips_empty_secrets() -> None:
    """Empty secrets are ignored, not signed with."""
    assert sign(BODY, ["", SECRETS[0], ""]) == f"sha512={GOOD}"


@pytest.mark.parametrize("secrets", [[], [""], ["", ""]])
def test_sign_needs_a_secret(secrets: list[str]) -> None:
    """Signing without a usable secret is a programming error."""
    with pytest.raises(ValueError, match="at least one secret"):
        sign(BODY, secrets)


def test_sign_verify_roundtrip_generator() -> None:
    """Secrets may be any iterable, e.g. a generator."""
    header = sign(BODY, (s for s in SECRETS[:2]))
    assert verify_signature(BODY, header, (s for s in [SECRETS[1]]))
