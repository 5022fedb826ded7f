"""The Quality Credit Registry: a city's quality credit files, grades and quality blacklist."""

from __future__ import annotations

from collections.abc import Callable
from inspect import iscoroutinefunction

from flask import Flask

from credit.config import Settings


class Registry(Flask):
    """Flask, asking once per view or hook whether it is a coroutine, rather than for each hook on
    every request (a dozen times a request)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._coroutines: dict[Callable, bool] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        # A method view's handler is a new bound method each request: its function is asked.
        key = getattr(func, "__func__", func)
        coroutine = self._coroutines.get(key)
        if coroutine is None:
            coroutine = self._coroutines[key] = iscoroutinefunction(func)
        return self.async_to_sync(func) if coroutine else func


def create_app(config: Settings | dict | None = None) -> Flask:
    """The WSGI application; `config` is Settings, overrides for Settings.from_env(), or None."""
    from credit import api, clock, errors, logs
    from credit.api import hooks, own_writes, rate_limits, security_headers
    from credit.auth import certificates
    from credit.auth.keys import KeyRing
    from credit.auth.limits import SignInLimits
    from credit.db import Database
    from credit.grading import ruleset
    from credit.private_files import private_folder
    from credit.web import pages

    if isinstance(config, Settings):
        settings = config
    else:
        settings = Settings.from_env(**(config or {}))
    logs.configure(settings.log_level)
    clock.set_zone(settings.zone)
    ruleset.use(settings.ruleset)

    # The pages' templates and static files live with the rest of the web layer.
    app = Registry(
        __name__,
        instance_path=str(settings.instance_dir),
        static_folder="web/static",
        template_folder="web/templates",
    )
    if settings.trusted_proxies:
        # The client's address (the sign-in limits count by it) as the nearest proxies saw it.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes, JSON_SORT_KEYS=False)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["credit.settings"] = settings
    # The database holds password hashes and the keys sign tokens: owner-only, even when the
    # folders were made before (or by hand).
    private_folder(settings.instance_dir)
    private_folder(settings.keys)
    app.extensions["credit.database"] = Database(settings)
    token_keys = KeyRing(settings.keys / "tokens")
    token_keys.ensure()
    app.extensions["credit.token_keys"] = token_keys
    report_keys = KeyRing(settings.keys / "reports")
    report_keys.ensure()
    app.extensions["credit.report_keys"] = report_keys
    app.extensions["credit.report_certificate"] = certificates.load(
        settings.keys, settings.report_certificate, settings.report_certificate_key
    )
    app.extensions["credit.signin_limits"] = SignInLimits(settings)

    errors.register_error_handlers(app)
    hooks.install(app)
    rate_limits.install(app, settings)
    own_writes.install(app)
    security_headers.install(app, settings)
    api.init_api(app)
    pages.register(app)
    return app
