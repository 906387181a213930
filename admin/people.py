"""Residents and their applications."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l
from wtforms.fields import DateField, SelectField
from wtforms.validators import DataRequired, Length, Optional

from forms.validators import KKNumber, NikFormat, NotInFuture, PersonName, Phone, RtRw
from models import Applicant, Application, applications, codes, wilayah
from models.applications import APPLICATION_STATUSES

from .base import SecuredModelView
from .formatters import (
    code_label,
    mapping_label,
)
from .search import IndexedSearchMixin, NikAjaxLoader, prefix_range, text_match
from .workflow import ApplicationStepsMixin, digits

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

# One list of state names: the domain's.
STATUS_LABELS = applications.STATUS_LABELS


def village_label(view: t.Any, context: t.Any, model: t.Any, name: str) -> str:
    v = wilayah.village(model.village_code) if model.village_code else None
    return f"{v.name}, {v.district_name}" if v else (model.village_code or "")


CHOOSE = ("", _l("— choose —"))


def _code_select(label: t.Any, codelist: codes.CodeList) -> SelectField:
    # An empty first option: a value nobody chose must not slip in as the default.
    return SelectField(label, choices=[CHOOSE, *codes.choices(codelist)],
                       validators=[DataRequired()])


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
    form_extra_fields = {
        "birth_date": DateField(_l("Date of birth"), validators=[DataRequired(),
                                                                   NotInFuture()]),
        "sex": _code_select(_l("Sex"), codes.SEX),
        "blood_type": _code_select(_l("Blood type"), codes.BLOOD_TYPE),
        "religion": _code_select(_l("Religion"), codes.RELIGION),
        "marital_status": _code_select(_l("Marital status"), codes.MARITAL_STATUS),
        "occupation": _code_select(_l("Occupation"), codes.OCCUPATION),
        "citizenship": _code_select(_l("Citizenship"), codes.CITIZENSHIP),
        "village_code": SelectField(_l("Village"), validators=[DataRequired()],
                                    choices=lambda: [CHOOSE, *wilayah.village_choices()]),
    }
    form_args = {
        "nik": {"validators": [DataRequired(), NikFormat()],
                "description": _l("16 digits, as on the family card.")},
        "kk_number": {"validators": [DataRequired(), KKNumber()]},
        "name": {"validators": [DataRequired(), Length(max=60), PersonName()],
                 "description": _l("In capitals, at most 60 characters.")},
        "birth_place": {"validators": [DataRequired(), PersonName()]},
        "address": {"validators": [DataRequired(), Length(max=120)]},
        "rt": {"validators": [DataRequired(), RtRw()]},
        "rw": {"validators": [DataRequired(), RtRw()]},
        "phone": {"validators": [Optional(), Phone()]},
    }
    form_widget_args = {
        "nik": {"inputmode": "numeric", "autocomplete": "off", "maxlength": 20},
        "kk_number": {"inputmode": "numeric", "autocomplete": "off", "maxlength": 20},
    }

    def search_placeholder(self) -> str:
        return str(_l("NIK or name"))

    def create_form(self, obj: t.Any = None) -> t.Any:
        """The intake page links here with ?nik=: the NIK typed at the counter."""
        form = super().create_form(obj)
        if request.method == "GET" and not form.nik.data:
            nik = digits(request.args.get("nik"))
            if nik:
                form.nik.data = nik
        return form

    def search_rules(self, term: str) -> t.Any:
        if term.isdigit():
            if len(term) == 16:
                return Applicant.nik == term
            return prefix_range(Applicant.nik, term)
        return text_match(Applicant.name, term)


class ApplicationView(ApplicationStepsMixin, IndexedSearchMixin, SecuredModelView):
    """Applications; new ones only through the intake page, steps on the details page
    (routes in admin/workflow.py)."""

    entity = "application"
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
    column_filters = ("status", "submitted_at")
    column_choices = {"status": [(s, STATUS_LABELS[s]) for s in APPLICATION_STATUSES]}
    column_formatters = {"status": mapping_label(STATUS_LABELS)}
    column_sortable_list = ("submitted_at",)
    form_columns = ("applicant", "f102_complete")
    form_ajax_refs = {
        "applicant": NikAjaxLoader.create("applicant", Applicant, Applicant.nik,
                                          placeholder=_l("Type at least 4 digits of the NIK")),
    }

    def search_placeholder(self) -> str:
        return str(_l("Receipt number or NIK"))

    def search_rules(self, term: str) -> t.Any:
        if term.isdigit():
            nik = (Applicant.nik == term) if len(term) == 16 else prefix_range(
                Applicant.nik, term)
            return Application.applicant_id.in_(sa.select(Applicant.id).where(nik))
        return prefix_range(Application.number, term.upper())
