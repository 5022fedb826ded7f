"""The registry's tables; importing this module registers every model on `Base.metadata`."""

from credit.models.attachment import RepairAttachment
from credit.models.audit import AuditEvent
from credit.models.base import Base
from credit.models.blacklist import Listing, Objection, RepairApplication, Transition
from credit.models.desk_check import DeskCheck
from credit.models.enterprise import Enterprise, EnterpriseFormerName, EnterpriseNameGram
from credit.models.exchange import ImportBatch, ImportedRow
from credit.models.grading import Assessment, GradeOverride, RegradeRun
from credit.models.issued_report import IssuedReport
from credit.models.query_log import QueryLogEntry, QueryLogFirm, QueryLogSeal
from credit.models.record import (
    Award,
    Certification,
    Correction,
    Inspection,
    Record,
    RecordObjection,
    RecordRepair,
    Violation,
)
from credit.models.state import EnterpriseState
from credit.models.statistics import QualityWarning, Target
from credit.models.user import SeenChanges, User
from credit.models.watchlist import Watchlist, WatchlistMember

__all__ = [
    "Assessment",
    "AuditEvent",
    "Award",
    "GradeOverride",
    "ImportBatch",
    "ImportedRow",
    "RegradeRun",
    "Base",
    "Certification",
    "Correction",
    "DeskCheck",
    "Enterprise",
    "EnterpriseFormerName",
    "EnterpriseNameGram",
    "EnterpriseState",
    "Inspection",
    "IssuedReport",
    "Listing",
    "Objection",
    "QualityWarning",
    "QueryLogEntry",
    "QueryLogFirm",
    "QueryLogSeal",
    "Record",
    "RecordObjection",
    "RecordRepair",
    "RepairApplication",
    "RepairAttachment",
    "SeenChanges",
    "Target",
    "Transition",
    "User",
    "Violation",
    "Watchlist",
    "WatchlistMember",
]
