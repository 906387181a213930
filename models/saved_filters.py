"""Saved filters (Flask-Admin has none): a member of staff keeps the filters of a screen
under a name of their own, sees only their own, and removes them (soft: the row stays,
marked removed). Three presets of the office are everyone's."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, queue
from .db import Model, db
from .errors import DomainError
from .office_time import office_date, utcnow
from .permissions import PermissionDenied, require
from .standard import current_standard
from .transitions import atomic, compare_and_set
from .users import User

NAME_MAX = 60
QUERY_MAX = 500
PER_USER_MAX = 50  # saved filters one person keeps on one screen

# The screens that keep saved filters, and how each checks a query string's filters.
SCREENS: dict[str, Callable[[Iterable[tuple[str, str]]], Any]] = {
    "queue": queue.check_args,
}


class SavedFilter(Model):
    """A named set of filters of one screen, of one member of staff."""

    __tablename__ = "saved_filter"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    screen: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    query: Mapped[str] = mapped_column(sa.String(QUERY_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    user = relationship("User")

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Preset:
    """One of the office's filters, the same for everyone."""

    key: str
    name: str
    query: str


def presets(screen: str = "queue", now: datetime | None = None) -> list[Preset]:
    """The office's filters: printed and not collected after the standard's days,
    SIAK's duplicates, and today's queue (the office day in WITA)."""
    if screen != "queue":
        return []
    now = now or utcnow()
    today = office_date(now).isoformat()
    days = current_standard().uncollected_flag_days
    return [
        Preset("uncollected", str(_l("Printed, not collected > %(d)d days", d=days)),
               urlencode({"state": queue.UNCOLLECTED})),
        Preset("duplicates", str(_l("SIAK duplicates")), urlencode({"state": "duplicate"})),
        Preset("today", str(_l("Today's queue")),
               urlencode({"state": "all", "from": today, "to": today})),
    ]


def _clean_name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise DomainError(_l("Give the filter a name."), field="name")
    if len(text) > NAME_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=NAME_MAX), field="name")
    if not all(ch.isprintable() for ch in text):
        raise DomainError(_l("The name holds characters that cannot be stored."),
                          field="name")
    return text


def check_query(screen: str, query: str | None) -> str:
    """The query string, checked against the screen's known filters; refused with the
    reason otherwise. Returned in a normal form (empty values dropped)."""
    if screen not in SCREENS:
        raise DomainError(_l("This screen keeps no saved filters."))
    text = (query or "").strip().lstrip("?")
    if len(text) > QUERY_MAX:
        raise DomainError(_l("The filters are too long to be saved (at most %(n)d "
                             "characters).", n=QUERY_MAX), field="query")
    if not text.isascii() or not all(ch.isprintable() for ch in text):
        raise DomainError(_l("The filters hold characters that cannot be stored."),
                          field="query")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text),
                          max_num_fields=len(queue.QUEUE_ARGS) + 1)
    except ValueError as exc:
        raise DomainError(_l("These filters cannot be read."), field="query") from exc
    pairs = [(k, v) for k, v in pairs if v != ""]
    SCREENS[screen](pairs)
    return urlencode(pairs)


def saved_filters(user: User, screen: str) -> list[SavedFilter]:
    """The user's own saved filters of `screen`, by name (never anyone else's)."""
    require(user, "saved_filter", "list")
    return list(db.session.execute(
        sa.select(SavedFilter).where(SavedFilter.user_id == user.id,
                                     SavedFilter.screen == screen,
                                     SavedFilter.removed_at.is_(None))
        .order_by(SavedFilter.name, SavedFilter.id)).scalars())


def own_filter(user: User, filter_id: int | None) -> SavedFilter | None:
    """The user's own saved filter; None when there is none by that id (or it was
    removed); someone else's is refused (PermissionDenied: the screens audit it)."""
    require(user, "saved_filter", "list")
    found = db.session.get(SavedFilter, filter_id) if filter_id else None
    if found is None:
        return None
    if found.user_id != user.id:
        raise PermissionDenied("saved_filter", "view")
    return found if found.removed_at is None else None


def save_filter(user: User, screen: str, name: str | None, query: str | None
                ) -> SavedFilter:
    """Keep the screen's current filters under `name`, for `user` alone."""
    require(user, "saved_filter", "create")
    clean = check_query(screen, query)
    label = _clean_name(name)
    mine = saved_filters(user, screen)
    if any(f.name.casefold() == label.casefold() for f in mine):
        raise DomainError(_l("You already have a filter named \u201c%(n)s\u201d.", n=label),
                          field="name")
    if len(mine) >= PER_USER_MAX:
        raise DomainError(_l("You keep %(n)d saved filters here already: remove one "
                             "first.", n=PER_USER_MAX))
    with atomic():
        saved = SavedFilter(user_id=user.id, screen=screen, name=label, query=clean)
        db.session.add(saved)
        db.session.flush()
        audit.record(user, "create", saved, changes=audit.diff(None, audit.snapshot(saved)))
    return saved


def remove_filter(user: User, saved: SavedFilter) -> None:
    """Remove one's own saved filter (it stays, marked removed; audited)."""
    require(user, "saved_filter", "remove")
    if saved.user_id != user.id:
        raise PermissionDenied("saved_filter", "remove")
    if saved.removed_at is not None:
        raise DomainError(_l("This filter was already removed."))
    before = audit.snapshot(saved)
    with atomic():
        compare_and_set(SavedFilter, saved.id, None, SavedFilter.removed_at.is_(None),
                        SavedFilter.user_id == user.id, removed_at=utcnow())
        audit.record(user, "remove", saved,
                     changes=audit.diff(before, audit.snapshot(saved)))
