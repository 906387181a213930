"""The disruptions screen: reported through open_disruption, ended through
close_disruption (models.service_clock)."""

from __future__ import annotations

import typing as t

from flask import flash
from flask_admin.actions import action
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from forms.disruptions import DisruptionForm
from models import DomainError, db
from models.permissions import PermissionDenied
from models.service_clock import (
    DISRUPTION_KINDS,
    DISRUPTION_LABELS,
    close_disruption,
    open_disruption,
)

from .base import SecuredModelView, actor
from .formatters import mapping_label


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
    form = DisruptionForm

    def create_record(self, model: t.Any) -> list[str]:
        open_disruption(model, actor())
        return []

    # The list action is the matrix action ("disruption", "close"). It works row by row:
    # one row refused (already closed) is reported and the others still close, and the
    # user returns to the list they came from, so the refusal is caught here rather than
    # by the app-level handler (which would stop at the first row). A permission refusal
    # still goes to that handler (audited 403).
    @action("close", _l("Close disruption"), _l("Mark the selected disruptions as over?"))
    def action_close(self, ids: list[str]) -> None:
        done = 0
        for disruption in self.scoped_records(ids):
            try:
                close_disruption(disruption, actor())
            except PermissionDenied:
                raise
            except DomainError as exc:
                db.session.rollback()
                flash(str(exc.message), "danger")
                continue
            done += 1
        if done:
            flash(ngettext("%(num)d disruption closed.", "%(num)d disruptions closed.", done),
                  "success")
