"""Residents, their applications for a new KTP-el, and service disruptions."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import codes, validation, wilayah
from .db import db, office_today, utcnow
from .errors import DomainError


class Applicant(db.Model):
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
    )

    @property
    def village(self) -> wilayah.Village | None:
        return wilayah.village(self.village_code) if self.village_code else None

    @property
    def masked_nik(self) -> str:
        return (self.nik[:6] + "******" + self.nik[-4:]) if self.nik else ""

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


def _run(field: str, check):  # noqa: ANN001, ANN202
    try:
        return check()
    except validation.InvalidValue as exc:
        raise DomainError(exc.message, field=field) from exc


APPLICATION_STATUSES = ("submitted", "recorded", "print_ready", "duplicate", "batched",
                        "printed", "handed_over", "rejected", "cancelled")
OPEN_STATUSES = ("submitted", "recorded", "print_ready", "duplicate", "batched", "printed")


class Application(db.Model):
    """A request for a new KTP-el (permohonan); its status moves only via domain ops."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("applicant.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="submitted")
    standard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_standard.id"))
    f102_complete: Mapped[bool] = mapped_column(default=False)
    kk_copy_path: Mapped[str | None] = mapped_column(sa.String(255))
    kk_copy_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    photo_path: Mapped[str | None] = mapped_column(sa.String(255))
    signature_path: Mapped[str | None] = mapped_column(sa.String(255))
    fingerprints_captured: Mapped[bool] = mapped_column(default=False)
    iris_captured: Mapped[bool] = mapped_column(default=False)
    siak_result_at: Mapped[datetime | None]
    siak_note: Mapped[str | None] = mapped_column(sa.String(255))
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(255))
    sla_hours: Mapped[int | None]
    # submitted_at + sla_hours, kept so "overdue" is one indexed comparison.
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    kk_copy_mime: Mapped[str | None] = mapped_column(sa.String(40))
    photo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    signature_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(255))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    disruption_id: Mapped[int | None] = mapped_column(sa.ForeignKey("disruption.id"),
                                                      index=True)
    print_batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("print_batch.id"),
                                                       index=True)
    clock_stopped_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    applicant = relationship("Applicant", back_populates="applications")
    standard = relationship("ServiceStandard")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    disruption = relationship("Disruption")
    print_batch = relationship("PrintBatch", back_populates="applications")

    __table_args__ = (
        sa.Index("ix_application_status_id", "status", "id"),
        sa.CheckConstraint(
            "status IN (" + ", ".join(repr(s) for s in APPLICATION_STATUSES) + ")",
            name="status"),
    )

    def validate(self, today: date | None = None) -> list[str]:
        if self.applicant_id is None and self.applicant is None:
            raise DomainError(_l("Choose the applicant."), field="applicant")
        applicant_id = self.applicant_id or self.applicant.id
        other = db.session.execute(
            sa.select(Application.number).where(
                Application.applicant_id == applicant_id,
                Application.status.in_(OPEN_STATUSES),
                Application.id != (self.id or 0),
            ).limit(1)
        ).scalar()
        if other:
            raise DomainError(_l("This applicant already has an open application (%(n)s).",
                                 n=other), field="applicant")
        return []

    def __str__(self) -> str:
        return self.number


def day_number(column: Any, prefix: str, width: int) -> str:
    """A human-readable number PREFIX-YYMMDD-NNN…: the next free one of the office's day
    (the unique constraint on `column` catches a concurrent duplicate)."""
    head = f"{prefix}-{office_today():%y%m%d}-"
    last = db.session.execute(sa.select(sa.func.max(column)).where(column.like(head + "%"))
                              ).scalar()
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{head}{seq:0{width}d}"


def new_reference(prefix: str, width: int = 4) -> str:
    """An application's receipt number, e.g. KTP-261124-0001."""
    return day_number(Application.number, prefix, width)


DISRUPTION_KINDS = ("network", "power", "equipment", "central_server", "blank_stock_out")
DISRUPTION_LABELS = {
    "network": _l("Communication network"),
    "power": _l("Electricity"),
    "equipment": _l("Equipment"),
    "central_server": _l("Central server (SIAK)"),
    "blank_stock_out": _l("Blank stock out"),
}


class Disruption(db.Model):
    """A disruption (gangguan) that lets the 24-hour service limit apply."""

    __tablename__ = "disruption"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    reported_by = relationship("User", foreign_keys=[reported_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    __table_args__ = (
        sa.CheckConstraint(
            "kind IN (" + ", ".join(repr(k) for k in DISRUPTION_KINDS) + ")", name="kind"),
    )

    def validate(self, today: date | None = None) -> list[str]:
        if self.kind not in DISRUPTION_KINDS:
            raise DomainError(_l("Choose a value from the list."), field="kind")
        if not (self.description or "").strip():
            raise DomainError(_l("Describe the disruption."), field="description")
        now = utcnow()
        if self.started_at and self.started_at > now:
            raise DomainError(_l("The start cannot be in the future."), field="started_at")
        if self.ended_at and self.started_at and self.ended_at < self.started_at:
            raise DomainError(_l("The end cannot be before the start."), field="ended_at")
        return []

    def on_create(self, actor) -> None:  # noqa: ANN001
        self.reported_by_id = getattr(actor, "id", None)
        if self.started_at is None:
            self.started_at = utcnow()

    def after_create(self, actor) -> None:  # noqa: ANN001
        """Opening a disruption at once extends the applications it affects."""
        from .workflow import extend_for_disruption

        extend_for_disruption(self, actor)

    def __str__(self) -> str:
        return f"{DISRUPTION_LABELS.get(self.kind, self.kind)} {self.started_at:%d-%m-%Y %H:%M}"


def random_code(nbytes: int = 5) -> str:
    """An unguessable code in capitals without look-alike characters."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(nbytes * 8 // 5))


def close_disruption(disruption: Disruption, actor, note: str | None = None) -> None:  # noqa: ANN001
    """Mark a disruption as over; applications keep the limit they were given."""
    from . import audit
    from .permissions import require

    require(actor, "disruption", "close")
    if disruption.ended_at is not None:
        raise DomainError(_l("Disruption %(d)s is already closed.", d=str(disruption)))
    before = audit.snapshot(disruption)
    disruption.ended_at = utcnow()
    disruption.closed_by_id = actor.id
    audit.record(actor, "close", disruption,
                 changes=audit.diff(before, audit.snapshot(disruption)))
    db.session.commit()
