"""Append-only audit log with a hash chain that makes tampering visible."""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db
from .office_time import utcnow

# The web layer sets the client address per request; models never see `request`.
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)

GENESIS_HASH = "0" * 64
# Arbitrary constant key for PostgreSQL's advisory lock that serialises chain appends.
_CHAIN_LOCK_KEY = 53110001


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    username: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    object_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    changes: Mapped[dict | None] = mapped_column(sa.JSON)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    user = relationship("User", foreign_keys=[user_id])

    def payload(self) -> str:
        """The canonical text the hash covers."""
        return json.dumps(
            {
                "prev": self.prev_hash,
                "at": self.at.isoformat(timespec="microseconds"),
                "user_id": self.user_id,
                "username": self.username,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "changes": self.changes,
                "ip": self.ip,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.payload().encode()).hexdigest()

    def __str__(self) -> str:
        return f"#{self.id} {self.action}"


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target) -> None:  # noqa: ANN001
    raise RuntimeError("audit entries are append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:  # noqa: ANN001
    raise RuntimeError("audit entries are append-only")


def jsonable(value: Any) -> Any:
    """Make a column value JSON-safe for the changes field."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, (dict, list, str, int, float, bool)) or value is None:
        return value
    return str(value)


# Columns never copied into the log: secrets and noisy counters.
SECRET_COLUMNS = {"password_hash", "session_token"}


def snapshot(obj: Any) -> dict[str, Any]:
    """Column values of a model instance, secrets masked."""
    state = sa_inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in SECRET_COLUMNS:
            continue
        out[key] = jsonable(getattr(obj, key))
    return out


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """{field: [old, new]} for every field that changed."""
    before = before or {}
    after = after or {}
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _last_hash() -> str:
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    last = db.session.execute(
        sa.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).scalar()
    return last or GENESIS_HASH


def record(
    actor: Any,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    changes: dict[str, Any] | None = None,
    username: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller commits)."""
    if obj is not None:
        db.session.flush()
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    user_id = getattr(actor, "id", None) if actor is not None else None
    if username is None and actor is not None:
        username = getattr(actor, "username", None)
    entry = AuditEntry(
        at=utcnow(),
        user_id=user_id,
        username=username,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        changes=changes,
        ip=current_ip.get(),
    )
    entry.prev_hash = _last_hash()
    entry.hash = entry.compute_hash()
    db.session.add(entry)
    db.session.flush()
    return entry


def record_now(actor: Any, action: str, **kwargs: Any) -> AuditEntry:
    """Record and commit at once: for events that change nothing else (login, 403)."""
    entry = record(actor, action, **kwargs)
    db.session.commit()
    return entry


def verify_chain(last: int | None = None) -> tuple[bool, int | None]:
    """Walk the chain (or its `last` entries); return (intact, first broken id)."""
    prev = GENESIS_HASH
    q = sa.select(AuditEntry).order_by(AuditEntry.id)
    if last:
        start = db.session.execute(
            sa.select(AuditEntry.id).order_by(AuditEntry.id.desc()).offset(last).limit(1)
        ).scalar()
        if start is not None:
            prev = db.session.get(AuditEntry, start).hash
            q = q.where(AuditEntry.id > start)
    q = q.execution_options(yield_per=1000)
    for entry in db.session.execute(q).scalars():
        if entry.prev_hash != prev or entry.compute_hash() != entry.hash:
            return False, entry.id
        prev = entry.hash
    return True, None
