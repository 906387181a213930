"""The application workflow screens: intake, the application's steps, the work queue.

Views stay thin: they read the request, call the domain operation in
`models.workflow`, show its DomainError message, and redirect. Every step asks the
permission matrix first and answers 403 (audited) through `forbidden()`.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_admin import BaseView, expose
from flask_babel import format_datetime, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import contains_eager
from werkzeug.routing import BuildError

from models import (
    Applicant,
    Application,
    DomainError,
    PermissionDenied,
    applications,
    db,
    intake,
    service_clock,
    utcnow,
    wilayah,
)
from models import eligibility as eligibility_rules
from models.applications import APPLICATION_STATUSES, OPEN_STATUSES
from models.office_time import office_today
from models.permissions import allowed
from models.uploads import open_stored, store_document, store_image

from .base import (
    SecuredMixin,
    actor,
    error_message,
    forbidden,
    form_checked,
    pdf_response,
    requires,
)
from .search import prefix_range

CLOSED_STATUSES = tuple(s for s in APPLICATION_STATUSES if s not in OPEN_STATUSES)
# The steps of the application page, in the order they are shown.
STEPS = ("record", "siak_result", "reject", "cancel")
# Stored files an application carries: kind -> (path column, download name suffix).
FILE_KINDS = {
    "kk_copy": "kk_copy_path",
    "photo": "photo_path",
    "signature": "signature_path",
}
MIMETYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
QUEUE_LIMIT = 200


# ------------------------------------------------------------------ display helpers


def wita(value: datetime | None) -> str:
    """A stored (naive UTC) moment as DD-MM-YYYY HH:mm in the office's zone."""
    if value is None:
        return ""
    return f"{format_datetime(value, 'dd-MM-yyyy HH:mm')} WITA"


def duration_text(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return _("%(d)d d %(h)d h %(m)d min", d=days, h=hours, m=minutes)
    if hours:
        return _("%(h)d h %(m)d min", h=hours, m=minutes)
    return _("%(m)d min", m=minutes)


@dataclass(frozen=True)
class ClockView:
    """The service clock as the screens show it."""

    deadline: str
    text: str
    overdue: bool
    reason: str | None
    running: bool


def clock_view(application: Application, now: datetime | None = None) -> ClockView:
    c = service_clock.clock(application, now)
    deadline = wita(c.deadline)
    if c.deadline is None:
        return ClockView("", _("The clock has not started."), False, None, False)
    if c.remaining is None:  # rejected or cancelled before the limit
        return ClockView(deadline, _("Closed: no service promise pending."), False, None,
                         False)
    if c.stopped:
        text = (_("Finished late, %(t)s over the limit.", t=duration_text(c.remaining))
                if c.breached else
                _("Finished on time, %(t)s before the limit.", t=duration_text(c.remaining)))
        return ClockView(deadline, text, c.breached, c.breach_reason, False)
    if c.breached:
        return ClockView(deadline, _("Overdue by %(t)s", t=duration_text(c.remaining)),
                         True, c.breach_reason, True)
    return ClockView(deadline, _("%(t)s left", t=duration_text(c.remaining)), False, None,
                     True)


def state_allows(application: Application, step: str) -> bool:
    return application.status in applications.TRANSITIONS[step][0]


def available_steps(user: t.Any, application: Application) -> list[str]:
    """The steps the user may take on this application now (matrix AND state)."""
    return [s for s in STEPS
            if allowed(user, "application", s) and state_allows(application, s)]


def digits(value: str | None, limit: int = 32) -> str:
    """The digits typed (spaces and dots dropped); never cut to 16, so a NIK typed with
    a digit too many is refused instead of matching someone else."""
    return "".join(ch for ch in (value or "") if ch.isdigit())[:limit]


def _upload(name: str) -> bytes | None:
    """The bytes of an uploaded file, or None when the field was left empty."""
    storage = request.files.get(name)
    if storage is None:
        return None
    data = storage.read()
    if not data and not storage.filename:
        return None
    return data  # b"" for a chosen but empty file: the upload check says so


def _local_midnight_utc(day: date) -> datetime:
    """00:00 WITA of `day` as the naive UTC the database stores."""
    zone = ZoneInfo(str(get_timezone()))
    local = datetime.combine(day, time.min, tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


# ------------------------------------------------------------------ intake


class IntakeView(SecuredMixin, BaseView):
    """The counter: find the resident by NIK, tick F-1.02, attach the KK copy."""

    entity = "application"
    # An intake screen is for whoever may open applications (the recording operator).
    access_action = "create"

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and self.allowed(self.access_action)

    def _lookup(self, nik: str) -> dict[str, t.Any]:
        context: dict[str, t.Any] = {
            "nik": nik, "searched": bool(nik), "nik_error": None, "applicant": None,
            "create_url": None, "age": None, "eligibility": None, "open_applications": [],
            "village": None, "f102_checked": False,
        }
        if not nik:
            return context
        if len(nik) != 16:
            context["nik_error"] = _("Enter the 16 digits of the NIK.")
            return context
        applicant = db.session.execute(
            sa.select(Applicant).where(Applicant.nik == nik)).scalar_one_or_none()
        context["applicant"] = applicant
        if applicant is None:
            if allowed(current_user, "applicant", "create"):
                back = url_for(".index", nik=nik)
                context["create_url"] = url_for("applicant.create_view", nik=nik, url=back)
            return context
        today = office_today()
        context.update(
            age=eligibility_rules.age_on(applicant.birth_date, today),
            eligibility=eligibility_rules.eligibility(applicant, on=today),
            open_applications=applications.open_applications_of(applicant),
            village=applicant.village,
        )
        return context

    @expose("/", methods=("GET", "POST"))
    @requires("application", "create")
    def index(self) -> t.Any:
        if request.method == "GET":
            nik = digits(request.args.get("nik"))
            return self.render("admin/workflow/intake.html", **self._lookup(nik))
        nik = digits(request.form.get("nik"))
        context = self._lookup(nik)
        applicant = context["applicant"]
        if applicant is None:
            flash(_("No resident with NIK %(nik)s is registered.", nik=nik), "danger")
            return self.render("admin/workflow/intake.html", **context)
        f102 = form_checked("f102_complete")
        try:
            kk_copy = None
            data = _upload("kk_copy")
            # Unticked F-1.02: nothing is stored, the domain says what is missing.
            if f102 and data is not None:
                kk_copy = store_document(current_app.config["UPLOAD_FOLDER"], data)
            application = intake.open_application(applicant, actor(), f102_complete=f102,
                                              kk_copy=kk_copy)
        except (DomainError, PermissionDenied) as exc:
            db.session.rollback()
            flash(error_message(exc), "danger")
            context["f102_checked"] = f102
            return self.render("admin/workflow/intake.html", **context)
        receipt = url_for("application.receipt_view", id=application.id)
        flash(Markup(
            '{} <a class="btn btn-sm btn-light ml-2" href="{}" target="_blank" '
            'rel="noopener" data-testid="print-receipt">{}</a>').format(
                _("Application %(n)s submitted; the service clock has started.",
                  n=application.number),
                receipt, _("Print receipt")), "success")
        return redirect(url_for("application.details_view", id=application.id))


# ------------------------------------------------------------------ application page


class ApplicationStepsMixin:
    """Routes of the application page: steps, stored files, the receipt.

    Mixed into ApplicationView (admin/people.py).
    """

    entity = "application"
    details_template = "admin/workflow/application_details.html"

    # Flask-Admin's generic "create" would skip the intake checks: send people there.
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> t.Any:
        nik = digits(request.values.get("nik"))
        return redirect(url_for("intake.index", nik=nik or None))

    def render(self, template: str, **kwargs: t.Any) -> t.Any:
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs.update(self.panel_context(kwargs["model"]))
        return super().render(template, **kwargs)  # type: ignore[misc]

    def panel_context(self, application: Application) -> dict[str, t.Any]:
        user = current_user
        files = {kind: url_for(".file_view", kind=kind, id=application.id)
                 for kind, column in FILE_KINDS.items() if getattr(application, column)}
        return {
            "status_label": applications.status_label(application.status),
            "eligibility": eligibility_rules.eligibility(application.applicant,
                                          standard=application.standard),
            "clock": clock_view(application),
            "steps": available_steps(user, application),
            "files": files,
            "receipt_url": url_for(".receipt_view", id=application.id)
            if application.submitted_at else None,
            "min_reason": applications.MIN_REASON_LENGTH,
        }

    # ---- helpers
    def _application_or_404(self) -> Application:
        application = self.get_one(request.args.get("id", ""))  # type: ignore[attr-defined]
        if application is None:
            abort(404)
        return application

    def _guard(self, step: str) -> Application:
        if not allowed(current_user, "application", step):
            forbidden("application", step)
        return self._application_or_404()

    def _back(self, application: Application) -> Response:
        return redirect(url_for(".details_view", id=application.id))

    def _run(self, application: Application, operation: t.Callable[[], None],
             done: str) -> Response:
        try:
            operation()
        except (DomainError, PermissionDenied) as exc:
            db.session.rollback()
            flash(error_message(exc), "danger")
        else:
            flash(done, "success")
        return self._back(application)

    # ---- steps
    @expose("/record/", methods=("POST",))
    @requires("application", "record")
    def record_view(self) -> Response:
        application = self._guard("record")
        root = current_app.config["UPLOAD_FOLDER"]

        def operation() -> None:
            photo = signature = None
            if state_allows(application, "record"):  # else the domain refuses the state
                photo_data, signature_data = _upload("photo"), _upload("signature")
                if photo_data is not None:
                    photo = store_image(root, photo_data, "photo")
                if signature_data is not None:
                    signature = store_image(root, signature_data, "signature")
            applications.record(application, actor(), photo=photo, signature=signature,
                      fingerprints_captured=form_checked("fingerprints_captured"),
                      iris_captured=form_checked("iris_captured"))

        return self._run(application, operation,
                         _("Recording of %(n)s saved.", n=application.number))

    @expose("/siak/", methods=("POST",))
    @requires("application", "siak_result")
    def siak_view(self) -> Response:
        application = self._guard("siak_result")
        result = request.form.get("result", "")
        return self._run(
            application,
            lambda: applications.enter_siak_result(application, actor(), result,
                                         request.form.get("note")),
            _("SIAK result of %(n)s saved.", n=application.number))

    @expose("/reject/", methods=("POST",))
    @requires("application", "reject")
    def reject_view(self) -> Response:
        application = self._guard("reject")
        return self._run(application,
                         lambda: applications.reject(application, actor(),
                                                  request.form.get("reason")),
                         _("Application %(n)s rejected.", n=application.number))

    @expose("/cancel/", methods=("POST",))
    @requires("application", "cancel")
    def cancel_view(self) -> Response:
        application = self._guard("cancel")
        return self._run(application,
                         lambda: applications.cancel(application, actor(),
                                                  request.form.get("reason")),
                         _("Application %(n)s cancelled.", n=application.number))

    # ---- stored files and the receipt
    @expose("/file/<kind>/")
    @requires("application", "view")
    def file_view(self, kind: str) -> Response:
        application = self._guard("view")
        column = FILE_KINDS.get(kind)
        rel = getattr(application, column) if column else None
        if not rel:
            abort(404)
        try:
            path = open_stored(current_app.config["UPLOAD_FOLDER"], rel)
        except DomainError:
            abort(404)
        if not path.is_file():
            abort(404)
        extension = path.suffix.lstrip(".").lower()
        mimetype = MIMETYPES.get(extension)
        if mimetype is None:
            abort(404)
        response = send_file(path, mimetype=mimetype, as_attachment=False,
                             download_name=f"{application.number}-{kind}.{extension}",
                             max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/receipt/")
    @requires("application", "view")
    def receipt_view(self) -> Response:
        application = self._guard("view")
        if application.submitted_at is None:
            abort(404)
        from printing.receipt import render_receipt

        pdf = render_receipt(application, status_url=public_status_url())
        return pdf_response(pdf, f"tanda-terima-{application.number}.pdf")


def public_status_url() -> str:
    """Where residents check their application (the public status page).

    PUBLIC_BASE_URL (e.g. https://dukcapil.sumbatimurkab.go.id) wins: behind a proxy the
    request's own host is not what a resident can type.
    """
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return f"{configured.rstrip('/')}/status"
    try:
        return url_for("public.status", _external=True)
    except BuildError:
        return f"{request.url_root.rstrip('/')}/status"


# ------------------------------------------------------------------ work queue


@dataclass(frozen=True)
class QueueFilters:
    state: str  # "" = the open states, "all", or one status
    kecamatan: str  # dotted district code or ""
    date_from: date | None
    date_to: date | None
    errors: tuple[str, ...]

    def args(self, **override: t.Any) -> dict[str, str]:
        values = {
            "state": self.state,
            "kecamatan": self.kecamatan,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        values.update(override)
        return {k: v for k, v in values.items() if v}


def parse_date(value: str | None, label: str, errors: list[str]) -> date | None:
    """A date typed as YYYY-MM-DD (date inputs) or DD-MM-YYYY; else an error message."""
    value = (value or "").strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    errors.append(_("%(field)s: not a date (DD-MM-YYYY).", field=label))
    return None


def queue_filters(args: t.Mapping[str, str]) -> QueueFilters:
    errors: list[str] = []
    state = args.get("state", "")
    if state not in ("", "all", *APPLICATION_STATUSES):
        state = ""
    kecamatan = args.get("kecamatan", "")
    if kecamatan not in {d.code for d in wilayah.districts_of_sumba_timur()}:
        kecamatan = ""
    date_from = parse_date(args.get("from"), _("From"), errors)
    date_to = parse_date(args.get("to"), _("To"), errors)
    return QueueFilters(state, kecamatan, date_from, date_to, tuple(errors))


def _common_conditions(filters: QueueFilters) -> list[t.Any]:
    conditions: list[t.Any] = []
    if filters.kecamatan:
        conditions.append(prefix_range(Applicant.village_code, filters.kecamatan + "."))
    if filters.date_from:
        conditions.append(Application.submitted_at >= _local_midnight_utc(filters.date_from))
    if filters.date_to:
        conditions.append(Application.submitted_at <
                          _local_midnight_utc(filters.date_to + timedelta(days=1)))
    return conditions


def _state_condition(state: str) -> t.Any:
    if state == "all":
        return sa.true()
    if state:
        return Application.status == state
    return Application.status.in_(OPEN_STATUSES)


class QueueView(SecuredMixin, BaseView):
    """Open applications, oldest first, with their service clock."""

    entity = "application"

    @expose("/")
    def index(self) -> t.Any:
        filters = queue_filters(request.args)
        common = _common_conditions(filters)
        counts = dict(db.session.execute(
            sa.select(Application.status, sa.func.count(Application.id))
            .join(Applicant, Application.applicant_id == Applicant.id)
            .where(*common).group_by(Application.status)).all())
        rows = list(db.session.execute(
            sa.select(Application)
            .join(Application.applicant)
            .options(contains_eager(Application.applicant))
            .where(_state_condition(filters.state), *common)
            .order_by(Application.submitted_at.asc(), Application.id.asc())
            .limit(QUEUE_LIMIT + 1)).scalars())
        more = len(rows) > QUEUE_LIMIT
        rows = rows[:QUEUE_LIMIT]
        now = utcnow()
        for message in filters.errors:
            flash(message, "warning")
        return self.render(
            "admin/workflow/queue.html",
            filters=filters,
            rows=[(a, clock_view(a, now), _district_name(a.applicant.village_code))
                  for a in rows],
            more=more,
            limit=QUEUE_LIMIT,
            counts=[(s, applications.status_label(s), counts.get(s, 0))
                    for s in APPLICATION_STATUSES],
            open_total=sum(counts.get(s, 0) for s in OPEN_STATUSES),
            closed_statuses=CLOSED_STATUSES,
            status_labels={s: applications.status_label(s) for s in APPLICATION_STATUSES},
            districts=wilayah.districts_of_sumba_timur(),
            state_choices=[("", _("Open (not closed)"))]
            + [(s, applications.status_label(s)) for s in APPLICATION_STATUSES]
            + [("all", _("All states"))],
            refreshed=format_datetime(now, "HH:mm:ss"),
            may_view=allowed(current_user, "application", "view"),
            refresh_seconds=30,
        )


def _district_name(village_code: str | None) -> str:
    village = wilayah.village(village_code) if village_code else None
    return village.district_name if village else ""

