"""Bulk imports from other departments: each upload's outcome, and the supplier's row ids."""

from __future__ import annotations

import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, UTCDateTime, code_string, created_at


class ImportBatch(Base):
    """One uploaded file: what it asked, who sent it, and what became of its rows. Rejected
    uploads are kept with their errors, so that the region's officers see them."""

    __tablename__ = "import_batch"
    __table_args__ = (Index("ix_import_batch_state_region", "state", "region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(12))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(64))
    supplier: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(code_string(6))
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict]] = mapped_column(JSON, default=list)
    created_at: Mapped[created_at]
    finished_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)


class ImportedRow(Base):
    """A supplier's row once written: its own id, what it said (a digest), and what it became.
    The same row sent again is recognised here; the same id with other content is refused."""

    __tablename__ = "imported_row"

    supplier: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[int] = mapped_column(Integer)
    import_id: Mapped[int | None] = mapped_column(Integer)
