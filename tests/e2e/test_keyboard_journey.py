"""Keyboard-first counter work in Chromium (issue 11 items 3 and 5): intake with the
keyboard only, every shortcut, and dates typed as DD-MM-YYYY on an English browser."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from models import Applicant, Application, db
from tests.factories import PDF_BYTES, make_applicant

pytestmark = pytest.mark.e2e


def focused(page: Page, selector: str) -> None:
    expect(page.locator(selector)).to_be_focused()


def arrived(page: Page, url: str) -> None:
    """On the page and its scripts run (a key pressed earlier finds no listener)."""
    expect(page).to_have_url(re.compile(url))
    page.wait_for_load_state()


def choose_file_with_space(page: Page, path: Path) -> None:
    """Space on the focused file input opens the picker, as for a clerk (once the
    page's scripts have run: forms.js dresses the input on load)."""
    page.wait_for_load_state()
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(path))


def test_intake_to_a_recorded_application_with_the_keyboard_only(page: Page, log_in,
                                                                   tmp_path):
    applicant = make_applicant()
    nik = applicant.nik
    db.session.remove()
    kk = tmp_path / "kk.pdf"
    kk.write_bytes(PDF_BYTES)
    photo, signature = tmp_path / "foto.jpg", tmp_path / "ttd.png"
    Image.new("RGB", (300, 400), "#3060a0").save(photo, "JPEG")
    Image.new("RGB", (400, 150), "white").save(signature, "PNG")
    log_in("recording.operator")
    page.wait_for_load_state()

    # Alt+I: the intake; the NIK field has the focus. An unknown NIK, Enter: the
    # "register this resident" button has it, Alt+N would follow it.
    page.keyboard.press("Alt+i")
    arrived(page, r"/admin/intake/$")
    focused(page, "#nik")
    page.keyboard.type("5311019999990001")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("not-found")).to_be_visible()
    focused(page, '[data-testid="create-applicant"]')
    page.wait_for_load_state()

    # The resident on file: NIK, Enter, the intake form's first field has the focus.
    page.keyboard.press("Alt+i")
    arrived(page, r"/admin/intake/$")
    focused(page, "#nik")
    page.keyboard.type(nik)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("applicant")).to_be_visible()
    focused(page, "#f102_complete")
    expect(page.get_by_test_id("file-name-kk_copy")).to_have_text("Belum ada berkas dipilih")
    expect(page.locator(".file-picker-button")).to_have_text("Pilih berkas")
    page.keyboard.press("Space")
    expect(page.locator("#f102_complete")).to_be_checked()
    page.keyboard.press("Tab")
    focused(page, "#kk_copy")
    choose_file_with_space(page, kk)
    expect(page.get_by_test_id("file-name-kk_copy")).to_have_text("kk.pdf")
    page.keyboard.press("Alt+s")

    # The application page: the recording step's first field has the focus.
    expect(page).to_have_url(re.compile(r"/admin/application/details/\?id=\d+"))
    application_id = int(page.url.rsplit("=", 1)[1])
    expect(page.locator(".alert-success")).to_be_visible()
    focused(page, '[data-testid="step-record"] #photo')
    choose_file_with_space(page, photo)
    page.keyboard.press("Tab")
    focused(page, '[data-testid="step-record"] #signature')
    choose_file_with_space(page, signature)
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # fingerprints
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # iris
    page.keyboard.press("Tab")
    focused(page, '[data-testid="step-record"] button[type=submit]')
    page.keyboard.press("Enter")

    # Recorded; the next step (the SIAK result) has the focus now.
    expect(page.get_by_test_id("step-siak")).to_be_visible()
    page.wait_for_load_state()
    expect(page.locator('[data-testid="step-siak"] input').first).to_be_focused()
    # Alt+N: the next step form on the page (rejecting), its first field.
    page.keyboard.press("Alt+n")
    expect(page.locator('[data-testid="step-reject"] textarea, '
                        '[data-testid="step-reject"] input:not([type=hidden])').first
           ).to_be_focused()
    db.session.rollback()
    application = db.session.get(Application, application_id)
    assert application.applicant.nik == nik
    assert application.status == "recorded"
    assert application.recorded_at is not None
    db.session.rollback()


def test_every_shortcut(page: Page, log_in):
    make_applicant()
    db.session.remove()
    log_in("recording.operator")
    help_box = page.get_by_test_id("shortcut-help")

    # ? shows the list (Indonesian), Esc closes it and gives the focus back.
    page.goto("/admin/applicant/")
    page.wait_for_load_state()
    expect(help_box).to_be_hidden()
    page.keyboard.press("?")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Pintasan keyboard")
    for text in ("Kembali ke antrean kerja", "Simpan atau kirim formulir"):
        expect(help_box).to_contain_text(text)
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()

    # / goes to the list's search field; typed in a field, / and ? are just text.
    page.keyboard.press("/")
    search = page.locator("form[role=search] input[name=search]")
    expect(search).to_be_focused()
    page.keyboard.type("UMBU/?")
    expect(search).to_have_value("UMBU/?")
    expect(help_box).to_be_hidden()

    # Alt+Q: the work queue; Alt+I: the intake (even from inside a field).
    page.keyboard.press("Alt+q")
    arrived(page, r"/admin/queue/$")
    page.keyboard.press("Alt+i")
    arrived(page, r"/admin/intake/$")

    # Alt+N: the next step the page proposes (registering an unknown NIK).
    page.keyboard.type("5311019999990001")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("not-found")).to_be_visible()
    page.wait_for_load_state()
    page.keyboard.press("Alt+n")
    arrived(page, r"/admin/applicant/new/")

    # The NIK came along from the intake: the first field still empty has the focus.
    expect(page.locator("#nik")).to_have_value("5311019999990001")
    focused(page, "#kk_number")

    # Alt+S: the form is submitted (from inside a field), answered by the server
    # in Indonesian, not by a browser bubble.
    page.keyboard.press("Alt+s")
    page.wait_for_load_state()
    expect(page.locator("#name")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator(".form-group", has=page.locator("#name"))).to_contain_text(
        "Kolom ini wajib diisi.")
    focused(page, ".is-invalid >> nth=0")  # the first field in error has the focus

    # On a 360 px phone the list scrolls inside its box, never the page.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/admin/applicant/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator(".table-responsive").first
    assert box.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    assert box.evaluate("el => el.getBoundingClientRect().right") <= 360
    expect(page.locator("table.model-list td", has_text="5311015708900001")).to_be_visible()


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    """An English browser (its <input type=date> would be mm/dd/yyyy)."""
    return {**browser_context_args, "locale": "en-US"}


def test_dates_typed_dd_mm_yyyy_on_an_english_browser(page: Page, log_in, applicant_data):
    log_in("recording.operator")
    assert page.evaluate("navigator.language") == "en-US"
    page.goto("/admin/applicant/new/")
    birth = page.locator("#birth_date")
    expect(birth).to_have_attribute("type", "text")
    expect(birth).to_have_attribute("placeholder", "DD-MM-YYYY")

    # The picker: Indonesian names, keyboard only.
    birth.fill("17-08-1990")
    birth.press("Alt+ArrowDown")
    picker = page.get_by_test_id("datepicker")
    expect(picker).to_be_visible()
    expect(picker.locator("select").first.locator("option:checked")).to_have_text("Agustus")
    expect(picker.locator("th").first).to_have_text("Sen")
    focused(page, '[data-testid="datepicker"] button[data-date="17-08-1990"]')
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(picker).to_have_count(0)
    expect(birth).to_have_value("18-08-1990")
    focused(page, "#birth_date")

    # Typed without separators, it becomes DD-MM-YYYY when the field is left.
    birth.fill("")
    birth.type("17081990")
    page.locator("#birth_place").focus()
    expect(birth).to_have_value("17-08-1990")

    for field in ("nik", "kk_number", "name", "birth_place", "address", "rt", "rw"):
        page.locator(f"#{field}").fill(applicant_data[field])
    for field in ("sex", "blood_type", "religion", "marital_status", "occupation",
                  "citizenship", "village_code"):
        page.locator(f"select#{field}").select_option(applicant_data[field])
    page.locator("#birth_date").fill("17-08-1990")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/applicant/(\?.*)?$"))
    db.session.rollback()
    saved = db.session.execute(db.select(Applicant).filter_by(
        nik=applicant_data["nik"])).scalar_one()
    assert saved.birth_date == date(1990, 8, 17)
    db.session.rollback()
    expect(page.locator("table.model-list")).to_contain_text("17-08-1990")

    # The list filters on dates: DD-MM-YYYY with the same calendar, in the WITA day.
    page.goto("/admin/application/")
    arg = page.evaluate("""() => {
        const groups = JSON.parse(document.getElementById('filter-groups-data').textContent);
        for (const flts of Object.values(groups))
            for (const f of flts) if (f.type === 'office-date') return f.arg;
    }""")
    page.goto(f"/admin/application/?flt0_{arg}=17-08-1990")
    value = page.locator("#filter_form input.filter-val")
    expect(value).to_have_value("17-08-1990")
    expect(value).to_have_attribute("placeholder", "DD-MM-YYYY")
    expect(page.locator("#filter_form .datepicker-open")).to_be_visible()
