"""Sign-ins beside writes: how long a write takes while clients sign in over and over.

Signing in checks a password with Argon2, which is slow on purpose; if a transaction holding
SQLite's write lock were open around that check, every other write would queue behind it. This
measures record writes (registering a firm) alone, then beside threads that sign in in a loop,
on a SQLite file (or the PostgreSQL database given), through the app in this process.

    .venv/bin/python scripts/bench/signin.py [--signers 2] [--writes 40] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from credit import create_app, dbschema  # noqa: E402
from credit.auth.passwords import hash_password  # noqa: E402
from credit.config import Settings  # noqa: E402
from credit.models import User  # noqa: E402
from credit.services.enterprises import NewEnterprise, register_many  # noqa: E402
from credit.uscc import with_check_character  # noqa: E402

PASSWORD = "correct horse battery"


def figures(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (
        f"{label:<22} n={len(ms):<5} median={statistics.median(ms):7.1f} ms  "
        f"p95={p95:7.1f} ms  max={ms[-1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signers", type=int, default=2, help="threads signing in")
    parser.add_argument("--writes", type=int, default=40, help="writes measured in each phase")
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="signin-bench-"))
    url = options.database_url or f"sqlite:///{directory / 'registry.sqlite3'}"
    # Every sign-in succeeds, so the sign-in limits (which count failures) never apply.
    settings = Settings(instance_dir=directory, database_url=url, log_level="WARNING")
    app = create_app(settings)
    database = app.extensions["credit.database"]
    dbschema.upgrade(database.engine)
    with database.writing() as session:
        session.add(
            User(
                username="bench-officer",
                role="regulator",
                region="3211",
                password_hash=hash_password(PASSWORD),
            )
        )

    serial = iter(range(10**9))

    def write() -> float:
        code = with_check_character(f"91321102{next(serial):09d}")
        started = time.perf_counter()
        with database.writing() as session:
            register_many(
                session,
                [NewEnterprise(uscc=code, name=f"镇江基准{code}有限公司", region_code="321102")],
            )
        return time.perf_counter() - started

    def paced() -> float:
        time.sleep(0.02)  # a write now and then, as other clients make them, not back to back
        return write()

    alone = [paced() for _ in range(options.writes)]

    stop = threading.Event()
    sign_ins: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def sign_in_loop() -> None:
        client = app.test_client()
        while not stop.is_set():
            started = time.perf_counter()
            response = client.post(
                "/api/v1/auth/token", json={"username": "bench-officer", "password": PASSWORD}
            )
            took = time.perf_counter() - started
            with lock:
                sign_ins.append(took)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    signers = [threading.Thread(target=sign_in_loop) for _ in range(options.signers)]
    for thread in signers:
        thread.start()
    time.sleep(0.5)
    beside: list[float] = []
    failed = 0
    for _ in range(options.writes):
        try:
            beside.append(paced())
        except Exception as error:  # noqa: BLE001  (a locked database is what is measured)
            failed += 1
            print("write failed:", error)
    stop.set()
    for thread in signers:
        thread.join()

    print(f"database: {database.engine.url.get_backend_name()}, {options.signers} signing threads")
    print(figures("write alone", alone))
    print(figures("write beside sign-ins", beside))
    print(figures("sign-in", sign_ins))
    print(f"sign-in statuses: {statuses}; writes failed: {failed}")
    database.dispose()


if __name__ == "__main__":
    main()
