"""A new secretary's account in Chromium, as issue 9 wants it: the administrator creates
it and hands over an activation code, the head of office confirms the role, the
secretary sets their own password, sets up the authenticator app from the QR page (the
code computed with pyotp, as the phone would), writes down the recovery codes, and
logs in again with the app and then with a recovery code."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from models import User, db

pytestmark = pytest.mark.e2e

PASSWORD = "bunga sepatu di halaman kantor 9"


def log_out(page: Page) -> None:
    page.locator("form[action='/logout'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def password_step(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()


def test_totp_enrolment_and_login(app, page: Page, log_in, results_dir: Path) -> None:
    # The administrator creates the account: no password field, a code shown once.
    log_in("admin")
    page.goto("/admin/user/new/")
    expect(page.locator("input[type=password]")).to_have_count(0)
    page.get_by_label("Nama pengguna").fill("sekretaris.baru")
    page.get_by_label("Nama lengkap").fill("MARTHA RAMBU KAHI")
    page.get_by_label("Peran").select_option("secretary")
    page.locator("form.admin-form input[type=submit]").first.click()
    code = page.get_by_test_id("activation-code").inner_text().strip()
    assert re.fullmatch(r"[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}", code), code
    log_out(page)

    # The secretary sets their own password with the code.
    page.goto("/login")
    page.get_by_test_id("activate-link").click()
    page.get_by_label("Nama pengguna").fill("sekretaris.baru")
    page.get_by_label("Kode aktivasi").fill(code)
    page.get_by_label("Kata sandi baru", exact=True).fill(PASSWORD)
    page.get_by_label("Ulangi kata sandi baru").fill(PASSWORD)
    page.get_by_role("button", name="Buat kata sandi").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(".alert-success")).to_contain_text("Kata sandi Anda sudah dibuat")
    # (Until the head of office confirms, its login is refused: tests/test_accounts.py;
    # a refused login answers 401, which the browser reports as a console error.)

    # The head of office confirms the role from the list of requests.
    log_in("head.of.office")
    page.goto("/admin/rolegrant/")
    page.locator("tr:has-text('sekretaris.baru') input.action-checkbox").check()
    page.locator('li.dropdown:has(a[data-action="confirm"]) > a').click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator('a[data-action="confirm"]').click()
    expect(page.locator(".alert-success")).to_contain_text("dikonfirmasi")
    log_out(page)

    # First login: the authenticator app before anything else.
    password_step(page, "sekretaris.baru", PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/enrol$"))
    expect(page.get_by_test_id("totp-qr")).to_be_visible()
    page.screenshot(path=str(results_dir / "totp-enrolment.png"), full_page=True)
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Kode 6 angka yang tampil di aplikasi sekarang").fill(totp.now())
    page.get_by_role("button", name="Konfirmasi").click()
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_test_id("continue").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_test_id("current-user")).to_contain_text("Sekretaris")
    log_out(page)

    # Next login with the app's code (the next 30-second step: the enrolment's code
    # cannot be used twice), then with a recovery code.
    password_step(page, "sekretaris.baru", PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/totp$"))
    field = page.get_by_label("Kode dari aplikasi autentikator, atau kode pemulihan")
    field.fill(totp.at(int(time.time()) + 30))
    page.get_by_role("button", name="Lanjutkan").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    log_out(page)
    password_step(page, "sekretaris.baru", PASSWORD)
    page.get_by_label("Kode dari aplikasi autentikator, atau kode pemulihan").fill(codes[0])
    page.get_by_role("button", name="Lanjutkan").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator(".alert-warning")).to_contain_text("kode pemulihan")

    db.session.rollback()
    user = db.session.execute(db.select(User).filter_by(username="sekretaris.baru")
                              ).scalar_one()
    assert user.role == "secretary" and user.totp_enabled
    db.session.rollback()
