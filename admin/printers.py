"""Card printers and their calibration for overlay printing on pre-printed blanks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .blanks import PrintingModelView

__all__ = ["PrinterView"]


class PrinterView(PrintingModelView):
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
