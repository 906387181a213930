"""Staff accounts, passwords, lockout and the per-user session token."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit
from .db import db
from .errors import DomainError
from .office_time import utcnow
from .permissions import ROLE_LABELS, ROLES, require

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
# A real hash to compare against when the username is unknown, so timing does not
# reveal which usernames exist.
_DUMMY_HASH = generate_password_hash("not-a-password", method="scrypt")


class User(db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(100))
    nip: Mapped[str | None] = mapped_column(sa.String(18))
    role: Mapped[str] = mapped_column(sa.String(32), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True, index=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    session_token: Mapped[str] = mapped_column(
        sa.String(64), default=lambda: secrets.token_hex(32)
    )
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),
    )

    # Flask-Login protocol. The id carries the session token, so rotating the token
    # invalidates every cookie issued before (logout, password change, deactivation).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(self.role, self.role))

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(32)

    def set_password(self, password: str) -> None:
        check_password_policy(password, self.username)
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.rotate_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def is_locked(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.locked_until is not None and self.locked_until > now

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})"


def check_password_policy(password: str, username: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )
    if password.strip().lower() == (username or "").strip().lower():
        raise DomainError(_l("The password must not be the username."), field="password")


def load_user_by_session_id(session_id: str) -> User | None:
    """Flask-Login's user loader: '<id>:<token>', token compared in constant time."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    if not secrets.compare_digest(user.session_token, token):
        return None
    return user


class LoginRefused(DomainError):
    pass


def authenticate(username: str, password: str) -> User:
    """Check a login; count failures, lock after five, rotate the token on success."""
    now = utcnow()
    user = db.session.execute(
        sa.select(User).where(User.username == (username or "").strip().lower())
    ).scalar_one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        audit.record_now(None, "login_failed", object_type="user",
                         changes={"username": (username or "")[:64]})
        raise LoginRefused(_l("Wrong username or password."))
    if user.is_locked(now):
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        audit.record_now(None, "login_locked", obj=user, username=user.username)
        raise LoginRefused(_l(
            "This account is locked for %(minutes)d more minutes after 5 failed "
            "attempts. Try again later or ask the administrator.", minutes=minutes))
    if not user.check_password(password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        locked = user.failed_logins >= MAX_FAILED_LOGINS
        if locked:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        audit.record(None, "login_failed", obj=user, username=user.username,
                     changes={"locked": locked})
        db.session.commit()
        if locked:
            raise LoginRefused(_l(
                "Wrong password 5 times: this account is locked for 15 minutes."))
        raise LoginRefused(_l("Wrong username or password."))
    if not user.active:
        audit.record_now(None, "login_inactive", obj=user, username=user.username)
        raise LoginRefused(_l("This account has been deactivated."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    user.rotate_session_token()
    audit.record(user, "login", obj=user)
    db.session.commit()
    return user


def logout(user: User) -> None:
    """End every session of this user on the server side."""
    user.rotate_session_token()
    audit.record(user, "logout", obj=user)
    db.session.commit()


def create_user(actor: User | None, username: str, full_name: str, role: str,
                password: str, nip: str | None = None) -> User:
    """Create an account. `actor` None means the command line (server operator)."""
    if actor is not None:
        require(actor, "user", "create")
    username = (username or "").strip().lower()
    if not username or not username.replace(".", "").replace("_", "").isalnum():
        raise DomainError(_l("Username may hold only letters, digits, dots and underscores."),
                          field="username")
    if role not in ROLES:
        raise DomainError(_l("Unknown role %(role)s.", role=role), field="role")
    if db.session.execute(sa.select(User.id).where(User.username == username)).first():
        raise DomainError(_l("Username %(u)s is already taken.", u=username), field="username")
    if nip and (not nip.isdigit() or len(nip) != 18):
        raise DomainError(_l("NIP must be exactly 18 digits."), field="nip")
    user = User(username=username, full_name=(full_name or "").strip(), role=role,
                nip=nip or None, active=True)
    user.set_password(password)
    db.session.add(user)
    audit.record(actor, "create", obj=user, changes=audit.diff(None, audit.snapshot(user)))
    db.session.commit()
    return user


def change_password(actor: User, user: User, password: str) -> None:
    if actor.id != user.id:
        require(actor, "user", "set_password")
    user.set_password(password)
    audit.record(actor, "set_password", obj=user)
    db.session.commit()


def set_active(actor: User, user: User, active: bool) -> None:
    require(actor, "user", "deactivate")
    if actor.id == user.id and not active:
        raise DomainError(_l("You cannot deactivate your own account."))
    before = audit.snapshot(user)
    user.active = active
    user.rotate_session_token()
    audit.record(actor, "deactivate" if not active else "activate", obj=user,
                 changes=audit.diff(before, audit.snapshot(user)))
    db.session.commit()


def update_user(actor: User, user: User, *, full_name: str, role: str, nip: str | None,
                active: bool, password: str | None = None) -> None:
    """The administrator's edit of an account; deactivation ends its sessions."""
    require(actor, "user", "edit")
    if role not in ROLES:
        raise DomainError(_l("Unknown role %(role)s.", role=role), field="role")
    if nip and (not nip.isdigit() or len(nip) != 18):
        raise DomainError(_l("NIP must be exactly 18 digits."), field="nip")
    if actor.id == user.id and (not active or role != user.role):
        raise DomainError(_l("You cannot deactivate your own account or change its role."))
    before = audit.snapshot(user)
    user.full_name = (full_name or "").strip()
    user.role = role
    user.nip = nip or None
    if password:
        user.set_password(password)
    if bool(user.active) != bool(active):
        user.active = active
        user.rotate_session_token()
    changes = audit.diff(before, audit.snapshot(user))
    if password:
        changes["password"] = ["***", "*** (changed)"]
    audit.record(actor, "edit", obj=user, changes=changes)
    db.session.commit()
