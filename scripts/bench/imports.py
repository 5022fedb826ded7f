"""Inspection rows imported per second by `credit import` (validated with the API's schemas,
written in chunks with their records, audit events, imported-row ids and one regrade of each
firm), against a raw executemany of the same rows into a bare table of the same database, in the
same run.

The register is N synthetic firms of one region, registered in bulk without grades (their first
grade is the import's); the file holds R inspection rows spread over them, as a testing
institute would send. The import runs as the real command, in its own process.
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from credit import dbschema  # noqa: E402  (after the path is set)
from credit.config import Settings  # noqa: E402
from credit.db import Database  # noqa: E402
from credit.models import User  # noqa: E402
from credit.services.enterprises import NewEnterprise, register_many  # noqa: E402
from credit.uscc import with_check_character  # noqa: E402

HEADER = "source_id,uscc,level,product,sampled_on,result,report_no,failed_items"
LEVELS = ("national", "provincial", "municipal", "county")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench/imports", description=__doc__)
    parser.add_argument("--firms", type=int, default=100_000, help="firms in the register")
    parser.add_argument("--rows", type=int, help="inspection rows in the file (default: --firms)")
    parser.add_argument("--chunk", type=int, default=5000, help="rows a transaction")
    parser.add_argument("--database-url", help="an empty database to use (default: SQLite)")
    return parser.parse_args(argv)


def firm_code(n: int) -> str:
    return with_check_character(f"91321102{n:09d}")


def register(database: Database, firms: int) -> None:
    batch = 20_000
    for start in range(0, firms, batch):
        with database.writing() as session:
            register_many(
                session,
                [
                    NewEnterprise(uscc=firm_code(n), name=f"镇江导入基准{n}有限公司（演示）")
                    for n in range(start, min(firms, start + batch))
                ],
                actor="bench",
                grade=False,
            )
    with database.writing() as session:
        session.add(
            User(username="bench-officer", role="regulator", region="3211", password_hash="-")
        )


def rows(firms: int, count: int):
    first = datetime.date(2024, 1, 1)
    for n in range(count):
        failed = n % 17 == 0
        yield (
            f"B{n}",
            firm_code(n % firms),
            LEVELS[n % 4],
            "电线电缆",
            (first + datetime.timedelta(days=n % 700)).isoformat(),
            "fail" if failed else "pass",
            f"JY{n:09d}",
            "导体电阻" if failed else "",
        )


def raw_executemany(url: str, firms: int, count: int) -> float:
    """The same rows into a bare table of the same database: the least a write of them costs."""
    path = url.removeprefix("sqlite:///")
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE bench_raw_inspection (source_id TEXT, uscc TEXT, level TEXT, product TEXT, "
        "sampled_on TEXT, result TEXT, report_no TEXT, failed_items TEXT)"
    )
    started = time.perf_counter()
    connection.executemany(
        "INSERT INTO bench_raw_inspection VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows(firms, count)
    )
    connection.commit()
    elapsed = time.perf_counter() - started
    connection.execute("DROP TABLE bench_raw_inspection")
    connection.commit()
    connection.close()
    return elapsed


def main(argv=None) -> int:
    args = parse_args(argv)
    count = args.rows or args.firms
    with tempfile.TemporaryDirectory(prefix="credit-bench-imports-") as folder:
        folder = Path(folder)
        url = args.database_url or f"sqlite:///{folder / 'registry.sqlite3'}"
        settings = Settings(instance_dir=folder, database_url=url, log_level="ERROR")
        database = Database(settings)
        dbschema.upgrade(database.engine)
        started = time.perf_counter()
        register(database, args.firms)
        print(f"{args.firms:,} firms registered in {time.perf_counter() - started:.1f} s")
        database.dispose()
        data = folder / "inspections.csv"
        with data.open("w", encoding="utf-8") as out:
            out.write(HEADER + "\n")
            for row in rows(args.firms, count):
                out.write(",".join(row) + "\n")
        command = [
            sys.executable,
            "-c",
            "from credit.cli import main; main()",
            "import",
            str(data),
            "--kind",
            "inspections",
            "--as",
            "bench-officer",
            "--quiet",
            "--chunk",
            str(args.chunk),
        ]
        env = {
            "CREDIT_DATABASE_URL": url,
            "CREDIT_INSTANCE_DIR": str(folder),
            "CREDIT_LOG_LEVEL": "ERROR",
            "PATH": "/usr/bin:/bin",
        }
        started = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        imported = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # On a shared machine the CPU time the import used is steadier than the time it took.
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        print(done.stdout.strip())
        raw = raw_executemany(url, args.firms, count) if url.startswith("sqlite") else None
        figures = {
            "firms": args.firms,
            "rows": count,
            "chunk": args.chunk,
            "engine": url.split(":", 1)[0],
            "import_seconds": round(imported, 2),
            "rows_per_second": round(count / imported),
            "import_cpu_seconds": round(cpu, 2),
            "import_peak_rss_mib": round(after.ru_maxrss / 1024),
            "raw_executemany_seconds": None if raw is None else round(raw, 3),
            "import_to_raw": None if raw is None else round(imported / raw, 1),
        }
    print(
        f"credit import: {count:,} rows in {imported:.1f} s ({count / imported:,.0f} rows/s, "
        f"{cpu:.1f} s of CPU, peak RSS {after.ru_maxrss / 1024:,.0f} MiB)"
        + ("" if raw is None else f"; raw executemany {raw:.2f} s; ratio {imported / raw:.0f}x")
    )
    results = ROOT / "bench-data" / "results"
    results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"imports-{stamp}.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
