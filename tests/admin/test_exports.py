"""Every export (CSV and XLSX) of every admin view streams completely, and only an
export that was made is audited as done (issue 8: the CSV of applications sent its
header and then broke with DetachedInstanceError while the export was audited)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa
import tablib

from models import AuditEntry, db
from models.permissions import ROLES, actions_of
from tests.admin.test_malformed import build_world


def exporting_views(app) -> list[tuple[object, str]]:
    """(view, a role that may export it) for every model view with an export."""
    admin = app.extensions["admin"][0]
    out = []
    for view in admin._views:
        if not getattr(view, "column_export_list", None):
            continue
        role = next((r for r in ROLES if "export" in actions_of(r, view.entity)), None)
        if role is not None:
            out.append((view, role))
    return out


def expected_rows(view) -> int:
    count = view.get_count_query().scalar()
    return min(count, view.export_max_rows)


def exports_since(last_id: int, action: str) -> list[AuditEntry]:
    return list(db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.id > last_id, AuditEntry.action == action)).scalars())


def last_audit_id() -> int:
    return db.session.execute(sa.select(sa.func.max(AuditEntry.id))).scalar() or 0


def test_every_export_of_every_view_is_read_back_whole(app) -> None:
    world = build_world(app)
    views = exporting_views(app)
    assert {v.endpoint for v, _r in views} >= {"applicant", "application", "complaint",
                                                "disruption", "printbatch", "card",
                                                "blank", "blankreceipt"}
    checked = 0
    for view, role in views:
        client = world.clients[role]
        with app.test_request_context():
            rows = expected_rows(view)
        assert rows > 0 or view.endpoint in ("rolegrant",), view.endpoint

        since = last_audit_id()
        response = client.get(f"/admin/{view.endpoint}/export/csv/")
        assert response.status_code == 200, (view.endpoint, response.status_code)
        assert response.mimetype == "text/csv"
        text = response.get_data(as_text=True)  # the whole stream
        parsed = list(csv.reader(io.StringIO(text)))
        titles = parsed[0]  # the columns this role's export carries
        assert titles and all(titles), view.endpoint
        assert len(parsed) == 1 + rows, (view.endpoint, len(parsed), rows)
        assert all(len(r) == len(titles) for r in parsed), view.endpoint
        dataset = tablib.Dataset().load(text, format="csv")
        assert dataset.height == rows and list(dataset.headers) == titles
        (entry,) = exports_since(since, "export")
        assert entry.object_type == view.entity and entry.changes["format"] == "csv"
        assert entry.changes["rows"] == rows

        with app.test_request_context():
            rows = expected_rows(view)  # the audit log has grown by the CSV's entry
        since = last_audit_id()
        response = client.get(f"/admin/{view.endpoint}/export/xlsx/")
        assert response.status_code == 200, (view.endpoint, response.status_code)
        assert "spreadsheetml" in response.mimetype
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        sheet_rows = list(book.active.iter_rows(values_only=True))
        assert [str(v) for v in sheet_rows[0]] == titles, view.endpoint  # the same columns
        assert len(sheet_rows) == 1 + rows, (view.endpoint, len(sheet_rows), rows)
        (entry,) = exports_since(since, "export")
        assert entry.changes["format"] == "xlsx" and entry.changes["rows"] == rows
        checked += 2
    assert checked >= 2 * 8


def test_the_applications_csv_reaches_every_applicant_column(app) -> None:
    """The regression: a relation (applicant.nik) read after the view returned."""
    world = build_world(app)
    response = world.clients["head_of_division"].get("/admin/application/export/csv/")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    from models import Application

    applications = db.session.execute(sa.select(Application)).scalars().all()
    assert len(rows) == 1 + len(applications)
    assert {r[1] for r in rows[1:]} == {a.applicant.nik for a in applications}


@pytest.mark.parametrize("export_type", ["csv", "xlsx"])
def test_a_failed_export_is_not_audited_as_done(app, head_of_division, monkeypatch,
                                                export_type) -> None:
    from admin.base import SecuredModelView
    from tests.factories import make_applicant

    make_applicant()

    def broken(self, model, name):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(SecuredModelView, "get_export_value", broken)
    since = last_audit_id()
    response = head_of_division.client.get(f"/admin/applicant/export/{export_type}/")
    assert response.status_code == 302  # back to the list, with the message
    page = head_of_division.client.get(response.headers["Location"])
    assert "Ekspor tidak dapat dibuat" in page.get_data(as_text=True)
    assert exports_since(since, "export") == []
    (failed,) = exports_since(since, "export_failed")
    assert failed.object_type == "applicant"
    assert failed.changes["format"] == export_type
    assert failed.changes["error"] == "RuntimeError"


def test_an_unknown_export_type_is_refused_without_an_export_entry(app,
                                                                  head_of_division) -> None:
    since = last_audit_id()
    for export_type in ("json", "x" * 300, "csv%00"):
        response = head_of_division.client.get(f"/admin/applicant/export/{export_type}/")
        assert response.status_code in (302, 404), export_type
    assert exports_since(since, "export") == []


def test_export_cells_keep_no_control_characters(app, head_of_division) -> None:
    """XLSX cannot hold control characters: a value carrying one (from before the
    input checks) is exported with U+FFFD instead of breaking the file."""
    from models import Complaint
    from tests.admin.test_security import make_complaint

    complaint = make_complaint("Antrean lama")
    db.session.execute(sa.update(Complaint).where(Complaint.id == complaint.id).values(
        body="baris\x0bbaru\x1f"))
    db.session.commit()
    response = head_of_division.client.get("/admin/complaint/export/xlsx/")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    values = [v for row in book.active.iter_rows(values_only=True) for v in row]
    assert "baris\ufffdbaru\ufffd" in values
