"""Models and the domain rules of the KTP-el back-office, one module per aggregate.

No Flask request objects here: every operation takes the acting user. Importing the
package registers every entity with SQLAlchemy.
"""

from . import search as search  # registers the name index DDL (FTS5 on SQLite)
from . import statistics as statistics  # registers the period figures' indexes
from .applications import Application
from .audit import AuditEntry
from .batches import PrintBatch
from .blanks import Blank, BlankEvent, BlankReceipt, DestructionReport
from .cards import Card
from .complaints import Complaint
from .dashboards import DashboardMonth
from .db import db
from .errors import DomainError
from .evaluations import EvaluationReport
from .office_time import utcnow
from .permissions import PermissionDenied, allowed, require
from .printers import Printer
from .residents import Applicant
from .saved_filters import SavedFilter
from .service_clock import Disruption
from .standard import ServiceStandard, current_standard
from .survey import SurveyResponse
from .users import User

__all__ = [
    "Applicant",
    "Application",
    "AuditEntry",
    "Blank",
    "BlankEvent",
    "BlankReceipt",
    "Card",
    "Complaint",
    "DashboardMonth",
    "DestructionReport",
    "Disruption",
    "DomainError",
    "EvaluationReport",
    "PermissionDenied",
    "PrintBatch",
    "Printer",
    "SavedFilter",
    "ServiceStandard",
    "SurveyResponse",
    "User",
    "allowed",
    "current_standard",
    "db",
    "require",
    "utcnow",
]
