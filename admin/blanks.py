"""Blank stock screens: blank receipts, the blanks (write-off, destruction with its
berita acara), the stock at a glance and the reconciliation.

Also the two things every printing screen shares (admin/batches.py, admin/cards.py,
admin/printers.py import them from here): the low-stock warning (`PrintingScreen`)
and the stored documents (PDFs kept under DOCUMENT_FOLDER).
"""

from __future__ import annotations

import calendar
import typing as t
from datetime import date, datetime
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms.fields import DateField
from wtforms.validators import DataRequired, NumberRange

from forms import show_refusal
from forms.blanks import DestructionForm, PeriodForm, WriteOffForm
from forms.validators import NotInFuture
from models import Blank, DomainError, audit, db
from models.applications import MIN_REASON_LENGTH
from models.blanks import (
    BLANK_STATUS_LABELS,
    BLANK_STATUSES,
    WRITE_OFF_KINDS,
    DestructionReport,
    attach_report_pdf,
    destroy_with_report,
    receive_blanks,
    reconcile,
    report_blanks,
    report_file_intact,
    stock_alert,
    stock_counts,
    write_off,
)
from models.office_time import format_date, format_datetime, office_date, office_today
from models.permissions import allowed
from models.uploads import open_stored

from .base import SecuredMixin, SecuredModelView, actor, pdf_response, requires
from .formatters import mapping_label
from .search import IndexedSearchMixin, prefix_range

__all__ = ["BlankReceiptView", "BlankView", "DestructionReportView", "PrintingPage",
           "PrintingScreen", "ReconciliationView", "StockView"]


# ------------------------------------------------------------------ shared by printing


def wita(value: datetime | None) -> str:
    """A stored moment as DD-MM-YYYY HH:MM WITA."""
    return format_datetime(value, zone_label=True)


class PrintingScreen:
    """A printing screen: the low-stock warning under the flashed messages."""

    list_template = "admin/printing/list.html"
    details_template = "admin/printing/details.html"
    create_template = "admin/printing/create.html"
    edit_template = "admin/printing/edit.html"

    def render(self, template: str, **kwargs: t.Any) -> t.Any:
        kwargs.setdefault("printing_stock", stock_alert())
        kwargs.setdefault("wita", wita)
        return super().render(template, **kwargs)  # type: ignore[misc]


class PrintingPage(PrintingScreen, SecuredMixin, BaseView):
    """A custom printing page bound to one entity; `access_action` opens it."""

    access_action = "list"

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and self.allowed(self.access_action)


class PrintingModelView(PrintingScreen, SecuredModelView):
    """A printing resource screen."""


def store_document_pdf(rel: str, data: bytes) -> str:
    """Keep a PDF under DOCUMENT_FOLDER; return its sha256."""
    from printing.render import store_pdf

    return store_pdf(current_app.config["DOCUMENT_FOLDER"], rel, data)


def stored_pdf_response(rel: str, filename: str) -> Response:
    """A PDF kept under DOCUMENT_FOLDER, or 404 (never a path outside it)."""
    try:
        path = open_stored(Path(current_app.config["DOCUMENT_FOLDER"]), rel)
    except DomainError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="application/pdf", as_attachment=True,
                         download_name=filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------ receipts


class BlankReceiptView(PrintingModelView):
    entity = "blank_receipt"
    column_list = ("received_at", "reference", "serial_first", "serial_last", "quantity",
                   "received_by")
    column_details_list = column_list + ("notes", "created_at")
    column_export_list = ("received_at", "reference", "serial_first", "serial_last",
                          "quantity")
    column_labels = {
        "received_at": _l("Date received"), "reference": _l("Reference (letter/report no.)"),
        "serial_first": _l("First serial"), "serial_last": _l("Last serial"),
        "quantity": _l("Quantity"), "received_by": _l("Received by"), "notes": _l("Notes"),
        "created_at": _l("Recorded at"),
    }
    column_filters = ("received_at",)
    form_columns = ("received_at", "reference", "serial_first", "serial_last", "quantity",
                    "notes")
    form_extra_fields = {
        "received_at": DateField(_l("Date received"), validators=[DataRequired(),
                                                                   NotInFuture()]),
    }
    form_args = {"quantity": {"validators": [DataRequired(), NumberRange(min=1, max=100_000)]}}
    form_widget_args = {
        "serial_first": {"inputmode": "numeric", "autocomplete": "off"},
        "serial_last": {"inputmode": "numeric", "autocomplete": "off"},
    }

    def create_record(self, model: t.Any) -> list[str]:
        receive_blanks(model, actor())
        return []


# ------------------------------------------------------------------ blanks


class BlankView(IndexedSearchMixin, PrintingModelView):
    """Every blank by serial; destruction of spoiled blanks (berita acara) as a list
    action, and the write-off of lost or returned blanks."""

    entity = "blank"
    list_template = "admin/printing/blank_list.html"
    column_list = ("serial", "status", "receipt", "status_reason", "updated_at")
    column_details_list = column_list
    column_export_list = ("serial", "status", "status_reason", "updated_at")
    column_labels = {"serial": _l("Serial"), "status": _l("Status"), "receipt": _l("Receipt"),
                     "status_reason": _l("Reason"), "updated_at": _l("Last change")}
    column_filters = ("status",)
    column_choices = {"status": [(s, BLANK_STATUS_LABELS[s]) for s in BLANK_STATUSES]}
    column_formatters = {"status": mapping_label(BLANK_STATUS_LABELS)}
    column_searchable_list = ("serial",)
    column_default_sort = ("serial", False)

    def search_rules(self, term: str) -> t.Any:
        return prefix_range(Blank.serial, term) if term.isascii() and term.isdigit() else None

    @action("blank.destroy", _l("Destroy (berita acara)"),
            _l("Destroy the selected spoiled blanks? This cannot be undone."))
    def action_destroy(self, ids: list[str]) -> None:
        self._destroy(self.scoped_records(ids), _("Destruction of spoiled blanks"))

    def _destroy(self, blanks: list[Blank], note: str) -> None:
        """Destroy (the domain checks they are spoiled and numbers the berita acara),
        then make and keep its PDF."""
        user = actor()
        report = destroy_with_report(blanks, user, note)
        flash(_("%(n)d spoiled blank(s) destroyed: berita acara %(number)s.",
                n=report.count, number=report.number), "success")
        try:
            store_destruction_report(report)
        except Exception:  # the blanks are destroyed; the report can be made again
            db.session.rollback()
            current_app.logger.exception("destruction report %s failed", report.number)
            flash(_("The destruction report could not be made: open it from the list of "
                    "destruction reports to make it again."), "danger")
            return
        flash(Markup('<a class="alert-link" href="{}" data-testid="destruction-report">{}'
                     '</a>').format(url_for("destructionreport.pdf_view", id=report.id),
                                    _("Download the destruction report (berita acara)")),
              "success")

    @expose("/destroy/", methods=("GET", "POST"))
    @requires("blank", "destroy")
    def destroy_view(self) -> t.Any:
        """Spoiled blanks destroyed by serial, with the note the berita acara carries."""
        form = DestructionForm()
        if form.validate_on_submit():
            try:
                self._destroy(form.blanks, form.note.data or "")
            except DomainError as exc:  # e.g. a blank that is not spoiled
                db.session.rollback()
                show_refusal(form, exc, default="serials")
            else:
                return redirect(url_for(".index_view", flt0_status_equals="destroyed"))
        return self.render("admin/printing/destroy.html", form=form)

    @expose("/write-off/", methods=("GET", "POST"))
    @requires("blank", "destroy")
    def write_off_view(self) -> t.Any:
        form = WriteOffForm()
        if form.validate_on_submit():
            try:
                n = write_off(form.blanks, actor(), form.kind.data, form.reason.data or "")
            except DomainError as exc:
                db.session.rollback()
                if not show_refusal(form, exc):
                    flash(str(exc.message), "danger")
            else:
                flash(_("%(n)d blank(s) written off as %(k)s.", n=n,
                        k=WRITE_OFF_KINDS[form.kind.data]), "success")
                return redirect(url_for(".index_view"))
        form.reason.label.text = _("Reason (at least %(n)d characters)", n=MIN_REASON_LENGTH)
        return self.render("admin/printing/write_off.html", form=form)


# ------------------------------------------------------------------ destruction reports


def destruction_pdf_rel(report: DestructionReport) -> str:
    return f"destruction/{report.number}.pdf"


def store_destruction_report(report: DestructionReport) -> None:
    """Render the berita acara from what the report recorded (its blanks, note, day
    and officer), keep it under DOCUMENT_FOLDER and record its sha256."""
    from printing.documents import render_destruction_report

    by = report.by.full_name if report.by else ""
    pdf = render_destruction_report(report_blanks(report), by, report.reason or "",
                                    office_date(report.at), number=report.number)
    rel = destruction_pdf_rel(report)
    attach_report_pdf(report, actor(), rel, store_document_pdf(rel, pdf))


def _report_link(view: t.Any, context: t.Any, model: DestructionReport, name: str) -> Markup:
    return Markup('<a href="{}" data-testid="report-pdf-{}">{}</a>').format(
        url_for("destructionreport.pdf_view", id=model.id), model.id, _("PDF"))


class DestructionReportView(PrintingModelView):
    """The berita acara of destroyed blanks, newest first, each re-downloadable; the
    stored file is checked against its sha256 on every download."""

    entity = "destruction_report"  # read only: the matrix grants list and view
    column_list = ("number", "at", "by", "count", "reason", "pdf")
    column_details_list = ("number", "at", "by", "count", "serials", "reason", "pdf_sha256",
                           "pdf")
    column_export_list = ("number", "at", "count", "reason", "pdf_sha256")
    column_labels = {
        "number": _l("Number"), "at": _l("Destroyed at"), "by": _l("Destroyed by"),
        "count": _l("Blanks"), "serials": _l("Serials"), "reason": _l("Note"),
        "pdf_sha256": _l("PDF SHA-256"), "pdf": _l("Berita acara"),
    }
    column_filters = ("at",)
    column_searchable_list = ("number",)
    column_default_sort = ("id", True)
    column_formatters = {
        "pdf": _report_link,
        "serials": lambda v, c, m, n: ", ".join(m.serials or []),
    }

    @expose("/pdf/")
    @requires("destruction_report", "view")
    def pdf_view(self) -> Response:
        from models.validation import parse_id

        key = parse_id(request.args.get("id"))
        report = db.session.get(DestructionReport, key) if key is not None else None
        if report is None:
            abort(404)
        user = actor()
        if not report.pdf_path:  # making it failed at destruction: make it now
            if not allowed(user, "blank", "destroy"):
                flash(_("The PDF of berita acara %(n)s has not been made yet: the head of "
                        "division can make it from this list.", n=report.number), "warning")
                return redirect(url_for(".index_view"))
            store_destruction_report(report)
        try:
            path = open_stored(Path(current_app.config["DOCUMENT_FOLDER"]),
                               report.pdf_path or "")
            data = path.read_bytes()
        except (DomainError, OSError):
            data = None
        if data is None or not report_file_intact(report, data):
            audit.record_now(user, "pdf_mismatch", obj=report,
                             changes={"sha256": report.pdf_sha256,
                                      "missing": data is None})
            flash(_("The stored file of berita acara %(n)s no longer matches the checksum "
                    "recorded when it was made (SHA-256 %(h)s): it has been changed or "
                    "removed, so it is not served. Report this to the head of division.",
                    n=report.number, h=report.pdf_sha256 or "-"), "danger")
            return redirect(url_for(".index_view"))
        audit.record_now(user, "download_pdf", obj=report,
                         changes={"sha256": report.pdf_sha256})
        return stored_pdf_response(report.pdf_path or "",
                                   f"berita-acara-{report.number}.pdf")


# ------------------------------------------------------------------ stock, reconciliation


class StockView(PrintingPage):
    """Blank stock at a glance: one count per status, and the low-stock warning."""

    entity = "blank"

    @expose("/")
    @requires("blank", "list")
    def index(self) -> t.Any:
        user = current_user
        return self.render(
            "admin/printing/stock.html", stock=stock_counts(),
            may_receive=allowed(user, "blank_receipt", "create"),
            may_destroy=allowed(user, "blank", "destroy"),
            may_read_reports=allowed(user, "destruction_report", "list"),
        )


def this_month() -> tuple[date, date]:
    today = office_today()
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


class ReconciliationView(PrintingPage):
    """Blank stock reconciliation over a period (this month unless asked), on screen
    and as PDF."""

    entity = "blank"

    def _period(self, category: str) -> tuple[PeriodForm, date, date, bool]:
        form = PeriodForm(formdata=request.args)
        ok = form.validate()
        for field in form:
            for message in field.errors:
                flash(f"{field.label.text}: {message}", category)
        start, end = form.period(this_month())
        return form, start, end, ok

    @expose("/")
    @requires("blank", "list")
    def index(self) -> t.Any:
        form, start, end, _ok = self._period("warning")
        rec = None
        try:
            rec = reconcile(start, end)
        except DomainError as exc:  # a period the wrong way round: shown, page stays
            flash(str(exc.message), "danger")
        form.start.data, form.end.data = start, end
        form.start.raw_data = form.end.raw_data = None
        statuses = [(s, BLANK_STATUS_LABELS[s], rec.status_counts.get(s, 0) if rec else 0)
                    for s in BLANK_STATUSES]
        return self.render("admin/printing/reconciliation.html", rec=rec, start=start,
                           end=end, statuses=statuses, form=form)

    @expose("/pdf/")
    @requires("blank", "list")
    def pdf_view(self) -> Response:
        _form, start, end, ok = self._period("danger")
        if not ok:
            return redirect(url_for(".index"))
        try:
            rec = reconcile(start, end)
        except DomainError as exc:  # back to the period's page (this URL would loop)
            flash(str(exc.message), "danger")
            return redirect(url_for(".index", start=format_date(start), end=format_date(end)))
        from printing.documents import render_reconciliation

        pdf = render_reconciliation(rec, current_user.full_name)
        return pdf_response(pdf, f"rekonsiliasi-blangko-{start:%Y%m%d}-{end:%Y%m%d}.pdf")
