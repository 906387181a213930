"""Column formatters: dates as DD-MM-YYYY in WITA, code labels, escaped links."""

from __future__ import annotations

import typing as t
from datetime import date, datetime

from flask_admin.model import typefmt
from flask_babel import lazy_gettext as _l

from models import codes, office_time


def fmt_date(view: t.Any, value: date, name: str | None = None) -> str:
    if isinstance(value, datetime):  # a datetime is a date too
        return fmt_datetime(view, value, name)
    return office_time.format_date(value)


def fmt_datetime(view: t.Any, value: datetime, name: str | None = None) -> str:
    # Stored as naive UTC; shown in the office's zone (WITA).
    return office_time.format_datetime(value)


def fmt_bool(view: t.Any, value: bool, name: str | None = None) -> str:
    return str(_l("Yes")) if value else str(_l("No"))


# Flask-Admin takes the first isinstance() match: datetime must come before date.
TYPE_FORMATTERS = {datetime: fmt_datetime, date: fmt_date, **typefmt.BASE_FORMATTERS}
EXPORT_TYPE_FORMATTERS = {datetime: fmt_datetime, date: fmt_date, bool: fmt_bool,
                          **typefmt.EXPORT_FORMATTERS}
DETAIL_TYPE_FORMATTERS = {datetime: fmt_datetime, date: fmt_date, bool: fmt_bool,
                          **typefmt.DETAIL_FORMATTERS}


def code_label(codelist: codes.CodeList) -> t.Callable[..., str]:
    """Formatter showing a SIAK code's label."""

    def formatter(view: t.Any, context: t.Any, model: t.Any, name: str) -> str:
        return codes.label(codelist, getattr(model, name)) or ""

    return formatter


def mapping_label(labels: dict[str, t.Any]) -> t.Callable[..., str]:
    def formatter(view: t.Any, context: t.Any, model: t.Any, name: str) -> str:
        value = getattr(model, name)
        return str(labels.get(value, value or ""))

    return formatter
