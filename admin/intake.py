"""The intake counter: find the resident by NIK, tick F-1.02, attach the KK copy; the
application is born (models.intake.open_application) and its service clock starts."""

from __future__ import annotations

import typing as t

from flask import current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from markupsafe import Markup

from forms import show_refusal
from forms.applications import IntakeForm, NikLookupForm, file_bytes
from models import DomainError, PermissionDenied, db, intake, residents
from models.blanks import stock_alert
from models.permissions import allowed
from models.uploads import store_document

from .base import SecuredMixin, actor, reads_personal_data, requires


class IntakeView(SecuredMixin, BaseView):
    """The counter: find the resident by NIK, tick F-1.02, attach the KK copy."""

    entity = "application"
    template = "admin/workflow/intake.html"

    # An intake screen is for whoever may open applications (the recording operator).
    access_action = "create"

    def is_accessible(self) -> bool:
        return super().is_accessible() and self.allowed(self.access_action)

    def _page(self, nik: str, lookup: NikLookupForm, form: IntakeForm) -> t.Any:
        user = actor()
        found = (intake.counter_lookup(nik, user)
                 if nik and not lookup.nik.errors else None)
        create_url = None
        if found is not None and found.applicant is None \
                and allowed(user, "applicant", "create"):
            create_url = url_for("applicant.create_view", nik=nik,
                                 url=url_for(".index", nik=nik))
        if found is not None and found.applicant is not None:
            form.nik.data = found.applicant.nik
        # Out of blanks: the counter says so (intake goes on; printing waits).
        stock = stock_alert()
        return self.render(self.template, lookup=lookup, form=form, nik=nik, found=found,
                           create_url=create_url,
                           printing_stock=stock if stock is not None and stock.empty
                           else None)

    @expose("/", methods=("GET", "POST"))
    @requires("application", "create")
    @reads_personal_data("applicant", subject_param="nik")
    def index(self) -> t.Any:
        if request.method == "GET":
            lookup = NikLookupForm(formdata=request.args)
            lookup.validate()
            return self._page(lookup.nik.data or "", lookup, IntakeForm(formdata=None))
        form = IntakeForm()
        nik = form.nik.data or ""
        lookup = NikLookupForm(formdata=None, data={"nik": nik})
        lookup.validate()
        if not form.validate():
            return self._page(nik, lookup, form)
        applicant = residents.by_nik(nik)
        if applicant is None:
            flash(_("No resident with NIK %(nik)s is registered.", nik=nik), "danger")
            return self._page(nik, lookup, form)
        try:
            kk_copy = None
            data = file_bytes(form.kk_copy)
            # Unticked F-1.02: nothing is stored, the domain says what is missing.
            if form.f102_complete.data and data is not None:
                try:
                    kk_copy = store_document(current_app.config["UPLOAD_FOLDER"], data)
                except DomainError as exc:
                    raise DomainError(exc.message, field="kk_copy") from exc
            application = intake.open_application(
                applicant, actor(), f102_complete=form.f102_complete.data, kk_copy=kk_copy)
        except PermissionDenied:
            raise  # the app-level handler: an audited 403
        except DomainError as exc:
            # The form comes back: the message on top, and next to its field if it has one.
            db.session.rollback()
            flash(str(exc.message), "danger")
            show_refusal(form, exc)
            return self._page(nik, lookup, form)
        receipt = url_for("application.receipt_view", id=application.id)
        flash(Markup(
            '{} <a class="btn btn-sm btn-light ml-2" href="{}" target="_blank" '
            'rel="noopener" data-testid="print-receipt">{}</a>').format(
                _("Application %(n)s submitted; the service clock has started.",
                  n=application.number),
                receipt, _("Print receipt")), "success")
        return redirect(url_for("application.details_view", id=application.id))
