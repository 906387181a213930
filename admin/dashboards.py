"""Each role's landing page (/admin/, also /admin/dashboard/) and the menu badge of
batches waiting for approval. The figures come from models.dashboards; this module
only turns them into charts, tables and links."""

from __future__ import annotations

import typing as t
from datetime import date

from flask import g, redirect, url_for
from flask_admin import expose
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from models import dashboards
from models.applications import status_label
from models.batches import batch_status_label
from models.office_time import duration_text, format_datetime
from models.office_time import format_date as dmy
from models.permissions import ROLE_LABELS, allowed
from models.service_clock import DISRUPTION_LABELS
from printing import charts

from .base import OfficeIndexView, SecuredMixin, actor, requires


def wita(value: t.Any) -> str:
    return format_datetime(value, zone_label=True)


def month_label(first: date) -> str:
    """"Des 2026" in Indonesian, "Dec 2026" in English: the month as the office says it."""
    return str(format_date(first, "MMM yyyy"))


class DashboardView(SecuredMixin, OfficeIndexView):
    """The landing page: what this role has to do or to watch, nothing else."""

    entity = "dashboard"
    access_action = "view"

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and self.allowed(self.access_action)

    @expose("/")
    @requires("dashboard", "view")
    def index(self) -> t.Any:
        user = actor()
        kind = dashboards.board_kind(user)
        context: dict[str, t.Any] = {"kind": kind, "wita": wita, "dmy": dmy,
                                     "link": self.link, "status_label": status_label,
                                     "batch_status_label": batch_status_label,
                                     "disruption_label": disruption_label,
                                     "duration_text": duration_text,
                                     "number": charts.number, "percent": charts.percent,
                                     "role_labels": ROLE_LABELS}
        if kind == "operator":
            context["board"] = dashboards.operator_board(user)
        elif kind == "division":
            context["board"] = dashboards.division_board(user)
        elif kind == "office":
            board = dashboards.office_board(user)
            context["board"] = board
            context["trend_charts"] = trend_charts(board.trend, board.month.normal_hours,
                                                   board.month.disrupted_hours)
        elif kind == "admin":
            context["board"] = dashboards.admin_board(user)
        return self.render("admin/dashboards/index.html", **context)

    @expose("/dashboard/")
    @requires("dashboard", "view")
    def dashboard(self) -> t.Any:
        """The address the issue names: the same landing page."""
        return redirect(url_for(".index"))

    def link(self, endpoint: str, **values: t.Any) -> str | None:
        """The URL of a screen the user may open, None otherwise (no dead links)."""
        name = endpoint.split(".", 1)[0]
        for view in self.admin._views:
            if view.endpoint == name:
                if not view.is_accessible():
                    return None
                return url_for(endpoint, **values)
        return None


def disruption_label(kind: str) -> str:
    return str(DISRUPTION_LABELS.get(kind, kind))


def trend_charts(trend: list[dashboards.MonthFigures], normal_hours: int,
                 disrupted_hours: int) -> list[Markup]:
    """The last twelve months as charts, each with its table."""
    labels = [month_label(m.month) for m in trend]
    shares = {
        str(_l("Within %(h)d hour(s)", h=normal_hours)): [m.share_normal for m in trend],
        str(_l("Within %(h)d hour(s)", h=disrupted_hours)): [m.share_disrupted
                                                            for m in trend],
    }
    volume = {
        str(_l("Received")): [m.received for m in trend],
        str(_l("Served")): [m.served for m in trend],
    }
    problems = {
        str(_l("Breaches")): [m.breaches for m in trend],
        str(_l("Complaints received")): [m.complaints_received for m in trend],
    }
    skm = {str(_l("SKM index")): [float(m.skm_index) if m.skm_index else None
                                   for m in trend]}
    heading = str(_l("Month"))
    return [
        charts.figure("line", str(_l("Share served within the limit (%)")), labels, shares,
                      percent_scale=True, label_heading=heading),
        charts.figure("bar", str(_l("Applications received and served")), labels, volume,
                      label_heading=heading),
        charts.figure("bar", str(_l("Breaches and complaints")), labels, problems,
                      label_heading=heading),
        charts.figure("line", str(_l("SKM index")), labels, skm, label_heading=heading),
    ]


# ------------------------------------------------------------------ the menu badge


class BadgedName:
    """A menu entry's name followed by a count badge, for those the count concerns.

    Flask-Admin renders a menu item's `name` with Jinja's autoescape, which honours
    __html__; everywhere else (the page title, logs) it is the plain name."""

    def __init__(self, name: t.Any, count: t.Callable[[], int], entity: str,
                 action: str, label: t.Any) -> None:
        self.name = name
        self.count = count
        self.entity = entity
        self.action = action
        self.label = label

    def __str__(self) -> str:
        return str(self.name)

    def __html__(self) -> Markup:
        plain = Markup.escape(str(self.name))
        if not current_user.is_authenticated or not allowed(current_user, self.entity,
                                                            self.action):
            return plain
        cache = g.setdefault("menu_badges", {})
        key = (self.entity, self.action)
        if key not in cache:
            cache[key] = self.count()
        n = cache[key]
        if not n:
            return plain
        return Markup('{} <span class="badge badge-warning" data-testid="menu-badge" '
                      'title="{}">{}</span>').format(plain, self.label, n)


def badge_pending_approval(admin: t.Any, endpoint: str = "pendingbatches") -> None:
    """Give the "Pending approval" menu entry the number of batches waiting."""
    for item in admin._menu:
        for child in item._children if item.is_category() else [item]:
            view = getattr(child, "_view", None)
            if view is not None and view.endpoint == endpoint:
                child.name = BadgedName(child.name, dashboards.awaiting_approval_count,
                                        "print_batch", "approve",
                                        _l("Batches waiting for approval"))
                return
    raise LookupError(f"no menu entry for {endpoint}")
