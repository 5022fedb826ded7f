"""The record kinds the policies name (地理标志, 品字标, 名牌产品 by level, green food, organic and
pollution-free agricultural products, ISO 10012, GMP, production licences): their labels, their
place in ruleset qc-2026.4, and older rulesets still giving the grades they gave."""

from __future__ import annotations

from decimal import Decimal

import pytest

from credit import catalog
from credit.grading import ruleset as rulesets
from credit.grading.engine import Inputs, assess
from credit.models import Award, Certification
from tests.unit.builders import D, at
from tests.unit.test_inspection_rules import ruleset_text

DAY = D(2026, 6, 15)
OLDER = ["qc-2026.1", "qc-2026.2", "qc-2026.3"]


def certificate(scheme: str, id: int) -> Certification:
    return Certification(
        id=id,
        enterprise_id=1,
        scheme=scheme,
        certificate_no=f"CERT-{id}",
        issuer="中国质量认证中心",
        valid_from=D(2025, 1, 1),
        valid_to=D(2028, 12, 31),
        source_agency="镇江市市场监督管理局",
        recorded_by="regulator",
        created_at=at(D(2025, 1, 2)),
    )


def honour(kind: str, level: str, id: int) -> Award:
    return Award(
        id=id,
        enterprise_id=1,
        award_kind=kind,
        level=level,
        title="演示荣誉",
        issuer="演示发证机关",
        awarded_on=D(2025, 3, 1),
        expires_on=D(2028, 3, 1),
        source_agency="镇江市市场监督管理局",
        recorded_by="regulator",
        created_at=at(D(2025, 3, 2)),
    )


def points(records, version: str) -> dict[int, Decimal]:
    result = assess(Inputs(records=records), rulesets.load(version), DAY)
    found: dict[int, Decimal] = {}
    for line in result.explanation:
        if line.record_id is not None:
            found[line.record_id] = found.get(line.record_id, Decimal(0)) + line.points
    return found


NEW_SCHEMES = {
    "measurement_management": "测量管理体系",
    "gmp": "GMP",
    "zhejiang_made": "浙江制造",
    "green_food": "绿色食品",
    "organic_product": "有机产品",
    "pollution_free_agricultural": "无公害农产品",
    "production_licence": "生产许可证",
    "food_production_licence": "食品生产许可证",
}


@pytest.mark.parametrize(("scheme", "label"), NEW_SCHEMES.items())
def test_each_new_scheme_has_its_chinese_label(scheme, label):
    assert label in catalog.CERTIFICATION_SCHEMES[scheme].label_zh


def test_the_legal_basis_is_named_where_one_applies():
    assert "地理标志产品保护办法" in catalog.AWARD_KINDS["geographical_indication"].legal_basis
    assert "绿色食品标志管理办法" in catalog.CERTIFICATION_SCHEMES["green_food"].legal_basis
    assert "ISO 10012" in catalog.CERTIFICATION_SCHEMES["measurement_management"].legal_basis
    licence = catalog.CERTIFICATION_SCHEMES["production_licence"]
    assert "工业产品生产许可证管理条例" in licence.legal_basis
    assert catalog.INSPECTION_LEVELS["county"].label_zh == "县级监督抽查"


def test_the_default_ruleset_is_the_one_that_counts_them():
    assert rulesets.load().version == "qc-2026.4"


def test_the_new_kinds_count_in_their_groups_under_qc_2026_4():
    records = [
        certificate("measurement_management", 1),
        certificate("gmp", 2),
        certificate("green_food", 3),
        certificate("organic_product", 4),
        certificate("production_licence", 5),
        honour("geographical_indication", "national", 6),
    ]
    counted = points(records, "qc-2026.4")
    assert counted == {
        1: Decimal("2"),  # a management system scheme
        2: Decimal("2"),
        3: Decimal("2"),  # a product certification
        4: Decimal("2"),
        6: Decimal("4"),  # a brand
    }
    # Product certifications are capped together at 4 however many there are.
    result = assess(Inputs(records=records), rulesets.load("qc-2026.4"), DAY)
    assert result.score == Decimal("60") + 4 + 4 + 4


@pytest.mark.parametrize(
    ("level", "expected"),
    [("national", "6"), ("provincial", "4"), ("municipal", "3"), ("county", "2")],
)
def test_brand_products_count_by_their_level(level, expected):
    record = honour("brand_product", level, 7)
    assert points([record], "qc-2026.4") == {7: Decimal(expected)}


@pytest.mark.parametrize("version", OLDER)
def test_older_rulesets_give_the_grades_they_gave(version):
    before = [certificate("iso_9001", 1), honour("brand_product", "national", 2)]
    added = [
        certificate("measurement_management", 3),
        certificate("green_food", 4),
        honour("geographical_indication", "national", 5),
    ]
    ruleset = rulesets.load(version)
    alone = assess(Inputs(records=before), ruleset, DAY)
    # Records of kinds the ruleset does not name change nothing in its grade or score.
    with_new = assess(Inputs(records=before + added), ruleset, DAY)
    assert (with_new.score, with_new.grade) == (alone.score, alone.grade)
    # A brand product counts the flat brand points whatever its level, as it always did.
    assert points(before, version)[2] == Decimal("4")
    assert points(before, "qc-2026.4")[2] == Decimal("6")


def test_a_ruleset_may_count_only_schemes_added_later():
    text = ruleset_text("qc-2026.4").replace('"gmp",\n', '"gmp",\n    "iso_9001",\n', 1)
    with pytest.raises(rulesets.RulesetError, match="added_schemes has unknown code 'iso_9001'"):
        rulesets.parse(text)
