"""Demo data for an empty database: the office's staff, residents of Sumba Timur, and
the last weeks of the office's work replayed on a simulated clock (demo.history).

Used by `flask demo-data`. Staff accounts, the service standard and every step of
the history go through the domain operations, each at its own simulated moment.
The residents are validated one by one (`Applicant.validate()`) and loaded as one
register covered by ONE audit entry, on the first morning of the history.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from models import audit
from models.codes import FEMALE, MALE
from models.db import db
from models.office_time import simulated, utcnow
from models.permissions import ROLES
from models.residents import Applicant
from models.standard import ensure_seed_standard
from models.users import User, create_user

from .files import Files
from .history import Cast, History
from .people import STAFF, STAFF_BORN, STAFF_FEMALE, Household, People, households, nip

DEFAULT_SEED = 5311  # Sumba Timur's regency code: the same demo unless asked otherwise
HISTORY_DAYS = 30
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
PASSWORD_LENGTH = 16


class DatabaseNotEmpty(Exception):
    """Demo data is only ever loaded into a database without residents or accounts."""

    def __init__(self, applicants: int = 0, users: int = 0) -> None:
        super().__init__(
            "The database already holds data "
            f"({applicants} applicant(s), {users} user account(s)); demo data is only "
            "loaded into an empty database. Use a fresh database to load it."
        )
        self.applicants = applicants
        self.users = users


def generate(applicants: int = 320, seed: int | None = None,
             upload_root: str | Path | None = None,
             days: int = HISTORY_DAYS) -> list[tuple[str, str, str]]:
    """Fill an empty database with demo data; return the (username, role, password) logins.

    Raises DatabaseNotEmpty when any applicant or user account exists. The history
    covers the `days` days up to now (`utcnow()`, so a caller may run it inside
    `models.office_time.simulated`). The same `seed` (default DEFAULT_SEED) gives the
    same residents and the same history on the same day; passwords, complaint tickets
    and verification codes are always fresh. Placeholder scans, photos and signatures
    go to `upload_root` (default: the app's UPLOAD_FOLDER).
    """
    existing = _existing_counts()
    if any(existing):
        raise DatabaseNotEmpty(*existing)
    from flask import current_app

    if upload_root is None:
        upload_root = current_app.config["UPLOAD_FOLDER"]
    seed = DEFAULT_SEED if seed is None else seed
    history = History(random.Random(f"{seed}:history"), end=utcnow(), days=days)
    people = People(random.Random(f"{seed}:people"), today=history.end_day,
                    kk_before=history.first_day)
    files = Files(random.Random(f"{seed}:files"), Path(upload_root))
    with _quick_commits(), simulated(history.clock):
        logins, staff = _create_staff(random.Random(f"{seed}:staff"), history)
        history.pause(60)
        standard = ensure_seed_standard()
        history.pause(180)
        register = households(people, applicants)
        _load_residents(register)
        history.play(Cast(staff=staff, files=files, standard=standard,
                          secret=current_app.config["SECRET_KEY"]), register)
    return logins


# Per database: what makes a commit skip waiting for the disk, and what undoes it.
_QUICK_COMMITS = {
    "sqlite": ("PRAGMA synchronous = OFF", "PRAGMA synchronous = FULL"),
    "postgresql": ("SET synchronous_commit TO off", "RESET synchronous_commit"),
}


@contextmanager
def _quick_commits() -> Iterator[None]:
    """The history is thousands of small commits: while it loads, a commit does not
    wait for the disk (a crash would lose the demo, never the database's integrity).
    Every connection gets its usual setting back when it returns to the pool."""
    engine = db.engine
    statements = _QUICK_COMMITS.get(engine.dialect.name)
    if statements is None:
        yield
        return
    quick, usual = statements

    def run(dbapi_connection: Any, statement: str) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        dbapi_connection.commit()  # a SET in PostgreSQL is part of a transaction

    def on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        run(dbapi_connection, quick)
        record.info["demo_quick_commits"] = True

    def on_checkin(dbapi_connection: Any, record: Any) -> None:
        if record.info.pop("demo_quick_commits", False) and dbapi_connection is not None:
            run(dbapi_connection, usual)

    db.session.commit()  # the session's connection goes back, to be checked out anew
    sa.event.listen(engine, "checkout", on_checkout)
    sa.event.listen(engine, "checkin", on_checkin)
    try:
        yield
    finally:
        db.session.commit()  # hand the connection back while on_checkin still listens
        sa.event.remove(engine, "checkout", on_checkout)
        sa.event.remove(engine, "checkin", on_checkin)


def _existing_counts() -> tuple[int, int]:
    """(applicants, user accounts) already in the database."""
    applicants = db.session.execute(sa.select(sa.func.count(Applicant.id))).scalar() or 0
    users = db.session.execute(sa.select(sa.func.count(User.id))).scalar() or 0
    return applicants, users


def _password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _create_staff(rng: random.Random, history: History
                  ) -> tuple[list[tuple[str, str, str]], dict[str, User]]:
    """The six accounts, created from the command line on the first morning."""
    logins = []
    accounts = {}
    for role, username, full_name in STAFF:
        sex = FEMALE if role in STAFF_FEMALE else MALE
        password = _password()
        accounts[role] = create_user(None, username, full_name, role, password,
                                     nip=nip(rng, STAFF_BORN[role], sex))
        logins.append((username, role, password))
        history.pause(30)
    order = {role: i for i, role in enumerate(ROLES)}
    logins.sort(key=lambda login: order[login[1]])
    return logins, accounts


def _load_residents(register: list[Household]) -> None:
    """The residents' register, inserted at once and covered by one audit entry."""
    residents = [a for hh in register for a in hh.residents]
    try:
        db.session.add_all(residents)
        db.session.flush()
        audit.record(None, "demo_data", object_type="applicant",
                     changes={"count": len(residents), "households": len(register)})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
