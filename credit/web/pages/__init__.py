"""The web pages: one blueprint per area, the site's layout and static files, CSRF on forms,
signed-in sessions, and error pages in Chinese for everything outside the JSON API."""

from __future__ import annotations

from flask import Flask, render_template, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from credit import errors
from credit.web import session as web_session
from credit.web.templating import FILTERS, GLOBALS

# Paths that answer programs (problem+json errors, no CSRF: a bearer token is not sent by a
# browser on its own, so a forged cross-site request carries none).
PROGRAM_PATHS = ("/api/", "/.well-known/", "/healthz")
# A page loads only the site's own scripts and styles; inline style is allowed because the
# server-drawn SVG charts carry their own <style>; inline script never is.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
ERROR_TITLES = {
    400: "请求无效",
    403: "无权访问",
    404: "页面不存在",
    405: "请求方式不正确",
    413: "上传内容过大",
    414: "网址过长",
    422: "输入有误",
    429: "尝试次数过多",
    431: "请求头过大",
    500: "系统暂时无法完成请求",
    503: "服务暂不可用",
}

csrf = CSRFProtect()


def for_programs() -> bool:
    """Whether the request is a program's: under the API's paths, or anywhere when it asks
    for JSON rather than HTML."""
    if request.path.startswith(PROGRAM_PATHS):
        return True
    accepted = request.accept_mimetypes
    return accepted.best_match(("text/html", "application/json")) == "application/json" or (
        accepted.best_match(("text/html", "application/problem+json")) == "application/problem+json"
    )


def register(app: Flask) -> None:
    """Wires the pages into the app: called by the app factory after the API."""
    from credit.web.pages import account, console, desk, imports, me, public, verify

    settings = app.extensions["credit.settings"]
    web_session.install(app, settings.keys)
    # Only pages are checked: the API is for bearer tokens (see PROGRAM_PATHS).
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # a form stays valid as long as the session
    # Every answer says Referrer-Policy: no-referrer, so browsers send no Referer for Flask-WTF's
    # HTTPS check to compare; the token, and a session cookie sent only on same-site posts
    # (SameSite=Lax), refuse a forged post.
    app.config["WTF_CSRF_SSL_STRICT"] = False
    csrf.init_app(app)
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(GLOBALS, signed_in=web_session.signed_in)
    blueprints = (public, account, me, verify, console, desk, imports)
    for blueprint in (module.blp for module in blueprints):
        app.register_blueprint(blueprint)
    app.before_request(_before_page)
    app.after_request(_page_headers)
    _render_errors_as_pages(app)


def _before_page() -> None:
    # Only the program paths go without a token: a page's form asking for JSON is still a form.
    if request.path.startswith(PROGRAM_PATHS):
        return
    csrf.protect()
    # A disabled account's session ends on its next request, whatever page it asks for.
    if web_session.ACCOUNT_KEY in session:
        web_session.signed_in()


def _page_headers(response):
    if for_programs() or response.mimetype != "text/html":
        return response
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    if web_session.ACCOUNT_KEY in session:
        response.headers["Cache-Control"] = "no-store"
    return response


def error_page(status: int, detail: str | None = None, headers=None):
    title = ERROR_TITLES.get(status, "请求未能完成")
    body = render_template(
        "errors/error.html",
        status=status,
        title=title,
        detail=detail,
        retry_after=(headers or {}).get("Retry-After"),
    )
    return body, status, dict(headers or {})


def _render_errors_as_pages(app: Flask) -> None:
    """Pages answer errors with a page; programs keep problem+json."""

    def credit_error(error: errors.CreditError):
        if for_programs():
            return errors.render_credit_error(error)
        return error_page(error.status, None, error.headers)

    def http_error(error: HTTPException):
        if for_programs():
            return errors.render_http_exception(error)
        detail = (
            "表单已过期或缺少安全校验码，请返回上一页刷新后重新提交。"
            if isinstance(error, CSRFError)
            else None
        )
        headers = (
            {"Allow": ", ".join(error.valid_methods)}
            if getattr(error, "valid_methods", None)
            else None
        )
        return error_page(error.code or 500, detail, headers)

    def unexpected(error: Exception):
        if for_programs():
            return errors.render_unexpected(error)
        errors.log.exception("unexpected error", extra={"path": request.path})
        return error_page(500)

    app.register_error_handler(errors.CreditError, credit_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected)
