"""The Flask-Admin back-office: one secured base view, one module per area."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from models import (
    Applicant,
    Application,
    AuditEntry,
    Blank,
    BlankReceipt,
    Card,
    Complaint,
    DestructionReport,
    Disruption,
    DomainError,
    PrintBatch,
    Printer,
    ServiceStandard,
    User,
)
from models.users import RoleGrant

from .accounts import RoleGrantView, UserView
from .applications import ApplicationView
from .audit import AuditEntryView
from .base import (
    check_declarations,
    frame_nonced,
    frame_part,
    frame_url,
    office_menu,
    refused,
)
from .batches import PendingBatchesView, PrintBatchView
from .blanks import (
    BlankReceiptView,
    BlankView,
    DestructionReportView,
    ReconciliationView,
    StockView,
)
from .cards import CardView, CustodyView
from .complaints import ComplaintView
from .dashboards import DashboardView, badge_pending_approval
from .disruptions import DisruptionView
from .evaluations import EvaluationView
from .intake import IntakeView
from .printers import PrinterView
from .queue import QueueView
from .residents import ApplicantView
from .standard import ServiceStandardView
from .survey import SurveyResultsView

ROOT_TRANSLATIONS = __import__("pathlib").Path(__file__).resolve().parent.parent / "translations"


def init_admin(app: Flask) -> Admin:
    admin = Admin(
        app,
        name="KTP-el Sumba Timur",
        index_view=DashboardView(name=_l("Home"), url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/office_base.html", fluid=True),
        translations_path=str(ROOT_TRANSLATIONS),
    )
    services = _l("Service")
    stock = _l("Printing")
    oversight = _l("Oversight")
    admin.add_view(IntakeView(name=_l("Intake"), category=services, endpoint="intake",
                              url="/admin/intake"))
    admin.add_view(QueueView(name=_l("Work queue"), category=services, endpoint="queue",
                             url="/admin/queue"))
    admin.add_view(ApplicantView(Applicant, name=_l("Applicants"), category=services))
    admin.add_view(ApplicationView(Application, name=_l("Applications"), category=services,
                                   endpoint="application"))
    admin.add_view(DisruptionView(Disruption, name=_l("Disruptions"), category=services))
    admin.add_view(ComplaintView(Complaint, name=_l("Complaints"), category=services))
    admin.add_view(PrintBatchView(PrintBatch, name=_l("Print batches"), category=stock))
    admin.add_view(PendingBatchesView(name=_l("Pending approval"), category=stock,
                                      endpoint="pendingbatches", url="/admin/pending-batches"))
    admin.add_view(CustodyView(name=_l("Cards in custody"), category=stock,
                               endpoint="custody", url="/admin/custody"))
    admin.add_view(CardView(Card, name=_l("Cards"), category=stock))
    admin.add_view(StockView(name=_l("Blank stock"), category=stock, endpoint="stock",
                             url="/admin/stock"))
    admin.add_view(BlankView(Blank, name=_l("Blanks"), category=stock))
    admin.add_view(BlankReceiptView(BlankReceipt, name=_l("Blank receipts"), category=stock))
    admin.add_view(ReconciliationView(name=_l("Stock reconciliation"), category=stock,
                                      endpoint="reconciliation", url="/admin/reconciliation"))
    admin.add_view(DestructionReportView(DestructionReport, name=_l("Destruction reports"),
                                         category=stock, endpoint="destructionreport",
                                         url="/admin/destruction-report"))
    admin.add_view(PrinterView(Printer, name=_l("Printers"), category=stock))
    admin.add_view(ServiceStandardView(ServiceStandard, name=_l("Service standard"),
                                       category=oversight))
    admin.add_view(SurveyResultsView(name=_l("Satisfaction survey"), category=oversight,
                                     endpoint="survey", url="/admin/survey"))
    admin.add_view(EvaluationView(name=_l("Monthly evaluation"), category=oversight,
                                  endpoint="evaluations", url="/admin/evaluations"))
    admin.add_view(AuditEntryView(AuditEntry, name=_l("Audit log"), category=oversight))
    admin.add_view(UserView(User, name=_l("Users"), category=oversight))
    admin.add_view(RoleGrantView(RoleGrant, name=_l("Role requests"), category=oversight))
    badge_pending_approval(admin)
    # The page frame's menu and fixed URLs, drawn once (admin/base.py).
    app.jinja_env.globals.update(office_menu=office_menu, frame_url=frame_url,
                                 frame_part=frame_part, frame_nonced=frame_nonced)
    check_declarations(admin)
    # Any refused domain operation, raised anywhere under /admin: one answer.
    app.register_error_handler(DomainError, refused)
    return admin
