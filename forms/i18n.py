"""WTForms' own messages (e.g. "This field is required.") in the user's language.

WTForms ships no Indonesian catalog, so ours lives in translations/<lang>/wtforms.po.
"""

from __future__ import annotations

import typing as t
from datetime import date
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask import current_app, g, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields import DateField
from wtforms.fields.core import UnboundField
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from models.office_time import DATE_FORMAT, DATE_PATTERN

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def wtforms_translations() -> NullTranslations:
    if not has_request_context():
        return NullTranslations()
    cached = getattr(g, "_wtforms_translations", None)
    if cached is None:
        # The folder the app compiled the catalogs into (catalogs.ensure_compiled).
        folder = current_app.config.get("TRANSLATIONS_DIR", str(TRANSLATIONS_DIR))
        cached = Translations.load(folder, [get_locale()], domain="wtforms")
        g._wtforms_translations = cached
    return cached


class WTFormsTranslations:
    """The object WTForms' Meta.get_translations must return."""

    def gettext(self, string: str) -> str:
        return wtforms_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return wtforms_translations().ungettext(singular, plural, n)


class NoBrowserChecks:
    """Meta mixin: no `required` attribute on any field. The browser would check it
    itself and answer in its own language ("Please fill out this field"); the server
    answers in the user's language next to the field instead. aria-required keeps
    the field announced as required."""

    def render_field(self, field: t.Any, render_kw: dict[str, t.Any]) -> t.Any:
        if field.flags.required or (field.render_kw or {}).get("required"):
            render_kw = {"aria-required": "true", **render_kw, "required": False}
        return super().render_field(field, render_kw)  # type: ignore[misc]


_translations = WTFormsTranslations()


class TranslatedMeta(NoBrowserChecks, FlaskForm.Meta):
    def get_translations(self, form):
        return _translations

    def bind_field(self, form, unbound_field, options):
        """Number fields take digits 0-9 only, date fields plausible years."""
        from .validators import with_field_checks

        return super().bind_field(form, with_field_checks(unbound_field), options)


class DateText(TextInput):
    """A date as the office writes it, DD-MM-YYYY, whatever the browser's locale: a
    text input (an <input type=date> shows mm/dd/yyyy on an English browser) that
    static/js/datepicker.js gives its Indonesian calendar."""

    def __call__(self, field: t.Any, **kwargs: t.Any) -> t.Any:
        kwargs.setdefault("placeholder", DATE_PATTERN)
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("maxlength", 10)
        kwargs.setdefault("data-date-picker", "")
        if isinstance(field.data, date) and not field.process_errors:
            # Understood, so shown as the office writes it (an ISO query string too).
            kwargs.setdefault("value", field.data.strftime(DATE_FORMAT))
        return super().__call__(field, **kwargs)


class _SaysHowToWriteADate:
    """A date not understood is answered with how to write it; otherwise DataRequired
    would replace WTForms' "not a valid date" with "this field is required"."""

    process_errors: list[t.Any]
    errors: list[t.Any]

    def pre_validate(self, form: t.Any) -> None:
        if self.process_errors:
            self.errors[:] = []
            raise StopValidation(str(_l("Write the date as DD-MM-YYYY, e.g. 17-08-1990.")))
        super().pre_validate(form)  # type: ignore[misc]


_OFFICE_DATE_CLASSES: dict[type, type] = {}


def office_date(unbound_field: UnboundField) -> UnboundField:
    """A DateField as the office types it: DD-MM-YYYY first (what it shows), ISO still
    taken (an old bookmark, a phone's picker); rendered by DateText."""
    cls = unbound_field.field_class
    if cls.process_formdata is DateField.process_formdata:  # not one with its own parser
        cls = _OFFICE_DATE_CLASSES.setdefault(
            cls, type(f"Office{cls.__name__}", (_SaysHowToWriteADate, cls), {}))
    kwargs = {**unbound_field.kwargs, "format": [DATE_FORMAT, "%Y-%m-%d"],
              "widget": DateText()}
    return UnboundField(cls, *unbound_field.args, **kwargs)
