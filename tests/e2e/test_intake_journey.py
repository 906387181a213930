"""The recording operator takes a resident from intake to print-ready in Chromium, then
finds the application with its service clock in the work queue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from models import Application, db
from tests.factories import PDF_BYTES, make_applicant

pytestmark = pytest.mark.e2e


def wita(value) -> str:
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Makassar")).strftime(
        "%d-%m-%Y %H:%M")


def shot(page: Page, directories: tuple[Path, ...], name: str) -> None:
    """Screenshots for a human to look at: test-results/ (kept) and tmp_path."""
    data = page.screenshot(full_page=True)
    for directory in directories:
        directory.mkdir(parents=True, exist_ok=True)  # test-results/ may have been cleared
        (directory / name).write_bytes(data)


@dataclass(frozen=True)
class Seen:
    id: int
    number: str
    status: str
    nik: str
    deadline_at: datetime


def current(application_id: int) -> Seen:
    """Read in the test process what the server committed, holding no transaction."""
    db.session.rollback()
    try:
        a = db.session.get(Application, application_id)
        return Seen(a.id, a.number, a.status, a.applicant.nik, a.deadline_at)
    finally:
        db.session.rollback()


def test_intake_to_print_ready_and_the_queue_clock(page: Page, log_in, results_dir,
                                                     tmp_path):
    applicant = make_applicant()
    applicant_nik, applicant_name = applicant.nik, applicant.name
    db.session.remove()
    shots = (results_dir, tmp_path)
    kk = tmp_path / "kk.pdf"
    kk.write_bytes(PDF_BYTES)
    photo = tmp_path / "foto.jpg"
    face = Image.new("RGB", (300, 400), "#3060a0")
    ImageDraw.Draw(face).ellipse((70, 60, 230, 260), fill="#d9a066")
    face.save(photo, "JPEG")
    signature = tmp_path / "ttd.png"
    sign = Image.new("RGB", (400, 150), "white")
    ImageDraw.Draw(sign).line([(20, 120), (120, 30), (200, 110), (380, 40)], fill="black",
                              width=5)
    sign.save(signature, "PNG")

    log_in("recording.operator")

    # Intake: through the menu, find the resident by NIK.
    page.goto("/admin/")
    page.locator('nav li.dropdown:has(a[href="/admin/intake/"]) > a.dropdown-toggle').click()
    page.locator('nav a[href="/admin/intake/"]').click()
    expect(page).to_have_url(re.compile(r"/admin/intake/$"))
    page.fill("#nik", applicant_nik)
    page.locator('[data-testid="nik-search"] button[type=submit]').click()
    expect(page.get_by_test_id("applicant")).to_contain_text(applicant_name)
    page.check("#f102_complete")
    page.set_input_files("#kk_copy", str(kk))
    page.locator('[data-testid="intake-form"] button[type=submit]').click()

    expect(page).to_have_url(re.compile(r"/admin/application/details/\?id=\d+"))
    application = current(int(page.url.rsplit("=", 1)[1]))
    assert application.nik == applicant_nik
    expect(page.locator(".alert-success")).to_contain_text(application.number)
    expect(page.get_by_test_id("print-receipt")).to_be_visible()
    expect(page.get_by_test_id("deadline")).to_contain_text(wita(application.deadline_at))
    expect(page.get_by_test_id("kk-copy-link")).to_be_visible()

    # Recording: photo, signature, fingerprints, iris.
    form = page.get_by_test_id("step-record")
    form.locator("#photo").set_input_files(str(photo))
    form.locator("#signature").set_input_files(str(signature))
    form.locator("#fingerprints_captured").check()
    form.locator("#iris_captured").check()
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("step-siak")).to_be_visible()
    for testid in ("photo", "signature"):  # thumbnails come through the file route
        img = page.get_by_test_id(testid)
        expect(img).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=img.element_handle())

    # SIAK answered: ready to print.
    siak = page.get_by_test_id("step-siak")
    siak.locator("#result_print_ready").check()
    siak.locator("button[type=submit]").click()
    expect(page.get_by_test_id("step-siak")).to_have_count(0)
    application = current(application.id)
    assert application.status == "print_ready"
    shot(page, shots, "intake-journey-application.png")

    # The work queue shows the clock of the application.
    page.clock.install()
    page.goto("/admin/queue/?kecamatan=53.11.01")
    row = page.locator(f'tr[data-number="{application.number}"]')
    expect(row).to_be_visible()
    expect(row.get_by_test_id("deadline")).to_have_text(f"{wita(application.deadline_at)} WITA")
    expect(row.get_by_test_id("time-left")).not_to_be_empty()
    expect(row.get_by_test_id("time-left")).not_to_have_class(re.compile("overdue"))
    expect(page.get_by_test_id("refreshed")).to_be_visible()
    shot(page, shots, "intake-journey-queue.png")

    # 30 seconds later it reloads itself and keeps the filter.
    with page.expect_navigation():
        page.clock.run_for(31_000)
    expect(page).to_have_url(re.compile(r"/admin/queue/\?kecamatan=53\.11\.01$"))
    expect(page.locator("#kecamatan")).to_have_value("53.11.01")
    expect(page.locator(f'tr[data-number="{application.number}"]')).to_be_visible()
