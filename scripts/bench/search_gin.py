"""Name search on PostgreSQL: the registry's bigram side table against PostgreSQL's own GIN index
over each name's bigrams, the same queries on the same database, in alternating rounds.

The side table is measured as the registry searches (`search_enterprises`: the bounded count and
the first page). The GIN index is built for the run (an expression index on a function giving a
name's bigrams, lower-cased) and asked the least the same answer needs: the count up to
`policy.SEARCH_EXACT_TOTAL` and the first 50 names in name order, each a `@>` of the query's
bigrams with the run itself confirmed by `LIKE`. The index and its function are dropped at the
end. Queries are `scripts/bench/search`'s name classes; USCC prefixes do not search names.

    .venv/bin/python scripts/bench/search_gin.py --database-url postgresql+psycopg://…/db
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from search import query_classes
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from credit import policy  # noqa: E402
from credit.services.enterprises import search_enterprises  # noqa: E402

BIGRAMS = """
CREATE FUNCTION bench_name_bigrams(text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT coalesce(array_agg(DISTINCT substr(lower($1), i, 2)), '{}')
   FROM generate_series(1, char_length($1) - 1) AS i $$
"""
INDEX = "CREATE INDEX bench_name_bigrams ON enterprise USING gin (bench_name_bigrams(name))"
DROP = ["DROP INDEX IF EXISTS bench_name_bigrams", "DROP FUNCTION IF EXISTS bench_name_bigrams"]
MATCH = "bench_name_bigrams(name) @> CAST(:grams AS text[]) AND lower(name) LIKE :run"
COUNT = text(
    f"SELECT count(*) FROM (SELECT 1 FROM enterprise WHERE {MATCH} LIMIT :limit) AS matched"
)
PAGE = text(f"SELECT id FROM enterprise WHERE {MATCH} ORDER BY name, uscc LIMIT 50")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a seeded PostgreSQL database")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-class", type=int, default=10, help="queries drawn per class")
    args = parser.parse_args(argv)
    engine = create_engine(args.database_url)
    if engine.dialect.name != "postgresql":
        sys.exit("--database-url must be a PostgreSQL database")
    with Session(engine) as session:
        classes = query_classes(session, random.Random(2026), args.per_class)
    classes.pop("USCC prefix")
    try:
        with engine.begin() as connection:
            for statement in DROP:
                connection.exec_driver_sql(statement)
            connection.exec_driver_sql(BIGRAMS)
            started = time.perf_counter()
            connection.exec_driver_sql(INDEX)
            built = time.perf_counter() - started
            connection.exec_driver_sql("ANALYZE enterprise")
            sizes = connection.exec_driver_sql(
                "SELECT pg_size_pretty(pg_relation_size('bench_name_bigrams')),"
                " pg_size_pretty(pg_total_relation_size('enterprise_name_gram'))"
            ).one()
        print(f"GIN index built in {built:.1f} s: {sizes[0]}; the side table {sizes[1]}")
        for name, queries in classes.items():
            measured = {"side table": [], "GIN": []}
            for number in range(args.rounds + 1):  # the first round warms up
                sides = [("side table", side_table), ("GIN", gin)]
                for label, ask in sides if number % 2 else reversed(sides):
                    times = [ask(engine, q) for q in queries]
                    if number:
                        measured[label] += times
            print(
                f"  {name:16} "
                + "   ".join(
                    f"{label} p50 {pct(v, 50):6.1f} p90 {pct(v, 90):6.1f} ms"
                    for label, v in measured.items()
                )
            )
    finally:
        with engine.begin() as connection:
            for statement in DROP:
                connection.exec_driver_sql(statement)
        engine.dispose()
    return 0


def side_table(engine, q: str) -> float:
    with Session(engine) as session:
        started = time.perf_counter()
        search_enterprises(session, q=q)
        return time.perf_counter() - started


def gin(engine, q: str) -> float:
    run = q.lower()
    params = {
        "grams": sorted({run[i : i + 2] for i in range(len(run) - 1)}),
        "run": "%" + run.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
        "limit": policy.SEARCH_EXACT_TOTAL + 1,
    }
    with engine.connect() as connection:
        started = time.perf_counter()
        connection.execute(COUNT, params).scalar()
        connection.execute(PAGE, params).all()
        return time.perf_counter() - started


def pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-p * len(ordered) // 100) - 1)] * 1000


if __name__ == "__main__":
    raise SystemExit(main())
