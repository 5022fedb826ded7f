"""Quality safety warnings (质量安全预警): those regulators publish, and those the statistics raise."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credit import canonical, chain, policy
from credit.auth.caller import Caller, require_region
from credit.models import QualityWarning
from credit.services.lookup import prefix_range

AUDIT_EVENT = "warning_published"


def view(row: QualityWarning) -> dict:
    return {
        "id": row.id,
        "title": row.title,
        "product": row.product,
        "region_code": row.region_code,
        "body": row.body,
        "published_on": row.published_on,
        "published_by": row.published_by,
        "created_at": row.created_at,
    }


def publish(
    session: Session,
    caller: Caller,
    *,
    title: str,
    product: str,
    region_code: str,
    body: str,
    published_on: datetime.date,
) -> QualityWarning:
    """A warning about a product in the caller's region, as an audit event."""
    require_region(caller, region_code)
    chain.lock_chain(session)
    row = QualityWarning(
        title=title,
        product=product,
        region_code=region_code,
        body=body,
        published_on=published_on,
        published_by=caller.username,
    )
    session.add(row)
    session.flush()
    chain.append(
        session,
        chain.NewEvent(
            actor=caller.username, kind=AUDIT_EVENT, payload={"warning": canonical.row_content(row)}
        ),
    )
    return row


def published(session: Session, *, page: int, per_page: int, region: str | None = None) -> dict:
    """The published warnings, newest first, of every region under `region` (or all)."""
    conditions = prefix_range(QualityWarning.region_code, region) if region else ()
    total = session.scalar(select(func.count()).select_from(QualityWarning).where(*conditions))
    rows = session.scalars(
        select(QualityWarning)
        .where(*conditions)
        .order_by(QualityWarning.published_on.desc(), QualityWarning.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return {
        "items": [view(row) for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total or 0,
    }


def automatic(
    sampled: Iterable[tuple[str, int, int]],
    region: str | None,
    threshold: Decimal = policy.WARNING_PASS_RATE,
    min_batches: int = policy.WARNING_MIN_BATCHES,
) -> list[dict]:
    """A warning for each product (product, batches, passed) sampled at least `min_batches`
    times whose pass rate falls under `threshold`; it carries the region asked."""
    raised = []
    for product, batches, passed in sampled:
        if batches >= min_batches and Decimal(passed) < threshold * batches:
            raised.append(
                {
                    "product": product,
                    "region_code": region,
                    "batches": batches,
                    "pass_rate": rate(passed, batches),
                    "threshold": str(threshold),
                }
            )
    return sorted(raised, key=lambda w: (Decimal(w["pass_rate"]), w["product"]))


def rate(part: int, whole: int) -> str | None:
    """A share as a decimal string with 4 places ("0.9530"); None over nothing."""
    if not whole:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")))
