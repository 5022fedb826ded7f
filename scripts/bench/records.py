"""Credit records written per second through the API with the audit chain, against the same
writes with the chain's append left out, in alternating rounds on the same database.

Each write is a real POST /api/v1/enterprises/{uscc}/violations through the WSGI app (Flask's
test client: no network), so both sides pay for parsing, validation, the record insert and the
regrade; only the hash-chained event differs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from credit import chain, clock, create_app, dbschema  # noqa: E402  (after the path is set)
from credit.auth.caller import Caller  # noqa: E402
from credit.auth.tokens import issue_token  # noqa: E402
from credit.config import Settings  # noqa: E402
from credit.db import Database  # noqa: E402
from credit.models import User  # noqa: E402
from credit.services.enterprises import NewEnterprise, register_many  # noqa: E402
from credit.uscc import with_check_character  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench/records", description=__doc__)
    parser.add_argument("--writes", type=int, default=1000, help="records per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side")
    parser.add_argument("--firms", type=int, default=200, help="firms the records go to")
    parser.add_argument("--database-url", help="an empty database to use (default: SQLite)")
    return parser.parse_args(argv)


@contextmanager
def chain_left_out():
    """The same writes without the audit event: the baseline."""
    with mock.patch.object(chain, "append_many", lambda session, events: [0 for _ in events]):
        yield


def main(argv=None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="credit-bench-records-") as folder:
        settings = Settings(
            instance_dir=Path(folder), database_url=args.database_url or "", log_level="ERROR"
        )
        database = Database(settings)
        dbschema.upgrade(database.engine)
        codes = [with_check_character(f"91321102{n:09d}") for n in range(args.firms)]
        with database.writing() as session:
            register_many(
                session,
                [
                    NewEnterprise(uscc=c, name=f"镇江基准{n}有限公司（演示）")
                    for n, c in enumerate(codes)
                ],
                actor="bench",
            )
            session.add(
                User(username="bench-officer", role="regulator", region="3211", password_hash="-")
            )
        app = create_app(settings)
        officer = Caller(username="bench-officer", role="regulator", region="3211")
        token = issue_token(officer, app.extensions["credit.token_keys"], 3600)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        day = clock.today().isoformat()
        serial = iter(range(10**9))

        def round_of_writes() -> float:
            started = time.perf_counter()
            for i in range(args.writes):
                n = next(serial)
                response = client.post(
                    f"/api/v1/enterprises/{codes[n % len(codes)]}/violations",
                    headers=headers,
                    json={
                        "category": "administrative_penalty",
                        "severity": "minor",
                        "decided_on": day,
                        "authority": "镇江市市场监督管理局",
                        "decision_no": f"基准罚{n}",
                    },
                )
                if response.status_code != 201:
                    raise SystemExit(
                        f"write {i} failed: {response.status_code} "
                        f"{response.get_data(as_text=True)}"
                    )
            return args.writes / (time.perf_counter() - started)

        round_of_writes()  # warm-up
        with_chain, without = [], []
        for _ in range(args.rounds):
            with_chain.append(round_of_writes())
            with chain_left_out():
                without.append(round_of_writes())
        engine = database.engine.dialect.name
        ratios = [a / b for a, b in zip(with_chain, without, strict=True)]
        print(f"engine {engine}, {args.writes} writes a round, {args.rounds} rounds a side")
        print(
            f"with the audit chain:    {statistics.median(with_chain):8.1f} records/s "
            f"(rounds {', '.join(f'{r:.0f}' for r in with_chain)})"
        )
        print(
            f"chain left out:          {statistics.median(without):8.1f} records/s "
            f"(rounds {', '.join(f'{r:.0f}' for r in without)})"
        )
        print(f"ratio with/without:      {statistics.median(ratios):8.3f}")
        database.dispose()
        app.extensions["credit.database"].dispose()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CREDIT_LOG_LEVEL", "ERROR")
    sys.exit(main())
