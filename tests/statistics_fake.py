"""Hand-made statistics in the shape of GET /api/v1/statistics, for tests of what is built on them.

`install(monkeypatch, answer)` puts a stand-in for `credit.services.statistics.figures` in place;
`answer(region, date_from, date_to, by)` gives the dict for each call, and every call is kept in
the returned list.
"""

from __future__ import annotations

import importlib
import sys
import types

GRADES = ("AAA", "AA", "A", "B", "C", "D", "ungraded")


def group(
    key: str,
    label_zh: str,
    *,
    enterprises: int = 0,
    grades: dict | None = None,
    batches: int = 0,
    passed: int = 0,
    by_level: dict | None = None,
    violations: int = 0,
    by_severity: dict | None = None,
    by_category: dict | None = None,
    fines: str = "0.00",
    blacklist: tuple[int, int, int] = (0, 0, 0),
    awards: dict | None = None,
) -> dict:
    """One group (or the totals) as the statistics give it; pass rates are computed as they do."""
    levels = {
        level: {"batches": 0, "passed": 0, "pass_rate": None}
        for level in ("national", "provincial", "municipal", "county")
    }
    for level, (n, ok) in (by_level or {}).items():
        levels[level] = {"batches": n, "passed": ok, "pass_rate": rate(ok, n)}
    active, listed, removed = blacklist
    return {
        "key": key,
        "label_zh": label_zh,
        "enterprises": enterprises,
        "grades": {grade: (grades or {}).get(grade, 0) for grade in GRADES},
        "risk_classes": {"A": 0, "B": 0, "C": 0, "D": 0},
        "blacklist": {"active": active, "listed": listed, "removed": removed},
        "inspections": {
            "batches": batches,
            "passed": passed,
            "pass_rate": rate(passed, batches),
            "by_level": levels,
        },
        "violations": {
            "total": violations,
            "by_severity": by_severity or {},
            "by_category": by_category or {},
            "fines": fines,
        },
        "awards_in_force": awards or {},
    }


def rate(passed: int, batches: int) -> str | None:
    return None if not batches else f"{passed / batches:.4f}"


def answer(
    region: str, date_from, date_to, by: str, groups=(), totals=None, targets=(), warnings=()
):
    totals = dict(totals or group("total", "合计"))
    totals.pop("key", None)
    totals.pop("label_zh", None)
    return {
        "region": region,
        "industry": None,
        "from": date_from,
        "to": date_to,
        "by": by,
        "groups": list(groups),
        "totals": totals,
        "targets": list(targets),
        "warnings": list(warnings),
    }


def install(monkeypatch, respond) -> list[dict]:
    """Every call to statistics.figures answered by `respond(region, date_from, date_to, by)`."""
    calls: list[dict] = []

    def figures(session, caller, region, industry=None, date_from=None, date_to=None, by=None):
        calls.append(
            {
                "region": region,
                "industry": industry,
                "date_from": date_from,
                "date_to": date_to,
                "by": by,
                "caller": caller,
            }
        )
        return respond(region, date_from, date_to, by)

    try:
        module = importlib.import_module("credit.services.statistics")
    except ModuleNotFoundError:
        module = types.ModuleType("credit.services.statistics")
        monkeypatch.setitem(sys.modules, "credit.services.statistics", module)
        monkeypatch.setattr(sys.modules["credit.services"], "statistics", module, raising=False)
    monkeypatch.setattr(module, "figures", figures, raising=False)
    return calls


TARGETS = [
    {
        "code": "pass_rate_national",
        "label_zh": "国家监督抽查合格率",
        "source": "镇江市质量强市建设意见（2014）",
        "target": "0.90",
        "actual": "0.8000",
        "met": False,
    },
    {
        "code": "pass_rate_provincial",
        "label_zh": "省级监督抽查合格率",
        "source": "镇江市质量强市建设意见（2014）",
        "target": "0.95",
        "actual": "0.9375",
        "met": False,
    },
    {
        "code": "grade_a_or_better",
        "label_zh": "A级及以上企业数",
        "source": "镇江市质量强市建设意见（2014）",
        "target": 20,
        "actual": 27,
        "met": True,
    },
]
WARNINGS = [
    {
        "product": "电线电缆",
        "region_code": "321100",
        "batches": 6,
        "pass_rate": "0.6667",
        "threshold": "0.90",
    }
]


def zhenjiang(region, date_from, date_to, by):
    """Zhenjiang (3211): 2026Q3 with data in two districts, 2026Q2 with less, nothing before."""
    if date_from.year < 2026:
        return answer(region, date_from, date_to, by)
    current = date_from.month == 7
    jingkou = group(
        "321102",
        "京口区",
        enterprises=60 if current else 58,
        grades={"AAA": 3, "AA": 7, "A": 12, "B": 30, "C": 4, "D": 1, "ungraded": 3},
        batches=12 if current else 10,
        passed=11 if current else 10,
        by_level={"national": (2, 2), "provincial": (6, 5), "municipal": (4, 4)},
        violations=3 if current else 1,
        by_severity={"general": 2, "serious": 1},
        by_category={"administrative_penalty": 2, "recall": 1},
        fines="125000.00" if current else "20000.00",
        blacklist=(2, 1, 0),
        awards={"mayor_quality_award": 2, "famous_trademark": 3},
    )
    dantu = group(
        "321112",
        "丹徒区",
        enterprises=40,
        grades={"AAA": 1, "AA": 1, "A": 3, "B": 25, "C": 6, "D": 2, "ungraded": 2},
        batches=8 if current else 6,
        passed=6 if current else 6,
        by_level={"national": (3, 2), "provincial": (2, 1), "municipal": (3, 3)},
        violations=2,
        by_severity={"serious": 1, "minor": 1},
        by_category={"administrative_penalty": 1, "counterfeit": 1},
        fines="480000.50",
        blacklist=(1, 1, 1),
        awards={"famous_trademark": 1},
    )
    totals = group(
        "",
        "",
        enterprises=100 if current else 98,
        grades={"AAA": 4, "AA": 8, "A": 15, "B": 55, "C": 10, "D": 3, "ungraded": 5},
        batches=20 if current else 16,
        passed=17 if current else 16,
        by_level={"national": (5, 4), "provincial": (8, 6), "municipal": (7, 7)},
        violations=5 if current else 3,
        by_severity={"general": 2, "serious": 2, "minor": 1},
        by_category={"administrative_penalty": 3, "recall": 1, "counterfeit": 1},
        fines="605000.50" if current else "500000.50",
        blacklist=(3, 2, 1),
        awards={"mayor_quality_award": 2, "famous_trademark": 4},
    )
    if by == "product":
        groups = [
            group("电线电缆", "电线电缆", batches=6, passed=4),
            group("食用植物油", "食用植物油", batches=8, passed=8),
            group("儿童玩具", "儿童玩具", batches=6, passed=5),
        ]
    else:
        groups = [jingkou, dantu]
    return answer(
        region,
        date_from,
        date_to,
        by,
        groups=groups,
        totals=totals,
        targets=TARGETS if current else [],
        warnings=WARNINGS if current else [],
    )


def stand_in_while_missing(monkeypatch) -> None:
    """The Zhenjiang figures where the registry has no statistics service of its own yet, so that
    what is built on it answers; where it has one, nothing is replaced."""
    try:
        importlib.import_module("credit.services.statistics")
    except ModuleNotFoundError:
        install(monkeypatch, zhenjiang)
