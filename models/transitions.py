"""State transitions as compare-and-sets (issue 8): one UPDATE that changes a row only
if it is still in the state the officer saw, on SQLite and PostgreSQL alike.

    compare_and_set(Card, card.id, "printed", status="stored", stored_at=now)

runs ``UPDATE card SET status='stored', stored_at=... WHERE id=:id AND status='printed'``
and checks the row count: the loser of two simultaneous requests gets `JustProcessed`
(a DomainError with the message "baru saja diproses oleh petugas lain") and the caller
rolls its transaction back, so nothing it did is kept (`atomic()` does that).

Order inside a transition: read and check (fast, friendly refusals), then the
compare-and-sets (they take the row lock on PostgreSQL and the write lock on SQLite),
then whatever is checked against fresh data, the other writes, the audit entries, and
the commit. Rows are always claimed in the same order (print batch, application, card,
blank; audit last) so two transitions never wait on each other in a circle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from .db import db
from .errors import DomainError
from .office_time import utcnow

# What the loser of two simultaneous transitions is told (nothing of theirs is kept).
JUST_PROCESSED = _l("This was just processed by another officer; nothing was changed.")


class JustProcessed(DomainError):
    """Another officer changed the row first: this request changed nothing."""

    def __init__(self, message: Any = None, field: str | None = None) -> None:
        super().__init__(JUST_PROCESSED if message is None else message, field)


def compare_and_set(model: type[Any], ident: int | Iterable[int],
                    expected: str | tuple[str, ...] | None, *conditions: Any,
                    state_column: str = "status", **values: Any) -> int:
    """``UPDATE <model> SET **values WHERE id = ident AND <state_column> = expected``
    (or ``IN expected`` for a tuple; no state test for None), AND every extra SQL
    condition in `conditions`. `ident` is one id or several (every one must match).

    Raises JustProcessed unless every row matched; otherwise returns the count. The
    instances in the session get the new values as committed (so an audit snapshot
    taken afterwards shows them and the next flush does not write them again). A
    model with an `updated_at` column gets it set as well.
    """
    ids = [ident] if isinstance(ident, int) else list(dict.fromkeys(ident))
    if not ids:
        return 0
    table_columns = model.__table__.c
    if "updated_at" in table_columns and "updated_at" not in values:
        values["updated_at"] = utcnow()
    where = [model.id == ids[0]] if len(ids) == 1 else [model.id.in_(ids)]
    if expected is not None:
        column = getattr(model, state_column)
        where.append(column == expected if isinstance(expected, str)
                     else column.in_(expected))
    where.extend(conditions)
    result = cast(CursorResult[Any], db.session.execute(
        sa.update(model).where(*where).values(**values)
        .execution_options(synchronize_session=False)))
    if result.rowcount != len(ids):
        raise JustProcessed()
    for one in ids:
        obj = db.session.identity_map.get(identity_key(model, one))
        if obj is None:
            continue
        for key, value in values.items():
            set_committed_value(obj, key, value)
    return len(ids)


@contextmanager
def atomic() -> Iterator[None]:
    """One transaction: commit at the end, roll everything back on any error."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


__all__ = ["JUST_PROCESSED", "JustProcessed", "atomic", "compare_and_set"]
