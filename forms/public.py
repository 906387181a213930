"""The residents' forms on the public pages: the status check, the web complaint (with
its honeypot) and the ticket look-up."""

from __future__ import annotations

import re
import typing as t

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from models import validation
from models.complaints import KIND_LABELS, KINDS
from models.office_time import DATE_PATTERN, parse_date
from models.public import RECEIPT_NUMBER, TICKET, normalised_receipt_number

from .i18n import TranslatedMeta

MAX_BODY = 4000


def _strip(value: t.Any) -> t.Any:
    return value.strip() if isinstance(value, str) else value


def _blank_to_none(value: t.Any) -> t.Any:
    if isinstance(value, str):
        value = " ".join(value.split())
    return value or None


class Storable:
    """No control characters or non-characters (a NUL byte, U+FFFE) in the text."""

    def __call__(self, form: t.Any, field: t.Any) -> None:
        if isinstance(field.data, str) and validation.unstorable_characters(field.data):
            raise ValidationError(_l("The text contains characters that cannot be "
                                     "stored."))


# An HTML tag or comment: "<script", "</b", "<!--", "<img"; "< 2 hours" is not one.
_MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z!]")


class PlainText:
    """The public forms take plain text: no HTML tags (a resident writes none)."""

    def __call__(self, form: t.Any, field: t.Any) -> None:
        if isinstance(field.data, str) and _MARKUP.search(field.data):
            raise ValidationError(_l("Write plain text, without HTML tags (< >)."))


class ReceiptNumber:
    def __call__(self, form: t.Any, field: t.Any) -> None:
        number = normalised_receipt_number(field.data)
        if not RECEIPT_NUMBER.match(number):
            raise ValidationError(_l("Write the receipt number as it is printed on your "
                                     "receipt, e.g. KTP-250317-0001."))
        field.data = number


class TypedDate(StringField):
    """A date typed as DD-MM-YYYY (a phone's date picker's ISO form is taken too)."""

    def process_formdata(self, valuelist: list[t.Any]) -> None:
        super().process_formdata(valuelist)
        self.parsed = parse_date(self.data) if self.data else None

    def pre_validate(self, form: t.Any) -> None:
        if self.data and getattr(self, "parsed", None) is None:
            raise ValidationError(_l("Write the date as DD-MM-YYYY, e.g. 17-08-1990."))


class StatusForm(FlaskForm):
    Meta = TranslatedMeta
    number = StringField(_l("Receipt number"), validators=[InputRequired(), Length(max=24),
                                                             ReceiptNumber()],
                         filters=[_strip],
                         render_kw={"autocomplete": "off", "placeholder": "KTP-250317-0001",
                                    "autocapitalize": "characters"})
    birth_date = TypedDate(_l("Applicant's date of birth"),
                           validators=[InputRequired(), Length(max=10)], filters=[_strip],
                           render_kw={"placeholder": DATE_PATTERN, "inputmode": "numeric",
                                      "autocomplete": "off", "data-date-picker": ""})


class WebComplaintForm(FlaskForm):
    """A complaint, suggestion or input sent through the website. `website` is the
    honeypot: hidden from people, filled in by robots; a filled one stores nothing."""

    Meta = TranslatedMeta
    kind = SelectField(_l("Kind"), validators=[DataRequired()],
                       choices=[(k, KIND_LABELS[k]) for k in KINDS])
    subject = StringField(_l("Subject"), validators=[InputRequired(), Length(max=120),
                                                     Storable(), PlainText()], filters=[_strip])
    body = TextAreaField(_l("Your complaint, suggestion or input"),
                         validators=[InputRequired(), Length(max=MAX_BODY), Storable(),
                                     PlainText()],
                         filters=[_strip])
    receipt_number = StringField(
        _l("Receipt number (if it is about an application)"),
        validators=[Optional(), Length(max=24), ReceiptNumber()], filters=[_strip],
        render_kw={"autocomplete": "off", "placeholder": "KTP-250317-0001"})
    complainant_name = StringField(
        _l("Your name (optional)"),
        validators=[Optional(), Length(max=60), Storable(), PlainText()],
        filters=[_blank_to_none])
    contact = StringField(
        _l("Phone, WhatsApp or e-mail (optional)"),
        validators=[Optional(), Length(max=80), Storable(), PlainText()], filters=[_blank_to_none],
        description=_l("Only the officers who handle complaints see it, to answer you."))
    website = StringField(_l("Leave this field empty"), validators=[Optional()],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})

    @property
    def is_robot(self) -> bool:
        return bool((self.website.data or "").strip())


class TicketForm(FlaskForm):
    """Follow a complaint: the ticket look-up (GET, no CSRF: it changes nothing)."""

    class Meta(TranslatedMeta):
        csrf = False

    ticket = StringField(_l("Ticket number"), validators=[InputRequired(), Length(max=20)],
                         filters=[lambda v: "".join((v or "").split()).upper()],
                         render_kw={"placeholder": "ADU-2612-0042", "autocomplete": "off",
                                    "autocapitalize": "characters"})

    def validate_ticket(self, field: t.Any) -> None:
        if not TICKET.match(field.data or ""):
            raise ValidationError(_l("Write the ticket number as it was given to you, "
                                     "e.g. ADU-2612-0042."))
