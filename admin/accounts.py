"""Staff accounts (administrator only)."""

from __future__ import annotations

import typing as t

from flask_babel import lazy_gettext as _l
from wtforms.fields import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from models import DomainError, db, users
from models.permissions import ROLE_LABELS, ROLES, PermissionDenied

from .base import OfficeForm, SecuredModelView, actor
from .formatters import (
    mapping_label,
)

ROLE_CHOICES = [(r, ROLE_LABELS[r]) for r in ROLES]


class NewUserForm(OfficeForm):
    username = StringField(_l("Username"), validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[a-z0-9._]+$", message=_l("Use lower-case letters, digits, dots and "
                                             "underscores only."))])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    nip = StringField(_l("NIP (optional)"), validators=[
        Optional(), Regexp(r"^\d{18}$", message=_l("NIP must be exactly 18 digits."))])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10)])
    password_again = PasswordField(_l("Password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])


class EditUserForm(OfficeForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    nip = StringField(_l("NIP (optional)"), validators=[
        Optional(), Regexp(r"^\d{18}$", message=_l("NIP must be exactly 18 digits."))])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])
    active = BooleanField(_l("Active"))
    password = PasswordField(_l("New password (leave empty to keep)"),
                             validators=[Optional(), Length(min=10)])
    password_again = PasswordField(_l("New password again"), validators=[
        EqualTo("password", message=_l("The passwords do not match."))])


class UserView(SecuredModelView):
    entity = "user"
    column_list = ("username", "full_name", "role", "active", "last_login_at",
                   "locked_until")
    column_details_list = ("username", "full_name", "nip", "role", "active", "last_login_at",
                           "failed_logins", "locked_until", "created_at")
    column_export_list = ("username", "full_name", "nip", "role", "active", "last_login_at")
    column_labels = {
        "username": _l("Username"), "full_name": _l("Full name"), "nip": _l("NIP"),
        "role": _l("Role"), "active": _l("Active"), "last_login_at": _l("Last login"),
        "failed_logins": _l("Failed logins"), "locked_until": _l("Locked until"),
        "created_at": _l("Created"),
    }
    column_filters = ("role", "active")
    column_choices = {"role": ROLE_CHOICES}
    column_formatters = {"role": mapping_label(ROLE_LABELS)}
    column_searchable_list = ("username", "full_name")
    column_default_sort = ("username", False)

    def get_create_form(self) -> t.Any:
        return NewUserForm

    def get_edit_form(self) -> t.Any:
        return EditUserForm

    def create_model(self, form: t.Any) -> t.Any:
        try:
            return users.create_user(actor(), form.username.data, form.full_name.data,
                                     form.role.data, form.password.data, form.nip.data or None)
        except (DomainError, PermissionDenied) as exc:
            db.session.rollback()
            self._show_domain_error(form, exc)
            return False

    def update_model(self, form: t.Any, model: t.Any) -> bool:
        try:
            users.update_user(actor(), model, full_name=form.full_name.data,
                              role=form.role.data, nip=form.nip.data or None,
                              active=form.active.data, password=form.password.data or None)
        except (DomainError, PermissionDenied) as exc:
            db.session.rollback()
            self._show_domain_error(form, exc)
            return False
        return True
