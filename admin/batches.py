"""Print batches: the list, the batch page with its steps (remove, submit, decide,
print, render again, PDF, manifest, confirm each card), and the batches pending the
head of division's approval.

Each step reads its WTForms form (forms/batches.py), calls the domain operation in
models.batches and goes back to the batch page; a refusal of the domain is answered by
the app-level DomainError handler. The PDFs come from printing/ (imported inside the
routes: WeasyPrint is slow to load and most requests never print).
"""

from __future__ import annotations

import typing as t

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from forms.batches import ConfirmForm, DecideForm, PrintForm, RemoveForm, RenderForm, StepForm
from models import Application, Card, DomainError, PrintBatch, audit, db
from models.applications import MIN_REASON_LENGTH, STATUS_LABELS
from models.batches import (
    BATCH_STATUS_LABELS,
    BATCH_STATUSES,
    attach_pdf,
    batch_cards,
    batch_status_label,
    batch_steps,
    confirm_card,
    decide_batch,
    pending_batches,
    print_batch,
    remove_from_batch,
    returned_applications,
    submit_batch,
)
from models.blanks import available_count
from models.cards import CARD_STATUS_LABELS, card_issued_data, issued_data
from models.permissions import allowed
from models.printers import Printer, active_printer, active_printers
from models.residents import masked_nik

from .base import actor, pdf_response, reads_personal_data, requires
from .blanks import PrintingModelView, PrintingPage, store_document_pdf, stored_pdf_response

__all__ = ["PendingBatchesView", "PrintBatchView"]


def batch_pdf_rel(batch: PrintBatch) -> str:
    return f"batches/{batch.number}.pdf"


def status_with_note(view: t.Any, context: t.Any, model: PrintBatch, name: str) -> t.Any:
    """The batch's status; a rejected one with the head of division's note, so its
    operator reads why in the list."""
    label = batch_status_label(model.status)
    if model.status == "rejected" and model.decision_note:
        return Markup('<span data-testid="rejected-note">{}</span>').format(
            _("Rejected: %(note)s", note=model.decision_note))
    return label


def item_rows(batch: PrintBatch, user: t.Any) -> list[dict[str, t.Any]]:
    """Each application of the batch with what the approver checks without leaving the
    page: its page, its photo (the protected, audited file route) and the data that
    will be printed (as printed, once there is a card), NIK masked."""
    may_open = allowed(user, "application", "view")
    printed = {c.application_id: c for c in batch_cards(batch)}
    rows = []
    for application in sorted(batch.applications, key=lambda a: a.number):
        card = printed.get(application.id)
        face = card_issued_data(card) if card is not None else issued_data(application)
        address = ", ".join(part for part in (
            face.get("address"), f"RT/RW {face['rt_rw']}" if face.get("rt_rw") else None,
            face.get("village"), face.get("district")) if part)
        rows.append({
            "application": application,
            "url": url_for("application.details_view", id=application.id)
            if may_open else None,
            "photo_url": url_for("application.file_view", kind="photo", id=application.id)
            if may_open and application.photo_path else None,
            "name": face.get("name") or "", "nik": masked_nik(face.get("nik")),
            "birth": face.get("birth") or "", "sex": face.get("sex") or "",
            "address": address,
        })
    return rows


def flash_errors(form: t.Any) -> None:
    """A step form that does not validate: its messages above the batch page."""
    for field in form:
        for message in field.errors:
            flash(str(message), "danger")


class PrintBatchView(PrintingModelView):
    entity = "print_batch"
    details_template = "admin/printing/batch_details.html"
    column_list = ("number", "status", "created_by", "created_at", "approved_by",
                   "printed_at")
    column_details_list = ("number", "status", "created_by", "created_at", "submitted_at",
                           "approved_by", "approved_at", "decision_note", "printed_by",
                           "printed_at", "pdf_sha256")
    column_export_list = ("number", "status", "created_at", "submitted_at", "approved_at",
                          "printed_at", "pdf_sha256")
    column_labels = {
        "number": _l("Batch number"), "status": _l("Status"), "created_by": _l("Created by"),
        "created_at": _l("Created"), "submitted_at": _l("Submitted"),
        "approved_by": _l("Decided by"), "approved_at": _l("Decided at"),
        "decision_note": _l("Decision note"), "printed_by": _l("Printed by"),
        "printed_at": _l("Printed at"), "pdf_sha256": _l("PDF SHA-256"),
    }
    column_filters = ("status",)
    column_choices = {"status": [(s, BATCH_STATUS_LABELS[s]) for s in BATCH_STATUSES]}
    column_formatters = {"status": status_with_note}
    form_columns = ()
    # Batches are made only by "add to batch" on print-ready applications (the
    # application list and the queue), never by a generic form.
    can_create = False

    # ---- the batch page

    def render(self, template: str, **kwargs: t.Any) -> t.Any:
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs.update(self.batch_context(kwargs["model"]))
        return super().render(template, **kwargs)

    def batch_context(self, batch: PrintBatch) -> dict[str, t.Any]:
        user = actor()
        steps = batch_steps(user, batch)
        printers = active_printers() if steps.printers else []
        print_form = PrintForm(formdata=None)
        print_form.set_printers(printers)
        print_form.override_reason.label.text = _(
            "You recorded some of these applications yourself: why do you print them? "
            "(at least %(n)d characters)", n=MIN_REASON_LENGTH)
        render_form = RenderForm(formdata=None)
        render_form.set_printers(printers, calibration=False)
        may_open = allowed(user, "application", "view")
        items = item_rows(batch, user)
        return {
            "batch_status": batch_status_label(batch.status),
            "applications": sorted(batch.applications, key=lambda a: a.number),
            "items": items,
            "item_of": {i["application"].id: i for i in items},
            "returned": returned_applications(batch),
            "may_open_application": may_open,
            "cards": batch_cards(batch),
            "card_labels": CARD_STATUS_LABELS,
            "app_labels": STATUS_LABELS,
            "steps": steps,
            "printers": printers,
            "add_printer_url": url_for("printer.create_view")
            if allowed(user, "printer", "create") else None,
            "needed": len(batch.applications),
            "available": available_count(),
            "min_reason": MIN_REASON_LENGTH,
            "add_url": url_for("application.index_view", flt0_printable="1")
            if steps.remove else None,
            "step_form": StepForm(formdata=None),
            "remove_form": RemoveForm(formdata=None),
            "decide_form": DecideForm(formdata=None),
            "print_form": print_form,
            "render_form": render_form,
            "confirm_form": ConfirmForm(formdata=None),
        }

    @expose("/new/", methods=("GET", "POST"))
    @requires("print_batch", "create")
    def create_view(self) -> t.Any:
        """The generic create form is gone: a batch is opened by "add to batch"."""
        abort(404)

    # ---- helpers of the steps

    def _batch(self) -> PrintBatch:
        batch = self.get_one(request.args.get("id", ""))
        if batch is None:
            abort(404)
        return batch

    def _back(self, batch: PrintBatch) -> Response:
        return redirect(url_for(".details_view", id=batch.id))

    def _render_and_store(self, batch: PrintBatch, printer: Printer) -> None:
        """Render the overlay PDF from the batch's cards and record where it is.
        Reads the cards only: rendering again never touches the blanks."""
        from printing.cards import render_cards

        pdf = render_cards(batch_cards(batch), mode="overlay",
                           offset_mm=(printer.offset_x_mm or 0, printer.offset_y_mm or 0),
                           upload_root=current_app.config["UPLOAD_FOLDER"])
        rel = batch_pdf_rel(batch)
        attach_pdf(batch, actor(), rel, store_document_pdf(rel, pdf))

    def _try_render(self, batch: PrintBatch, printer: Printer) -> bool:
        try:
            self._render_and_store(batch, printer)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
            return False
        except Exception:  # the blanks are allocated: say so, keep the page usable
            db.session.rollback()
            current_app.logger.exception("rendering the PDF of batch %s failed", batch.number)
            flash(_("The PDF could not be made. The blanks stay allocated: use "
                    "'Render the PDF again'."), "danger")
            return False
        flash(_("PDF of batch %(n)s ready for printer %(p)s.", n=batch.number,
                p=printer.name), "success")
        return True

    # ---- draft

    @expose("/remove/", methods=("POST",))
    @requires("application", "add_to_batch")
    def remove_view(self) -> Response:
        batch = self._batch()
        form = RemoveForm()
        if not form.validate_on_submit():
            abort(404)
        key = _int(form.application_id.data)
        application = db.session.get(Application, key) if key is not None else None
        if application is None:
            abort(404)
        remove_from_batch(batch, application, actor())
        flash(_("%(n)s removed from the batch.", n=application.number), "success")
        return self._back(batch)

    @expose("/submit/", methods=("POST",))
    @requires("print_batch", "submit")
    def submit_view(self) -> Response:
        batch = self._batch()
        if StepForm().validate_on_submit():
            submit_batch(batch, actor())
            flash(_("Print batch %(n)s sent for approval.", n=batch.number), "success")
        return self._back(batch)

    # ---- decision

    @expose("/decide/", methods=("POST",))
    @requires("print_batch", "approve")
    def decide_view(self) -> Response:
        batch = self._batch()
        form = DecideForm()
        if not form.validate_on_submit():
            flash_errors(form)
            return self._back(batch)
        approve = form.decision.data == "approve"
        decide_batch(batch, actor(), approve, form.note.data)
        flash(_("Print batch %(n)s approved.", n=batch.number) if approve
              else _("Print batch %(n)s rejected.", n=batch.number), "success")
        return self._back(batch)

    # ---- printing and the PDF

    @expose("/print/", methods=("POST",))
    @requires("print_batch", "print")
    def print_view(self) -> Response:
        batch = self._batch()
        form = PrintForm()
        form.set_printers(active_printers())
        if not form.validate_on_submit():
            flash_errors(form)
            return self._back(batch)
        printer = active_printer(form.printer_id.data)
        assert printer is not None  # one of the choices
        cards = print_batch(batch, actor(), override_reason=form.override_reason.data)
        flash(_("Print batch %(n)s: %(c)d blank(s) allocated (%(first)s to %(last)s).",
                n=batch.number, c=len(cards), first=cards[0].blank.serial,
                last=cards[-1].blank.serial), "success")
        self._try_render(batch, printer)
        return self._back(batch)

    @expose("/render/", methods=("POST",))
    @requires("print_batch", "print")
    def render_view(self) -> Response:
        """Render the PDF again (e.g. for another printer): never consumes blanks."""
        batch = self._batch()
        form = RenderForm()
        form.set_printers(active_printers())
        if batch.status not in ("printed", "closed"):
            flash(_("Print batch %(n)s has not been printed yet.", n=batch.number), "danger")
        elif not form.validate_on_submit():
            flash_errors(form)
        else:
            printer = active_printer(form.printer_id.data)
            assert printer is not None  # one of the choices
            self._try_render(batch, printer)
        return self._back(batch)

    @expose("/pdf/")
    @requires("print_batch", "print")
    @reads_personal_data("print_batch")
    def pdf_view(self) -> Response:
        """The stored PDF, as rendered; downloading never touches the blanks."""
        batch = self._batch()
        if not batch.pdf_path:
            flash(_("The PDF of batch %(n)s is not stored: render it again.", n=batch.number),
                  "warning")
            return self._back(batch)
        audit.record_now(actor(), "download_pdf", obj=batch,
                         changes={"sha256": batch.pdf_sha256})
        return stored_pdf_response(batch.pdf_path, f"{batch.number}.pdf")

    @expose("/manifest/")
    @requires("print_batch", "view")
    def manifest_view(self) -> Response:
        batch = self._batch()
        if batch.status not in ("printed", "closed"):
            abort(404)
        from printing.documents import render_manifest

        approver = batch.approved_by.full_name if batch.approved_by else ""
        return pdf_response(render_manifest(batch, approver), f"manifest-{batch.number}.pdf")

    # ---- confirmation of each card

    @expose("/confirm/", methods=("POST",))
    @requires("print_batch", "confirm")
    def confirm_view(self) -> Response:
        batch = self._batch()
        form = ConfirmForm()
        valid = form.validate_on_submit()
        key = _int(form.card_id.data)
        card = db.session.get(Card, key) if key is not None else None
        if card is None or card.batch_id != batch.id:
            abort(404)
        if not valid:
            flash_errors(form)
            return self._back(batch)
        good = form.result.data == "good"
        confirm_card(card, actor(), good, storage_location=form.storage_location.data,
                     reason=form.reason.data)
        serial = card.blank.serial
        flash(_("Card on blank %(s)s is good and in custody.", s=serial) if good else
              _("Card on blank %(s)s recorded as spoiled; its application can be printed "
                "again.", s=serial), "success")
        return self._back(batch)


def _int(value: t.Any) -> int | None:
    """A record id as posted (digits 0-9, within the id range), else None."""
    from models.validation import parse_id

    return parse_id(value)


class PendingBatchesView(PrintingPage):
    """Batches waiting for the head of division's decision, oldest first."""

    entity = "print_batch"
    access_action = "approve"

    @expose("/")
    @requires("print_batch", "approve")
    def index(self) -> t.Any:
        user = actor()
        rows = [(b, batch_steps(user, b).decide) for b in pending_batches()]
        return self.render("admin/printing/pending.html", rows=rows)
