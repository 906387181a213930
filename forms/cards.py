"""Cards in custody: the search, moving a card to another place, the handover."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from models.cards import RELATION_LABELS

from .i18n import TranslatedMeta


class CustodySearchForm(FlaskForm):
    """The GET filter of the custody list (bound to the query string: no CSRF)."""

    class Meta(TranslatedMeta):
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=60)],
                    render_kw={"placeholder": _l("Receipt number, NIK, KK, name or serial"),
                               "type": "search"})


class MoveForm(FlaskForm):
    """Move a card in custody to another place; the domain (move_card) checks it."""

    Meta = TranslatedMeta
    storage_location = StringField(_l("Storage location"),
                                   validators=[Optional(), Length(max=60)])


class HandoverForm(FlaskForm):
    """The card into the resident's (or family's) hands. The rules (a valid name, the
    relation, the ID check, the letter of authority) are the domain's (hand_over),
    whose refusals come back next to their field."""

    Meta = TranslatedMeta
    receiver_name = StringField(_l("Name of the person receiving the card"),
                                validators=[Optional(), Length(max=60)],
                                render_kw={"autocomplete": "off", "maxlength": 60})
    relation = SelectField(_l("Relation to the applicant"), validators=[InputRequired(
        message=_l("Choose the receiver's relation to the applicant."))])
    id_checked = BooleanField(_l("I checked the receiver's KTP/KK"))
    authority_letter = BooleanField(
        _l("A family member brought a letter of authority from the applicant"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.relation.choices = [("", str(_l("— choose —")))] + [
            (value, str(label)) for value, label in RELATION_LABELS.items()]
