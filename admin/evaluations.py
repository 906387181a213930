"""The monthly evaluation screen (/admin/evaluations/): the last months with their
report, "Buat evaluasi" for the head of division, the sign-off steps (submit, review,
acknowledge) and the stored PDFs, checked against their sha256 when downloaded.

Generation runs in a background thread that writes its progress to the report's row;
the report's page refreshes itself (a meta refresh, no script) until it is done, and
/status/ answers the same as JSON. The rules are models.evaluations'.
"""

from __future__ import annotations

import threading
import typing as t
from datetime import datetime

from flask import Flask, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from forms.i18n import TranslatedMeta
from models import DomainError, db, statistics
from models import evaluations as ev
from models.office_time import format_datetime
from models.validation import parse_id

from .base import MAX_PAGE, SecuredMixin, actor, bounded_int, pdf_response, requires

BREACHES_PAGE = 100
STEP_LABELS = {"submit": _l("Submit to the secretary"), "review": _l("Mark as reviewed"),
               "acknowledge": _l("Acknowledge (close the month)")}


class GenerateForm(FlaskForm):
    Meta = TranslatedMeta

    month = StringField(_l("Month (YYYY-MM)"), validators=[
        InputRequired(message=_l("Write the month as YYYY-MM (e.g. 2026-11).")),
        Length(max=7, message=_l("Write the month as YYYY-MM (e.g. 2026-11)."))])
    reason = TextAreaField(_l("Why this version supersedes the acknowledged one"),
                           validators=[Optional(), Length(max=ev.MAX_REASON_LENGTH)],
                           description=_l("Only for a month already acknowledged."))


class StepForm(FlaskForm):
    """A sign-off step: the CSRF token alone."""

    Meta = TranslatedMeta


def _work(app: Flask, report_id: int) -> None:
    with app.app_context():
        try:
            ev.run_generation(report_id)
        except Exception:  # written to the report's row (failed, with the error)
            app.logger.exception("evaluation %s failed", report_id)
        finally:
            db.session.remove()


def start_in_background(report_id: int) -> None:
    """Run the generation in a thread (or at once when EVALUATION_IN_BACKGROUND is
    false, as under tests): the request returns and the page shows the progress."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("EVALUATION_IN_BACKGROUND", not app.testing):
        try:
            ev.run_generation(report_id)
        except DomainError as exc:
            flash(str(exc.message), "danger")
        except Exception:  # the row says failed, with the error; the page shows it
            app.logger.exception("evaluation %s failed", report_id)
        return
    threading.Thread(target=_work, args=(app, report_id), daemon=True,
                     name=f"evaluation-{report_id}").start()


class EvaluationView(SecuredMixin, BaseView):
    entity = "evaluation_report"

    def _report(self) -> ev.EvaluationReport:
        """The report named by ?id= (digits only; ?report_id= as the landing page's
        links name it), or 404."""
        report_id = parse_id(request.args.get("id") or request.args.get("report_id"))
        report = db.session.get(ev.EvaluationReport, report_id) if report_id else None
        if report is None:
            abort(404)
        return report

    @expose("/")
    @requires("evaluation_report", "list")
    def index(self) -> t.Any:
        periods = ev.recent_periods()
        rows = []
        latest = None
        for period in periods:
            current = ev.current_report(period)
            rows.append({"period": period, "label": ev.office_month_label(period),
                         "report": current, "frozen": ev.is_frozen(period)})
            if latest is None and current is not None and current.figures:
                latest = current
        chart = None
        if latest is not None:
            from printing.evaluation import evaluation_context

            chart = evaluation_context(latest.figures or {}, version=latest.version,
                                       signoff=ev._signoff(latest))["charts"]
        return self.render("admin/evaluations/index.html", rows=rows, form=GenerateForm(),
                           latest=latest, chart=chart,
                           may_generate=self.allowed("generate"))

    @expose("/generate/", methods=("POST",))
    @requires("evaluation_report", "generate")
    def generate(self) -> t.Any:
        form = GenerateForm()
        if not form.validate():
            for field in form:
                for message in field.errors:
                    flash(f"{field.label.text}: {message}", "danger")
            return redirect(url_for(".index"))
        try:
            report = ev.start_generation(form.month.data or "", actor(), form.reason.data)
        except DomainError as exc:
            flash(str(exc.message), "danger")
            return redirect(url_for(".index"))
        start_in_background(report.id)
        return redirect(url_for(".details", id=report.id))

    @expose("/report/")
    @requires("evaluation_report", "view")
    def details(self) -> t.Any:
        report = self._report()
        steps = [(step, STEP_LABELS[step]) for step in ev.STEPS
                 if ev.may_take(actor(), report, step)]
        return self.render("admin/evaluations/details.html", report=report,
                           steps=steps, form=StepForm(), versions=ev.versions(report.period),
                           label=ev.office_month_label(report.period), when=format_datetime,
                           history=[(h, format_datetime(datetime.fromisoformat(h["at"]),
                                                        zone_label=True))
                                    for h in report.pdf_history or []],
                           frozen=ev.is_frozen(report.period))

    @expose("/breaches/")
    @requires("evaluation_report", "view")
    def breaches(self) -> t.Any:
        """Every breach of the report's month with its reason, a page at a time (the
        PDF prints the first ones and the count by reason)."""
        report = self._report()
        page = bounded_int(request.args.get("page"), 1, MAX_PAGE) or 1
        start, end = ev.period_range(report.period)
        rows = statistics.breaches(start, end, BREACHES_PAGE + 1,
                                   (page - 1) * BREACHES_PAGE)
        return self.render("admin/evaluations/breaches.html", report=report,
                           rows=rows[:BREACHES_PAGE], page=page,
                           more=len(rows) > BREACHES_PAGE, first=(page - 1) * BREACHES_PAGE,
                           label=ev.office_month_label(report.period), when=format_datetime)

    @expose("/status/")
    @requires("evaluation_report", "view")
    def status(self) -> t.Any:
        report = self._report()
        return jsonify({"status": report.status, "label": report.status_label,
                        "progress": report.progress, "error": report.error})

    @expose("/pdf/")
    @requires("evaluation_report", "view")
    def pdf(self) -> t.Any:
        report = self._report()
        path = request.args.get("file") or None
        try:
            data = ev.stored_pdf(report, path)
        except DomainError as exc:
            flash(str(exc.message), "danger")
            return redirect(url_for(".details", id=report.id))
        step = (path or report.pdf_path or "").rsplit("-", 1)[-1].removesuffix(".pdf")
        return pdf_response(data, f"evaluasi-{report.period}-v{report.version}-{step}.pdf")

    def _step(self, step: str) -> t.Any:
        report = self._report()
        if StepForm().validate_on_submit():
            try:
                ev.sign_off(report, actor(), step)
                flash(_("Done: %(s)s.", s=report.status_label), "success")
            except DomainError as exc:
                flash(str(exc.message), "danger")
        else:
            flash(_("The form has expired; try again."), "danger")
        return redirect(url_for(".details", id=report.id))

    @expose("/submit/", methods=("POST",))
    @requires("evaluation_report", "submit")
    def submit(self) -> t.Any:
        return self._step("submit")

    @expose("/review/", methods=("POST",))
    @requires("evaluation_report", "review")
    def review(self) -> t.Any:
        return self._step("review")

    @expose("/acknowledge/", methods=("POST",))
    @requires("evaluation_report", "acknowledge")
    def acknowledge(self) -> t.Any:
        return self._step("acknowledge")
