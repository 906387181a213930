"""Staff accounts: activation codes, passwords, second factor, role grants, login checks
and the browser-bound session.

No one becomes someone else: the administrator never sets or learns a working password.
A new account, and a password reset, get a one-time activation code (stored hashed,
24 hours); the member of staff sets their own password with it. A role other than admin
takes effect only when the head of office confirms the administrator's request
(`RoleGrant`). TOTP (pyotp) with ten single-use recovery codes is required for the
roles that see everything or manage accounts. A login answers the same message after
the same work (one scrypt check) for an unknown, a wrong and a locked account.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta

import pyotp
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from . import audit
from .db import Model, db
from .errors import DomainError
from .office_time import utcnow
from .permissions import (
    ADMIN,
    HEAD_OF_DIVISION,
    HEAD_OF_OFFICE,
    ROLE_LABELS,
    ROLES,
    SECRETARY,
    PermissionDenied,
    require,
)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128  # enforced when a password is set AND at login
MIN_PASSWORD_SCORE = 3  # zxcvbn: 0 (trivial) .. 4 (very strong)
ACTIVATION_LIFETIME = timedelta(hours=24)
RECOVERY_CODE_COUNT = 10
# Roles that must log in with a second factor; the operators by office setting.
TOTP_ROLES = frozenset({HEAD_OF_DIVISION, SECRETARY, HEAD_OF_OFFICE, ADMIN})
TOTP_ISSUER = "KTP-el Sumba Timur"
TOTP_STEP = 30
# Activation and recovery codes: Crockford's alphabet (no i, l, o, u), 12 characters
# (60 bits) in groups of four.
CODE_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
CODE_LENGTH = 12
# Words zxcvbn should treat as guessable for this office, besides the user's own names.
OFFICE_WORDS = ("dukcapil", "sumba", "timur", "waingapu", "ktp", "ktpel", "kependudukan",
                "capil", "dinas", "admin", "password", "katasandi", "sandi")
# A real hash to check against when there is nothing else to check, so that every
# refused login does exactly one scrypt check, like an accepted one.
_DUMMY_HASH = generate_password_hash("not-a-password", method="scrypt")

GENERIC_REFUSAL = _l("Wrong username or password.")


class User(Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(100))
    nip: Mapped[str | None] = mapped_column(sa.String(18))
    # None until the head of office confirms the account's first role.
    role: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    # None until the member of staff sets a password with an activation code.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True, index=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    # Set only when the per-account login throttle trips; lasts as long as the throttle.
    locked_until: Mapped[datetime | None]
    session_token: Mapped[str] = mapped_column(
        sa.String(64), default=lambda: secrets.token_hex(32)
    )
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activation_hash: Mapped[str | None] = mapped_column(sa.String(255))
    activation_expires_at: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(sa.String(32))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)  # no code replay
    # The browser that logged in (sha256 of its User-Agent) and when: one working day.
    session_ua_hash: Mapped[str | None] = mapped_column(sa.String(64))
    session_started_at: Mapped[datetime | None]

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
        if self.role is None:
            return str(_l("(awaiting confirmation)"))
        return str(ROLE_LABELS.get(self.role, self.role))

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(32)

    def set_password(self, password: str) -> None:
        check_password_policy(password, self.username, self.full_name)
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.rotate_session_token()

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    def is_locked(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.locked_until is not None and self.locked_until > now

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})"


class RoleGrant(Model):
    """A role the administrator asked for; it takes effect when the head of office
    confirms it (a grant of admin takes effect at once: it reaches no resident data)."""

    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(32))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    confirmed_at: Mapped[datetime | None]
    refused_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    refused_at: Mapped[datetime | None]

    user = relationship(User, foreign_keys=[user_id])
    requested_by = relationship(User, foreign_keys=[requested_by_id])
    confirmed_by = relationship(User, foreign_keys=[confirmed_by_id])
    refused_by = relationship(User, foreign_keys=[refused_by_id])

    __table_args__ = (
        sa.CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),
    )

    @property
    def status(self) -> str:
        if self.confirmed_at is not None:
            return "confirmed"
        if self.refused_at is not None:
            return "refused"
        return "pending"

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"

    def __str__(self) -> str:
        return f"{self.user.username if self.user else self.user_id}: {self.role}"


GRANT_STATUS_LABELS = {
    "pending": _l("Awaiting the head of office"),
    "confirmed": _l("Confirmed"),
    "refused": _l("Refused"),
}


class RecoveryCode(Model):
    """A single-use code for when the authenticator is lost; only its hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    lookup: Mapped[str] = mapped_column(sa.String(4))  # first group, to find the row
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class LoginRefused(DomainError):
    pass


# ---- codes and passwords --------------------------------------------------------------
def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str | None) -> str:
    """What the user typed, without spaces, hyphens and case."""
    return "".join(c for c in (code or "").lower() if c.isalnum())[:64]


# zxcvbn's English warnings, in the office's words (msgids translated in the catalog).
_COMMON = _l("it is one of the most common passwords")
_REPEATS = _l("it repeats characters or words")
_KEYBOARD = _l("it is a keyboard pattern")
_DATES = _l("it is a date or a recent year")
_WORD = _l("it is a single word or name")
ZXCVBN_WARNINGS = {
    "This is a top-10 common password.": _COMMON,
    "This is a top-100 common password.": _COMMON,
    "This is a very common password.": _COMMON,
    "This is similar to a commonly used password.": _COMMON,
    'Repeats like "aaa" are easy to guess.': _REPEATS,
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _REPEATS,
    'Sequences like "abc" or "6543" are easy to guess.': _l(
        "it is a sequence such as abc or 6543"),
    "Straight rows of keys are easy to guess.": _KEYBOARD,
    "Short keyboard patterns are easy to guess.": _KEYBOARD,
    "Recent years are easy to guess.": _DATES,
    "Dates are often easy to guess.": _DATES,
    "A word by itself is easy to guess.": _WORD,
    "Names and surnames by themselves are easy to guess.": _WORD,
    "Common names and surnames are easy to guess.": _WORD,
}


def check_password_policy(password: str, username: str, full_name: str | None = None) -> None:
    """Length 10..128, not the username, and zxcvbn score >= 3; Indonesian reasons."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password must be at most %(n)d characters long.", n=MAX_PASSWORD_LENGTH),
            field="password",
        )
    if password.strip().lower() == (username or "").strip().lower():
        raise DomainError(_l("The password must not be the username."), field="password")
    inputs = [username or "", *(full_name or "").lower().split(), *OFFICE_WORDS]
    result = zxcvbn(password, user_inputs=[i for i in inputs if i],
                    max_length=MAX_PASSWORD_LENGTH)
    if result["score"] < MIN_PASSWORD_SCORE:
        warning = (result.get("feedback") or {}).get("warning") or ""
        reason = ZXCVBN_WARNINGS.get(warning, _l("it is too short or too predictable"))
        raise DomainError(
            _l("This password is too easy to guess: %(reason)s. Use three or four "
               "unrelated words, or a sentence only you know.", reason=reason),
            field="password",
        )


def _issue_activation(user: User) -> str:
    """A new one-time code (the old one stops working); only its hash is stored."""
    code = _new_code()
    user.activation_hash = generate_password_hash(normalise_code(code), method="scrypt")
    user.activation_expires_at = utcnow() + ACTIVATION_LIFETIME
    return code


def _validate_account(username: str, role: str | None, nip: str | None) -> str:
    username = (username or "").strip().lower()
    if not username or not username.isascii() \
            or not username.replace(".", "").replace("_", "").isalnum():
        raise DomainError(_l("Username may hold only letters, digits, dots and underscores."),
                          field="username")
    if role is not None and role not in ROLES:
        raise DomainError(_l("Unknown role %(role)s.", role=role), field="role")
    if db.session.execute(sa.select(User.id).where(User.username == username)).first():
        raise DomainError(_l("Username %(u)s is already taken.", u=username), field="username")
    if nip and (not (nip.isascii() and nip.isdigit()) or len(nip) != 18):
        raise DomainError(_l("NIP must be exactly 18 digits."), field="nip")
    return username


# ---- accounts ---------------------------------------------------------------------------
def create_user(actor: User | None, username: str, full_name: str, role: str,
                password: str | None = None, nip: str | None = None) -> User:
    """The server operator's account creation (command line, demo data): the role
    applies at once and a password may be given. On the screens an administrator uses
    `create_account`, which never takes a password."""
    if actor is not None:
        raise PermissionDenied("user", "create")
    username = _validate_account(username, role, nip)
    user = User(username=username, full_name=(full_name or "").strip(), role=role,
                nip=nip or None, active=True)
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    audit.record(None, "create", obj=user, changes=audit.diff(None, _account_snapshot(user)))
    db.session.commit()
    return user


def create_account(actor: User, username: str, full_name: str, role: str,
                   nip: str | None = None) -> tuple[User, str]:
    """The administrator's new account: no role until the head of office confirms it
    (admin at once), no password until the user sets one with the returned code."""
    require(actor, "user", "create")
    if role not in ROLES:
        raise DomainError(_l("Unknown role %(role)s.", role=role), field="role")
    username = _validate_account(username, role, nip)
    user = User(username=username, full_name=(full_name or "").strip(), role=None,
                nip=nip or None, active=True)
    code = _issue_activation(user)
    db.session.add(user)
    audit.record(actor, "create", obj=user, changes=audit.diff(None, _account_snapshot(user)))
    _request_role(actor, user, role)
    audit.record(actor, "activation_issued", obj=user,
                 changes={"expires_at": audit.jsonable(user.activation_expires_at)})
    db.session.commit()
    return user, code


def issue_activation_code(actor: User | None, user: User) -> str:
    """A fresh activation code for an account that has no password yet (the command
    line, or the administrator re-issuing an expired code)."""
    if actor is not None:
        require(actor, "user", "reset_password")
    if user.has_password:
        raise DomainError(_l("This account already has a password: reset it instead."))
    code = _issue_activation(user)
    audit.record(actor, "activation_issued", obj=user,
                 changes={"expires_at": audit.jsonable(user.activation_expires_at)})
    db.session.commit()
    return code


def reset_password(actor: User | None, user: User) -> str:
    """The password stops working at once, every session ends, and the returned code
    lets the user set a new one. The second factor stays as it is."""
    if actor is not None:
        require(actor, "user", "reset_password")
        if actor.id == user.id:
            raise DomainError(_l("Change your own password under My account."))
    user.password_hash = None
    user.failed_logins = 0
    user.rotate_session_token()
    code = _issue_activation(user)
    audit.record(actor, "password_reset", obj=user,
                 changes={"expires_at": audit.jsonable(user.activation_expires_at)})
    db.session.commit()
    return code


def activate(username: str, code: str, password: str) -> User:
    """The user sets their own password with the activation code: one scrypt check of
    the code whatever the username, so the page tells no one which accounts exist."""
    user = _find(username)
    stored = None
    if (user is not None and user.active and user.activation_expires_at is not None
            and user.activation_expires_at > utcnow()):
        stored = user.activation_hash
    ok = check_password_hash(stored or _DUMMY_HASH, normalise_code(code))
    if user is None or stored is None or not ok:
        audit.record_now(None, "activation_failed", object_type="user",
                         object_id=user.id if user else None,
                         changes={"username": (username or "")[:64]})
        raise DomainError(_l("The activation code is wrong or has expired. Ask the "
                             "administrator for a new one."), field="code")
    user.set_password(password)  # policy refusal raises before anything is stored
    user.activation_hash = None
    user.activation_expires_at = None
    user.failed_logins = 0
    audit.record(user, "activated", obj=user)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Self-service change; every other session of this user ends."""
    if len(current or "") > MAX_PASSWORD_LENGTH or not user.check_password(current or ""):
        audit.record_now(user, "password_change_failed", obj=user)
        raise DomainError(_l("The current password is wrong."), field="current_password")
    if new == current:
        raise DomainError(_l("The new password must differ from the current one."),
                          field="password")
    user.set_password(new)
    audit.record(user, "password_changed", obj=user)
    db.session.commit()


def set_active(actor: User, user: User, active: bool) -> None:
    require(actor, "user", "deactivate")
    if actor.id == user.id and not active:
        raise DomainError(_l("You cannot deactivate your own account."))
    before = _account_snapshot(user)
    user.active = active
    user.rotate_session_token()
    audit.record(actor, "deactivate" if not active else "activate", obj=user,
                 changes=audit.diff(before, _account_snapshot(user)))
    db.session.commit()


def update_user(actor: User, user: User, *, full_name: str, role: str, nip: str | None,
                active: bool) -> RoleGrant | None:
    """The administrator's edit of an account. A new role becomes a request for the
    head of office (returned); deactivation ends the account's sessions."""
    require(actor, "user", "edit")
    if role not in ROLES:
        raise DomainError(_l("Unknown role %(role)s.", role=role), field="role")
    if nip and (not (nip.isascii() and nip.isdigit()) or len(nip) != 18):
        raise DomainError(_l("NIP must be exactly 18 digits."), field="nip")
    if actor.id == user.id and (not active or role != user.role):
        raise DomainError(_l("You cannot deactivate your own account or change its role."))
    before = _account_snapshot(user)
    user.full_name = (full_name or "").strip()
    user.nip = nip or None
    if bool(user.active) != bool(active):
        require(actor, "user", "deactivate")
        user.active = active
        user.rotate_session_token()
    changes = audit.diff(before, _account_snapshot(user))
    if changes:
        audit.record(actor, "deactivate" if "active" in changes and not active else "edit",
                     obj=user, changes=changes)
    grant = None
    pending = pending_grant(user)
    if role != user.role and (pending is None or pending.role != role):
        grant = _request_role(actor, user, role)
    db.session.commit()
    return grant


def unlock(actor: User, user: User) -> None:
    """Lift a throttle lock before it runs out (the web layer also clears the
    throttle's counters for this account)."""
    require(actor, "user", "unlock")
    before = {"locked_until": audit.jsonable(user.locked_until),
              "failed_logins": user.failed_logins}
    user.locked_until = None
    user.failed_logins = 0
    audit.record(actor, "unlock", obj=user,
                 changes=audit.diff(before, {"locked_until": None, "failed_logins": 0}))
    db.session.commit()


def _account_snapshot(user: User) -> dict:
    """What the audit log keeps of an account: no hashes, secrets or tokens."""
    hidden = {"activation_hash", "totp_secret", "session_ua_hash", "totp_last_step"}
    return {k: v for k, v in audit.snapshot(user).items() if k not in hidden}


# ---- role grants ---------------------------------------------------------------------------
def pending_grant(user: User) -> RoleGrant | None:
    if user.id is None:
        return None
    return db.session.execute(
        sa.select(RoleGrant).where(RoleGrant.user_id == user.id,
                                   RoleGrant.confirmed_at.is_(None),
                                   RoleGrant.refused_at.is_(None))
        .order_by(RoleGrant.id.desc()).limit(1)).scalar_one_or_none()


def pending_grants_query() -> sa.Select:
    """The grants waiting for the head of office, oldest first."""
    return (sa.select(RoleGrant).where(RoleGrant.confirmed_at.is_(None),
                                       RoleGrant.refused_at.is_(None))
            .order_by(RoleGrant.requested_at))


def _request_role(actor: User, user: User, role: str) -> RoleGrant:
    require(actor, "role_grant", "request")
    if role not in ROLES:
        raise DomainError(_l("Unknown role %(role)s.", role=role), field="role")
    if actor.id is not None and actor.id == user.id:
        raise DomainError(_l("You cannot change the role of your own account."), field="role")
    if pending_grant(user) is not None:
        raise DomainError(_l("A role request for this account is already waiting for the "
                             "head of office."), field="role")
    if role == user.role:
        raise DomainError(_l("The account has this role already."), field="role")
    now = utcnow()
    grant = RoleGrant(user=user, role=role, requested_by=actor, requested_at=now)
    db.session.add(grant)
    audit.record(actor, "request", obj=grant,
                 changes={"user": user.username, "role": [user.role, role]})
    if role == ADMIN:  # no resident data behind it: no confirmation needed
        before = user.role
        grant.confirmed_at = now
        user.role = role
        user.rotate_session_token()
        audit.record(actor, "role_changed", obj=user, changes={"role": [before, role]})
    return grant


def request_role(actor: User, user: User, role: str) -> RoleGrant:
    """Ask the head of office to confirm `role` for `user`."""
    grant = _request_role(actor, user, role)
    db.session.commit()
    return grant


def _decide(actor: User, grant: RoleGrant, action: str) -> None:
    require(actor, "role_grant", action)
    if not grant.is_pending:
        raise DomainError(_l("This role request has been decided already."))
    if actor.id in (grant.requested_by_id, grant.user_id):
        raise DomainError(_l("You cannot decide a role request you made or one for your "
                             "own account."))


def confirm_grant(actor: User, grant: RoleGrant) -> None:
    """The head of office confirms: the role takes effect, the account's sessions end."""
    _decide(actor, grant, "confirm")
    user = grant.user
    before = user.role
    grant.confirmed_by = actor
    grant.confirmed_at = utcnow()
    user.role = grant.role
    user.rotate_session_token()
    audit.record(actor, "confirm", obj=grant,
                 changes={"user": user.username, "role": [before, grant.role]})
    audit.record(actor, "role_changed", obj=user, changes={"role": [before, grant.role]})
    db.session.commit()


def refuse_grant(actor: User, grant: RoleGrant) -> None:
    _decide(actor, grant, "refuse")
    grant.refused_by = actor
    grant.refused_at = utcnow()
    audit.record(actor, "refuse", obj=grant,
                 changes={"user": grant.user.username, "role": grant.role})
    db.session.commit()


# ---- second factor -----------------------------------------------------------------------
def totp_required(user: User, operators_too: bool = False) -> bool:
    """Must this account log in with a second factor? (`operators_too` is the office
    setting TOTP_REQUIRED_FOR_OPERATORS.)"""
    return user.role in TOTP_ROLES or bool(operators_too)


def begin_totp_enrolment(user: User) -> str:
    """The secret to show as a QR code; kept until the user confirms it with a code."""
    if user.totp_enabled:
        raise DomainError(_l("The authenticator app is set up already."))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.session.commit()
    return user.totp_secret


def totp_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(
        name=user.username, issuer_name=TOTP_ISSUER)


def _check_totp(user: User, code: str) -> bool:
    """A 6-digit code of this, the previous or the next 30-second step, never one
    used before (the last accepted step is stored)."""
    code = "".join(c for c in (code or "") if "0" <= c <= "9")
    if not user.totp_secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now_step = int(time.time()) // TOTP_STEP
    for step in (now_step - 1, now_step, now_step + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if secrets.compare_digest(totp.at(step * TOTP_STEP), code):
            user.totp_last_step = step
            return True
    return False


def confirm_totp_enrolment(user: User, code: str) -> list[str]:
    """The first code from the app proves the enrolment; returns the recovery codes,
    to be shown once."""
    if user.totp_enabled:
        raise DomainError(_l("The authenticator app is set up already."))
    if not _check_totp(user, code):
        raise DomainError(_l("The code is wrong. Check the time on your phone and enter "
                             "the code the app shows now."), field="code")
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    audit.record(user, "totp_enrolled", obj=user)
    db.session.commit()
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    now = utcnow()
    db.session.execute(sa.update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)).values(used_at=now))
    codes: list[str] = []
    lookups: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        code = _new_code()
        lookup = normalise_code(code)[:4]
        if lookup in lookups:
            continue
        lookups.add(lookup)
        codes.append(code)
        db.session.add(RecoveryCode(
            user_id=user.id, lookup=lookup, created_at=now,
            code_hash=generate_password_hash(normalise_code(code), method="scrypt")))
    return codes


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes; the old unused ones stop working."""
    if not user.totp_enabled:
        raise DomainError(_l("Set up the authenticator app first."))
    codes = _new_recovery_codes(user)
    audit.record(user, "recovery_codes_renewed", obj=user)
    db.session.commit()
    return codes


def verify_second_factor(user: User, code: str) -> str:
    """A TOTP code, or a recovery code (used up by this login). Returns which."""
    if _check_totp(user, code):
        db.session.commit()
        return "totp"
    typed = normalise_code(code)
    if len(typed) == CODE_LENGTH:
        row = db.session.execute(sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.lookup == typed[:4],
            RecoveryCode.used_at.is_(None))).scalars().first()
        if row is not None and check_password_hash(row.code_hash, typed):
            row.used_at = utcnow()
            left = db.session.execute(sa.select(sa.func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar()
            audit.record(user, "recovery_code_used", obj=user, changes={"left": left})
            db.session.commit()
            return "recovery"
    audit.record_now(None, "second_factor_failed", obj=user, username=user.username)
    raise LoginRefused(_l("The code is wrong or has been used already."))


def recovery_codes_left(user: User) -> int:
    return db.session.execute(sa.select(sa.func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar() or 0


def reset_totp(actor: User | None, user: User) -> None:
    """The server operator's reset (command line) when phone and recovery codes are
    both lost: the next login enrols again. No screen offers it, so the administrator
    cannot remove someone's second factor and log in as them."""
    if actor is not None:
        raise PermissionDenied("user", "reset_totp")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()))
    user.rotate_session_token()
    audit.record(None, "totp_reset", obj=user)
    db.session.commit()


# ---- login -------------------------------------------------------------------------------
def _find(username: str | None) -> User | None:
    name = (username or "").strip().lower()[:64]
    if not name or not name.isascii() or not name.replace(".", "").replace("_", "").isalnum():
        return None  # no username looks like this (a NUL byte, U+10FFFF): nobody
    return db.session.execute(sa.select(User).where(User.username == name)).scalar_one_or_none()


def authenticate(username: str, password: str) -> User:
    """The password step of a login. Unknown, wrong, locked and not-yet-activated
    accounts all get the same message after the same work: exactly one scrypt check."""
    now = utcnow()
    password = (password or "")[:MAX_PASSWORD_LENGTH + 1]
    user = _find(username)
    stored = user.password_hash if user is not None else None
    usable = bool(stored)
    ok = check_password_hash(stored or _DUMMY_HASH, password)
    ok = ok and usable and len(password) <= MAX_PASSWORD_LENGTH
    if user is None:
        audit.record_now(None, "login_failed", object_type="user",
                         changes={"username": (username or "")[:64]})
        raise LoginRefused(GENERIC_REFUSAL)
    locked = user.is_locked(now)
    if not ok or locked:
        if not ok:
            user.failed_logins = (user.failed_logins or 0) + 1
        reason = "locked" if locked else ("wrong_password" if usable else "no_password")
        audit.record(None, "login_failed", obj=user, username=user.username,
                     changes={"reason": reason})
        db.session.commit()
        raise LoginRefused(GENERIC_REFUSAL)
    if not user.active:
        audit.record_now(None, "login_inactive", obj=user, username=user.username)
        raise LoginRefused(_l("This account has been deactivated."))
    if user.role is None:
        audit.record_now(None, "login_pending_role", obj=user, username=user.username)
        raise LoginRefused(_l("This account is waiting for the head of office to confirm "
                              "its role."))
    return user


def second_factor_needed(user: User, operators_too: bool = False) -> str | None:
    """After the password: "totp" (enter a code), "enrol" (set up the app first) or None."""
    if user.totp_enabled:
        return "totp"
    if totp_required(user, operators_too):
        return "enrol"
    return None


def record_throttled(username: str, until: datetime) -> None:
    """The per-account throttle refused a login: the account shows as locked until the
    throttle lets it try again, so the administrator sees it and can lift it."""
    user = _find(username)
    if user is not None:
        user.locked_until = max(until, user.locked_until or until)
    audit.record(None, "login_throttled", object_type="user",
                 object_id=user.id if user else None,
                 changes={"username": (username or "")[:64],
                          "until": audit.jsonable(until)})
    db.session.commit()


def user_agent_hash(user_agent: str | None) -> str:
    return hashlib.sha256((user_agent or "").encode("utf-8", "replace")).hexdigest()


def complete_login(user: User, ua_hash: str) -> None:
    """Both factors passed: a new session token, bound to this browser, for one day."""
    now = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    user.session_ua_hash = ua_hash
    user.session_started_at = now
    user.rotate_session_token()
    audit.record(user, "login", obj=user)
    db.session.commit()


def session_problem(user: User, ua_hash: str, max_age: timedelta) -> str | None:
    """Why this request may not use the session: another browser, or past the
    absolute lifetime. None when it may."""
    if user.session_ua_hash and not secrets.compare_digest(user.session_ua_hash, ua_hash):
        return "browser_changed"
    if user.session_started_at and utcnow() - user.session_started_at > max_age:
        return "lifetime_over"
    return None


def end_session(user: User, reason: str) -> None:
    """End every session of this user on the server side, with the reason on record."""
    user.rotate_session_token()
    user.session_ua_hash = None
    user.session_started_at = None
    audit.record(user, "session_ended", obj=user, changes={"reason": reason})
    db.session.commit()


def load_user_by_session_id(session_id: str) -> User | None:
    """Flask-Login's user loader: '<id>:<token>', token compared in constant time."""
    user_id, _, token = (session_id or "").partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or len(user_id) > 10 or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.role is None:
        return None
    if not secrets.compare_digest(user.session_token, token):
        return None
    return user


def user_for_pending_login(user_id: int, token: str) -> User | None:
    """The account whose password step passed in this browser, if nothing changed."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.role is None:
        return None
    if not secrets.compare_digest(user.session_token, token or ""):
        return None
    return user


def logout(user: User) -> None:
    """End every session of this user on the server side."""
    user.rotate_session_token()
    user.session_ua_hash = None
    user.session_started_at = None
    audit.record(user, "logout", obj=user)
    db.session.commit()
