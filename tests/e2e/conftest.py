"""Browser tests: the test `app` served on a free local port, driven by Debian's Chromium.

The `app` fixture of tests/conftest.py gives every test a clean database (committed,
so the server thread's own sessions see it: a file for SQLite, a server for
PostgreSQL). The server runs werkzeug in a daemon thread; each request pushes its own
app context, so it gets its own Flask-SQLAlchemy session, as in production.

Playwright never downloads a browser here: it starts /usr/bin/chromium. Under CI
(CI=true) a missing Chromium fails the run; elsewhere the tests are skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import BaseWSGIServer, make_server

from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results"
# Our own texts are Indonesian once the app's catalog exists; Flask-Admin's own
# ("Tambah", "Simpan") come from translations/id/LC_MESSAGES/admin.po in any case.
HAS_ID_CATALOG = (ROOT / "translations" / "id" / "LC_MESSAGES" / "messages.po").is_file()
# Short enough that a broken page fails fast; long enough for a loaded CI machine.
TIMEOUT_MS = 10_000


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def ui_text(indonesian: str, english: str) -> str:
    """Our own text as the page shows it in the default locale (Indonesian); the
    English msgid while translations/id/LC_MESSAGES/messages.po does not exist."""
    return indonesian if HAS_ID_CATALOG else english


@dataclass
class LiveServer:
    url: str
    server: BaseWSGIServer
    thread: threading.Thread


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """The test's app on http://127.0.0.1:<free port>, stopped after the test."""
    # Port 0: the kernel picks a free port, so there is no race between tests or runs.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", server, thread)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """Overrides pytest-playwright's: Debian's Chromium, never a downloaded one."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = (f"{CHROMIUM} not found: install Debian's chromium package "
                  "(`make system-deps`); browser tests never download a browser")
        if on_ci():
            pytest.fail(reason + " (CI=true: a missing browser is a failure, not a skip)")
        pytest.skip(reason)
    return {"executable_path": str(CHROMIUM), "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture
def browser_context_args(live_server: LiveServer) -> dict:
    """Per test: relative URLs go to this test's server (and the context closes first)."""
    return {
        "base_url": live_server.url,
        "locale": "id-ID",
        "timezone_id": "Asia/Makassar",  # WITA, Sumba Timur
        "viewport": {"width": 1366, "height": 900},
    }


def failure_screenshot_path(nodeid: str) -> Path:
    return RESULTS / (re.sub(r"[^A-Za-z0-9_.-]+", "-", nodeid).strip("-")[:150] + "-failed.png")


@pytest.fixture
def page(context, request):
    """pytest-playwright's page, plus two checks after the test:

    * a screenshot under test-results/ when the test failed;
    * no JavaScript error and no console error (a CSP violation shows up there) on
      any page the test opened, apart from the favicon the app does not have.
    """
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"JavaScript error: {exc}"))
    page.on("console", lambda msg: errors.append(
        f"console error: {msg.text} ({msg.location.get('url')})")
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico")
        else None)
    yield page
    # rep_call is set by pytest-playwright's pytest_runtest_makereport hook; a strict
    # xfail that fails as expected is not `failed`.
    report = getattr(request.node, "rep_call", None)
    if report is None or report.failed:
        RESULTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(failure_screenshot_path(request.node.nodeid)),
                            full_page=True, timeout=5_000)
        except Exception as exc:  # a dead page must not hide the real failure
            print(f"failure screenshot not taken: {exc}")
    elif errors:
        pytest.fail("the browser reported errors:\n" + "\n".join(errors))


@pytest.fixture
def ui():
    """`ui("Pemohon", "Applicants")`: see ui_text."""
    return ui_text


@pytest.fixture
def results_dir() -> Path:
    """test-results/ (git-ignored), for screenshots worth keeping."""
    RESULTS.mkdir(exist_ok=True)
    return RESULTS


@pytest.fixture
def log_in(page: Page, live_server: LiveServer):
    """Log in through the login form, in the default language (Indonesian)."""

    def _log_in(username: str = "recording.operator", password: str = PASSWORD) -> None:
        page.goto("/admin/")
        expect(page).to_have_url(re.compile(r"/login\?next="))
        expect(page.locator("html")).to_have_attribute("lang", "id")
        page.get_by_label(ui_text("Nama pengguna", "Username")).fill(username)
        page.get_by_label(ui_text("Kata sandi", "Password")).fill(password)
        page.get_by_role("button", name=ui_text("Masuk", "Log in"), exact=True).click()
        expect(page).to_have_url(re.compile(r"/admin/$|/login/(totp|enrol)$"))
        if page.url.endswith("/login/totp"):  # the oversight and admin roles
            page.get_by_label(ui_text("Kode dari aplikasi autentikator, atau kode pemulihan",
                                      "Code from the authenticator app, or a recovery code")
                              ).fill(totp_code(username))
            page.get_by_role("button", name=ui_text("Lanjutkan", "Continue")).click()
        elif page.url.endswith("/login/enrol"):  # first login of such a role
            secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
            page.get_by_label(ui_text("Kode 6 angka yang tampil di aplikasi sekarang",
                                      "The 6-digit code the app shows now")
                              ).fill(pyotp.TOTP(secret).now())
            page.get_by_role("button", name=ui_text("Konfirmasi", "Confirm")).click()
            page.get_by_test_id("continue").click()
        expect(page).to_have_url(re.compile(r"/admin/$"))

    return _log_in


def totp_code(username: str) -> str:
    """The current code of the account's authenticator (the fixture's TOTP secret);
    the replay guard is reset, as a test may log the same account in twice in 30 s."""
    from models import User, db

    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one()
    user.totp_last_step = None
    db.session.commit()
    return pyotp.TOTP(user.totp_secret).now()


def scanned_handover_receipt(card, tmp_path: Path) -> list[str]:
    """What a phone reads off the card's printed handover receipt: the PDF rendered at
    300 dpi and every QR code in it decoded (zbar and poppler come with `make test`'s
    system packages; without them this fails rather than skips)."""
    from admin.cards import verify_url
    from printing.documents import render_handover_receipt

    zbarimg, pdftoppm = shutil.which("zbarimg"), shutil.which("pdftoppm")
    assert zbarimg and pdftoppm, "zbarimg and pdftoppm are needed to read the QR codes"
    (tmp_path / "receipt.pdf").write_bytes(
        render_handover_receipt(card, verify_url(card.verification_code)))
    subprocess.run([pdftoppm, "-png", "-r", "300", "-singlefile", str(tmp_path / "receipt.pdf"),
                    str(tmp_path / "receipt")], check=True, timeout=120)
    return subprocess.run([zbarimg, "--raw", "-q", str(tmp_path / "receipt.png")],
                          capture_output=True, text=True, timeout=60, check=True
                          ).stdout.split()
