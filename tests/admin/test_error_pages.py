"""Errors speak the office's language and change nothing."""

import io

import sqlalchemy as sa

from models import Application, db


def test_csrf_failure_explains_and_saves_nothing(client, applicant_data):
    response = client.post("/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "kedaluwarsa" in html.lower() or "expired" in html.lower()


def test_forbidden_page_is_indonesian(secretary):
    response = secretary.client.get("/admin/user/")
    assert response.status_code == 403
    assert "Akses ditolak" in response.get_data(as_text=True)


def test_not_found_page(client):
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert "tidak ditemukan" in response.get_data(as_text=True).lower()


def test_oversized_upload_gets_a_clear_message(recording_operator):
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * (7 * 1024 * 1024))
    response = recording_operator.client.post(
        "/admin/intake/", data={"kk_copy": (big, "kk.pdf"), "f102_complete": "y"},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "5 MB" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(Application.id))).scalar() == 0


def test_healthz_stays_json(client):
    assert client.get("/healthz").is_json
