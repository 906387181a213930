"""Complaint forms: what the counter records, the office-side correction (the link to
the application), and the handling steps: assign, respond, resolve or reject."""

from __future__ import annotations

import typing as t

from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.model.fields import AjaxSelectField
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from models.complaints import (
    CHANNEL_LABELS,
    KIND_LABELS,
    KINDS,
    MAX_RESPONSE,
    STAFF_CHANNELS,
    handlers,
)

from .i18n import TranslatedMeta


def blank_to_none(value: t.Any) -> t.Any:
    """An optional text left empty is stored as nothing, not as ''."""
    if isinstance(value, str):
        value = value.strip()
    return value or None


def strip(value: t.Any) -> t.Any:
    return value.strip() if isinstance(value, str) else value


class ComplaintForm(FlaskForm):
    """A complaint, suggestion or input as received by the office (the web channel is
    the public form's); the head of division assigns it later. The application lookup
    is added by `complaint_form`."""

    Meta = TranslatedMeta
    channel = SelectField(_l("Channel"), validators=[DataRequired()],
                          choices=[(c, CHANNEL_LABELS[c]) for c in STAFF_CHANNELS])
    kind = SelectField(_l("Kind"), validators=[DataRequired()],
                       choices=[(k, KIND_LABELS[k]) for k in KINDS])
    complainant_name = StringField(
        _l("Name"), validators=[Optional(), Length(max=60)], filters=[blank_to_none],
        description=_l("Empty: anonymous (e.g. the suggestion box)."))
    contact = StringField(
        _l("Contact"), validators=[Optional(), Length(max=80)], filters=[blank_to_none],
        description=_l("Phone/WhatsApp number or e-mail address, if the complainant left "
                       "one."))
    subject = StringField(_l("Subject"), validators=[InputRequired(), Length(max=120)],
                          filters=[strip])
    body = TextAreaField(_l("Content"), validators=[DataRequired(), Length(max=10_000)])


def complaint_form(application_lookup: t.Any) -> type[ComplaintForm]:
    """The create form with the select2 lookup of the application by receipt number;
    `application_lookup` is the view's ajax loader, so its lookup URL serves the field."""

    class ComplaintWithApplicationForm(ComplaintForm):
        application = AjaxSelectField(application_lookup, _l("Application"),
                                      allow_blank=True)

    return ComplaintWithApplicationForm


class ComplaintEditForm(FlaskForm):
    """What the complainant wrote stays as received, and the handling has its own
    steps: only the link to the application may be corrected (the field is added by
    `complaint_edit_form`)."""

    Meta = TranslatedMeta


def complaint_edit_form(application_lookup: t.Any) -> type[ComplaintEditForm]:
    """The edit form with the select2 lookup of the application by receipt number."""

    class ComplaintApplicationEditForm(ComplaintEditForm):
        application = AjaxSelectField(application_lookup, _l("Application"),
                                      allow_blank=True)

    return ComplaintApplicationEditForm


class AssignForm(FlaskForm):
    """The head of division gives the complaint to a handling officer."""

    Meta = TranslatedMeta
    assigned_to = QuerySelectField(_l("Handled by"), query_factory=handlers,
                                   get_label="full_name", allow_blank=True,
                                   validators=[DataRequired()])


class ResponseForm(FlaskForm):
    """A response to the complainant (the complaint stays open)."""

    Meta = TranslatedMeta
    text = TextAreaField(_l("Response"),
                         validators=[DataRequired(), Length(max=MAX_RESPONSE)])


class CloseForm(FlaskForm):
    """Resolve the complaint, or reject it with the reason."""

    Meta = TranslatedMeta
    outcome = RadioField(_l("Outcome"), validators=[DataRequired()], default="resolved",
                         choices=[("resolved", _l("Resolved")), ("rejected", _l("Rejected"))])
    text = TextAreaField(_l("Answer to the complainant / reason for rejection"),
                         validators=[DataRequired(), Length(max=MAX_RESPONSE)])
