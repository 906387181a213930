"""The administrator changes the office's WhatsApp number in the service standard,
previews the public page, goes back to edit with the form kept, publishes; the public
page shows the new number once, in the channel list and in A6."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_admin_previews_edits_again_and_publishes(page: Page, log_in, ui, results_dir):
    log_in("admin")
    page.goto("/admin/servicestandard/new/")
    whatsapp = page.locator("select[name$='-kind']").filter(
        has=page.locator("option[value=whatsapp]:checked"))
    expect(whatsapp).to_have_count(1)
    row = whatsapp.get_attribute("name").rsplit("-", 1)[0]
    page.fill(f"input[name='{row}-contact']", "0813-3999-0000")
    page.fill("textarea[name='component_B8-text']", "Setiap bulan, dilaporkan ke Kepala Dinas.")
    page.screenshot(path=str(results_dir / "standard-form.png"), full_page=True)

    page.get_by_test_id("preview").click()
    preview = page.get_by_test_id("standard-preview")
    expect(preview).to_be_visible()
    expect(preview.get_by_test_id("channels")).to_contain_text("WhatsApp: 081339990000")
    expect(preview.get_by_test_id("component-A6")).to_contain_text("081339990000")
    expect(preview.get_by_test_id("free-of-charge")).to_contain_text(
        ui("Gratis / tanpa biaya", "Free / no charge"))
    page.screenshot(path=str(results_dir / "standard-preview.png"), full_page=True)

    page.get_by_test_id("back-to-edit").click()
    expect(page.locator(f"input[name='{row}-contact']")).to_have_value("0813-3999-0000")  # as typed
    expect(page.locator("textarea[name='component_B8-text']")).to_have_value(
        "Setiap bulan, dilaporkan ke Kepala Dinas.")

    page.get_by_test_id("preview").click()
    page.get_by_test_id("publish").click()
    expect(page).to_have_url(re.compile(r"/admin/servicestandard/"))

    page.goto("/")
    expect(page.get_by_test_id("channels")).to_contain_text("WhatsApp: 081339990000")
    expect(page.get_by_test_id("component-B8")).to_contain_text("Setiap bulan")
    assert not re.search(r"0812376344(?!\d)", page.content())
