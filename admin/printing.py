"""The printing screens: stock, print batches, custody and handover, blank accountability.

Views stay thin, as in admin/workflow.py: they read the request, ask the permission
matrix (403 through `forbidden()`), call the domain operation in `models.batches`,
show its DomainError message and redirect. The PDFs come from `printing/` (imported
inside the view functions: WeasyPrint is slow to load and most requests never print).

Every printing screen carries the low-stock warning (`PrintingScreenMixin`).
"""

from __future__ import annotations

import calendar
import re
import typing as t
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from werkzeug.routing import BuildError

from models import (
    Application,
    Blank,
    BlankEvent,
    Card,
    DomainError,
    PermissionDenied,
    PrintBatch,
    Printer,
    audit,
    db,
    utcnow,
)
from models.applications import MIN_REASON_LENGTH, STATUS_LABELS
from models.batches import (
    add_to_draft,
    attach_pdf,
    batch_status_label,
    confirm_card,
    create_batch,
    decide_batch,
    print_batch,
    remove_from_batch,
    submit_batch,
)
from models.blanks import (
    BLANK_STATUS_LABELS,
    BLANK_STATUSES,
    destroy_spoiled,
    low_stock,
    reconcile,
    write_off,
)
from models.cards import CARD_STATUS_LABELS, RELATION_LABELS, hand_over, move_card, uncollected
from models.office_time import office_today
from models.permissions import allowed
from models.standard import current_standard
from models.uploads import open_stored

from .base import (
    SecuredMixin,
    actor,
    error_message,
    forbidden,
    form_checked,
    pdf_response,
    requires,
)
from .people import ApplicationView as _ApplicationView
from .workflow import parse_date, wita

WRITE_OFF_KINDS = {"lost": _l("Lost"), "returned": _l("Returned to the ministry")}
PDF_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}\.pdf$")
SERIAL_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")
WRITE_OFF_MAX = 5_000  # blanks in one write-off: a typo in a range must not empty the stock


# ------------------------------------------------------------------ shared helpers


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


def verify_url(code: str) -> str:
    """What a handover receipt's QR code opens: the public verification page."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return f"{configured.rstrip('/')}/verify/{code}"
    try:
        return url_for("public.verify", code=code, _external=True)
    except BuildError:  # the public page comes with a later issue
        return f"{request.host_url}verify/{code}"


@dataclass(frozen=True)
class StockAlert:
    low: bool
    available: int
    threshold: int


def stock_alert() -> StockAlert | None:
    """Available blanks against the standard's threshold (None without a standard)."""
    try:
        threshold = current_standard().low_stock_threshold
    except DomainError:
        return None
    low, available = low_stock(threshold)
    return StockAlert(low, available, threshold)


class PrintingScreenMixin:
    """Printing screens: the low-stock warning under the flashed messages."""

    list_template = "admin/printing/list.html"
    details_template = "admin/printing/details.html"
    create_template = "admin/printing/create.html"
    edit_template = "admin/printing/edit.html"

    def render(self, template: str, **kwargs: t.Any) -> t.Any:
        kwargs.setdefault("printing_stock", stock_alert())
        return super().render(template, **kwargs)  # type: ignore[misc]


class PrintingPage(PrintingScreenMixin, SecuredMixin, BaseView):
    """A custom printing page bound to one entity; `access_action` opens it."""

    access_action = "list"

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and self.allowed(self.access_action)

    def _require(self, entity: str, action_name: str) -> None:
        if not allowed(current_user, entity, action_name):
            forbidden(entity, action_name)


def _record_or_404(model: type, value: t.Any) -> t.Any:
    try:
        key = int(value)
    except (TypeError, ValueError):
        abort(404)
    record = db.session.get(model, key)
    if record is None:
        abort(404)
    return record


# ------------------------------------------------------------------ applications


class ApplicationPrintingMixin:
    """On the application screens: the "Add to print batch" list action and the card
    preview. Mixed into ApplicationView below."""

    @action("application.add_to_batch", _l("Add to print batch"),
            _l("Add the selected applications to your draft print batch?"))
    def action_add_to_batch(self, ids: list[str]) -> None:
        applications = self.scoped_records(ids)  # type: ignore[attr-defined]
        try:
            batch, numbers = add_to_draft(applications, actor())
        except (DomainError, PermissionDenied) as exc:
            db.session.rollback()
            flash(error_message(exc), "danger")
            return None
        flash(Markup('{} <a class="alert-link" href="{}" data-testid="batch-link">{}</a>').format(
            _("%(n)d application(s) added to print batch %(b)s.", n=len(numbers),
              b=batch.number),
            url_for("printbatch.details_view", id=batch.id), _("Open the batch")), "success")
        return None

    @expose("/preview/")
    @requires("application", "view")
    def preview_view(self) -> Response:
        application = self._guard("view")  # type: ignore[attr-defined]
        from printing.cards import render_preview

        pdf = render_preview(application, current_app.config["UPLOAD_FOLDER"])
        return pdf_response(pdf, f"pratinjau-{application.number}.pdf")


class ApplicationView(ApplicationPrintingMixin, _ApplicationView):
    """The application screens (admin/people.py) with the printing additions."""


# ------------------------------------------------------------------ print batches


def batch_pdf_rel(batch: PrintBatch) -> str:
    return f"batches/{batch.number}.pdf"


def active_printers() -> list[Printer]:
    return list(db.session.execute(
        sa.select(Printer).where(Printer.active.is_(True)).order_by(Printer.name)).scalars())


class BatchStepsMixin:
    """The batch page and its steps. Mixed into PrintBatchView (admin/stock.py)."""

    entity = "print_batch"
    details_template = "admin/printing/batch_details.html"

    def render(self, template: str, **kwargs: t.Any) -> t.Any:
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs.update(self.batch_context(kwargs["model"]))
        return super().render(template, **kwargs)  # type: ignore[misc]

    # Creating a batch is a domain operation (number, audit), not a generic insert.
    def create_model(self, form: t.Any) -> t.Any:
        try:
            return create_batch(actor())
        except (DomainError, PermissionDenied) as exc:
            db.session.rollback()
            flash(error_message(exc), "danger")
            return False

    def get_save_return_url(self, model: t.Any, is_created: bool = False) -> str:
        return url_for(".details_view", id=model.id)

    def batch_context(self, batch: PrintBatch) -> dict[str, t.Any]:
        user = current_user
        may = {a: allowed(user, "print_batch", a)
               for a in ("view", "submit", "approve", "print", "confirm")}
        may["remove"] = allowed(user, "application", "add_to_batch")
        status = batch.status
        cards = sorted(batch.cards, key=lambda c: c.blank.serial)
        applications = sorted(batch.applications, key=lambda a: a.number)
        printed = status in ("printed", "closed")
        needed = len(applications)
        available = db.session.execute(
            sa.select(sa.func.count(Blank.id)).where(Blank.status == "available")).scalar()
        return {
            "batch_status": batch_status_label(status),
            "applications": applications,
            "cards": cards,
            "card_labels": CARD_STATUS_LABELS,
            "app_labels": STATUS_LABELS,
            "may": may,
            "is_creator": batch.created_by_id == user.id,
            "show_decide": status == "submitted" and may["approve"]
            and batch.created_by_id != user.id,
            "show_print": status == "approved" and may["print"],
            "show_submit": status == "draft" and may["submit"],
            "show_remove": status == "draft" and may["remove"],
            "show_pdf": printed and may["print"],
            "show_manifest": printed and may["view"],
            "show_confirm": status == "printed" and may["confirm"],
            "needs_override": any(a.recorded_by_id == user.id for a in applications),
            "printers": active_printers() if (status == "approved" or printed)
            and may["print"] else [],
            "needed": needed,
            "available": available,
            "pdf_stored": bool(batch.pdf_path),
            "min_reason": MIN_REASON_LENGTH,
            "add_url": url_for("application.index_view", flt0_status_equals="print_ready")
            if status == "draft" and may["remove"] else None,
            "wita": wita,
        }

    # ---- helpers
    def _batch(self, entity: str, action_name: str) -> PrintBatch:
        if not allowed(current_user, entity, action_name):
            forbidden(entity, action_name)
        batch = self.get_one(request.args.get("id", ""))  # type: ignore[attr-defined]
        if batch is None:
            abort(404)
        return batch

    def _back(self, batch: PrintBatch) -> Response:
        return redirect(url_for(".details_view", id=batch.id))

    def _run(self, batch: PrintBatch, operation: t.Callable[[], t.Any], done: str) -> Response:
        try:
            operation()
        except (DomainError, PermissionDenied) as exc:
            db.session.rollback()
            flash(error_message(exc), "danger")
        else:
            flash(done, "success")
        return self._back(batch)

    def _printer(self) -> Printer | None:
        printer_id = request.form.get("printer_id", "")
        printer = db.session.get(Printer, int(printer_id)) if printer_id.isdigit() else None
        return printer if printer is not None and printer.active else None

    def _render_and_store(self, batch: PrintBatch, printer: Printer) -> None:
        """Render the overlay PDF from the batch's cards and record where it is.
        Reads the cards only: rendering again never touches the blanks."""
        from printing.cards import render_cards

        cards = sorted(batch.cards, key=lambda c: c.blank.serial)
        pdf = render_cards(cards, mode="overlay",
                           offset_mm=(printer.offset_x_mm or 0, printer.offset_y_mm or 0),
                           upload_root=current_app.config["UPLOAD_FOLDER"])
        rel = batch_pdf_rel(batch)
        sha256 = store_document_pdf(rel, pdf)
        attach_pdf(batch, actor(), rel, sha256)

    # ---- draft
    @expose("/remove/", methods=("POST",))
    @requires("application", "add_to_batch")
    def remove_view(self) -> Response:
        batch = self._batch("application", "add_to_batch")
        application = _record_or_404(Application, request.form.get("application_id"))
        return self._run(batch, lambda: remove_from_batch(batch, application, actor()),
                         _("%(n)s removed from the batch.", n=application.number))

    @expose("/submit/", methods=("POST",))
    @requires("print_batch", "submit")
    def submit_view(self) -> Response:
        batch = self._batch("print_batch", "submit")
        return self._run(batch, lambda: submit_batch(batch, actor()),
                         _("Print batch %(n)s sent for approval.", n=batch.number))

    # ---- decision
    @expose("/decide/", methods=("POST",))
    @requires("print_batch", "approve")
    def decide_view(self) -> Response:
        batch = self._batch("print_batch", "approve")
        decision = request.form.get("decision")
        if decision not in ("approve", "reject"):
            flash(_("Choose approve or reject."), "danger")
            return self._back(batch)
        approve = decision == "approve"
        done = (_("Print batch %(n)s approved.", n=batch.number) if approve
                else _("Print batch %(n)s rejected.", n=batch.number))
        return self._run(batch, lambda: decide_batch(batch, actor(), approve,
                                                         request.form.get("note")), done)

    # ---- printing and the PDF
    @expose("/print/", methods=("POST",))
    @requires("print_batch", "print")
    def print_view(self) -> Response:
        batch = self._batch("print_batch", "print")
        printer = self._printer()
        if batch.status == "approved" and printer is None:
            flash(_("Choose the printer the cards go into."), "danger")
            return self._back(batch)
        try:
            cards = print_batch(batch, actor(),
                                    override_reason=request.form.get("override_reason"))
        except (DomainError, PermissionDenied) as exc:
            db.session.rollback()
            flash(error_message(exc), "danger")
            return self._back(batch)
        flash(_("Print batch %(n)s: %(c)d blank(s) allocated (%(first)s to %(last)s).",
                n=batch.number, c=len(cards), first=cards[0].blank.serial,
                last=cards[-1].blank.serial), "success")
        self._try_render(batch, printer)
        return self._back(batch)

    def _try_render(self, batch: PrintBatch, printer: Printer | None) -> bool:
        if printer is None:
            flash(_("Choose the printer the cards go into."), "danger")
            return False
        try:
            self._render_and_store(batch, printer)
        except (DomainError, PermissionDenied) as exc:
            db.session.rollback()
            flash(error_message(exc), "danger")
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

    @expose("/render/", methods=("POST",))
    @requires("print_batch", "print")
    def render_view(self) -> Response:
        """Render the PDF again (e.g. for another printer): never consumes blanks."""
        batch = self._batch("print_batch", "print")
        if batch.status not in ("printed", "closed"):
            flash(_("Print batch %(n)s has not been printed yet.", n=batch.number), "danger")
            return self._back(batch)
        self._try_render(batch, self._printer())
        return self._back(batch)

    @expose("/pdf/")
    @requires("print_batch", "print")
    def pdf_view(self) -> Response:
        """The stored PDF, as rendered; downloading never touches the blanks."""
        batch = self._batch("print_batch", "print")
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
        batch = self._batch("print_batch", "view")
        if batch.status not in ("printed", "closed"):
            abort(404)
        from printing.documents import render_manifest

        approver = batch.approved_by.full_name if batch.approved_by else ""
        return pdf_response(render_manifest(batch, approver), f"manifest-{batch.number}.pdf")

    # ---- confirmation of each card
    @expose("/confirm/", methods=("POST",))
    @requires("print_batch", "confirm")
    def confirm_view(self) -> Response:
        batch = self._batch("print_batch", "confirm")
        card = _record_or_404(Card, request.form.get("card_id"))
        if card.batch_id != batch.id:
            abort(404)
        good = request.form.get("result") == "good"
        if request.form.get("result") not in ("good", "spoiled"):
            flash(_("Choose good or spoiled."), "danger")
            return self._back(batch)
        serial = card.blank.serial
        done = (_("Card on blank %(s)s is good and in custody.", s=serial) if good else
                _("Card on blank %(s)s recorded as spoiled; its application can be printed "
                  "again.", s=serial))
        return self._run(batch, lambda: confirm_card(
            card, actor(), good, storage_location=request.form.get("storage_location"),
            reason=request.form.get("reason")), done)


class PendingBatchesView(PrintingPage):
    """Batches waiting for the head of division's decision, oldest first."""

    entity = "print_batch"
    access_action = "approve"

    @expose("/")
    @requires("print_batch", "approve")
    def index(self) -> t.Any:
        batches = list(db.session.execute(
            sa.select(PrintBatch).where(PrintBatch.status == "submitted")
            .order_by(PrintBatch.submitted_at, PrintBatch.id)).scalars())
        return self.render("admin/printing/pending.html", batches=batches, wita=wita,
                           me=current_user.id)


# ------------------------------------------------------------------ blanks


class BlankActionsMixin:
    """On the blank list: destruction of spoiled blanks (berita acara) and the
    write-off form for lost or returned blanks. Mixed into BlankView."""

    list_template = "admin/printing/blank_list.html"

    @action("blank.destroy", _l("Destroy (berita acara)"),
            _l("Destroy the selected spoiled blanks? This cannot be undone."))
    def action_destroy(self, ids: list[str]) -> None:
        blanks = self.scoped_records(ids)  # type: ignore[attr-defined]
        user = actor()
        note = _("Destruction of spoiled blanks")
        try:
            serials = destroy_spoiled(blanks, user, note)
        except (DomainError, PermissionDenied) as exc:
            db.session.rollback()
            flash(error_message(exc), "danger")
            return None
        flash(_("%(n)d spoiled blank(s) destroyed.", n=len(serials)), "success")
        blanks = sorted(blanks, key=lambda b: b.serial)
        try:
            from printing.documents import render_destruction_report

            pdf = render_destruction_report(blanks, user.full_name, note, office_today())
            name = f"BA-{utcnow():%Y%m%d-%H%M%S}-{serials[0]}.pdf"
            store_document_pdf(f"destruction/{name}", pdf)
        except Exception:  # the blanks are destroyed; the report can be made again
            current_app.logger.exception("destruction report for %s failed", serials)
            flash(_("The destruction report could not be made."), "danger")
            return None
        flash(Markup('<a class="alert-link" href="{}" data-testid="destruction-report">{}'
                     '</a>').format(url_for(".destruction_report_view", file=name),
                                    _("Download the destruction report (berita acara)")),
              "success")
        return None

    @expose("/destruction-report/")
    @requires("blank", "destroy")
    def destruction_report_view(self) -> Response:
        if not allowed(current_user, "blank", "destroy"):
            forbidden("blank", "destruction_report")
        name = request.args.get("file", "")
        if not PDF_NAME.match(name):
            abort(404)
        return stored_pdf_response(f"destruction/{name}", f"berita-acara-{name}")

    @expose("/write-off/", methods=("GET", "POST"))
    @requires("blank", "destroy")
    def write_off_view(self) -> t.Any:
        if not allowed(current_user, "blank", "destroy"):
            forbidden("blank", "write_off")
        form = {"serials": "", "kind": "", "reason": ""}
        errors: dict[str, str] = {}
        if request.method == "POST":
            form = {k: (request.form.get(k) or "").strip() for k in form}
            blanks = self._blanks_from(form["serials"], errors)
            if form["kind"] not in WRITE_OFF_KINDS:
                errors["kind"] = _("Choose lost or returned.")
            if not errors:
                try:
                    n = write_off(blanks, actor(), form["kind"], form["reason"])
                except (DomainError, PermissionDenied) as exc:
                    db.session.rollback()
                    field = getattr(exc, "field", None)
                    errors[field if field in form else "_"] = error_message(exc)
                else:
                    flash(_("%(n)d blank(s) written off as %(k)s.", n=n,
                            k=WRITE_OFF_KINDS[form["kind"]]), "success")
                    return redirect(url_for(".index_view"))
            if "_" in errors:
                flash(errors.pop("_"), "danger")
        return self.render("admin/printing/write_off.html", form=form,  # type: ignore[attr-defined]
                           errors=errors, kinds=WRITE_OFF_KINDS,
                           min_reason=MIN_REASON_LENGTH)

    @staticmethod
    def _blanks_from(text: str, errors: dict[str, str]) -> list[Blank]:
        """Serials typed one by one or as ranges (0000000100-0000000149)."""
        wanted: list[str] = []
        text = re.sub(r"\s*[-\u2013]\s*", "-", text or "")
        for part in re.split(r"[\s,;]+", text):
            if not part:
                continue
            match = SERIAL_RANGE.match(part)
            if match:
                first, last = match.groups()
                if len(first) != len(last) or int(last) < int(first):
                    errors["serials"] = _("%(r)s is not a range of serials.", r=part)
                    return []
                if int(last) - int(first) + 1 + len(wanted) > WRITE_OFF_MAX:
                    errors["serials"] = _("At most %(n)d blanks at a time.", n=WRITE_OFF_MAX)
                    return []
                wanted += [f"{n:0{len(first)}d}" for n in range(int(first), int(last) + 1)]
            elif part.isdigit():
                wanted.append(part)
            else:
                errors["serials"] = _("%(s)s is not a serial.", s=part)
                return []
        if not wanted:
            errors["serials"] = _("Write the serials of the blanks.")
            return []
        wanted = list(dict.fromkeys(wanted))
        found = {b.serial: b for chunk in range(0, len(wanted), 500)
                 for b in db.session.execute(sa.select(Blank).where(
                     Blank.serial.in_(wanted[chunk:chunk + 500]))).scalars()}
        unknown = [s for s in wanted if s not in found]
        if unknown:
            errors["serials"] = _("Unknown serial(s): %(s)s.", s=", ".join(unknown[:10]))
            return []
        return [found[s] for s in wanted]


class StockView(PrintingPage):
    """Blank stock at a glance: one count per status, and the low-stock warning."""

    entity = "blank"

    @expose("/")
    def index(self) -> t.Any:
        counts = dict(db.session.execute(
            sa.select(Blank.status, sa.func.count(Blank.id)).group_by(Blank.status)).all())
        received = db.session.execute(
            sa.select(sa.func.count(BlankEvent.id)).where(BlankEvent.kind == "received")
        ).scalar() or 0
        rows = [(s, BLANK_STATUS_LABELS[s], counts.get(s, 0)) for s in BLANK_STATUSES]
        user = current_user
        return self.render(
            "admin/printing/stock.html", rows=rows, received=received,
            accounted=sum(counts.values()),
            may_receive=allowed(user, "blank_receipt", "create"),
            may_destroy=allowed(user, "blank", "destroy"),
        )


def _month_range(today: date) -> tuple[date, date]:
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


def _date_arg(name: str, default: date, errors: list[str], label: str) -> date:
    return parse_date(request.args.get(name), label, errors) or default


class ReconciliationView(PrintingPage):
    """Blank stock reconciliation over a period, on screen and as PDF."""

    entity = "blank"

    def _period(self) -> tuple[date, date, list[str]]:
        errors: list[str] = []
        start, end = _month_range(office_today())
        start = _date_arg("start", start, errors, _("From"))
        end = _date_arg("end", end, errors, _("To"))
        return start, end, errors

    @expose("/")
    def index(self) -> t.Any:
        start, end, errors = self._period()
        for message in errors:
            flash(message, "warning")
        rec = None
        try:
            rec = reconcile(start, end)
        except DomainError as exc:
            flash(error_message(exc), "danger")
        statuses = [(s, BLANK_STATUS_LABELS[s], rec.status_counts.get(s, 0) if rec else 0)
                    for s in BLANK_STATUSES]
        return self.render("admin/printing/reconciliation.html", rec=rec, start=start,
                           end=end, statuses=statuses)

    @expose("/pdf/")
    @requires("blank", "list")
    def pdf_view(self) -> Response:
        start, end, errors = self._period()
        if errors:
            for message in errors:
                flash(message, "danger")
            return redirect(url_for(".index"))
        try:
            rec = reconcile(start, end)
        except DomainError as exc:
            flash(error_message(exc), "danger")
            return redirect(url_for(".index", start=start.isoformat(), end=end.isoformat()))
        from printing.documents import render_reconciliation

        pdf = render_reconciliation(rec, current_user.full_name)
        return pdf_response(pdf, f"rekonsiliasi-blangko-{start:%Y%m%d}-{end:%Y%m%d}.pdf")


# ------------------------------------------------------------------ custody and handover


class CustodyView(PrintingPage):
    """Cards awaiting collection, oldest first; moving them and handing them over."""

    entity = "card"

    def _card(self, action_name: str) -> Card:
        self._require("card", action_name)
        return _record_or_404(Card, request.args.get("id"))

    @expose("/")
    def index(self) -> t.Any:
        flag_days = current_standard().uncollected_flag_days
        term = " ".join((request.args.get("q") or "").split()).upper()
        rows = uncollected()
        if term:
            rows = [(c, d) for c, d in rows
                    if term in c.application.number.upper()
                    or term in c.application.applicant.nik
                    or term in c.application.applicant.name.upper()
                    or term in c.blank.serial]
        user = current_user
        return self.render(
            "admin/printing/custody.html", rows=rows, flag_days=flag_days, q=term,
            flagged=sum(1 for _c, d in rows if d > flag_days),
            may_move=allowed(user, "card", "store"),
            may_hand_over=allowed(user, "card", "hand_over"),
            may_view_app=allowed(user, "application", "view"), wita=wita)

    @expose("/move/", methods=("POST",))
    @requires("card", "store")
    def move_view(self) -> Response:
        card = self._card("store")
        try:
            move_card(card, actor(), request.form.get("storage_location") or "")
        except (DomainError, PermissionDenied) as exc:
            db.session.rollback()
            flash(error_message(exc), "danger")
        else:
            flash(_("Card on blank %(s)s is now kept at %(l)s.", s=card.blank.serial,
                    l=card.storage_location), "success")
        return redirect(url_for(".index"))

    @expose("/handover/", methods=("GET", "POST"))
    @requires("card", "hand_over")
    def handover_view(self) -> t.Any:
        card = self._card("hand_over")
        form = {"receiver_name": "", "relation": "", "id_checked": False,
                "authority_letter": False}
        errors: dict[str, str] = {}
        if request.method == "POST":
            form = {"receiver_name": (request.form.get("receiver_name") or "").strip(),
                    "relation": request.form.get("relation") or "",
                    "id_checked": form_checked("id_checked"),
                    "authority_letter": form_checked("authority_letter")}
            try:
                hand_over(card, actor(), receiver_name=form["receiver_name"],
                              relation=form["relation"], id_checked=form["id_checked"],
                              authority_letter=form["authority_letter"],
                              secret=current_app.config["SECRET_KEY"])
            except (DomainError, PermissionDenied) as exc:
                db.session.rollback()
                field = getattr(exc, "field", None)
                if field in form:
                    errors[field] = error_message(exc)
                else:
                    flash(error_message(exc), "danger")
            else:
                receipt = url_for(".receipt_view", id=card.id)
                flash(Markup(
                    '{} <a class="btn btn-sm btn-light ml-2" href="{}" target="_blank" '
                    'rel="noopener" data-testid="handover-receipt">{}</a>').format(
                        _("Card of %(n)s handed over to %(r)s.",
                          n=card.application.applicant.name, r=card.receiver_name),
                        receipt, _("Print handover receipt")), "success")
                return redirect(url_for(".index"))
        elif card.status != "stored":
            flash(_("Only a card in custody can be handed over."), "warning")
            return redirect(url_for(".index"))
        return self.render("admin/printing/handover.html", card=card, form=form,
                           errors=errors, relations=RELATION_LABELS, wita=wita)

    @expose("/receipt/")
    @requires("card", "view")
    def receipt_view(self) -> Response:
        card = self._card("view")
        if card.status != "handed_over" or not card.verification_code:
            abort(404)
        from printing.documents import render_handover_receipt

        pdf = render_handover_receipt(card, verify_url(card.verification_code))
        return pdf_response(pdf, f"tanda-terima-ktp-{card.application.number}.pdf")


__all__ = [
    "ApplicationView",
    "BatchStepsMixin",
    "BlankActionsMixin",
    "CustodyView",
    "PendingBatchesView",
    "PrintingScreenMixin",
    "ReconciliationView",
    "StockView",
]
