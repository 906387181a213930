"""A print batch in Chromium, with two logins: the printing operator drafts and
submits it, the head of division approves it, the operator prints it (PDF), marks one
card spoiled and the others good, and hands a card over from custody."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from models import Blank, Card, PrintBatch, Printer, db, editing
from tests.factories import print_ready, receive, user_of

pytestmark = pytest.mark.e2e


def shot(page: Page, directories: tuple[Path, ...], name: str) -> None:
    """Screenshots for a human to look at: test-results/ (kept) and tmp_path."""
    data = page.screenshot(full_page=True)
    for directory in directories:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(data)


def read(query):
    """Read in the test process what the server committed, holding no transaction."""
    db.session.rollback()
    try:
        return db.session.execute(query).all()
    finally:
        db.session.rollback()


def log_out(page: Page) -> None:
    page.locator("form[action='/logout'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_print_batch_journey(app, page: Page, log_in, results_dir, tmp_path):
    receive(100, 10)
    applications = print_ready(app, 3)
    numbers = [a.number for a in applications]
    editing.create(user_of("printing_operator"),
                Printer(name="EVOLIS PRIMACY 1", offset_x_mm=0.5, offset_y_mm=-0.25))
    db.session.remove()
    shots = (results_dir, tmp_path)

    # Printing operator: select the print-ready applications, "Add to print batch".
    log_in("printing.operator")
    page.goto("/admin/application/?flt0_status_equals=print_ready")
    for number in numbers:
        page.locator(f"tr:has-text('{number}') input.action-checkbox").check()
    action = page.locator('a[data-action="application.add_to_batch"]')
    page.locator('li.dropdown:has(a[data-action="application.add_to_batch"]) > a').click()
    page.once("dialog", lambda dialog: dialog.accept())
    action.click()
    link = page.get_by_test_id("batch-link")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/admin/printbatch/details/\?id=\d+"))
    batch_url = page.url
    for number in numbers:
        expect(page.get_by_test_id("batch-applications")).to_contain_text(number)
    page.get_by_test_id("step-submit").locator("button[type=submit]").click()
    expect(page.get_by_test_id("batch-status")).to_have_attribute("data-status", "submitted")
    expect(page.get_by_test_id("step-decide")).to_have_count(0)
    log_out(page)

    # Head of division: the pending list, then approve.
    log_in("head.of.division")
    page.goto("/admin/pending-batches/")
    ((number,),) = read(sa.select(PrintBatch.number))
    page.locator(f'tr[data-number="{number}"] a').first.click()
    decide = page.get_by_test_id("step-decide")
    decide.locator("#note").fill("Data sudah dicek, lanjutkan")
    decide.get_by_test_id("approve").click()
    expect(page.get_by_test_id("batch-status")).to_have_attribute("data-status", "approved")
    expect(page.get_by_test_id("decision")).to_contain_text("lanjutkan")
    log_out(page)

    # Printing operator: print on the calibrated printer; the PDF downloads.
    log_in("printing.operator")
    page.goto(batch_url)
    form = page.get_by_test_id("step-print")
    expect(form.get_by_test_id("blank-need")).to_contain_text("3")
    form.locator("#printer_id").select_option(index=1)  # the one registered printer
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("batch-status")).to_have_attribute("data-status", "printed")
    rows = page.get_by_test_id("batch-cards").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-serial", "0000000100")

    with page.expect_download() as download:
        page.get_by_test_id("download-pdf").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    href = page.get_by_test_id("download-pdf").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body() == pdf  # the stored file, not a new print
    shot(page, shots, "print-journey-batch-printed.png")

    # Confirm: the first card spoiled, the other two good.
    cards = read(sa.select(Card.id).order_by(Card.id))
    spoiled_id, *good_ids = [c for (c,) in cards]
    spoiled = page.get_by_test_id(f"confirm-spoiled-{spoiled_id}")
    spoiled.locator("input[name=reason]").fill("Foto bergeser, tinta luntur")
    spoiled.locator("button[type=submit]").click()
    expect(page.locator(f'tr[data-card="{spoiled_id}"] [data-testid="card-status"]')
           ).not_to_be_empty()
    for n, card_id in enumerate(good_ids, start=1):
        good = page.get_by_test_id(f"confirm-good-{card_id}")
        good.locator("input[name=storage_location]").fill(f"lemari a / rak {n}")
        good.locator("button[type=submit]").click()
        expect(page.get_by_test_id(f"confirm-good-{card_id}")).to_have_count(0)
    expect(page.get_by_test_id("batch-status")).to_have_attribute("data-status", "closed")
    expect(page.get_by_test_id("closed")).to_be_visible()
    shot(page, shots, "print-journey-batch-closed.png")
    statuses = dict(read(sa.select(Blank.serial, Blank.status)
                         .where(Blank.serial.in_(["0000000100", "0000000101",
                                                  "0000000102"]))))
    assert statuses == {"0000000100": "spoiled", "0000000101": "used", "0000000102": "used"}

    # Custody: two cards wait; hand one over to the applicant in person.
    page.goto("/admin/custody/")
    custody = page.get_by_test_id("custody")
    expect(custody.locator("tbody tr")).to_have_count(2)
    shot(page, shots, "print-journey-custody.png")
    page.get_by_test_id(f"handover-{good_ids[0]}").click()
    form = page.get_by_test_id("handover-form")
    form.locator("#receiver_name").fill("UMBU NOMOR B")
    form.locator("#relation").select_option("self")
    form.locator("#id_checked").check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/custody/$"))
    receipt = page.get_by_test_id("handover-receipt")
    expect(receipt).to_be_visible()
    expect(page.get_by_test_id("custody").locator("tbody tr")).to_have_count(1)
    response = page.request.get(receipt.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    shot(page, shots, "print-journey-custody-after-handover.png")
    ((status,),) = read(sa.select(Card.status).where(Card.id == good_ids[0]))
    assert status == "handed_over"
