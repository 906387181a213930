"""Complaint forms: what the counter records, and what may change afterwards."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.model.fields import AjaxSelectField
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from models import db
from models.complaints import CHANNEL_LABELS, CHANNELS, KIND_LABELS, KINDS
from models.users import User

from .i18n import TranslatedMeta


def blank_to_none(value: t.Any) -> t.Any:
    """An optional text left empty is stored as nothing, not as ''."""
    if isinstance(value, str):
        value = value.strip()
    return value or None


def strip(value: t.Any) -> t.Any:
    return value.strip() if isinstance(value, str) else value


class ComplaintForm(FlaskForm):
    """A complaint, suggestion or input as received (the head of division assigns it
    later). The application lookup is added by `complaint_form`."""

    Meta = TranslatedMeta
    channel = SelectField(_l("Channel"), validators=[DataRequired()],
                          choices=[(c, CHANNEL_LABELS[c]) for c in CHANNELS])
    kind = SelectField(_l("Kind"), validators=[DataRequired()],
                       choices=[(k, KIND_LABELS[k]) for k in KINDS])
    complainant_name = StringField(_l("Name"), validators=[Optional(), Length(max=60)],
                                   filters=[blank_to_none])
    contact = StringField(_l("Contact"), validators=[Optional(), Length(max=80)],
                          filters=[blank_to_none])
    subject = StringField(_l("Subject"), validators=[InputRequired(), Length(max=120)],
                          filters=[strip])
    body = TextAreaField(_l("Content"), validators=[DataRequired()])


def complaint_form(application_lookup: t.Any) -> type[ComplaintForm]:
    """The create form with the select2 lookup of the application by receipt number;
    `application_lookup` is the view's ajax loader, so its lookup URL serves the field."""

    class ComplaintWithApplicationForm(ComplaintForm):
        application = AjaxSelectField(application_lookup, _l("Application"),
                                      allow_blank=True)

    return ComplaintWithApplicationForm


def staff_query() -> t.Any:
    return db.session.execute(sa.select(User).order_by(User.full_name)).scalars().all()


class ComplaintEditForm(FlaskForm):
    """What was received stays as received: only the summary and the handler change."""

    Meta = TranslatedMeta
    subject = StringField(_l("Subject"), validators=[InputRequired(), Length(max=120)],
                          filters=[strip])
    body = TextAreaField(_l("Content"), validators=[DataRequired()])
    assigned_to = QuerySelectField(_l("Handled by"), query_factory=staff_query,
                                   allow_blank=True)
