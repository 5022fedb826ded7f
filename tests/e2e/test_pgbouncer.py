"""The registry behind pgbouncer in transaction pooling mode: a real server whose every connection
goes through pgbouncer (CREDIT_DATABASE_POOLER=pgbouncer), asked what users ask most.

./scripts/test starts a pgbouncer beside its throwaway PostgreSQL when pgbouncer is installed and
names it in CREDIT_TEST_PGBOUNCER_URL.
"""

from __future__ import annotations

import os
import subprocess
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import make_url

from credit.uscc import with_check_character
from tests.conftest import fresh_database_url
from tests.e2e.test_serve import (
    ROOT,
    Server,
    _free_port,
    _server_environment,
    _stop,
    _wait_until_healthy,
)

PGBOUNCER = os.environ.get("CREDIT_TEST_PGBOUNCER_URL")

pytestmark = pytest.mark.e2e

if not (PGBOUNCER and os.environ.get("CREDIT_TEST_DATABASE_URL")):
    pytest.skip(
        "needs pgbouncer in front of the test PostgreSQL (CREDIT_TEST_PGBOUNCER_URL): "
        "./scripts/test starts one when pgbouncer is installed (apt-get install pgbouncer)",
        allow_module_level=True,
    )

# psycopg prepares a statement the fifth time a connection runs it; that many requests of each
# kind, from clients at once so that pgbouncer hands each transaction whichever server connection
# is free, reach a statement some server connection has not prepared.
REPEATS = 24
CLIENTS = 4


def _at_once(ask, times: int = REPEATS) -> list:
    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(lambda _: ask(), range(times)))


def _through_pgbouncer(database_url: str) -> str:
    """The same database, reached through pgbouncer (which passes every name through)."""
    name = make_url(database_url).database
    return make_url(PGBOUNCER).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def pooled(tmp_path_factory):
    """(the server, its environment): ./scripts/serve with its database behind pgbouncer."""
    directory = tmp_path_factory.mktemp("pgbouncer")
    instance_dir = directory / "instance"
    bind = f"127.0.0.1:{_free_port()}"
    with fresh_database_url(directory) as database_url:
        environment = _server_environment(_through_pgbouncer(database_url), instance_dir, bind)
        environment.update(CREDIT_DATABASE_POOLER="pgbouncer", CREDIT_DEMO_ENTERPRISES="10")
        log = directory / "serve.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(ROOT / "scripts" / "serve")],
                cwd=ROOT,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            running = Server(url=f"http://{bind}", instance_dir=instance_dir, log=log)
            _wait_until_healthy(running, process)
            yield running, environment
        finally:
            _stop(process)


@pytest.fixture(scope="module")
def server(pooled) -> Server:
    return pooled[0]


def test_a_regulator_registers_a_firm_adds_records_and_anyone_looks_it_up(server):
    token = server.sign_in("demo-regulator")
    code = with_check_character("91321102" + "PB" + f"{_free_port() % 10**7:07d}")
    firm = {"uscc": code, "name": "镇江市京口区连接池检验有限公司"}
    assert server.call("POST", "/api/v1/enterprises", firm, token=token).status == 201
    certificate = {
        "scheme": "iso_9001",
        "certificate_no": f"PB-{code}",
        "issuer": "中国质量认证中心",
        "valid_from": "2024-01-01",
        "valid_to": "2199-12-31",
    }
    added = server.call("POST", f"/api/v1/enterprises/{code}/certifications", certificate, token)
    assert added.status == 201, added.body

    for profile in _at_once(lambda: server.call("GET", f"/api/v1/enterprises/{code}")):
        assert profile.status == 200, profile.body
        assert profile.json()["grade"] == "B"
    query = urllib.parse.urlencode({"q": "连接池检验"})
    for found in _at_once(lambda: server.call("GET", f"/api/v1/enterprises?{query}")):
        assert found.status == 200, found.body
        assert [item["uscc"] for item in found.json()["items"]] == [code]


def test_procurement_and_lending_checks(server):
    query = urllib.parse.urlencode({"q": "演示", "per_page": 5})
    codes = [
        item["uscc"] for item in server.call("GET", f"/api/v1/enterprises?{query}").json()["items"]
    ]
    assert codes
    buyer, lender = server.sign_in("demo-procurement"), server.sign_in("demo-bank")
    procurement = "/api/v1/checks/procurement"
    for answer in _at_once(lambda: server.call("POST", procurement, {"uscc": codes}, buyer)):
        assert answer.status == 200, answer.body
        assert [r["uscc"] for r in answer.json()["results"]] == codes
    lending = {"uscc": codes, "purpose": "授信审批"}
    for answer in _at_once(lambda: server.call("POST", "/api/v1/checks/lending", lending, lender)):
        assert answer.status == 200, answer.body


def test_the_audit_chain_verifies_through_pgbouncer(pooled):
    server, environment = pooled
    server.sign_in("demo-regulator")  # the server is up and its demo data written
    verified = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "credit"), "audit", "verify"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
