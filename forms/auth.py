"""Login, second factor, activation and password change forms.

The same length limits on every password field: at least 10 and at most 128
characters where a password is set, at most 128 where one is typed to log in, so a
password that could be set can always be used (the domain check in models.users says
the same, with the reason in Indonesian).
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from models.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

from .i18n import TranslatedMeta

TOO_LONG = _l("The password must be at most %(max)d characters long.")
LENGTH = _l("The password must be between %(min)d and %(max)d characters long.")
MISMATCH = _l("The passwords do not match.")


def new_password_field(label: object) -> PasswordField:
    return PasswordField(label, validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                               message=LENGTH)])


def repeat_field(label: object) -> PasswordField:
    return PasswordField(label, validators=[DataRequired(),
                                            EqualTo("password", message=MISMATCH)])


class LoginForm(FlaskForm):
    Meta = TranslatedMeta
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(), Length(max=MAX_PASSWORD_LENGTH, message=TOO_LONG)])


class SecondFactorForm(FlaskForm):
    Meta = TranslatedMeta
    code = StringField(_l("Code from the authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=20)])


class EnrolForm(FlaskForm):
    Meta = TranslatedMeta
    code = StringField(_l("The 6-digit code the app shows now"),
                       validators=[DataRequired(), Length(max=10)])


class ActivationForm(FlaskForm):
    Meta = TranslatedMeta
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    code = StringField(_l("Activation code"), validators=[DataRequired(), Length(max=40)])
    password = new_password_field(_l("New password"))
    password_again = repeat_field(_l("New password again"))


class PasswordChangeForm(FlaskForm):
    Meta = TranslatedMeta
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(), Length(max=MAX_PASSWORD_LENGTH, message=TOO_LONG)])
    password = new_password_field(_l("New password"))
    password_again = repeat_field(_l("New password again"))
