"""Supervisory sampling results as the public sees them: one query over every firm's results."""

from __future__ import annotations

import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from credit import clock
from credit.models import Correction, Enterprise, Inspection, Record
from credit.rules import display
from credit.services import lookup

_INSPECTION = Inspection.__table__
_RECORD = Record.__table__
_FIRM = Enterprise.__table__
_CORRECTION = Correction.__table__


def public_results(
    session: Session,
    *,
    page: int,
    per_page: int,
    region: str | None = None,
    product: str | None = None,
    result: str | None = None,
    level: str | None = None,
    category: str | None = None,
    sampled_from: datetime.date | None = None,
    sampled_to: datetime.date | None = None,
) -> dict:
    """The results inside their display period (产品质量监督抽查管理暂行办法 第四十六条), newest
    sampling first: the same rule as each firm's public profile, as one query and its count.
    `product` matches any part of the product as recorded."""
    today = clock.today()
    earliest = display.inspection_display_from(today)
    latest = today if sampled_to is None else min(today, sampled_to)
    rescinded = exists().where(
        _CORRECTION.c.record_id == _INSPECTION.c.id,
        _CORRECTION.c.action == "rescind",
        _CORRECTION.c.effective_on <= today,
    )
    conditions = [
        _INSPECTION.c.sampled_on >= max(earliest, sampled_from or earliest),
        _INSPECTION.c.sampled_on <= latest,
        ~rescinded,
    ]
    if region:
        conditions += lookup.prefix_range(_FIRM.c.region_code, region)
    if product:
        conditions.append(_INSPECTION.c.product.contains(product, autoescape=True))
    if result:
        conditions.append(_INSPECTION.c.result == result)
    if level:
        conditions.append(_INSPECTION.c.level == level)
    if category:
        conditions.append(_INSPECTION.c.product_category == category)
    joined = _INSPECTION.join(_RECORD, _RECORD.c.id == _INSPECTION.c.id).join(
        _FIRM, _FIRM.c.id == _RECORD.c.enterprise_id
    )
    where = and_(*conditions)
    total = session.scalar(select(func.count()).select_from(joined).where(where)) or 0
    rows = session.execute(
        select(_INSPECTION, _FIRM.c.uscc, _FIRM.c.name, _FIRM.c.region_code)
        .select_from(joined)
        .where(where)
        .order_by(_INSPECTION.c.sampled_on.desc(), _INSPECTION.c.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return {
        "items": [result_item(row) for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
    }


def result_item(row) -> dict:
    """A result as the public list shows it, from a row of the result with its firm."""
    return {
        "id": row.id,
        "uscc": row.uscc,
        "name": row.name,
        "region_code": row.region_code,
        "product": row.product,
        "product_category": row.product_category,
        "level": row.level,
        "result": row.result,
        "failed_items": list(row.failed_items or []),
        "report_no": row.report_no,
        "testing_institution": row.testing_institution,
        "sampled_on": row.sampled_on,
        "display_until": display.inspection_display_until(row),
    }
