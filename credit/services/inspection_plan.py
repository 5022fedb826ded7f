"""The random inspection plan (双随机): a reproducible sample of a region's firms per risk class."""

from __future__ import annotations

import datetime
import math
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit import csvfiles
from credit.auth.caller import Caller, require_role
from credit.errors import Forbidden
from credit.grading import ruleset as rulesets
from credit.models import Enterprise, EnterpriseState
from credit.services.lookup import prefix_range

UNGRADED = "ungraded"
# Under a ruleset without a share for them, a firm not yet graded is supervised as an ordinary one.
UNGRADED_RISK = "B"


def draw(session: Session, caller: Caller, region: str, date: datetime.date, seed: int) -> dict:
    """The same region, date and seed always give the same sample."""
    require_role(caller, "regulator")
    if not region.startswith(caller.region or "\0"):
        raise Forbidden(f"Your region {caller.region} does not cover region {region}.")
    ruleset = rulesets.current()
    rows = session.execute(
        select(
            Enterprise.uscc,
            Enterprise.name,
            Enterprise.region_code,
            EnterpriseState.grade,
            EnterpriseState.risk_class,
        )
        .outerjoin(EnterpriseState, EnterpriseState.enterprise_id == Enterprise.id)
        .where(*prefix_range(Enterprise.region_code, region))
        .where(Enterprise.status == "in_business")
        .order_by(Enterprise.uscc)
    ).all()
    strata = dict(ruleset.sampling)
    ungraded_as = UNGRADED_RISK
    if ruleset.sampling_ungraded is not None:
        strata[UNGRADED] = ruleset.sampling_ungraded
        ungraded_as = UNGRADED
    classes = []
    for risk_class, ratio in strata.items():
        population = [r for r in rows if (r.risk_class or ungraded_as) == risk_class]
        size = min(len(population), math.ceil(len(population) * ratio))
        rng = random.Random(f"{seed}:{date.isoformat()}:{region}:{risk_class}")
        chosen = sorted(rng.sample(population, size), key=lambda r: r.uscc)
        classes.append(
            {
                "risk_class": risk_class,
                "population": len(population),
                "ratio": str(ratio),
                "sample_size": size,
                "enterprises": [
                    {"uscc": r.uscc, "name": r.name, "region_code": r.region_code, "grade": r.grade}
                    for r in chosen
                ],
            }
        )
    return {
        "region": region,
        "date": date,
        "seed": seed,
        "ruleset": ruleset.version,
        "classes": classes,
    }


def as_csv(plan: dict) -> str:
    return csvfiles.write(
        ["risk_class", "uscc", "name", "region_code", "grade"],
        (
            [group["risk_class"], firm["uscc"], firm["name"], firm["region_code"], firm["grade"]]
            for group in plan["classes"]
            for firm in group["enterprises"]
        ),
    )
