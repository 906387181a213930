"""Human-readable numbers: receipts (KTP-YYMMDD-NNNN), print batches (CTK-YYMMDD-NNN),
complaint tickets, and unguessable codes. Days are the office's (WITA) days."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .db import db
from .office_time import office_today


@dataclass(frozen=True)
class NumberFormat:
    prefix: str
    width: int


RECEIPT = NumberFormat("KTP", 4)  # an application's receipt, e.g. KTP-261124-0001
BATCH = NumberFormat("CTK", 3)  # a print batch, e.g. CTK-261124-001
TICKET_PREFIX = "ADU"
# Capitals and digits without look-alikes (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def day_number(column: Any, fmt: NumberFormat) -> str:
    """The next free number PREFIX-YYMMDD-NNN… of the office's day in `column`
    (its unique constraint catches a concurrent duplicate)."""
    head = f"{fmt.prefix}-{office_today():%y%m%d}-"
    last = db.session.execute(sa.select(sa.func.max(column)).where(column.like(head + "%"))
                              ).scalar()
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{head}{seq:0{fmt.width}d}"


def random_code(nbytes: int = 5) -> str:
    """An unguessable code in capitals without look-alike characters."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(nbytes * 8 // 5))


def ticket_number() -> str:
    """A complaint's public ticket, e.g. ADU-7KQ2M4XP."""
    return f"{TICKET_PREFIX}-{random_code(5)}"
