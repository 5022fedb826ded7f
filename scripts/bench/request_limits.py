"""What the request limits cost a lookup, in-process: the same profile lookups with limits off,
counted in memory and (with --redis-url) counted in Redis.

Every request goes through the whole app (Flask's test client, no server, no network but Redis's),
so the differences are the limiter's own cost per lookup. Each request comes from one of many
client addresses, so none is refused and every one is a full lookup.

    .venv/bin/python scripts/bench/request_limits.py [--requests 5000] [--rounds 3] [--redis-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from credit import create_app, dbschema  # noqa: E402
from credit.config import Settings  # noqa: E402
from credit.services.enterprises import NewEnterprise, register_many  # noqa: E402
from credit.uscc import with_check_character  # noqa: E402

FIRMS = 200
ADDRESSES = 5000


def _seed(settings: Settings) -> list[str]:
    app = create_app(settings)
    database = app.extensions["credit.database"]
    dbschema.upgrade(database.engine)
    codes = [with_check_character(f"91321102{n:08d}0") for n in range(FIRMS)]
    with database.writing() as session:
        register_many(
            session,
            [
                NewEnterprise(uscc=code, name=f"镇江演示{n}有限公司", region_code="321102")
                for n, code in enumerate(codes)
            ],
        )
    database.dispose()
    return codes


def _round(client, codes: list[str], requests: int, addresses: int = ADDRESSES) -> float:
    """Seconds per lookup."""
    started = time.perf_counter()
    for n in range(requests):
        response = client.get(
            f"/api/v1/enterprises/{codes[n % len(codes)]}",
            environ_base={"REMOTE_ADDR": f"10.{n % addresses // 250}.{n % addresses % 250}.1"},
        )
        if response.status_code != 200:
            raise SystemExit(f"lookup answered {response.status_code}: {response.get_data()!r}")
    return (time.perf_counter() - started) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="lookups per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--addresses", type=int, default=ADDRESSES, help="client addresses the lookups come from"
    )
    parser.add_argument(
        "--redis-url", help="also count in this Redis (e.g. redis://127.0.0.1:6379/0)"
    )
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        base = Settings(instance_dir=Path(folder), log_level="WARNING", limit_checks="off")
        codes = _seed(base)
        setups = {
            "off": Settings(**{**base.__dict__, "limit_lookups": "off"}),
            "memory": Settings(**{**base.__dict__, "limit_lookups": "300/minute"}),
        }
        if arguments.redis_url:
            setups["redis"] = Settings(
                **{
                    **base.__dict__,
                    "limit_lookups": "300/minute",
                    "ratelimit_storage_url": arguments.redis_url,
                }
            )
        clients = {name: create_app(settings).test_client() for name, settings in setups.items()}
        for client in clients.values():
            _round(client, codes, 200)  # warm up
        seconds: dict[str, list[float]] = {name: [] for name in clients}
        for turn in range(arguments.rounds):
            # The order turns every round, so a busy neighbour hurts every setup alike.
            names = list(clients)[turn % len(clients) :] + list(clients)[: turn % len(clients)]
            for name in names:
                seconds[name].append(
                    _round(clients[name], codes, arguments.requests, arguments.addresses)
                )
    off = statistics.median(seconds["off"])
    print(
        f"{arguments.requests} lookups x {arguments.rounds} rounds from {arguments.addresses} "
        "addresses, median per lookup:"
    )
    for name, figures in seconds.items():
        median = statistics.median(figures)
        extra = (
            "" if name == "off" else f"  (+{(median - off) * 1e6:.0f} µs, +{median / off - 1:.1%})"
        )
        print(f"  limits {name:6}  {median * 1e6:7.0f} µs{extra}")


if __name__ == "__main__":
    main()
