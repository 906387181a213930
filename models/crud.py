"""Create and edit through the admin screens: permission, validation, audit, commit.

Status columns are never changed here; they move only through named domain
operations.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from . import audit
from .db import db
from .errors import DomainError
from .permissions import require

# Columns that only domain operations may change.
PROTECTED_COLUMNS = {"status", "session_token", "password_hash", "failed_logins",
                     "locked_until", "number", "ticket", "verification_code"}


def entity_of(obj: Any) -> str:
    return obj.__tablename__


def create(actor: Any, obj: Any) -> list[str]:
    """Validate and insert `obj`; return warnings. Raises DomainError, changes nothing."""
    entity = entity_of(obj)
    require(actor, entity, "create")
    try:
        warnings = obj.validate() if hasattr(obj, "validate") else []
        if hasattr(obj, "on_create"):
            obj.on_create(actor)
        db.session.add(obj)
        db.session.flush()
        if hasattr(obj, "after_create"):
            obj.after_create(actor)
        audit.record(actor, "create", obj, changes=audit.diff(None, audit.snapshot(obj)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return warnings


def update(actor: Any, obj: Any, before: dict[str, Any]) -> list[str]:
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
        changed = audit.diff(before, audit.snapshot(obj))
        if changed:
            audit.record(actor, "edit", obj, changes=changed)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return warnings
