"""Access tokens: short-lived JWTs signed with the registry's Ed25519 key (EdDSA) and a `kid`."""

from __future__ import annotations

import datetime
import uuid

import jwt

from credit.auth.caller import Caller
from credit.auth.keys import KeyRing
from credit.clock import utcnow
from credit.errors import Unauthorized

ALGORITHM = "EdDSA"
ISSUER = "quality-credit-registry"


def issue_token(caller: Caller, keyring: KeyRing, lifetime_seconds: int) -> str:
    key = keyring.current()
    now = utcnow()
    claims = {
        "iss": ISSUER,
        "sub": caller.username,
        "role": caller.role,
        "iat": now,
        "nbf": now,
        "exp": now + datetime.timedelta(seconds=lifetime_seconds),
        "jti": uuid.uuid4().hex,
    }
    if caller.uscc:
        claims["uscc"] = caller.uscc
    if caller.region:
        claims["region"] = caller.region
    return jwt.encode(claims, key.private, algorithm=ALGORITHM, headers={"kid": key.kid})


def read_token(token: str, keyring: KeyRing) -> Caller:
    """The caller a token names, or Unauthorized saying why it is refused."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise Unauthorized("The token is not a well-formed JWT.") from None
    if header.get("alg") != ALGORITHM:
        raise Unauthorized(f"Tokens must be signed with {ALGORITHM}.")
    kid = header.get("kid")
    key = keyring.find(kid) if isinstance(kid, str) else None
    if key is None:
        raise Unauthorized("The token's key id is not one of the registry's keys.")
    try:
        claims = jwt.decode(
            token,
            key.public,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The token has expired; request a new one.") from None
    except jwt.InvalidTokenError as error:
        raise Unauthorized(f"The token is not valid: {error}.") from None
    role = claims.get("role")
    if not isinstance(role, str) or not isinstance(claims["sub"], str):
        raise Unauthorized("The token does not name a user and a role.")
    return Caller(
        username=claims["sub"], role=role, uscc=claims.get("uscc"), region=claims.get("region")
    )
