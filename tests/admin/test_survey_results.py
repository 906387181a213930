"""The SKM results screen: the oversight roles see respondents, NRR, IKM and grade for
a period (DD-MM-YYYY, this month by default) and export the table; nobody else does;
no answer is ever shown with a name."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from models import AuditEntry, db
from models.office_time import format_date, office_today, simulated, utcnow
from models.survey import ELEMENTS, submit_response, survey_code
from tests.models.test_survey import handed_over_cards


def answered(app, scores: tuple[int, ...], at=None) -> list:
    cards = handed_over_cards(app, len(scores), secret=app.config["SECRET_KEY"])
    moment = at or utcnow()
    for card, score in zip(cards, scores, strict=True):
        with simulated(lambda: moment):
            submit_response(survey_code(card, app.config["SECRET_KEY"]),
                            dict.fromkeys(ELEMENTS, score), secret=app.config["SECRET_KEY"],
                            suggestion="Ruang tunggu panas")
    return cards


def test_the_head_of_division_sees_this_months_figures(app, client, head_of_division):
    cards = answered(app, (4, 3))
    response = client.get("/admin/survey/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="respondents">2<' in page
    assert 'data-testid="nrr-U1">3.500<' in page
    assert 'data-testid="ikm">87.50<' in page and 'data-testid="grade">B (Baik)' in page
    assert 'data-testid="survey-chart"' in page and "data:image/svg+xml;base64," in page
    assert "Persyaratan" in page and format_date(office_today().replace(day=1)) in page
    for card in cards:  # aggregates and bare suggestions: no name, no receipt
        assert card.application.applicant.name not in page
        assert card.application.number not in page
        assert card.blank.serial not in page
    listed = page.split('data-testid="survey-suggestions">', 1)[1].split("</ul>", 1)[0]
    assert listed.count("<li") == 2 and "Ruang tunggu panas" in listed


def test_another_period_and_a_bad_date(app, client, secretary):
    answered(app, (2,), at=utcnow() - timedelta(days=400))
    old = office_today() - timedelta(days=400)
    asked = client.get(f"/admin/survey/?start={format_date(old)}&end={format_date(old)}")
    assert 'data-testid="respondents">1<' in asked.get_data(as_text=True)
    assert 'data-testid="grade">C' not in asked.get_data(as_text=True)  # 50.00 is D
    assert 'data-testid="grade">D' in asked.get_data(as_text=True)
    this_month = client.get("/admin/survey/?start=99-99-2026&end=")
    page = this_month.get_data(as_text=True)
    assert this_month.status_code == 200 and 'data-testid="no-answers"' in page
    backwards = client.get(f"/admin/survey/?start={format_date(office_today())}"
                           f"&end={format_date(old)}")
    assert "berakhir sebelum dimulai" in backwards.get_data(as_text=True)


def test_the_export_is_the_aggregate_table_and_is_audited(app, client, head_of_office):
    answered(app, (4, 4, 3))
    response = client.get("/admin/survey/export/csv/")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1 + 9 + 3
    assert rows[1][1:] == ["U1", "Persyaratan", "3.667"]
    assert rows[10][1:] == ["IKM", "Indeks Kepuasan Masyarakat (IKM)", "91.67"]
    assert rows[11][3] == "A" and rows[12][3] == "3"
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "export", AuditEntry.object_type == "survey_response")
    ).scalar_one()
    assert entry.changes["format"] == "csv"
    xlsx = client.get("/admin/survey/export/xlsx/")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert client.get("/admin/survey/export/pdf/").status_code == 404


def test_operators_and_residents_are_refused(app, client, auth):
    assert client.get("/admin/survey/").status_code == 302  # to the login
    auth.login("recording_operator")
    assert client.get("/admin/survey/").status_code == 403
    assert client.get("/admin/survey/export/csv/").status_code == 403
