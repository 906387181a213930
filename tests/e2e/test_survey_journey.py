"""A resident scans the survey QR code on the handover receipt with a phone (360 px),
answers the nine questions and is thanked; the answer is stored, from the QR."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from models import db
from models.survey import ELEMENTS, SurveyResponse
from tests.e2e.conftest import scanned_handover_receipt, ui_text
from tests.e2e.test_public_journey import PHONE, fits_the_screen
from tests.public.test_public import handed_over_card

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True,
            "has_touch": True, "device_scale_factor": 2}


def test_resident_answers_the_survey_from_the_receipts_qr_code(app, page: Page, live_server,
                                                              monkeypatch, tmp_path,
                                                              results_dir) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server.url)
    card = handed_over_card(app)
    card_id, name = card.id, card.application.applicant.name
    codes = scanned_handover_receipt(card, tmp_path)
    db.session.rollback()
    (scanned,) = [c for c in codes if c.startswith(live_server.url + "/survey/SKM-")]

    page.goto(scanned)
    expect(page.get_by_test_id("survey-form")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(name)
    fits_the_screen(page)
    page.screenshot(path=str(results_dir / "public-survey-form-360.png"), full_page=True)
    for element in ELEMENTS[:-1]:
        page.get_by_test_id(f"question-{element}").locator("input[type=radio]").nth(3).check()
    page.get_by_test_id("question-complaint_handling").get_by_label(
        ui_text("Dikelola dengan baik", "Handled well")).check()
    page.get_by_label(ui_text("Saran (tidak wajib)", "Suggestion (optional)")).fill(
        "Ruang tunggu mohon ditambah kursi.")
    page.get_by_role("button", name=ui_text("Kirim jawaban saya", "Send my answers")).click()
    expect(page).to_have_url(re.compile(r"/survey/thanks$"))
    expect(page.get_by_test_id("survey-thanks")).to_be_visible()
    fits_the_screen(page)
    page.screenshot(path=str(results_dir / "public-survey-thanks-360.png"), full_page=True)

    db.session.rollback()
    (answer,) = db.session.execute(sa.select(SurveyResponse)).scalars()
    assert answer.card_id == card_id and answer.channel == "qr"
    assert [getattr(answer, e) for e in ELEMENTS] == [4] * 9
    db.session.rollback()
