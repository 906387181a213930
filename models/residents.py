"""Residents (penduduk) as recorded on form F-1.02: the Applicant entity and its checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, codes, editing, validation, wilayah
from .db import Model, db
from .errors import DomainError
from .office_time import utcnow
from .permissions import require
from .users import User

# Applications whose card is printed, in custody or handed over.
ISSUED_APPLICATION_STATUSES = ("printed", "handed_over")
MIN_CHANGE_REASON_LENGTH = 5
MAX_CHANGE_REASON_LENGTH = 255
# The words of a name as PostgreSQL indexes them (models/search.py): cut at the
# punctuation SIAK allows, as SQLite's FTS5 tokenizer does. Written as PostgreSQL
# prints it back, so queries match the index expression and the migration check
# compares equal.
NAME_WORDS_SQL = ("to_tsvector('simple'::regconfig, "
                  "translate(name::text, '''.,-'::text, '    '::text))")


class Applicant(Model):
    """A resident (penduduk) as recorded on form F-1.02."""

    __tablename__ = "applicant"

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(sa.String(16), unique=True)
    kk_number: Mapped[str] = mapped_column(sa.String(16), index=True)
    name: Mapped[str] = mapped_column(sa.String(60), index=True)
    birth_place: Mapped[str] = mapped_column(sa.String(60))
    birth_date: Mapped[date] = mapped_column(index=True)
    sex: Mapped[str] = mapped_column(sa.String(1), index=True)
    blood_type: Mapped[str] = mapped_column(sa.String(2), default="13")
    religion: Mapped[str] = mapped_column(sa.String(1), index=True)
    marital_status: Mapped[str] = mapped_column(sa.String(1))
    occupation: Mapped[str] = mapped_column(sa.String(2))
    citizenship: Mapped[str] = mapped_column(sa.String(1), default="1")
    address: Mapped[str] = mapped_column(sa.String(120))
    rt: Mapped[str] = mapped_column(sa.String(3))
    rw: Mapped[str] = mapped_column(sa.String(3))
    village_code: Mapped[str] = mapped_column(sa.String(13), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    applications = relationship("Application", back_populates="applicant",
                                order_by="Application.id")

    __table_args__ = (
        # Filter + newest-first page in one index walk, without a sort.
        sa.Index("ix_applicant_marital_status_id", "marital_status", "id"),
        # Any word of the name, or its start (models/search.py); SQLite has FTS5.
        sa.Index("ix_applicant_name_words", sa.text(NAME_WORDS_SQL),
                 postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    @property
    def village(self) -> wilayah.Village | None:
        return wilayah.village(self.village_code) if self.village_code else None

    @property
    def has_issued_card(self) -> bool:
        """A KTP-el has been printed for this resident (printed, in custody or handed
        over): its application is printed or handed over exactly while its card is (a
        spoiled card sends the application back to print-ready)."""
        return any(a.status in ISSUED_APPLICATION_STATUSES for a in self.applications)

    @property
    def masked_nik(self) -> str:
        return masked_nik(self.nik)

    def __str__(self) -> str:
        return f"{self.nik} {self.name}"

    def validate(self, today: date | None = None) -> list[str]:
        """Normalise fields and check them all; raise DomainError at the first bad one.

        Returns warnings (e.g. a NIK district that is no longer in the area list).
        """
        checks = [
            ("name", lambda: setattr(self, "name", validation.check_name(self.name or ""))),
            ("birth_place", lambda: setattr(
                self, "birth_place", validation.check_name(self.birth_place or ""))),
            ("birth_date", lambda: validation.check_not_future(self.birth_date, today)),
            ("kk_number", lambda: setattr(
                self, "kk_number", validation.check_kk_number(self.kk_number or "", today))),
            ("rt", lambda: setattr(self, "rt", validation.check_rt_rw(self.rt or ""))),
            ("rw", lambda: setattr(self, "rw", validation.check_rt_rw(self.rw or ""))),
            ("village_code", lambda: validation.check_village_code(self.village_code or "")),
        ]
        for field, check in checks:
            _run(field, check)
        for field, codelist in (("sex", codes.SEX), ("religion", codes.RELIGION),
                                ("marital_status", codes.MARITAL_STATUS),
                                ("blood_type", codes.BLOOD_TYPE),
                                ("occupation", codes.OCCUPATION),
                                ("citizenship", codes.CITIZENSHIP)):
            if getattr(self, field) not in dict(codelist):
                raise DomainError(_l("Choose a value from the list."), field=field)
        if self.phone:
            _run("phone", lambda: setattr(self, "phone", validation.check_phone(self.phone)))
        self.address = " ".join((self.address or "").upper().split())
        if not self.address:
            raise DomainError(_l("The address is required."), field="address")
        if len(self.address) > 120:
            raise DomainError(_l("The address may be at most 120 characters."),
                              field="address")
        info = _run("nik", lambda: validation.check_nik(
            self.nik or "", birth_date=self.birth_date, sex=self.sex, today=today))
        self.nik = info.nik
        taken = db.session.execute(
            sa.select(Applicant.name).where(Applicant.nik == self.nik,
                                            Applicant.id != (self.id or 0))
        ).scalar()
        if taken:
            raise DomainError(_l("NIK %(nik)s is already registered (%(name)s).",
                                 nik=self.nik, name=taken), field="nik")
        return list(info.warnings)


def masked_nik(nik: str | None) -> str:
    """A NIK as public pages and receipts show it: 530201******0001."""
    return (nik[:6] + "******" + nik[-4:]) if nik else ""


def _run(field: str, check: Callable[[], Any]) -> Any:
    try:
        return check()
    except validation.InvalidValue as exc:
        raise DomainError(exc.message, field=field) from exc


def by_nik(nik: str) -> Applicant | None:
    """The resident registered under `nik` (16 digits), if any."""
    if not nik:
        return None
    return db.session.execute(
        sa.select(Applicant).where(Applicant.nik == nik)).scalar_one_or_none()


def update_applicant(actor: User, applicant: Applicant, before: dict[str, Any],
                     change_reason: str | None = None) -> list[str]:
    """Validate and save the edits made to `applicant` since `before` (an
    audit.snapshot); return warnings. Once a card has been issued, an edit needs a
    reason (the card keeps the data printed on it; the card's page shows what
    changed), and the reason goes into the edit's audit entry. A refusal changes
    nothing."""
    require(actor, "applicant", "edit")
    try:
        touched = editing.PROTECTED_COLUMNS & set(audit.diff(before, audit.snapshot(applicant)))
        if touched:
            raise DomainError(_l("This field cannot be changed here: %(f)s.",
                                 f=", ".join(sorted(touched))))
        warnings = applicant.validate()
        changed = audit.diff(before, audit.snapshot(applicant))
        changed.pop("updated_at", None)
        reason = " ".join((change_reason or "").split())
        if changed and applicant.has_issued_card:
            if len(reason) < MIN_CHANGE_REASON_LENGTH:
                raise DomainError(_l(
                    "This resident's KTP-el has already been printed: write why the data "
                    "is changed (at least %(n)d characters). The card keeps the data "
                    "printed on it.", n=MIN_CHANGE_REASON_LENGTH), field="change_reason")
            if len(reason) > MAX_CHANGE_REASON_LENGTH:
                raise DomainError(_l("The reason may be at most %(n)d characters.",
                                     n=MAX_CHANGE_REASON_LENGTH), field="change_reason")
            changed["change_reason"] = [None, reason]
            changed["after_issue"] = [False, True]
        if changed:
            audit.record(actor, "edit", applicant, changes=changed)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return warnings
