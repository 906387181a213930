"""Append-only audit log: a keyed hash chain, anchored outside the table.

Each entry's `hash` is an HMAC-SHA256 of its canonical payload (which includes the
previous entry's hash) under a key that is not in the database: `AUDIT_KEY` from the
app config or the environment, else `instance/audit_key`, created once with mode 0600.
Without the key nobody can recompute the chain after deleting or editing an entry.

Deleting the newest entries leaves a valid-looking shorter chain, so the chain head
(entry id + hash) is also written to an append-only anchor file outside the table,
`instance/audit_anchors.log`, each line carrying its own HMAC: automatically on the
first append of each office day (WITA) and at least hourly while entries are written,
and on demand with `flask --app app audit anchor`. `verify()` checks the chain and every
anchor; a missing anchored entry is a cut-off tail.

Entries written before the key existed carry a plain sha256. They stay verifiable
without a data migration: the first anchor ever written on such a chain is a `legacy`
line naming the last sha256 entry (and its hash, under the key); entries up to it are
checked with sha256, every later one only with the HMAC.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .db import Model, db
from .office_time import office_date, utcnow

# The web layer sets the client address per request; models never see `request`.
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)

GENESIS_HASH = "0" * 64
# Arbitrary constant key for PostgreSQL's advisory lock that serialises chain appends.
_CHAIN_LOCK_KEY = 53110001
KEY_FILE = "audit_key"
ANCHOR_FILE = "audit_anchors.log"
# Besides the first append of each office day, the head is anchored at least this often.
DEFAULT_ANCHOR_INTERVAL = timedelta(hours=1)

# A NIK or KK number: 16 digits not part of a longer number.
_SIXTEEN_DIGITS = re.compile(r"(?<!\d)(\d{6})\d{6}(\d{4})(?!\d)")


def mask_niks(text: str) -> str:
    """Every 16-digit run (NIK, KK number) as 530101******0001."""
    return _SIXTEEN_DIGITS.sub(r"\1******\2", text)


def mask_nik(nik: str | None) -> str | None:
    return mask_niks(nik) if nik else None


class AuditEntry(Model):
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

    # A record's history (a resident's processing history) is one range scan.
    __table_args__ = (sa.Index("ix_audit_entry_object", "object_type", "object_id", "id"),)

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

    def compute_hash(self, key: bytes | None = None) -> str:
        """HMAC-SHA256 of the payload under the audit key."""
        return _mac(key or audit_key(), self.payload())

    def legacy_hash(self) -> str:
        """The unkeyed sha256 of entries written before the audit key existed."""
        return hashlib.sha256(self.payload().encode()).hexdigest()

    def __str__(self) -> str:
        return f"#{self.id} {self.action}"


class AuditSubject(Model):
    """Which residents an entry that names several of them concerns (an export, a
    batch document, a lookup), so a resident's history finds it by index."""

    __tablename__ = "audit_subject"

    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("applicant.id"), primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_entry.id"), primary_key=True)


def link_subjects(entry: AuditEntry, applicant_ids: Iterable[int]) -> None:
    """Name the residents `entry` concerns (the caller commits)."""
    ids = sorted({int(i) for i in applicant_ids if i is not None})
    if ids:
        db.session.execute(sa.insert(AuditSubject),
                           [{"applicant_id": i, "entry_id": entry.id} for i in ids])


_APPLICANT = sa.table("applicant", sa.column("id"), sa.column("nik"))


def _link_resident_by_nik(entry: AuditEntry, nik: str) -> None:
    """Name the resident a lookup by full NIK showed, if there is one (one INSERT ...
    SELECT: every searched list asks; the caller commits)."""
    if len(nik) != 16 or not nik.isdigit():
        return
    db.session.execute(_link_by_nik_statement(), {"entry": entry.id, "nik": nik})


@functools.cache
def _link_by_nik_statement() -> sa.Insert:
    found = sa.select(_APPLICANT.c.id, sa.bindparam("entry", type_=sa.Integer)).where(
        _APPLICANT.c.nik == sa.bindparam("nik"))
    table = cast(sa.Table, AuditSubject.__table__)  # Core: the ORM would bulk-insert
    return sa.insert(table).from_select(["applicant_id", "entry_id"], found)


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise RuntimeError("audit entries are append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise RuntimeError("audit entries are append-only")


# ------------------------------------------------------------------ the key


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def load_or_create_audit_key(instance_path: str | os.PathLike[str]) -> bytes:
    """Read instance/audit_key, creating it (mode 0600) on first use."""
    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker created it a moment ago
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _app() -> Any:
    from flask import current_app

    return current_app


def audit_key() -> bytes:
    """AUDIT_KEY (app config, then environment), else the instance's key file."""
    app = _app()
    configured = app.config.get("AUDIT_KEY") or os.environ.get("AUDIT_KEY")
    if configured:
        return configured.encode() if isinstance(configured, str) else bytes(configured)
    key = app.extensions.get("audit_key")
    if key is None:  # read once per app, from the instance folder it started with
        key = app.extensions["audit_key"] = load_or_create_audit_key(app.instance_path)
    return key


def anchor_path() -> Path:
    """AUDIT_ANCHOR_FILE, else instance/audit_anchors.log."""
    app = _app()
    return Path(app.config.get("AUDIT_ANCHOR_FILE") or Path(app.instance_path) / ANCHOR_FILE)


def _anchor_interval() -> timedelta:
    value = _app().config.get("AUDIT_ANCHOR_INTERVAL", DEFAULT_ANCHOR_INTERVAL)
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


# ------------------------------------------------------------------ recording


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


def _head() -> tuple[int, str] | None:
    """(id, hash) of the newest entry; on PostgreSQL under the lock that serialises
    appends. Two columns, not the entry: every audited reading asks."""
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    row = db.session.execute(_head_statement()).first()
    return (row[0], row[1]) if row is not None else None


@functools.cache
def _head_statement() -> sa.Select:
    return sa.select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)


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
    key = audit_key()
    head = _head()
    pending = db.session.info.setdefault("audit_pending", _Pending())
    if head is not None and pending.legacy is None and not pending.checked_legacy:
        pending.checked_legacy = True
        # A chain begun before the key existed: fix its sha256 part with the first anchor.
        if not _has_anchor_lines():
            newest = db.session.get(AuditEntry, head[0])
            if newest is not None and head[1] == newest.legacy_hash():
                pending.legacy = head
    entry.prev_hash = head[1] if head is not None else GENESIS_HASH
    entry.hash = entry.compute_hash(key)
    # One INSERT ... RETURNING id, not the unit of work (every audited reading appends
    # one): the entry is never changed again, so the session need not track it.
    insert, columns = _insert_entry_statement()
    values = {column: getattr(entry, column) for column in columns}
    entry.id = db.session.execute(insert, values).scalar_one()
    pending.head = (entry.id, entry.hash)
    return entry


@functools.cache
def _insert_entry_statement() -> tuple[sa.Insert, tuple[str, ...]]:
    """The INSERT ... RETURNING id of an entry, and the columns it takes (all but id)."""
    table = cast(sa.Table, AuditEntry.__table__)
    columns = tuple(column.key for column in table.columns if column.key != "id")
    return sa.insert(table).returning(table.c.id), columns


def record_reading(actor: Any, entity: str, *, object_id: str | None = None,
                   changes: dict[str, Any], nik: str = "") -> AuditEntry:
    """One reading of personal data on record, committed: the entry, the resident of
    a full NIK it was looked up with linked (their processing history lists it), and
    a commit that does not expire what the request loaded before it (the user, the
    records shown: unchanged, and each would be read again on its next use)."""
    entry = record(actor, "read", object_type=entity, object_id=object_id, changes=changes)
    _link_resident_by_nik(entry, nik)
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
    return entry


def record_now(actor: Any, action: str, **kwargs: Any) -> AuditEntry:
    """Record and commit at once: for events that change nothing else (login, 403)."""
    entry = record(actor, action, **kwargs)
    db.session.commit()
    return entry


@dataclass
class _Pending:
    """What the session's transaction appended, for the anchor written after commit."""

    head: tuple[int, str] | None = None
    legacy: tuple[int, str] | None = None
    checked_legacy: bool = False


@event.listens_for(Session, "after_commit")
def _anchor_after_commit(session: Session) -> None:
    pending = session.info.pop("audit_pending", None)
    if pending is None or pending.head is None:
        return
    try:
        legacy = pending.legacy is not None
        if legacy:
            write_anchor(*pending.legacy, kind="legacy")
        if legacy or _anchor_due():
            write_anchor(*pending.head)
    except OSError:  # pragma: no cover - a full disk must not undo a committed step
        import logging

        logging.getLogger(__name__).exception("audit anchor not written")


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: Any) -> None:
    # Any rollback (a savepoint's too) may have undone entries: skip this anchor
    # rather than anchor an entry that never was; the next one will come.
    session.info.pop("audit_pending", None)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_transaction(session: Session, transaction: Any) -> None:
    # A transaction closed without commit (session.close(), remove()) leaves nothing
    # for a later commit of the same session to anchor.
    if transaction.parent is None:
        session.info.pop("audit_pending", None)


# ------------------------------------------------------------------ anchors


@dataclass(frozen=True)
class Anchor:
    line_no: int
    written_at: datetime  # naive UTC
    entry_id: int
    entry_hash: str
    kind: str = "anchor"  # or "legacy": the last entry hashed without the key


def _real_now() -> datetime:
    # Anchors are written at the real time even while demo data runs a simulated clock.
    return datetime.now(UTC).replace(tzinfo=None)


def _anchor_text(written_at: datetime, entry_id: int, entry_hash: str, kind: str) -> str:
    ident = str(entry_id) if kind == "anchor" else f"legacy-until={entry_id}"
    return f"{written_at.isoformat(timespec='seconds')}Z {ident} {entry_hash}"


def write_anchor(entry_id: int, entry_hash: str, *, kind: str = "anchor") -> Anchor:
    """Append one line `<UTC> <entry id> <entry hash> <HMAC of the line>` to the file."""
    now = _real_now()
    text = _anchor_text(now, entry_id, entry_hash, kind)
    line = f"{text} {_mac(audit_key(), 'anchor ' + text)}\n"
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())
    return Anchor(0, now, entry_id, entry_hash, kind)


def anchor_head() -> Anchor | None:
    """Anchor the current chain head now (`flask audit anchor`); None on an empty log."""
    head = db.session.execute(
        sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    if head is None:
        return None
    if not _has_anchor_lines() and head.hash == head.legacy_hash():
        write_anchor(head.id, head.hash, kind="legacy")
    return write_anchor(head.id, head.hash)


# Per anchor file: the time of its last line, with the file's size and mtime when it
# was read: every commit of an audit entry asks whether an anchor is due, and the file
# changes only when an anchor is appended (by any process) or it is tampered with.
_last_anchor: dict[str, tuple[int, int, datetime | None]] = {}


def _has_anchor_lines() -> bool:
    try:
        return anchor_path().stat().st_size > 0
    except FileNotFoundError:
        return False


def _last_line(path: Path) -> str | None:
    if not path.exists():
        return None
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 1024))
        tail = fh.read().decode(errors="replace").strip().splitlines()
    return tail[-1] if tail else None


def _anchor_due() -> bool:
    """No anchor yet, none since the office day began (WITA), or none for an interval."""
    path = anchor_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        return True
    known = _last_anchor.get(str(path))
    if known is not None and known[:2] == (st.st_size, st.st_mtime_ns):
        written = known[2]
    else:
        line = _last_line(path)
        try:
            written = (datetime.fromisoformat(line.split(" ", 1)[0].rstrip("Z"))
                       if line else None)
        except ValueError:
            written = None
        _last_anchor[str(path)] = (st.st_size, st.st_mtime_ns, written)
    if written is None:
        return True
    now = _real_now()
    return office_date(written) != office_date(now) or now - written >= _anchor_interval()


class AnchorFileError(ValueError):
    def __init__(self, line_no: int, reason: str) -> None:
        super().__init__(f"anchor line {line_no}: {reason}")
        self.line_no = line_no
        self.reason = reason


def read_anchors() -> list[Anchor]:
    """Every anchor line, each checked against its HMAC (AnchorFileError if altered)."""
    path = anchor_path()
    if not path.exists():
        return []
    key = audit_key()
    anchors = []
    for n, raw in enumerate(path.read_text().splitlines(), start=1):
        if not raw.strip():
            continue
        parts = raw.split(" ")
        if len(parts) != 4:
            raise AnchorFileError(n, "not an anchor line")
        when, ident, entry_hash, mac = parts
        kind = "legacy" if ident.startswith("legacy-until=") else "anchor"
        try:
            entry_id = int(ident.removeprefix("legacy-until="))
            written = datetime.fromisoformat(when.rstrip("Z"))
        except ValueError:
            raise AnchorFileError(n, "not an anchor line") from None
        text = _anchor_text(written, entry_id, entry_hash, kind)
        if text != " ".join(parts[:3]) or not hmac.compare_digest(
                mac, _mac(key, "anchor " + text)):
            raise AnchorFileError(n, "its HMAC does not match (line altered or forged)")
        anchors.append(Anchor(n, written, entry_id, entry_hash, kind))
    return anchors


# ------------------------------------------------------------------ verification


@dataclass
class ChainReport:
    """What `verify()` found: `ok`, or the first problem and where it is."""

    ok: bool = True
    entries: int = 0
    checked: int = 0
    first_id: int | None = None
    last_id: int | None = None
    broken_at: int | None = None  # first entry whose link or HMAC does not hold
    missing_tail: int | None = None  # an anchored entry that is gone
    problem: str = ""
    anchors: list[Anchor] = field(default_factory=list)
    legacy_until: int = 0

    @property
    def last_anchor(self) -> Anchor | None:
        plain = [a for a in self.anchors if a.kind == "anchor"]
        return plain[-1] if plain else None

    def fail(self, problem: str, *, broken_at: int | None = None,
             missing_tail: int | None = None) -> ChainReport:
        self.ok = False
        self.problem = problem
        self.broken_at = broken_at
        self.missing_tail = missing_tail
        return self


def _entry_ok(entry: AuditEntry, key: bytes, legacy_until: int) -> bool:
    expected = entry.legacy_hash() if entry.id <= legacy_until else entry.compute_hash(key)
    return hmac.compare_digest(entry.hash, expected)


def verify(last: int | None = None) -> ChainReport:
    """Check the chain (all of it, or its newest `last` entries) and every anchor.

    The first problem found is reported: an altered anchor line, an entry whose
    link or HMAC does not hold, or an anchored entry that is gone or differs
    (the tail was cut off or the chain was recomputed).
    """
    report = ChainReport()
    key = audit_key()
    try:
        report.anchors = read_anchors()
    except AnchorFileError as exc:
        return report.fail(str(exc))
    legacy = [a for a in report.anchors if a.kind == "legacy"]
    report.legacy_until = legacy[0].entry_id if legacy else 0

    bounds = db.session.execute(
        sa.select(sa.func.count(AuditEntry.id), sa.func.min(AuditEntry.id),
                  sa.func.max(AuditEntry.id))).one()
    report.entries, report.first_id, report.last_id = bounds

    # The chain: every link, every HMAC, from the genesis (or the newest `last`).
    prev = GENESIS_HASH
    q = sa.select(AuditEntry).order_by(AuditEntry.id)
    if last:
        start = db.session.execute(
            sa.select(AuditEntry.id).order_by(AuditEntry.id.desc()).offset(last).limit(1)
        ).scalar()
        start_entry = db.session.get(AuditEntry, start) if start is not None else None
        if start_entry is not None:
            prev = start_entry.hash
            q = q.where(AuditEntry.id > start_entry.id)
    for entry in db.session.execute(q.execution_options(yield_per=1000)).scalars():
        if entry.prev_hash != prev or not _entry_ok(entry, key, report.legacy_until):
            return report.fail(f"entry {entry.id} does not match the chain "
                               "(edited, inserted, or an entry before it was deleted)",
                               broken_at=entry.id)
        prev = entry.hash
        report.checked += 1

    # The anchors: each anchored entry is still there, with the anchored hash.
    anchored = {a.entry_id: a for a in report.anchors}
    found = _hashes_of(anchored)
    for anchor in report.anchors:
        current = found.get(anchor.entry_id)
        if current is None:
            return report.fail(
                f"entry {anchor.entry_id} (anchored {anchor.written_at:%Y-%m-%d %H:%M} UTC, "
                f"anchor line {anchor.line_no}) is missing: the tail of the log was cut off "
                f"(newest entry now {report.last_id})",
                missing_tail=anchor.entry_id)
        if current != anchor.entry_hash:
            return report.fail(
                f"entry {anchor.entry_id} differs from its anchor (line {anchor.line_no}): "
                "the chain was recomputed", broken_at=anchor.entry_id)
    if report.entries and not report.anchors:
        return report.fail("no anchor exists for a non-empty log "
                           f"(the anchor file {anchor_path()} is missing or empty)")
    return report


def _hashes_of(anchored: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(anchored))
    out: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        rows = db.session.execute(
            sa.select(AuditEntry.id, AuditEntry.hash).where(AuditEntry.id.in_(chunk)))
        out.update((entry_id, entry_hash) for entry_id, entry_hash in rows)
    return out


def verify_chain(last: int | None = None) -> tuple[bool, int | None]:
    """Walk the chain links and HMACs only (no anchors): (intact, first broken id)."""
    prev = GENESIS_HASH
    key = audit_key()
    legacy_until = 0
    try:
        legacy = [a for a in read_anchors() if a.kind == "legacy"]
        legacy_until = legacy[0].entry_id if legacy else 0
    except AnchorFileError:
        pass
    q = sa.select(AuditEntry).order_by(AuditEntry.id)
    if last:
        start = db.session.execute(
            sa.select(AuditEntry.id).order_by(AuditEntry.id.desc()).offset(last).limit(1)
        ).scalar()
        start_entry = db.session.get(AuditEntry, start) if start is not None else None
        if start_entry is not None:
            prev = start_entry.hash
            q = q.where(AuditEntry.id > start_entry.id)
    q = q.execution_options(yield_per=1000)
    for entry in db.session.execute(q).scalars():
        if entry.prev_hash != prev or not _entry_ok(entry, key, legacy_until):
            return False, entry.id
        prev = entry.hash
    return True, None


# ------------------------------------------------------------------ whose data


def model_for(entity: str) -> type | None:
    """The model class whose table is `entity` (applicant, application, card...)."""
    if entity not in _models_by_table:  # first use, or a name not known then: read again
        mappers = getattr(db.Model, "registry").mappers  # noqa: B009 - typed for mypy
        _models_by_table.update(
            {getattr(m.class_, "__tablename__", None): m.class_ for m in mappers})
    return _models_by_table.get(entity)


_models_by_table: dict[str | None, type] = {}


def _applicant_of(obj: Any) -> Any:
    if obj is None:
        return None
    if hasattr(obj, "nik"):
        return obj
    if getattr(obj, "applicant", None) is not None:
        return obj.applicant
    if getattr(obj, "application", None) is not None:
        return obj.application.applicant
    return None


def applicant_id_of(obj: Any) -> int | None:
    """The id of the resident a record is about (an applicant, an application, a card,
    a complaint about an application), None for any other record."""
    if obj is None:
        return None
    if hasattr(obj, "nik"):
        return getattr(obj, "id", None)
    if getattr(obj, "applicant_id", None) is not None:
        return obj.applicant_id
    application = getattr(obj, "application", None)
    return getattr(application, "applicant_id", None) if application is not None else None


def applicant_ids_of(objs: Iterable[Any]) -> list[int]:
    """The residents a list of records is about (an export's rows), in one query for
    the records that only point at an application (cards, complaints)."""
    from .applications import Application

    out: set[int] = set()
    via_application: set[int] = set()
    for obj in objs:
        if hasattr(obj, "nik") or getattr(obj, "applicant_id", None) is not None:
            found = applicant_id_of(obj)
            if found is not None:
                out.add(found)
        elif getattr(obj, "application_id", None) is not None:
            via_application.add(obj.application_id)
    if via_application:
        out |= set(db.session.execute(sa.select(Application.applicant_id).where(
            Application.id.in_(sorted(via_application)))).scalars())
    return sorted(out)


def subjects_of(obj: Any, limit: int = 200) -> list[str]:
    """The masked NIKs of the residents whose data `obj` shows (an applicant, an
    application, a card, a complaint about an application, a print batch)."""
    if obj is None:
        return []
    items = getattr(obj, "applications", None)
    if items is not None and not hasattr(obj, "nik"):  # a print batch
        return [mask_niks(a.applicant.nik) for a in list(items)[:limit] if a.applicant]
    applicant = _applicant_of(obj)
    return [mask_niks(applicant.nik)] if applicant is not None and applicant.nik else []


def object_label(obj: Any) -> str | None:
    """How the office names a record: receipt number, batch number, ticket, masked NIK."""
    if obj is None:
        return None
    for attr in ("number", "ticket", "serial", "reference", "username"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    if getattr(obj, "nik", None):
        return mask_niks(obj.nik)
    return None
