"""Search latency by query class on a seeded database, against a raw SQL page read in the same run.

Each class is a few queries asked in turn through the WSGI app in-process (GET
/api/v1/enterprises?q=...: parsing, the bounded count, the page, the schema), several rounds,
alternating with the baseline: one indexed SELECT of a page of 50 firms in USCC order with the
driver alone, the least a page of results can cost. Prints p50 and p90 per class.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time

from seeded import BENCH_DATA, ROOT, seeded_database
from sqlalchemy import func, select, text

from credit import create_app  # noqa: E402
from credit.models import Enterprise, EnterpriseNameGram  # noqa: E402

PAGE = text(
    "SELECT uscc, name, region_code FROM enterprise WHERE uscc >= :c ORDER BY uscc LIMIT 50"
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench/search", description=__doc__)
    parser.add_argument("--enterprises", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="a PostgreSQL database to seed and use")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-class", type=int, default=6, help="queries drawn per class")
    return parser.parse_args(argv)


def query_classes(session, draw: random.Random, size: int) -> dict[str, list[str]]:
    """Queries of each class, drawn from the database itself."""
    names = session.scalars(
        select(Enterprise.name).where(
            Enterprise.id.in_([draw.randint(1, 1000) for _ in range(200)])
        )
    ).all()
    codes = session.scalars(select(Enterprise.uscc).limit(2000)).all()
    grams = {}
    for name in names:
        for i in range(len(name) - 1):
            grams[name[i : i + 2]] = None
    counted = {
        gram: session.scalar(
            select(func.count()).select_from(
                select(EnterpriseNameGram.enterprise_id)
                .where(EnterpriseNameGram.gram == gram)
                .limit(20001)
                .subquery()
            )
        )
        for gram in list(grams)[:300]
    }
    common = sorted(counted, key=lambda g: -counted[g])[:size]
    rare = [g for g in counted if 0 < counted[g] <= 200][:size]
    if not rare:  # a large register's names share every gram drawn: the rarest of them
        rare = sorted((g for g in counted if counted[g]), key=lambda g: counted[g])[:size]
    # The commonest four characters of a demo name, then runs from the start and the middle.
    four = ["有限公司", "（演示）"] + [n[i : i + 4] for n in names[:size] for i in (0, 2)]
    four = list(dict.fromkeys(four))[:size]
    prefixes = ["91", "9132", "913211"] + [c[:10] for c in draw.sample(codes, size)]
    return {
        "2 chars, common": common,
        "2 chars, rare": rare,
        "4 chars": four,
        "USCC prefix": prefixes[:size],
        "no match": ["鬣狗", "无此企业", "ZZQQ", "饕餮咖啡", "魑魅", "鳄鱼皮鞋"][:size],
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    database = seeded_database(args.enterprises, args.seed, args.database_url)
    app = create_app(database.settings)
    client = app.test_client()
    draw = random.Random(args.seed)
    with database.reading() as session:
        classes = query_classes(session, draw, args.per_class)
        codes = session.scalars(select(Enterprise.uscc).limit(5000)).all()
        firms = session.scalar(select(func.count()).select_from(Enterprise))
    # A class the data has no query for (no rare pair of characters among a million demo names)
    # is left out rather than measured empty.
    classes = {name: queries for name, queries in classes.items() if queries}
    engine = database.engine
    load_before = os.getloadavg()
    print(f"{engine.dialect.name}, {firms} firms, load average {load_before}", flush=True)
    for name, queries in classes.items():
        print(f"  {name:16} {', '.join(queries)}")

    def ask(q: str) -> float:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get("/api/v1/enterprises", query_string={"q": q})
        elapsed = time.perf_counter() - started
        cpu_times[q] = cpu_times.get(q, []) + [time.process_time() - cpu]
        assert response.status_code == 200, response.get_data(as_text=True)
        return elapsed

    def baseline() -> float:
        started = time.perf_counter()
        with engine.connect() as connection:
            rows = connection.execute(PAGE, {"c": draw.choice(codes)}).all()
        elapsed = time.perf_counter() - started
        assert rows
        return elapsed

    cpu_times: dict[str, list[float]] = {}
    for queries in classes.values():  # warm-up: each query once
        for q in queries:
            ask(q)
    cpu_times.clear()
    times: dict[str, list[float]] = {name: [] for name in classes}
    base: list[float] = []
    for number in range(args.rounds):
        order = list(classes.items())
        if number % 2:
            order.reverse()
        for name, queries in order:
            for q in queries:
                times[name].append(ask(q))
                base.append(baseline())

    def pct(values: list[float], p: int) -> float:
        ordered = sorted(values)
        return ordered[max(0, -(-p * len(ordered) // 100) - 1)] * 1000

    report = {
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "engine": engine.dialect.name,
        "enterprises": firms,
        "rounds": args.rounds,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "queries": classes,
        "classes": {
            name: {
                "p50_ms": round(pct(v, 50), 1),
                "p90_ms": round(pct(v, 90), 1),
                "cpu_p50_ms": round(pct(sum((cpu_times[q] for q in classes[name]), []), 50), 1),
                "cpu_p90_ms": round(pct(sum((cpu_times[q] for q in classes[name]), []), 90), 1),
            }
            for name, v in times.items()
        },
        "baseline": {"p50_ms": round(pct(base, 50), 2), "p90_ms": round(pct(base, 90), 2)},
        # Each query's median CPU, to tell which of a class makes its p90.
        "cpu_median_ms": {
            q: round(statistics.median(v) * 1000, 1)
            for q, v in sorted(cpu_times.items(), key=lambda kv: -statistics.median(kv[1]))
        },
    }
    print(f"\n{args.rounds} rounds; load average {report['load_after'][0]:.1f} after")
    # On a busy machine the process's CPU time (SQLite runs in it) is the steadier figure.
    print(f"  {'class':16} {'p50 ms':>8} {'p90 ms':>8} {'CPU p50':>8} {'CPU p90':>8}")
    for name, f in report["classes"].items():
        print(
            f"  {name:16} {f['p50_ms']:8.1f} {f['p90_ms']:8.1f} "
            f"{f['cpu_p50_ms']:8.1f} {f['cpu_p90_ms']:8.1f}"
        )
    b = report["baseline"]
    print(f"  {'raw page (base)':16} {b['p50_ms']:8.2f} {b['p90_ms']:8.2f}")
    slowest = ", ".join(f"{q} {ms} ms" for q, ms in list(report["cpu_median_ms"].items())[:3])
    print(f"  slowest queries by median CPU: {slowest}")
    print(
        f"  median of all search latencies {statistics.median(sum(times.values(), [])) * 1000:.1f} ms"
    )
    out = BENCH_DATA / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out / f"search-{engine.dialect.name}-{firms}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"results written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
