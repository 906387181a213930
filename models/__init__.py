"""Models and the domain rules of the KTP-el back-office.

No Flask request objects here: every operation takes the acting user.
"""

from .audit import AuditEntry
from .complaint import Complaint
from .db import db, utcnow
from .errors import DomainError
from .permissions import PermissionDenied, allowed, require
from .registry import Applicant, Application, Disruption
from .standard import EvaluationReport, ServiceStandard, current_standard
from .stock import Blank, BlankEvent, BlankReceipt, Card, PrintBatch, Printer
from .user import User

__all__ = [
    "Applicant",
    "Application",
    "AuditEntry",
    "Blank",
    "BlankEvent",
    "BlankReceipt",
    "Card",
    "Complaint",
    "Disruption",
    "DomainError",
    "EvaluationReport",
    "PermissionDenied",
    "PrintBatch",
    "Printer",
    "ServiceStandard",
    "User",
    "allowed",
    "current_standard",
    "db",
    "require",
    "utcnow",
]
