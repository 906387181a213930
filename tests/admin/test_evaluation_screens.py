"""The monthly evaluation screen: generate (progress page, status JSON), the sign-off
buttons each role sees and may press, the PDF checked against its sha256, bad input
answered in Indonesian, and `flask evaluation generate`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import db
from models import evaluations as ev
from models.audit import AuditEntry
from tests.factories import Auth, user_of

PERIOD = "2026-10"


@pytest.fixture
def cheap_pdf(monkeypatch):
    def render(report, signoff):
        return b"%PDF-1.4 stand-in " + json.dumps(signoff, sort_keys=True).encode()

    monkeypatch.setattr(ev, "_render", render)


def _report_id(response) -> int:
    match = re.search(r"/admin/evaluations/report/\?id=(\d+)", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def test_the_head_of_division_generates_and_submits(head_of_division, client, cheap_pdf):
    page = client.get("/admin/evaluations/").get_data(as_text=True)
    assert 'data-testid="generate-form"' in page
    response = head_of_division.post("/admin/evaluations/generate/", {"month": PERIOD},
                                     token_from="/admin/evaluations/")
    assert response.status_code == 302
    report_id = _report_id(response)
    status = client.get(f"/admin/evaluations/status/?id={report_id}").get_json()
    assert status["status"] == "generated" and status["progress"] == 100
    details = client.get(f"/admin/evaluations/report/?id={report_id}").get_data(as_text=True)
    assert 'data-testid="step-submit"' in details and "http-equiv=\"refresh\"" not in details
    pdf = client.get(f"/admin/evaluations/pdf/?id={report_id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    response = head_of_division.post(f"/admin/evaluations/submit/?id={report_id}",
                                     token_from=f"/admin/evaluations/report/?id={report_id}")
    assert response.status_code == 302
    assert db.session.get(ev.EvaluationReport, report_id).status == "submitted"


def test_a_report_being_generated_shows_its_progress(head_of_division, client):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("admin.evaluations.start_in_background", lambda report_id: None)
        response = head_of_division.post("/admin/evaluations/generate/", {"month": PERIOD},
                                         token_from="/admin/evaluations/")
    report_id = _report_id(response)
    db.session.execute(sa.update(ev.EvaluationReport).values(progress=35))
    db.session.commit()
    page = client.get(f"/admin/evaluations/report/?id={report_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and 'aria-valuenow="35"' in page
    assert client.get(f"/admin/evaluations/status/?id={report_id}").get_json()["progress"] == 35
    # A second request for the month meanwhile is refused, in Indonesian.
    again = head_of_division.post("/admin/evaluations/generate/", {"month": PERIOD},
                                  token_from="/admin/evaluations/", follow_redirects=True)
    assert "sedang dibuat" in again.get_data(as_text=True).lower()
    assert len(ev.versions(PERIOD)) == 1


@pytest.mark.parametrize("month", ["", "2026-13", "bulan lalu", "2026-1" * 30, "9999-01"])
def test_a_bad_month_is_refused_in_indonesian(head_of_division, client, month):
    response = head_of_division.post("/admin/evaluations/generate/", {"month": month},
                                     token_from="/admin/evaluations/",
                                     follow_redirects=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "YYYY-MM" in text or "belum dimulai" in text
    assert db.session.execute(sa.select(sa.func.count(ev.EvaluationReport.id))).scalar() == 0


def test_each_role_sees_and_may_press_only_its_step(app, client, cheap_pdf):
    report = ev.generate(PERIOD, user_of("head_of_division"))
    auth = Auth(client)
    steps = (("secretary", "review"), ("head_of_office", "acknowledge"))
    ev.submit(report, user_of("head_of_division"))
    for role, step in steps:
        auth.login(role)
        page = client.get(f"/admin/evaluations/report/?id={report.id}").get_data(as_text=True)
        shown = re.findall(r'data-testid="step-(\w+)"', page)
        assert shown == [step], (role, shown)
        # Another role's step is refused (403) and changes nothing.
        other = "submit" if step == "review" else "review"
        before = db.session.get(ev.EvaluationReport, report.id).status
        refused = auth.post(f"/admin/evaluations/{other}/?id={report.id}",
                            token_from=f"/admin/evaluations/report/?id={report.id}")
        assert refused.status_code == 403
        db.session.expire_all()
        assert db.session.get(ev.EvaluationReport, report.id).status == before
        done = auth.post(f"/admin/evaluations/{step}/?id={report.id}",
                         token_from=f"/admin/evaluations/report/?id={report.id}")
        assert done.status_code == 302
        auth.logout()
    db.session.expire_all()
    assert db.session.get(ev.EvaluationReport, report.id).status == "acknowledged"


def test_a_changed_pdf_is_refused_on_download(head_of_office, client, app, cheap_pdf):
    report = ev.generate(PERIOD, user_of("head_of_division"))
    stored = Path(app.config["DOCUMENT_FOLDER"]) / report.pdf_path
    stored.write_bytes(b"%PDF-1.4 something else")
    response = client.get(f"/admin/evaluations/pdf/?id={report.id}", follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "sha256" in response.get_data(as_text=True)


def test_the_command_line_generates_a_month(app, runner, cheap_pdf):
    result = runner.invoke(args=["evaluation", "generate", "--month", PERIOD])
    assert result.exit_code == 0, result.output
    report = ev.current_report(PERIOD)
    assert report is not None and report.pdf_sha256 in result.output
    assert db.session.execute(sa.select(AuditEntry.username).where(
        AuditEntry.action == "generate")).scalar() == user_of("head_of_division").username
    refused = runner.invoke(args=["evaluation", "generate", "--month", "10-2026"])
    assert refused.exit_code != 0 and "YYYY-MM" in refused.output


def test_every_breach_is_listed_with_its_reason(head_of_office, client, cheap_pdf):
    from models.office_time import simulated
    from tests.models.test_evaluation_figures import NOW, build_october

    with simulated(lambda: NOW):
        build_october()
        report = ev.generate(PERIOD, user_of("head_of_division"))
    page = client.get(f"/admin/evaluations/breaches/?id={report.id}").get_data(as_text=True)
    rows = re.findall(r"<td>(P-A\d)</td>", page)
    assert rows == ["P-A2", "P-A4"]
    assert 'data-testid="breaches-next"' not in page
    assert client.get(f"/admin/evaluations/breaches/?id={report.id}&page=abc").status_code \
        == 200


def test_generation_in_the_background_writes_its_progress(head_of_division, client, app,
                                                          cheap_pdf):
    """As in production: the request returns at once, a thread computes and writes the
    row; the page then shows the result."""
    import threading

    app.config["EVALUATION_IN_BACKGROUND"] = True
    try:
        response = head_of_division.post("/admin/evaluations/generate/", {"month": PERIOD},
                                         token_from="/admin/evaluations/")
    finally:
        app.config.pop("EVALUATION_IN_BACKGROUND")
    report_id = _report_id(response)
    (worker,) = [t for t in threading.enumerate() if t.name == f"evaluation-{report_id}"] \
        or [None]
    if worker is not None:
        worker.join(60)
        assert not worker.is_alive()
    db.session.expire_all()
    status = client.get(f"/admin/evaluations/status/?id={report_id}").get_json()
    assert status == {"status": "generated", "label": "Sudah dibuat, menunggu diajukan",
                      "progress": 100, "error": None}
