"""The head of office closes last month in Chromium: logs in with the second factor,
sees the trend charts on the landing page, opens last month's evaluation (reviewed by
the secretary) from there, reads its PDF, and acknowledges it."""

from __future__ import annotations

import hashlib
import re

import pytest
from playwright.sync_api import Page, expect

from models import db
from models import evaluations as ev
from models.office_time import office_today
from tests.factories import user_of

pytestmark = pytest.mark.e2e


def test_head_of_office_acknowledges_last_month(app, page: Page, log_in) -> None:
    today = office_today()
    period = ev.period_of(*ev.previous_period(today.year, today.month))
    report = ev.generate(period, user_of("head_of_division"))
    ev.submit(report, user_of("head_of_division"))
    ev.review(report, user_of("secretary"))
    report_id = report.id
    db.session.commit()

    log_in("head.of.office")
    # The landing page: the last 12 months as charts (SVG), each with its table.
    trends = page.get_by_test_id("trends")
    expect(trends.locator("svg").first).to_be_visible()
    expect(trends.locator("table").first).to_be_attached()
    # The reviewed evaluation waits for the head of office: open it from there.
    page.get_by_test_id("evaluations").locator(f"li[data-period='{period}'] a").click()
    expect(page).to_have_url(re.compile(r"/admin/evaluations/report/\?"))
    expect(page.get_by_test_id("evaluation-status")).to_contain_text(
        "menunggu diketahui Kepala Dinas")
    # The PDF as the head of office's browser fetches it (with the session's cookie).
    href = page.get_by_test_id("evaluation-pdf").get_attribute("href")
    assert href
    pdf = page.request.get(href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    body = pdf.body()
    db.session.expire_all()
    reviewed = db.session.get(ev.EvaluationReport, report_id)
    assert body.startswith(b"%PDF") and hashlib.sha256(body).hexdigest() == \
        reviewed.pdf_sha256
    # Acknowledge: the month is closed, and says who did it.
    page.get_by_test_id("step-acknowledge").get_by_role("button").click()
    expect(page.get_by_test_id("evaluation-status")).to_contain_text("bulan ditutup")
    expect(page.get_by_test_id("signoff")).to_contain_text(
        user_of("head_of_office").full_name)
    expect(page.get_by_test_id("step-acknowledge")).to_have_count(0)
    db.session.expire_all()
    done = db.session.get(ev.EvaluationReport, report_id)
    assert done.status == "acknowledged" and done.acknowledged_by_id == user_of(
        "head_of_office").id
    assert ev.is_frozen(period)
