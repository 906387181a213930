"""The applicant screen (residents, form F-1.02)."""

from __future__ import annotations

import typing as t

from flask import abort, flash, request
from flask_admin import expose
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from forms.residents import (
    APPLICANT_FIELD_ARGS,
    APPLICANT_FIELDS,
    APPLICANT_WIDGET_ARGS,
    change_reason_field,
)
from models import Applicant, DomainError, audit, codes, db, wilayah
from models.processing_history import full_history, history_of_resident
from models.residents import update_applicant
from models.search import applicant_conditions
from models.validation import parse_id
from printing.history import render_processing_history

from .base import (
    SecuredModelView,
    actor,
    bounded_int,
    pdf_response,
    reads_personal_data,
    requires,
)
from .formatters import code_label
from .search import IndexedSearchMixin

APPLICANT_LABELS = {
    "nik": _l("NIK"),
    "kk_number": _l("Family card (KK) number"),
    "name": _l("Name"),
    "birth_place": _l("Place of birth"),
    "birth_date": _l("Date of birth"),
    "sex": _l("Sex"),
    "blood_type": _l("Blood type"),
    "religion": _l("Religion"),
    "marital_status": _l("Marital status"),
    "occupation": _l("Occupation"),
    "citizenship": _l("Citizenship"),
    "address": _l("Address"),
    "rt": _l("RT"),
    "rw": _l("RW"),
    "village_code": _l("Village"),
    "phone": _l("Phone"),
    "created_at": _l("Created"),
    "updated_at": _l("Last changed"),
}


def village_label(view: t.Any, context: t.Any, model: t.Any, name: str) -> str:
    v = wilayah.village(model.village_code) if model.village_code else None
    return f"{v.name}, {v.district_name}" if v else (model.village_code or "")


class ApplicantView(IndexedSearchMixin, SecuredModelView):
    entity = "applicant"
    column_list = ("nik", "name", "birth_date", "sex", "marital_status", "village_code")
    column_details_list = ("nik", "kk_number", "name", "birth_place", "birth_date", "sex",
                           "blood_type", "religion", "marital_status", "occupation",
                           "citizenship", "address", "rt", "rw", "village_code", "phone",
                           "created_at", "updated_at")
    column_export_list = ("nik", "kk_number", "name", "birth_place", "birth_date", "sex",
                          "religion", "marital_status", "occupation", "address", "rt", "rw",
                          "village_code")
    column_labels = APPLICANT_LABELS
    column_searchable_list = ("nik", "name")
    column_filters = ("marital_status", "sex", "village_code", "birth_date")
    column_sortable_list = ("name", "birth_date")
    column_formatters = {
        "sex": code_label(codes.SEX),
        "religion": code_label(codes.RELIGION),
        "marital_status": code_label(codes.MARITAL_STATUS),
        "blood_type": code_label(codes.BLOOD_TYPE),
        "occupation": code_label(codes.OCCUPATION),
        "citizenship": code_label(codes.CITIZENSHIP),
        "village_code": village_label,
    }
    column_choices = {
        "sex": list(codes.SEX),
        "marital_status": list(codes.MARITAL_STATUS),
    }
    form_columns = ("nik", "kk_number", "name", "birth_place", "birth_date", "sex",
                    "blood_type", "religion", "marital_status", "occupation", "citizenship",
                    "address", "rt", "rw", "village_code", "phone")
    form_extra_fields = APPLICANT_FIELDS
    form_args = APPLICANT_FIELD_ARGS
    form_widget_args = APPLICANT_WIDGET_ARGS

    details_template = "admin/residents/details.html"

    def _applicant(self) -> Applicant:
        key = parse_id(request.args.get("id"))  # by id: a NIK never goes in a URL
        applicant = db.session.get(Applicant, key) if key is not None else None
        if applicant is None:
            abort(404)
        return applicant

    @expose("/history/")
    @requires("applicant", "history")
    @reads_personal_data("applicant")
    def history_view(self) -> t.Any:
        """The resident's processing history (UU 27/2022 art. 32), newest first, paged."""
        applicant = self._applicant()
        page = bounded_int(request.args.get("page"), 0, 100_000) or 0
        history = history_of_resident(actor(), applicant, page)
        return self.render("admin/residents/history.html", applicant=applicant,
                           history=history)

    @expose("/history/pdf/")
    @requires("applicant", "history")
    @reads_personal_data("applicant")  # printing it is itself a reading, on record
    def history_pdf_view(self) -> t.Any:
        """The history as an A4 PDF to hand to the resident, in Indonesian."""
        applicant = self._applicant()
        with force_locale("id"):
            history = full_history(actor(), applicant)
        data = render_processing_history(applicant, history, actor().full_name)
        return pdf_response(data, f"riwayat-pemrosesan-{applicant.id}.pdf")

    def search_placeholder(self) -> str:
        return str(_l("NIK, KK or any part of the name"))

    def create_form(self, obj: t.Any = None) -> t.Any:
        """The intake page links here with ?lookup=<key>: the NIK typed at the counter,
        kept in the session (never in the address)."""
        from .intake import looked_up

        form = super().create_form(obj)
        if request.method == "GET" and not form.nik.data:
            nik = looked_up(request.args.get("lookup"))
            if nik:
                form.nik.data = nik
        return form

    def get_edit_form(self) -> t.Any:
        """The scaffolded form, plus the reason an edit needs once a card is issued."""
        scaffolded = super().get_edit_form()
        return type("ApplicantEditForm", (scaffolded,),
                    {"change_reason": change_reason_field()})

    def edit_form(self, obj: t.Any = None) -> t.Any:
        """The reason is asked for only when the resident's KTP-el is printed."""
        form = super().edit_form(obj)
        if obj is None or not obj.has_issued_card:
            del form.change_reason
        return form

    def update_model(self, form: t.Any, model: t.Any) -> bool:
        before = audit.snapshot(model)
        reason = form.change_reason.data if "change_reason" in form else None
        for name, field in form._fields.items():
            if name != "change_reason":
                field.populate_obj(model, name)
        try:
            warnings = update_applicant(actor(), model, before, reason)
        except DomainError as exc:
            self._show_domain_error(form, exc)
            return False
        for warning in warnings:
            flash(str(warning), "warning")
        return True

    def search_conditions(self, search: str) -> list[t.Any]:
        return applicant_conditions(search)
