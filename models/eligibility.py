"""Who may get a new KTP-el, from the standard in force: the age (17) on the day of
printing, or a marital status the standard names (kawin, cerai hidup, cerai mati).
Recording may start one year earlier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from .office_time import format_date, office_today
from .standard import ServiceStandard, current_standard

if TYPE_CHECKING:
    from .residents import Applicant


def birthday_in(year: int, born: date) -> date:
    """The birthday in `year`; someone born on 29 February has it on 1 March in
    common years (the age is reached once 28 February has fully passed)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


def age_on(born: date, on: date) -> int:
    years = on.year - born.year
    return years if on >= birthday_in(on.year, born) else years - 1


def date_of_age(born: date, years: int) -> date:
    """The first day on which someone born on `born` is `years` old."""
    return birthday_in(born.year + years, born)


@dataclass(frozen=True)
class Eligibility:
    """Whether an applicant may be recorded and printed, and if not, why and when."""

    may_record: bool
    may_print: bool
    reason: str | None  # why printing (or recording) has to wait
    eligible_from: date | None  # the day printing becomes possible (by age)
    by_marriage: bool


def eligibility(applicant: Applicant, on: date | None = None,
                standard: ServiceStandard | None = None) -> Eligibility:
    """17 (the standard's age) on the day of printing, or one of the standard's
    marital statuses (married / ever married).

    Recording may start one year earlier; printing waits.
    """
    on = on or office_today()
    standard = standard or current_standard()
    age = standard.eligibility_age
    if applicant.marital_status in standard.marital_codes:
        return Eligibility(True, True, None, None, True)
    eligible_from = date_of_age(applicant.birth_date, age)
    record_from = date_of_age(applicant.birth_date, age - 1)
    if on >= eligible_from:
        return Eligibility(True, True, None, eligible_from, False)
    if on >= record_from:
        reason = _l("Not yet %(age)d and not married: recording is allowed, printing waits "
                    "until %(date)s.", age=age, date=format_date(eligible_from))
        return Eligibility(True, False, str(reason), eligible_from, False)
    reason = _l("Not yet %(age)d and not married: recording may start on %(rec)s and "
                "printing on %(date)s.", age=age, rec=format_date(record_from),
                date=format_date(eligible_from))
    return Eligibility(False, False, str(reason), eligible_from, False)
