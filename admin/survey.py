"""The satisfaction survey's results (SKM) for the head of division, the secretary and
the head of office: any period (this month in WITA unless asked), the respondents, the
NRR per element, the index (two decimals) and its grade, as a table and a bar chart,
and the table as an export. Aggregates only: no answer is shown, let alone a name."""

from __future__ import annotations

import base64
import calendar
import typing as t
from datetime import date
from decimal import Decimal

from flask import abort, flash, request
from flask_admin import BaseView, expose
from flask_babel import gettext as _

from forms.survey import SurveyPeriodForm
from models.office_time import format_date, office_day_range, office_today
from models.survey import (
    ELEMENT_LABELS,
    ELEMENTS,
    GRADE_LABELS,
    SurveySummary,
    suggestions,
    summary,
)

from .base import SecuredMixin, actor, export_audit, export_response, requires

EXPORT_TYPES = ("csv", "xlsx")
TWO_PLACES = Decimal("0.01")
THREE_PLACES = Decimal("0.001")


def this_month() -> tuple[date, date]:
    today = office_today()
    return today.replace(day=1), today.replace(day=calendar.monthrange(today.year,
                                                                        today.month)[1])


def nrr_text(value: Decimal | None) -> str:
    """An NRR as the table prints it (three decimals, as the regulation's tables)."""
    return "" if value is None else str(value.quantize(THREE_PLACES))


def chart_uri(result: SurveySummary) -> str | None:
    """The NRR per element as a pygal bar chart (an SVG data URI for an <img>: the
    browser runs none of its scripts there)."""
    if not result.respondents:
        return None
    import pygal
    from pygal.style import Style

    chart = pygal.HorizontalBar(
        range=(0, 4), show_legend=False, width=720, height=360, explicit_size=False,
        style=Style(background="white", plot_background="white", colors=("#2a6fb0",)),
        print_values=True, value_formatter=lambda v: f"{v:.2f}", js=[])
    chart.title = _("NRR per element (1-4)")
    chart.x_labels = [f"U{i}. {ELEMENT_LABELS[e]}" for i, e in enumerate(ELEMENTS, 1)]
    chart.add("NRR", [float(result.nrr[e]) for e in ELEMENTS])
    svg = chart.render()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


class SurveyResultsView(SecuredMixin, BaseView):
    """SKM results over a period."""

    entity = "survey_response"

    def _period(self) -> tuple[SurveyPeriodForm, date, date, str | None]:
        form = SurveyPeriodForm(formdata=request.args)
        form.validate()
        for field in (form.start, form.end):
            for message in field.errors:
                flash(f"{field.label.text}: {message}", "warning")
        start, end = form.period(this_month())
        problem = None
        if end < start:
            problem = _("The period ends before it starts: this month is shown instead.")
            start, end = this_month()
        form.start.data, form.end.data = start, end
        form.start.raw_data = form.end.raw_data = None
        return form, start, end, problem

    def _rows(self, result: SurveySummary) -> list[list[str]]:
        return [[f"U{i}", str(ELEMENT_LABELS[e]), nrr_text(result.nrr.get(e))]
                for i, e in enumerate(ELEMENTS, 1)]

    @expose("/")
    @requires("survey_response", "list")
    def index(self) -> t.Any:
        form, start, end, problem = self._period()
        if problem:
            flash(problem, "warning")
        period = office_day_range(start, end)
        result = summary(*period)
        return self.render(
            "admin/survey/results.html", form=form, start=start, end=end, result=result,
            rows=self._rows(result), chart=chart_uri(result),
            suggestions=suggestions(actor(), *period) if self.allowed("view") else [],
            grade_label=GRADE_LABELS.get(result.grade or "", ""),
            export_types=EXPORT_TYPES)

    @expose("/export/<export_type>/")
    @requires("survey_response", "export")
    def export(self, export_type: str) -> t.Any:
        if export_type not in EXPORT_TYPES:
            abort(404)
        _form, start, end, _problem = self._period()
        result = summary(*office_day_range(start, end))
        period = f"{format_date(start)} - {format_date(end)}"
        rows = [[period, *row] for row in self._rows(result)]
        rows.append([period, "IKM", _("Satisfaction index (IKM)"),
                     "" if result.index_rounded is None else str(result.index_rounded)])
        rows.append([period, "", _("Grade"), result.grade or ""])
        rows.append([period, "", _("Respondents"), str(result.respondents)])
        titles = [_("Period"), _("Element"), _("Description"), _("Value")]
        response = export_response(export_type, titles, rows,
                                   f"skm-{start:%Y%m%d}-{end:%Y%m%d}.{export_type}")
        export_audit(self, export_type, respondents=result.respondents)
        return response
