"""The administrator's account forms: no password field anywhere (an activation code
lets the member of staff set their own)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from models.permissions import ROLE_LABELS, ROLES

from .i18n import TranslatedMeta

ROLE_CHOICES = [(r, ROLE_LABELS[r]) for r in ROLES]
NIP = Regexp(r"^[0-9]{18}\Z", message=_l("NIP must be exactly 18 digits."))


class NewUserForm(FlaskForm):
    Meta = TranslatedMeta
    username = StringField(_l("Username"), validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[a-z0-9._]+\Z", message=_l("Use lower-case letters, digits, dots and "
                                             "underscores only."))])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    nip = StringField(_l("NIP (optional)"), validators=[Optional(), NIP])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()],
                       description=_l("Takes effect when the head of office confirms it "
                                      "(the administrator role at once)."))


class EditUserForm(FlaskForm):
    Meta = TranslatedMeta
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    nip = StringField(_l("NIP (optional)"), validators=[Optional(), NIP])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()],
                       description=_l("A new role takes effect when the head of office "
                                      "confirms it."))
    active = BooleanField(_l("Active"))
