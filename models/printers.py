"""Card printers and their calibration for overlay printing on pre-printed blanks."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from .db import Model, db
from .errors import DomainError
from .office_time import utcnow


class Printer(Model):
    """A card printer and its calibration: where overlay text lands on the blank."""

    __tablename__ = "printer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), unique=True)
    offset_x_mm: Mapped[float] = mapped_column(sa.Numeric(4, 2, asdecimal=False), default=0)
    offset_y_mm: Mapped[float] = mapped_column(sa.Numeric(4, 2, asdecimal=False), default=0)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    MAX_OFFSET_MM = 5.0

    def validate(self, today: date | None = None) -> list[str]:
        self.name = " ".join((self.name or "").split())
        if not self.name:
            raise DomainError(_l("Name the printer."), field="name")
        for field in ("offset_x_mm", "offset_y_mm"):
            value = getattr(self, field)
            if value is None or abs(float(value)) > self.MAX_OFFSET_MM:
                raise DomainError(_l("The offset must be between -%(m)s and %(m)s mm.",
                                     m=self.MAX_OFFSET_MM), field=field)
        return []

    def __str__(self) -> str:
        return self.name


def active_printers() -> list[Printer]:
    """The printers in use, by name: the choice offered when printing a batch."""
    return list(db.session.execute(
        sa.select(Printer).where(Printer.active.is_(True)).order_by(Printer.name)).scalars())


def active_printer(printer_id: int | None) -> Printer | None:
    """The printer in use with this id, or None."""
    printer = db.session.get(Printer, printer_id) if printer_id else None
    return printer if printer is not None and printer.active else None
