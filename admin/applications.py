"""The application screen: the list, the details page with its panel (status, service
clock, eligibility, stored files), the steps after intake (record, SIAK result, reject,
cancel), the receipt and card preview PDFs, and the "add to print batch" list action.

New applications are born only at the intake counter (admin/intake.py). The rules live
in models/ (models.applications, models.service_clock, models.batches); a refusal is
answered by the app-level DomainError handler, except where the step's form comes back
with the message next to its field.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup

from forms import show_refusal
from forms.applications import STEP_FORMS, file_bytes
from models import (
    Applicant,
    Application,
    DomainError,
    applications,
    current_standard,
    db,
    service_clock,
)
from models import eligibility as eligibility_rules
from models.applications import APPLICATION_STATUSES, STATUS_LABELS
from models.batches import add_to_draft
from models.queue import printable_condition, waiting_label
from models.search import application_conditions
from models.uploads import open_stored, store_image

from .base import SecuredModelView, actor, pdf_response, requires
from .cards import handover_receipt_url
from .search import IndexedSearchMixin, NikAjaxLoader

# Stored files an application carries: kind -> path column.
FILE_KINDS = {
    "kk_copy": "kk_copy_path",
    "photo": "photo_path",
    "signature": "signature_path",
}
MIMETYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


def public_status_url() -> str:
    """Where residents check their application (the public status page), at the
    office's public address (PUBLIC_BASE_URL), never the host this request came to."""
    from printing.links import status_url

    return status_url()


def status_or_waiting(view: t.Any, context: t.Any, model: Application, name: str) -> str:
    """The state; a print-ready application whose applicant is not 17 yet says so with
    the date ("Ready to print" only for what can be printed today)."""
    if model.status == "print_ready":
        if "queue_standard" not in g:
            g.queue_standard = current_standard()
        waiting = waiting_label(model, standard=g.queue_standard)
        if waiting:
            return waiting
    return str(STATUS_LABELS.get(model.status, model.status))


class PrintableFilter(BaseSQLAFilter):
    """Print-ready AND printable today (not waiting for the 17th birthday): the list
    "add to batch" opens (?flt0_printable=1), by models.queue's rule."""

    def __init__(self) -> None:
        super().__init__(Application.status, _l("Printable today"),
                         options=(("1", _l("Yes")),))

    def apply(self, query: t.Any, value: t.Any, alias: t.Any = None) -> t.Any:
        printable = sa.select(Application.id).join(
            Applicant, Application.applicant_id == Applicant.id).where(
            printable_condition())
        return query.filter(Application.id.in_(printable))

    def operation(self) -> t.Any:
        return _l("is")


class ApplicationView(IndexedSearchMixin, SecuredModelView):
    """Applications; new ones only through the intake page, steps on the details page."""

    entity = "application"
    details_template = "admin/workflow/application_details.html"
    column_list = ("number", "applicant.nik", "applicant.name", "status", "submitted_at",
                   "sla_hours")
    column_details_list = ("number", "applicant", "status", "standard", "f102_complete",
                           "submitted_at", "submitted_by", "recorded_at", "recorded_by",
                           "fingerprints_captured", "iris_captured", "siak_result_at",
                           "siak_note", "rejection_reason", "sla_hours", "disruption",
                           "print_batch", "created_at")
    column_export_list = ("number", "applicant.nik", "applicant.name", "status",
                          "submitted_at", "recorded_at", "siak_result_at", "sla_hours",
                          "rejection_reason")
    column_labels = {
        "number": _l("Receipt number"),
        "applicant": _l("Applicant"),
        "applicant.nik": _l("NIK"),
        "applicant.name": _l("Name"),
        "status": _l("Status"),
        "standard": _l("Service standard"),
        "f102_complete": _l("Form F-1.02 complete"),
        "submitted_at": _l("Requirements complete at"),
        "submitted_by": _l("Received by"),
        "recorded_at": _l("Recorded at"),
        "recorded_by": _l("Recorded by"),
        "fingerprints_captured": _l("Fingerprints captured"),
        "iris_captured": _l("Iris captured"),
        "siak_result_at": _l("SIAK result at"),
        "siak_note": _l("SIAK note"),
        "rejection_reason": _l("Reason for rejection"),
        "sla_hours": _l("Service time (hours)"),
        "disruption": _l("Disruption"),
        "print_batch": _l("Print batch"),
        "created_at": _l("Created"),
    }
    column_searchable_list = ("number",)
    column_filters = ("status", "submitted_at", PrintableFilter())
    column_choices = {"status": [(s, STATUS_LABELS[s]) for s in APPLICATION_STATUSES]}

    def get_filter_arg(self, index: int, flt: t.Any) -> str:
        """The printable filter's URL is the same in every language: ?flt0_printable=1."""
        if isinstance(flt, PrintableFilter):
            return "printable"
        return super().get_filter_arg(index, flt)
    column_formatters = {"status": status_or_waiting}
    column_sortable_list = ("submitted_at",)
    form_columns = ("applicant", "f102_complete")
    form_ajax_refs = {
        "applicant": NikAjaxLoader.create("applicant", Applicant, Applicant.nik,
                                          placeholder=_l("Type at least 4 digits of the NIK")),
    }

    # ---- list
    def search_placeholder(self) -> str:
        return str(_l("Receipt number, NIK, KK or name"))

    def search_conditions(self, search: str) -> list[t.Any]:
        return application_conditions(search)

    @action("application.add_to_batch", _l("Add to print batch"),
            _l("Add the selected applications to your draft print batch?"))
    def action_add_to_batch(self, ids: list[str]) -> None:
        # A refusal (state, matrix) reaches the app-level DomainError handler.
        batch, numbers = add_to_draft(self.scoped_records(ids), actor())
        flash(Markup('{} <a class="alert-link" href="{}" data-testid="batch-link">{}</a>').format(
            _("%(n)d application(s) added to print batch %(b)s.", n=len(numbers),
              b=batch.number),
            url_for("printbatch.details_view", id=batch.id), _("Open the batch")), "success")

    # Flask-Admin's generic "create" would skip the intake checks: send people there.
    @expose("/new/", methods=("GET", "POST"))
    @requires("application", "create")
    def create_view(self) -> t.Any:
        # Never with the NIK: an address keeps it (history, proxies, Referer).
        return redirect(url_for("intake.index"))

    # ---- the details page
    def render(self, template: str, **kwargs: t.Any) -> t.Any:
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs.update(self.panel_context(kwargs["model"]))
        return super().render(template, **kwargs)

    def panel_context(self, application: Application) -> dict[str, t.Any]:
        user = actor()
        files = {kind: url_for(".file_view", kind=kind, id=application.id)
                 for kind, column in FILE_KINDS.items() if getattr(application, column)}
        steps = applications.available_steps(user, application)
        posted = g.get("application_step")  # (step, form) of a form that came back
        step_forms = {step: posted[1] if posted and posted[0] == step
                      else STEP_FORMS[step](formdata=None) for step in steps}
        return {
            "status_label": applications.status_label(application.status),
            "eligibility": eligibility_rules.eligibility(application.applicant,
                                                         standard=application.standard),
            "clock": service_clock.clock_view(application),
            "steps": steps,
            "step_forms": step_forms,
            "files": files,
            "receipt_url": url_for(".receipt_view", id=application.id)
            if application.submitted_at else None,
            "handover_receipt_url": handover_receipt_url(application, user),
        }

    # ---- helpers
    def _application_or_404(self) -> Application:
        application = self.get_one(request.args.get("id", ""))
        if application is None:
            abort(404)
        return application

    def _step(self, step: str, operation: t.Callable[[Application, t.Any], None],
              done: str) -> t.Any:
        """Run a step's domain operation with its posted form.

        A form error, or a refusal that names a field of the form, brings the details
        page back with the message next to that field (and on top); any other refusal
        goes to the app-level handler (message, back to the page).
        """
        application = self._application_or_404()
        form = STEP_FORMS[step]()
        if form.validate():
            try:
                operation(application, form)
            except DomainError as exc:
                if exc.field is None or exc.field not in form:
                    raise
                db.session.rollback()
                flash(str(exc.message), "danger")
                show_refusal(form, exc)
            else:
                flash(done % {"n": application.number}, "success")
                return redirect(url_for(".details_view", id=application.id))
        return self._again(step, form, application)

    def _again(self, step: str, form: FlaskForm, application: Application) -> t.Any:
        """The details page again, with the posted form and its errors."""
        g.application_step = (step, form)
        db.session.refresh(application)
        return self.render(self.details_template, model=application,
                           details_columns=self._details_columns,
                           get_value=self.get_detail_value,
                           return_url=self.get_url(".index_view"))

    # ---- steps
    @expose("/record/", methods=("POST",))
    @requires("application", "record")
    def record_view(self) -> t.Any:
        root = current_app.config["UPLOAD_FOLDER"]

        def operation(application: Application, form: t.Any) -> None:
            stored = {"photo": None, "signature": None}
            if applications.state_allows(application, "record"):  # else refused anyway
                for kind in stored:
                    data = file_bytes(form[kind])
                    if data is None:
                        continue
                    try:
                        stored[kind] = store_image(root, data, kind)
                    except DomainError as exc:  # not an image, too big: next to its field
                        raise DomainError(exc.message, field=kind) from exc
            applications.record(application, actor(), photo=stored["photo"],
                                signature=stored["signature"],
                                fingerprints_captured=form.fingerprints_captured.data,
                                iris_captured=form.iris_captured.data)

        return self._step("record", operation, _("Recording of %(n)s saved."))

    @expose("/siak/", methods=("POST",))
    @requires("application", "siak_result")
    def siak_view(self) -> t.Any:
        return self._step(
            "siak_result",
            lambda application, form: applications.enter_siak_result(
                application, actor(), form.result.data or "", form.note.data),
            _("SIAK result of %(n)s saved."))

    @expose("/recheck/", methods=("POST",))
    @requires("application", "siak_result")
    def recheck_view(self) -> t.Any:
        return self._step(
            "recheck_duplicate",
            lambda application, form: applications.recheck_duplicate(
                application, actor(), form.note.data),
            _("Duplicate of %(n)s re-checked: back to recorded for SIAK's answer."))

    @expose("/reject/", methods=("POST",))
    @requires("application", "reject")
    def reject_view(self) -> t.Any:
        return self._step(
            "reject",
            lambda application, form: applications.reject(application, actor(),
                                                         form.reason.data),
            _("Application %(n)s rejected."))

    @expose("/cancel/", methods=("POST",))
    @requires("application", "cancel")
    def cancel_view(self) -> t.Any:
        return self._step(
            "cancel",
            lambda application, form: applications.cancel(application, actor(),
                                                         form.reason.data),
            _("Application %(n)s cancelled."))

    # ---- stored files and documents
    @expose("/file/<kind>/")
    @requires("application", "view")
    def file_view(self, kind: str) -> Response:
        application = self._application_or_404()
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
        # A personal file is a download, never shown inline (a PDF's scripts, a
        # browser sniffing an image as HTML): attachment and nosniff.
        response = send_file(path, mimetype=mimetype, as_attachment=True,
                             download_name=f"{application.number}-{kind}.{extension}",
                             max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/receipt/")
    @requires("application", "view")
    def receipt_view(self) -> Response:
        application = self._application_or_404()
        if application.submitted_at is None:
            abort(404)
        from printing.receipt import render_receipt  # WeasyPrint is slow to load

        pdf = render_receipt(application, status_url=public_status_url())
        return pdf_response(pdf, f"tanda-terima-{application.number}.pdf")

    @expose("/preview/")
    @requires("application", "view")
    def preview_view(self) -> Response:
        application = self._application_or_404()
        from printing.cards import render_preview

        pdf = render_preview(application, current_app.config["UPLOAD_FOLDER"])
        return pdf_response(pdf, f"pratinjau-{application.number}.pdf")
