"""The lookup benchmark's baseline: Flask, one indexed SELECT by USCC, the row as JSON, under gunicorn.

It is the least a lookup can cost on the same stack (gunicorn sync workers, Flask, the same
database driver and file), so the registry's throughput divided by this one's says what the
registry's own layers cost.

With `--keys` (the registry's key folder) it also answers the checks' paths as little as they
can be answered: the bearer token verified with the registry's own code and keys, the firms'
state rows read in one SELECT, sent as JSON; a lending check also INSERTs one query-log row per
firm found and commits.

    python scripts/bench/baseline_app.py --database-url URL --bind 127.0.0.1:PORT --workers 2
"""

from __future__ import annotations

import argparse
import datetime
import os
import sqlite3
import sys
from pathlib import Path

from flask import Flask, abort, request
from gunicorn.app.base import BaseApplication
from gunicorn.config import KNOWN_SETTINGS
from sqlalchemy.engine import make_url

COLUMNS = ("uscc", "name", "region_code", "industry_code", "registered_on", "status")
STATE_COLUMNS = (
    "e.id",
    "e.uscc",
    "e.name",
    "s.grade",
    "s.risk_class",
    "s.score",
    "s.blacklisted",
    "s.last_major_violation_on",
    "s.last_serious_violation_on",
)


def create_app(database_url: str, keys: Path | None = None) -> Flask:
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
                # The registry's own settings (credit/db.py), so a commit costs both the same.
                connections[pid].execute("PRAGMA synchronous=NORMAL")
                connections[pid].execute("PRAGMA busy_timeout=5000")
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

    if keys is not None:
        add_checks(app, connection, keys, sqlite)
    return app


def add_checks(app: Flask, connection, keys: Path, sqlite: bool) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from credit.auth.keys import KeyRing
    from credit.auth.tokens import read_token

    keyring = KeyRing(keys / "tokens")
    mark = "?" if sqlite else "%s"
    log = (
        "INSERT INTO query_log (at, enterprise_id, uscc, actor, role, kind, purpose) "
        f"VALUES ({', '.join([mark] * 7)})"
    )

    def state_rows(codes: list[str]) -> list:
        select = (
            f"SELECT {', '.join(STATE_COLUMNS)} FROM enterprise e LEFT JOIN enterprise_state s "
            f"ON s.enterprise_id = e.id WHERE e.uscc IN ({', '.join([mark] * len(codes))})"
        )
        return connection().execute(select, codes).fetchall()

    def plain(row) -> dict:
        return {
            name.partition(".")[2]: value if value is None or isinstance(value, int) else str(value)
            for name, value in zip(STATE_COLUMNS, row, strict=True)
        }

    def caller():
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            abort(401)
        return read_token(token.strip(), keyring)

    @app.post("/api/v1/checks/procurement")
    def procurement():
        caller()
        rows = state_rows(request.get_json()["uscc"])
        return {"results": [plain(row) for row in rows]}

    @app.post("/api/v1/checks/lending")
    def lending():
        who = caller()
        body = request.get_json()
        db = connection()
        db.execute("BEGIN IMMEDIATE" if sqlite else "BEGIN")
        rows = state_rows(body["uscc"])
        now = datetime.datetime.now(datetime.UTC).isoformat()
        entries = [
            (now, row[0], row[1], who.username, who.role, "lending_check", body["purpose"])
            for row in rows
        ]
        db.cursor().executemany(log, entries)
        db.execute("COMMIT")
        return {"results": [plain(row) for row in rows]}


class BaselineServer(BaseApplication):
    """gunicorn with the registry's settings (credit/server.py): sync workers, app preloaded."""

    def __init__(self, database_url: str, *, bind: str, workers: int, keys: Path | None = None):
        self.database_url = database_url
        self.keys = keys
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
        return create_app(self.database_url, self.keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keys", type=Path, help="the registry's key folder: serve the checks too")
    args = parser.parse_args()
    BaselineServer(args.database_url, bind=args.bind, workers=args.workers, keys=args.keys).run()


if __name__ == "__main__":
    main()
