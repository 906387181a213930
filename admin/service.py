"""Complaints, disruptions and the published service standard."""

from __future__ import annotations

import typing as t

from flask import flash, request
from flask_admin.actions import action
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms.fields import DateField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, ValidationError

from models import Application, DomainError, db
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
from models.permissions import PermissionDenied
from models.service_clock import (
    DISRUPTION_KINDS,
    DISRUPTION_LABELS,
    close_disruption,
    open_disruption,
)
from models.standard import EDITABLE_FIELDS, current_standard, publish_version

from .base import SecuredModelView, actor
from .formatters import (
    mapping_label,
)
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
    form_columns = ("channel", "kind", "complainant_name", "contact", "subject", "body",
                    "application", "assigned_to")
    form_extra_fields = {
        "channel": SelectField(_l("Channel"), validators=[DataRequired()],
                               choices=[(c, CHANNEL_LABELS[c]) for c in CHANNELS]),
        "kind": SelectField(_l("Kind"), validators=[DataRequired()],
                            choices=[(k, KIND_LABELS[k]) for k in KINDS]),
        "body": TextAreaField(_l("Content"), validators=[DataRequired()]),
    }
    form_ajax_refs = {
        "application": prefix_ajax_loader(
            "application", Application, Application.number, digits_only=False,
            min_chars=4, placeholder=_l("Type the receipt number, e.g. KTP-2611")),
    }

    def create_record(self, model: t.Any) -> list[str]:
        record_complaint(model, actor())
        return []

    def search_rules(self, term: str) -> t.Any:
        from models import Complaint

        return prefix_range(Complaint.ticket, term.upper())

    def _form_without(self, *names: str) -> t.Any:
        form = self.scaffold_form()
        for name in names:
            if hasattr(form, name):
                delattr(form, name)
        return form

    def get_create_form(self) -> t.Any:
        # Who handles a complaint is the head of division's decision, made later.
        return self._form_without("assigned_to")

    def get_edit_form(self) -> t.Any:
        # What was received stays as received: only the summary and the handler change.
        return self._form_without("channel", "kind", "complainant_name", "contact",
                                  "application")


class DisruptionView(SecuredModelView):
    entity = "disruption"
    column_list = ("kind", "started_at", "ended_at", "description", "reported_by")
    column_details_list = ("kind", "started_at", "ended_at", "description", "reported_by",
                           "closed_by")
    column_export_list = ("kind", "started_at", "ended_at", "description")
    column_labels = {"kind": _l("Kind"), "started_at": _l("Started"), "ended_at": _l("Ended"),
                     "description": _l("Description"), "reported_by": _l("Reported by"),
                     "closed_by": _l("Closed by")}
    column_filters = ("kind", "started_at")
    column_choices = {"kind": [(k, DISRUPTION_LABELS[k]) for k in DISRUPTION_KINDS]}
    column_formatters = {"kind": mapping_label(DISRUPTION_LABELS)}
    form_columns = ("kind", "description")
    form_extra_fields = {
        "kind": SelectField(_l("Kind"), validators=[DataRequired()],
                            choices=[(k, DISRUPTION_LABELS[k]) for k in DISRUPTION_KINDS]),
        "description": TextAreaField(_l("Description"), validators=[DataRequired()]),
    }

    def create_record(self, model: t.Any) -> list[str]:
        open_disruption(model, actor())
        return []

    @action("close", _l("Close disruption"), _l("Mark the selected disruptions as over?"))
    def action_close(self, ids: list[str]) -> None:
        done = 0
        for disruption in self.scoped_records(ids):
            try:
                close_disruption(disruption, actor())
                done += 1
            except (DomainError, PermissionDenied) as exc:
                db.session.rollback()
                flash(str(exc.message), "danger")
        if done:
            flash(ngettext("%(num)d disruption closed.", "%(num)d disruptions closed.", done),
                  "success")


def parse_channels(text: str) -> list[dict[str, str]]:
    """One 'channel: contact' per line, channel from the complaint channel list."""
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        channel, sep, contact = line.partition(":")
        channel = channel.strip()
        if not sep or channel not in CHANNELS or not contact.strip():
            raise ValidationError(str(_l(
                "Line %(n)d: write 'channel: contact' with a channel from %(list)s.",
                n=n, list=", ".join(CHANNELS))))
        out.append({"channel": channel, "contact": contact.strip()})
    if not out:
        raise ValidationError(str(_l("List at least one complaint channel.")))
    return out


class ServiceStandardView(SecuredModelView):
    """Each save publishes a new version; older versions stay readable."""

    entity = "service_standard"
    column_default_sort = ("version", True)
    column_list = ("version", "document_number", "document_date", "eligibility_age",
                   "sla_hours", "sla_hours_disrupted", "fee", "created_at")
    column_details_list = ("version", "document_number", "document_date", "unit",
                           "eligibility_age", "sla_hours", "sla_hours_disrupted", "fee",
                           "complaint_channels", "service_delivery_text",
                           "internal_management_text", "low_stock_threshold",
                           "complaint_response_days", "uncollected_flag_days", "created_at",
                           "created_by")
    column_export_list = ("version", "document_number", "document_date", "eligibility_age",
                          "sla_hours", "sla_hours_disrupted", "fee")
    column_labels = {
        "version": _l("Version"), "document_number": _l("Document number"),
        "document_date": _l("Document date"), "unit": _l("Work unit"),
        "eligibility_age": _l("Minimum age"), "sla_hours": _l("Service time (hours)"),
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
    }
    form_columns = EDITABLE_FIELDS
    form_extra_fields = {
        "document_date": DateField(_l("Document date"), validators=[DataRequired()]),
        "eligibility_age": IntegerField(_l("Minimum age"),
                                        validators=[DataRequired(), NumberRange(10, 25)]),
        "sla_hours": IntegerField(_l("Service time (hours)"),
                                  validators=[DataRequired(), NumberRange(1, 720)]),
        "sla_hours_disrupted": IntegerField(_l("Service time under disruption (hours)"),
                                            validators=[DataRequired(), NumberRange(1, 720)]),
        "fee": IntegerField(_l("Fee (Rp)"), validators=[NumberRange(0, 10_000_000)]),
        "complaint_channels": TextAreaField(
            _l("Complaint channels"), validators=[DataRequired()],
            description=_l("One per line, e.g. 'phone: 081237634471'.")),
        "service_delivery_text": TextAreaField(_l("A. Service delivery"),
                                               validators=[DataRequired()]),
        "internal_management_text": TextAreaField(_l("B. Internal management"),
                                                  validators=[DataRequired()]),
        "low_stock_threshold": IntegerField(_l("Low blank stock warning at"),
                                            validators=[NumberRange(0, 100_000)]),
        "complaint_response_days": IntegerField(_l("Complaint response time (days)"),
                                                validators=[NumberRange(1, 60)]),
        "uncollected_flag_days": IntegerField(_l("Flag uncollected cards after (days)"),
                                              validators=[NumberRange(1, 365)]),
    }

    def create_form(self, obj: t.Any = None) -> t.Any:
        form = super().create_form(obj)
        if request.method != "POST":
            std = current_standard()
            for name in EDITABLE_FIELDS:
                value = getattr(std, name)
                if name == "complaint_channels":
                    value = "\n".join(f"{x['channel']}: {x['contact']}" for x in value)
                form[name].data = value
        return form

    def create_model(self, form: t.Any) -> t.Any:
        values = {name: form[name].data for name in EDITABLE_FIELDS}
        try:
            values["complaint_channels"] = parse_channels(values["complaint_channels"])
            return publish_version(actor(), values)
        except ValidationError as exc:
            form["complaint_channels"].errors = [str(exc)]
        except (DomainError, PermissionDenied) as exc:
            db.session.rollback()
            self._show_domain_error(form, exc)
        return False


__all__ = ["Application", "ComplaintView", "DisruptionView", "ServiceStandardView"]
