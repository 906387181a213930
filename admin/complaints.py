"""The complaints screen: complaints, suggestions and input as received, their
deadlines, and the handling steps (assign, respond, resolve or reject), the printed
acknowledgement and the WhatsApp click-to-chat. The rules live in models.complaints."""

from __future__ import annotations

import typing as t

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from forms import show_refusal
from forms.complaints import (
    AssignForm,
    CloseForm,
    ResponseForm,
    complaint_edit_form,
    complaint_form,
)
from models import Application, Complaint, DomainError, db
from models import whatsapp as wa
from models.complaints import (
    CHANNEL_LABELS,
    CHANNELS,
    KIND_LABELS,
    KINDS,
    RESPONSE_KIND_LABELS,
    STATUS_LABELS,
    STATUSES,
    assign,
    due_day,
    may_act_on,
    overdue_condition,
    record_complaint,
    reject,
    resolve,
    respond,
    sees_contact,
)
from models.office_time import format_date, format_datetime
from models.permissions import allowed

from .base import SecuredModelView, actor, pdf_response, reads_personal_data, requires
from .formatters import mapping_label
from .search import IndexedSearchMixin, prefix_ajax_loader, prefix_range

COMPLAINT_STATUS_LABELS = STATUS_LABELS
# Shown only to the roles that handle complaints (models.complaints.sees_contact).
CONTACT_COLUMNS = frozenset({"contact"})


class OverdueFilter(BaseSQLAFilter):
    """Open complaints past a deadline (yes) or not (no): one indexed comparison."""

    def __init__(self) -> None:
        super().__init__(Complaint.resolution_due_at, _l("Overdue"),
                         options=(("1", _l("Yes")), ("0", _l("No"))))

    def apply(self, query: t.Any, value: t.Any, alias: t.Any = None) -> t.Any:
        condition = overdue_condition()
        return query.filter(condition if value == "1" else ~condition)

    def operation(self) -> t.Any:
        return _l("is")


def _deadline(view: t.Any, context: t.Any, model: Complaint, name: str) -> Markup:
    """The resolution deadline's day; an overdue complaint says so (badge + class)."""
    text = format_date(due_day(model.resolution_due_at))
    late = model.overdue_kind()
    if late is None:
        return Markup('<span class="complaint-deadline">{}</span>').format(text)
    label = (_("Overdue: no first response") if late == "first_response"
             else _("Overdue"))
    return Markup('<span class="complaint-deadline">{}</span> '
                  '<span class="badge badge-danger complaint-overdue" '
                  'data-testid="overdue">{}</span>').format(text, label)


class ComplaintView(IndexedSearchMixin, SecuredModelView):
    entity = "complaint"
    list_template = "admin/complaints/list.html"
    details_template = "admin/complaints/details.html"
    column_list = ("ticket", "received_at", "channel", "kind", "subject", "status",
                   "assigned_to", "resolution_due_at")
    column_details_list = ("ticket", "received_at", "received_by", "channel", "kind",
                           "complainant_name", "contact", "subject", "body", "application",
                           "status", "assigned_to", "first_response_due_at",
                           "resolution_due_at", "responded_at", "resolved_at")
    column_export_list = ("ticket", "received_at", "channel", "kind", "contact", "subject",
                          "body", "status", "first_response_due_at", "resolution_due_at",
                          "responded_at", "resolved_at")
    column_labels = {
        "ticket": _l("Ticket"), "received_at": _l("Received"), "received_by": _l("Recorded by"),
        "channel": _l("Channel"), "kind": _l("Kind"), "complainant_name": _l("Name"),
        "contact": _l("Contact"), "subject": _l("Subject"), "body": _l("Content"),
        "application": _l("Application"), "status": _l("Status"),
        "assigned_to": _l("Handled by"), "response": _l("Response"),
        "responded_at": _l("First response"), "resolved_at": _l("Closed"),
        "first_response_due_at": _l("First response due"),
        "resolution_due_at": _l("Deadline"),
    }
    column_filters = ("status", "channel", "kind", "received_at", OverdueFilter())
    column_choices = {
        "status": [(s, COMPLAINT_STATUS_LABELS[s]) for s in STATUSES],
        "channel": [(c, CHANNEL_LABELS[c]) for c in CHANNELS],
        "kind": [(k, KIND_LABELS[k]) for k in KINDS],
    }
    column_formatters = {
        "status": mapping_label(COMPLAINT_STATUS_LABELS),
        "channel": mapping_label(CHANNEL_LABELS),
        "kind": mapping_label(KIND_LABELS),
        "resolution_due_at": _deadline,
    }
    column_formatters_detail = {
        "status": mapping_label(COMPLAINT_STATUS_LABELS),
        "channel": mapping_label(CHANNEL_LABELS),
        "kind": mapping_label(KIND_LABELS),
        "resolution_due_at": _deadline,
        "first_response_due_at": lambda v, c, m, n: format_date(due_day(
            m.first_response_due_at)),
    }
    column_formatters_export = {
        "status": mapping_label(COMPLAINT_STATUS_LABELS),
        "channel": mapping_label(CHANNEL_LABELS),
        "kind": mapping_label(KIND_LABELS),
    }
    column_searchable_list = ("ticket",)
    form_ajax_refs = {
        "application": prefix_ajax_loader(
            "application", Application, Application.number, digits_only=False,
            min_chars=4, placeholder=_l("Type the receipt number, e.g. KTP-2611")),
    }

    def get_filter_arg(self, index: int, flt: t.Any) -> str:
        """The overdue filter's URL is the same in every language: ?flt0_overdue=1."""
        if isinstance(flt, OverdueFilter):
            return "overdue"
        return super().get_filter_arg(index, flt)

    # ---- the complainant's contact: only for the roles that handle complaints
    def _shows_contact(self) -> bool:
        return self._configuring or sees_contact(current_user)

    def _without_contact(self, columns: list[t.Any]) -> list[t.Any]:
        if self._shows_contact():
            return columns
        return [c for c in columns if c[0] not in CONTACT_COLUMNS]

    @property  # type: ignore[override]
    def _details_columns(self) -> list[t.Any]:
        return self._without_contact(self.__dict__.get("_all_details_columns", []))

    @_details_columns.setter
    def _details_columns(self, value: list[t.Any]) -> None:
        self.__dict__["_all_details_columns"] = value

    @property  # type: ignore[override]
    def _export_columns(self) -> list[t.Any]:
        return self._without_contact(self.__dict__.get("_all_export_columns", []))

    @_export_columns.setter
    def _export_columns(self, value: list[t.Any]) -> None:
        self.__dict__["_all_export_columns"] = value

    # ---- recording and correcting
    def create_record(self, model: t.Any) -> list[str]:
        record_complaint(model, actor())
        if model.channel == "in_person":
            flash(Markup('{} <a class="btn btn-sm btn-light ml-2" href="{}" target="_blank" '
                         'rel="noopener" data-testid="acknowledgement">{}</a>').format(
                _("Complaint recorded with ticket %(t)s.", t=model.ticket),
                url_for(".acknowledgement_view", id=model.id),
                _("Print acknowledgement")), "success")
        else:
            flash(_("Complaint recorded with ticket %(t)s.", t=model.ticket), "success")
        return []

    def search_rules(self, term: str) -> t.Any:
        return prefix_range(Complaint.ticket, term.upper())

    def get_create_form(self) -> t.Any:
        # Who handles a complaint is the head of division's decision, made later.
        return complaint_form(self._form_ajax_refs["application"])

    def get_edit_form(self) -> t.Any:
        return complaint_edit_form(self._form_ajax_refs["application"])

    # ---- the details page: deadlines, responses, handling steps
    def render(self, template: str, **kwargs: t.Any) -> t.Any:
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            user = actor()
            kwargs.setdefault("assign_form", AssignForm(formdata=None,
                                                        assigned_to=model.assigned_to))
            kwargs.setdefault("response_form", ResponseForm(formdata=None))
            kwargs.setdefault("close_form", CloseForm(formdata=None))
            kwargs.update(
                may_assign=model.is_open and allowed(user, "complaint", "assign"),
                may_respond=may_act_on(user, model, "respond"),
                may_close=may_act_on(user, model, "resolve"),
                overdue=model.overdue_kind(),
                response_kind_labels=RESPONSE_KIND_LABELS,
                whatsapp=(sees_contact(user) and model.responses
                          and wa.international_number(model.contact) is not None),
                acknowledgement=model.channel == "in_person",
            )
            kwargs.setdefault("wita", lambda v: format_datetime(v, zone_label=True))
        return super().render(template, **kwargs)

    def _complaint(self) -> Complaint:
        complaint = self.get_one(request.args.get("id", ""))
        if complaint is None:
            abort(404)
        return complaint

    def _details_page(self, complaint: Complaint, **forms: t.Any) -> t.Any:
        """The details page again, a step's form with its errors next to the fields."""
        return self.render(self.details_template, model=complaint,
                           details_columns=self._details_columns,
                           get_value=self.get_detail_value,
                           return_url=self.get_url(".index_view"), **forms)

    def _done(self, complaint: Complaint, message: str) -> t.Any:
        flash(message, "success")
        return redirect(url_for(".details_view", id=complaint.id))

    def _step(self, complaint: Complaint, form: t.Any, name: str,
              run: t.Callable[[], t.Any], message: str) -> t.Any:
        if not form.validate_on_submit():
            return self._details_page(complaint, **{name: form})
        try:
            run()
        except DomainError as exc:
            db.session.rollback()
            if not show_refusal(form, exc):
                raise  # not about one field: the app-level handler answers
            return self._details_page(complaint, **{name: form})
        return self._done(complaint, message)

    @expose("/assign/", methods=("POST",))
    @requires("complaint", "assign")
    @reads_personal_data("complaint")
    def assign_view(self) -> t.Any:
        complaint = self._complaint()
        form = AssignForm()
        return self._step(complaint, form, "assign_form",
                          lambda: assign(complaint, actor(), form.assigned_to.data),
                          _("Complaint %(t)s assigned.", t=complaint.ticket))

    @expose("/respond/", methods=("POST",))
    @requires("complaint", "respond")
    @reads_personal_data("complaint")
    def respond_view(self) -> t.Any:
        complaint = self._complaint()
        form = ResponseForm()
        return self._step(complaint, form, "response_form",
                          lambda: respond(complaint, actor(), form.text.data),
                          _("Response to %(t)s recorded.", t=complaint.ticket))

    @expose("/close/", methods=("POST",))
    @requires("complaint", "resolve")
    @reads_personal_data("complaint")
    def close_view(self) -> t.Any:
        complaint = self._complaint()
        form = CloseForm()

        def run() -> t.Any:
            step = resolve if form.outcome.data == "resolved" else reject
            return step(complaint, actor(), form.text.data)

        return self._step(complaint, form, "close_form", run,
                          _("Complaint %(t)s closed.", t=complaint.ticket))

    @expose("/acknowledgement/")
    @requires("complaint", "view")
    def acknowledgement_view(self) -> t.Any:
        """The A5 acknowledgement handed to a complainant at the counter."""
        from printing.documents import render_complaint_acknowledgement
        from printing.links import complaint_follow_url

        complaint = self._complaint()
        pdf = render_complaint_acknowledgement(
            complaint, complaint_follow_url(complaint.ticket), office_contacts())
        return pdf_response(pdf, f"tanda-terima-pengaduan-{complaint.ticket}.pdf")

    @expose("/whatsapp/")
    @requires("complaint", "respond")
    @reads_personal_data("complaint")  # the chat carries the complainant's number
    def whatsapp_view(self) -> t.Any:
        """Record the use of the click-to-chat link, then open the chat (wa.me)."""
        from printing.links import complaint_follow_url

        complaint = self._complaint()
        url = wa.complaint_answered_url(complaint, complaint_follow_url(complaint.ticket))
        wa.record_use(actor(), complaint, url, "complaint_answered",
                      ("complaint", "respond"))
        return redirect(t.cast(str, url))


def office_contacts() -> str:
    """The office's phone, WhatsApp and e-mail from the standard in force."""
    from models.standard import office_contacts as contacts_in_force

    return contacts_in_force()
