"""Publishing a new version of the service standard."""

from __future__ import annotations

import typing as t

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields import (
    DateField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from models import codes
from models.complaints import CHANNELS
from models.standard import EDITABLE_FIELDS, MAX_TEXT, parse_marital_codes

from .i18n import TranslatedMeta


def parse_channels(text: str) -> list[dict[str, str]]:
    """One 'channel: contact' per line, channel from the complaint channel list."""
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        channel, sep, contact = line.partition(":")
        channel = channel.strip()
        if not sep or channel not in CHANNELS or not contact.strip():
            raise ValidationError(str(_l(
                "Line %(n)d: write 'channel: contact' with a channel from %(list)s.",
                n=n, list=", ".join(CHANNELS))))
        out.append({"channel": channel, "contact": contact.strip()})
    if not out:
        raise ValidationError(str(_l("List at least one complaint channel.")))
    return out


class ComplaintChannelsField(TextAreaField):
    """The channels as 'channel: contact' lines; its data is the list the standard keeps."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "\n".join(f"{x['channel']}: {x['contact']}" for x in self.data or [])

    def process_formdata(self, valuelist: list[t.Any]) -> None:
        if not valuelist:
            return
        self.data = []  # an unreadable list is never the one kept
        if valuelist[0]:
            self.data = parse_channels(valuelist[0])


class MaritalStatusesField(SelectMultipleField):
    """Ticked SIAK marital statuses; the standard keeps them as "2,3,4"."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_data(self, value: t.Any) -> None:
        if isinstance(value, str):
            value = sorted(parse_marital_codes(value))
        super().process_data(value)

    @property
    def codes_text(self) -> str:
        return ",".join(sorted(set(self.data or [])))


class ServiceStandardForm(FlaskForm):
    """Every field of the standard; saving publishes a new version
    (models.standard.publish_version), older versions stay as they were."""

    Meta = TranslatedMeta
    document_number = StringField(_l("Document number"),
                                  validators=[InputRequired(), Length(max=80)])
    document_date = DateField(_l("Document date"), validators=[DataRequired()])
    unit = StringField(_l("Work unit"), validators=[InputRequired(), Length(max=120)])
    eligibility_age = IntegerField(_l("Minimum age"),
                                   validators=[DataRequired(), NumberRange(10, 25)])
    eligible_marital_statuses = MaritalStatusesField(
        _l("Eligible below the age when"),
        choices=[(code, label) for code, label in codes.MARITAL_STATUS
                 if code in codes.MARRIED_OR_EVER_MARRIED],
        description=_l("Requirement A1a: married or ever married. None ticked: by age "
                       "only."))
    sla_hours = IntegerField(_l("Service time (hours)"),
                             validators=[DataRequired(), NumberRange(1, 720)])
    sla_hours_disrupted = IntegerField(_l("Service time under disruption (hours)"),
                                       validators=[DataRequired(), NumberRange(1, 720)])
    fee = IntegerField(_l("Fee (Rp)"), validators=[InputRequired(),
                                                   NumberRange(0, 10_000_000)])
    complaint_channels = ComplaintChannelsField(
        _l("Complaint channels"), validators=[InputRequired()],
        description=_l("One per line, e.g. 'phone: 081237634471'."))
    service_delivery_text = TextAreaField(_l("A. Service delivery"),
                                          validators=[DataRequired(), Length(max=MAX_TEXT)])
    internal_management_text = TextAreaField(_l("B. Internal management"),
                                             validators=[DataRequired(), Length(max=MAX_TEXT)])
    low_stock_threshold = IntegerField(_l("Low blank stock warning at"),
                                       validators=[InputRequired(), NumberRange(0, 100_000)])
    complaint_response_days = IntegerField(_l("Complaint response time (days)"),
                                           validators=[InputRequired(), NumberRange(1, 60)])
    # Left out of a post: the value in force is kept (models.standard.publish_version).
    complaint_resolution_working_days = IntegerField(
        _l("Complaint resolution time (working days)"),
        validators=[Optional(), NumberRange(1, 60)])
    uncollected_flag_days = IntegerField(_l("Flag uncollected cards after (days)"),
                                         validators=[InputRequired(), NumberRange(1, 365)])

    def standard_values(self) -> dict[str, t.Any]:
        """The values of the version to publish."""
        values = {name: self[name].data for name in EDITABLE_FIELDS}
        values["eligible_marital_statuses"] = self.eligible_marital_statuses.codes_text
        return values
