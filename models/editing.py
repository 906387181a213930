"""Plain records created and corrected through the screens (residents, printers):
permission, validation, audit, commit. Corrections are audited edits.

Status columns are never changed here; they move only through named domain
operations, and entities with a life of their own (applications, disruptions,
blank receipts, complaints, batches) are created by those operations, not here.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from . import audit
from .db import db
from .errors import DomainError
from .permissions import require
from .users import User
from .validation import check_lengths

# Columns that only domain operations may change.
PROTECTED_COLUMNS = {"status", "session_token", "password_hash", "failed_logins",
                     "locked_until", "number", "ticket", "verification_code"}


# Entities born through their own domain operation, never through the generic create.
CREATED_BY_OPERATION = {
    "application": "intake.open_application",
    "disruption": "service_clock.open_disruption",
    "blank_receipt": "blanks.receive_blanks",
    "complaint": "complaints.record_complaint",
    "print_batch": "batches.add_to_draft",
    "service_standard": "standard.publish_version",
    "user": "users.create_user",
}


def entity_of(obj: Any) -> str:
    return obj.__tablename__


def create(actor: User, obj: Any) -> list[str]:
    """Validate and insert `obj`; return warnings. Raises DomainError, changes nothing."""
    entity = entity_of(obj)
    if entity in CREATED_BY_OPERATION:
        raise TypeError(f"{entity} is created by {CREATED_BY_OPERATION[entity]}()")
    require(actor, entity, "create")
    try:
        warnings = obj.validate() if hasattr(obj, "validate") else []
        check_lengths(obj)  # String(n) and Text limits: never a database error
        db.session.add(obj)
        db.session.flush()
        audit.record(actor, "create", obj, changes=audit.diff(None, audit.snapshot(obj)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return warnings


def update(actor: User, obj: Any, before: dict[str, Any]) -> list[str]:
    """Validate and save edits made to `obj` since `before` (an audit.snapshot)."""
    entity = entity_of(obj)
    require(actor, entity, "edit")
    try:
        after = audit.snapshot(obj)
        changed = audit.diff(before, after)
        touched = PROTECTED_COLUMNS & set(changed)
        if touched:
            raise DomainError(_l("This field cannot be changed here: %(f)s.",
                                 f=", ".join(sorted(touched))))
        warnings = obj.validate() if hasattr(obj, "validate") else []
        check_lengths(obj)  # String(n) and Text limits: never a database error
        changed = audit.diff(before, audit.snapshot(obj))
        if changed:
            audit.record(actor, "edit", obj, changes=changed)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return warnings
