"""The one permission matrix: role x entity x action.

Menus, buttons, admin views, list actions, exports and domain operations all ask
`allowed()`; nothing else decides who may do what.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from .errors import DomainError

RECORDING_OPERATOR = "recording_operator"
PRINTING_OPERATOR = "printing_operator"
HEAD_OF_DIVISION = "head_of_division"
SECRETARY = "secretary"
HEAD_OF_OFFICE = "head_of_office"
ADMIN = "admin"

ROLES: tuple[str, ...] = (
    RECORDING_OPERATOR,
    PRINTING_OPERATOR,
    HEAD_OF_DIVISION,
    SECRETARY,
    HEAD_OF_OFFICE,
    ADMIN,
)

ROLE_LABELS = {
    RECORDING_OPERATOR: _l("Recording operator"),
    PRINTING_OPERATOR: _l("Printing operator"),
    HEAD_OF_DIVISION: _l("Head of division"),
    SECRETARY: _l("Secretary"),
    HEAD_OF_OFFICE: _l("Head of office"),
    ADMIN: _l("System administrator"),
}

# Generic screen actions; "delete" is deliberately absent: nothing is hard-deleted.
CRUD_ACTIONS = ("list", "view", "create", "edit", "export")

ENTITIES: tuple[str, ...] = (
    "applicant",
    "application",
    "disruption",
    "blank_receipt",
    "blank",
    "destruction_report",
    "print_batch",
    "card",
    "printer",
    "complaint",
    "service_standard",
    "evaluation_report",
    "survey_response",
    "user",
    "role_grant",
    "audit_entry",
    # Each role's landing page (/admin/): models.dashboards decides what it shows.
    "dashboard",
    "saved_filter",
)

# Named domain operations per entity (beyond CRUD).
DOMAIN_ACTIONS: dict[str, tuple[str, ...]] = {
    # A resident's processing history (UU 27/2022 art. 32): the oversight roles.
    "applicant": ("history",),
    "application": ("record", "siak_result", "reject", "cancel", "add_to_batch"),
    # One entered after the fact extends clocks once the head of division confirms it.
    "disruption": ("close", "confirm"),
    "blank": ("destroy",),
    "print_batch": ("submit", "approve", "print", "confirm"),
    "card": ("store", "hand_over", "spoil"),
    # respond/resolve: the handling roles (an officer on what is assigned to them);
    # assign: the head of division (models.complaints).
    "complaint": ("respond", "assign", "resolve"),
    # The monthly evaluation's sign-off (B4): generate and submit (head of division),
    # review (secretary), acknowledge (head of office).
    "evaluation_report": ("generate", "submit", "review", "acknowledge"),
    # The administrator never sets a password: a reset issues an activation code.
    "user": ("reset_password", "deactivate", "unlock"),
    # A role other than admin takes effect when the head of office confirms it.
    "role_grant": ("request", "confirm", "refuse"),
    # Each user's own saved filters (models.saved_filters): removed, never deleted.
    "saved_filter": ("remove",),
}

READ = {"list", "view"}
READ_EXPORT = {"list", "view", "export"}
OPERATIONAL = ("applicant", "application", "disruption", "blank_receipt", "blank",
               "print_batch", "card", "complaint")

_OVERSIGHT: dict[str, set[str]] = {e: set(READ_EXPORT) for e in OPERATIONAL}
# Whoever reads the work queue keeps their own saved filters on it.
SAVED_FILTERS = {"list", "create", "remove"}

_OVERSIGHT |= {
    "applicant": READ_EXPORT | {"history"},
    "saved_filter": set(SAVED_FILTERS),
    "audit_entry": set(READ_EXPORT),
    "role_grant": set(READ),
    "evaluation_report": set(READ),
    "service_standard": set(READ),
    # The berita acara of destroyed blanks: read (and re-downloaded) by oversight.
    "destruction_report": set(READ),
    # The SKM figures (aggregates only; no answer is ever shown with a name).
    "survey_response": set(READ_EXPORT),
}

MATRIX: dict[str, dict[str, set[str]]] = {
    RECORDING_OPERATOR: {
        "applicant": {"list", "view", "create", "edit"},
        # No generic edit: an application changes only through its steps.
        "application": {"list", "view", "create", "record", "siak_result",
                        "reject", "cancel"},
        "complaint": {"list", "view", "create", "respond", "resolve"},
        "disruption": {"list", "view", "create", "close"},
        "service_standard": set(READ),
        "saved_filter": set(SAVED_FILTERS),
    },
    PRINTING_OPERATOR: {
        "applicant": set(READ),
        "application": {"list", "view", "add_to_batch", "cancel"},
        "print_batch": {"list", "view", "create", "submit", "print", "confirm"},
        "card": {"list", "view", "store", "hand_over", "spoil"},
        "blank": set(READ),
        "blank_receipt": {"list", "view", "create"},
        "complaint": {"list", "view", "create", "respond", "resolve"},
        "disruption": {"list", "view", "create", "close"},
        "printer": {"list", "view", "create", "edit"},
        "service_standard": set(READ),
        "saved_filter": set(SAVED_FILTERS),
    },
    HEAD_OF_DIVISION: {
        **{e: set(READ_EXPORT) for e in OPERATIONAL},
        "applicant": READ_EXPORT | {"history"},
        "print_batch": READ_EXPORT | {"approve"},
        "blank": READ_EXPORT | {"destroy"},
        "destruction_report": set(READ),
        "complaint": READ_EXPORT | {"create", "edit", "respond", "assign", "resolve"},
        "disruption": READ_EXPORT | {"create", "close", "confirm"},
        "evaluation_report": READ | {"generate", "submit"},
        "saved_filter": set(SAVED_FILTERS),
        "audit_entry": set(READ_EXPORT),
        "role_grant": set(READ),
        "service_standard": set(READ),
        "survey_response": set(READ_EXPORT),
    },
    # Oversight reads; any role but the administrator records a complaint it receives.
    SECRETARY: {**{k: set(v) for k, v in _OVERSIGHT.items()},
                "complaint": READ_EXPORT | {"create"},
                "evaluation_report": READ | {"review"}},
    HEAD_OF_OFFICE: {
        **{k: set(v) for k, v in _OVERSIGHT.items()},
        "complaint": READ_EXPORT | {"create"},
        "evaluation_report": READ | {"acknowledge"},
        "role_grant": READ | {"confirm", "refuse"},
    },
    ADMIN: {
        "user": {"list", "view", "create", "edit", "reset_password", "deactivate",
                 "unlock"},
        "role_grant": READ | {"request"},
        "service_standard": {"list", "view", "create"},
    },
}

# Every role starts the day from its own landing page.
for _role in ROLES:
    MATRIX[_role]["dashboard"] = {"view"}


class PermissionDenied(DomainError):
    """The acting user's role does not allow this operation (a refused DomainError)."""

    def __init__(self, entity: str, action: str) -> None:
        super().__init__(_l("You do not have permission to do this."))
        self.entity = entity
        self.action = action


def _role_of(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not getattr(user, "active", False):
        return None
    return getattr(user, "role", None)


def allowed(user: Any, entity: str, action: str) -> bool:
    """May `user` perform `action` on `entity`? Unknown names are always refused."""
    role = _role_of(user)
    if role is None:
        return False
    return action in MATRIX.get(role, {}).get(entity, ())


def require(user: Any, entity: str, action: str) -> None:
    """Raise PermissionDenied unless allowed: every domain operation starts here."""
    if not allowed(user, entity, action):
        raise PermissionDenied(entity, action)


def is_known(entity: str, action: str) -> bool:
    """Is (entity, action) a pair the matrix can grant? Start-up checks ask this."""
    if entity not in ENTITIES:
        return False
    return action in CRUD_ACTIONS or action in DOMAIN_ACTIONS.get(entity, ())


def actions_of(role: str, entity: str) -> set[str]:
    """Everything `role` may do with `entity` (for docs and tests)."""
    return set(MATRIX.get(role, {}).get(entity, ()))
