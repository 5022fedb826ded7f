"""Accounts: creating, disabling and signing in."""

from __future__ import annotations

import re

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from credit import canonical, chain
from credit import uscc as uscc_codes
from credit.auth.caller import ROLES, WRITABLE_KINDS, Caller
from credit.auth.passwords import hash_password, verify_password
from credit.clock import utcnow
from credit.db import DriverQuery
from credit.errors import Conflict, InvalidInput, NotFound, Unauthorized
from credit.models import User

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,63}")
MIN_PASSWORD_LENGTH = 10
ACCOUNT_ROLES = tuple(role for role in ROLES if role != "public")


# What an account's audit events record of it: everything but its password hash and the time
# the row was made. A password change is recorded as having happened, never with the hash.
ACCOUNT_FIELDS = ("id", "username", "role", "uscc", "region", "agency", "kinds", "disabled_at")
ACCOUNT_EVENTS = ("account_created", "account_changed", "account_baseline")


def account_content(user) -> dict:
    """The audited fields of an account row (a `User` or a row with the same columns)."""
    return canonical.plain({field: getattr(user, field) for field in ACCOUNT_FIELDS})


def record_account(session: Session, user: User, kind: str, actor: str, **details) -> None:
    """Appends an account's event to the audit chain, with the account as it now is."""
    session.flush()
    chain.append(
        session,
        chain.NewEvent(
            actor=actor, kind=kind, payload={"account": account_content(user), **details}
        ),
    )


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    uscc: str | None = None,
    region: str | None = None,
    agency: str | None = None,
    kinds: list[str] | tuple[str, ...] = (),
    actor: str = "cli",
) -> User:
    errors: dict[str, list[str]] = {}
    if not USERNAME.fullmatch(username or ""):
        errors["username"] = ["2-64 letters, digits or . _ @ -, starting with a letter or digit"]
    _check_password(password, errors)
    uscc, region, agency, kinds = _binding(role, uscc, region, agency, kinds, errors)
    if errors:
        raise InvalidInput(errors)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"An account named {username} already exists.")
    user = User(
        username=username,
        role=role,
        uscc=uscc,
        region=region,
        agency=agency,
        kinds=",".join(kinds) or None,
        password_hash=hash_password(password),
    )
    session.add(user)
    record_account(session, user, "account_created", actor)
    return user


_KEEP = object()


def change_user(
    session: Session,
    username: str,
    *,
    role: str | None = None,
    uscc=_KEEP,
    region=_KEEP,
    agency=_KEEP,
    kinds=_KEEP,
    actor: str = "cli",
) -> User:
    """A new role or binding for an account. A binding not given is kept when the role still
    takes it, and dropped when the new role does not."""
    user = _account(session, username)
    role = role or user.role
    takes = _BINDINGS.get(role, ())
    given = {"uscc": uscc, "region": region, "agency": agency, "kinds": kinds}
    current = {"uscc": user.uscc, "region": user.region, "agency": user.agency}
    current["kinds"] = _kinds(user.kinds)
    values = {
        name: (current[name] if name in takes else None) if value is _KEEP else value
        for name, value in given.items()
    }
    errors: dict[str, list[str]] = {}
    new_uscc, new_region, new_agency, new_kinds = _binding(
        role, values["uscc"], values["region"], values["agency"], values["kinds"] or (), errors
    )
    if errors:
        raise InvalidInput(errors)
    before = account_content(user)
    user.role, user.uscc, user.region, user.agency = role, new_uscc, new_region, new_agency
    user.kinds = ",".join(new_kinds) or None
    changed = sorted(k for k, v in account_content(user).items() if before[k] != v)
    if changed:
        record_account(session, user, "account_changed", actor, changed=changed)
    return user


def set_password(session: Session, username: str, password: str, *, actor: str = "cli") -> User:
    errors: dict[str, list[str]] = {}
    _check_password(password, errors)
    if errors:
        raise InvalidInput(errors)
    user = _account(session, username)
    user.password_hash = hash_password(password)
    record_account(session, user, "account_changed", actor, changed=[], password_changed=True)
    return user


# What each role is bound to.
_BINDINGS = {
    "enterprise": ("uscc",),
    "regulator": ("region",),
    "agency": ("region", "agency", "kinds"),
}


def _check_password(password: str, errors: dict[str, list[str]]) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"must have at least {MIN_PASSWORD_LENGTH} characters"]


def _binding(role, uscc, region, agency, kinds, errors: dict[str, list[str]]):
    """The firm, region, agency and kinds a role is bound to, in their normal form."""
    if role not in ACCOUNT_ROLES:
        errors["role"] = [f"must be one of {', '.join(ACCOUNT_ROLES)}"]
    if role == "enterprise":
        try:
            uscc = uscc_codes.validate(uscc or "")
        except uscc_codes.InvalidUscc as problem:
            errors["uscc"] = [f"an enterprise account needs its firm's USCC: {problem}"]
    elif uscc:
        errors["uscc"] = ["only an enterprise account is bound to a USCC"]
    if role in ("regulator", "agency"):
        if not region or not re.fullmatch(r"[0-9]{2}([0-9]{2}){0,2}", region):
            errors["region"] = ["this role needs a region code prefix of 2, 4 or 6 digits"]
    elif region:
        errors["region"] = ["only a regulator or agency account is bound to a region"]
    agency = " ".join((agency or "").split()) or None
    kinds = tuple(dict.fromkeys(k.strip() for k in kinds if k.strip()))
    if role == "agency":
        if not agency or len(agency) > 200:
            errors["agency"] = ["an agency account needs the agency's name (up to 200 characters)"]
        unknown = [k for k in kinds if k not in WRITABLE_KINDS]
        if not kinds or unknown:
            errors["kinds"] = [
                f"an agency account needs the kinds it supplies, from {', '.join(WRITABLE_KINDS)}"
            ]
    elif agency or kinds:
        errors["agency"] = ["only an agency account names an agency and the kinds it supplies"]
    return uscc or None, region or None, agency, kinds


def _account(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No account named {username}.")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def disable_user(session: Session, username: str, *, actor: str = "cli") -> User:
    user = _account(session, username)
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        record_account(session, user, "account_changed", actor, changed=["disabled_at"])
    return user


def enable_user(session: Session, username: str, *, actor: str = "cli") -> User:
    user = _account(session, username)
    if user.disabled_at is not None:
        user.disabled_at = None
        record_account(session, user, "account_changed", actor, changed=["disabled_at"])
    return user


SIGN_IN_ACCOUNT = DriverQuery(
    select(
        User.username,
        User.role,
        User.uscc,
        User.region,
        User.agency,
        User.kinds,
        User.password_hash,
        User.disabled_at,
    ).where(User.username == bindparam("username"))
)


def authenticate(lookup: Connection, username: str, password: str) -> Caller:
    """The caller for a username and password; one message for every failure, so names stay secret.

    The account is read in one statement on `lookup` (no transaction), and the password is
    checked afterwards: Argon2 is slow on purpose, and a transaction open around it would hold
    SQLite's write lock (or a snapshot) against every other request for as long.
    """
    account = SIGN_IN_ACCOUNT.first(lookup, username=username)
    if (
        not verify_password(account.password_hash if account else None, password)
        or account.disabled_at is not None
    ):
        raise Unauthorized("Wrong username or password, or the account is disabled.")
    return Caller(
        username=account.username,
        role=account.role,
        uscc=account.uscc,
        region=account.region,
        agency=account.agency,
        kinds=_kinds(account.kinds),
    )


# Every request with a token reads its account: one statement built once, read as a tuple.
_ACCOUNT = select(
    User.username, User.role, User.uscc, User.region, User.agency, User.kinds, User.disabled_at
).where(User.username == bindparam("username"))


_ACCOUNT_ROW = DriverQuery(_ACCOUNT)


def active_caller(session: Session, username: str) -> Caller:
    """The caller as the database has it now: a token of a disabled or deleted account stops working."""
    return _caller_of_account(session.execute(_ACCOUNT, {"username": username}).first())


def token_caller(lookup: Connection, username: str) -> Caller:
    """`active_caller` read in one statement on `lookup` (no transaction): a request's token is
    checked before its session, and its write lock, are opened."""
    return _caller_of_account(_ACCOUNT_ROW.first(lookup, username=username))


def _caller_of_account(user) -> Caller:
    if user is None or user.disabled_at is not None:
        raise Unauthorized("The account behind this token is disabled or no longer exists.")
    return Caller(
        username=user.username,
        role=user.role,
        uscc=user.uscc,
        region=user.region,
        agency=user.agency,
        kinds=_kinds(user.kinds),
    )


def caller_of(user: User) -> Caller:
    return Caller(
        username=user.username,
        role=user.role,
        uscc=user.uscc,
        region=user.region,
        agency=user.agency,
        kinds=_kinds(user.kinds),
    )


def _kinds(stored: str | None) -> tuple[str, ...]:
    return tuple(stored.split(",")) if stored else ()
