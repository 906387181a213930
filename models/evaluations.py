"""The monthly performance evaluation (standard B8) and its sign-off (B4).

A report is generated for one office month (WITA) from models.statistics and the SKM
summary, frozen as a JSON snapshot of its figures and printed from that snapshot, so
every later rendering (one per sign-off step) shows the same figures; each PDF is kept
with its sha256. Sign-off: the head of division submits, the secretary reviews, the
head of office acknowledges, each a compare-and-set, audited and printed on the report.

An acknowledged month is frozen: it is never regenerated, only superseded by a new
version that points to the old one and says why. Changes made afterwards to a closed
month's records (a late disruption, a corrected applicant) are listed on the next
evaluation as changes to a closed month, with the closed figures as they were and as
they are now, instead of silently changing the old report.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, statistics
from .applications import Application
from .audit import AuditEntry
from .complaints import Complaint
from .db import Model, db
from .errors import DomainError
from .office_time import month_range, to_office, utcnow
from .permissions import require
from .service_clock import Disruption
from .transitions import JustProcessed, atomic, compare_and_set
from .users import User

STATUSES = ("generating", "failed", "generated", "submitted", "reviewed", "acknowledged",
            "superseded")
STATUS_LABELS = {
    "generating": _l("Being generated"), "failed": _l("Generation failed"),
    "generated": _l("Generated, awaiting submission"),
    "submitted": _l("Submitted, awaiting review"),
    "reviewed": _l("Reviewed, awaiting acknowledgement"),
    "acknowledged": _l("Acknowledged (month closed)"), "superseded": _l("Superseded"),
}
# The sign-off: step -> (state it starts from, state it leads to, matrix action).
STEPS: dict[str, tuple[str, str]] = {
    "submit": ("generated", "submitted"),
    "review": ("submitted", "reviewed"),
    "acknowledge": ("reviewed", "acknowledged"),
}
STEP_COLUMNS = {"submit": "submitted", "review": "reviewed", "acknowledge": "acknowledged"}
MIN_REASON_LENGTH = 10
MAX_REASON_LENGTH = 500
# A generation that has not reported progress for this long has died with its process.
STALE_AFTER = timedelta(minutes=10)
PERIOD_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")
# Audit actions that are readings or sessions, never changes to records.
READ_ACTIONS = ("read", "view", "export", "export_failed", "download", "lookup")
# How many changes to a closed month are listed one by one (all are counted).
CHANGES_LISTED = 50
# Closed months looked back at for changes.
CLOSED_MONTHS_CHECKED = 12
# Breaches printed one by one; all of them are counted by reason (breach_groups) and
# listed on the application screens.
BREACHES_LISTED = 30


class EvaluationReport(Model):
    """One version of a month's evaluation (B8), signed off per B4."""

    __tablename__ = "evaluation_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), index=True)  # YYYY-MM
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    status: Mapped[str] = mapped_column(sa.String(12), default="generating",
                                        server_default="generated")
    supersedes_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("evaluation_report.id"), index=True)
    supersede_reason: Mapped[str | None] = mapped_column(sa.String(MAX_REASON_LENGTH))
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    progress: Mapped[int] = mapped_column(default=0, server_default="0")
    progress_note: Mapped[str | None] = mapped_column(sa.String(120))
    error: Mapped[str | None] = mapped_column(sa.String(255))
    # The figures as generated: every rendering of this version prints these.
    figures: Mapped[dict | None] = mapped_column(sa.JSON)
    pdf_path: Mapped[str | None] = mapped_column(sa.String(255))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # Every PDF of this version: [{"step", "path", "sha256", "at"}], oldest first.
    pdf_history: Mapped[list | None] = mapped_column(sa.JSON)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    acknowledged_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    generated_by = relationship("User", foreign_keys=[generated_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    acknowledged_by = relationship("User", foreign_keys=[acknowledged_by_id])
    supersedes = relationship("EvaluationReport", remote_side=[id])

    __table_args__ = (
        sa.UniqueConstraint("period", "version", name="uq_evaluation_report_period_version"),
        sa.CheckConstraint("status IN (" + ", ".join(repr(s) for s in STATUSES) + ")",
                           name="status"),
    )

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    def __str__(self) -> str:
        return f"{self.period} v{self.version}"


# ------------------------------------------------------------------ periods


def parse_period(text: str | None) -> tuple[int, int]:
    """"2026-11" -> (2026, 11); a clear refusal for anything else or a future month."""
    match = PERIOD_RE.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)):
        raise DomainError(_l("Write the month as YYYY-MM (e.g. 2026-11)."), field="month")
    year, month = int(match.group(1)), int(match.group(2))
    if month_range(year, month)[0] > utcnow():
        raise DomainError(_l("That month has not begun yet."), field="month")
    return year, month


def period_of(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def previous_period(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def period_range(period: str) -> tuple[datetime, datetime]:
    year, month = int(period[:4]), int(period[5:7])
    return month_range(year, month)


def current_report(period: str) -> EvaluationReport | None:
    """The period's newest version that is not superseded or failed."""
    return db.session.execute(
        sa.select(EvaluationReport).where(
            EvaluationReport.period == period,
            EvaluationReport.status.not_in(("superseded", "failed")))
        .order_by(EvaluationReport.version.desc()).limit(1)).scalar()


def acknowledged_report(period: str) -> EvaluationReport | None:
    """The period's last acknowledged version: the month is frozen if there is one."""
    return db.session.execute(
        sa.select(EvaluationReport).where(EvaluationReport.period == period,
                                          EvaluationReport.acknowledged_at.is_not(None))
        .order_by(EvaluationReport.version.desc()).limit(1)).scalar()


def is_frozen(period: str) -> bool:
    return acknowledged_report(period) is not None


def versions(period: str) -> list[EvaluationReport]:
    return list(db.session.execute(
        sa.select(EvaluationReport).where(EvaluationReport.period == period)
        .order_by(EvaluationReport.version.desc())).scalars())


# ------------------------------------------------------------------ the figures


def _json(value: Any) -> Any:
    """Dataclass results as JSON: datetimes ISO, Decimals as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return _json(asdict(value))
    return value


# The figures of a closed month compared with what its records say now.
COMPARED = (
    ("applications", "received"), ("applications", "recorded"),
    ("applications", "print_ready"), ("applications", "printed"),
    ("applications", "handed_over"), ("service", "served"), ("service", "within_normal"),
    ("service", "within_disrupted"), ("service", "breaches"), ("blanks", "closing"),
    ("complaints", "received"), ("disruption_count", None),
)


def _core(start: datetime, end: datetime) -> dict[str, Any]:
    """The figures compared between a closed month's report and its records now."""
    return {
        "applications": _json(statistics.application_counts(start, end)),
        "service": _json(statistics.service_figures(start, end)),
        "blanks": _json(statistics.blank_figures(start, end)),
        "complaints": _json(statistics.complaint_figures(start, end)),
        "disruption_count": len(statistics.disruptions(start, end)),
    }


def _trend(year: int, month: int, core: dict[str, Any], months: int = 12
           ) -> list[dict[str, Any]]:
    """The last `months` months up to this one: received, served, within the limits,
    breaches (the trend charts). A closed month shows its figures as acknowledged
    (what was signed), any other is counted from the records."""
    out = []
    y, m = year, month
    for i in range(months):
        period = period_of(y, m)
        closed = acknowledged_report(period) if i else None
        known = core if not i else (
            ((closed.figures or {}).get("core") if closed is not None else None) or {})
        if known.get("applications") and known.get("service"):
            apps, service_json = known["applications"], known["service"]
            out.append({"period": period, "received": apps["received"],
                        "handed_over": apps["handed_over"],
                        **{k: service_json[k] for k in ("served", "within_normal",
                                                        "within_disrupted", "breaches")}})
        else:
            start, end = month_range(y, m)
            counts = statistics.application_counts(start, end)
            service = statistics.service_figures(start, end, with_percentiles=False)
            out.append({"period": period, "received": counts.received,
                        "handed_over": counts.handed_over, "served": service.served,
                        "within_normal": service.within_normal,
                        "within_disrupted": service.within_disrupted,
                        "breaches": service.breaches})
        y, m = previous_period(y, m)
    return list(reversed(out))


def _skm(start: datetime, end: datetime) -> dict[str, Any]:
    from . import survey

    s = survey.summary(start, end)
    return {
        "respondents": s.respondents,
        "elements": [{"element": e, "label": str(survey.ELEMENT_LABELS.get(e, e)),
                      "nrr": None if e not in s.nrr else str(s.nrr[e])}
                     for e in survey.ELEMENTS],
        "index": None if s.index is None else str(s.index),
        "index_rounded": None if s.index_rounded is None else str(s.index_rounded),
        "grade": s.grade,
        "grade_label": str(survey.GRADE_LABELS.get(s.grade, "")) if s.grade else None,
    }


def _belongs_to(start: datetime, end: datetime) -> list[Any]:
    """Audit entries (after a month's acknowledgement) that changed its records: a
    disruption meeting the month, an application or complaint of the month corrected,
    an applicant of the month's applications corrected, a deadline of the month
    extended. Steps that happen now (a handover of last month's card) are not
    changes: they count in the month they happen."""
    by_disruption = sa.and_(
        AuditEntry.object_type == "disruption",
        AuditEntry.object_id.in_(sa.select(sa.cast(Disruption.id, sa.String)).where(
            Disruption.started_at < end,
            sa.or_(Disruption.ended_at.is_(None), Disruption.ended_at >= start))))
    month_applications = sa.select(Application.id).where(
        Application.submitted_at >= start, Application.submitted_at < end)
    by_application = sa.and_(
        AuditEntry.object_type == "application",
        AuditEntry.action.in_(("edit", "sla_extended", "correct")),
        AuditEntry.object_id.in_(sa.select(sa.cast(Application.id, sa.String)).where(
            Application.submitted_at >= start, Application.submitted_at < end)))
    by_applicant = sa.and_(
        AuditEntry.object_type == "applicant", AuditEntry.action.in_(("edit", "correct")),
        AuditEntry.object_id.in_(sa.select(sa.cast(Application.applicant_id, sa.String))
                                 .where(Application.id.in_(month_applications))))
    by_complaint = sa.and_(
        AuditEntry.object_type == "complaint", AuditEntry.action.in_(("edit", "correct")),
        AuditEntry.object_id.in_(sa.select(sa.cast(Complaint.id, sa.String)).where(
            Complaint.received_at >= start, Complaint.received_at < end)))
    return [sa.or_(by_disruption, by_application, by_applicant, by_complaint),
            AuditEntry.action.not_in(READ_ACTIONS)]


def closed_month_changes(year: int, month: int, until: datetime) -> list[dict[str, Any]]:
    """For each acknowledged month before this one (up to CLOSED_MONTHS_CHECKED back):
    the changes made to its records after its acknowledgement (until `until`), and,
    where there are any, its figures as acknowledged beside its figures now."""
    out = []
    y, m = year, month
    for _ in range(CLOSED_MONTHS_CHECKED):
        y, m = previous_period(y, m)
        period = period_of(y, m)
        report = acknowledged_report(period)
        if report is None or report.acknowledged_at is None:
            continue
        start, end = month_range(y, m)
        where = [AuditEntry.at > report.acknowledged_at, AuditEntry.at <= until,
                 *_belongs_to(start, end)]
        total = int(db.session.execute(
            sa.select(sa.func.count(AuditEntry.id)).where(*where)).scalar() or 0)
        if not total:
            continue
        entries = db.session.execute(
            sa.select(AuditEntry.id, AuditEntry.at, AuditEntry.username, AuditEntry.action,
                      AuditEntry.object_type, AuditEntry.object_id)
            .where(*where).order_by(AuditEntry.id).limit(CHANGES_LISTED)).all()
        then = (report.figures or {}).get("core") or {}
        now = _core(start, end)
        differences = []
        for section, key in COMPARED:
            old = then.get(section) if key is None else (then.get(section) or {}).get(key)
            new = now.get(section) if key is None else now[section].get(key)
            if old != new:
                differences.append({"section": section, "key": key, "old": old, "new": new})
        out.append({
            "period": period, "version": report.version,
            "acknowledged_at": report.acknowledged_at.isoformat(), "total": total,
            "entries": [{"id": e.id, "at": e.at.isoformat(), "username": e.username,
                         "action": e.action, "object_type": e.object_type,
                         "object_id": e.object_id} for e in entries],
            "differences": differences,
        })
    return out


Progress = Callable[[int, str], None]


def collect(year: int, month: int, progress: Progress | None = None,
            now: datetime | None = None) -> dict[str, Any]:
    """Every figure of the month's evaluation, as JSON (the report's snapshot)."""
    report_progress = progress or (lambda _pct, _note: None)
    start, end = month_range(year, month)
    now = now or utcnow()
    figures: dict[str, Any] = {"period": period_of(year, month), "start": start.isoformat(),
                               "end": end.isoformat(), "computed_at": now.isoformat()}
    report_progress(5, "applications")
    figures["core"] = _core(start, end)
    report_progress(20, "service")
    figures["breaches"] = _json(statistics.breaches(start, end, BREACHES_LISTED))
    figures["breach_groups"] = _json(statistics.breach_groups(start, end))
    figures["disruptions"] = _json(statistics.disruptions(start, end))
    report_progress(35, "operators")
    figures["operators"] = _json(statistics.output_per_operator(start, end))
    figures["areas"] = _json(statistics.by_kecamatan_and_sex(start, end))
    report_progress(50, "cards")
    figures["uncollected"] = _json(statistics.uncollected_cards_by_age(min(end, now)))
    figures["blank_reasons"] = figures["core"]["blanks"]["spoiled_reasons"]
    py, pm = previous_period(year, month)
    previous = acknowledged_report(period_of(py, pm))
    closed_blanks = ((previous.figures or {}).get("core") or {}).get("blanks") \
        if previous is not None else None
    figures["previous_closing"] = None if closed_blanks is None else closed_blanks["closing"]
    report_progress(60, "survey")
    figures["skm"] = _skm(start, end)
    report_progress(70, "trend")
    figures["trend"] = _trend(year, month, figures["core"])
    report_progress(85, "closed months")
    figures["closed_changes"] = closed_month_changes(year, month, now)
    head = statistics.audit_head_at(end)
    figures["audit_head"] = _json(head) if head is not None else None
    return figures


# ------------------------------------------------------------------ generation


def _display_name(user: User | None) -> str:
    return user.full_name if user is not None else ""


def _signoff(report: EvaluationReport, step: str | None = None, actor: User | None = None,
             at: datetime | None = None) -> dict[str, Any]:
    """Who did each sign-off step and when (with `step` by `actor` at `at` added)."""
    rows = {}
    for name, column in (("generate", "generated"), *STEP_COLUMNS.items()):
        user = getattr(report, f"{column}_by")
        moment = getattr(report, f"{column}_at")
        if name == step:
            user, moment = actor, at
        rows[name] = {"name": _display_name(user), "at": moment.isoformat()
                      if moment is not None and (name == "generate" or user is not None)
                      else None}
    return rows


def _render(report: EvaluationReport, signoff: dict[str, Any]) -> bytes:
    from printing.evaluation import render_evaluation

    supersedes = report.supersedes
    return render_evaluation(report.figures or {}, version=report.version,
                             signoff=signoff, supersedes=None if supersedes is None else {
                                 "version": supersedes.version,
                                 "reason": report.supersede_reason or ""})


def _document_root() -> Path:
    from flask import current_app

    return Path(current_app.config["DOCUMENT_FOLDER"])


def _store(report: EvaluationReport, step: str, data: bytes, at: datetime
           ) -> dict[str, Any]:
    from printing.render import store_pdf

    rel = f"evaluations/{report.period}/v{report.version}-{step}.pdf"
    sha = store_pdf(_document_root(), rel, data)
    return {"step": step, "path": rel, "sha256": sha, "at": at.isoformat()}


def start_generation(period: str, actor: User, reason: str | None = None
                     ) -> EvaluationReport:
    """A new version of the month's report, in state `generating` (committed), which
    run_generation fills. An acknowledged month is refused unless `reason` says why it
    is superseded; an unacknowledged current version is replaced (superseded)."""
    require(actor, "evaluation_report", "generate")
    year, month = parse_period(period)
    period = period_of(year, month)
    reason = " ".join((reason or "").split()) or None
    frozen = acknowledged_report(period)
    if frozen is not None and reason is None:
        raise DomainError(_l(
            "The evaluation of %(p)s was acknowledged by the head of office: the month is "
            "closed and is not regenerated. To correct it, supersede it with a new "
            "version and write why.", p=period), field="reason")
    if reason is not None and not MIN_REASON_LENGTH <= len(reason) <= MAX_REASON_LENGTH:
        raise DomainError(_l("Write why the report is superseded (%(a)d to %(b)d "
                             "characters).", a=MIN_REASON_LENGTH, b=MAX_REASON_LENGTH),
                          field="reason")
    previous = current_report(period)
    now = utcnow()
    if previous is not None and previous.status == "generating":
        if now - previous.updated_at < STALE_AFTER:
            raise DomainError(_l("The evaluation of %(p)s is being generated; wait for it "
                                 "to finish.", p=period))
    latest = db.session.execute(sa.select(sa.func.max(EvaluationReport.version)).where(
        EvaluationReport.period == period)).scalar() or 0
    report = EvaluationReport(period=period, version=latest + 1, status="generating",
                              generated_at=now, generated_by_id=actor.id, progress=0,
                              supersedes_id=previous.id if previous is not None else
                              (frozen.id if frozen is not None else None),
                              supersede_reason=reason, updated_at=now)
    try:
        with atomic():
            if previous is not None:
                # The version the officer saw is replaced only if nobody changed it.
                compare_and_set(EvaluationReport, previous.id, previous.status,
                                status="superseded")
            db.session.add(report)
            db.session.flush()
            audit.record(actor, "generate", report,
                         changes={"period": period, "version": report.version,
                                  "supersedes": report.supersedes_id,
                                  **({"reason": reason} if reason else {})})
    except sa.exc.IntegrityError as exc:
        # Another head of division started the same month's version at this moment.
        raise JustProcessed() from exc
    return report


def _set_progress(report_id: int, pct: int, note: str) -> None:
    db.session.execute(
        sa.update(EvaluationReport)
        .where(EvaluationReport.id == report_id, EvaluationReport.status == "generating")
        .values(progress=pct, progress_note=note[:120], updated_at=utcnow()))
    db.session.commit()


def run_generation(report_id: int) -> EvaluationReport:
    """Compute the figures, print and keep the PDF: `generating` -> `generated`
    (progress written to the row as it goes); `failed` with the error otherwise."""
    report = db.session.get(EvaluationReport, report_id)
    if report is None or report.status != "generating":
        raise DomainError(_l("This evaluation is not being generated."))
    year, month = int(report.period[:4]), int(report.period[5:7])
    try:
        figures = collect(year, month, lambda pct, note: _set_progress(report_id, pct, note))
        _set_progress(report_id, 92, "pdf")
        report = db.session.get(EvaluationReport, report_id)
        assert report is not None
        report.figures = figures  # rendered from, then stored with the CAS below
        now = utcnow()
        data = _render(report, _signoff(report))
        stored = _store(report, "generated", data, now)
        with atomic():
            compare_and_set(EvaluationReport, report_id, "generating", status="generated",
                            figures=figures, pdf_path=stored["path"],
                            pdf_sha256=stored["sha256"], pdf_history=[stored], progress=100,
                            progress_note="done", error=None)
            audit.record(report.generated_by, "generated", report,
                         changes={"period": report.period, "version": report.version,
                                  "pdf_sha256": stored["sha256"]})
    except Exception as exc:
        db.session.rollback()
        db.session.execute(
            sa.update(EvaluationReport)
            .where(EvaluationReport.id == report_id, EvaluationReport.status == "generating")
            .values(status="failed", error=str(getattr(exc, "message", exc))[:255],
                    updated_at=utcnow()))
        db.session.commit()
        raise
    db.session.refresh(report)
    return report


def generate(period: str, actor: User, reason: str | None = None) -> EvaluationReport:
    """Start and finish a generation in this process (the CLI, tests)."""
    report = start_generation(period, actor, reason)
    return run_generation(report.id)


# ------------------------------------------------------------------ sign-off


def may_take(user: User, report: EvaluationReport, step: str) -> bool:
    from .permissions import allowed

    return allowed(user, "evaluation_report", step) and report.status == STEPS[step][0]


def sign_off(report: EvaluationReport, actor: User, step: str) -> EvaluationReport:
    """One sign-off step (submit, review, acknowledge) as a compare-and-set from the
    state before it; the report is printed again with the step on it and that PDF's
    sha256 kept beside the earlier ones."""
    if step not in STEPS:
        raise DomainError(_l("Unknown step."))
    require(actor, "evaluation_report", step)
    expected, target = STEPS[step]
    if report.status != expected:
        raise DomainError(_l("The evaluation %(r)s is %(s)s: this step is not possible "
                             "now.", r=str(report), s=report.status_label))
    now = utcnow()
    data = _render(report, _signoff(report, step, actor, now))
    column = STEP_COLUMNS[step]
    history = list(report.pdf_history or [])
    with atomic():
        signed: dict[str, Any] = {f"{column}_by_id": actor.id, f"{column}_at": now}
        compare_and_set(EvaluationReport, report.id, expected, status=target, **signed)
        # Written only by the winner of the compare-and-set above.
        stored = _store(report, target, data, now)
        compare_and_set(EvaluationReport, report.id, target, pdf_path=stored["path"],
                        pdf_sha256=stored["sha256"], pdf_history=[*history, stored])
        audit.record(actor, step, report,
                     changes={"status": [expected, target], "pdf_sha256": stored["sha256"]})
    db.session.refresh(report)
    return report


def submit(report: EvaluationReport, actor: User) -> EvaluationReport:
    return sign_off(report, actor, "submit")


def review(report: EvaluationReport, actor: User) -> EvaluationReport:
    return sign_off(report, actor, "review")


def acknowledge(report: EvaluationReport, actor: User) -> EvaluationReport:
    return sign_off(report, actor, "acknowledge")


# ------------------------------------------------------------------ the stored PDF


def stored_pdf(report: EvaluationReport, path: str | None = None) -> bytes:
    """The report's PDF (the current one, or one of its history), checked against the
    sha256 kept for it: a file changed on disk is refused, never served."""
    from .uploads import open_stored

    entry = None
    if path is None:
        path, sha = report.pdf_path, report.pdf_sha256
    else:
        entry = next((h for h in report.pdf_history or [] if h.get("path") == path), None)
        sha = entry["sha256"] if entry else None
    if not path or not sha:
        raise DomainError(_l("This evaluation has no PDF yet."))
    target = open_stored(_document_root(), path)
    if not target.is_file():
        raise DomainError(_l("The stored PDF of this evaluation is missing."))
    data = target.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        raise DomainError(_l("The stored PDF does not match its recorded fingerprint "
                             "(sha256): it is not served."))
    return data


def office_month_label(period: str) -> str:
    """"2026-11" -> "November 2026" in the office's language."""
    from babel.dates import format_date

    return format_date(date(int(period[:4]), int(period[5:7]), 1), "MMMM yyyy",
                       locale="id")


def recent_periods(count: int = 13) -> list[str]:
    """This month and the ones before it, newest first (the screen's list)."""
    today = to_office(utcnow()).date()
    y, m = today.year, today.month
    out = []
    for _ in range(count):
        out.append(period_of(y, m))
        y, m = previous_period(y, m)
    return out


__all__ = [
    "STATUSES", "STEPS", "EvaluationReport", "acknowledge", "acknowledged_report",
    "closed_month_changes", "collect", "current_report", "generate", "is_frozen",
    "may_take", "office_month_label", "parse_period", "recent_periods", "review",
    "run_generation", "sign_off", "start_generation", "stored_pdf", "submit", "versions",
]
