"""`credit regrade --all` on a seeded database (time and firms per second), and what a single
firm's recompute costs against reading its records.

Two bulk figures: the steady state (every grade recomputed, nothing changed, nothing written),
and a full rewrite (every stored result marked stale first, so every firm gets a new assessment
and a grade_changed event).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

from seeded import seeded_database
from sqlalchemy import select, update

from credit import clock  # noqa: E402
from credit.grading import evidence
from credit.models import Enterprise, EnterpriseState  # noqa: E402
from credit.services import grading  # noqa: E402
from credit.services.regrading import regrade  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench/regrade", description=__doc__)
    parser.add_argument("--enterprises", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="a PostgreSQL database to seed and use")
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="as `credit regrade --processes` (default: the number of CPUs)",
    )
    parser.add_argument(
        "--sample", type=int, default=500, help="firms with records for the single-firm figure"
    )
    parser.add_argument("--skip-rewrite", action="store_true", help="only the steady state")
    return parser.parse_args(argv)


def timed_regrade(database, batch: int, processes: int) -> tuple[float, object]:
    started = time.perf_counter()
    report = regrade(database, scope="all", batch=batch, processes=processes)
    return time.perf_counter() - started, report


def single_firm(database, sample: int, seed: int) -> tuple[float, float]:
    """Median seconds to read a firm's records, and to read them and grade it (nothing stored)."""
    with database.reading() as session:
        ids = session.scalars(
            select(EnterpriseState.enterprise_id).where(EnterpriseState.active_records > 0)
        ).all()
        chosen = random.Random(seed).sample(ids, min(sample, len(ids)))
        firms = session.scalars(select(Enterprise).where(Enterprise.id.in_(chosen))).all()
        today = clock.today()
        reads, grades = [], []
        for firm in firms:
            session.expunge_all()
            started = time.perf_counter()
            evidence.gather(session, [firm.id])
            reads.append(time.perf_counter() - started)
            session.expunge_all()
            started = time.perf_counter()
            grading.grade_on(session, firm, today)
            grades.append(time.perf_counter() - started)
    return statistics.median(reads), statistics.median(grades)


def main(argv=None) -> int:
    args = parse_args(argv)
    database = seeded_database(args.enterprises, args.seed, args.database_url)
    engine = database.engine.dialect.name
    timed_regrade(database, args.batch, args.processes)  # settle anything due since the seed ran
    seconds, report = timed_regrade(database, args.batch, args.processes)
    print(f"engine {engine}, {report.examined} firms, {args.processes} processes")
    print(
        f"regrade --all, steady state: {seconds:7.1f} s, {report.examined / seconds:8.0f} "
        f"firms/s, {report.changed} grades changed"
    )
    if not args.skip_rewrite:
        with database.writing() as session:
            session.execute(update(EnterpriseState).values(result_digest="stale"))
        seconds, report = timed_regrade(database, args.batch, args.processes)
        print(
            f"regrade --all, full rewrite: {seconds:7.1f} s, {report.examined / seconds:8.0f} "
            f"firms/s, {report.changed} grades stored"
        )
    read, graded = single_firm(database, args.sample, args.seed)
    print(
        f"one firm with records: reading its records {read * 1000:.2f} ms, reading and "
        f"grading {graded * 1000:.2f} ms, ratio {graded / read:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
