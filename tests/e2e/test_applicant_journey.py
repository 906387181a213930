"""A recording operator at the counter, in a real browser, in Indonesian (the default).

Flask-Admin's own words ("Tambah", "Simpan", "Data berhasil ditambahkan.") come from
its Indonesian catalog (translations/id/LC_MESSAGES/admin.po). Our own labels are
Indonesian once translations/id/LC_MESSAGES/messages.po exists; until then they are
the English msgids, and `ui()` expects those instead.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from models import Applicant, db, editing
from tests.factories import user_of

pytestmark = pytest.mark.e2e

TEXT_FIELDS = ("nik", "kk_number", "name", "birth_place", "address", "rt", "rw", "phone")
SELECT_FIELDS = ("sex", "blood_type", "religion", "marital_status", "occupation",
                 "citizenship", "village_code")


def count_applicants() -> int:
    """Counted in the test process, through its own session, on what is committed."""
    db.session.rollback()  # no snapshot left over from an earlier read
    try:
        return db.session.execute(sa.select(sa.func.count(Applicant.id))).scalar_one()
    finally:
        db.session.rollback()  # hold no transaction while the server writes


def add_applicant(**fields: object) -> None:
    """An applicant already on file, saved the way the screens save one (and committed)."""
    editing.create(user_of("recording_operator"), Applicant(**fields))
    db.session.remove()


def choose(page: Page, field: str, value: str) -> None:
    """Pick an option of a <select>, whether or not Flask-Admin dressed it in select2.

    select2 keeps the original <select> in the DOM (hidden off-screen) and follows
    its `change` event, which select_option fires; so we set the real select, the
    one the form posts, and check it took the value.
    """
    select = page.locator(f"select#{field}")
    select.select_option(value)
    expect(select).to_have_value(value)


def fill_f102(page: Page, data: dict[str, str]) -> None:
    for field in TEXT_FIELDS:
        page.locator(f"#{field}").fill(data[field])
    # A text field in DD-MM-YYYY whatever the browser's locale (forms.i18n.DateText).
    page.locator("#birth_date").fill(date.fromisoformat(data["birth_date"]).strftime("%d-%m-%Y"))
    for field in SELECT_FIELDS:
        choose(page, field, data[field])


def save(page: Page) -> None:
    page.get_by_role("button", name="Simpan", exact=True).click()
    page.wait_for_load_state()


def expect_nik_refused(page: Page, message_part: str) -> None:
    """The error sits under the NIK input, in Flask-Admin's Bootstrap 4 markup."""
    expect(page).to_have_url(re.compile(r"/admin/applicant/new/"))
    nik = page.locator("input#nik")
    expect(nik).to_have_class(re.compile(r"\bis-invalid\b"))
    feedback = page.locator(".form-group", has=nik).locator(".invalid-feedback")
    expect(feedback).to_be_visible()
    expect(feedback).to_contain_text(message_part)
    # Only the NIK is wrong: no other field is marked, nothing was saved.
    expect(page.locator(".is-invalid")).to_have_count(1)
    expect(page.locator(".alert-success")).to_have_count(0)


def test_operator_records_an_applicant_after_fixing_a_bad_nik(page: Page, log_in, ui,
                                                                results_dir, applicant_data):
    # Two residents already on file: one shares the first 15 digits of the new NIK,
    # so only an exact NIK search shows a single row.
    add_applicant(nik="5311015708900002", kk_number=applicant_data["kk_number"],
                  name="MARTA UMBU HAPU", birth_place="WAINGAPU", birth_date=date(1990, 8, 17),
                  sex="2", blood_type="4", religion="2", marital_status="1", occupation="9",
                  citizenship="1", address="JL. AHMAD YANI NO. 5", rt="003", rw="002",
                  village_code="53.11.01.1001")
    add_applicant(nik="5311021203850002", kk_number="5311020101100003",
                  name="UMBU NDAKULARAK", birth_place="MELOLO", birth_date=date(1985, 3, 12),
                  sex="1", blood_type="1", religion="1", marital_status="2", occupation="9",
                  citizenship="1", address="KAMPUNG RAJA", rt="001", rw="001",
                  village_code="53.11.08.2002")
    assert count_applicants() == 2

    # --- log in, in Indonesian ---
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        ui("Masuk sebagai petugas", "Staff login"))
    log_in()
    expect(page.get_by_test_id("current-user")).to_contain_text("PEGAWAI RECORDING_OPERATOR")
    expect(page.get_by_role("button", name=ui("Keluar", "Log out"))).to_be_visible()

    # --- Pelayanan → Pemohon → Tambah ---
    menu = page.locator("#admin-navbar-collapse")
    menu.get_by_role("link", name=ui("Pelayanan", "Service"), exact=True).click()
    menu.get_by_role("link", name=ui("Pemohon", "Applicants"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/applicant/$"))
    page.locator(".nav-tabs").get_by_role("link", name="Tambah", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/applicant/new/"))
    expect(page.locator("label[for=name]")).to_contain_text(ui("Nama", "Name"))
    expect(page.locator("label[for=birth_date]")).to_contain_text(
        ui("Tanggal lahir", "Date of birth"))
    expect(page.get_by_role("button", name="Simpan", exact=True)).to_be_visible()

    # --- a NIK with serial 0000: refused by the form, next to the field ---
    fill_f102(page, dict(applicant_data, nik="5311015708900000"))
    save(page)
    expect_nik_refused(page, "0000")
    assert count_applicants() == 2

    # --- a NIK whose birth date (18-08-90) is not the one entered (17-08-1990):
    #     refused by the domain check, still next to the NIK field ---
    page.locator("#nik").fill("5311015808900001")
    expect(page.locator("#birth_date")).to_have_value("17-08-1990")  # the rest was kept
    expect(page.locator("#village_code")).to_have_value(applicant_data["village_code"])
    save(page)
    expect_nik_refused(page, "18-08-90")
    assert count_applicants() == 2
    page.screenshot(path=str(results_dir / "applicant_nik_refused.png"), full_page=True)

    # --- the right NIK: saved ---
    page.locator("#nik").fill(applicant_data["nik"])
    save(page)
    expect(page).to_have_url(re.compile(r"/admin/applicant/(\?.*)?$"))
    expect(page.locator(".alert-success")).to_contain_text("Data berhasil ditambahkan.")
    assert count_applicants() == 3
    db.session.rollback()
    saved = db.session.execute(
        sa.select(Applicant).where(Applicant.nik == applicant_data["nik"])).scalar_one()
    assert (saved.name, saved.birth_date, saved.rt) == ("MARIA UMBU HAPU",
                                                        date(1990, 8, 17), "003")
    db.session.rollback()

    # --- search by the full NIK: exactly that row ---
    search = page.locator("form[role=search] input[name=search]")
    expect(search).to_have_attribute("placeholder", ui("NIK, KK atau bagian mana pun dari nama",
                                                 "NIK, KK or any part of the name"))
    search.fill(applicant_data["nik"])
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]search=" + applicant_data["nik"]))
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(applicant_data["nik"])
    expect(rows.first).to_contain_text("MARIA UMBU HAPU")
    expect(rows.first).to_contain_text("17-08-1990")
    expect(page.locator("table.model-list")).not_to_contain_text("5311015708900002")
    expect(page.locator("table.model-list")).not_to_contain_text("UMBU NDAKULARAK")

    page.screenshot(path=str(results_dir / "applicant_found.png"), full_page=True)


def test_back_office_pages_declare_their_language(page: Page, log_in):
    log_in()
    page.goto("/admin/applicant/")
    expect(page.locator("html")).to_have_attribute("lang", "id", timeout=1_000)
