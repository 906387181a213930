"""The counter's forms: the NIK lookup, intake, the application's steps (recording, SIAK
result, reject, cancel) and the work-queue filters.

The forms check what a form can check (CSRF, a choice from the list, lengths); the
domain operations in models/ check the rules again and say what is missing, and a
refusal that names a field is shown next to that field.
"""

from __future__ import annotations

import typing as t
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields import DateField
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import Select, html_params

from models import applications, wilayah
from models.applications import APPLICATION_STATUSES, MIN_REASON_LENGTH
from models.office_time import parse_date
from models.queue import GROUP_LABELS, GROUPS, QueueFilters, filter_args

from .i18n import TranslatedMeta

IMAGE_TYPES = "image/jpeg,image/png"
DOCUMENT_TYPES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def digits(value: str | None, limit: int = 32) -> str:
    """The digits typed (spaces and dots dropped); never cut to 16, so a NIK typed with
    a digit too many is refused instead of matching someone else."""
    return "".join(ch for ch in (value or "") if "0" <= ch <= "9")[:limit]


def file_bytes(field: t.Any) -> bytes | None:
    """The bytes of an uploaded file, or None when the field was left empty.

    A chosen but empty file gives b"": the upload check says what is wrong with it.
    """
    storage = field.data
    if storage is None or not hasattr(storage, "read"):
        return None
    return storage.read()


class _GetMeta(TranslatedMeta):
    """A search form read from the query string: nothing changes, no CSRF token."""

    csrf = False


# ------------------------------------------------------------------ intake


class NikLookupForm(FlaskForm):
    """The counter's first question: whose NIK is this? Posted with its CSRF token,
    never sent in the address (browser history, proxies and Referer would keep it)."""

    Meta = TranslatedMeta  # WTForms' own messages in the user's language

    nik = StringField(_l("NIK"), filters=[digits],
                      render_kw={"inputmode": "numeric", "autocomplete": "off",
                                 "maxlength": 20, "size": 20, "required": True})

    def validate_nik(self, field: t.Any) -> None:
        if field.data and len(field.data) != 16:
            raise ValidationError(_l("Enter the 16 digits of the NIK."))


class IntakeForm(FlaskForm):
    """Requirements declared complete: F-1.02 ticked and the KK copy attached."""

    Meta = TranslatedMeta  # WTForms' own messages in the user's language

    nik = HiddenField(filters=[digits], id="intake_nik")
    f102_complete = BooleanField(_l("Form F-1.02 complete"))
    kk_copy = FileField(_l("Copy of the family card (KK)"),
                        description=_l("PDF, JPEG or PNG, at most 5 MB."),
                        render_kw={"accept": DOCUMENT_TYPES})


# ------------------------------------------------------------------ the application's steps


class RecordForm(FlaskForm):
    """Recording (perekaman): photo, signature, fingerprints and iris."""

    Meta = TranslatedMeta  # WTForms' own messages in the user's language

    photo = FileField(_l("Photo"), render_kw={"accept": IMAGE_TYPES})
    signature = FileField(_l("Signature"), description=_l("JPEG or PNG, at most 5 MB."),
                          render_kw={"accept": IMAGE_TYPES})
    fingerprints_captured = BooleanField(_l("Fingerprints captured"))
    iris_captured = BooleanField(_l("Iris captured"))


class ValueIdRadioField(RadioField):
    """Radio buttons whose ids name their value (result_print_ready), not their index."""

    def __iter__(self) -> t.Iterator[t.Any]:
        for option in super().__iter__():
            option.id = f"{self.id}_{option.data}"
            option.label.field_id = option.id
            yield option


class SiakResultForm(FlaskForm):
    """What SIAK answered after biometric de-duplication."""

    Meta = TranslatedMeta  # WTForms' own messages in the user's language

    # The domain says "choose the SIAK result" when none (or a foreign value) is sent.
    result = ValueIdRadioField(
        _l("SIAK result"), validate_choice=False,
        choices=[(r, applications.STATUS_LABELS[r]) for r in applications.SIAK_RESULTS])
    note = StringField(_l("SIAK note (required for a duplicate)"), id="siak_note",
                       validators=[Optional(), Length(max=255)],
                       render_kw={"maxlength": 255})


def _reason(field_id: str) -> StringField:
    return StringField(_l("Reason (at least %(n)d characters)", n=MIN_REASON_LENGTH),
                       id=field_id, validators=[Length(max=255)],
                       render_kw={"minlength": MIN_REASON_LENGTH, "maxlength": 255})


class ReasonForm(FlaskForm):
    """Why an application is rejected or cancelled."""

    Meta = TranslatedMeta  # WTForms' own messages in the user's language

    reason = _reason("reason")


class RejectForm(ReasonForm):
    reason = _reason("reject_reason")  # both forms are on one page: distinct ids


class CancelForm(ReasonForm):
    reason = _reason("cancel_reason")


class RecheckForm(FlaskForm):
    """How SIAK's duplicate was resolved with SIAK (back to recorded)."""

    Meta = TranslatedMeta  # WTForms' own messages in the user's language

    note = StringField(_l("How it was resolved with SIAK (at least %(n)d characters)",
                          n=MIN_REASON_LENGTH), id="recheck_note",
                       validators=[Length(max=255)],
                       render_kw={"minlength": MIN_REASON_LENGTH, "maxlength": 255})


STEP_FORMS: dict[str, type[FlaskForm]] = {
    "record": RecordForm,
    "siak_result": SiakResultForm,
    "recheck_duplicate": RecheckForm,
    "reject": RejectForm,
    "cancel": CancelForm,
}


# ------------------------------------------------------------------ the work queue


class FilterSelect(Select):
    """A select writing `value="..." selected`, the order the queue's links read."""

    @classmethod
    def render_option(cls, value: t.Any, label: t.Any, selected: bool,
                      **kwargs: t.Any) -> Markup:
        attributes = html_params(value=value, **kwargs)
        return Markup(f"<option {attributes}{' selected' if selected else ''}>"
                      f"{escape(label)}</option>")


class OfficeDateField(DateField):
    """A date typed as DD-MM-YYYY or sent by a date input (ISO): the office's parser."""

    def process_formdata(self, valuelist: list[t.Any]) -> None:
        text = " ".join(valuelist).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        self.data = parse_date(text)
        if self.data is None:
            raise ValueError(_l("%(field)s: not a date (DD-MM-YYYY).", field=self.label.text))


def _state_choices() -> list[tuple[str, t.Any]]:
    return ([("", _l("Open (not closed)"))]
            + [(s, applications.STATUS_LABELS[s]) for s in APPLICATION_STATUSES]
            + [(g, GROUP_LABELS[g]) for g in GROUPS]
            + [("all", _l("All states"))])


def _district_choices() -> list[tuple[str, t.Any]]:
    return [("", _l("All"))] + [(d.code, d.name) for d in wilayah.districts_of_sumba_timur()]


class QueueFilterForm(FlaskForm):
    """The work queue's filters (GET, from the query string)."""

    Meta = _GetMeta

    state = SelectField(_l("State"), choices=_state_choices, widget=FilterSelect())
    kecamatan = SelectField(_l("Kecamatan"), choices=_district_choices,
                            widget=FilterSelect())
    date_from = OfficeDateField(_l("Submitted from"), name="from")
    date_to = OfficeDateField(_l("to"), name="to")

    def filters(self) -> QueueFilters:
        """The filters to apply: a value that is not on the list counts as not chosen."""
        states = {value for value, _label in _state_choices()}
        districts = {value for value, _label in _district_choices()}

        def valid_date(field: t.Any) -> date | None:
            return None if field.errors else field.data

        return QueueFilters(
            state=self.state.data if self.state.data in states else "",
            kecamatan=self.kecamatan.data if self.kecamatan.data in districts else "",
            date_from=valid_date(self.date_from), date_to=valid_date(self.date_to))

    def args(self, **override: str) -> dict[str, str]:
        """The query string of these filters (with `override`), for the state links."""
        return filter_args(self.filters(), **override)
