"""Model objects built in memory for rule tests: no session, no database, every day pinned."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from credit import clock, policy
from credit.grading.engine import Inputs
from credit.models import (
    Correction,
    Enterprise,
    Inspection,
    Listing,
    Objection,
    RecordObjection,
    RecordRepair,
    Transition,
    Violation,
)
from credit.rules import periods
from credit.services.checks import Standing

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
ONE_DAY = datetime.timedelta(days=1)
LISTING_BASIS = "《产品质量法》第五十条（本市规定）"


def in_shanghai(monkeypatch) -> None:
    """Reckons business dates in Asia/Shanghai, the zone these builders' instants are written in,
    whatever zone an application made earlier in the run was configured with."""
    monkeypatch.setattr(clock, "_zone", SHANGHAI)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """An instant in UTC at `hour` o'clock in Shanghai on that business date."""
    local = datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)
    return local.astimezone(datetime.UTC)


def enterprise(**kw) -> Enterprise:
    values = dict(
        id=1,
        uscc="91321100MA1XXXXX0X",
        name="镇江市示例阀门有限公司",
        region_code="321102",
        status="in_business",
        created_at=at(D(2015, 1, 5)),
    )
    return Enterprise(**(values | kw))


def violation(
    *,
    decided_on: datetime.date,
    severity: str = "general",
    category: str = "administrative_penalty",
    fine_fen: int | None = None,
    id: int = 11,
    recorded_on: datetime.date | None = None,
    **kw,
) -> Violation:
    """A violation recorded (by default) on its decision day."""
    return Violation(
        id=id,
        enterprise_id=1,
        severity=severity,
        category=category,
        decided_on=decided_on,
        fine_fen=fine_fen,
        authority="镇江市市场监督管理局",
        decision_no=f"镇市监罚〔{decided_on.year}〕{id}号",
        legal_basis="《产品质量法》第四十九条",
        source_agency="镇江市市场监督管理局",
        recorded_by="regulator",
        created_at=at(recorded_on or decided_on),
        **kw,
    )


def inspection(*, sampled_on: datetime.date, id: int = 21, result: str = "fail") -> Inspection:
    return Inspection(
        id=id,
        enterprise_id=1,
        level="municipal",
        product="球阀",
        result=result,
        sampled_on=sampled_on,
        report_no=f"JC{id}",
        failed_items=["密封性能"],
        source_agency="镇江市市场监督管理局",
        recorded_by="regulator",
        created_at=at(sampled_on),
    )


def rescission(effective_on: datetime.date, recorded_on: datetime.date | None = None) -> Correction:
    return Correction(
        action="rescind",
        reason="记录有误",
        effective_on=effective_on,
        actor="regulator",
        created_at=at(recorded_on or effective_on),
    )


def record_objection(
    filed_on: datetime.date, decided_on: datetime.date | None = None, state: str | None = None
) -> RecordObjection:
    """An objection to a record; pending unless it has a decision day."""
    return RecordObjection(
        reason="处罚已撤销",
        filed_by="enterprise",
        created_at=at(filed_on),
        state=state or ("pending" if decided_on is None else "rejected"),
        decided_at=None if decided_on is None else at(decided_on),
    )


def record_repair(decided_on: datetime.date, state: str = "approved") -> RecordRepair:
    return RecordRepair(
        statement="已整改",
        applied_by="enterprise",
        created_at=at(decided_on - 20 * ONE_DAY),
        state=state,
        decided_at=at(decided_on),
        decided_by="regulator",
    )


def transition(to_state: str, recorded_on: datetime.date, hour: int = 10) -> Transition:
    return Transition(
        to_state=to_state,
        on=recorded_on,
        actor="regulator",
        reason="决定",
        created_at=at(recorded_on, hour),
    )


def listing(
    *,
    listed_on: datetime.date,
    expires_on: datetime.date | None = None,
    recorded_at: datetime.datetime | None = None,
    states=(),
    id: int = 31,
    legal_basis: str = LISTING_BASIS,
) -> Listing:
    """A listing recorded on its listing day (or at `recorded_at`), then moved through `states`,
    each a (to_state, recorded_on) pair."""
    created = recorded_at or at(listed_on)
    first = Transition(
        to_state="listed", on=listed_on, actor="regulator", reason="列入", created_at=created
    )
    row = Listing(
        id=id,
        enterprise_id=1,
        reason="制售假冒伪劣产品",
        legal_basis=legal_basis,
        decision_no=f"镇市监列〔{listed_on.year}〕{id}号",
        authority="镇江市市场监督管理局",
        listed_on=listed_on,
        repair_eligible_on=periods.add_months(listed_on, policy.LISTING_REPAIR_AFTER_MONTHS),
        expires_on=expires_on or periods.add_months(listed_on, policy.LISTING_MONTHS),
        state="listed",
        listed_by="regulator",
        created_at=created,
    )
    row.transitions = [first, *(transition(to, on) for to, on in states)]
    row.state = row.transitions[-1].to_state
    return row


def listing_objection(filed_on: datetime.date) -> Objection:
    return Objection(
        reason="不服列入决定", filed_by="enterprise", created_at=at(filed_on), state="pending"
    )


def standing(
    *,
    records=(),
    listings=(),
    grade: str | None = "B",
    blacklisted: bool = False,
    firm: Enterprise | None = None,
) -> Standing:
    """A firm's standing as a check sees it: its grade that day and the evidence behind it."""
    return Standing(
        enterprise=firm or enterprise(),
        grade=grade,
        risk_class=None if grade is None else "medium",
        score=None if grade is None else Decimal("72.5"),
        blacklisted=blacklisted,
        overridden=False,
        inputs=Inputs(records=list(records)),
        listings=list(listings),
    )
