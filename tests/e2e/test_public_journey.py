"""A resident without an account, on a phone (360 px wide): files a complaint through
the website and sees its ticket; scans the QR code of a handover receipt and sees that
it is valid (Sah)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from models import Complaint, db
from tests.e2e.conftest import scanned_handover_receipt, ui_text
from tests.public.test_public import handed_over_card

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    """This module's pages open on a phone-sized screen."""
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True,
            "has_touch": True, "device_scale_factor": 2}


def fits_the_screen(page: Page) -> None:
    """Nothing is wider than the phone: no sideways scrolling."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def test_resident_files_a_complaint_on_a_phone_and_sees_its_ticket(app, page: Page,
                                                                   results_dir) -> None:
    page.goto("/")
    fits_the_screen(page)
    page.get_by_role("link", name=ui_text("Pengaduan", "Complaints")).first.click()
    expect(page).to_have_url(re.compile(r"/complaint$"))
    fits_the_screen(page)
    # The honeypot stays out of a person's way.
    expect(page.locator("input[name=website]")).not_to_be_in_viewport()
    page.get_by_label(ui_text("Perihal", "Subject")).fill("Antrean terlalu lama")
    page.get_by_label(ui_text("Pengaduan, saran atau masukan Anda",
                              "Your complaint, suggestion or input")).fill(
        "Saya menunggu tiga jam di loket perekaman.")
    page.get_by_label(ui_text("Telepon, WhatsApp atau e-mail (boleh dikosongkan)",
                              "Phone, WhatsApp or e-mail (optional)")).fill("081234567890")
    page.get_by_role("button", name=ui_text("Kirim", "Send")).click()

    expect(page).to_have_url(re.compile(r"/complaint/ADU-\d{4}-\d{4}$"))
    ticket = page.url.rsplit("/", 1)[1]
    expect(page.get_by_test_id("ticket")).to_have_text(ticket)
    expect(page.get_by_test_id("complaint-status")).to_have_text(ui_text("Baru", "New"))
    expect(page.locator("body")).not_to_contain_text("081234567890")
    fits_the_screen(page)
    page.screenshot(path=str(results_dir / "public-complaint-ticket-360.png"),
                    full_page=True)
    db.session.rollback()
    stored = db.session.execute(sa.select(Complaint)).scalar_one()
    assert (stored.ticket, stored.channel, stored.contact) == (ticket, "web",
                                                               "081234567890")
    db.session.rollback()

    # Later, the resident follows it with the ticket number alone.
    page.goto("/complaint")
    page.get_by_label(ui_text("Nomor tiket", "Ticket number")).fill(ticket.lower())
    page.get_by_role("button", name=ui_text("Tampilkan", "Show")).click()
    expect(page).to_have_url(re.compile(rf"/complaint/{ticket}$"))
    expect(page.get_by_test_id("no-response")).to_be_visible()
    for path in ("/status", "/stock"):
        page.goto(path)
        fits_the_screen(page)


def test_resident_scans_the_handover_qr_code_and_sees_valid(app, page: Page, live_server,
                                                           monkeypatch, tmp_path) -> None:
    # The office's public address is this test's server.
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server.url)
    card = handed_over_card(app)
    serial = card.blank.serial
    codes = scanned_handover_receipt(card, tmp_path)
    db.session.rollback()
    # The receipt's other QR code is the satisfaction survey's (test_survey_journey).
    (scanned,) = [c for c in codes if c.startswith(live_server.url + "/verify/")]

    page.goto(scanned)
    expect(page.get_by_test_id("verify-valid")).to_contain_text(ui_text("Sah", "Valid"))
    expect(page.get_by_test_id("verify-details")).to_contain_text(serial)
    fits_the_screen(page)

