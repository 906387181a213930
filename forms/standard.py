"""Publishing a new version of the service standard."""

from __future__ import annotations

import typing as t

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form
from wtforms.fields import (
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
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
)
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from models import codes
from models.complaints import CHANNEL_LABELS, CHANNELS
from models.standard import (
    COMPONENT_CODES,
    EDITABLE_FIELDS,
    MAX_CHANNELS,
    MAX_CONTACT,
    MAX_HEADING,
    MAX_LABEL,
    MAX_TEXT,
    parse_marital_codes,
)

from .i18n import TranslatedMeta


class ChannelRowForm(Form):
    """One complaint channel: kind from the known list, optional label, contact."""

    kind = SelectField(_l("Kind"), choices=[("", "")] + [(c, CHANNEL_LABELS[c])
                                                         for c in CHANNELS],
                       validators=[Optional()])
    label = StringField(_l("Label (optional)"), validators=[Length(max=MAX_LABEL)],
                        description=_l("Empty: the kind's own name."))
    contact = StringField(_l("Contact or place"), validators=[Length(max=MAX_CONTACT)])

    class Meta(TranslatedMeta):
        csrf = False  # the page's form carries the token


class ComponentForm(Form):
    """One numbered component: its heading and its text."""

    heading = StringField(_l("Heading"), validators=[Length(max=MAX_HEADING)])
    text = TextAreaField(_l("Text"), validators=[Length(max=MAX_TEXT)],
                         render_kw={"rows": 5})

    class Meta(TranslatedMeta):
        csrf = False


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
    # The version this edit started from: publishing refuses if another came since.
    based_on_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    # Room for the channels in force and a few more; an empty row is skipped.
    channels = FieldList(FormField(ChannelRowForm), label=_l("Complaint channels"),
                         min_entries=6, max_entries=MAX_CHANNELS)
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

    def process(self, formdata: t.Any = None, obj: t.Any = None, data: t.Any = None,
                **kwargs: t.Any) -> None:
        """Prefilled from a version: its channel rows and components by code."""
        if obj is not None and formdata is None:
            kwargs.setdefault("based_on_version", obj.version)
            kwargs.setdefault("channels", list(obj.complaint_channels or []))
            for item in obj.components or []:
                kwargs.setdefault(f"component_{item.get('code')}", item)
        super().process(formdata, obj, data, **kwargs)
        if obj is not None and formdata is None:  # room for two more channels
            wanted = min(len(obj.complaint_channels or []) + 2, MAX_CHANNELS)
            while len(self.channels.entries) < wanted:
                self.channels.append_entry()
        keys = formdata.keys() if hasattr(formdata, "keys") else ()
        # FieldList keeps the first max_entries rows: more is refused, never cut.
        self.posted_channel_rows = len({k.split("-")[1] for k in keys
                                        if k.startswith("channels-") and k.count("-") == 2})

    def validate(self, extra_validators: t.Any = None) -> bool:
        valid = super().validate(extra_validators)
        if getattr(self, "posted_channel_rows", 0) > MAX_CHANNELS:
            self.channels.errors = [*self.channels.errors, str(_l(
                "At most %(n)d channels.", n=MAX_CHANNELS))]
            return False
        return valid

    def component_fields(self, part: str) -> list[tuple[str, t.Any]]:
        """(code, subform field) of part "A" or "B", in order."""
        return [(code, self[f"component_{code}"]) for code in COMPONENT_CODES
                if code.startswith(part)]

    def standard_values(self) -> dict[str, t.Any]:
        """The values of the version to publish."""
        values = {name: self[name].data for name in EDITABLE_FIELDS
                  if name not in ("complaint_channels", "components")}
        values["eligible_marital_statuses"] = self.eligible_marital_statuses.codes_text
        values["complaint_channels"] = [dict(row.data) for row in self.channels]
        values["components"] = [{"code": code, **self[f"component_{code}"].data}
                                for code in COMPONENT_CODES]
        return values

    def field_named(self, name: str) -> t.Any:
        """The field a domain refusal names ("channels-2-contact",
        "component_A1-text", "fee"), None when there is none."""
        head, _sep, rest = name.partition("-")
        if head == "channels":
            index, _sep, sub = rest.partition("-")
            entries = self.channels.entries
            if index.isdigit() and int(index) < len(entries) and sub in ("kind", "label",
                                                                         "contact"):
                return entries[int(index)].form[sub]
            return None
        if head in self and rest:
            sub_form = self[head].form
            return sub_form[rest] if rest in sub_form else None
        return self[name] if name in self else None


for _code in COMPONENT_CODES:
    setattr(ServiceStandardForm, f"component_{_code}",
            FormField(ComponentForm, label=_code, separator="-"))
