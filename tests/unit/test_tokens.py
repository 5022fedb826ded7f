"""Access tokens: what read_token accepts, everything it refuses, and key rotation."""

from __future__ import annotations

import base64
import datetime
import json
import stat
import time

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from credit.auth.caller import Caller
from credit.auth.keys import KeyRing
from credit.auth.tokens import ISSUER, issue_token, read_token
from credit.errors import Unauthorized

REGULATOR = Caller(username="officer-1", role="regulator", region="3211")
FIRM = Caller(username="firm-1", role="enterprise", uscc="91321100700004117A")


@pytest.fixture
def keyring(tmp_path):
    ring = KeyRing(tmp_path / "tokens")
    ring.ensure()
    return ring


def claims(caller: Caller = REGULATOR, **changes) -> dict:
    now = int(time.time())
    values = {
        "iss": ISSUER,
        "sub": caller.username,
        "role": caller.role,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    if caller.region:
        values["region"] = caller.region
    if caller.uscc:
        values["uscc"] = caller.uscc
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def signed(keyring: KeyRing, payload: dict, **header) -> str:
    key = keyring.current()
    return jwt.encode(payload, key.private, algorithm="EdDSA", headers={"kid": key.kid, **header})


def refused(token: str, keyring: KeyRing) -> str:
    with pytest.raises(Unauthorized) as caught:
        read_token(token, keyring)
    assert caught.value.status == 401
    return caught.value.detail


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("caller", [REGULATOR, FIRM], ids=["regulator", "enterprise"])
def test_an_issued_token_reads_back_as_its_caller(keyring, caller):
    assert read_token(issue_token(caller, keyring, 600), keyring) == caller


def test_an_issued_token_is_eddsa_with_the_current_kid_and_the_contract_claims(keyring):
    token = issue_token(REGULATOR, keyring, 600)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    assert header["kid"] == keyring.current().kid
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["sub"] == "officer-1"
    assert payload["role"] == "regulator"
    assert payload["region"] == "3211"
    assert payload["exp"] - payload["iat"] == 600
    assert "uscc" not in payload
    firm = jwt.decode(issue_token(FIRM, keyring, 600), options={"verify_signature": False})
    assert firm["uscc"] == FIRM.uscc and "region" not in firm


def test_an_expired_token_is_refused(keyring):
    token = issue_token(REGULATOR, keyring, -5)
    assert "expired" in refused(token, keyring)


def test_alg_none_is_refused(keyring):
    token = jwt.encode(claims(), None, algorithm="none", headers={"kid": keyring.current().kid})
    refused(token, keyring)


def test_alg_none_handcrafted_with_an_empty_signature_is_refused(keyring):
    header = {"alg": "none", "typ": "JWT", "kid": keyring.current().kid}
    refused(f"{_b64(header)}.{_b64(claims())}.", keyring)


def test_an_hs256_token_is_refused(keyring):
    token = jwt.encode(
        claims(),
        "a shared secret of thirty-two bytes!",
        algorithm="HS256",
        headers={"kid": keyring.current().kid},
    )
    assert "EdDSA" in refused(token, keyring)


def test_an_hs256_token_keyed_with_the_public_key_is_refused(keyring):
    # The classic confusion attack: the verifier's public key used as an HMAC secret.
    from cryptography.hazmat.primitives import serialization

    public = keyring.current().public.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    token = jwt.encode(
        claims(), public * 2, algorithm="HS256", headers={"kid": keyring.current().kid}
    )
    refused(token, keyring)


def test_a_token_signed_by_another_key_under_our_kid_is_refused(keyring):
    token = jwt.encode(
        claims(),
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": keyring.current().kid},
    )
    refused(token, keyring)


def test_a_token_with_a_changed_payload_is_refused(keyring):
    header, _payload, signature = issue_token(FIRM, keyring, 600).split(".")
    forged = f"{header}.{_b64(claims(FIRM, role='regulator', region='32'))}.{signature}"
    refused(forged, keyring)


@pytest.mark.parametrize(
    "kid",
    [
        "20200101T000000000000Z-unknown000",
        "../tokens/x",
        ".hidden",
        "",
        "k" * 300,
        "k" * 5000,
        "key\x00.pem",
        "钥匙",
        "..",
        42,
        None,
    ],
)
def test_an_unknown_kid_is_refused(keyring, kid):
    if isinstance(kid, str) or kid is None:
        headers = {} if kid is None else {"kid": kid}
        token = jwt.encode(
            claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers=headers
        )
        assert "key id" in refused(token, keyring)
    else:
        refused(f"{_b64({'alg': 'EdDSA', 'kid': kid})}.{_b64(claims())}.c2ln", keyring)


def test_a_kid_naming_a_key_file_outside_the_ring_is_refused(tmp_path, keyring):
    other = KeyRing(tmp_path / "reports")
    key = other.rotate()
    token = jwt.encode(
        claims(), key.private, algorithm="EdDSA", headers={"kid": f"../reports/{key.kid}"}
    )
    refused(token, keyring)


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "someone-else"},
        {"iss": None},
        {"exp": None},
        {"sub": None},
        {"iat": None},
        {"nbf": int(time.time()) + 3600},
        {"role": None},
        {"sub": 7},
    ],
    ids=[
        "issuer",
        "no-issuer",
        "no-exp",
        "no-sub",
        "no-iat",
        "not-yet-valid",
        "no-role",
        "numeric-sub",
    ],
)
def test_a_token_signed_by_our_key_with_bad_claims_is_refused(keyring, changes):
    refused(signed(keyring, claims(**changes)), keyring)


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c", "e30.e30.", "W10.e30.e30"])
def test_garbage_is_refused(keyring, token):
    refused(token, keyring)


def test_after_rotation_old_tokens_verify_and_new_tokens_carry_the_new_kid(keyring):
    old_kid = keyring.current().kid
    old_token = issue_token(REGULATOR, keyring, 600)
    new = keyring.rotate()
    assert new.kid != old_kid
    assert keyring.current().kid == new.kid
    assert [key.kid for key in keyring.keys()] == [old_kid, new.kid]  # noqa: SIM118 (a method, not a dict)
    assert read_token(old_token, keyring) == REGULATOR
    new_token = issue_token(REGULATOR, keyring, 600)
    assert jwt.get_unverified_header(new_token)["kid"] == new.kid
    assert read_token(new_token, keyring) == REGULATOR


def test_a_key_rotated_by_another_process_is_used_at_once(keyring):
    # `credit keys rotate` runs in its own process: a running ring must pick the new key up.
    old_token = issue_token(REGULATOR, keyring, 600)
    new = KeyRing(keyring.directory).rotate()
    token = issue_token(REGULATOR, keyring, 600)
    assert jwt.get_unverified_header(token)["kid"] == new.kid
    assert read_token(token, keyring) == REGULATOR
    assert read_token(old_token, keyring) == REGULATOR


def test_ensure_creates_one_key_and_keeps_it(tmp_path):
    ring = KeyRing(tmp_path / "tokens")
    assert ring.keys() == []
    first = ring.ensure()
    assert ring.ensure().kid == first.kid
    assert KeyRing(tmp_path / "tokens").ensure().kid == first.kid
    assert len(list((tmp_path / "tokens").glob("*.pem"))) == 1


def test_key_files_are_private_to_their_owner(keyring):
    for path in keyring.directory.glob("*.pem"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(keyring.directory.stat().st_mode) & 0o077 == 0


def test_the_key_set_publishes_every_key_without_private_parts(keyring):
    keyring.rotate()
    published = keyring.jwks()["keys"]
    assert [k["kid"] for k in published] == [k.kid for k in keyring.keys()]  # noqa: SIM118
    for key in published:
        assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["alg"] == "EdDSA"
        assert "d" not in key


def test_the_kept_keys_are_found_by_their_id_and_nothing_else_is(keyring):
    key = keyring.current()
    assert keyring.find(key.kid) == key
    for other in (
        f"{key.kid}.pem",
        f"./{key.kid}",
        f"../tokens/{key.kid}",
        key.kid + "\x00",
        "k" * 300,
        ["a"],
        None,
    ):
        assert keyring.find(other) is None


def test_a_key_rotated_in_by_another_process_is_found(keyring):
    elsewhere = KeyRing(keyring.directory).rotate()
    found = keyring.find(elsewhere.kid)
    assert found is not None and found.jwk() == elsewhere.jwk()


def test_a_token_read_before_and_expired_since_is_refused(keyring):
    with time_machine.travel(datetime.datetime(2026, 11, 30, 23, 59, tzinfo=datetime.UTC)):
        token = issue_token(REGULATOR, keyring, 60)
        assert read_token(token, keyring) == REGULATOR
    with time_machine.travel(datetime.datetime(2026, 12, 1, 0, 0, 1, tzinfo=datetime.UTC)):
        assert "expired" in refused(token, keyring)


def test_a_refused_token_is_refused_again(keyring):
    token = signed(keyring, claims(iss="someone-else"))
    assert "issuer" in refused(token, keyring).lower()
    assert "issuer" in refused(token, keyring).lower()


def test_a_token_read_before_is_refused_once_its_key_is_no_longer_the_rings(keyring, tmp_path):
    token = issue_token(REGULATOR, keyring, 600)
    assert read_token(token, keyring) == REGULATOR
    assert "key id" in refused(token, KeyRing(tmp_path / "other"))
