"""The signed PDF report once warm: how long `GET /api/v1/enterprises/{uscc}/report.pdf` takes, and
its parts (the report's facts and JWS, the page drawn by WeasyPrint, the PAdES signature), beside
the JWS report and the check of a PDF on the verification page's path.

Runs the app in this process on a fresh SQLite file (or the PostgreSQL database given) with one
firm that has a certificate, an honour, an inspection and two violations.

    .venv/bin/python scripts/bench/report_pdf.py [--rounds 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from credit import create_app, dbschema  # noqa: E402
from credit.auth.caller import Caller  # noqa: E402
from credit.auth.tokens import issue_token  # noqa: E402
from credit.config import Settings  # noqa: E402
from credit.services import reports  # noqa: E402
from credit.services.enterprises import NewEnterprise, register_many  # noqa: E402
from credit.services.records import add_record  # noqa: E402
from credit.uscc import with_check_character  # noqa: E402
from credit.web import credit_report, pdf_signature, report_verification  # noqa: E402

FIRM = with_check_character("91321102000000100")
OFFICER = Caller("bench-officer", "regulator", region="3211")
RECORDS = [
    (
        "certification",
        {
            "scheme": "iso_9001",
            "certificate_no": "BENCH-9001",
            "issuer": "中国质量认证中心",
            "valid_from": datetime.date(2020, 1, 1),
            "valid_to": datetime.date(2199, 12, 31),
        },
    ),
    (
        "award",
        {
            "award_kind": "mayor_quality_award",
            "level": "municipal",
            "title": "镇江市市长质量奖",
            "issuer": "镇江市人民政府",
            "awarded_on": datetime.date(2025, 1, 10),
        },
    ),
    (
        "violation",
        {
            "category": "administrative_penalty",
            "severity": "general",
            "decided_on": datetime.date(2025, 11, 2),
            "authority": "镇江市市场监督管理局",
            "decision_no": "镇市监罚〔2025〕12号",
            "fine_fen": 3_000_000,
        },
    ),
    (
        "violation",
        {
            "category": "recall",
            "severity": "serious",
            "decided_on": datetime.date(2025, 9, 20),
            "authority": "江苏省市场监督管理局",
            "decision_no": "苏市监召〔2025〕7号",
        },
    ),
]


def figures(label: str, spent: tuple[list[float], list[float]]) -> str:
    """Wall-clock median and p90, and the median CPU time of this process (steadier than the
    clock on a shared machine; what the request would take on an idle core)."""
    wall, cpu = spent
    ms = sorted(s * 1000 for s in wall)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    return (
        f"{label:<34} n={len(ms):<4} median={statistics.median(ms):7.1f} ms  "
        f"p90={p90:7.1f} ms  cpu median={statistics.median(cpu) * 1000:7.1f} ms"
    )


def timed(action, rounds: int) -> tuple[list[float], list[float]]:
    action()  # warm
    wall, cpu = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="report-pdf-bench-"))
    url = options.database_url or f"sqlite:///{directory / 'registry.sqlite3'}"
    settings = Settings(instance_dir=directory, database_url=url, log_level="WARNING")
    app = create_app(settings)
    database = app.extensions["credit.database"]
    dbschema.upgrade(database.engine)
    with database.writing() as session:
        register_many(
            session,
            [
                NewEnterprise(
                    uscc=FIRM,
                    name="镇江基准测试电气有限公司",
                    region_code="321102",
                    industry_code="C38",
                )
            ],
        )
    for kind, fields in RECORDS:
        with database.writing() as session:
            add_record(session, OFFICER, FIRM, kind, fields)

    purchaser = Caller("bench-purchaser", "procurement")
    with database.writing() as session:
        from credit.models import User

        session.add(User(username="bench-purchaser", role="procurement", password_hash="x"))
    headers = {
        "Authorization": "Bearer "
        + issue_token(purchaser, app.extensions["credit.token_keys"], 3600)
    }
    client = app.test_client()

    def pdf_request():
        response = client.get(f"/api/v1/enterprises/{FIRM}/report.pdf", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.data

    def jws_request():
        response = client.get(f"/api/v1/enterprises/{FIRM}/report", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)

    keys = app.extensions["credit.report_keys"]
    certificate = app.extensions["credit.report_certificate"]
    with app.app_context(), database.writing() as session:
        report = reports.build(session, purchaser, FIRM)
        report["verification_code"] = reports.new_code()
        token = reports.sign(report, keys)
        link = credit_report.verify_link("http://127.0.0.1:8000", report["verification_code"])
        unsigned = credit_report.render_pdf(report, token, link)
        session.rollback()

    sample = pdf_request()
    jwks = keys.jwks()
    trusted = [certificate.anchor]
    print(f"PDF: {len(sample) / 1024:.0f} KiB, {options.rounds} rounds after one warm-up each")
    print(figures("GET report.pdf (whole request)", timed(pdf_request, options.rounds)))
    print(figures("GET report (JWS, for comparison)", timed(jws_request, options.rounds)))
    print(
        figures(
            "  page drawn (WeasyPrint)",
            timed(lambda: credit_report.render_pdf(report, token, link), options.rounds),
        )
    )
    print(
        figures(
            "  PAdES signature",
            timed(lambda: pdf_signature.sign(unsigned, certificate), options.rounds),
        )
    )
    print(
        figures(
            "verify a PDF (both signatures)",
            timed(
                lambda: report_verification.verify_document(sample, jwks, trusted),
                options.rounds,
            ),
        )
    )


if __name__ == "__main__":
    main()
