"""The list filters on dates and moments as the office means them: days typed as
DD-MM-YYYY (not Flask-Admin's YYYY-MM-DD HH:MM:SS), and a moment column filtered by the
WITA day it fell on (stored in UTC: "submitted on 01-12-2026" starts at 00:00 WITA,
16:00 UTC the day before). static/js/datepicker.js gives the inputs their calendar."""

from __future__ import annotations

import re
import typing as t
from datetime import date, timedelta

from flask_admin.contrib.sqla import filters as sqla_filters
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, not_, or_

from models.office_time import office_midnight, parse_date

DAY = "office-date"  # what datepicker.js looks for in the filter's definition
DAY_RANGE = "office-daterange"
# "DD-MM-YYYY s/d DD-MM-YYYY" as the office writes a period; Flask-Admin's " to " too.
RANGE = re.compile(r"\s+(?:s/d|sampai|to|-)\s+", re.IGNORECASE)


def _day(value: str) -> date:
    day = parse_date(value)
    if day is None:
        raise ValueError(value)
    return day


def _days(value: str) -> tuple[date, date]:
    parts = [p.strip() for p in RANGE.split(value.strip(), maxsplit=1)]
    if len(parts) != 2:
        raise ValueError(value)
    start, end = _day(parts[0]), _day(parts[1])
    if end < start:
        raise ValueError(value)
    return start, end


class _OfficeDay(sqla_filters.BaseSQLAFilter):
    """One day, DD-MM-YYYY."""

    def __init__(self, column: t.Any, name: str, options: t.Any = None,
                 data_type: t.Any = None) -> None:
        super().__init__(column, name, options, data_type=DAY)

    def clean(self, value: str) -> date:
        return _day(value)


class _OfficeDays(sqla_filters.BaseSQLAFilter):
    """From one day to another, both included: "DD-MM-YYYY to DD-MM-YYYY"."""

    def __init__(self, column: t.Any, name: str, options: t.Any = None,
                 data_type: t.Any = None) -> None:
        super().__init__(column, name, options, data_type=DAY_RANGE)

    def clean(self, value: str) -> tuple[date, date]:  # type: ignore[override]
        return _days(value)


# -- date columns (a birth date, a receipt's date)

class DateOn(_OfficeDay):
    def apply(self, query: t.Any, value: date, alias: t.Any = None) -> t.Any:
        return query.filter(self.get_column(alias) == value)

    def operation(self) -> t.Any:
        return _l("on")


class DateNotOn(_OfficeDay):
    def apply(self, query: t.Any, value: date, alias: t.Any = None) -> t.Any:
        return query.filter(self.get_column(alias) != value)

    def operation(self) -> t.Any:
        return _l("not on")


class DateAfter(_OfficeDay):
    def apply(self, query: t.Any, value: date, alias: t.Any = None) -> t.Any:
        return query.filter(self.get_column(alias) > value)

    def operation(self) -> t.Any:
        return _l("after")


class DateBefore(_OfficeDay):
    def apply(self, query: t.Any, value: date, alias: t.Any = None) -> t.Any:
        return query.filter(self.get_column(alias) < value)

    def operation(self) -> t.Any:
        return _l("before")


class DateBetween(_OfficeDays):
    def apply(self, query: t.Any, value: tuple[date, date], alias: t.Any = None) -> t.Any:
        return query.filter(self.get_column(alias).between(*value))

    def operation(self) -> t.Any:
        return _l("from ... to ...")


class DateNotBetween(_OfficeDays):
    def apply(self, query: t.Any, value: tuple[date, date], alias: t.Any = None) -> t.Any:
        return query.filter(not_(self.get_column(alias).between(*value)))

    def operation(self) -> t.Any:
        return _l("not from ... to ...")


# -- moment columns (naive UTC): by the WITA day

def _from(day: date) -> t.Any:
    return office_midnight(day)


def _until(day: date) -> t.Any:
    """The first moment after `day` (WITA)."""
    return office_midnight(day + timedelta(days=1))


class MomentOn(_OfficeDay):
    def apply(self, query: t.Any, value: date, alias: t.Any = None) -> t.Any:
        column = self.get_column(alias)
        return query.filter(and_(column >= _from(value), column < _until(value)))

    def operation(self) -> t.Any:
        return _l("on")


class MomentNotOn(_OfficeDay):
    def apply(self, query: t.Any, value: date, alias: t.Any = None) -> t.Any:
        column = self.get_column(alias)
        return query.filter(or_(column < _from(value), column >= _until(value)))

    def operation(self) -> t.Any:
        return _l("not on")


class MomentAfter(_OfficeDay):
    def apply(self, query: t.Any, value: date, alias: t.Any = None) -> t.Any:
        return query.filter(self.get_column(alias) >= _until(value))

    def operation(self) -> t.Any:
        return _l("after")


class MomentBefore(_OfficeDay):
    def apply(self, query: t.Any, value: date, alias: t.Any = None) -> t.Any:
        return query.filter(self.get_column(alias) < _from(value))

    def operation(self) -> t.Any:
        return _l("before")


class MomentBetween(_OfficeDays):
    def apply(self, query: t.Any, value: tuple[date, date], alias: t.Any = None) -> t.Any:
        column = self.get_column(alias)
        return query.filter(and_(column >= _from(value[0]), column < _until(value[1])))

    def operation(self) -> t.Any:
        return _l("from ... to ...")


class MomentNotBetween(_OfficeDays):
    def apply(self, query: t.Any, value: tuple[date, date], alias: t.Any = None) -> t.Any:
        column = self.get_column(alias)
        return query.filter(or_(column < _from(value[0]), column >= _until(value[1])))

    def operation(self) -> t.Any:
        return _l("not from ... to ...")


class OfficeFilterConverter(sqla_filters.FilterConverter):
    """Flask-Admin's converter with the office's date and moment filters."""

    date_filters = (DateOn, DateNotOn, DateAfter, DateBefore, DateBetween, DateNotBetween,
                    sqla_filters.FilterEmpty)
    datetime_filters = (MomentOn, MomentNotOn, MomentAfter, MomentBefore, MomentBetween,
                        MomentNotBetween, sqla_filters.FilterEmpty)

