"""Blank stock, print batches and printed cards.

The batch page's steps, the blank actions and the custom printing pages are in
admin/printing.py; every view here shows the low-stock warning.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms.fields import DateField
from wtforms.validators import DataRequired, NumberRange

from forms.validators import NotInFuture
from models import BlankReceipt, db
from models.batches import BATCH_STATUS_LABELS, BATCH_STATUSES
from models.blanks import BLANK_STATUS_LABELS, BLANK_STATUSES, receive_blanks
from models.cards import CARD_STATUS_LABELS, CARD_STATUSES

from .base import SecuredModelView, actor
from .formatters import (
    mapping_label,
)
from .printing import (
    BatchStepsMixin,
    BlankActionsMixin,
    PrintingScreenMixin,
)
from .search import IndexedSearchMixin, prefix_range

__all__ = ["BlankReceiptView", "BlankView", "CardView", "PrintBatchView", "PrinterView"]


class _PrintingView(PrintingScreenMixin, SecuredModelView):
    """A printing screen: shows the low-stock warning."""


class BlankReceiptView(_PrintingView):
    entity = "blank_receipt"
    column_list = ("received_at", "reference", "serial_first", "serial_last", "quantity",
                   "received_by")
    column_details_list = column_list + ("notes", "created_at")
    column_export_list = ("received_at", "reference", "serial_first", "serial_last",
                          "quantity")
    column_labels = {
        "received_at": _l("Date received"), "reference": _l("Reference (letter/report no.)"),
        "serial_first": _l("First serial"), "serial_last": _l("Last serial"),
        "quantity": _l("Quantity"), "received_by": _l("Received by"), "notes": _l("Notes"),
        "created_at": _l("Recorded at"),
    }
    column_filters = ("received_at",)
    form_columns = ("received_at", "reference", "serial_first", "serial_last", "quantity",
                    "notes")
    form_extra_fields = {
        "received_at": DateField(_l("Date received"), validators=[DataRequired(),
                                                                   NotInFuture()]),
    }
    form_args = {"quantity": {"validators": [DataRequired(), NumberRange(min=1, max=100_000)]}}
    form_widget_args = {
        "serial_first": {"inputmode": "numeric", "autocomplete": "off"},
        "serial_last": {"inputmode": "numeric", "autocomplete": "off"},
    }

    def create_model(self, form: t.Any) -> t.Any:
        """The domain's refusals go next to their field (SecuredModelView); a reference
        already recorded is refused by the database's unique index: say so there too."""
        reference = " ".join((form.reference.data or "").split())
        if reference and db.session.execute(sa.select(BlankReceipt.id).where(
                BlankReceipt.reference == reference).limit(1)).scalar() is not None:
            form.reference.errors = [*form.reference.errors, str(_l(
                "Receipt %(ref)s is already recorded.", ref=reference))]
            return False
        form.reference.data = reference
        return super().create_model(form)

    def create_record(self, model: t.Any) -> list[str]:
        receive_blanks(model, actor())
        return []


class BlankView(BlankActionsMixin, IndexedSearchMixin, _PrintingView):
    entity = "blank"
    column_list = ("serial", "status", "receipt", "status_reason", "updated_at")
    column_details_list = column_list
    column_export_list = ("serial", "status", "status_reason", "updated_at")
    column_labels = {"serial": _l("Serial"), "status": _l("Status"), "receipt": _l("Receipt"),
                     "status_reason": _l("Reason"), "updated_at": _l("Last change")}
    column_filters = ("status",)
    column_choices = {"status": [(s, BLANK_STATUS_LABELS[s]) for s in BLANK_STATUSES]}
    column_formatters = {"status": mapping_label(BLANK_STATUS_LABELS)}
    column_searchable_list = ("serial",)
    column_default_sort = ("serial", False)

    def search_rules(self, term: str):  # noqa: ANN201
        from models import Blank

        return prefix_range(Blank.serial, term) if term.isdigit() else None


class PrintBatchView(BatchStepsMixin, _PrintingView):
    entity = "print_batch"
    column_list = ("number", "status", "created_by", "created_at", "approved_by",
                   "printed_at")
    column_details_list = ("number", "status", "created_by", "created_at", "submitted_at",
                           "approved_by", "approved_at", "decision_note", "printed_by",
                           "printed_at", "pdf_sha256")
    column_export_list = ("number", "status", "created_at", "submitted_at", "approved_at",
                          "printed_at", "pdf_sha256")
    column_labels = {
        "number": _l("Batch number"), "status": _l("Status"), "created_by": _l("Created by"),
        "created_at": _l("Created"), "submitted_at": _l("Submitted"),
        "approved_by": _l("Decided by"), "approved_at": _l("Decided at"),
        "decision_note": _l("Decision note"), "printed_by": _l("Printed by"),
        "printed_at": _l("Printed at"), "pdf_sha256": _l("PDF SHA-256"),
    }
    column_filters = ("status",)
    column_choices = {"status": [(s, BATCH_STATUS_LABELS[s]) for s in BATCH_STATUSES]}
    column_formatters = {"status": mapping_label(BATCH_STATUS_LABELS)}
    form_columns = ()


class CardView(_PrintingView):
    entity = "card"
    column_list = ("blank", "application", "status", "printed_at", "storage_location",
                   "handed_over_at")
    column_details_list = ("blank", "application", "batch", "status", "printed_at",
                           "printed_by", "storage_location", "stored_at", "handed_over_at",
                           "handed_over_by", "receiver_name", "receiver_relation",
                           "receiver_id_checked", "spoil_reason")
    column_export_list = ("blank.serial", "application.number", "status", "printed_at",
                          "storage_location", "handed_over_at", "receiver_name",
                          "receiver_relation")
    column_labels = {
        "blank": _l("Blank serial"), "blank.serial": _l("Blank serial"),
        "application": _l("Application"), "application.number": _l("Application"),
        "batch": _l("Print batch"), "status": _l("Status"), "printed_at": _l("Printed at"),
        "printed_by": _l("Printed by"), "storage_location": _l("Storage location"),
        "stored_at": _l("Stored at"), "handed_over_at": _l("Handed over at"),
        "handed_over_by": _l("Handed over by"), "receiver_name": _l("Received by (name)"),
        "receiver_relation": _l("Relation"), "receiver_id_checked": _l("ID/KK checked"),
        "spoil_reason": _l("Reason spoiled"),
    }
    column_filters = ("status", "printed_at")
    column_choices = {"status": [(s, CARD_STATUS_LABELS[s]) for s in CARD_STATUSES]}
    column_formatters = {"status": mapping_label(CARD_STATUS_LABELS)}


class PrinterView(_PrintingView):
    entity = "printer"
    column_list = ("name", "offset_x_mm", "offset_y_mm", "active", "updated_at")
    column_details_list = column_list
    column_export_list = ("name", "offset_x_mm", "offset_y_mm", "active")
    column_labels = {"name": _l("Printer"), "offset_x_mm": _l("Shift right (mm)"),
                     "offset_y_mm": _l("Shift down (mm)"), "active": _l("In use"),
                     "updated_at": _l("Last change")}
    form_columns = ("name", "offset_x_mm", "offset_y_mm", "active")
    column_descriptions = {
        "offset_x_mm": _l("Moves the printed data on pre-printed blanks; negative = left."),
        "offset_y_mm": _l("Negative = up."),
    }
