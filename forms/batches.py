"""The steps of a print batch: remove from the draft, submit, decide, print, render
again, confirm each printed card. Field names are the ones the batch page posts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from models.printers import Printer

from .i18n import TranslatedMeta

DECISIONS = (("approve", _l("Approve")), ("reject", _l("Reject")))
RESULTS = (("good", _l("Good: into custody")), ("spoiled", _l("Spoiled")))


class StepForm(FlaskForm):
    """A step with no field of its own: the CSRF token alone (submit)."""

    Meta = TranslatedMeta


class RemoveForm(StepForm):
    application_id = IntegerField(validators=[InputRequired()])


class DecideForm(StepForm):
    """Approve or reject (the page's two buttons post `decision`); a rejection needs a
    note, which the domain checks (decide_batch) and says next to the note."""

    decision = StringField(_l("Decision"), validators=[
        InputRequired(message=_l("Choose approve or reject.")),
        AnyOf([v for v, _label in DECISIONS], message=_l("Choose approve or reject."))])
    note = TextAreaField(_l("Note (required to reject)"),
                         validators=[Optional(), Length(max=255)])


def _printer_choice(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class PrintForm(StepForm):
    """Print an approved batch: the printer the cards go into (its calibration moves
    the overlay), and the reason when the printer recorded some applications."""

    printer_id = SelectField(_l("Printer"), coerce=_printer_choice, validate_choice=True,
                             validators=[DataRequired(
                                 message=_l("Choose the printer the cards go into."))])
    override_reason = StringField(validators=[Optional(), Length(max=255)])

    def set_printers(self, printers: list[Printer], *, calibration: bool = True) -> None:
        """The active printers as choices (with their offsets on the print step)."""

        def label(p: Printer) -> str:
            if not calibration:
                return p.name
            return f"{p.name} ({p.offset_x_mm or 0:+.2f} / {p.offset_y_mm or 0:+.2f} mm)"

        self.printer_id.choices = [("", str(_l("— choose —")))] + [
            (p.id, label(p)) for p in printers]


class RenderForm(PrintForm):
    """Render the PDF again for a printer: never consumes blanks."""


class ConfirmForm(StepForm):
    """One printed card checked: good (into custody, where it is kept) or spoiled (why).
    The location and the reason are checked by the domain (confirm_card)."""

    card_id = HiddenField(validators=[InputRequired()])
    result = HiddenField(validators=[
        InputRequired(message=_l("Choose good or spoiled.")),
        AnyOf([v for v, _label in RESULTS], message=_l("Choose good or spoiled."))])
    storage_location = StringField(_l("Storage location"),
                                   validators=[Optional(), Length(max=60)])
    reason = StringField(_l("Why is it spoiled?"), validators=[Optional(), Length(max=255)])
