"""Synthetic demo firms and accounts, written through the same services as real data.

Every demo name carries 演示 so that it can never pass for a real firm. The same seed on the same
database gives the same firms.
"""

from __future__ import annotations

import datetime
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text
from tqdm import tqdm

from credit import clock, reference
from credit import uscc as uscc_codes
from credit.auth.caller import Caller
from credit.db import Database
from credit.models import Enterprise, Violation
from credit.private_files import write_private_text
from credit.services import regrading
from credit.services.blacklist import list_enterprise
from credit.services.enterprises import NewEnterprise, register_many
from credit.services.records import add_many
from credit.services.statistics.targets import set_targets
from credit.services.users import create_user

# The five cities whose quality policies the registry serves.
DEMO_CITIES = ("3211", "3501", "3304", "1529", "6207")

# Each city's own targets, as its policy document sets them (the documents are named as they
# title themselves). Jiaxing's 制造业产品质量合格率 and Alxa's 工业产品质量监督抽查合格率 cover the
# products the registry samples, so they are held as the pass rate over every level.
ZHENJIANG_2014 = (
    "镇江市人民政府办公室关于印发2014年镇江市质量强市行动计划的通知（镇政办发〔2014〕85号）"
)
FUZHOU_2012 = "福州市人民政府关于建设质量强市提升产品质量的实施意见（榕政综〔2012〕234号）"
JIAXING_2017 = "嘉兴市人民政府办公室关于印发嘉兴市质量提升三年行动计划（2017~2019年）的通知"
ALXA_2022 = "推进质量强盟战略实施意见（阿拉善盟，2022年）"
ZHANGYE_2011 = "张掖市推进质量振兴工作方案（张政办发〔2011〕187号）"
POLICY_TARGETS = {
    "3211": (
        ("pass_rate_national", "0.90", ZHENJIANG_2014 + "：国家监督抽查合格率稳定在90%以上"),
        ("pass_rate_provincial", "0.95", ZHENJIANG_2014 + "：省级监督抽查合格率稳定在95%以上"),
        (
            "pass_rate_food",
            "0.93",
            ZHENJIANG_2014 + "：食品生产企业省级监督抽查合格率在93%以上",
        ),
        ("grade_a_or_better", 20, ZHENJIANG_2014 + "：全市创建省级质量信用A级20个"),
        ("grade_aa_or_better", 6, ZHENJIANG_2014 + "：省级质量信用AA级以上企业6个"),
    ),
    "3501": (
        ("pass_rate_provincial", "0.93", FUZHOU_2012 + "：省级监督抽查合格率稳定在93%以上"),
        ("pass_rate_food", "0.95", FUZHOU_2012 + "：其中食品监督抽查合格率稳定在95%以上"),
    ),
    "3304": (("pass_rate_comparable", "0.95", JIAXING_2017 + "：制造业产品质量合格率达到95%以上"),),
    "1529": (
        ("pass_rate_comparable", "0.90", ALXA_2022 + "：工业产品质量监督抽查合格率达到90%以上"),
    ),
    "6207": (
        (
            "pass_rate_comparable",
            "0.90",
            ZHANGYE_2011 + "：产品质量可比性监督抽查合格率达到90%以上",
        ),
        ("filing_rate", "1", ZHANGYE_2011 + "：重点产品生产企业的质量建档率达到100%"),
    ),
}

# GB/T 4754-2017 division or section, and the words a firm in it puts in its name.
TRADES = (
    ("C13", ("粮油", "饲料", "农副产品")),
    ("C14", ("食品", "乳业", "调味品")),
    ("C15", ("酒业", "饮料", "茶业")),
    ("C17", ("纺织", "丝绸", "印染")),
    ("C18", ("服饰", "服装", "制衣")),
    ("C26", ("化工", "涂料", "新材料")),
    ("C27", ("制药", "生物医药", "药业")),
    ("C29", ("塑胶", "橡胶制品", "塑业")),
    ("C30", ("建材", "玻璃", "陶瓷")),
    ("C32", ("铝业", "铜业", "合金材料")),
    ("C33", ("五金", "金属制品", "钢构")),
    ("C34", ("机械", "阀门", "泵业")),
    ("C35", ("专用设备", "环保设备", "工程机械")),
    ("C36", ("汽车零部件", "汽车配件", "车辆")),
    ("C38", ("电气设备", "电器", "电缆")),
    ("C39", ("电子科技", "通信设备", "智能科技")),
    ("E", ("建设工程", "建筑安装", "市政工程")),
    ("F", ("商贸", "贸易", "物资")),
    ("G", ("物流", "运输", "仓储")),
    ("H", ("餐饮管理", "酒店管理", "餐饮")),
    ("I", ("软件", "信息技术", "网络科技")),
    ("M", ("检测技术", "技术服务", "研究院")),
)
BRAND_CHARACTERS = (
    "华东盛丰鑫宏达恒通德金泰瑞源新安康美兴旺嘉润海天宇中博立信诚远航科创银龙江苏闽浙祥和顺隆昌永"
)
LEGAL_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
SMALL_FORMS = {"92": "经营部", "93": "专业合作社"}
# Registration authority 9 (market regulation) and entity type: 1 company, 2 sole trader, 3 co-op.
ENTITY_TYPES = ("91", "91", "91", "91", "91", "91", "91", "92", "93")
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code check
ORG_CODE_SPACE = 10**8
ORG_CODE_STRIDE = 48_271  # coprime to 10**8, so consecutive firms get scattered distinct codes
FIRST_REGISTRATION = datetime.date(1995, 1, 1)
REGISTRATION_SPAN_DAYS = (datetime.date(2024, 12, 31) - FIRST_REGISTRATION).days
DRAW_BLOCK = 1024


def demo_regions() -> list[reference.Region]:
    return [
        r
        for code, r in sorted(reference.regions().items())
        if code[:4] in DEMO_CITIES and not code.endswith("00")
    ]


def organisation_code(number: int) -> str:
    digits = f"{number:08d}"
    check = 11 - sum(int(d) * w for d, w in zip(digits, ORG_CODE_WEIGHTS, strict=False)) % 11
    return digits + {10: "X", 11: "0"}.get(check, str(check))


def demo_firms(start: int, count: int, seed: int) -> Iterator[NewEnterprise]:
    """Firms number start .. start+count-1 of the demo population for this seed.

    Firms are drawn in blocks of DRAW_BLOCK from one generator per (seed, block): a firm depends
    only on the seed and its number, whatever the batch size, and a million firms do not pay for
    a million seeded generators.
    """
    regions = [(r.code, r.city.removesuffix("市").removesuffix("盟")) for r in demo_regions()]
    offset = random.Random(seed).randrange(ORG_CODE_SPACE)
    end = start + count
    if count <= 0:
        return
    for block in range(start // DRAW_BLOCK, (end - 1) // DRAW_BLOCK + 1):
        first = block * DRAW_BLOCK
        draw = random.Random(f"{seed}/{block}")
        # Every firm of the block is drawn, so those before `start` are skipped, not reordered.
        for number in range(first, min(first + DRAW_BLOCK, end)):
            region, city = draw.choice(regions)
            kind = draw.choice(ENTITY_TYPES)
            industry, words = draw.choice(TRADES)
            name = (
                city
                + draw.choice(BRAND_CHARACTERS)
                + draw.choice(BRAND_CHARACTERS)
                + draw.choice(words)
                + (SMALL_FORMS.get(kind) or draw.choice(LEGAL_FORMS))
                + "（演示）"
            )
            registered_on = FIRST_REGISTRATION + datetime.timedelta(
                days=draw.randrange(REGISTRATION_SPAN_DAYS)
            )
            if number < start:
                continue
            org = organisation_code((offset + number * ORG_CODE_STRIDE) % ORG_CODE_SPACE)
            yield NewEnterprise(
                uscc=uscc_codes.with_check_character(kind + region + org),
                name=name,
                region_code=region,
                industry_code=industry,
                registered_on=registered_on,
            )


# The day demo records are dated up to: fixed, so that the same seed gives the same file.
RECORDS_UNTIL = datetime.date(2026, 10, 31)
RECORDS_FROM = datetime.date(2019, 1, 1)
DEMO_ACTOR = "demo-seed"
# (share of firms, kind, fields drawn by the function): a plausible mix for a city's register.
AUTHORITIES = ("市场监督管理局", "质量技术监督局")


def _day(draw: random.Random, earliest: datetime.date) -> datetime.date:
    start = max(earliest, RECORDS_FROM)
    return start + datetime.timedelta(days=draw.randrange(max(1, (RECORDS_UNTIL - start).days)))


def testing_institution(level: str, region_code: str) -> str:
    """A synthetic testing institution (检验机构) for a sample of that level taken in the region."""
    region = reference.regions()[region_code[:4] + "00"]
    if level == "national":
        return "国家产品质量检验检测中心（演示）"
    if level == "provincial":
        return f"{region.province}产品质量监督检验研究院（演示）"
    if level == "county":
        district = reference.regions()[region_code].name
        return f"{region.name}{district}产品质量检验所（演示）"
    return f"{region.name}产品质量监督检验所（演示）"


def demo_records(draw: random.Random, number: int, firm: NewEnterprise) -> list[tuple[str, dict]]:
    """The records of one demo firm: most have none, some a certificate, a few a violation."""
    city = reference.regions()[firm.region_code[:4] + "00"].name
    made: list[tuple[str, dict]] = []
    since = firm.registered_on or RECORDS_FROM
    roll = draw.random
    if roll() < 0.25:
        valid_from = _day(draw, since)
        made.append(
            (
                "certification",
                {
                    "scheme": "iso_9001",
                    "certificate_no": f"Q{number:09d}",
                    "issuer": "中国质量认证中心",
                    "valid_from": valid_from,
                    "valid_to": valid_from + datetime.timedelta(days=3 * 365),
                },
            )
        )
    if roll() < 0.08:
        scheme = draw.choice(("iso_14001", "iso_45001", "iso_22000", "iatf_16949"))
        valid_from = _day(draw, since)
        made.append(
            (
                "certification",
                {
                    "scheme": scheme,
                    "certificate_no": f"M{number:09d}",
                    "issuer": "方圆标志认证集团",
                    "valid_from": valid_from,
                    "valid_to": valid_from + datetime.timedelta(days=3 * 365),
                },
            )
        )
    if roll() < 0.08:
        valid_from = _day(draw, since)
        made.append(
            (
                "certification",
                {
                    "scheme": "ccc",
                    "certificate_no": f"C{number:09d}",
                    "issuer": "中国质量认证中心",
                    "valid_from": valid_from,
                    "valid_to": valid_from + datetime.timedelta(days=5 * 365),
                },
            )
        )
    if roll() < 0.04:
        kind, level, title = draw.choice(
            (
                ("mayor_quality_award", "municipal", f"{city}市长质量奖"),
                ("famous_trademark", "provincial", "省著名商标"),
                ("brand_product", "provincial", "省名牌产品"),
                ("provincial_quality_award", "provincial", "省政府质量奖"),
            )
        )
        awarded_on = _day(draw, since)
        made.append(
            (
                "award",
                {
                    "award_kind": kind,
                    "level": level,
                    "title": f"{title}（演示）",
                    "issuer": f"{city}人民政府",
                    "awarded_on": awarded_on,
                    "expires_on": awarded_on + datetime.timedelta(days=3 * 365),
                    "document_no": f"演示奖{number}",
                },
            )
        )
    if roll() < 0.18:
        failed = roll() < 0.2
        level = draw.choice(("national", "provincial", "municipal", "county"))
        product, category = draw.choice(
            (
                ("电线电缆", "electrical"),
                ("食品", "food"),
                ("儿童用品", "consumer"),
                ("电动自行车", "consumer"),
                ("建筑材料", "building_materials"),
            )
        )
        made.append(
            (
                "inspection",
                {
                    "level": level,
                    "product": product,
                    "product_category": category,
                    "sampled_on": _day(draw, since),
                    "result": "fail" if failed else "pass",
                    "report_no": f"演示抽查{number}",
                    "failed_items": ["标志标识"] if failed else [],
                    "testing_institution": testing_institution(level, firm.region_code),
                },
            )
        )
    if roll() < 0.08:
        category, severity = draw.choice(
            (
                ("administrative_penalty", "minor"),
                ("administrative_penalty", "general"),
                ("administrative_penalty", "general"),
                ("recall", "general"),
                ("complaint", "minor"),
                ("quality_accident", "serious"),
                ("counterfeit", "serious"),
                ("production_suspended", "serious"),
                ("criminal_penalty", "especially_serious"),
            )
        )
        fine = draw.choice((None, 5_000_00, 50_000_00, 200_000_00, 2_500_000_00))
        made.append(
            (
                "violation",
                {
                    "category": category,
                    "severity": severity,
                    "decided_on": _day(draw, since),
                    "authority": f"{city}{draw.choice(AUTHORITIES)}",
                    "decision_no": f"演示罚{number}",
                    "fine_fen": fine,
                    "legal_basis": "《产品质量法》（演示）",
                },
            )
        )
    # The kinds the policies ask for beyond the first catalog: drawn last, so the records above
    # stay what they were for the same seed.
    if roll() < 0.06:
        scheme, issuer = draw.choice(
            (
                ("measurement_management", "中启计量体系认证中心"),
                ("production_licence", f"{city}市场监督管理局"),
                ("green_food", "中国绿色食品发展中心"),
                ("organic_product", "中绿华夏有机产品认证中心"),
                ("zhejiang_made", "浙江制造国际认证联盟"),
            )
        )
        valid_from = _day(draw, since)
        made.append(
            (
                "certification",
                {
                    "scheme": scheme,
                    "certificate_no": f"N{number:09d}",
                    "issuer": f"{issuer}（演示）",
                    "valid_from": valid_from,
                    "valid_to": valid_from + datetime.timedelta(days=3 * 365),
                },
            )
        )
    if roll() < 0.01:
        kind, level, title, issuer, years = draw.choice(
            (
                ("geographical_indication", "national", "地理标志保护产品", "国家知识产权局", None),
                ("brand_product", "municipal", "市名牌产品", f"{city}人民政府", 3),
                ("brand_product", "national", "中国名牌产品", "中国名牌战略推进委员会", 3),
            )
        )
        awarded_on = _day(draw, since)
        made.append(
            (
                "award",
                {
                    "award_kind": kind,
                    "level": level,
                    "title": f"{title}（演示）",
                    "issuer": issuer,
                    "awarded_on": awarded_on,
                    "expires_on": awarded_on + datetime.timedelta(days=years * 365)
                    if years
                    else None,
                    "document_no": f"演示标{number}",
                },
            )
        )
    return made


# A million firms' name bigrams, audit chain and assessments outgrow SQLite's default 2 MiB page
# cache: with a larger one, seeding into a million-firm database re-reads far fewer pages.
SEED_CACHE_KIB = 256 * 1024


def seed_enterprises(
    database: Database,
    count: int,
    *,
    seed: int = 2026,
    batch: int = 5000,
    progress: bool = True,
    records: bool = True,
    processes: int = 1,
) -> int:
    """Adds `count` demo firms after those already there, with their records unless `records`
    is false, each batch its own transaction; then grades every firm whose grade is due, as
    `credit regrade --due` does, over `processes` processes. Stopped half-way, a run leaves
    whole batches, ungraded firms read as they would be graded, and the next run (or
    `credit regrade --due`) grades them."""
    with database.reading() as session:
        start = session.scalar(select(func.count()).select_from(Enterprise)) or 0
    written = 0
    with tqdm(total=count, unit="firm", disable=not progress, desc="writing") as bar:
        while written < count:
            size = min(batch, count - written)
            firms = list(demo_firms(start + written, size, seed))
            with database.writing() as session:
                if database.is_sqlite:
                    session.execute(text(f"PRAGMA cache_size = -{SEED_CACHE_KIB}"))
                ids = register_many(session, firms, actor=DEMO_ACTOR, grade=False)
                if records:
                    entries = [
                        (id_, firm.uscc, kind, fields)
                        for number, (id_, firm) in enumerate(
                            zip(ids, firms, strict=True), start=start + written
                        )
                        for kind, fields in demo_records(
                            random.Random(f"{seed}/records/{number}"), number, firm
                        )
                    ]
                    if entries:
                        add_many(session, DEMO_ACTOR, entries, grade=False)
            written += size
            bar.update(size)
    with tqdm(total=count, unit="firm", disable=not progress, desc="grading") as bar:
        regrading.regrade(
            database,
            scope="due",
            processes=processes,
            on_start=lambda due: setattr(bar, "total", due),
            on_progress=lambda examined, _changed: bar.update(examined),
        )
    return written


# Products a city's sampling plan names each quarter: (product, category, the trades that make
# it, the share of batches that fail, the items a failed batch fails on). A few products fail
# often enough that a city's quarter falls under a 90 % pass rate.
SAMPLED_PRODUCTS = (
    ("电线电缆", "electrical", ("C38",), 0.12, ("导体电阻", "绝缘厚度")),
    ("电动自行车", "consumer", ("C36",), 0.15, ("最高车速", "整车质量", "蓄电池标称电压")),
    ("糕点", "food", ("C14",), 0.03, ("菌落总数", "霉菌")),
    ("食用植物油", "food", ("C13",), 0.02, ("酸价", "过氧化值")),
    ("白酒", "food", ("C15",), 0.02, ("酒精度", "甜蜜素")),
    ("食品用塑料包装", "food_related", ("C29",), 0.03, ("总迁移量", "高锰酸钾消耗量")),
    ("复混肥料", "agricultural_inputs", ("C26",), 0.08, ("总养分", "氯离子")),
    ("陶瓷砖", "building_materials", ("C30",), 0.03, ("吸水率", "破坏强度")),
    ("热轧带肋钢筋", "building_materials", ("C32", "C33"), 0.02, ("屈服强度", "重量偏差")),
    ("儿童服装", "consumer", ("C17", "C18"), 0.05, ("纤维含量", "绳带")),
    ("安全阀", "special_equipment", ("C34",), 0.02, ("整定压力", "密封试验")),
)
SAMPLING_LEVELS = ("municipal", "municipal", "county", "county", "provincial", "national")
SAMPLING_QUARTERS = 8  # the two years of quarters before RECORDS_UNTIL's quarter
PRODUCTS_PER_QUARTER = 3
BATCHES = (5, 9)  # batches drawn per product and quarter, bounds inclusive


def sampling_quarters() -> list[tuple[str, datetime.date, datetime.date]]:
    """(label, first day, last day) of each quarter sampled, oldest first."""
    year, quarter = RECORDS_UNTIL.year, (RECORDS_UNTIL.month - 1) // 3 + 1
    found = []
    for _ in range(SAMPLING_QUARTERS):
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        first = datetime.date(year, 3 * quarter - 2, 1)
        last = datetime.date(year + quarter // 4, 3 * quarter % 12 + 1, 1) - datetime.timedelta(1)
        found.append((f"{year}Q{quarter}", first, last))
    return found[::-1]


def sample_demo_products(database: Database, seed: int = 2026) -> int:
    """Each demo city's quarterly supervisory sampling (监督抽查) of a few products over two
    years: several batches each, from the city's demo makers of the product, all levels, with
    testing institutions. Written in bulk through the records service; returns the batches."""
    with database.reading() as session:
        firms = session.execute(
            select(
                Enterprise.id,
                Enterprise.uscc,
                Enterprise.region_code,
                Enterprise.industry_code,
                Enterprise.registered_on,
            )
            .where(Enterprise.name.contains("演示"))
            .order_by(Enterprise.id)
        ).all()
    entries = []
    for city in DEMO_CITIES:
        local = [f for f in firms if f.region_code.startswith(city)]
        for label, first, last in sampling_quarters():
            draw = random.Random(f"{seed}/sampling/{city}/{label}")
            for product, category, trades, fail_share, items in draw.sample(
                SAMPLED_PRODUCTS, PRODUCTS_PER_QUARTER
            ):
                makers = [
                    f
                    for f in local
                    if (f.industry_code or "")[:3] in trades
                    and (f.registered_on is None or f.registered_on <= first)
                ] or [
                    f
                    for f in local
                    if (f.industry_code or "").startswith("C")
                    and (f.registered_on is None or f.registered_on <= first)
                ]
                if not makers:
                    continue
                for batch in range(draw.randint(*BATCHES)):
                    firm = draw.choice(makers)
                    level = draw.choice(SAMPLING_LEVELS)
                    failed = draw.random() < fail_share
                    sampled_on = first + datetime.timedelta(
                        days=draw.randrange((last - first).days + 1)
                    )
                    entries.append(
                        (
                            firm.id,
                            firm.uscc,
                            "inspection",
                            {
                                "level": level,
                                "product": product,
                                "product_category": category,
                                "sampled_on": sampled_on,
                                "result": "fail" if failed else "pass",
                                "report_no": f"演示抽查{city}-{label}-{product}-{batch + 1}",
                                "failed_items": [draw.choice(items)] if failed else [],
                                "testing_institution": testing_institution(level, firm.region_code),
                            },
                        )
                    )
    if entries:
        with database.writing() as session:
            add_many(session, DEMO_ACTOR, entries)
    return len(entries)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    binding: str | None


# The testing institute that supplies the demo city's sampling results.
DEMO_AGENCY = {"agency": "镇江市产品质量监督检验院", "kinds": ("inspection",)}


def create_demo_accounts(database: Database, credentials_file: Path) -> list[DemoAccount]:
    """One account per role, sharing a random password written to credentials_file (mode 600)."""
    password = secrets.token_urlsafe(12)
    with database.writing() as session:
        firm = session.scalar(
            select(Enterprise)
            .where(Enterprise.region_code.startswith("3211"))
            .order_by(Enterprise.id)
            .limit(1)
        )
        accounts = [
            DemoAccount("demo-regulator", "regulator", "3211"),
            DemoAccount("demo-bank", "bank", None),
            DemoAccount("demo-procurement", "procurement", None),
            DemoAccount("demo-admin", "admin", None),
            DemoAccount("demo-agency", "agency", "3211"),
        ]
        if firm is not None:
            accounts.append(DemoAccount("demo-enterprise", "enterprise", firm.uscc))
        for account in accounts:
            create_user(
                session,
                account.username,
                account.role,
                password,
                uscc=account.binding if account.role == "enterprise" else None,
                region=account.binding if account.role in ("regulator", "agency") else None,
                **(DEMO_AGENCY if account.role == "agency" else {}),
            )
    lines = [f"{a.username}\t{password}\t{a.role}\t{a.binding or ''}" for a in accounts]
    write_private_text(credentials_file, "\n".join(lines) + "\n")
    return accounts


def load_policy_targets(database: Database, year: int | None = None) -> int:
    """Sets each demo city's policy targets for the year (this year by default), through the same
    service a regulator uses; returns how many targets were set."""
    year = year or clock.today().year
    written = 0
    with database.writing() as session:
        for city, targets in POLICY_TARGETS.items():
            officer = Caller(username=DEMO_ACTOR, role="regulator", region=city)
            rows = [
                {"code": code, "target": target, "source": source}
                for code, target, source in targets
            ]
            written += len(set_targets(session, officer, city, year, rows))
    return written


def list_demo_offenders(database: Database, limit: int = 3) -> int:
    """Puts a few demo firms with a serious violation on the blacklist, through the same service a
    regulator uses, so that the public list and the checks have something to show."""
    listed = 0
    with database.writing() as session:
        candidates = session.execute(
            select(Enterprise.uscc, Enterprise.region_code, Violation.id, Violation.decided_on)
            .join(Violation, Violation.enterprise_id == Enterprise.id)
            .where(Violation.severity.in_(("serious", "especially_serious")))
            .order_by(Violation.id)
            .limit(limit * 4)
        ).all()
        firsts = {}
        for code, region, violation_id, decided_on in candidates:
            firsts.setdefault(code, (region, violation_id, decided_on))
        for code, (region, violation_id, decided_on) in list(firsts.items())[:limit]:
            officer = Caller(username=DEMO_ACTOR, role="regulator", region=region[:4])
            list_enterprise(
                session,
                officer,
                uscc=code,
                reason="严重质量违法行为（演示）",
                legal_basis="《市场监督管理严重违法失信名单管理办法》第九条（演示）",
                decision_no=f"演示失信{violation_id}",
                listed_on=decided_on,
                violation_ids=[violation_id],
            )
            listed += 1
    return listed
