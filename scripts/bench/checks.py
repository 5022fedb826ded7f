"""Procurement and lending checks on a seeded database, each against a baseline of the same work
done with one raw SQL query, in alternating rounds of the same run.

- A 1,000-firm procurement check (POST /api/v1/checks/procurement through the WSGI app: parsing,
  validation, reasons, the query log): median latency, against one SELECT of the same 1,000
  firms' current-state rows with the driver alone.
- Lending checks per second (one firm each, with the query log): against one SELECT of the
  firm's state row plus one INSERT into the query log, committed, with the driver alone.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

from seeded import seeded_database
from sqlalchemy import bindparam, select, text

from credit import create_app  # noqa: E402
from credit.auth.caller import Caller  # noqa: E402
from credit.auth.tokens import issue_token  # noqa: E402
from credit.models import Enterprise, User  # noqa: E402

STATE_OF_MANY = text(
    "SELECT e.id, e.uscc, s.grade, s.risk_class, s.blacklisted, s.last_major_violation_on "
    "FROM enterprise e LEFT JOIN enterprise_state s ON s.enterprise_id = e.id "
    "WHERE e.uscc IN :codes"
).bindparams(bindparam("codes", expanding=True))
STATE_OF_ONE = text(
    "SELECT e.id, e.uscc, s.grade, s.score, s.risk_class, s.blacklisted "
    "FROM enterprise e LEFT JOIN enterprise_state s ON s.enterprise_id = e.id WHERE e.uscc = :c"
)
LOG_ONE = text(
    "INSERT INTO query_log (at, enterprise_id, uscc, actor, role, kind, purpose) "
    "VALUES (CURRENT_TIMESTAMP, :id, :c, 'bench-bank', 'bank', 'lending_check', 'benchmark')"
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench/checks", description=__doc__)
    parser.add_argument("--enterprises", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="a PostgreSQL database to seed and use")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", type=int, default=10, help="1,000-firm checks per round")
    parser.add_argument("--seconds", type=float, default=10.0, help="lending checks per round")
    return parser.parse_args(argv)


def ensure_account(database, username: str, role: str) -> Caller:
    with database.writing() as session:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            session.add(User(username=username, role=role, password_hash="-"))
    return Caller(username=username, role=role)


def main(argv=None) -> int:
    args = parse_args(argv)
    database = seeded_database(args.enterprises, args.seed, args.database_url)
    app = create_app(database.settings)
    keys = app.extensions["credit.token_keys"]
    buyer = {
        "Authorization": "Bearer "
        + issue_token(ensure_account(database, "bench-procurement", "procurement"), keys, 3600)
    }
    lender = {
        "Authorization": "Bearer "
        + issue_token(ensure_account(database, "bench-bank", "bank"), keys, 3600)
    }
    with database.reading() as session:
        codes = session.scalars(select(Enterprise.uscc)).all()
    draw = random.Random(args.seed)
    client = app.test_client()
    engine = database.engine

    def procurement_round() -> list[float]:
        times = []
        for _ in range(args.batches):
            batch = draw.sample(codes, 1000)
            started = time.perf_counter()
            response = client.post(
                "/api/v1/checks/procurement",
                headers=buyer,
                json={"uscc": batch, "project": "BENCH-1"},
            )
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.get_data(as_text=True)
        return times

    def procurement_baseline() -> list[float]:
        times = []
        for _ in range(args.batches):
            batch = draw.sample(codes, 1000)
            started = time.perf_counter()
            with engine.connect() as connection:
                rows = connection.execute(STATE_OF_MANY, {"codes": batch}).all()
            times.append(time.perf_counter() - started)
            assert len(rows) == 1000
        return times

    def lending_round() -> float:
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < args.seconds:
            response = client.post(
                "/api/v1/checks/lending",
                headers=lender,
                json={"uscc": [draw.choice(codes)], "purpose": "benchmark"},
            )
            assert response.status_code == 200, response.get_data(as_text=True)
            done += 1
        return done / (time.perf_counter() - started)

    def lending_baseline() -> float:
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < args.seconds:
            with engine.begin() as connection:
                row = connection.execute(STATE_OF_ONE, {"c": draw.choice(codes)}).one()
                connection.execute(LOG_ONE, {"id": row.id, "c": row.uscc})
            done += 1
        return done / (time.perf_counter() - started)

    procurement_round(), procurement_baseline()  # warm-up
    registry_p, baseline_p, registry_l, baseline_l = [], [], [], []
    for _ in range(args.rounds):
        registry_p.extend(procurement_round())
        baseline_p.extend(procurement_baseline())
        registry_l.append(lending_round())
        baseline_l.append(lending_baseline())
    p_registry, p_baseline = statistics.median(registry_p), statistics.median(baseline_p)
    l_registry, l_baseline = statistics.median(registry_l), statistics.median(baseline_l)
    print(f"engine {engine.dialect.name}, {len(codes)} firms, {args.rounds} rounds a side")
    print(
        f"1,000-firm procurement check, median: registry {p_registry * 1000:8.1f} ms, "
        f"raw SQL {p_baseline * 1000:8.1f} ms, ratio (baseline/registry) "
        f"{p_baseline / p_registry:.3f}"
    )
    print(
        f"lending checks with the query log: registry {l_registry:8.1f}/s, raw SQL "
        f"{l_baseline:8.1f}/s, ratio (registry/baseline) {l_registry / l_baseline:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
