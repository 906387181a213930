"""The complaints screen: complaints, suggestions and input as received."""

from __future__ import annotations

import typing as t

from flask_babel import lazy_gettext as _l

from forms.complaints import ComplaintEditForm, ComplaintForm, complaint_form
from models import Application, Complaint
from models.complaints import (
    CHANNEL_LABELS,
    CHANNELS,
    KIND_LABELS,
    KINDS,
    record_complaint,
)
from models.complaints import (
    STATUSES as COMPLAINT_STATUSES,
)

from .base import SecuredModelView, actor
from .formatters import mapping_label
from .search import IndexedSearchMixin, prefix_ajax_loader, prefix_range

COMPLAINT_STATUS_LABELS = {"new": _l("New"), "in_progress": _l("In progress"),
                           "resolved": _l("Resolved"), "rejected": _l("Rejected")}


class ComplaintView(IndexedSearchMixin, SecuredModelView):
    entity = "complaint"
    column_list = ("ticket", "received_at", "channel", "kind", "subject", "status",
                   "assigned_to")
    column_details_list = ("ticket", "received_at", "received_by", "channel", "kind",
                           "complainant_name", "contact", "subject", "body", "application",
                           "status", "assigned_to", "response", "responded_at",
                           "resolved_at")
    column_export_list = ("ticket", "received_at", "channel", "kind", "subject", "body",
                          "status", "response", "responded_at", "resolved_at")
    column_labels = {
        "ticket": _l("Ticket"), "received_at": _l("Received"), "received_by": _l("Recorded by"),
        "channel": _l("Channel"), "kind": _l("Kind"), "complainant_name": _l("Name"),
        "contact": _l("Contact"), "subject": _l("Subject"), "body": _l("Content"),
        "application": _l("Application"), "status": _l("Status"),
        "assigned_to": _l("Handled by"), "response": _l("Response"),
        "responded_at": _l("Responded"), "resolved_at": _l("Resolved"),
    }
    column_filters = ("status", "channel", "kind", "received_at")
    column_choices = {
        "status": [(s, COMPLAINT_STATUS_LABELS[s]) for s in COMPLAINT_STATUSES],
        "channel": [(c, CHANNEL_LABELS[c]) for c in CHANNELS],
        "kind": [(k, KIND_LABELS[k]) for k in KINDS],
    }
    column_formatters = {
        "status": mapping_label(COMPLAINT_STATUS_LABELS),
        "channel": mapping_label(CHANNEL_LABELS),
        "kind": mapping_label(KIND_LABELS),
    }
    column_searchable_list = ("ticket",)
    form = ComplaintForm
    form_ajax_refs = {
        "application": prefix_ajax_loader(
            "application", Application, Application.number, digits_only=False,
            min_chars=4, placeholder=_l("Type the receipt number, e.g. KTP-2611")),
    }

    def create_record(self, model: t.Any) -> list[str]:
        record_complaint(model, actor())
        return []

    def search_rules(self, term: str) -> t.Any:
        return prefix_range(Complaint.ticket, term.upper())

    def get_create_form(self) -> t.Any:
        # Who handles a complaint is the head of division's decision, made later.
        return complaint_form(self._form_ajax_refs["application"])

    def get_edit_form(self) -> t.Any:
        return ComplaintEditForm
