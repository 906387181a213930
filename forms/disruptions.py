"""Reporting a disruption (gangguan): what broke and how."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields import SelectField, TextAreaField
from wtforms.validators import DataRequired

from models.service_clock import DISRUPTION_KINDS, DISRUPTION_LABELS

from .i18n import TranslatedMeta


class DisruptionForm(FlaskForm):
    """It starts when reported (models.service_clock.open_disruption)."""

    Meta = TranslatedMeta
    kind = SelectField(_l("Kind"), validators=[DataRequired()],
                       choices=[(k, DISRUPTION_LABELS[k]) for k in DISRUPTION_KINDS])
    description = TextAreaField(_l("Description"), validators=[DataRequired()])
