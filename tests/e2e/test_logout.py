"""Logging out at a shared counter PC: back to the login page, and the list is gone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

LOGIN_PAGE = re.compile(r"/login(\?|$)")


def test_log_out_then_back_button_and_list_need_login_again(page: Page, log_in, ui):
    log_in()
    page.goto("/admin/applicant/")
    expect(page.locator("table.model-list")).to_be_visible()

    # "Keluar" is a POST form in the navbar, with the CSRF token.
    logout = page.get_by_role("button", name=ui("Keluar", "Log out"), exact=True)
    expect(page.locator("form[action='/logout'] input[name=csrf_token]")).to_have_count(1)
    logout.click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(".alert-info")).to_contain_text(
        ui("Anda telah keluar.", "You have logged out."))
    expect(page.locator("input[name=username]")).to_be_visible()

    # The browser's back button: the list was `no-store`, so it is asked for again
    # and the server sends the login page instead of residents' data.
    page.go_back()
    expect(page).to_have_url(LOGIN_PAGE)
    expect(page.locator("input[name=username]")).to_be_visible()
    expect(page.locator("table.model-list")).to_have_count(0)

    # Opening the list directly also asks for a login, and comes back to it afterwards.
    page.goto("/admin/applicant/")
    expect(page).to_have_url(re.compile(r"/login\?next=.*admin.*applicant"))
    expect(page.locator("table.model-list")).to_have_count(0)
    expect(page.get_by_role("button", name=ui("Keluar", "Log out"))).to_have_count(0)
    page.get_by_label(ui("Nama pengguna", "Username")).fill("recording.operator")
    page.get_by_label(ui("Kata sandi", "Password")).fill(PASSWORD)
    page.get_by_role("button", name=ui("Masuk", "Log in"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/applicant/\??$"))
    expect(page.locator("table.model-list")).to_be_visible()
