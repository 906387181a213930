"""A resident's processing history (UU 27/2022 art. 32: the right to know how one's
data was processed): every reading and change of the resident's data in the audit
trail, who (name and role), what (in words), when (WITA), for the oversight roles.

Found by index: a UNION of index ranges. The entries on the resident's own records
are (object_type, object_id) ranges of ix_audit_entry_object (the applicant, their
applications, cards and the complaints about their applications, the print-batch
documents that carried their card); the entries that name residents without pointing
at their record (exports, lookups by NIK) come through audit_subject's key. Nothing
is read into Python beyond the page shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .applications import Application
from .audit import AuditEntry, AuditSubject
from .cards import Card
from .complaints import Complaint
from .db import db
from .office_time import format_datetime
from .permissions import ROLE_LABELS, require
from .residents import Applicant
from .users import User

PAGE_SIZE = 50
# The most a printed history carries (the screen pages through any length).
PDF_LIMIT = 2000
# Batch entries that put this resident's card data on paper or screen.
BATCH_DOCUMENT_ACTIONS = ("render_pdf", "download_pdf")
# Not a processing of the resident's data: a refused attempt changed and showed nothing.
NOT_PROCESSING = ("forbidden",)

RECORD_WORDS = {
    "applicant": _l("resident's data"),
    "application": _l("KTP-el application"),
    "card": _l("KTP-el card"),
    "complaint": _l("complaint"),
    "print_batch": _l("print batch document"),
}
ACTION_WORDS = {
    "read": _l("Viewed"),
    "create": _l("Recorded new data"),
    "edit": _l("Changed data"),
    "submit": _l("Received the application"),
    "record": _l("Recorded biometrics and data"),
    "siak_result": _l("Entered the SIAK result"),
    "reject": _l("Rejected the application"),
    "cancel": _l("Cancelled the application"),
    "add_to_batch": _l("Added to a print batch"),
    "remove_from_batch": _l("Removed from a print batch"),
    "print": _l("Printed the card"),
    "render_pdf": _l("Printed the batch document with the card"),
    "download_pdf": _l("Downloaded the batch document with the card"),
    "store": _l("Put in storage awaiting collection"),
    "hand_over": _l("Handed the card over"),
    "confirm_good": _l("Confirmed as printed well"),
    "spoil": _l("Recorded as spoiled"),
    "card_confirmed": _l("Card confirmed"),
    "sla_extended": _l("Service time extended for a disruption"),
    "separation_override": _l("Printed by the recording officer, with a reason"),
    "verify_receipt": _l("Handover receipt checked on the public verification page"),
    "whatsapp": _l("Opened a WhatsApp message to the resident"),
    "export": _l("Exported a list that included the resident"),
    "assign": _l("Assigned the complaint"),
    "respond": _l("Responded to the complaint"),
    "resolve": _l("Closed the complaint"),
}
# What a reading showed, from its endpoint's name.
READ_WORDS = (
    ("history_pdf", _l("the processing history, as PDF")),
    ("history", _l("the processing history")),
    ("file", _l("an uploaded file")),
    ("receipt", _l("a receipt document")),
    ("preview", _l("the card preview")),
    ("handover", _l("the handover form")),
    ("whatsapp", _l("the WhatsApp message")),
    ("edit_view", _l("the edit form")),
    ("ajax_lookup", _l("a lookup")),
    ("intake", _l("a lookup by NIK at the intake counter")),
    ("details_view", _l("the details")),
)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the history."""

    entry_id: int
    at: datetime
    at_text: str  # DD-MM-YYYY HH:MM WITA
    who: str
    role: str
    what: str
    record: str


@dataclass(frozen=True)
class HistoryPage:
    entries: list[HistoryEntry]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 0


def _ids(query: Any) -> list[str]:
    return [str(i) for i in db.session.execute(query).scalars() if i is not None]


def entry_ids(applicant: Applicant) -> Any:
    """The ids of the audit entries concerning `applicant`: a UNION of index ranges,
    one per kind of record (the resident's own record ids are looked up first; a
    resident has a handful), so no plan ever walks the whole trail."""
    app_ids = _ids(sa.select(Application.id).where(Application.applicant_id == applicant.id))
    card_rows = db.session.execute(sa.select(Card.id, Card.batch_id).where(
        Card.application_id.in_([int(i) for i in app_ids]))).all() if app_ids else []
    complaint_ids = _ids(sa.select(Complaint.id).where(
        Complaint.application_id.in_([int(i) for i in app_ids]))) if app_ids else []
    on = AuditEntry.object_type
    branches = [
        sa.select(AuditEntry.id).where(on == "applicant",
                                       AuditEntry.object_id == str(applicant.id)),
        sa.select(AuditSubject.entry_id.label("id")).where(
            AuditSubject.applicant_id == applicant.id),
    ]
    for object_type, ids in (("application", app_ids),
                             ("card", [str(c.id) for c in card_rows]),
                             ("complaint", complaint_ids)):
        if ids:
            branches.append(sa.select(AuditEntry.id).where(
                on == object_type, AuditEntry.object_id.in_(ids)))
    batch_ids = sorted({str(c.batch_id) for c in card_rows})
    if batch_ids:
        branches.append(sa.select(AuditEntry.id).where(
            on == "print_batch", AuditEntry.object_id.in_(batch_ids),
            AuditEntry.action.in_(BATCH_DOCUMENT_ACTIONS)))
    return sa.union(*branches).subquery("concerning")


def _entries(applicant: Applicant, newest_first: bool, offset: int,
             limit: int) -> list[Any]:
    ids = entry_ids(applicant)
    order = AuditEntry.id.desc() if newest_first else AuditEntry.id
    return list(db.session.execute(
        sa.select(AuditEntry, User)
        .join(ids, ids.c.id == AuditEntry.id)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.action.not_in(NOT_PROCESSING))
        .order_by(order).offset(offset).limit(limit)
    ).all())


def _what(entry: AuditEntry) -> str:
    action = str(ACTION_WORDS.get(entry.action, entry.action))
    if entry.action == "read":
        endpoint = str((entry.changes or {}).get("endpoint") or "")
        shown = next((str(w) for key, w in READ_WORDS if key in endpoint), None)
        if shown:
            return f"{action}: {shown}"
    if entry.action == "edit" and isinstance(entry.changes, dict):
        fields = [k for k in entry.changes if k not in ("reason", "endpoint", "path")]
        if fields:
            return f"{action}: {', '.join(sorted(fields)[:8])}"
    return action


def _numbers(rows: list[Any]) -> dict[str, str]:
    """Receipt numbers of the applications the entries name (one query)."""
    ids = {int(e.object_id) for e, _u in rows
           if e.object_type == "application" and (e.object_id or "").isdigit()}
    if not ids:
        return {}
    return {str(i): n for i, n in db.session.execute(
        sa.select(Application.id, Application.number).where(Application.id.in_(ids)))}


def _line(entry: AuditEntry, user: User | None, numbers: dict[str, str] | None = None
          ) -> HistoryEntry:
    if user is not None:
        who, role = user.full_name or user.username, str(ROLE_LABELS.get(user.role or "", ""))
    elif entry.action == "verify_receipt":
        who, role = str(_l("The public (verification page)")), ""
    else:
        who, role = entry.username or str(_l("The system")), ""
    label = (entry.changes or {}).get("label") if isinstance(entry.changes, dict) else None
    if not label and entry.object_type == "application":
        label = (numbers or {}).get(entry.object_id or "")
    record = str(RECORD_WORDS.get(entry.object_type or "", entry.object_type or ""))
    if label and entry.object_type != "applicant":
        record = f"{record} {label}"
    return HistoryEntry(entry.id, entry.at, format_datetime(entry.at, zone_label=True),
                        who, role, _what(entry), record)


def history_of_resident(actor: Any, applicant: Applicant, page: int = 0,
                        per_page: int = PAGE_SIZE) -> HistoryPage:
    """One page of `applicant`'s processing history, newest first (the oversight
    roles only: ("applicant", "history") in the matrix)."""
    require(actor, "applicant", "history")
    page = max(int(page), 0)
    rows = _entries(applicant, True, page * per_page, per_page + 1)
    numbers = _numbers(rows)
    entries = [_line(entry, user, numbers) for entry, user in rows[:per_page]]
    return HistoryPage(entries, page, len(rows) > per_page)


def full_history(actor: Any, applicant: Applicant, limit: int = PDF_LIMIT) -> HistoryPage:
    """The history as printed: oldest first, up to `limit` lines."""
    require(actor, "applicant", "history")
    rows = _entries(applicant, False, 0, limit + 1)
    numbers = _numbers(rows)
    return HistoryPage([_line(e, u, numbers) for e, u in rows[:limit]], 0, len(rows) > limit)
