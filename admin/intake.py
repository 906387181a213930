"""The intake counter: find the resident by NIK, tick F-1.02, attach the KK copy; the
application is born (models.intake.open_application) and its service clock starts.

The NIK is posted, never put in an address: the lookup is kept in the session under an
opaque key and the page after it is /admin/intake/?lookup=<key> (Post/Redirect/Get, so
Back and refresh show the same resident again, each showing audited as a reading)."""

from __future__ import annotations

import secrets
import typing as t

from flask import current_app, flash, redirect, request, session, url_for
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

# The session slot of the counter's recent lookups: opaque key -> NIK, newest last.
LOOKUPS = "intake_lookups"
KEPT_LOOKUPS = 8


def remember_lookup(nik: str) -> str:
    """The opaque key that stands for `nik` in this session's addresses (the same key
    again for a NIK looked up a moment ago, so its page keeps its address)."""
    kept = session.get(LOOKUPS)
    kept = dict(kept) if isinstance(kept, dict) else {}
    key = next((k for k, v in kept.items() if v == nik), None) or secrets.token_urlsafe(12)
    kept.pop(key, None)
    kept[key] = nik
    session[LOOKUPS] = dict(list(kept.items())[-KEPT_LOOKUPS:])
    return key


def looked_up(key: str | None) -> str | None:
    """The NIK this session looked up under `key`; None for a key it never gave out
    (another session's, one gone with the session, a made-up one)."""
    kept = session.get(LOOKUPS)
    if not key or not isinstance(kept, dict):
        return None
    nik = kept.get(key)
    return nik if isinstance(nik, str) else None


def _shown_nik() -> str:
    """The NIK whose resident a GET of the counter shows: the lookup's, and none for
    an address still carrying ?nik= (it is never looked up)."""
    if request.method != "GET" or "nik" in request.args:
        return ""
    return looked_up(request.args.get("lookup")) or ""


class IntakeView(SecuredMixin, BaseView):
    """The counter: find the resident by NIK, tick F-1.02, attach the KK copy."""

    entity = "application"
    template = "admin/workflow/intake.html"

    # An intake screen is for whoever may open applications (the recording operator).
    access_action = "create"

    def is_accessible(self) -> bool:
        return super().is_accessible() and self.allowed(self.access_action)

    def subject_value(self, param: str) -> str:
        """A GET shows the lookup kept in the session; a POST carries its NIK."""
        if request.method == "GET":
            return _shown_nik()
        return super().subject_value(param)

    def _page(self, nik: str, lookup: NikLookupForm, form: IntakeForm) -> t.Any:
        user = actor()
        found = (intake.counter_lookup(nik, user)
                 if nik and not lookup.nik.errors else None)
        create_url = None
        if found is not None and found.applicant is None \
                and allowed(user, "applicant", "create"):
            # The applicant form finds the typed NIK in the session, by the same key.
            key = remember_lookup(nik)
            create_url = url_for("applicant.create_view", lookup=key,
                                 url=url_for(".index", lookup=key))
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
            if "nik" in request.args:
                flash(_("For the resident's privacy a NIK in the address is not looked "
                        "up: type it in the NIK field."), "warning")
            elif request.args.get("lookup") and not _shown_nik():
                flash(_("This lookup is no longer kept (the session ended or the "
                        "address is not one of yours): type the NIK again."), "warning")
            nik = _shown_nik()
            return self._page(nik, NikLookupForm(formdata=None, data={"nik": nik}),
                              IntakeForm(formdata=None))
        form = IntakeForm()
        nik = form.nik.data or ""
        lookup = NikLookupForm(formdata=None, data={"nik": nik})
        lookup.validate()  # the NIK's own check (its token is the intake form's)
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

    @expose("/lookup/", methods=("POST",))
    @requires("application", "create")
    def lookup(self) -> t.Any:
        """The NIK typed at the counter, posted: kept in the session, then the page of
        its lookup by its key (nothing is read here; the page's GET is the reading). A
        NIK of the wrong length comes back under its field, looked up by nobody."""
        lookup = NikLookupForm()
        if not lookup.validate():
            return self._page("", lookup, IntakeForm(formdata=None))
        if not lookup.nik.data:
            return redirect(url_for(".index"))
        return redirect(url_for(".index", lookup=remember_lookup(lookup.nik.data)))
