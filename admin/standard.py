"""The service standard screen: each save publishes a new version
(models.standard.publish_version); older versions stay readable. "Pratinjau" shows
the public page the form would publish, storing nothing."""

from __future__ import annotations

import typing as t

from flask import flash, request
from flask_admin import expose
from flask_admin.helpers import get_redirect_target
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from forms.standard import ServiceStandardForm
from models import DomainError, codes, db
from models.standard import current_standard, preview_version, publish_version

from .base import SecuredModelView, actor


def _channels_cell(view: t.Any, context: t.Any, model: t.Any, name: str) -> str:
    return "; ".join(c.text for c in model.channels)


def _components_cell(view: t.Any, context: t.Any, model: t.Any, name: str) -> t.Any:
    rows = [Markup("<dt>{} {}</dt><dd style=\"white-space: pre-line\">{}</dd>").format(
        c.code, c.heading, c.rendered_text)
        for part in ("A", "B") for c in model.parts[part]]
    return Markup("<dl>{}</dl>").format(Markup("").join(rows))


class ServiceStandardView(SecuredModelView):
    entity = "service_standard"
    column_default_sort = ("version", True)
    column_list = ("version", "document_number", "document_date", "eligibility_age",
                   "sla_hours", "sla_hours_disrupted", "fee", "created_at")
    column_details_list = ("version", "document_number", "document_date", "unit",
                           "eligibility_age", "eligible_marital_statuses", "sla_hours",
                           "sla_hours_disrupted", "fee",
                           "complaint_channels", "components", "low_stock_threshold",
                           "complaint_response_days", "uncollected_flag_days", "created_at",
                           "created_by")
    column_export_list = ("version", "document_number", "document_date", "eligibility_age",
                          "sla_hours", "sla_hours_disrupted", "fee")
    column_labels = {
        "version": _l("Version"), "document_number": _l("Document number"),
        "document_date": _l("Document date"), "unit": _l("Work unit"),
        "eligibility_age": _l("Minimum age"),
        "eligible_marital_statuses": _l("Eligible below the age when"),
        "sla_hours": _l("Service time (hours)"),
        "sla_hours_disrupted": _l("Service time under disruption (hours)"),
        "fee": _l("Fee (Rp)"), "complaint_channels": _l("Complaint channels"),
        "components": _l("Components A and B"),
        "low_stock_threshold": _l("Low blank stock warning at"),
        "complaint_response_days": _l("Complaint response time (days)"),
        "uncollected_flag_days": _l("Flag uncollected cards after (days)"),
        "created_at": _l("Published"), "created_by": _l("Published by"),
    }
    column_formatters = {
        "complaint_channels": _channels_cell,
        "components": _components_cell,
        "eligible_marital_statuses": lambda v, c, m, n: ", ".join(
            dict(codes.MARITAL_STATUS).get(code, code) for code in sorted(m.marital_codes)),
    }
    form = ServiceStandardForm
    create_template = "admin/standard/create.html"

    def create_form(self, obj: t.Any = None) -> t.Any:
        # A new version starts from the one in force.
        if request.method != "POST":
            obj = current_standard()
        return super().create_form(obj)

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> t.Any:
        """Publish; or, with "Pratinjau", show the public page the form would publish
        (nothing stored); "Ubah lagi" brings the form back as it was filled."""
        if request.method == "POST" and ("_preview" in request.form
                                         or "_back" in request.form):
            form = self.create_form()
            if "_preview" in request.form and self.validate_form(form):
                try:
                    draft = preview_version(actor(), form.standard_values())
                except DomainError as exc:
                    self._show_domain_error(form, exc)
                else:
                    return self.render("admin/standard/preview.html", form=form,
                                       standard=draft,
                                       return_url=self._return_url())
            elif "_preview" in request.form:
                flash(str(_l("Check the fields marked below.")), "danger")
            return self.render(self.create_template, form=form,
                               return_url=self._return_url())
        return super().create_view()

    def _return_url(self) -> str:
        return get_redirect_target() or self.get_url(".index_view")

    def create_model(self, form: t.Any) -> t.Any:
        try:
            return publish_version(actor(), form.standard_values(),
                                   based_on=form.based_on_version.data)
        except DomainError as exc:  # shown next to its field, the form re-rendered
            db.session.rollback()
            self._show_domain_error(form, exc)
            return False

    def _show_domain_error(self, form: t.Any, exc: Exception) -> None:
        target = form.field_named(getattr(exc, "field", None) or "")
        if target is None:
            flash(str(getattr(exc, "message", exc)), "danger")
            return
        target.errors = [*target.errors, str(getattr(exc, "message", exc))]
