"""A seeded demo database for the in-process benchmarks, cached under bench-data/ by size and seed."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from credit import dbschema  # noqa: E402  (after the path is set)
from credit.config import Settings  # noqa: E402
from credit.db import Database  # noqa: E402
from credit.demo import seed_enterprises  # noqa: E402

BENCH_DATA = ROOT / "bench-data"
# The benchmarks measure the registry's own work, so the request limits (which a load generator
# from one address would reach at once) are lifted; `request_limits.py` measures what they cost.
UNLIMITED = {"limit_checks": "off", "limit_lookups": "off"}
UNLIMITED_ENV = {"CREDIT_LIMIT_CHECKS": "off", "CREDIT_LIMIT_LOOKUPS": "off"}


def seeded_database(enterprises: int, seed: int, database_url: str | None = None) -> Database:
    """The database with `enterprises` demo firms and their records, seeding it when needed."""
    folder = BENCH_DATA / f"graded-sqlite-{enterprises}-seed{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        instance_dir=folder, database_url=database_url or "", log_level="ERROR", **UNLIMITED
    )
    database = Database(settings)
    dbschema.upgrade(database.engine)
    marker = folder / ("seeded.json" if not database_url else "seeded-remote.json")
    if not marker.exists() or database_url:
        with database.reading() as session:
            from sqlalchemy import func, select

            from credit.models import Enterprise

            present = session.scalar(select(func.count()).select_from(Enterprise)) or 0
        if present < enterprises:
            print(
                f"seeding {enterprises - present} demo firms with records (cached in {folder})",
                file=sys.stderr,
            )
            started = time.perf_counter()
            seed_enterprises(
                database, enterprises - present, seed=seed, processes=os.cpu_count() or 1
            )
            elapsed = time.perf_counter() - started
            marker.write_text(
                json.dumps({"enterprises": enterprises, "seed": seed, "seconds": round(elapsed, 1)})
            )
    return database
