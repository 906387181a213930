"""The applicant form (F-1.02): the fields and validators the applicant screen's form is
built from (Flask-Admin scaffolds the rest of it from the Applicant model)."""

from __future__ import annotations

import typing as t

from flask_babel import lazy_gettext as _l
from wtforms.fields import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from models import codes, wilayah
from models.residents import MAX_CHANGE_REASON_LENGTH

from .validators import KKNumber, NikFormat, NotInFuture, PersonName, Phone, RtRw

CHOOSE = ("", _l("— choose —"))


def code_select(label: t.Any, codelist: codes.CodeList) -> SelectField:
    """A SIAK code list; the empty first option: a value nobody chose must not slip in
    as the default."""
    return SelectField(label, choices=[CHOOSE, *codes.choices(codelist)],
                       validators=[DataRequired()])


# Fields that replace the scaffolded ones.
APPLICANT_FIELDS: dict[str, t.Any] = {
    "birth_date": DateField(_l("Date of birth"), validators=[DataRequired(), NotInFuture()]),
    "sex": code_select(_l("Sex"), codes.SEX),
    "blood_type": code_select(_l("Blood type"), codes.BLOOD_TYPE),
    "religion": code_select(_l("Religion"), codes.RELIGION),
    "marital_status": code_select(_l("Marital status"), codes.MARITAL_STATUS),
    "occupation": code_select(_l("Occupation"), codes.OCCUPATION),
    "citizenship": code_select(_l("Citizenship"), codes.CITIZENSHIP),
    "village_code": SelectField(_l("Village"), validators=[DataRequired()],
                                choices=lambda: [CHOOSE, *wilayah.village_choices()]),
}

# Validators and descriptions of the scaffolded fields.
APPLICANT_FIELD_ARGS: dict[str, dict[str, t.Any]] = {
    "nik": {"validators": [DataRequired(), NikFormat()],
            "description": _l("16 digits, as on the family card.")},
    "kk_number": {"validators": [DataRequired(), KKNumber()]},
    "name": {"validators": [DataRequired(), Length(max=60), PersonName()],
             "description": _l("In capitals, at most 60 characters.")},
    "birth_place": {"validators": [DataRequired(), PersonName()]},
    "address": {"validators": [DataRequired(), Length(max=120)]},
    "rt": {"validators": [DataRequired(), RtRw()]},
    "rw": {"validators": [DataRequired(), RtRw()]},
    "phone": {"validators": [Optional(), Phone()]},
}

APPLICANT_WIDGET_ARGS: dict[str, dict[str, t.Any]] = {
    "nik": {"inputmode": "numeric", "autocomplete": "off", "maxlength": 20},
    "kk_number": {"inputmode": "numeric", "autocomplete": "off", "maxlength": 20},
}


def change_reason_field() -> TextAreaField:
    """Why a resident whose KTP-el is already printed is edited: the edit form shows it
    only then, and the edit is refused without it (models.residents.update_applicant)."""
    return TextAreaField(
        _l("Reason for the change"),
        validators=[Optional(), Length(max=MAX_CHANGE_REASON_LENGTH)],
        description=_l("This resident's KTP-el has already been printed. The card and its "
                       "documents keep the data printed on them; write why the data is "
                       "changed (e.g. the family card was corrected)."),
        render_kw={"maxlength": MAX_CHANGE_REASON_LENGTH, "rows": 2})
