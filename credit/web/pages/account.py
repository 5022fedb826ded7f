"""Signing in and out of the pages, for every role, with the sign-in limits of the API."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request

from credit.api.context import close_session, read_lookup
from credit.errors import Unauthorized
from credit.services.users import authenticate
from credit.web import session as web_session

blp = Blueprint("account", __name__)
WRONG_CREDENTIALS = "用户名或密码不正确，或该账号已停用。"


@blp.get("/login")
def login():
    return render_template(
        "account/login.html", next=web_session.local_path(request.args.get("next"))
    )


@blp.post("/login")
def login_post():
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    target = web_session.local_path(request.form.get("next"))
    problems = {}
    if not username:
        problems["username"] = "请输入用户名。"
    if not password:
        problems["password"] = "请输入密码。"
    if problems:
        return _form(username, target, problems, 422)
    # As for tokens: no transaction stays open while the (slow on purpose) password is checked.
    close_session()
    limits = current_app.extensions["credit.signin_limits"]
    address = request.remote_addr or ""
    limits.check(username, address)  # over the limit: the 429 page says when to retry
    try:
        caller = read_lookup(lambda lookup: authenticate(lookup, username, password))
    except Unauthorized:
        limits.failed(username, address)
        return _form(username, target, {"password": WRONG_CREDENTIALS}, 401)
    user = web_session.account_named(caller.username)
    web_session.sign_in(user)
    return redirect(target or web_session.home_of(user), 303)


def _form(username: str, target: str | None, problems: dict[str, str], status: int):
    page = render_template("account/login.html", next=target, username=username, problems=problems)
    return page, status


@blp.get("/logout")
def logout():
    return render_template("account/logout.html")


@blp.post("/logout")
def logout_post():
    web_session.sign_out()
    return redirect("/", 303)
