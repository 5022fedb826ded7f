"""How fast the registry answers GET /api/v1/enterprises/{uscc}, against a minimal Flask baseline;
with --page, how fast it serves the firm's public web page against that JSON profile.

Both servers run under gunicorn with the same settings on the same database; rounds alternate
between them so that noise on a shared machine hits both. See scripts/bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402  (a sibling module, not an installed package)
from seeded import UNLIMITED_ENV  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BENCH_DATA = ROOT / "bench-data"
LOOKUP_PATH = "/api/v1/enterprises/{}"
PAGE_PATH = "/enterprises/{}"
READY_TIMEOUT = 180.0  # the registry migrates before it serves


@dataclass
class Side:
    """One of the two servers under test."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    path: str = LOOKUP_PATH
    port: int = 0
    process: subprocess.Popen | None = None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/bench/lookup",
        description="Throughput and latency of the registry's enterprise lookup against a minimal "
        "Flask + gunicorn baseline on the same database.",
    )
    parser.add_argument(
        "--enterprises",
        type=int,
        default=200_000,
        metavar="N",
        help="demo firms in the SQLite database (default 200000)",
    )
    parser.add_argument("--seed", type=int, default=2026, help="demo data seed (default 2026)")
    parser.add_argument(
        "--database-url",
        help="benchmark this PostgreSQL database instead (seeded with N firms when it has none)",
    )
    parser.add_argument(
        "--reseed",
        action="store_true",
        help="seed the SQLite database again even if a cached one exists",
    )
    parser.add_argument(
        "--page",
        action="store_true",
        help="measure the firm's public web page (/enterprises/{uscc}) against its JSON profile, "
        "each on a registry server of its own, instead of the profile against the baseline",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per server")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per round at most")
    parser.add_argument("--requests", type=int, default=50_000, help="requests per round at most")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of warm-up per server")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--threads", type=int, default=2, help="connections per client process")
    parser.add_argument(
        "--sample", type=int, default=20_000, help="random existing codes the clients pick from"
    )
    parser.add_argument(
        "--registry-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the registry only (e.g. CREDIT_LOG_LEVEL=WARNING)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A stop request must still run the clean-up below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    BENCH_DATA.mkdir(exist_ok=True)

    if args.database_url:
        database_url, instance_dir = prepare_postgres(args)
        engine_name = "postgresql"
    else:
        database_url, instance_dir = prepare_sqlite(args)
        engine_name = "sqlite"
    firms, codes = sample_codes(database_url, args.sample, args.seed)
    print(
        f"{engine_name}: {firms} firms; clients pick from {len(codes)} random existing codes",
        flush=True,
    )

    logs = BENCH_DATA / "logs"
    logs.mkdir(exist_ok=True)
    base_env = {
        **os.environ,
        **UNLIMITED_ENV,
        "CREDIT_DATABASE_URL": database_url,
        "CREDIT_INSTANCE_DIR": str(instance_dir),
    }
    registry_env = dict(base_env)
    for assignment in args.registry_env:
        name, _, value = assignment.partition("=")
        registry_env[name] = value
    bin_dir = Path(sys.executable).parent
    registry = Side(
        "registry",
        [str(bin_dir / "credit"), "serve", "--workers", str(args.workers)],
        registry_env,
        logs / "lookup-registry.log",
    )
    baseline = Side(
        "baseline",
        [
            sys.executable,
            str(Path(__file__).with_name("baseline_app.py")),
            "--database-url",
            database_url,
            "--workers",
            str(args.workers),
        ],
        base_env,
        logs / "lookup-baseline.log",
    )

    if args.page:
        # The page against the profile it is drawn from: the ratio is what HTML costs.
        registry = Side("page", registry.command, registry_env, logs / "lookup-page.log", PAGE_PATH)
        baseline = Side("profile", registry.command, registry_env, logs / "lookup-profile.log")
    results: dict[str, list[dict]] = {registry.name: [], baseline.name: []}
    with ExitStack() as cleanup:
        for side in (registry, baseline):
            cleanup.callback(stop_server, side)  # before starting: a failed start still stops it
            start_server(side, codes[0])
        for side in (registry, baseline):
            warm = measure(side, codes, args, args.warmup, seed=f"warmup:{side.name}")
            print(
                f"warm-up {side.name}: {warm['requests']} requests, {warm['errors']} errors",
                flush=True,
            )
        for number in range(args.rounds):
            # Alternate which side goes first, so a drift in machine load favours neither.
            order = (registry, baseline) if number % 2 == 0 else (baseline, registry)
            for side in order:
                outcome = measure(side, codes, args, args.duration, seed=f"{number}:{side.name}")
                outcome["round"] = number + 1
                results[side.name].append(outcome)
                print(describe(side.name, outcome), flush=True)

    summary = summarise(results)
    report = {
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "engine": engine_name,
        "compared": [registry.name, baseline.name],
        "enterprises": firms,
        "seed": args.seed,
        "workers": args.workers,
        "clients": args.clients,
        "threads": args.threads,
        "round_seconds": args.duration,
        "round_requests": args.requests,
        "registry_env": args.registry_env,
        "rounds": results,
        "summary": summary,
    }
    print_summary(report)
    out = BENCH_DATA / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    mode = "page-" if args.page else ""
    path = out / f"lookup-{mode}{engine_name}-{firms}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {path.relative_to(ROOT)}")
    errors = sum(r["errors"] for rounds in results.values() for r in rounds)
    return 1 if errors else 0


def prepare_sqlite(args) -> tuple[str, Path]:
    """The cached seeded database for (N, seed), seeded first when there is none."""
    directory = BENCH_DATA / f"lookup-sqlite-{args.enterprises}-seed{args.seed}"
    database = directory / "registry.sqlite3"
    marker = directory / "seeded.json"
    url = f"sqlite:///{database}"
    if marker.is_file() and database.is_file() and not args.reseed:
        print(f"using the seeded database {database.relative_to(ROOT)}", flush=True)
        if json.loads(marker.read_text(encoding="utf-8")).get("demo") != demo_digest():
            print(
                "note: the demo data generator changed since this database was seeded; "
                "--reseed rebuilds it",
                flush=True,
            )
        bring_up_to_date(url, directory)
        return url, directory
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("registry.sqlite3*"):
        leftover.unlink()
    marker.unlink(missing_ok=True)
    seconds = seed_database(url, directory, args.enterprises, args.seed)
    marker.write_text(
        json.dumps(
            {
                "enterprises": args.enterprises,
                "seed": args.seed,
                "seconds": round(seconds, 1),
                "demo": demo_digest(),
            }
        )
        + "\n",
        encoding="utf-8",
    )
    return url, directory


def demo_digest() -> str:
    """Identifies the demo data generator a database was seeded with."""
    return hashlib.sha256((ROOT / "credit" / "demo.py").read_bytes()).hexdigest()[:16]


def prepare_postgres(args) -> tuple[str, Path]:
    """The given database, migrated, and seeded with N firms when it holds none."""
    url = args.database_url
    if make_url(url).get_backend_name() != "postgresql":
        raise SystemExit("--database-url must be a PostgreSQL URL (postgresql+psycopg://...)")
    instance = BENCH_DATA / "lookup-postgresql-instance"
    instance.mkdir(exist_ok=True)
    bring_up_to_date(url, instance)
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(text("SELECT count(*) FROM enterprise"))
    engine.dispose()
    if count == 0:
        seed_database(url, instance, args.enterprises, args.seed)
    elif count != args.enterprises:
        print(f"note: the database already holds {count} firms; benchmarking those", flush=True)
    return url, instance


def bring_up_to_date(url: str, instance: Path) -> None:
    """A kept database as an upgraded registry has it: migrated, and every grade a newer
    ruleset or a lapsed window made due stored again (else every lookup computes its firm)."""
    env = {**os.environ, "CREDIT_DATABASE_URL": url, "CREDIT_INSTANCE_DIR": str(instance)}
    credit(["db", "upgrade"], env)
    credit(["regrade", "--due"], env)


def seed_database(url: str, instance: Path, count: int, seed_value: int) -> float:
    env = {**os.environ, "CREDIT_DATABASE_URL": url, "CREDIT_INSTANCE_DIR": str(instance)}
    credit(["db", "upgrade"], env)
    print(f"seeding {count} firms (seed {seed_value})", flush=True)
    begun = time.perf_counter()
    credit(["seed", "--enterprises", str(count), "--seed", str(seed_value)], env)
    seconds = time.perf_counter() - begun
    print(f"seeded {count} firms in {seconds:.1f} s ({count / seconds:,.0f} firms/s)", flush=True)
    return seconds


def credit(arguments: list[str], env: dict[str, str]) -> None:
    subprocess.run([str(Path(sys.executable).parent / "credit"), *arguments], env=env, check=True)


def sample_codes(url: str, size: int, seed_value: int) -> tuple[int, list[str]]:
    """The number of firms and `size` codes of random existing firms (the same ones every run)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            firms = connection.scalar(text("SELECT count(*) FROM enterprise"))
            highest = connection.scalar(text("SELECT max(id) FROM enterprise")) or 0
            if not firms:
                raise SystemExit("the database holds no firms")
            rng = random.Random(f"codes:{seed_value}")
            wanted = sorted({rng.randint(1, highest) for _ in range(min(size, firms) * 2)})
            codes: list[str] = []
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                codes += connection.scalars(
                    text(f"SELECT uscc FROM enterprise WHERE id IN ({','.join(map(str, chunk))})")
                )
    finally:
        engine.dispose()
    rng.shuffle(codes)
    return firms, codes[:size]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((loadgen.LOOPBACK, 0))
        return probe.getsockname()[1]


def start_server(side: Side, probe_code: str) -> None:
    side.port = free_port()
    log = side.log.open("wb")
    side.process = subprocess.Popen(
        [*side.command, "--bind", f"{loadgen.LOOPBACK}:{side.port}"],
        env=side.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
        start_new_session=True,
    )  # its own process group, so stopping it stops its workers too
    log.close()
    deadline = time.monotonic() + READY_TIMEOUT
    connection = loadgen.Connection(side.port)
    while True:
        if side.process.poll() is not None:
            raise SystemExit(
                f"the {side.name} server exited ({side.process.returncode}); see {side.log}"
            )
        try:
            status, _ = connection.get(side.path.format(probe_code))
            if status == 200:
                break
            raise SystemExit(
                f"the {side.name} server answered {status} for an existing firm; see {side.log}"
            )
        except OSError:
            connection.close()
            if time.monotonic() > deadline:
                raise SystemExit(f"the {side.name} server did not start; see {side.log}") from None
            time.sleep(0.2)
    connection.close()
    print(f"{side.name} serving on port {side.port} (pid {side.process.pid})", flush=True)


def stop_server(side: Side) -> None:
    process = side.process
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def server_cpu_seconds(side: Side) -> float:
    """CPU time used so far by the server's master and workers (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [side.process.pid]
    try:
        children = Path(f"/proc/{side.process.pid}/task/{side.process.pid}/children").read_text()
        pids += [int(pid) for pid in children.split()]
    except OSError:
        pass
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def measure(side: Side, codes: list[str], args, duration: float, *, seed: str) -> dict:
    cpu_before = server_cpu_seconds(side)
    result = loadgen.run_round(
        side.port,
        side.path,
        codes,
        processes=args.clients,
        threads=args.threads,
        max_requests=args.requests,
        duration=duration,
        seed=seed,
    )
    cpu = server_cpu_seconds(side) - cpu_before
    if side.process.poll() is not None:
        raise SystemExit(f"the {side.name} server died during the round; see {side.log}")
    return {
        "requests": result.requests,
        "errors": result.errors,
        "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        "first_error": result.first_error,
        "seconds": round(result.elapsed, 3),
        "throughput": round(result.throughput, 1),
        "p50_ms": round(result.percentile(50), 2),
        "p90_ms": round(result.percentile(90), 2),
        "p99_ms": round(result.percentile(99), 2),
        "server_cpu_ms_per_request": round(cpu * 1000 / max(result.requests, 1), 3),
        "client_cpu_ms_per_request": round(result.client_cpu * 1000 / max(result.requests, 1), 3),
    }


def describe(name: str, outcome: dict) -> str:
    line = (
        f"round {outcome['round']} {name:8}: {outcome['throughput']:8.1f} req/s  "
        f"p50 {outcome['p50_ms']:6.2f} ms  p90 {outcome['p90_ms']:6.2f} ms  "
        f"p99 {outcome['p99_ms']:6.2f} ms  CPU/req server "
        f"{outcome['server_cpu_ms_per_request']:.3f} ms, clients "
        f"{outcome['client_cpu_ms_per_request']:.3f} ms  "
        f"{outcome['requests']} requests, {outcome['errors']} errors"
    )
    if outcome["first_error"]:
        line += f"  (first: {outcome['first_error']})"
    return line


def summarise(results: dict[str, list[dict]]) -> dict:
    summary = {}
    for name, rounds in results.items():
        summary[name] = {
            key: round(statistics.median(r[key] for r in rounds), 2)
            for key in (
                "throughput",
                "p50_ms",
                "p90_ms",
                "p99_ms",
                "server_cpu_ms_per_request",
                "client_cpu_ms_per_request",
            )
        }
        summary[name]["errors"] = sum(r["errors"] for r in rounds)
        summary[name]["requests"] = sum(r["requests"] for r in rounds)
    measured, reference = results.values()  # the first side against the second
    ratios = [
        r["throughput"] / b["throughput"]
        for r, b in zip(measured, reference, strict=False)
        if b["throughput"]
    ]
    summary["ratio_per_round"] = [round(x, 3) for x in ratios]
    summary["ratio"] = round(statistics.median(ratios), 3) if ratios else None
    return summary


def print_summary(report: dict) -> None:
    summary = report["summary"]
    measured, reference = report["compared"]
    print()
    print(
        f"{report['engine']}, {report['enterprises']} firms, {report['workers']} workers, "
        f"{report['clients']}x{report['threads']} client connections; "
        f"medians over {len(report['rounds'][measured])} rounds:"
    )
    print(
        f"  {'':8}  {'req/s':>8}  {'p50 ms':>7}  {'p90 ms':>7}  {'p99 ms':>7}  "
        f"{'server CPU ms/req':>17}  {'client CPU ms/req':>17}  {'errors':>6}"
    )
    for name in (measured, reference):
        s = summary[name]
        print(
            f"  {name:8}  {s['throughput']:8.1f}  {s['p50_ms']:7.2f}  {s['p90_ms']:7.2f}  "
            f"{s['p99_ms']:7.2f}  {s['server_cpu_ms_per_request']:17.3f}  "
            f"{s['client_cpu_ms_per_request']:17.3f}  {s['errors']:6}"
        )
    print(
        f"  {measured}/{reference} throughput: {summary['ratio']} "
        f"(per round: {', '.join(map(str, summary['ratio_per_round']))})"
    )


if __name__ == "__main__":
    sys.exit(main())
