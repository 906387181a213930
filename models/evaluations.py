"""The monthly performance evaluation (standard B8)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Model
from .office_time import utcnow


class EvaluationReport(Model):
    """The monthly performance evaluation (B8), acknowledged by the head of office."""

    __tablename__ = "evaluation_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), unique=True)  # YYYY-MM
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    pdf_path: Mapped[str | None] = mapped_column(sa.String(255))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    acknowledged_at: Mapped[datetime | None]

    generated_by = relationship("User", foreign_keys=[generated_by_id])
    acknowledged_by = relationship("User", foreign_keys=[acknowledged_by_id])

    def __str__(self) -> str:
        return self.period
