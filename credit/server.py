"""gunicorn serving the registry: the app (and its keys) is built once in the master, then forked."""

from __future__ import annotations

import gc

from gunicorn.app.base import BaseApplication

from credit import create_app
from credit.config import MAX_HEADER_BYTES, Settings

# gunicorn refuses a longer request line, or a longer header line, with its own plain error
# page before the registry sees the request; both are set above what the registry reads
# (MAX_URL_BYTES, MAX_HEADER_BYTES), so the registry answers most oversized requests itself as
# problem+json. 8190 is the most gunicorn allows for a request line short of no limit at all.
REQUEST_LINE_LIMIT = 8190
HEADER_FIELD_LIMIT = 2 * MAX_HEADER_BYTES


class Server(BaseApplication):
    def __init__(self, settings: Settings, *, bind: str, workers: int):
        self.settings = settings
        self.options = {
            "bind": bind,
            "workers": workers,
            "preload_app": True,
            "accesslog": None,  # the app writes its own structured access log
            "timeout": 60,
            "graceful_timeout": 20,
            "post_fork": _post_fork,
            "limit_request_line": REQUEST_LINE_LIMIT,
            "limit_request_field_size": HEADER_FIELD_LIMIT,
        }
        # gunicorn 27 opens one control socket per user by default; several registries (tests,
        # benchmarks) on one machine would take it from each other.
        if "control_socket_disable" in self._known_settings():
            self.options["control_socket_disable"] = True
        super().__init__()

    @staticmethod
    def _known_settings() -> set[str]:
        from gunicorn.config import KNOWN_SETTINGS

        return {setting.name for setting in KNOWN_SETTINGS}

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        app = create_app(self.settings)
        # What the master built lives as long as the workers do: keep the garbage collector
        # from walking it in every worker (and from copying its pages on write).
        gc.collect()
        gc.freeze()
        return app


def _post_fork(server, worker):
    # Connections opened in the master must not be shared by the forked workers.
    app = server.app.callable
    database = app.extensions["credit.database"]
    database.engine.dispose(close=False)
    for standby in database.standbys.standbys if database.standbys else []:
        standby.engine.dispose(close=False)
