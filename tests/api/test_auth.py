"""Signing in, and which tokens the service accepts, over HTTP."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from credit.auth.tokens import ISSUER
from credit.models import User
from credit.services.users import disable_user
from tests.api.problems import assert_problem
from tests.conftest import TEST_PASSWORD

TOKEN = "/api/v1/auth/token"
ENTERPRISES = "/api/v1/enterprises"


def sign_in(client, username, password=TEST_PASSWORD):
    return client.post(TOKEN, json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register(client, make, token):
    """A write only a regulator of 3211 may make: 201 shows the token was taken as that officer."""
    return client.post(
        ENTERPRISES,
        headers=bearer(token),
        json={"uscc": make.uscc("321102"), "name": "镇江市测试电气有限公司"},
    )


def disable(database, username):
    with database.writing() as session:
        disable_user(session, username)


def forged_claims(username, role="regulator", **changes):
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": username,
        "role": role,
        "region": "3211",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(changes)
    return claims


@pytest.fixture
def officer(make):
    return make.account("regulator", region="3211")


@pytest.fixture
def keyring(app):
    return app.extensions["credit.token_keys"]


def test_sign_in_gives_a_bearer_token_that_works(client, make, officer, settings):
    response = sign_in(client, officer.username)
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.token_lifetime
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["role"], claims["region"]) == (
        officer.username,
        "regulator",
        "3211",
    )
    assert register(client, make, body["access_token"]).status_code == 201


def test_an_enterprise_token_names_its_firm(client, make):
    firm = make.enterprise()
    account = make.account("enterprise", uscc=firm)
    token = sign_in(client, account.username).get_json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["role"] == "enterprise" and claims["uscc"] == firm


def test_a_wrong_password_is_401(client, make, officer):
    body = assert_problem(sign_in(client, officer.username, "wrong horse battery"), 401)
    assert "access_token" not in body


def test_an_unknown_user_gets_the_same_401_as_a_wrong_password(client, officer):
    wrong_password = assert_problem(sign_in(client, officer.username, "not it at all"), 401)
    unknown = assert_problem(sign_in(client, "nobody-here"), 401)
    assert unknown["detail"] == wrong_password["detail"]


def test_the_password_is_case_sensitive(client, officer):
    assert_problem(sign_in(client, officer.username, TEST_PASSWORD.upper()), 401)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": "x"}, "password"),
        ({"password": "x"}, "username"),
        ({"username": "", "password": "x"}, "username"),
        ({"username": "x", "password": "y", "remember": True}, "remember"),
    ],
)
def test_incomplete_credentials_are_422(client, body, field):
    assert_problem(client.post(TOKEN, json=body), 422, field)


def test_a_disabled_account_cannot_sign_in(client, database, officer):
    disable(database, officer.username)
    assert_problem(sign_in(client, officer.username), 401)


def test_a_disabled_accounts_existing_token_stops_working(client, make, database, officer):
    token = make.token(officer)
    assert client.get(ENTERPRISES, headers=bearer(token)).status_code == 200
    disable(database, officer.username)
    assert_problem(register(client, make, token), 401)
    # refused even where no token is needed
    assert_problem(client.get(ENTERPRISES, headers=bearer(token)), 401)


def test_a_token_is_refused_once_the_accounts_role_changes(client, make, session, officer):
    token = make.token(officer)
    user = session.scalar(select(User).where(User.username == officer.username))
    user.role, user.region = "bank", None
    session.commit()
    assert_problem(register(client, make, token), 401)


def test_a_token_of_an_account_that_does_not_exist_is_401(client, make, keyring):
    key = keyring.current()
    token = jwt.encode(
        forged_claims("ghost-officer"), key.private, algorithm="EdDSA", headers={"kid": key.kid}
    )
    assert_problem(register(client, make, token), 401)


def test_an_expired_token_is_401(client, make, officer):
    body = assert_problem(register(client, make, make.token(officer, lifetime=-1)), 401)
    assert "expired" in body["detail"]


def _forgeries(username, keyring):
    key = keyring.current()
    claims = forged_claims(username)
    return {
        "alg none": jwt.encode(claims, None, algorithm="none", headers={"kid": key.kid}),
        "HS256": jwt.encode(
            claims,
            "a shared secret of thirty-two bytes!",
            algorithm="HS256",
            headers={"kid": key.kid},
        ),
        "bad signature": jwt.encode(
            claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": key.kid}
        ),
        "unknown kid": jwt.encode(
            claims,
            Ed25519PrivateKey.generate(),
            algorithm="EdDSA",
            headers={"kid": "20990101T000000000000Z-unknownkey00"},
        ),
        "no kid": jwt.encode(claims, key.private, algorithm="EdDSA"),
        "other issuer": jwt.encode(
            {**claims, "iss": "elsewhere"}, key.private, algorithm="EdDSA", headers={"kid": key.kid}
        ),
    }


@pytest.mark.parametrize(
    "kind", ["alg none", "HS256", "bad signature", "unknown kid", "no kid", "other issuer"]
)
def test_a_forged_token_is_401(client, make, keyring, officer, kind):
    token = _forgeries(officer.username, keyring)[kind]
    assert_problem(register(client, make, token), 401)
    assert_problem(client.get(ENTERPRISES, headers=bearer(token)), 401)


def test_the_same_claims_signed_by_the_registry_are_accepted(client, make, keyring, officer):
    # The control for the forgeries above: only the signature makes the difference.
    key = keyring.current()
    token = jwt.encode(
        forged_claims(officer.username), key.private, algorithm="EdDSA", headers={"kid": key.kid}
    )
    assert register(client, make, token).status_code == 201


def test_after_key_rotation_old_tokens_work_and_new_ones_carry_the_new_kid(
    client, make, keyring, officer
):
    old_token = sign_in(client, officer.username).get_json()["access_token"]
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    new = keyring.rotate()
    assert new.kid != old_kid
    new_token = sign_in(client, officer.username).get_json()["access_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == new.kid
    assert register(client, make, old_token).status_code == 201
    assert register(client, make, new_token).status_code == 201


def _signed_with_header(header: dict, claims: dict, private: Ed25519PrivateKey) -> str:
    """A JWS signed by `private` with exactly this header, whatever its `kid` holds."""

    def part(value: dict) -> bytes:
        raw = json.dumps(value, ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    signing_input = part(header) + b"." + part(claims)
    signature = base64.urlsafe_b64encode(private.sign(signing_input)).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


HOSTILE_KIDS = {
    "long": "k" * 300,
    "very long": "k" * 5000,
    "slash": "tokens/../reports/key",
    "dot dot": "..",
    "parent folder": "../../../../etc/passwd",
    "nul": "key\x00.pem",
    "non-ascii": "钥匙-キー-ключ",
    "empty": "",
    "number": 42,
    "list": ["a", "b"],
    "object": {"kid": "x"},
    "null": None,
}


@pytest.mark.parametrize("kind", [*HOSTILE_KIDS, "missing"])
def test_a_token_whose_kid_is_not_one_of_the_registrys_keys_is_401(
    client, make, keyring, officer, kind
):
    # Signed with the registry's own key: the key id alone must make the refusal.
    header = {"alg": "EdDSA", "typ": "JWT"}
    if kind != "missing":
        header["kid"] = HOSTILE_KIDS[kind]
    token = _signed_with_header(header, forged_claims(officer.username), keyring.current().private)
    assert_problem(register(client, make, token), 401)
    assert_problem(client.get(ENTERPRISES, headers=bearer(token)), 401)
    assert_problem(client.get(f"{ENTERPRISES}/{make.enterprise()}", headers=bearer(token)), 401)


def test_the_hostile_kid_control_a_token_built_the_same_way_with_the_real_kid_works(
    client, make, keyring, officer
):
    key = keyring.current()
    token = _signed_with_header(
        {"alg": "EdDSA", "typ": "JWT", "kid": key.kid}, forged_claims(officer.username), key.private
    )
    assert register(client, make, token).status_code == 201
