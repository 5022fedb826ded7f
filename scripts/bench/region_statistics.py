"""The statistics of one city for one quarter, against one hand-written aggregate SQL query over the
same rows, in alternating rounds of the same run.

- The registry: GET /api/v1/statistics?region=CITY&from=&to= through the WSGI app, as the city's
  regulator (every figure: grades as of `to`, blacklist, inspections by level, violations,
  honours, targets and warnings), grouped by district.
- The baseline: one SELECT that counts the same city's firms by district and current grade and
  its quarter's inspections by district, level and result, with the driver alone.

Two quarters are measured: the current one (grades are the current-state rows') and the last
whole one (each firm's newest assessment stored by its last day).
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time

from seeded import seeded_database
from sqlalchemy import select, text

from credit import clock, create_app  # noqa: E402
from credit.auth.caller import Caller  # noqa: E402
from credit.auth.tokens import issue_token  # noqa: E402
from credit.models import User  # noqa: E402

BASELINE = text(
    "SELECT 'firms' AS what, e.region_code, s.grade AS detail, NULL AS result, count(*) "
    "FROM enterprise e LEFT JOIN enterprise_state s ON s.enterprise_id = e.id "
    "WHERE e.region_code >= :low AND e.region_code < :high "
    "AND (e.registered_on <= :last OR e.registered_on IS NULL) "
    "GROUP BY e.region_code, s.grade "
    "UNION ALL "
    "SELECT 'inspections', e.region_code, i.level, i.result, count(*) "
    "FROM inspection i JOIN record r ON r.id = i.id JOIN enterprise e ON e.id = r.enterprise_id "
    "WHERE i.sampled_on >= :first AND i.sampled_on <= :last "
    "AND e.region_code >= :low AND e.region_code < :high "
    "GROUP BY e.region_code, i.level, i.result"
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench/statistics", description=__doc__)
    parser.add_argument("--enterprises", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="a PostgreSQL database to seed and use")
    parser.add_argument("--city", default="3211", help="the region prefix asked (a city)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=5, help="requests per round and side")
    return parser.parse_args(argv)


def quarters(today: datetime.date) -> list[tuple[str, datetime.date, datetime.date]]:
    start = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    previous_end = start - datetime.timedelta(days=1)
    previous = datetime.date(previous_end.year, (previous_end.month - 1) // 3 * 3 + 1, 1)
    return [("current quarter", start, today), ("last quarter", previous, previous_end)]


def main(argv=None) -> int:
    args = parse_args(argv)
    database = seeded_database(args.enterprises, args.seed, args.database_url)
    app = create_app(database.settings)
    keys = app.extensions["credit.token_keys"]
    officer = Caller(username="bench-regulator", role="regulator", region=args.city)
    with database.writing() as session:
        if session.scalar(select(User.id).where(User.username == officer.username)) is None:
            session.add(
                User(
                    username=officer.username, role="regulator", region=args.city, password_hash="-"
                )
            )
    headers = {"Authorization": "Bearer " + issue_token(officer, keys, 3600)}
    client = app.test_client()
    engine = database.engine
    high = args.city[:-1] + chr(ord(args.city[-1]) + 1)
    print(f"engine {engine.dialect.name}, {args.enterprises} firms, city {args.city}")
    for name, first, last in quarters(clock.today()):
        query = {"region": args.city, "from": first.isoformat(), "to": last.isoformat()}

        def registry(query=query) -> list[float]:
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = client.get("/api/v1/statistics", query_string=query, headers=headers)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.get_data(as_text=True)
            return times

        def baseline(first=first, last=last) -> list[float]:
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                with engine.connect() as connection:
                    rows = connection.execute(
                        BASELINE, {"low": args.city, "high": high, "first": first, "last": last}
                    ).all()
                times.append(time.perf_counter() - started)
                assert rows
            return times

        registry(), baseline()  # warm-up
        ours, theirs = [], []
        for round_ in range(args.rounds):
            sides = (registry, baseline) if round_ % 2 == 0 else (baseline, registry)
            for side in sides:
                (ours if side is registry else theirs).extend(side())
        mine, raw = statistics.median(ours), statistics.median(theirs)
        body = client.get("/api/v1/statistics", query_string=query, headers=headers).get_json()
        print(
            f"{name} {first}..{last}: {body['totals']['enterprises']} firms, "
            f"{body['totals']['inspections']['batches']} inspections; median: registry "
            f"{mine * 1000:8.1f} ms, hand-written SQL {raw * 1000:8.1f} ms, "
            f"ratio (registry/SQL) {mine / raw:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
