"""WTForms validators over the domain checks in models.validation.

The same functions run again in the domain operation, so a rule cannot be
skipped by a form that forgets a validator.
"""

from __future__ import annotations

import re
import typing as t

from flask_babel import lazy_gettext as _l
from wtforms.fields import (
    DateField,
    DateTimeField,
    DateTimeLocalField,
    DecimalField,
    DecimalRangeField,
    FloatField,
    IntegerField,
    IntegerRangeField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import StopValidation, ValidationError

from models import validation


class _DomainCheck:
    """Run `check(value)`; put its normalised result back into the field."""

    check: t.Callable[[t.Any], t.Any]
    normalise = True

    def __call__(self, form: t.Any, field: t.Any) -> None:
        if field.data in (None, ""):
            return
        try:
            result = type(self).check(field.data)
        except validation.InvalidValue as exc:
            raise ValidationError(str(exc.message)) from exc
        if self.normalise and isinstance(result, str):
            field.data = result


# A number as the office types it: digits 0-9, an optional sign and decimal part.
_ASCII_NUMBER = re.compile(r"\s*[+-]?[0-9]{1,15}([.,][0-9]{1,15})?\s*")
NUMERIC_FIELDS = (IntegerField, DecimalField, FloatField, IntegerRangeField,
                  DecimalRangeField)


class AsciiNumber:
    """A number field's typed text: digits 0-9 only (int() and Decimal() also take
    Arabic-Indic or full-width digits, "NaN", "Infinity" and "1_000"), at most 15 of
    them. Runs first, before any range check."""

    field_flags: dict[str, bool] = {}

    def __call__(self, form: t.Any, field: t.Any) -> None:
        raw = field.raw_data[0] if field.raw_data else None
        if raw is None or not str(raw).strip():
            return
        if not _ASCII_NUMBER.fullmatch(str(raw)):
            field.errors[:] = []  # the field's own "not a valid number" says less
            raise StopValidation(str(_l("Write a number with the digits 0-9 (for example "
                                        "12 or -1.5).")))


def with_field_checks(unbound_field: t.Any) -> t.Any:
    """`unbound_field` with the checks every field of its kind gets (for a form's
    Meta.bind_field): AsciiNumber first on a number field, PlausibleDate on a date."""
    cls = unbound_field.field_class
    if issubclass(cls, NUMERIC_FIELDS):
        first, last = [AsciiNumber()], []
    elif issubclass(cls, (DateField, DateTimeField, DateTimeLocalField)):
        first, last = [], [PlausibleDate()]
    else:
        return unbound_field
    validators = list(unbound_field.kwargs.get("validators") or [])
    if any(isinstance(v, (AsciiNumber, PlausibleDate)) for v in validators):
        return unbound_field
    kwargs = {**unbound_field.kwargs, "validators": [*first, *validators, *last]}
    checked = UnboundField(cls, *unbound_field.args, **kwargs)
    if issubclass(cls, DateField):
        from .i18n import office_date  # DD-MM-YYYY whatever the browser's locale

        return office_date(checked)
    return checked


class PlausibleDate:
    """A date the office can mean: years 1900 to 2999 (a date field takes 0001-01-01
    and 9999-12-31, which no WITA conversion survives)."""

    def __call__(self, form: t.Any, field: t.Any) -> None:
        value = field.data
        if value is None:
            return
        if not 1900 <= value.year <= 2999:
            raise StopValidation(str(_l(
                "%(date)s is not a plausible date (years 1900 to 2999).",
                date=f"{value.day:02d}-{value.month:02d}-{value.year:04d}")))


class NikFormat(_DomainCheck):
    """The NIK alone (the birth date and sex agreement is checked with the whole form)."""

    normalise = False

    def __call__(self, form: t.Any, field: t.Any) -> None:
        if field.data in (None, ""):
            return
        try:
            info = validation.check_nik(field.data)
        except validation.InvalidValue as exc:
            raise StopValidation(str(exc.message)) from exc
        field.data = info.nik


class KKNumber(_DomainCheck):
    check = staticmethod(validation.check_kk_number)


class PersonName(_DomainCheck):
    check = staticmethod(validation.check_name)


class RtRw(_DomainCheck):
    check = staticmethod(validation.check_rt_rw)


class SumbaTimurVillage(_DomainCheck):
    check = staticmethod(validation.check_village_code)


class NotInFuture(_DomainCheck):
    normalise = False
    check = staticmethod(validation.check_not_future)


class Phone(_DomainCheck):
    check = staticmethod(validation.check_phone)
