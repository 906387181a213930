"""WTForms validators over the domain checks in models.validation.

The same functions run again in the domain operation, so a rule cannot be
skipped by a form that forgets a validator.
"""

from __future__ import annotations

import typing as t

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
