"""The disruptions screen: reported through open_disruption, ended through
close_disruption, an entry after the fact confirmed through confirm_disruption
(models.service_clock)."""

from __future__ import annotations

import typing as t

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from forms import show_refusal
from forms.disruptions import ConfirmDisruptionForm, DismissDisruptionForm, DisruptionForm
from models import DomainError, db
from models.office_time import format_datetime
from models.permissions import PermissionDenied
from models.service_clock import (
    DISRUPTION_KINDS,
    DISRUPTION_LABELS,
    Disruption,
    close_disruption,
    confirm_disruption,
    dismiss_disruption,
    may_confirm,
    open_disruption,
)

from .base import SecuredModelView, actor, requires
from .formatters import mapping_label


def _confirmation(view: t.Any, context: t.Any, model: Disruption, name: str) -> str:
    """Whether the disruption extends clocks: as reported, confirmed, or waiting."""
    if not model.needs_confirmation:
        return str(_l("Reported as it happened"))
    if model.dismissed_at is not None:
        who = model.dismissed_by.full_name if model.dismissed_by else ""
        return str(_l("Dismissed by %(who)s at %(at)s: %(why)s", who=who,
                      at=format_datetime(model.dismissed_at, zone_label=True),
                      why=model.dismissal_reason or ""))
    if model.confirmed_at is None and model.kind == "blank_stock_out":
        return str(_l("Proposed when the blank stock reached zero: awaiting the head of "
                      "division"))
    if model.confirmed_at is None:
        return str(_l("Entered after the fact: awaiting the head of division"))
    who = model.confirmed_by.full_name if model.confirmed_by else ""
    return str(_l("Confirmed by %(who)s at %(at)s", who=who,
                  at=format_datetime(model.confirmed_at, zone_label=True)))


class DisruptionView(SecuredModelView):
    entity = "disruption"
    details_template = "admin/workflow/disruption_details.html"
    column_list = ("kind", "started_at", "ended_at", "description", "reported_by",
                   "needs_confirmation")
    column_details_list = ("kind", "started_at", "ended_at", "description", "reported_by",
                           "reported_at", "closed_by", "needs_confirmation")
    column_export_list = ("kind", "started_at", "ended_at", "description", "reported_at",
                          "needs_confirmation", "confirmed_at")
    column_labels = {"kind": _l("Kind"), "started_at": _l("Started"), "ended_at": _l("Ended"),
                     "description": _l("Description"), "reported_by": _l("Reported by"),
                     "reported_at": _l("Reported at"), "closed_by": _l("Closed by"),
                     "needs_confirmation": _l("Extends service clocks"),
                     "confirmed_at": _l("Confirmed at")}
    column_filters = ("kind", "started_at")
    column_choices = {"kind": [(k, DISRUPTION_LABELS[k]) for k in DISRUPTION_KINDS]}
    column_formatters = {"kind": mapping_label(DISRUPTION_LABELS),
                         "needs_confirmation": _confirmation}
    form = DisruptionForm

    def create_record(self, model: t.Any) -> list[str]:
        affected = open_disruption(model, actor())
        if model.needs_confirmation:
            return [_l("Entered after the fact: it extends service clocks once the head "
                       "of division confirms it.")]
        if affected:
            return [ngettext("%(num)d application now has the longer service time.",
                             "%(num)d applications now have the longer service time.",
                             len(affected))]
        return []

    # ---- the details page: the head of division's confirmation
    def render(self, template: str, **kwargs: t.Any) -> t.Any:
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs["may_confirm"] = may_confirm(actor(), model)
            kwargs["confirm_form"] = ConfirmDisruptionForm(formdata=None)
            kwargs.setdefault("dismiss_form", DismissDisruptionForm(formdata=None))
            kwargs["confirmation"] = _confirmation(self, None, model, "needs_confirmation")
        return super().render(template, **kwargs)

    @expose("/confirm/", methods=("POST",))
    @requires("disruption", "confirm")
    def confirm_view(self) -> t.Any:
        disruption = self.get_one(request.args.get("id", ""))
        if disruption is None:
            abort(404)
        if ConfirmDisruptionForm().validate_on_submit():
            # A refusal (state, a race lost) reaches the app-level DomainError handler.
            affected = confirm_disruption(disruption, actor())
            flash(ngettext("Disruption confirmed: %(num)d application now has the longer "
                           "service time.",
                           "Disruption confirmed: %(num)d applications now have the longer "
                           "service time.", len(affected)), "success")
        return redirect(url_for(".details_view", id=disruption.id))

    @expose("/dismiss/", methods=("POST",))
    @requires("disruption", "confirm")
    def dismiss_view(self) -> t.Any:
        """The head of division turns a proposal down, with the reason."""
        disruption = self.get_one(request.args.get("id", ""))
        if disruption is None:
            abort(404)
        form = DismissDisruptionForm()
        if form.validate_on_submit():
            try:
                dismiss_disruption(disruption, actor(), form.reason.data or "")
            except PermissionDenied:
                raise
            except DomainError as exc:
                if exc.field != "reason":
                    raise  # the app-level handler: message, back to the page
                db.session.rollback()
                show_refusal(form, exc)
            else:
                flash(_l("Disruption dismissed: it extends no service clock."), "success")
                return redirect(url_for(".details_view", id=disruption.id))
        db.session.refresh(disruption)
        return self.render(self.details_template, model=disruption,
                           details_columns=self._details_columns,
                           get_value=self.get_detail_value,
                           return_url=self.get_url(".index_view"), dismiss_form=form)

    # The list actions are the matrix actions ("disruption", "close" | "confirm"). They
    # work row by row: one row refused (already closed, just processed by someone else)
    # is reported and the others still go through, and the user returns to the list
    # they came from, so the refusal is caught here rather than by the app-level
    # handler (which would stop at the first row). A permission refusal still goes to
    # that handler (audited 403).
    def _each(self, ids: list[str], operation: t.Callable[[Disruption, t.Any], t.Any]) -> int:
        done = 0
        for disruption in self.scoped_records(ids):
            try:
                operation(disruption, actor())
            except PermissionDenied:
                raise
            except DomainError as exc:
                db.session.rollback()
                flash(str(exc.message), "danger")
                continue
            done += 1
        return done

    @action("close", _l("Close disruption"), _l("Mark the selected disruptions as over?"))
    def action_close(self, ids: list[str]) -> None:
        done = self._each(ids, close_disruption)
        if done:
            flash(ngettext("%(num)d disruption closed.", "%(num)d disruptions closed.", done),
                  "success")

    @action("disruption.confirm", _l("Confirm entry after the fact"),
            _l("Confirm the selected disruptions? They then extend the service clocks "
               "whose time they overlapped."))
    def action_confirm(self, ids: list[str]) -> None:
        done = self._each(ids, confirm_disruption)
        if done:
            flash(ngettext("%(num)d disruption confirmed.", "%(num)d disruptions confirmed.",
                           done), "success")
