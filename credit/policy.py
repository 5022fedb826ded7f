"""Numbers that are policy, each with its legal source. Grading numbers live in the ruleset."""

from __future__ import annotations

from decimal import Decimal

# Public display of administrative penalty information, from the decision date (SAMR Order 107
# of 2025, refining Order 45 of 2019 — 3 months for minor, 3 years otherwise).
DISPLAY_MONTHS = {"minor": 3, "general": 12, "serious": 36, "especially_serious": 36}
# Credit repair may end a violation's public display early from this many months after the
# decision (same order; a minor one's display is short enough that it is not repaired).
REPAIR_AFTER_MONTHS = {"general": 3, "serious": 12, "especially_serious": 12}

# Supervisory sampling results are published (产品质量监督抽查管理暂行办法, SAMR Order 18 of 2019,
# 第四十六条); the registry shows each result for 3 years from the day the sample was taken,
# the same term as a serious violation's publicity (SAMR Order 107 of 2025).
INSPECTION_DISPLAY_MONTHS = 36
INSPECTION_DISPLAY_BASIS = (
    "《产品质量监督抽查管理暂行办法》（国家市场监督管理总局令第18号）第四十六条"
)

# A fine this large is a major violation record (重大违法记录) for procurement
# (政府采购法实施条例 第十九条; 财库〔2022〕3号 sets the threshold at ¥2,000,000).
MAJOR_FINE_YUAN = Decimal("2000000.00")
MAJOR_FINE_BASIS = "政府采购法实施条例 第十九条；财库〔2022〕3号"
MAJOR_VIOLATION_CATEGORIES = frozenset(
    {"criminal_penalty", "production_suspended", "licence_revoked"}
)
MAJOR_RECORD_YEARS = 3  # 政府采购法 第二十二条: no major violation record in the 3 years before

# Quality blacklist (市场监督管理严重违法失信名单管理办法, SAMR Order 44 of 2021, 第十八至二十条):
# a listing is published for 3 years; credit repair may be applied for after 1 year, when the
# penalty is fulfilled and no new serious violation has come.
LISTING_MONTHS = 36
LISTING_REPAIR_AFTER_MONTHS = 12
LISTING_BASIS = "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）"

# Procurement eligibility (政府采购法 第二十二条; 政府采购法实施条例 第十九条; 财库〔2016〕125号;
# 财库〔2022〕3号). The law names the court's dishonest-debtor list, the major tax-violation list and
# the procurement list; a city may add its quality blacklist by its own rules, as these cities do.
PROCUREMENT_BLOCKING_LISTS = frozenset({"quality_blacklist"})
PROCUREMENT_BASIS = "《政府采购法》第二十二条第一款第（五）项；《政府采购法实施条例》第十九条"
CREDIT_RECORD_BASIS = "财库〔2016〕125号"
LOW_GRADES = frozenset({"C", "D"})
MAX_BATCH = 1000
SEARCH_EXACT_TOTAL = 10_000  # a search counts its matches exactly up to here (API: total_exact)
MAX_REPEATS = 10  # a code may repeat (answered at each position), within reason
# Lending signals: how far back a lender looks (the grading windows of the default ruleset).
LENDING_VIOLATION_MONTHS = 36
LENDING_INSPECTION_MONTHS = 12

# Quality safety warnings (质量安全预警): a product whose supervisory sampling pass rate in a region
# and period falls under this share, over at least this many batches, raises a warning in the
# statistics. The share is the floor the five cities' plans set for sampling pass rates (镇政办发
# 〔2014〕85号, 阿拉善盟质量强盟战略实施意见, 张政办发〔2011〕187号: 监督抽查合格率 ≥ 90%); fewer
# batches say too little of a product to warn on.
WARNING_PASS_RATE = Decimal("0.90")
WARNING_MIN_BATCHES = 5
WARNING_BASIS = "监督抽查合格率 ≥ 90%（镇政办发〔2014〕85号；张政办发〔2011〕187号）"
# The longest range one statistics request may cover (a decade of quarterly reports).
STATISTICS_MAX_YEARS = 10
# The most firms one watchlist follows (the HTTP contract, "Data exchange"): a lender's whole
# book of borrowers in one list, still one set-based write and one join in the change feed.
WATCHLIST_MAX_SIZE = 10_000

# The regulator's inbox shows an active blacklist listing this many days before its repair date
# or its expiry: SAMR Order 44 of 2021 (第二十条) has the listing authority decide on a repair
# application within 15 working days and move a listing out when it lapses, so a month's notice
# leaves the officer time to prepare either decision.
INBOX_DUE_DAYS = 30
