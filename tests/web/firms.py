"""Firms the page tests look at, written through the services by the test Builder."""

from __future__ import annotations

import datetime

from credit.rules import periods
from tests.days import DEFAULT_TODAY, days_before

AUTHORITY = "镇江市市场监督管理局"
# The smallest file a PDF reader (and the evidence check) takes for one.
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def fined_firm(make, name: str = "镇江华东电缆有限公司") -> dict:
    """A graded firm (ISO 9001) with a general fine decided 3 months ago (repair allowed today)
    and a serious one decided 2 months ago (repair allowed from 1 year after it)."""
    code = make.enterprise(region="321102", name=name, industry_code="C38")
    make.record(code)
    general = make.record(
        code,
        "violation",
        category="administrative_penalty",
        severity="general",
        decided_on=periods.months_before(DEFAULT_TODAY, 3),
        authority=AUTHORITY,
        decision_no="镇市监罚〔2026〕18号",
        fine_fen=5_000_000,
    )
    serious = make.record(
        code,
        "violation",
        category="quality_accident",
        severity="serious",
        decided_on=periods.months_before(DEFAULT_TODAY, 2),
        authority=AUTHORITY,
        decision_no="镇市监罚〔2026〕30号",
    )
    return {"uscc": code, "general": general, "serious": serious}


def rich_firm(make, name: str = "镇江华东电缆有限公司") -> dict:
    """A firm with an honour, a failed inspection and a general fine, each inside its display
    period, and a minor fine decided long before (past its 3 months); returns what was written."""
    code = make.enterprise(region="321102", name=name, industry_code="C38")
    make.record(code)  # ISO 9001
    make.record(
        code,
        "award",
        award_kind="mayor_quality_award",
        level="municipal",
        title="镇江市市长质量奖",
        issuer="镇江市人民政府",
        awarded_on=datetime.date(2025, 1, 10),
        document_no="镇政发〔2025〕3号",
    )
    make.record(
        code,
        "inspection",
        level="provincial",
        product="电线电缆",
        sampled_on=days_before(DEFAULT_TODAY, 40),
        result="fail",
        report_no="JS-2026-0417",
        failed_items=["导体电阻"],
        testing_institution="江苏省产品质量监督检验研究院",
    )
    make.record(
        code,
        "violation",
        category="administrative_penalty",
        severity="general",
        decided_on=days_before(DEFAULT_TODAY, 30),
        authority=AUTHORITY,
        decision_no="镇市监罚〔2026〕18号",
        fine_fen=5_000_000,
        legal_basis="《产品质量法》第四十九条",
    )
    make.record(
        code,
        "violation",
        category="administrative_penalty",
        severity="minor",
        decided_on=days_before(DEFAULT_TODAY, 200),
        authority=AUTHORITY,
        decision_no="镇市监罚〔2025〕99号",
        legal_basis="《产品质量法》第五十四条",
    )
    return {"uscc": code, "name": name}


def blacklisted_firm(make, name: str = "镇江演示劣质建材有限公司") -> dict:
    code = make.enterprise(region="321111", name=name)
    listing = make.listing(
        code,
        listed_on=days_before(DEFAULT_TODAY, 10),
        authority=AUTHORITY,
        decision_no="镇市监黑〔2026〕2号",
        reason="生产销售不合格建材，情节严重",
    )
    return {"uscc": code, "name": name, "listing": listing}


def waiting_requests(make) -> dict:
    """A firm of Zhenjiang's Jingkou district with one of each thing a regulator's inbox shows:
    an objection to a record, a repair application for a violation, an objection to one listing
    (of a second firm), a repair application for another listing (of a third), and a fourth
    firm's listing reaching its repair date. Returns the ids, by kind."""
    from credit import clock
    from credit.auth.caller import Caller
    from credit.rules import periods
    from credit.services import requests

    today = clock.today()
    objected = make.enterprise(name="镇江异议电器有限公司")
    certificate = make.record(objected)
    repaired = make.record(
        objected,
        "violation",
        category="administrative_penalty",
        severity="general",
        decided_on=periods.months_before(today, 4),
        authority=AUTHORITY,
        decision_no="镇市监罚〔2026〕2号",
    )
    disputed = make.enterprise(name="镇江争议食品有限公司")
    disputed_listing = make.listing(disputed, listed_on=days_before(today, 20))
    repairing = make.enterprise(name="镇江修复建材有限公司")
    repair_listing = make.listing(repairing, listed_on=periods.months_before(today, 13))
    due = make.enterprise(name="镇江到期化工有限公司")
    due_listing = make.listing(due, listed_on=days_before(periods.months_before(today, 12), -10))
    ids = {}
    with make.database.writing() as session:

        def firm(code):
            return Caller(username=f"firm-{code}", role="enterprise", uscc=code)

        ids["record_objection"] = requests.file_objection(
            session, firm(objected), "record", certificate, "证书编号录入有误"
        ).id
        ids["record_repair"] = requests.apply_for_repair(
            session, firm(objected), "record", repaired, "罚款已缴清，问题已整改"
        ).id
        ids["listing_objection"] = requests.file_objection(
            session, firm(disputed), "listing", disputed_listing, "列入决定认定事实不清"
        ).id
        ids["listing_repair"] = requests.apply_for_repair(
            session,
            firm(repairing),
            "listing",
            repair_listing,
            "已履行处罚，申请提前移出",
            "缴款凭证",
        ).id
    return {
        "ids": ids,
        "firms": {"objected": objected, "disputed": disputed, "repairing": repairing, "due": due},
        "records": {"certificate": certificate, "violation": repaired},
        "listings": {"disputed": disputed_listing, "repairing": repair_listing, "due": due_listing},
    }
