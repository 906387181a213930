"""The survey's public pages: the QR link and the kiosk, bad input of every kind (clear
message, nothing stored, nothing echoed), one answer per handover, the rate limit, and
nothing personal on any page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from models import db
from models.survey import ELEMENTS, SurveyResponse, survey_code
from tests.factories import csrf_from
from tests.models.test_survey import handed_over_cards


def stored() -> int:
    return db.session.execute(sa.select(sa.func.count(SurveyResponse.id))).scalar_one()


def text(response) -> str:
    return response.get_data(as_text=True)


LANGUAGE_SWITCH = re.compile(r'<form[^>]*language-switch.*?</form>', re.S)


def content(response) -> str:
    """The page without the language switch (which carries the page's own address)."""
    return LANGUAGE_SWITCH.sub("", text(response))


def answers(score: int = 4, **extra) -> dict[str, str]:
    return {**{e: str(score) for e in ELEMENTS}, **extra}


def post(client, path: str, data: dict, csrf: bool = True, **kw):
    data = dict(data)
    if csrf:
        data["csrf_token"] = csrf_from(text(client.get(path, **kw)))
    return client.post(path, data=data, **kw)


@pytest.fixture
def card_code(app):
    (card,) = handed_over_cards(app, 1, secret=app.config["SECRET_KEY"])
    return card, survey_code(card, app.config["SECRET_KEY"])


def test_the_receipts_link_opens_nine_questions_and_nothing_personal(client, card_code):
    card, code = card_code
    response = client.get(f"/survey/{code}")
    page = text(response)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert page.count('data-testid="question-') == 9
    for wording in ("Persyaratan", "Sangat sesuai", "Tidak mudah", "Gratis",
                    "Sopan dan ramah", "Dikelola dengan baik"):
        assert wording in page, wording
    applicant = card.application.applicant
    for personal in (applicant.name, "RAMBU HAPU", applicant.nik, applicant.nik[-4:],
                     card.blank.serial, card.application.number, "RA***"):
        assert personal not in page, personal


def test_an_answer_is_stored_once_then_refused(client, card_code):
    card, code = card_code
    response = post(client, f"/survey/{code}", answers(3, suggestion="Antrean cepat"))
    assert response.status_code == 302 and response.location.endswith("/survey/thanks")
    thanks = client.get(response.location)
    assert "Terima kasih" in text(thanks) and "Refresh" not in thanks.headers
    (answer,) = db.session.execute(sa.select(SurveyResponse)).scalars()
    assert answer.card_id == card.id and answer.channel == "qr"
    assert answer.suggestion == "Antrean cepat" and answer.staff_conduct == 3
    again = client.get(f"/survey/{code}")
    assert again.status_code == 409 and "sudah diisi" in text(again)
    assert 'data-testid="survey-form"' not in text(again)
    assert post(client, f"/survey/{code}", answers(1)).status_code == 409
    assert stored() == 1


def test_the_kiosk_takes_the_typed_code_and_starts_again(client, card_code):
    _card, code = card_code
    typed = " " + code.lower().replace("-", " ") + " "
    response = post(client, "/survey", {"code": typed})
    assert response.status_code == 302
    assert response.location.endswith(f"/survey/{code}?kiosk=1")
    done = post(client, f"/survey/{code}?kiosk=1", answers(2))
    assert done.status_code == 302 and done.location.endswith("/survey/thanks?kiosk=1")
    thanks = client.get(done.location)
    assert thanks.headers["Refresh"].endswith("url=/survey")
    assert 'data-testid="survey-next"' in text(thanks)
    assert db.session.execute(sa.select(SurveyResponse.channel)).scalar_one() == "kiosk"


BAD_TYPED = [
    ("SKM-1-AAAA-AAAA", "tidak berlaku"),
    ("<script>alert(1)</script>", "Ketik kode survei"),
    ("A" * 300, "Ketik kode survei"),
    ("", "Ketik kode survei"),
]


def test_the_kiosk_refuses_bad_codes_without_echoing_them(client, card_code):
    for typed, message in BAD_TYPED:
        response = post(client, "/survey", {"code": typed})
        page = text(response)
        assert response.status_code == 400 and message in page, typed
        assert "<script>alert" not in page and "A" * 50 not in page
        if typed:
            assert f'value="{typed}"' not in page


BAD_PATHS = ["/survey/SKM-1-AAAA-AAAA", "/survey/%3Cscript%3Ealert(1)%3C/script%3E",
             "/survey/" + "A" * 500, "/survey/SKM-\u00e9-0000-0000"]


def test_unknown_and_malformed_codes_in_the_address(client, card_code):
    for path in BAD_PATHS:
        response = client.get(path)
        page = content(response)
        assert response.status_code == 404 and "tidak berlaku" in page, path
        assert "<script>alert" not in page and "A" * 50 not in page
    assert stored() == 0


BAD_ANSWERS = [
    (answers(fee="0"), "error-fee"),
    (answers(time="5"), "error-time"),
    (answers(product="sangat"), "error-product"),
    ({e: "4" for e in ELEMENTS if e != "facilities"}, "error-facilities"),
    (answers(suggestion="x" * 501), "error-suggestion"),
    (answers(suggestion="<script>alert(1)</script>"), "tanpa tag HTML"),
    (answers(suggestion="Bagus\x00"), None),  # refused whole by the app (400)
]


def test_bad_answers_are_refused_and_nothing_is_stored(client, card_code):
    _card, code = card_code
    for data, shown in BAD_ANSWERS:
        response = post(client, f"/survey/{code}", data)
        page = text(response)
        assert response.status_code == 400, shown
        assert shown is None or shown in page, shown
        assert "<script>alert" not in page
    assert stored() == 0


def test_a_missing_answer_reads_as_a_clear_message(client, card_code):
    _card, code = card_code
    page = text(post(client, f"/survey/{code}", answers(requirements="")))
    assert "Pilih salah satu dari empat jawaban" in page


def test_without_csrf_nothing_is_stored(client, card_code):
    _card, code = card_code
    response = post(client, f"/survey/{code}", answers(), csrf=False)
    assert response.status_code == 400 and stored() == 0
    assert "kedaluwarsa" in text(response)  # reload and send again


def test_answers_are_rate_limited_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_SURVEY_LIMIT", "2 per minute")
    for _ in range(2):
        assert post(client, "/survey", {"code": "SKM-1-AAAA-AAAA"}).status_code == 400
    refused = post(client, "/survey", {"code": "SKM-1-AAAA-AAAA"})
    assert refused.status_code == 429 and "Terlalu banyak permintaan" in text(refused)
    assert client.get("/survey").status_code == 200  # the entry itself still opens


def test_english_switch(client, card_code):
    _card, code = card_code
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = text(client.get(f"/survey/{code}"))
    assert "Very appropriate" in page and "Satisfaction survey" in page
