"""WTForms' own messages (e.g. "This field is required.") in the user's language.

WTForms ships no Indonesian catalog, so ours lives in translations/<lang>/wtforms.po.
"""

from __future__ import annotations

from pathlib import Path

from babel.support import NullTranslations, Translations
from flask import g, has_request_context
from flask_babel import get_locale
from flask_wtf import FlaskForm

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def wtforms_translations() -> NullTranslations:
    if not has_request_context():
        return NullTranslations()
    cached = getattr(g, "_wtforms_translations", None)
    if cached is None:
        cached = Translations.load(str(TRANSLATIONS_DIR), [get_locale()], domain="wtforms")
        g._wtforms_translations = cached
    return cached


class WTFormsTranslations:
    """The object WTForms' Meta.get_translations must return."""

    def gettext(self, string: str) -> str:
        return wtforms_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return wtforms_translations().ungettext(singular, plural, n)


_translations = WTFormsTranslations()


class TranslatedMeta(FlaskForm.Meta):
    def get_translations(self, form):
        return _translations

    def bind_field(self, form, unbound_field, options):
        """Number fields take digits 0-9 only, date fields plausible years."""
        from .validators import with_field_checks

        return super().bind_field(form, with_field_checks(unbound_field), options)
