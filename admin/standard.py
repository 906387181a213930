"""The service standard screen: each save publishes a new version
(models.standard.publish_version); older versions stay readable."""

from __future__ import annotations

import typing as t

from flask import request
from flask_babel import lazy_gettext as _l

from forms.standard import ServiceStandardForm
from models import DomainError, codes, db
from models.complaints import CHANNEL_LABELS
from models.standard import current_standard, publish_version

from .base import SecuredModelView, actor


class ServiceStandardView(SecuredModelView):
    entity = "service_standard"
    column_default_sort = ("version", True)
    column_list = ("version", "document_number", "document_date", "eligibility_age",
                   "sla_hours", "sla_hours_disrupted", "fee", "created_at")
    column_details_list = ("version", "document_number", "document_date", "unit",
                           "eligibility_age", "eligible_marital_statuses", "sla_hours",
                           "sla_hours_disrupted", "fee",
                           "complaint_channels", "service_delivery_text",
                           "internal_management_text", "low_stock_threshold",
                           "complaint_response_days", "uncollected_flag_days", "created_at",
                           "created_by")
    column_export_list = ("version", "document_number", "document_date", "eligibility_age",
                          "sla_hours", "sla_hours_disrupted", "fee")
    column_labels = {
        "version": _l("Version"), "document_number": _l("Document number"),
        "document_date": _l("Document date"), "unit": _l("Work unit"),
        "eligibility_age": _l("Minimum age"),
        "eligible_marital_statuses": _l("Eligible below the age when"),
        "sla_hours": _l("Service time (hours)"),
        "sla_hours_disrupted": _l("Service time under disruption (hours)"),
        "fee": _l("Fee (Rp)"), "complaint_channels": _l("Complaint channels"),
        "service_delivery_text": _l("A. Service delivery"),
        "internal_management_text": _l("B. Internal management"),
        "low_stock_threshold": _l("Low blank stock warning at"),
        "complaint_response_days": _l("Complaint response time (days)"),
        "uncollected_flag_days": _l("Flag uncollected cards after (days)"),
        "created_at": _l("Published"), "created_by": _l("Published by"),
    }
    column_formatters = {
        "complaint_channels": lambda v, c, m, n: "; ".join(
            f"{CHANNEL_LABELS.get(x.get('channel'), x.get('channel'))}: {x.get('contact')}"
            for x in (m.complaint_channels or [])),
        "eligible_marital_statuses": lambda v, c, m, n: ", ".join(
            dict(codes.MARITAL_STATUS).get(code, code) for code in sorted(m.marital_codes)),
    }
    form = ServiceStandardForm

    def create_form(self, obj: t.Any = None) -> t.Any:
        # A new version starts from the one in force.
        if request.method != "POST":
            obj = current_standard()
        return super().create_form(obj)

    def create_model(self, form: t.Any) -> t.Any:
        try:
            return publish_version(actor(), form.standard_values())
        except DomainError as exc:  # shown next to its field, the form re-rendered
            db.session.rollback()
            self._show_domain_error(form, exc)
            return False
