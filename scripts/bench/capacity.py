"""Capacity on PostgreSQL: lookups, checks and searches per core of app CPU, the primary's write
rate with the audit chain, a standby's replay lag under those writes, and the database's size per
million firms, on a database of N firms seeded by `credit seed`.

It runs the other benchmarks (lookup, checks, search, records) against the same database and
gathers their figures; see scripts/bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
BENCH_DATA = ROOT / "bench-data"
RESULTS = BENCH_DATA / "results"
CLUSTER = BENCH_DATA / "capacity-pg"  # the kept primary and standby, when no URL is given
CREDIT = ROOT / ".venv" / "bin" / "credit"
PARTS = ("lookup", "checks", "search", "records", "size")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench/capacity", description=__doc__)
    parser.add_argument("--enterprises", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-records",
        action="store_true",
        help="seed firms without records (for the figures that need none at the largest N); "
        "only lookup, search and size are then measured",
    )
    parser.add_argument(
        "--database-url",
        help="the primary's server (any database on it): default, a kept server in "
        "bench-data/capacity-pg/ started and stopped here",
    )
    parser.add_argument(
        "--standby-url", help="a hot standby of that server, for its replay lag (optional)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side of each benchmark")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per HTTP round")
    parser.add_argument("--writes", type=int, default=1000, help="records per write round")
    parser.add_argument(
        "--only", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}"
    )
    parser.add_argument("--seed-only", action="store_true", help="seed the database, then stop")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    if unknown := set(parts) - set(PARTS):
        raise SystemExit(f"--only: unknown {', '.join(sorted(unknown))}")
    if args.no_records:
        parts = [p for p in parts if p in ("lookup", "search", "size")]
    with ExitStack() as stack:
        if args.database_url:
            server, standby = args.database_url, args.standby_url
        else:
            server, standby = kept_cluster(stack)
        name = f"capacity_{args.enterprises}_seed{args.seed}" + ("_bare" if args.no_records else "")
        url = on_database(server, name)
        report = {
            "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "enterprises": args.enterprises,
            "with_records": not args.no_records,
            "cpus": os.cpu_count(),
            "load_before": os.getloadavg(),
            "seeding": seeded(server, name, args),
        }
        if args.seed_only:
            return 0
        for part in parts:
            print(f"\n== {part}", flush=True)
            started = time.time()
            try:
                measure(part, report, url, server, standby, args, started)
            except (subprocess.CalledProcessError, OSError, ValueError) as failed:
                # The other parts are still worth having: say what failed and go on.
                print(f"{part} failed: {failed}", file=sys.stderr, flush=True)
                report[part] = {"failed": str(failed)}
        report["load_after"] = os.getloadavg()

    print_summary(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"capacity-postgresql-{args.enterprises}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"results written to {path.relative_to(ROOT)}")
    return 0


def measure(part: str, report: dict, url: str, server: str, standby, args, started) -> None:
    if part == "lookup":
        report["lookup"] = lookup(url, args, started)
    elif part == "checks":
        report["checks"] = checks(url, args, started)
    elif part == "search":
        report["search"] = search(url, args, started)
    elif part == "records":
        report["records"] = records(server, standby, args)
    elif part == "size":
        report["size"] = size(url, args.enterprises)


# -- the kept server ------------------------------------------------------------------------


def kept_cluster(stack: ExitStack) -> tuple[str, str]:
    """A primary and a hot standby of it in bench-data/capacity-pg/, made once and kept (with the
    seeded databases) between runs; started on free ports now and stopped when the run ends.
    Unlike the tests' throwaway server it syncs to disk, as a production primary does."""
    bindir = postgres_bindir()
    CLUSTER.mkdir(parents=True, exist_ok=True)
    as_postgres(["true"])  # fails early when there is no user to run PostgreSQL as
    if os.geteuid() == 0:
        shutil.chown(CLUSTER, "postgres")
    primary, standby = CLUSTER / "primary", CLUSTER / "standby"
    if not primary.exists():
        as_postgres(
            [f"{bindir}/initdb", "-D", str(primary), "-U", "credit", "--auth=trust", "-E", "UTF8"]
            + ["--locale=C.UTF-8"]
        )
    port = free_port()
    start(bindir, primary, port, "-c wal_level=replica -c max_wal_senders=4 -c max_wal_size=8GB")
    stack.callback(stop, bindir, primary)
    server = f"postgresql+psycopg://credit@127.0.0.1:{port}/postgres"
    if not standby.exists():
        as_postgres(
            [f"{bindir}/pg_basebackup", "-h", "127.0.0.1", "-p", str(port), "-U", "credit"]
            + ["-D", str(standby), "-R", "-X", "stream", "-c", "fast"]
        )
    standby_port = free_port()
    # The standby's primary_conninfo names the primary's port of the run that made it.
    conf = standby / "postgresql.auto.conf"
    as_postgres(["sed", "-i", f"s/port=[0-9]*/port={port}/", str(conf)])
    start(bindir, standby, standby_port, "-c hot_standby=on -c hot_standby_feedback=on")
    stack.callback(stop, bindir, standby)
    return server, f"postgresql+psycopg://credit@127.0.0.1:{standby_port}/postgres"


def postgres_bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[4]))
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    if initdb:
        return str(Path(initdb).parent)
    raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")


def as_postgres(command: list[str]) -> None:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def start(bindir: str, data: Path, port: int, options: str) -> None:
    as_postgres(
        [f"{bindir}/pg_ctl", "-D", str(data), "-l", f"{data}.log", "-w", "-t", "300"]
        + ["-o", f"-p {port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 "]
        + ["-o", f"-c shared_buffers=1GB {options}", "start"]
    )


def stop(bindir: str, data: Path) -> None:
    as_postgres([f"{bindir}/pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def on_database(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(False)


def create_database(server: str, name: str, *, fresh: bool = False) -> None:
    engine = create_engine(on_database(server, "postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if fresh:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


# -- the parts ------------------------------------------------------------------------------


def seeded(server: str, name: str, args) -> dict:
    """The database with N firms, seeded by `credit seed` (the bulk path) when it has fewer."""
    create_database(server, name)
    url = on_database(server, name)
    env = {**os.environ, "CREDIT_DATABASE_URL": url, "CREDIT_LOG_LEVEL": "ERROR"}
    subprocess.run([str(CREDIT), "db", "upgrade"], env=env, check=True)
    engine = create_engine(url)
    with engine.connect() as connection:
        present = connection.scalar(text("SELECT count(*) FROM enterprise"))
    engine.dispose()
    marker = BENCH_DATA / f"capacity-{name}.json"
    if present >= args.enterprises:
        print(f"{name}: {present} firms already seeded", flush=True)
        return json.loads(marker.read_text()) if marker.exists() else {"firms": present}
    missing = args.enterprises - present
    print(f"{name}: seeding {missing} firms", flush=True)
    started, cpu = time.perf_counter(), os.times()
    if args.no_records:
        code = (
            "import os, sys; from credit.config import Settings; from credit.db import Database; "
            "from credit.demo import seed_enterprises; "
            "seed_enterprises(Database(Settings.from_env()), int(sys.argv[1]), "
            "seed=int(sys.argv[2]), progress=False, records=False, processes=os.cpu_count() or 1)"
        )
        command = [sys.executable, "-c", code, str(missing), str(args.seed)]
    else:
        command = [str(CREDIT), "seed", "--enterprises", str(missing), "--seed", str(args.seed)]
        command.append("--quiet")
    subprocess.run(command, env=env, check=True, cwd=ROOT)
    after = os.times()
    figures = {
        "firms": args.enterprises,
        "seeded_now": missing,
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(
            after.children_user + after.children_system - cpu.children_user - cpu.children_system, 1
        ),
        "records": not args.no_records,
        "command": " ".join(command[1:] if args.no_records else command[-7:]),
    }
    marker.write_text(json.dumps(figures))
    return figures


def bench(script: str, arguments: list[str], started: float, prefix: str) -> dict:
    """Runs scripts/bench/<script> and reads the results file it wrote."""
    subprocess.run([str(ROOT / "scripts" / "bench" / script), *arguments], check=True, cwd=ROOT)
    written = [p for p in RESULTS.glob(f"{prefix}-*.json") if p.stat().st_mtime >= started]
    return json.loads(max(written, key=lambda p: p.stat().st_mtime).read_text())


def lookup(url: str, args, started: float) -> dict:
    result = bench(
        "lookup",
        ["--database-url", url, "--enterprises", str(args.enterprises)]
        + ["--rounds", str(args.rounds), "--duration", str(args.duration), "--warmup", "3"]
        + ["--registry-env", "CREDIT_LOG_LEVEL=WARNING"],
        started,
        "lookup-postgresql",
    )
    registry, baseline = result["summary"]["registry"], result["summary"]["baseline"]
    return {
        "requests_per_second": registry["throughput"],
        "baseline_requests_per_second": baseline["throughput"],
        "app_cpu_ms_per_request": registry["server_cpu_ms_per_request"],
        "per_app_core": per_core(registry["server_cpu_ms_per_request"]),
        "p50_ms": registry["p50_ms"],
        "errors": registry["errors"],
    }


def checks(url: str, args, started: float) -> dict:
    result = bench(
        "checks",
        ["--database-url", url, "--enterprises", str(args.enterprises)]
        + ["--rounds", str(args.rounds), "--duration", str(args.duration), "--warmup", "3"],
        started,
        "checks-postgresql",
    )
    return {
        name: {
            "requests_per_second": figures["registry_throughput"],
            "app_cpu_ms_per_request": figures["registry_server_cpu_ms_per_request"],
            "per_app_core": per_core(figures["registry_server_cpu_ms_per_request"]),
            "p50_ms": figures["registry_p50_ms"],
        }
        for name, figures in result["scenarios"].items()
    }


def search(url: str, args, started: float) -> dict:
    result = bench(
        "search",
        [
            "--database-url",
            url,
            "--enterprises",
            str(args.enterprises),
            "--rounds",
            str(args.rounds),
        ],
        started,
        "search-postgresql",
    )
    classes = result["classes"]
    cpu = statistics.median(c["cpu_p50_ms"] for c in classes.values())
    return {
        "classes": classes,
        "median_class_cpu_p50_ms": cpu,
        "median_class_p50_ms": statistics.median(c["p50_ms"] for c in classes.values()),
        "per_app_core": per_core(cpu),
    }


def records(server: str, standby: str | None, args) -> dict:
    """scripts/bench/records on a fresh database of the same primary, the standby's replay lag
    sampled from the primary's pg_stat_replication meanwhile."""
    create_database(server, "capacity_writes", fresh=True)
    samples: list[tuple[float, float | None, int | None]] = []
    done = threading.Event()
    primary = create_engine(on_database(server, "postgres"), isolation_level="AUTOCOMMIT")

    def sample() -> None:
        query = text(
            "SELECT EXTRACT(EPOCH FROM replay_lag)::float8, "
            "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint FROM pg_stat_replication"
        )
        with primary.connect() as connection:
            while not done.wait(0.25):
                for lag, behind in connection.execute(query):
                    samples.append((time.monotonic(), lag, behind))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    run = subprocess.run(
        [str(ROOT / "scripts" / "bench" / "records"), "--database-url"]
        + [on_database(server, "capacity_writes"), "--writes", str(args.writes)]
        + ["--rounds", str(args.rounds)],
        check=True,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    done.set()
    sampler.join()
    primary.dispose()
    print(run.stdout, flush=True)
    rate = lambda label: float(re.search(rf"{label}:\s+([\d.]+)", run.stdout).group(1))  # noqa: E731
    lags = sorted(lag for _, lag, _ in samples if lag is not None)
    behind = sorted(b for _, _, b in samples if b is not None)
    return {
        "records_per_second_with_chain": rate("with the audit chain"),
        "records_per_second_chain_left_out": rate("chain left out"),
        "ratio": rate("ratio with/without"),
        "standby": bool(standby),
        "replay_lag_samples": len(samples),
        "replay_lag_ms_p50": pct(lags, 50, 1000),
        "replay_lag_ms_max": pct(lags, 100, 1000),
        "replay_behind_bytes_p50": pct(behind, 50),
        "replay_behind_bytes_max": pct(behind, 100),
    }


def size(url: str, firms: int) -> dict:
    engine = create_engine(url)
    with engine.connect() as connection:
        total = connection.scalar(text("SELECT pg_database_size(current_database())"))
        tables = connection.execute(
            text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND n.nspname = 'public' "
                "ORDER BY 2 DESC LIMIT 8"
            )
        ).all()
        rows = {
            name: connection.scalar(text(f'SELECT count(*) FROM "{name}"')) for name, _ in tables
        }
    engine.dispose()
    million = 1_000_000 / firms
    return {
        "database_bytes": total,
        "bytes_per_million_firms": round(total * million),
        # The query log grows with checks (the benchmarks' own among them), not with firms.
        "bytes_per_million_firms_without_query_log": round(
            (total - sum(b for name, b in tables if name == "query_log")) * million
        ),
        "largest_tables": [
            {
                "table": name,
                "bytes": bytes_,
                "rows": rows[name],
                "bytes_per_row": bytes_ // max(rows[name], 1),
            }
            for name, bytes_ in tables
        ],
    }


def per_core(cpu_ms: float | None) -> float | None:
    """Requests one core of app CPU serves a second, from the CPU each one takes."""
    return round(1000 / cpu_ms, 1) if cpu_ms else None


def pct(values: list, p: int, scale: float = 1):
    if not values:
        return None
    return round(values[max(0, -(-p * len(values) // 100) - 1)] * scale, 1)


def print_summary(report: dict) -> None:
    print(
        f"\n{report['enterprises']} firms ({'with' if report['with_records'] else 'without'} records), "
        f"{report['cpus']} CPUs, load average {report['load_before'][0]:.1f} before, "
        f"{report['load_after'][0]:.1f} after"
    )
    for part in PARTS:
        if "failed" in (report.get(part) or {}):
            print(f"  {part}: failed ({report.pop(part)['failed']})")
    seeding = report["seeding"]
    if "seconds" in seeding:
        print(f"  seeding: {seeding['seeded_now']} firms in {seeding['seconds']} s")
    if lk := report.get("lookup"):
        print(
            f"  lookup: {lk['requests_per_second']:.0f}/s, {lk['app_cpu_ms_per_request']:.2f} ms "
            f"app CPU each: {lk['per_app_core']}/s per app core"
        )
    for name, ch in (report.get("checks") or {}).items():
        print(
            f"  check {name}: {ch['requests_per_second']:.1f}/s, "
            f"{ch['app_cpu_ms_per_request']:.2f} ms app CPU each: {ch['per_app_core']}/s per core"
        )
    if se := report.get("search"):
        print(
            f"  search: median class CPU p50 {se['median_class_cpu_p50_ms']} ms "
            f"(latency {se['median_class_p50_ms']} ms): {se['per_app_core']}/s per app core"
        )
    if rc := report.get("records"):
        print(
            f"  records: {rc['records_per_second_with_chain']}/s with the chain, "
            f"{rc['records_per_second_chain_left_out']}/s without; standby replay lag p50 "
            f"{rc['replay_lag_ms_p50']} ms, max {rc['replay_lag_ms_max']} ms; behind p50 "
            f"{rc['replay_behind_bytes_p50']} B, max {rc['replay_behind_bytes_max']} B"
        )
    if sz := report.get("size"):
        print(
            f"  size: {sz['database_bytes'] / 2**30:.2f} GiB, "
            f"{sz['bytes_per_million_firms'] / 2**30:.2f} GiB per million firms "
            f"({sz['bytes_per_million_firms_without_query_log'] / 2**30:.2f} without the query log)"
        )
        for t in sz["largest_tables"]:
            print(f"    {t['table']:28} {t['bytes'] / 2**20:9.0f} MiB  {t['rows']:>11} rows")


if __name__ == "__main__":
    sys.exit(main())
