"""What tests share: record bodies as the API takes them, and writers of a committed database
that go through the services (a registration, a fine), with the audit checks tests make of it."""

import datetime

from click.testing import CliRunner
from sqlalchemy import text

from credit.auth.caller import Caller
from credit.cli import main
from credit.services import audit
from credit.services.enterprises import NewEnterprise, register_enterprise
from credit.services.records import add_record
from credit.uscc import with_check_character
from tests.days import DEFAULT_TODAY, days_before

# Bodies of POST /api/v1/enterprises/{uscc}/<kind>.

AUTHORITY = "镇江市市场监督管理局"


def days_ago(n: int, today: datetime.date = DEFAULT_TODAY) -> str:
    return days_before(today, n).isoformat()


AWARD = {
    "kind": "mayor_quality_award",
    "level": "municipal",
    "title": "镇江市市长质量奖",
    "issuer": "镇江市人民政府",
    "awarded_on": "2025-01-01",
    "document_no": "镇政发〔2025〕1号",
}
CERT = {
    "scheme": "iso_9001",
    "certificate_no": "00124Q30001R1M",
    "issuer": "中国质量认证中心",
    "valid_from": "2024-01-01",
    "valid_to": "2027-12-31",
}
INSPECTION = {
    "level": "provincial",
    "product": "电线电缆",
    "sampled_on": "2026-05-01",
    "result": "fail",
    "report_no": "JS-2026-0001",
    "failed_items": ["导体电阻"],
}


def violation(**overrides):
    body = {
        "category": "administrative_penalty",
        "severity": "general",
        "decided_on": days_ago(30),
        "authority": AUTHORITY,
        "decision_no": "镇市监罚〔2026〕18号",
        "fine_amount": "50000.00",
        "legal_basis": "《产品质量法》第四十九条",
    }
    body.update(overrides)
    return body


def post(client, firm, kind, body, headers):
    return client.post(f"/api/v1/enterprises/{firm}/{kind}", json=body, headers=headers)


# A committed database, written through the services as the officer of Zhenjiang (3211).

REGULATOR = Caller(username="officer", role="regulator", region="3211")


def code(n: int) -> str:
    return with_check_character(f"91321102{n:09d}")


def register(database, n):
    with database.writing() as session:
        register_enterprise(
            session, REGULATOR, NewEnterprise(uscc=code(n), name=f"镇江审计{n}有限公司")
        )


def fine(database, n, decision):
    with database.writing() as session:
        record, _ = add_record(
            session,
            REGULATOR,
            code(n),
            "violation",
            {
                "category": "administrative_penalty",
                "severity": "general",
                "decided_on": days_before(DEFAULT_TODAY, 5),
                "authority": "镇江市市场监督管理局",
                "decision_no": decision,
                "fine_fen": 500_000,
            },
        )
        return record.id


def mismatches(database):
    with database.reading() as session:
        return [str(m) for m in audit.verify(session)]


def cli_verify(database):
    env = {
        "CREDIT_DATABASE_URL": database.engine.url.render_as_string(hide_password=False),
        "CREDIT_INSTANCE_DIR": str(database.settings.instance_dir),
    }
    return CliRunner().invoke(main, ["audit", "verify"], env=env)


def tamper(database, sql, **params):
    with database.engine.begin() as connection:
        connection.execute(text(sql), params)


def inspection(make, firm, level, product, sampled_on, result="pass", **fields):
    """A sampling result in the firm's file, through the records service (`make` is the Builder)."""
    return make.record(
        firm,
        "inspection",
        level=level,
        product=product,
        sampled_on=sampled_on,
        result=result,
        report_no=f"R-{make.uscc()}",
        failed_items=[] if result == "pass" else ["标志标识"],
        **fields,
    )
