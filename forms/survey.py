"""The satisfaction survey's forms: the kiosk's code entry and the nine questions with
the regulation's four answers each (public, no login), and the results' period (staff)."""

from __future__ import annotations

import typing as t
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields import DateField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from models.office_time import DATE_FORMAT, DATE_PATTERN
from models.survey import ANSWER_LABELS, ELEMENT_QUESTIONS, ELEMENTS, MAX_SUGGESTION, normalize_code

from .i18n import TranslatedMeta
from .public import PlainText, Storable


class SurveyCode:
    """Something that can be a survey code (whether it is one, the domain decides)."""

    def __call__(self, form: t.Any, field: t.Any) -> None:
        if normalize_code(field.data) is None:
            raise ValidationError(_l("Type the survey code as it is printed on your "
                                     "handover receipt, e.g. SKM-1C-7KQ4-M2XD."))


class SurveyCodeForm(FlaskForm):
    """The kiosk: the resident types the code printed on the handover receipt."""

    Meta = TranslatedMeta
    code = StringField(_l("Survey code"), validators=[InputRequired(), Length(max=32),
                                                        SurveyCode()],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                  "spellcheck": "false"},
                       description=_l("Printed under the QR code on your handover receipt."))


def _question(element: str) -> RadioField:
    labels = ANSWER_LABELS[element]
    return RadioField(ELEMENT_QUESTIONS[element],
                      choices=[(str(score), labels[score - 1]) for score in (1, 2, 3, 4)],
                      validators=[InputRequired(message=_l("Choose one of the four "
                                                           "answers."))])


class SurveyForm(FlaskForm):
    """The nine elements (U1..U9) on the 1-4 scale and an optional suggestion."""

    Meta = TranslatedMeta
    requirements = _question("requirements")
    procedure = _question("procedure")
    time = _question("time")
    fee = _question("fee")
    product = _question("product")
    staff_competence = _question("staff_competence")
    staff_conduct = _question("staff_conduct")
    facilities = _question("facilities")
    complaint_handling = _question("complaint_handling")
    suggestion = TextAreaField(
        _l("Suggestion (optional)"),
        validators=[Optional(), Length(max=MAX_SUGGESTION), PlainText(), Storable()],
        description=_l("At most %(n)d characters. Do not write your name.",
                       n=MAX_SUGGESTION),
        render_kw={"rows": 3, "maxlength": MAX_SUGGESTION})

    def scores(self) -> dict[str, str]:
        return {element: self[element].data for element in ELEMENTS}



# DD-MM-YYYY as the office writes dates (the ISO form a date picker sends is taken too),
# in a text input: an <input type=date> shows mm/dd/yyyy on an English browser.
_TYPED_DATE: dict[str, t.Any] = {
    "format": [DATE_FORMAT, "%Y-%m-%d"], "widget": TextInput(),
    "render_kw": {"placeholder": DATE_PATTERN, "inputmode": "numeric", "maxlength": 10,
                  "autocomplete": "off"},
}


class SurveyPeriodForm(FlaskForm):
    """The results' period (GET, bound to the query string: no CSRF), DD-MM-YYYY."""

    class Meta(TranslatedMeta):
        csrf = False

    start = DateField(_l("From"), validators=[Optional()], **_TYPED_DATE)
    end = DateField(_l("to"), validators=[Optional()], **_TYPED_DATE)

    def period(self, default: tuple[date, date]) -> tuple[date, date]:
        """The dates asked for; a date missing or not understood keeps its default."""
        start = self.start.data if not self.start.errors and self.start.data else default[0]
        end = self.end.data if not self.end.errors and self.end.data else default[1]
        return start, end
