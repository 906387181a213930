"""Blank accountability: the write-off of lost or returned blanks, and the period of
the stock reconciliation."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from models.blanks import WRITE_OFF_KINDS, Blank, blanks_by_serial, parse_serials
from models.errors import DomainError

from .i18n import TranslatedMeta

# What a date input sends (ISO), or what the office writes (DD-MM-YYYY).
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]
# The serials of one write-off or destruction as typed (ranges, or one by one).
SERIALS_MAX_LENGTH = 20_000


class WriteOffForm(FlaskForm):
    """Available blanks written off as lost or returned to the ministry; the reason and
    the blanks' status are the domain's to check (write_off)."""

    Meta = TranslatedMeta
    serials = TextAreaField(
        _l("Serials"), validators=[InputRequired(message=_l("Write the serials of the "
                                                             "blanks.")),
                                   Length(max=SERIALS_MAX_LENGTH)],
        description=_l("One by one or as ranges, e.g. 0000000100-0000000149, 0000000155."),
        render_kw={"rows": 3})
    kind = SelectField(_l("What happened"), validators=[InputRequired(
        message=_l("Choose lost or returned."))])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=255)],
                         render_kw={"maxlength": 255})

    blanks: list[Blank]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", str(_l("— choose —")))] + [
            (value, str(label)) for value, label in WRITE_OFF_KINDS.items()]
        self.blanks = []

    def validate_serials(self, field: TextAreaField) -> None:
        try:
            self.blanks = blanks_by_serial(parse_serials(field.data))
        except DomainError as exc:
            raise ValidationError(str(exc.message)) from exc


class DestructionForm(FlaskForm):
    """Spoiled blanks destroyed (berita acara pemusnahan): which, and how (the note
    goes into the report). The blanks' status is the domain's to check."""

    Meta = TranslatedMeta
    serials = TextAreaField(
        _l("Serials"), validators=[InputRequired(message=_l("Write the serials of the "
                                                             "blanks.")),
                                   Length(max=SERIALS_MAX_LENGTH)],
        description=_l("One by one or as ranges, e.g. 0000000100-0000000149, 0000000155."),
        render_kw={"rows": 3})
    note = StringField(_l("How they were destroyed (in the report)"),
                       validators=[InputRequired(), Length(max=255)],
                       render_kw={"maxlength": 255})

    blanks: list[Blank]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.blanks = []

    def validate_serials(self, field: TextAreaField) -> None:
        try:
            self.blanks = blanks_by_serial(parse_serials(field.data))
        except DomainError as exc:
            raise ValidationError(str(exc.message)) from exc


class PeriodForm(FlaskForm):
    """The reconciliation period (GET, bound to the query string: no CSRF)."""

    class Meta(TranslatedMeta):
        csrf = False

    start = DateField(_l("From"), format=DATE_FORMATS, validators=[Optional()])
    end = DateField(_l("to"), format=DATE_FORMATS, validators=[Optional()])

    def period(self, default: tuple[date, date]) -> tuple[date, date]:
        """The dates asked for; a date missing or not understood keeps its default."""
        start = self.start.data if not self.start.errors and self.start.data else default[0]
        end = self.end.data if not self.end.errors and self.end.data else default[1]
        return start, end
