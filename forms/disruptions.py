"""Reporting a disruption (gangguan): what broke and how, and when when it is entered
after the fact; the head of division's confirmation of such an entry."""

from __future__ import annotations

import typing as t
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from models.office_time import DATE_FORMAT, TIME_FORMAT, to_office, to_utc
from models.service_clock import DISRUPTION_KINDS, DISRUPTION_LABELS

from .i18n import TranslatedMeta

# What the office types (DD-MM-YYYY HH:MM) and what a datetime-local input sends.
_FORMATS = (f"{DATE_FORMAT} {TIME_FORMAT}", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")


def parse_office_datetime(text: str) -> datetime | None:
    """A WITA wall-clock time as typed, as the naive UTC the database stores."""
    text = (text or "").strip()
    if not text or len(text) > 16 or not text.isascii():
        return None
    for fmt in _FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if 1900 <= parsed.year <= 2999:
            return to_utc(parsed)
    return None


class OfficeDateTimeField(StringField):
    """A moment typed in WITA (DD-MM-YYYY HH:MM); its data is naive UTC, None if empty."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, datetime):
            return to_office(self.data).strftime(_FORMATS[0])
        return ""

    def process_formdata(self, valuelist: list[t.Any]) -> None:
        text = valuelist[0] if valuelist else ""
        if not (text or "").strip():
            self.data = None
            return
        self.data = parse_office_datetime(text)
        if self.data is None:
            raise ValueError(_l("Write the time as DD-MM-YYYY HH:MM (WITA)."))


class DisruptionForm(FlaskForm):
    """It starts when reported (models.service_clock.open_disruption), unless an earlier
    start is given: one entered after the fact waits for the head of division."""

    Meta = TranslatedMeta
    kind = SelectField(_l("Kind"), validators=[DataRequired()],
                       choices=[(k, DISRUPTION_LABELS[k]) for k in DISRUPTION_KINDS])
    description = TextAreaField(_l("Description"),
                                validators=[DataRequired(), Length(max=2000)])
    started_at = OfficeDateTimeField(
        _l("Started (WITA)"),
        description=_l("Empty: now. An earlier start is an entry after the fact: it "
                       "extends service clocks once the head of division confirms it."),
        render_kw={"placeholder": "DD-MM-YYYY HH:MM"})
    ended_at = OfficeDateTimeField(
        _l("Ended (WITA)"), description=_l("Only for a disruption that is already over."),
        render_kw={"placeholder": "DD-MM-YYYY HH:MM"})


class ConfirmDisruptionForm(FlaskForm):
    """The head of division confirms a disruption entered after the fact."""

    Meta = TranslatedMeta


class DismissDisruptionForm(FlaskForm):
    """The head of division turns down a disruption awaiting confirmation (e.g. a
    proposed blank stock out), with the reason."""

    Meta = TranslatedMeta

    reason = StringField(_l("Reason for dismissing (at least 5 characters)"),
                         id="dismiss_reason", validators=[Length(max=255)],
                         render_kw={"minlength": 5, "maxlength": 255})
