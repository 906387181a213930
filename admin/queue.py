"""The work queue: open applications oldest first, one page at a time, with their
service clock, counts per state, the overdue ones, those waiting for their 17th
birthday, a banner while a disruption is open, and saved filters (models.queue,
models.saved_filters)."""

from __future__ import annotations

import typing as t
from urllib.parse import urlencode

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _

from forms.applications import QueueFilterForm
from forms.saved_filters import RemoveFilterForm, SaveFilterForm
from models import (
    DomainError,
    PermissionDenied,
    current_standard,
    queue,
    saved_filters,
    utcnow,
    wilayah,
)
from models.applications import APPLICATION_STATUSES, CLOSED_STATUSES, status_label
from models.office_time import format_datetime, to_office
from models.permissions import allowed
from models.service_clock import DISRUPTION_LABELS
from models.validation import parse_id

from .base import SecuredMixin, actor, refused, requires

REFRESH_SECONDS = 30
SCREEN = "queue"


def district_name(village_code: str | None) -> str:
    village = wilayah.village(village_code) if village_code else None
    return village.district_name if village else ""


def count_text(count: queue.Count | None) -> str:
    """A count as the queue shows it: exact, or "more than 1,000" once capped."""
    if count is None:
        return "0"
    if count.capped:
        return _("more than %(n)s", n=f"{queue.COUNT_CAP:,}".replace(",", "."))
    return str(count.value)


class QueueView(SecuredMixin, BaseView):
    """Open applications, oldest first, with their service clock."""

    entity = "application"

    def _page(self, save_form: SaveFilterForm | None = None) -> t.Any:
        form = QueueFilterForm(formdata=request.args)
        form.validate()
        for field in (form.date_from, form.date_to):
            for message in field.errors:
                flash(str(message), "warning")
        user = actor()
        now = utcnow()
        filters = form.filters()
        page = queue.page_number(request.args.get("page"))
        work = queue.work_queue(user, filters, page=page)
        args = form.args()
        if save_form is None:
            save_form = SaveFilterForm(formdata=None, data={"query": urlencode(args)})
        return self.render(
            "admin/workflow/queue.html",
            form=form,
            filters=filters,
            rows=[(r, district_name(r.application.applicant.village_code))
                  for r in work.rows],
            queue=work,
            counts=[(s, status_label(s), count_text(work.counts.get(s)))
                    for s in APPLICATION_STATUSES],
            groups=[(g, queue.GROUP_LABELS[g], count_text(work.counts.get(g)))
                    for g in queue.GROUPS],
            closed_statuses=CLOSED_STATUSES,
            disruptions=[(DISRUPTION_LABELS.get(d.kind, d.kind),
                          format_datetime(d.started_at, zone_label=True),
                          d.awaiting_confirmation, d.id) for d in work.disruptions],
            may_view_disruption=allowed(user, "disruption", "view"),
            page_args=args,
            standard_hours_disrupted=current_standard().sla_hours_disrupted,
            saved=saved_filters.saved_filters(user, SCREEN),
            presets=saved_filters.presets(SCREEN, now),
            save_form=save_form,
            remove_form=RemoveFilterForm(formdata=None),
            may_save=allowed(user, "saved_filter", "create"),
            may_remove=allowed(user, "saved_filter", "remove"),
            refreshed=to_office(now).strftime("%H:%M:%S"),  # WITA
            may_view=allowed(user, "application", "view"),
            refresh_seconds=REFRESH_SECONDS,
        )

    @expose("/")
    @requires("application", "list")
    def index(self) -> t.Any:
        return self._page()

    @expose("/saved/")
    @requires("saved_filter", "list")
    def saved(self) -> t.Any:
        """Open one of one's own saved filters (someone else's: an audited 403)."""
        try:
            found = saved_filters.own_filter(actor(), parse_id(request.args.get("id")))
        except PermissionDenied as exc:
            return refused(exc)
        if found is None:
            abort(404)
        return redirect(url_for(".index") + ("?" + found.query if found.query else ""))

    @expose("/saved/new/", methods=("POST",))
    @requires("saved_filter", "create")
    def save(self) -> t.Any:
        form = SaveFilterForm()
        if not form.validate():
            return self._page(form)
        try:
            saved = saved_filters.save_filter(actor(), SCREEN, form.name.data,
                                              form.query.data)
        except PermissionDenied as exc:
            return refused(exc)
        except DomainError as exc:
            # The query string rides hidden: what is wrong with it shows by the name.
            form.name.errors = [*form.name.errors, str(exc.message)]
            return self._page(form)
        flash(_("Filter \u201c%(n)s\u201d saved.", n=saved.name), "success")
        return redirect(url_for(".index") + ("?" + saved.query if saved.query else ""))

    @expose("/saved/remove/", methods=("POST",))
    @requires("saved_filter", "remove")
    def remove(self) -> t.Any:
        form = RemoveFilterForm()
        if not form.validate():
            flash(_("The form expired: try again."), "danger")
            return redirect(url_for(".index"))
        user = actor()
        try:
            found = saved_filters.own_filter(user, parse_id(request.args.get("id")))
            if found is None:
                abort(404)
            saved_filters.remove_filter(user, found)
        except DomainError as exc:  # PermissionDenied included: an audited 403
            return refused(exc)
        flash(_("Filter \u201c%(n)s\u201d removed.", n=found.name), "success")
        return redirect(url_for(".index"))
