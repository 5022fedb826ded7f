"""Every enumeration the registry uses, with its Chinese label and, where one applies, its source."""

from __future__ import annotations

from dataclasses import dataclass

from credit import policy, reference


@dataclass(frozen=True)
class Entry:
    code: str
    label_zh: str
    group: str | None = None
    legal_basis: str | None = None


def _entries(*rows) -> dict[str, Entry]:
    return {row[0]: Entry(*row) for row in rows}


GRADES = _entries(
    ("AAA", "质量信用AAA级"),
    ("AA", "质量信用AA级"),
    ("A", "质量信用A级"),
    ("B", "质量信用B级"),
    ("C", "质量信用C级"),
    ("D", "质量信用D级"),
)
RISK_CLASSES = _entries(("A", "低风险"), ("B", "一般风险"), ("C", "较高风险"), ("D", "高风险"))

AWARD_KINDS = _entries(
    ("china_quality_award", "中国质量奖", "quality_award"),
    ("provincial_quality_award", "省政府质量奖", "quality_award"),
    ("mayor_quality_award", "市长质量奖", "quality_award"),
    ("league_quality_award", "盟长质量奖", "quality_award"),
    ("county_quality_award", "县（区）长质量奖", "quality_award"),
    ("well_known_trademark", "驰名商标", "brand"),
    ("famous_trademark", "著名商标", "brand"),
    ("brand_product", "名牌产品", "brand"),
    ("luban_award", "鲁班奖", "quality_award"),
    ("provincial_engineering_award", "省优质工程奖", "quality_award"),
    # 名牌产品 at each level is `brand_product` with its `level` (中国名牌, 省名牌, 市名牌 …).
    (
        "geographical_indication",
        "地理标志保护产品",
        "brand",
        "《地理标志产品保护办法》（国家知识产权局令第80号）",
    ),
)
LEVELS = _entries(
    ("national", "国家级"), ("provincial", "省级"), ("municipal", "市级"), ("county", "县级")
)
INSPECTION_LEVELS = _entries(
    ("national", "国家监督抽查"),
    ("provincial", "省级监督抽查"),
    ("municipal", "市级监督抽查"),
    ("county", "县级监督抽查"),
)
INSPECTION_RESULTS = _entries(("pass", "合格"), ("fail", "不合格"))
# What a sampled product is, in the groups the cities' targets and sampling plans name (食品生产企业,
# 制造业产品, 工业产品); `group` says whether it counts as an industrial product.
PRODUCT_CATEGORIES = _entries(
    ("food", "食品", "food"),
    ("food_related", "食品相关产品", "industrial"),
    ("agricultural_inputs", "农资", "industrial"),
    ("building_materials", "建材", "industrial"),
    ("electrical", "电工电气", "industrial"),
    ("special_equipment", "特种设备", "industrial"),
    ("consumer", "日用消费品", "industrial"),
    ("industrial", "其他工业产品", "industrial"),
)
CERTIFICATION_SCHEMES = _entries(
    ("iso_9001", "质量管理体系认证（ISO 9001）", "quality_management"),
    ("iso_14001", "环境管理体系认证（ISO 14001）", "management_system"),
    ("iso_45001", "职业健康安全管理体系认证（ISO 45001）", "management_system"),
    ("iso_22000", "食品安全管理体系认证（ISO 22000）", "management_system"),
    ("iso_50001", "能源管理体系认证（ISO 50001）", "management_system"),
    ("iatf_16949", "汽车质量管理体系认证（IATF 16949）", "management_system"),
    ("haccp", "危害分析与关键控制点体系认证（HACCP）", "management_system"),
    (
        "measurement_management",
        "测量管理体系认证（ISO 10012）",
        "management_system",
        "GB/T 19022-2003（ISO 10012:2003）《测量管理体系 测量过程和测量设备的要求》",
    ),
    (
        "gmp",
        "药品生产质量管理规范（GMP）",
        "management_system",
        "《药品管理法》；《药品生产质量管理规范（2010年修订）》",
    ),
    ("ccc", "强制性产品认证（CCC）", "product"),
    ("voluntary_product", "自愿性产品认证", "product"),
    ("zhejiang_made", "“品字标”浙江制造认证", "product"),
    ("green_food", "绿色食品", "product", "《绿色食品标志管理办法》（农业部令2012年第6号）"),
    ("organic_product", "有机产品认证", "product", "《有机产品认证管理办法》"),
    (
        "pollution_free_agricultural",
        "无公害农产品",
        "product",
        "《无公害农产品管理办法》（农业部、国家质检总局令第12号）",
    ),
    # A licence to produce is what the law requires, not a mark of quality: recorded, shown,
    # and worth no points.
    (
        "production_licence",
        "工业产品生产许可证",
        "licence",
        "《工业产品生产许可证管理条例》（国务院令第440号）",
    ),
    ("food_production_licence", "食品生产许可证", "licence", "《食品生产许可管理办法》"),
)
VIOLATION_CATEGORIES = _entries(
    ("administrative_penalty", "行政处罚"),
    ("recall", "缺陷产品召回"),
    ("quality_accident", "质量事故"),
    ("counterfeit", "制假售假"),
    ("complaint", "经查实的投诉举报"),
    ("refused_inspection", "拒绝监督抽查"),
    ("licence_revoked", "吊销许可证照", None, "政府采购法实施条例 第十九条"),
    ("production_suspended", "责令停产停业", None, "政府采购法实施条例 第十九条"),
    ("criminal_penalty", "刑事处罚", None, "政府采购法 第二十二条"),
)
SEVERITIES = _entries(
    ("minor", "轻微"), ("general", "一般"), ("serious", "严重"), ("especially_serious", "特别严重")
)
RECORD_KINDS = _entries(
    ("award", "荣誉"),
    ("certification", "认证"),
    ("inspection", "监督抽查"),
    ("violation", "违法违规记录"),
)
RECORD_STATUSES = _entries(
    ("active", "有效"),
    ("expired", "已过期"),
    ("revoked", "已撤销（发证机关）"),
    ("rescinded", "已撤回（记录有误）"),
)

CHECK_REASONS = _entries(
    (
        "deregistered",
        "企业已注销，不具有独立承担民事责任的能力",
        "block",
        "《政府采购法》第二十二条第一款第（一）项",
    ),
    ("blacklisted", "列入质量失信黑名单", "block", "《政府采购法》第二十二条；财库〔2016〕125号"),
    ("criminal_penalty", "三年内受过刑事处罚", "block", "《政府采购法实施条例》第十九条"),
    ("production_suspended", "三年内被责令停产停业", "block", "《政府采购法实施条例》第十九条"),
    ("licence_revoked", "三年内被吊销许可证或者执照", "block", "《政府采购法实施条例》第十九条"),
    (
        "major_fine",
        "三年内受过较大数额罚款（二百万元以上）",
        "block",
        "《政府采购法实施条例》第十九条；财库〔2022〕3号",
    ),
    # Warnings are credit records a purchaser weighs, not bars (财库〔2016〕125号).
    ("low_grade", "质量信用等级为 C 或 D", "warn", policy.CREDIT_RECORD_BASIS),
    ("serious_violation", "三年内有严重违法记录", "warn", policy.CREDIT_RECORD_BASIS),
    ("listing_disputed", "黑名单列入决定异议处理中", "warn", policy.CREDIT_RECORD_BASIS),
    ("record_disputed", "信用记录异议处理中", "warn", policy.CREDIT_RECORD_BASIS),
    (
        "blacklisted_not_blocking",
        "列入质量失信黑名单（本市规定不作为采购禁止条件）",
        "warn",
        policy.CREDIT_RECORD_BASIS,
    ),
)
LENDING_FLAGS = _entries(
    ("blacklisted", "列入质量失信黑名单"),
    ("listing_disputed", "黑名单列入决定异议处理中"),
    ("major_violation_3y", "三年内有重大违法记录"),
    ("serious_violation_12m", "一年内有严重违法记录"),
    ("failed_inspection_12m", "一年内监督抽查不合格"),
    ("low_grade", "质量信用等级为 C 或 D"),
    ("grade_overridden", "等级经监管部门调整"),
    ("deregistered", "已注销"),
)
QUERY_KINDS = _entries(
    ("lending_check", "贷款审查查询"),
    ("procurement_check", "政府采购资格查询"),
    ("file_read", "查阅信用档案"),
    ("grade_explanation", "查阅评级说明"),
    ("report_download", "下载信用报告"),
)
# The targets a city sets for its quality statistics; `group` says how a target is written: a
# fraction (`rate`, "0.95") or a number of firms (`count`).
TARGET_CODES = _entries(
    ("pass_rate_national", "国家监督抽查合格率", "rate"),
    ("pass_rate_provincial", "省级监督抽查合格率", "rate"),
    ("pass_rate_food", "食品生产企业监督抽查合格率", "rate"),
    ("pass_rate_comparable", "产品质量监督抽查合格率（各级合计）", "rate"),
    ("grade_a_or_better", "质量信用A级及以上企业数", "count"),
    ("grade_aa_or_better", "质量信用AA级及以上企业数", "count"),
    ("filing_rate", "企业质量诚信建档率", "rate"),
)

# What each line of a grade's explanation is, by its rule (`violations.general.half_weight`); a
# reader without an entry for the whole rule takes its first part's (`violations`).
GRADE_RULES = _entries(
    ("base", "基础分"),
    ("certifications", "认证加分"),
    ("certifications.quality_management", "质量管理体系认证加分"),
    ("certifications.management_system", "其他管理体系认证加分"),
    ("certifications.product", "产品认证加分"),
    ("certifications.management_system_cap", "管理体系认证加分封顶"),
    ("certifications.product_cap", "产品认证加分封顶"),
    ("certifications.cap", "认证加分合计封顶"),
    ("inspections", "监督抽查"),
    ("inspections.pass", "监督抽查合格加分"),
    ("inspections.fail", "监督抽查不合格扣分"),
    ("inspections.pass_cap", "抽查合格加分封顶"),
    ("honours", "荣誉加分"),
    ("honours.quality_award", "质量奖加分"),
    ("honours.brand", "商标、名牌加分"),
    ("honours.cap", "荣誉加分合计封顶"),
    ("violations", "违法违规扣分"),
    ("violations.minor", "轻微违法扣分"),
    ("violations.general", "一般违法扣分"),
    ("violations.serious", "严重违法扣分"),
    ("violations.especially_serious", "特别严重违法扣分"),
    ("violations.complaint", "经查实的投诉扣分"),
    ("caps", "等级上限"),
    ("caps.blacklist", "列入黑名单：等级为 D"),
    ("caps.major_violation", "重大违法记录：等级上限"),
    ("caps.serious_violation", "严重违法记录：等级上限"),
    ("caps.failed_inspections", "多次抽查不合格：等级上限"),
)
OBJECTION_STATES = _entries(
    ("pending", "待处理"), ("upheld", "异议成立，已撤销"), ("rejected", "异议不成立")
)
REPAIR_STATES = _entries(("pending", "审核中"), ("approved", "已批准"), ("rejected", "未批准"))
LISTING_STATES = _entries(
    ("listed", "列入中"),
    ("objection_pending", "列入中（异议处理中）"),
    ("repair_pending", "列入中（信用修复申请中）"),
    ("removed_early", "已提前移出"),
    ("rescinded", "已撤销"),
    ("expired", "已到期移出"),
)
# Who reads a firm's file, as its query log names them.
ACCOUNT_ROLES = _entries(
    ("public", "公众"),
    ("enterprise", "企业"),
    ("bank", "金融机构"),
    ("procurement", "采购单位、招标代理机构"),
    ("regulator", "市场监管部门"),
    ("admin", "平台运维"),
    ("agency", "信息提供部门"),
)
# What the change feed reports (`kind`), as a firm reads it about its own file.
CHANGE_KINDS = _entries(
    ("enterprise_registered", "企业登记入库"),
    ("award_recorded", "新增荣誉"),
    ("certification_recorded", "新增认证"),
    ("inspection_recorded", "新增监督抽查结果"),
    ("violation_recorded", "新增违法违规记录"),
    ("record_rescinded", "记录因有误被撤回"),
    ("record_revoked", "荣誉或认证被发证机关撤销"),
    ("grade_changed", "信用等级变化"),
    ("grade_overridden", "监管部门调整信用等级"),
    ("listing_created", "列入质量失信黑名单"),
    ("listing_objection_filed", "对黑名单列入提出异议"),
    ("listing_objection_decided", "黑名单异议已处理"),
    ("listing_repair_applied", "申请黑名单信用修复"),
    ("listing_repair_decided", "黑名单信用修复申请已决定"),
    ("record_objection_filed", "对记录提出异议"),
    ("record_objection_decided", "记录异议已处理"),
    ("record_repair_applied", "申请信用修复"),
    ("record_repair_decided", "信用修复申请已决定"),
)

# GB/T 4754-2017 sections and the divisions the registry names, by their stored form (`C38`);
# a group or class (`C3811`) falls under the entry of its first three characters' division.
# `group` is the section.
INDUSTRIES = {code: Entry(code, name, code[0]) for code, name in reference.industry_names().items()}

CATALOG = {
    "grades": GRADES,
    "risk_classes": RISK_CLASSES,
    "record_kinds": RECORD_KINDS,
    "record_statuses": RECORD_STATUSES,
    "award_kinds": AWARD_KINDS,
    "levels": LEVELS,
    "certification_schemes": CERTIFICATION_SCHEMES,
    "inspection_levels": INSPECTION_LEVELS,
    "inspection_results": INSPECTION_RESULTS,
    "product_categories": PRODUCT_CATEGORIES,
    "violation_categories": VIOLATION_CATEGORIES,
    "severities": SEVERITIES,
    "check_reasons": CHECK_REASONS,
    "lending_flags": LENDING_FLAGS,
    "query_kinds": QUERY_KINDS,
    "target_codes": TARGET_CODES,
    "grade_rules": GRADE_RULES,
    "objection_states": OBJECTION_STATES,
    "repair_states": REPAIR_STATES,
    "listing_states": LISTING_STATES,
    "change_kinds": CHANGE_KINDS,
    "account_roles": ACCOUNT_ROLES,
    "industries": INDUSTRIES,
}
