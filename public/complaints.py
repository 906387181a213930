"""/complaint: the web channel of complaints, suggestions and input (a ticket is
recorded through models.complaints.record_complaint, channel "web", no user), with
CSRF, a honeypot and a per-address limit; /complaint/<ticket>: its state and the
office's responses, nothing personal."""

from __future__ import annotations

import typing as t

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from forms import show_refusal
from forms.public import TicketForm, WebComplaintForm
from models import DomainError, db
from models.complaints import Complaint, record_complaint
from models.public import complaint_status as public_complaint

from .common import bp, limited, no_store


@bp.route("/complaint", methods=("GET", "POST"))
@limited("PUBLIC_COMPLAINT_LIMIT", "complaint", methods=["POST"])
@no_store
def complaint() -> t.Any:
    form = WebComplaintForm()
    refused = None
    if request.method == "POST" and form.validate_on_submit():
        if form.is_robot:
            refused = _("Your message was not sent: a field meant to stay empty was "
                        "filled in. Reload the page and send it again.")
        else:
            try:
                recorded = _record(form)
            except DomainError as exc:
                db.session.rollback()
                if not show_refusal(form, exc):
                    refused = str(exc.message)
            else:
                flash(_("Your message has been received. Your ticket number is %(t)s: "
                        "keep it to follow the answer.", t=recorded.ticket), "success")
                return redirect(url_for(".complaint_status", ticket=recorded.ticket))
    status = 400 if request.method == "POST" else 200
    return render_template("public/complaint.html", form=form, refused=refused,
                           ticket_form=TicketForm(formdata=None)), status


def _record(form: WebComplaintForm) -> Complaint:
    """Record the web complaint. A receipt number links its application when one has
    it; an unknown one is kept in the text for the office instead of being refused, so
    the form cannot be used to learn which receipt numbers exist."""

    def complaint(body: str) -> Complaint:
        return Complaint(channel="web", kind=form.kind.data, subject=form.subject.data,
                         body=body, complainant_name=form.complainant_name.data,
                         contact=form.contact.data)

    number = form.receipt_number.data or None
    try:
        return record_complaint(complaint(form.body.data), None, number)
    except DomainError as exc:
        if number is None or exc.field != "application":
            raise
        db.session.rollback()
    return record_complaint(complaint(f"{form.body.data}\n\n[{number}]"), None)


@bp.get("/complaint/follow")
def complaint_follow() -> t.Any:
    """The ticket look-up form: on to the ticket's page."""
    form = TicketForm(request.args)
    if form.validate():
        return redirect(url_for(".complaint_status", ticket=form.ticket.data))
    return render_template("public/complaint_follow.html", unknown=False,
                           ticket_form=form), 400


@bp.get("/complaint/<path:ticket>")
@no_store
def complaint_status(ticket: str) -> t.Any:
    found = public_complaint(ticket)
    if found is None:  # unknown or malformed: the look-up again, nothing echoed
        return render_template("public/complaint_follow.html", unknown=True,
                               ticket_form=TicketForm(formdata=None)), 404
    return render_template("public/complaint_status.html", complaint=found)
