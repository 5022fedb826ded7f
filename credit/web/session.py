"""Who is signed in to the pages: the account behind the signed session cookie, checked anew on
every request, and the decorator that keeps a page to the roles that may use it."""

from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, abort, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from credit.api.context import db_session
from credit.auth.caller import PUBLIC, Caller
from credit.models import User
from credit.private_files import write_private_text
from credit.services.users import caller_of

if TYPE_CHECKING:
    from itsdangerous import URLSafeTimedSerializer

ACCOUNT_KEY = "account_id"
SECRET_FILE = "session.key"
# Where each role lands after signing in when it asked for no page; the others land on `/`.
ROLE_HOMES = {
    "enterprise": "/me",
    "regulator": "/console",
    "agency": "/console/imports",
    "bank": "/desk",
    "procurement": "/desk",
}


class SessionCookies(SecureCookieSessionInterface):
    """The signed cookie, marked Secure when the request came over HTTPS: directly, or through a
    trusted proxy that says so (X-Forwarded-Proto, read by ProxyFix when
    CREDIT_TRUSTED_PROXIES is set). A fixed setting would either break sign-in over plain HTTP on
    a workstation or let the cookie travel unencrypted in production.

    Every request opens the session, an API lookup too: the signer is made once per key rather
    than per request, and a session nobody touched is not looked at again when the response
    goes out."""

    def __init__(self):
        self._signers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or super().get_cookie_secure(app)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self._signers:
            self._signers[keys] = super().get_signing_serializer(app)
        return self._signers[keys]

    def open_session(self, app: Flask, request):
        if "HTTP_COOKIE" not in request.environ:
            # No cookie at all (a program's request, mostly): nothing to read or check.
            return None if self.get_signing_serializer(app) is None else self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        if not (session or session.modified or session.accessed):
            return  # what Flask would do too, without working out the cookie's settings
        super().save_session(app, session, response)


def install(app: Flask, keys: Path) -> None:
    app.secret_key = _secret(keys / SECRET_FILE)
    app.session_interface = SessionCookies()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")


def _secret(path: Path) -> str:
    """The key that signs session cookies, shared by every worker and server using the key
    folder: made once (before the server forks), never overwritten by a second maker."""
    if not path.exists() or not path.read_text(encoding="utf-8").strip():
        made = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        write_private_text(made, secrets.token_urlsafe(48))
        try:
            os.link(made, path)  # fails when another process got there first; theirs is kept
        except FileExistsError:
            pass
        finally:
            made.unlink()
    return path.read_text(encoding="utf-8").strip()


def signed_in() -> User | None:
    """The signed-in account, read from the database once per request; a disabled or deleted
    account is signed out here, so its session ends on its next request."""
    if "signed_in_account" not in g:
        g.signed_in_account = _account()
    return g.signed_in_account


def _account() -> User | None:
    account_id = session.get(ACCOUNT_KEY)
    if account_id is None:
        return None
    user = (
        db_session().scalar(select(User).where(User.id == account_id))
        if isinstance(account_id, int)
        else None
    )
    if user is None or not user.active:
        sign_out()
        return None
    g.caller = caller_of(user)
    return user


def caller() -> Caller:
    """The signed-in account as services take it; the public when nobody is signed in."""
    return PUBLIC if signed_in() is None else g.caller


def sign_in(user: User) -> None:
    # A fresh session: nothing a visitor had in it before signing in is carried over.
    session.clear()
    session[ACCOUNT_KEY] = user.id
    g.signed_in_account = user
    g.caller = caller_of(user)


def sign_out() -> None:
    session.clear()
    g.signed_in_account = None
    g.pop("caller", None)


def account_named(username: str) -> User | None:
    return db_session().scalar(select(User).where(User.username == username))


def home_of(user: User) -> str:
    """Where an account lands after signing in when it asked for no page."""
    return ROLE_HOMES.get(user.role, "/")


def local_path(target: str | None) -> str | None:
    """`next` when it is a path on this site (`/me?tab=1`), None for anything that could lead
    elsewhere (`//host`, `/\\host`, `https://…`, control characters)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return None
    return target


def page_for(*roles: str):
    """Keeps a page to the roles given: a visitor who is not signed in is sent to sign in (and
    back here afterwards); a signed-in account of another role gets the 403 page."""

    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            user = signed_in()
            if user is None:
                wanted = request.full_path if request.query_string else request.path
                return redirect(url_for("account.login", next=wanted))
            if roles and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate
