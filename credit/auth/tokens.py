"""Access tokens: short-lived JWTs signed with the registry's Ed25519 key (EdDSA) and a `kid`."""

from __future__ import annotations

import datetime
import functools
import uuid

import jwt

from credit.auth.caller import Caller
from credit.auth.keys import KeyRing, SigningKey
from credit.clock import utcnow
from credit.errors import Unauthorized

ALGORITHM = "EdDSA"
ISSUER = "quality-credit-registry"
# Tokens whose signature a worker keeps as verified, the most recently used: verifying an
# Ed25519 signature and parsing the token again costs a fifth of a small check.
VERIFIED_TOKENS = 4096


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
        header = _header(token)
    except jwt.InvalidTokenError:
        raise Unauthorized("The token is not a well-formed JWT.") from None
    if header.get("alg") != ALGORITHM:
        raise Unauthorized(f"Tokens must be signed with {ALGORITHM}.")
    kid = header.get("kid")
    key = keyring.find(kid) if isinstance(kid, str) else None
    if key is None:
        raise Unauthorized("The token's key id is not one of the registry's keys.")
    try:
        claims = _verified(token, key)
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The token has expired; request a new one.") from None
    except jwt.InvalidTokenError as error:
        raise Unauthorized(f"The token is not valid: {error}.") from None
    if claims["exp"] <= utcnow().timestamp():  # verified before, and expired since
        raise Unauthorized("The token has expired; request a new one.")
    role = claims.get("role")
    if not isinstance(role, str) or not isinstance(claims["sub"], str):
        raise Unauthorized("The token does not name a user and a role.")
    return Caller(
        username=claims["sub"], role=role, uscc=claims.get("uscc"), region=claims.get("region")
    )


# A token's header as written, once it has been read (one that cannot be read is not kept).
_header = functools.lru_cache(maxsize=VERIFIED_TOKENS)(jwt.get_unverified_header)


@functools.lru_cache(maxsize=VERIFIED_TOKENS)
def _verified(token: str, key: SigningKey) -> dict:
    """A token's claims, its signature by `key` and its claims checked; kept once they pass (a
    refusal is not kept). What a later request reads of it can change only by the clock, so
    `read_token` checks the expiry again each time; a key no longer in the ring is not asked."""
    return jwt.decode(
        token,
        key.public,
        algorithms=[ALGORITHM],
        issuer=ISSUER,
        options={"require": ["exp", "iat", "sub", "iss"]},
    )
