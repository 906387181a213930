"""Printed cards: the card list, and custody (cards awaiting collection, oldest first):
search, move to another place, hand over to the resident, the handover receipt."""

from __future__ import annotations

import typing as t
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from forms import show_refusal
from forms.cards import CustodySearchForm, HandoverForm, MoveForm
from models import Card, DomainError, db
from models import whatsapp as wa
from models.cards import (
    CARD_STATUS_LABELS,
    CARD_STATUSES,
    card_issued_data,
    changes_since_issue,
    custody,
    hand_over,
    handed_over_card,
    move_card,
)
from models.permissions import allowed
from models.residents import masked_nik
from models.search import card_conditions
from models.standard import current_standard
from models.survey import survey_code
from models.uploads import open_stored

from .base import actor, pdf_response, reads_personal_data, requires
from .blanks import PrintingModelView, PrintingPage
from .formatters import mapping_label
from .search import IndexedSearchMixin

__all__ = ["CardView", "CustodyView"]

PHOTO_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}


def verify_url(code: str) -> str:
    """What a handover receipt's QR code opens: the public verification page at the
    office's public address (PUBLIC_BASE_URL), never the host this request came to."""
    from printing.links import verify_url as public_verify_url

    return public_verify_url(code)


def handover_receipt_url(application: t.Any, user: t.Any) -> str | None:
    """Where the application's handover receipt is (re)printed, for a user who may
    read cards; None before its card was handed over."""
    if not allowed(user, "card", "view"):
        return None
    card = handed_over_card(application)
    if card is None or not card.verification_code:
        return None
    return url_for("custody.receipt_view", id=card.id)


class CardView(IndexedSearchMixin, PrintingModelView):
    entity = "card"
    # Flask-Admin shows the search box for a searchable list; card_conditions decides.
    column_searchable_list = ("status",)
    column_list = ("blank", "application", "status", "printed_at", "storage_location",
                   "handed_over_at")
    column_details_list = ("blank", "application", "batch", "status", "printed_at",
                           "printed_by", "storage_location", "stored_at", "handed_over_at",
                           "handed_over_by", "receiver_name", "receiver_relation",
                           "receiver_id_checked", "spoil_reason")
    column_export_list = ("blank.serial", "application.number", "status", "printed_at",
                          "storage_location", "handed_over_at", "receiver_name",
                          "receiver_relation")
    column_labels = {
        "blank": _l("Blank serial"), "blank.serial": _l("Blank serial"),
        "application": _l("Application"), "application.number": _l("Application"),
        "batch": _l("Print batch"), "status": _l("Status"), "printed_at": _l("Printed at"),
        "printed_by": _l("Printed by"), "storage_location": _l("Storage location"),
        "stored_at": _l("Stored at"), "handed_over_at": _l("Handed over at"),
        "handed_over_by": _l("Handed over by"), "receiver_name": _l("Received by (name)"),
        "receiver_relation": _l("Relation"), "receiver_id_checked": _l("ID/KK checked"),
        "spoil_reason": _l("Reason spoiled"),
    }
    column_filters = ("status", "printed_at")
    column_choices = {"status": [(s, CARD_STATUS_LABELS[s]) for s in CARD_STATUSES]}
    column_formatters = {"status": mapping_label(CARD_STATUS_LABELS)}
    details_template = "admin/printing/card_details.html"

    def search_placeholder(self) -> str:
        return str(_l("Receipt number, NIK, KK, name or serial"))

    def search_conditions(self, search: str) -> list[t.Any]:
        return card_conditions(search)

    def render(self, template: str, **kwargs: t.Any) -> t.Any:
        """The card's page says when the resident was edited after it was printed,
        and what the card says differently from the data now."""
        if template == self.details_template and kwargs.get("model") is not None:
            card = kwargs["model"]
            kwargs["issue_changes"] = changes_since_issue(card)
            kwargs["receipt_url"] = (url_for("custody.receipt_view", id=card.id)
                                     if card.status == "handed_over"
                                     and card.verification_code else None)
        return super().render(template, **kwargs)


class CustodyView(PrintingPage):
    """Cards awaiting collection, oldest first; moving them and handing them over."""

    entity = "card"

    def _card(self) -> Card:
        from models.validation import parse_id

        key = parse_id(request.args.get("id"))  # 99999999999999999999 is no card
        card = db.session.get(Card, key) if key is not None else None
        if card is None:
            abort(404)
        return card

    @expose("/")
    @requires("card", "list")
    def index(self) -> t.Any:
        search = CustodySearchForm(formdata=request.args)
        term = search.q.data if search.validate() else ""
        flag_days = current_standard().uncollected_flag_days
        rows = custody(term)
        user = actor()
        return self.render(
            "admin/printing/custody.html", rows=rows, flag_days=flag_days, search=search,
            flagged=sum(1 for _c, d in rows if d > flag_days),
            may_move=allowed(user, "card", "store"),
            may_hand_over=allowed(user, "card", "hand_over"),
            may_view_app=allowed(user, "application", "view"), move_form=MoveForm(),
            may_chat=allowed(user, "card", "hand_over"), chat_url=wa.card_ready_url)

    @expose("/whatsapp/")
    @requires("card", "hand_over")
    @reads_personal_data("card")  # the chat carries the resident's number and name
    def whatsapp_view(self) -> Response:
        """Record the use of the "card ready" click-to-chat link, then open the chat."""
        card = self._card()
        url = wa.record_use(actor(), card, wa.card_ready_url(card), "card_ready",
                            ("card", "hand_over"))
        return redirect(url)

    @expose("/move/", methods=("POST",))
    @requires("card", "store")
    def move_view(self) -> Response:
        card = self._card()
        form = MoveForm()
        if form.validate_on_submit():
            move_card(card, actor(), form.storage_location.data or "")
            flash(_("Card on blank %(s)s is now kept at %(l)s.", s=card.blank.serial,
                    l=card.storage_location), "success")
        else:
            for message in form.storage_location.errors:
                flash(str(message), "danger")
        return redirect(url_for(".index"))

    @expose("/handover/", methods=("GET", "POST"))
    @requires("card", "hand_over")
    @reads_personal_data("card", methods=("GET",))
    def handover_view(self) -> t.Any:
        card = self._card()
        form = HandoverForm()
        if request.method == "GET" and card.status != "stored":
            flash(_("Only a card in custody can be handed over."), "warning")
            return redirect(url_for(".index"))
        if form.validate_on_submit():
            try:
                hand_over(card, actor(), receiver_name=form.receiver_name.data or "",
                          relation=form.relation.data, id_checked=form.id_checked.data,
                          authority_letter=form.authority_letter.data,
                          secret=current_app.config["SECRET_KEY"])
            except DomainError as exc:
                db.session.rollback()
                if not show_refusal(form, exc):
                    raise  # not about one field: the app-level handler answers
            else:
                # The survey opens at the kiosk for this handover: its page shows nothing
                # personal, so the screen can be turned towards the resident.
                survey = url_for("public.survey", kiosk=1, code=survey_code(
                    card, current_app.config["SECRET_KEY"]))
                flash(Markup(
                    '{} <a class="btn btn-sm btn-light ml-2" href="{}" target="_blank" '
                    'rel="noopener" data-testid="handover-receipt">{}</a>'
                    ' <a class="btn btn-sm btn-light ml-2" href="{}" target="_blank" '
                    'rel="noopener" data-testid="handover-survey">{}</a>').format(
                        _("Card of %(n)s handed over to %(r)s.",
                          n=card.application.applicant.name, r=card.receiver_name),
                        url_for(".receipt_view", id=card.id), _("Print handover receipt"),
                        survey, _("Fill in the survey at the kiosk")),
                    "success")
                return redirect(url_for(".index"))
        photo_url = (url_for(".photo_view", id=card.id)
                     if card_issued_data(card).get("photo") else None)
        return self.render("admin/printing/handover.html", card=card, form=form,
                           photo_url=photo_url, masked_nik=masked_nik)

    @expose("/photo/")
    @requires("card", "hand_over")
    @reads_personal_data("card")
    def photo_view(self) -> Response:
        """The photo printed on the card, to compare with the person at the counter
        (the photo as issued, whatever was recorded since)."""
        card = self._card()
        rel = card_issued_data(card).get("photo")
        if not rel:
            abort(404)
        try:
            path = open_stored(Path(current_app.config["UPLOAD_FOLDER"]), rel)
        except DomainError:
            abort(404)
        mimetype = PHOTO_TYPES.get(path.suffix.lstrip(".").lower())
        if mimetype is None or not path.is_file():
            abort(404)
        response = send_file(path, mimetype=mimetype, as_attachment=True,
                             download_name=f"foto-{card.application.number}{path.suffix}",
                             max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/receipt/")
    @requires("card", "view")
    @reads_personal_data("card")  # a document reading: audited like the card's page
    def receipt_view(self) -> Response:
        """The handover receipt, (re)printed from what was issued (Card.printed_data)
        and the handover as recorded: the same document whenever it is printed."""
        card = self._card()
        if card.status != "handed_over" or not card.verification_code:
            abort(404)
        from printing.documents import render_handover_receipt

        pdf = render_handover_receipt(card, verify_url(card.verification_code))
        return pdf_response(pdf, f"tanda-terima-ktp-{card.application.number}.pdf")
