"""The lookup benchmark's baseline: Flask, one indexed SELECT by USCC, the row as JSON, under gunicorn.

It is the least a lookup can cost on the same stack (gunicorn sync workers, Flask, the same
database driver and file), so the registry's throughput divided by this one's says what the
registry's own layers cost.

    python scripts/bench/baseline_app.py --database-url URL --bind 127.0.0.1:PORT --workers 2
"""

from __future__ import annotations

import argparse
import os
import sqlite3

from flask import Flask, abort
from gunicorn.app.base import BaseApplication
from gunicorn.config import KNOWN_SETTINGS
from sqlalchemy.engine import make_url

COLUMNS = ("uscc", "name", "region_code", "industry_code", "registered_on", "status")


def create_app(database_url: str) -> Flask:
    url = make_url(database_url)
    sqlite = url.get_backend_name() == "sqlite"
    query = f"SELECT {', '.join(COLUMNS)} FROM enterprise WHERE uscc = " + ("?" if sqlite else "%s")
    connections: dict[int, object] = {}

    def connection():
        # One connection per worker, opened after the fork, kept for the worker's life.
        pid = os.getpid()
        if pid not in connections:
            if sqlite:
                # Autocommit: each SELECT is its own read transaction, as a short request's is.
                connections[pid] = sqlite3.connect(url.database, isolation_level=None)
            else:
                import psycopg

                connections[pid] = psycopg.connect(
                    url.set(drivername="postgresql").render_as_string(hide_password=False),
                    autocommit=True,
                )
        return connections[pid]

    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    @app.get("/api/v1/enterprises/<uscc>")
    def enterprise(uscc: str):
        row = connection().execute(query, (uscc,)).fetchone()
        if row is None:
            abort(404)
        return {
            name: (str(value) if value is not None else None)
            for name, value in zip(COLUMNS, row, strict=False)
        }

    return app


class BaselineServer(BaseApplication):
    """gunicorn with the registry's settings (credit/server.py): sync workers, app preloaded."""

    def __init__(self, database_url: str, *, bind: str, workers: int):
        self.database_url = database_url
        self.options = {
            "bind": bind,
            "workers": workers,
            "worker_class": "sync",
            "preload_app": True,
            "accesslog": None,
            "timeout": 60,
            "graceful_timeout": 20,
        }
        # As the registry's server does: several gunicorns on one machine must not share one.
        if "control_socket_disable" in {setting.name for setting in KNOWN_SETTINGS}:
            self.options["control_socket_disable"] = True
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app(self.database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    BaselineServer(args.database_url, bind=args.bind, workers=args.workers).run()


if __name__ == "__main__":
    main()
