"""Peak resident memory and time of `credit export` on seeded databases of growing size.

Each export runs as its own process (`credit export DATASET --format F --out FILE`), which
reports its peak RSS as it exits: VmHWM of /proc/self/status, the high-water mark of its own
address space. (wait4's ru_maxrss would not do: on Linux a child started from this process
inherits its high-water mark, and this process seeded the database.) Flat memory means the same
peak whatever the number of firms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from seeded import BENCH_DATA, ROOT, seeded_database

from credit import dbschema  # noqa: E402  (seeded sets the path)
from credit.config import Settings  # noqa: E402
from credit.db import Database  # noqa: E402
from credit.demo import seed_enterprises  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
CREDIT = ROOT / ".venv" / "bin" / "credit"
# `credit ARGS...`, then its peak RSS in KiB on the last line of standard error.
MEASURED = """
import atexit, sys
from credit.cli import main

def peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                print("peak_rss_kib", line.split()[1], file=sys.stderr, flush=True)

atexit.register(peak)
sys.argv[0] = "credit"
main()
"""


def export(database_url: str, dataset: str, fmt: str, region: str | None) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, f"{dataset}.{fmt}")
        args = [str(PYTHON), "-c", MEASURED, "export", dataset, "--format", fmt, "--out", out]
        if region:
            args += ["--region", region]
        env = {**os.environ, "CREDIT_DATABASE_URL": database_url, "CREDIT_LOG_LEVEL": "ERROR"}
        started = time.perf_counter()
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"credit export {dataset} failed:\n{done.stdout}{done.stderr}")
        peak = next(
            int(line.split()[1])
            for line in reversed(done.stderr.splitlines())
            if line.startswith("peak_rss_kib")
        )
        return {
            "dataset": dataset,
            "format": fmt,
            "seconds": round(elapsed, 1),
            "peak_rss_mib": round(peak / 1024, 1),
            "bytes": os.path.getsize(out),
            "said": done.stdout.strip(),
        }


def bare_database(enterprises: int, seed: int) -> Database:
    """Demo firms with no records (the register alone, each graded as not yet graded): seeded
    several times faster than firms with records, for the size of the register export."""
    folder = BENCH_DATA / f"bare-sqlite-{enterprises}-seed{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    database = Database(Settings(instance_dir=folder, database_url="", log_level="ERROR"))
    dbschema.upgrade(database.engine)
    if not (folder / "seeded.json").exists():
        started = time.perf_counter()
        seed_enterprises(
            database, enterprises, seed=seed, records=False, processes=os.cpu_count() or 1
        )
        elapsed = round(time.perf_counter() - started, 1)
        (folder / "seeded.json").write_text(json.dumps({"enterprises": enterprises, "s": elapsed}))
    return database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="firms, comma-separated")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--formats", default="csv,jsonl,xlsx")
    parser.add_argument("--datasets", default="enterprises")
    parser.add_argument("--files-region", default="3211", help="region of the files export")
    parser.add_argument("--database-url", help="PostgreSQL (one size only); default SQLite")
    parser.add_argument(
        "--bare", action="store_true", help="firms without records (faster to seed a million)"
    )
    parser.add_argument(
        "--stale",
        action="store_true",
        help="measure before `credit regrade --due` (every grade computed while exporting)",
    )
    args = parser.parse_args()
    results = []
    for size in [int(n) for n in args.sizes.split(",")]:
        if args.bare:
            database = bare_database(size, args.seed)
        else:
            database = seeded_database(size, args.seed, args.database_url)
        url = args.database_url or database.engine.url.render_as_string(hide_password=False)
        database.dispose()
        if not args.stale:
            # A kept database is brought up to date as an upgraded registry is: grades a new
            # ruleset or a lapsed window made due are stored before anything is measured.
            env = {**os.environ, "CREDIT_DATABASE_URL": url, "CREDIT_LOG_LEVEL": "ERROR"}
            for command in (["db", "upgrade"], ["regrade", "--due", "--processes", "1"]):
                subprocess.run([str(CREDIT), *command], env=env, check=True, capture_output=True)
        for dataset in args.datasets.split(","):
            formats = ["jsonl"] if dataset == "files" else args.formats.split(",")
            for fmt in formats:
                region = args.files_region if dataset == "files" else None
                figures = {
                    "firms": size,
                    "records": not args.bare,
                    "stale": args.stale,
                    **export(url, dataset, fmt, region),
                }
                print(json.dumps(figures, ensure_ascii=False), flush=True)
                results.append(figures)
    folder = BENCH_DATA / "results"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"exports-{int(time.time())}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
