"""Procurement and lending checks over HTTP under gunicorn, each against a minimal Flask baseline on
the same stack and database, in alternating rounds of the same run.

- A 1,000-firm procurement check (POST /api/v1/checks/procurement: the token, parsing and
  validation, reasons, the query log, the answer): against the baseline's least possible answer,
  the token verified and one SELECT of the same 1,000 firms' state rows sent as JSON.
- A one-firm and a 100-firm lending check (POST /api/v1/checks/lending, the query log written):
  against the baseline verifying the same token, reading the state rows and INSERTing a
  query-log row per firm, committed.

Both servers run under gunicorn with the same settings (scripts/bench/lookup's), and the clients
are scripts/bench/loadgen.py's. See scripts/bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import signal
import statistics
import sys
from contextlib import ExitStack
from pathlib import Path

import loadgen
from lookup import Side, server_cpu_seconds, start_server, stop_server
from seeded import BENCH_DATA, ROOT, seeded_database
from sqlalchemy import select

from credit.auth.caller import Caller  # noqa: E402
from credit.auth.keys import KeyRing  # noqa: E402
from credit.auth.tokens import issue_token  # noqa: E402
from credit.models import Enterprise, User  # noqa: E402

SCENARIOS = {
    # name: (path, firms per check, who asks)
    "procurement-1000": ("/api/v1/checks/procurement", 1000, "procurement"),
    "lending-1": ("/api/v1/checks/lending", 1, "bank"),
    "lending-100": ("/api/v1/checks/lending", 100, "bank"),
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench/checks", description=__doc__)
    parser.add_argument("--enterprises", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="a PostgreSQL database to seed and use")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per side")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per round")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per side")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--threads", type=int, default=1, help="connections per client process")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="run only these (default: all)",
    )
    return parser.parse_args(argv)


def ensure_account(database, username: str, role: str) -> Caller:
    with database.writing() as session:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            session.add(User(username=username, role=role, password_hash="-"))
    return Caller(username=username, role=role)


class Batch:
    """A check's body for a random code: that code and `size - 1` other random ones."""

    def __init__(self, codes: list[str], size: int, extra: dict):
        self.codes, self.size, self.extra = codes, size, extra

    def __call__(self, code: str, rng: random.Random) -> bytes:
        batch = [code, *rng.sample(self.codes, self.size - 1)]
        return json.dumps({"uscc": batch, **self.extra}).encode()


def measure(side: Side, path: str, post: loadgen.Post, args, duration: float, seed: str) -> dict:
    cpu_before = server_cpu_seconds(side)
    result = loadgen.run_round(
        side.port,
        path,
        post.body.codes,
        processes=args.clients,
        threads=args.threads,
        max_requests=10**9,
        duration=duration,
        seed=seed,
        post=post,
    )
    cpu = server_cpu_seconds(side) - cpu_before
    if side.process.poll() is not None:
        raise SystemExit(f"the {side.name} server died during the round; see {side.log}")
    return {
        "requests": result.requests,
        "errors": result.errors,
        "first_error": result.first_error,
        "throughput": round(result.throughput, 2),
        "p50_ms": round(result.percentile(50), 2),
        "p90_ms": round(result.percentile(90), 2),
        "server_cpu_ms_per_request": round(cpu * 1000 / max(result.requests, 1), 3),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    database = seeded_database(args.enterprises, args.seed, args.database_url)
    settings = database.settings
    keys = KeyRing(settings.keys / "tokens")
    keys.ensure()
    tokens = {
        role: issue_token(ensure_account(database, f"bench-{role}", role), keys, 24 * 3600)
        for role in ("procurement", "bank")
    }
    with database.reading() as session:
        codes = session.scalars(select(Enterprise.uscc)).all()
    url = database.engine.url.render_as_string(hide_password=False)
    engine_name = database.engine.dialect.name
    database.dispose()
    print(f"{engine_name}: {len(codes)} firms; load average {os.getloadavg()}", flush=True)

    logs = BENCH_DATA / "logs"
    logs.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "CREDIT_DATABASE_URL": url,
        "CREDIT_INSTANCE_DIR": str(settings.instance_dir),
    }
    bin_dir = Path(sys.executable).parent
    registry = Side(
        "registry",
        [str(bin_dir / "credit"), "serve", "--workers", str(args.workers)],
        env,
        logs / "checks-registry.log",
    )
    baseline = Side(
        "baseline",
        [
            sys.executable,
            str(Path(__file__).with_name("baseline_app.py")),
            "--database-url",
            url,
            "--workers",
            str(args.workers),
            "--keys",
            str(settings.keys),
        ],
        env,
        logs / "checks-baseline.log",
    )
    report: dict = {
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "engine": engine_name,
        "enterprises": len(codes),
        "workers": args.workers,
        "clients": args.clients,
        "threads": args.threads,
        "load_before": os.getloadavg(),
        "scenarios": {},
    }
    with ExitStack() as cleanup:
        for side in (registry, baseline):
            cleanup.callback(stop_server, side)
            start_server(side, codes[0])
        for name in args.scenario or list(SCENARIOS):
            path, size, role = SCENARIOS[name]
            extra = {"purpose": "benchmark"} if role == "bank" else {"project": "BENCH-1"}
            post = loadgen.Post(
                Batch(codes, size, extra), {"Authorization": f"Bearer {tokens[role]}"}
            )
            for side in (registry, baseline):
                warm = measure(side, path, post, args, args.warmup, f"warmup:{name}:{side.name}")
                if warm["errors"]:
                    raise SystemExit(f"{side.name} {name}: {warm['first_error']}")
            rounds: dict[str, list[dict]] = {"registry": [], "baseline": []}
            for number in range(args.rounds):
                order = (registry, baseline) if number % 2 == 0 else (baseline, registry)
                for side in order:
                    outcome = measure(side, path, post, args, args.duration, f"{number}:{name}")
                    rounds[side.name].append(outcome)
                    print(
                        f"{name:17} round {number + 1} {side.name:8}: "
                        f"{outcome['throughput']:8.1f} req/s  p50 {outcome['p50_ms']:7.1f} ms  "
                        f"p90 {outcome['p90_ms']:7.1f} ms  server CPU "
                        f"{outcome['server_cpu_ms_per_request']:7.2f} ms/req  "
                        f"{outcome['errors']} errors",
                        flush=True,
                    )
            ratios = [
                r["throughput"] / b["throughput"]
                for r, b in zip(rounds["registry"], rounds["baseline"], strict=True)
                if b["throughput"]
            ]
            report["scenarios"][name] = {
                "rounds": rounds,
                "ratio_per_round": [round(x, 3) for x in ratios],
                "ratio": round(statistics.median(ratios), 3),
                **{
                    f"{side}_{key}": statistics.median(r[key] for r in rounds[side])
                    for side in rounds
                    for key in ("throughput", "p50_ms", "p90_ms", "server_cpu_ms_per_request")
                },
            }
    report["load_after"] = os.getloadavg()
    print()
    print(
        f"{engine_name}, {len(codes)} firms, {args.workers} workers, "
        f"{args.clients}x{args.threads} clients, {args.rounds} rounds a side, load average "
        f"{report['load_before'][0]:.1f} before, {report['load_after'][0]:.1f} after"
    )
    for name, figures in report["scenarios"].items():
        print(
            f"  {name:17} registry {figures['registry_throughput']:7.1f}/s "
            f"(p50 {figures['registry_p50_ms']:6.1f} ms), baseline "
            f"{figures['baseline_throughput']:7.1f}/s (p50 {figures['baseline_p50_ms']:6.1f} ms): "
            f"registry/baseline {figures['ratio']} (per round {figures['ratio_per_round']})"
        )
    out = BENCH_DATA / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out / f"checks-{engine_name}-{len(codes)}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {path.relative_to(ROOT)}")
    errors = sum(
        r["errors"] for s in report["scenarios"].values() for rs in s["rounds"].values() for r in rs
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
