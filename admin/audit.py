"""The audit log (oversight), in the office's language.

Each entry shows who did what to which record, named as the office names it (receipt
number, batch number, ticket, masked NIK), with its changes as a readable before/after
and times in WITA. Above the list, the state of the chain: intact, or broken at #N,
and the last anchor written outside the table.
"""

from __future__ import annotations

import json
import re
import typing as t
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from models import audit, db, office_time
from models.audit import AuditEntry

from .base import SecuredModelView

ACTION_LABELS: dict[str, t.Any] = {
    "create": _l("Created"),
    "edit": _l("Changed"),
    "read": _l("Opened personal data"),
    "export": _l("Exported"),
    "forbidden": _l("Refused (no permission)"),
    "login": _l("Logged in"),
    "login_failed": _l("Login failed"),
    "logout": _l("Logged out"),
    "session_expired": _l("Session expired"),
    "publish": _l("Published"),
    "record": _l("Recorded biometrics"),
    "siak_result": _l("SIAK result entered"),
    "reject": _l("Rejected"),
    "cancel": _l("Cancelled"),
    "submit": _l("Submitted"),
    "approve": _l("Approved"),
    "refuse": _l("Refused"),
    "print": _l("Printed"),
    "confirm": _l("Confirmed"),
    "add_to_batch": _l("Added to batch"),
    "remove_from_batch": _l("Removed from batch"),
    "store": _l("Stored"),
    "hand_over": _l("Handed over"),
    "destroy": _l("Destroyed"),
    "close": _l("Closed"),
    "demo_data": _l("Demo data loaded"),
}

OBJECT_LABELS: dict[str, t.Any] = {
    "applicant": _l("Applicant"),
    "application": _l("Application"),
    "disruption": _l("Disruption"),
    "blank_receipt": _l("Blank receipt"),
    "blank": _l("Blank"),
    "print_batch": _l("Print batch"),
    "card": _l("Card"),
    "printer": _l("Printer"),
    "complaint": _l("Complaint"),
    "service_standard": _l("Service standard"),
    "evaluation_report": _l("Evaluation report"),
    "survey_response": _l("Survey answer"),
    "user": _l("User"),
    "role_grant": _l("Role grant"),
    "audit_entry": _l("Audit entry"),
}

# Keys of "read", "export" and "forbidden" entries.
DETAIL_LABELS: dict[str, t.Any] = {
    "endpoint": _l("Screen"),
    "path": _l("Address"),
    "method": _l("Method"),
    "subjects": _l("Whose data (NIK)"),
    "label": _l("Record"),
    "query": _l("Search"),
    "format": _l("Format"),
}

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def readable_value(value: t.Any) -> str:
    """A logged value as the office writes it: times in WITA, dates DD-MM-YYYY."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return str(_l("Yes")) if value else str(_l("No"))
    if isinstance(value, list):
        return ", ".join(readable_value(v) for v in value) or "–"
    if isinstance(value, str):
        if _ISO_DATETIME.match(value):
            return office_time.format_datetime(datetime.fromisoformat(value), zone_label=True)
        if _ISO_DATE.match(value):
            return office_time.format_date(date.fromisoformat(value))
    return str(value)


def _is_diff(changes: dict[str, t.Any]) -> bool:
    return bool(changes) and all(
        isinstance(v, list) and len(v) == 2 for v in changes.values())


def readable_changes(changes: t.Any) -> Markup:
    """The changes field as a small before/after table (or key: value lines)."""
    if not changes:
        return Markup("")
    if not isinstance(changes, dict):
        return escape(readable_value(changes))
    rows = []
    if _is_diff(changes):
        rows.append(Markup("<tr><th></th><th>{}</th><th>{}</th></tr>").format(
            _l("Before"), _l("After")))
        for key, (before, after) in changes.items():
            rows.append(Markup("<tr><th>{}</th><td>{}</td><td>{}</td></tr>").format(
                key.replace("_", " "), readable_value(before), readable_value(after)))
    else:
        for key, value in changes.items():
            rows.append(Markup('<tr><th>{}</th><td colspan="2">{}</td></tr>').format(
                DETAIL_LABELS.get(key, key.replace("_", " ")), readable_value(value)))
    return Markup('<table class="table table-sm table-borderless mb-0 audit-changes">{}'
                  "</table>").format(Markup("").join(rows))


def object_text(entry: AuditEntry) -> str:
    """'Application 2406-0001' rather than 'application 17'."""
    kind = OBJECT_LABELS.get(entry.object_type or "", entry.object_type or "")
    if not entry.object_id:
        return str(kind)
    label = (entry.changes or {}).get("label") if isinstance(entry.changes, dict) else None
    if not label:
        model = audit.model_for(entry.object_type or "")
        obj = None
        if model is not None and entry.object_id.isascii() \
                and entry.object_id.isdigit() and len(entry.object_id) <= 9:
            obj = db.session.get(model, int(entry.object_id))
        label = audit.object_label(obj) or f"#{entry.object_id}"
    return f"{kind} {label}"


def _action(view: t.Any, context: t.Any, model: AuditEntry, name: str) -> str:
    return str(ACTION_LABELS.get(model.action, model.action))


def _object(view: t.Any, context: t.Any, model: AuditEntry, name: str) -> str:
    return object_text(model)


def _changes(view: t.Any, context: t.Any, model: AuditEntry, name: str) -> Markup:
    return readable_changes(model.changes)


def _changes_json(view: t.Any, context: t.Any, model: AuditEntry, name: str) -> str:
    return json.dumps(model.changes, ensure_ascii=False, sort_keys=True) if model.changes \
        else ""


def _at(view: t.Any, context: t.Any, model: AuditEntry, name: str) -> str:
    return office_time.format_datetime(model.at)


class AuditEntryView(SecuredModelView):
    entity = "audit_entry"
    column_list = ("id", "at", "username", "action", "object_type", "changes", "ip")
    column_details_list = ("id", "at", "username", "action", "object_type", "changes", "ip",
                           "prev_hash", "hash")
    column_export_list = ("at", "username", "action", "object_type", "object_id", "ip",
                          "changes", "hash")
    column_labels = {
        "id": _l("No."), "at": _l("Time (WITA)"), "username": _l("User"),
        "action": _l("Action"), "object_type": _l("Record"), "object_id": _l("Record ID"),
        "changes": _l("Details"), "ip": _l("IP address"), "prev_hash": _l("Previous HMAC"),
        "hash": _l("HMAC"),
    }
    column_formatters = {"at": _at, "action": _action, "object_type": _object,
                         "changes": _changes}
    column_formatters_detail = column_formatters
    # The export keeps the changes complete, as JSON, for a spreadsheet or a script.
    column_formatters_export = {"at": _at, "action": _action, "object_type": _object,
                                "changes": _changes_json}
    column_filters = ("action", "object_type", "username", "at")
    list_template = "admin/audit_list.html"

    def render(self, template: str, **kwargs: t.Any) -> t.Any:
        if template == self.list_template:
            report = audit.verify(last=2000)
            kwargs["chain"] = report
            kwargs["chain_intact"] = report.ok
            kwargs["chain_broken_at"] = report.broken_at or report.missing_tail
            anchor = report.last_anchor
            kwargs["last_anchor"] = anchor
            kwargs["last_anchor_at"] = (office_time.format_datetime(anchor.written_at,
                                                                    zone_label=True)
                                        if anchor else None)
        return super().render(template, **kwargs)
