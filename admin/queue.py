"""The work queue: applications oldest first with their service clock, counts per state,
filters by state, kecamatan and day of submission (models.applications.work_queue)."""

from __future__ import annotations

import typing as t

from flask import flash, request
from flask_admin import BaseView, expose

from forms.applications import QueueFilterForm
from models import applications, service_clock, utcnow, wilayah
from models.applications import APPLICATION_STATUSES, CLOSED_STATUSES
from models.office_time import to_office
from models.permissions import allowed

from .base import SecuredMixin, actor, requires

REFRESH_SECONDS = 30


def district_name(village_code: str | None) -> str:
    village = wilayah.village(village_code) if village_code else None
    return village.district_name if village else ""


class QueueView(SecuredMixin, BaseView):
    """Open applications, oldest first, with their service clock."""

    entity = "application"

    @expose("/")
    @requires("application", "list")
    def index(self) -> t.Any:
        form = QueueFilterForm(formdata=request.args)
        form.validate()
        for field in (form.date_from, form.date_to):
            for message in field.errors:
                flash(str(message), "warning")
        user = actor()
        now = utcnow()
        queue = applications.work_queue(user, form.filters())
        return self.render(
            "admin/workflow/queue.html",
            form=form,
            filters=form.filters(),
            rows=[(a, service_clock.clock_view(a, now), district_name(a.applicant.village_code))
                  for a in queue.rows],
            queue=queue,
            counts=[(s, applications.status_label(s), queue.counts.get(s, 0))
                    for s in APPLICATION_STATUSES],
            closed_statuses=CLOSED_STATUSES,
            status_labels={s: applications.status_label(s) for s in APPLICATION_STATUSES},
            refreshed=to_office(now).strftime("%H:%M:%S"),  # WITA
            may_view=allowed(user, "application", "view"),
            refresh_seconds=REFRESH_SECONDS,
        )

