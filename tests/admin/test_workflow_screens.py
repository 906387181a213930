"""The workflow screens: intake, the application page's steps, stored files, the
receipt PDF and the work queue, driven through HTTP as the roles use them."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from markupsafe import escape
from pypdf import PdfReader

from models import (
    Application,
    AuditEntry,
    DomainError,
    applications,
    db,
    service_clock,
    utcnow,
)
from models import eligibility as eligibility_rules
from models import intake as intake_ops
from models.office_time import office_today
from models.permissions import ROLES, allowed
from models.uploads import MAX_DOCUMENT_BYTES, store_document
from tests.factories import (
    PDF_BYTES,
    Auth,
    intake_lookup,
    make_applicant,
    nik_for,
    png_bytes,
    recorded,
    standard_form_data,
    submitted,
    user_of,
)

STEP_URLS = {
    "record": "/admin/application/record/",
    "siak_result": "/admin/application/siak/",
    "reject": "/admin/application/reject/",
    "cancel": "/admin/application/cancel/",
}
WITA = ZoneInfo("Asia/Makassar")


def count_applications() -> int:
    return db.session.execute(sa.select(sa.func.count(Application.id))).scalar()


def wita(value) -> str:
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(WITA).strftime("%d-%m-%Y %H:%M")


def intake(auth, nik: str, *, f102: bool = True, kk: tuple[bytes, str] | None = None,
           follow: bool = False):
    data: dict = {"nik": nik}
    if f102:
        data["f102_complete"] = "y"
    if kk is not None:
        data["kk_copy"] = (io.BytesIO(kk[0]), kk[1])
    return auth.post("/admin/intake/", data, token_from="/admin/intake/",
                     content_type="multipart/form-data", follow_redirects=follow)


def details_url(application: Application) -> str:
    return f"/admin/application/details/?id={application.id}"


def step(auth, application: Application, name: str, data: dict | None = None, **kw):
    return auth.post(f"{STEP_URLS[name]}?id={application.id}", data or {},
                     token_from=details_url(application), **kw)


def html_of(response) -> str:
    return response.get_data(as_text=True)


def refusal(operation) -> str:
    """The message a domain operation refuses with, as the page shows it (escaped, in
    the same language as the request: both use the default locale)."""
    with pytest.raises(DomainError) as exc:
        operation()
    return str(escape(str(exc.value.message)))


def alerts(html: str, kind: str = "danger") -> str:
    return " ".join(re.findall(rf'class="alert alert-{kind}[^"]*">(.*?)</div>', html, re.S))


# ------------------------------------------------------------------ intake


def second_counter(app) -> Auth:
    """Another recording operator at another counter (their own account: a second
    login of the same account would end the first session)."""
    from models import User
    from tests.factories import _password_hash

    db.session.add(User(username="loket.dua", role="recording_operator", active=True,
                        full_name="PETUGAS LOKET DUA", password_hash=_password_hash()))
    db.session.commit()
    other = Auth(app.test_client())
    assert other.login("", username="loket.dua").status_code == 302
    return other



def test_intake_finds_the_applicant_with_eligibility(recording_operator):
    applicant = make_applicant()
    html = html_of(intake_lookup(recording_operator.client, applicant.nik))
    assert applicant.name in html
    assert applicant.nik in html  # staff see the full NIK
    assert 'data-testid="intake-form"' in html
    age = eligibility_rules.age_on(applicant.birth_date, office_today())
    assert str(age) in html


def test_intake_unknown_nik_links_to_a_prefilled_applicant_form(recording_operator, app,
                                                                applicant_data):
    nik = applicant_data["nik"]
    html = html_of(intake_lookup(recording_operator.client, nik))
    assert 'data-testid="not-found"' in html
    link = re.search(r'href="([^"]*/admin/applicant/new/[^"]*)"', html)
    # The NIK comes along through the session, by the lookup's key, not the address.
    assert link and "lookup=" in link.group(1) and nik not in link.group(1)
    form = html_of(recording_operator.client.get(link.group(1).replace("&amp;", "&")))
    assert re.search(rf'id="nik"[^>]*value="{nik}"|value="{nik}"[^>]*id="nik"', form)
    # Another session cannot use the key: the form comes empty.
    other = second_counter(app)
    form = html_of(other.client.get(link.group(1).replace("&amp;", "&")))
    assert 'id="nik"' in form and nik not in form
    # Saved, the form goes back to the counter's lookup, which now finds the resident.
    saved = recording_operator.post(link.group(1).replace("&amp;", "&"), applicant_data,
                                    token_from="/admin/applicant/new/")
    assert saved.status_code == 302 and "/admin/intake/?lookup=" in saved.headers["Location"]
    assert nik not in saved.headers["Location"]
    page = html_of(recording_operator.client.get(saved.headers["Location"]))
    assert 'data-testid="intake-form"' in page and applicant_data["name"] in page


@pytest.mark.parametrize("typed", ["5311", "53110157089000011"])
def test_intake_nik_of_the_wrong_length_is_explained(recording_operator, typed):
    applicant = make_applicant()  # 5311015708900001: one digit less than the long one
    html = html_of(intake_lookup(recording_operator.client, typed))
    assert "invalid-feedback" in html and 'data-testid="not-found"' not in html
    assert applicant.name not in html


def test_intake_nik_with_spaces_is_found(recording_operator):
    applicant = make_applicant()
    html = html_of(intake_lookup(recording_operator.client, "5311 0157 0890 0001"))
    assert applicant.name in html


def test_intake_happy_path_through_the_forms(recording_operator, app):
    applicant = make_applicant()
    response = intake(recording_operator, applicant.nik, kk=(PDF_BYTES, "kk.pdf"))
    assert response.status_code == 302, html_of(response)[-1500:]
    application = db.session.execute(sa.select(Application)).scalar_one()
    assert response.headers["Location"].endswith(details_url(application))
    assert application.status == "submitted"
    assert application.kk_copy_mime == "application/pdf"
    assert application.submitted_by.username == "recording.operator"
    page = html_of(recording_operator.client.get(response.headers["Location"]))
    assert application.number in page
    assert f"/admin/application/receipt/?id={application.id}" in page
    assert 'data-testid="print-receipt"' in page  # the flash's button
    assert wita(application.deadline_at) in page


HTML_AS_PDF = b"<html><body><script>alert(1)</script></body></html>"
OVERSIZE = b"%PDF-1.4\n" + b"0" * MAX_DOCUMENT_BYTES + b"\n%%EOF\n"


@pytest.mark.parametrize(("f102", "kk"), [
    (False, (PDF_BYTES, "kk.pdf")),
    (True, (HTML_AS_PDF, "kk.pdf")),
    (True, (OVERSIZE, "kk.pdf")),
    (True, (b"", "kk.pdf")),
    (True, None),
], ids=["no-f102", "html-as-pdf", "oversize", "empty", "no-file"])
def test_intake_refusals_save_nothing(recording_operator, app, f102, kk):
    applicant = make_applicant()
    operator = user_of("recording_operator")
    root = app.config["UPLOAD_FOLDER"]
    if not f102 or kk is None:
        expected = refusal(lambda: intake_ops.open_application(
            applicant, operator, f102_complete=f102, kk_copy=None))
    else:
        expected = refusal(lambda: store_document(root, kk[0]))
    response = intake(recording_operator, applicant.nik, f102=f102, kk=kk)
    assert response.status_code == 200
    assert expected in alerts(html_of(response))
    assert count_applications() == 0
    assert not db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "submit")).first()


def test_intake_refuses_a_second_open_application(recording_operator, app):
    applicant = make_applicant()
    first = submitted(app, applicant, user_of("recording_operator"))
    html = html_of(intake_lookup(recording_operator.client, applicant.nik))
    assert 'data-testid="open-application"' in html and first.number in html
    response = intake(recording_operator, applicant.nik, kk=(PDF_BYTES, "kk.pdf"))
    assert response.status_code == 200 and first.number in alerts(html_of(response))
    assert count_applications() == 1


def test_intake_refuses_a_15_year_old(recording_operator):
    today = office_today()
    born = date(today.year - 15, 1, 1)
    applicant = make_applicant(nik=nik_for(born, "1"), birth_date=born, sex="1")
    html = html_of(intake_lookup(recording_operator.client, applicant.nik))
    assert 'data-testid="intake-form"' not in html
    expected = refusal(lambda: intake_ops.open_application(
        applicant, user_of("recording_operator"), f102_complete=True, kk_copy=object()))
    response = intake(recording_operator, applicant.nik, kk=(PDF_BYTES, "kk.pdf"))
    assert expected in alerts(html_of(response))
    assert count_applications() == 0


def test_generic_create_goes_to_intake(recording_operator):
    response = recording_operator.client.get("/admin/application/new/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/intake/")
    # A NIK given to it does not go on into the next address.
    response = recording_operator.client.get("/admin/application/new/?nik=5311015708900001")
    assert response.headers["Location"].endswith("/admin/intake/")
    assert count_applications() == 0


@pytest.mark.parametrize("role", [r for r in ROLES if r != "recording_operator"])
def test_intake_is_only_for_those_who_open_applications(client, auth, role):
    auth.login(role)
    assert client.get("/admin/intake/").status_code == 403
    assert client.post("/admin/intake/", data={
        "csrf_token": auth.token("/admin/"), "nik": "5311015708900001"}).status_code == 403
    assert intake_lookup(client, "5311015708900001").status_code == 403
    menu = html_of(client.get("/admin/"))
    assert 'href="/admin/intake/"' not in menu
    assert ('href="/admin/queue/"' in menu) == allowed(user_of(role), "application", "list")


# ------------------------------------------------------------------ application page


def test_record_siak_print_ready_through_the_screens(recording_operator, app):
    applicant = make_applicant()
    intake(recording_operator, applicant.nik, kk=(PDF_BYTES, "kk.pdf"))
    application = db.session.execute(sa.select(Application)).scalar_one()
    page = html_of(recording_operator.client.get(details_url(application)))
    assert 'data-testid="step-record"' in page and 'data-testid="step-siak"' not in page
    assert 'data-testid="step-reject"' in page and 'data-testid="step-cancel"' in page

    # Incomplete recording: refused with the domain's message, nothing changes.
    response = step(recording_operator, application, "record", {
        "photo": (io.BytesIO(png_bytes()), "foto.png"),
        "signature": (io.BytesIO(png_bytes((200, 80))), "ttd.png"),
        "fingerprints_captured": "y"}, content_type="multipart/form-data",
        follow_redirects=True)
    expected = refusal(lambda: applications.record(
        application, user_of("recording_operator"), photo=object(), signature=object(),
        fingerprints_captured=True, iris_captured=False))
    assert expected in alerts(html_of(response))
    assert db.session.get(Application, application.id).status == "submitted"

    response = step(recording_operator, application, "record", {
        "photo": (io.BytesIO(png_bytes()), "foto.png"),
        "signature": (io.BytesIO(png_bytes((200, 80))), "ttd.png"),
        "fingerprints_captured": "y", "iris_captured": "y"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(details_url(application))
    application = db.session.get(Application, application.id)
    assert application.status == "recorded" and application.photo_path
    page = html_of(recording_operator.client.get(details_url(application)))
    assert 'data-testid="step-siak"' in page and 'data-testid="step-record"' not in page
    assert f"/admin/application/file/photo/?id={application.id}" in page
    assert f"/admin/application/file/signature/?id={application.id}" in page

    # A duplicate needs SIAK's note.
    response = step(recording_operator, application, "siak_result", {"result": "duplicate"},
                    follow_redirects=True)
    assert alerts(html_of(response))
    assert db.session.get(Application, application.id).status == "recorded"

    response = step(recording_operator, application, "siak_result",
                    {"result": "print_ready"}, follow_redirects=True)
    assert response.status_code == 200
    application = db.session.get(Application, application.id)
    assert application.status == "print_ready"
    assert application.number in alerts(html_of(response), "success")
    assert 'data-testid="step-siak"' not in html_of(response)
    actions = set(db.session.execute(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "application")).scalars())
    assert {"submit", "record", "siak_result"} <= actions


def test_reject_and_cancel_need_a_reason(recording_operator, app):
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    expected = refusal(lambda: applications.reject(application, user_of("recording_operator"),
                                               "x"))
    response = step(recording_operator, application, "reject", {"reason": "x"},
                    follow_redirects=True)
    assert expected in alerts(html_of(response))
    assert db.session.get(Application, application.id).status == "submitted"
    step(recording_operator, application, "cancel", {"reason": "Pemohon membatalkan"})
    application = db.session.get(Application, application.id)
    assert application.status == "cancelled"
    page = html_of(recording_operator.client.get(details_url(application)))
    assert 'data-testid="no-steps"' in page


def test_a_step_the_state_does_not_allow_is_refused(recording_operator, app):
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    expected = refusal(lambda: applications.enter_siak_result(
        application, user_of("recording_operator"), "print_ready"))
    response = step(recording_operator, application, "siak_result",
                    {"result": "print_ready"}, follow_redirects=True)
    assert expected in alerts(html_of(response))
    assert db.session.get(Application, application.id).status == "submitted"


def _role_may(role: str, action: str) -> bool:
    from models.permissions import actions_of

    return action in actions_of(role, "application")


FORBIDDEN_STEPS = [pytest.param(role, s, id=f"{role}-{s}") for role in ROLES
                   for s in STEP_URLS if not _role_may(role, s)]


@pytest.mark.parametrize(("role", "name"), FORBIDDEN_STEPS)
def test_every_step_is_forbidden_without_the_right(app, client, auth, role, name):
    operator = user_of("recording_operator")
    # The state allows the step, so only the matrix can refuse it.
    application = (recorded if name == "siak_result" else submitted)(
        app, make_applicant(), operator)
    status = application.status
    auth.login(role)
    data = {"reason": "Alasan yang cukup panjang", "result": "print_ready",
            "fingerprints_captured": "y", "iris_captured": "y",
            "csrf_token": auth.token("/admin/")}
    since = db.session.execute(sa.select(sa.func.max(AuditEntry.id))).scalar()
    response = client.post(f"{STEP_URLS[name]}?id={application.id}", data=data)
    assert response.status_code == 403
    assert db.session.get(Application, application.id).status == status
    refused = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.id > since, AuditEntry.action == "forbidden")).scalars().all()
    assert len(refused) == 1 and refused[0].object_type == "application"
    if _role_may(role, "view"):
        page = html_of(client.get(details_url(application)))
        assert f'data-testid="step-{name.replace("_result", "")}"' not in page


def test_printing_operator_sees_only_cancel(printing_operator, app):
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    page = html_of(printing_operator.client.get(details_url(application)))
    assert 'data-testid="step-cancel"' in page
    for other in ("record", "siak", "reject"):
        assert f'data-testid="step-{other}"' not in page


def test_details_show_eligibility_of_a_16_year_old(recording_operator, app):
    today = office_today()
    born = date(today.year - 16, 1, 1)
    applicant = make_applicant(nik=nik_for(born, "2"), birth_date=born)
    application = submitted(app, applicant, user_of("recording_operator"))
    page = html_of(recording_operator.client.get(details_url(application)))
    eligible_from = date(today.year + 1, 1, 1).strftime("%d-%m-%Y")
    block = page[page.index('data-testid="eligibility"'):]
    block = block[:block.index("</div>\n    </div>")]
    assert "17" in block and eligible_from in block


def test_details_show_the_clock_and_overdue_in_red(recording_operator, app):
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    now = utcnow()
    application.submitted_at = now - timedelta(hours=3)
    application.deadline_at = now - timedelta(hours=2)
    db.session.commit()
    page = html_of(recording_operator.client.get(details_url(application)))
    assert wita(application.deadline_at) in page
    cell = re.search(r'class="[^"]*overdue[^"]*" data-testid="time-left">(.*?)</dd>', page,
                     re.S)
    assert cell, "overdue time not marked"
    assert str(escape(service_clock.clock(application).breach_reason)) in cell.group(1)


# ------------------------------------------------------------------ stored files


def test_files_refused_to_admin_and_served_as_attachments_to_head_of_division(app, client,
                                                                          auth):
    application = recorded(app, make_applicant(), user_of("recording_operator"))
    auth.login("admin")
    response = client.get(f"/admin/application/file/kk_copy/?id={application.id}")
    assert response.status_code == 403
    auth.logout()
    auth.login("head_of_division")
    response = client.get(f"/admin/application/file/kk_copy/?id={application.id}")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    # Issue 8: a personal file is downloaded, never opened inline.
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    photo = client.get(f"/admin/application/file/photo/?id={application.id}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.data.startswith(b"\xff\xd8\xff")
    signature = client.get(f"/admin/application/file/signature/?id={application.id}")
    assert signature.mimetype == "image/png"
    assert client.get(f"/admin/application/file/passport/?id={application.id}"
                      ).status_code == 404
    assert client.get("/admin/application/file/photo/?id=999999").status_code == 404
    anonymous = app.test_client()
    response = anonymous.get(f"/admin/application/file/kk_copy/?id={application.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_missing_file_is_not_served(recording_operator, app):
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    assert recording_operator.client.get(
        f"/admin/application/file/photo/?id={application.id}").status_code == 404
    application.kk_copy_path = "../../etc/passwd"
    db.session.commit()
    assert recording_operator.client.get(
        f"/admin/application/file/kk_copy/?id={application.id}").status_code == 404


# ------------------------------------------------------------------ receipt


def test_receipt_pdf_carries_number_deadline_and_channels(head_of_division, app):
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    response = head_of_division.client.get(f"/admin/application/receipt/?id={application.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert round(width / 72 * 25.4) == 148 and round(height / 72 * 25.4) == 210  # A5
    text = " ".join(reader.pages[0].extract_text().split())
    assert application.number in text
    assert wita(application.deadline_at) in text
    assert wita(application.submitted_at) in text
    assert "TANDA TERIMA PERMOHONAN KTP-el BARU" in text
    assert "Gratis" in text
    assert "531101******0001" in text and "5311015708900001" not in text
    assert "/status" in text
    for contact in ("081237634471", "0812376344", "5311.dukcapil@gmail.com", "Kotak saran"):
        assert contact in text
    assert "PEGAWAI RECORDING_OPERATOR" in text  # the officer who received it


def test_receipt_refused_without_view(admin_user, app):
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    assert admin_user.client.get(f"/admin/application/receipt/?id={application.id}"
                                 ).status_code == 403


# ------------------------------------------------------------------ work queue


def _queue_world(app):
    operator = user_of("recording_operator")
    waingapu = submitted(app, make_applicant(), operator)  # Kota Waingapu (53.11.01)
    haharu_person = make_applicant(nik="5311024203850002", birth_date=date(1985, 3, 2),
                                   name="RAMBU HAHARU")
    haharu_person.village_code = "53.11.02.2003"
    db.session.commit()
    haharu = recorded(app, haharu_person, operator)
    closed = submitted(app, make_applicant(nik="5311015001800003",
                                           birth_date=date(1980, 1, 10),
                                           name="ANA DIBATALKAN"), operator)
    applications.cancel(closed, operator, "Pemohon pindah domisili")
    now = utcnow()
    waingapu.submitted_at = now - timedelta(hours=3)
    waingapu.deadline_at = now - timedelta(hours=2)
    db.session.commit()
    return waingapu, haharu, closed


def test_queue_counts_overdue_and_oldest_first(head_of_division, app):
    waingapu, haharu, closed = _queue_world(app)
    response = head_of_division.client.get("/admin/queue/")
    assert response.status_code == 200
    html = html_of(response)
    assert re.search(r'data-testid="count-submitted">1<', html)
    assert re.search(r'data-testid="count-recorded">1<', html)
    assert re.search(r'data-testid="count-cancelled">1<', html)
    assert html.index(waingapu.number) < html.index(haharu.number)  # oldest first
    assert closed.number not in html  # closed states hidden unless chosen
    row = re.search(rf'<tr data-number="{waingapu.number}">.*?</tr>', html, re.S).group(0)
    assert 'class="overdue"' in row
    # One phrase for the lateness, not the breach stated twice.
    cell = re.search(r'data-testid="time-left">(.*?)</td>', row, re.S).group(1)
    assert re.fullmatch(r"terlambat 2 jam \d+ menit", cell.strip()), cell
    assert wita(waingapu.deadline_at) in row
    other = re.search(rf'<tr data-number="{haharu.number}">.*?</tr>', html, re.S).group(0)
    assert "overdue" not in other and "Haharu" in other
    assert "location.reload()" in html and 'data-testid="refreshed"' in html
    assert f'href="/admin/application/details/?id={waingapu.id}"' in html


def test_queue_filters_by_kecamatan_state_and_date(recording_operator, app):
    waingapu, haharu, closed = _queue_world(app)
    html = html_of(recording_operator.client.get("/admin/queue/?kecamatan=53.11.02"))
    assert haharu.number in html and waingapu.number not in html
    assert 'value="53.11.02" selected' in html  # the filter stays in the form
    assert re.search(r'data-testid="count-submitted">0<', html)
    html = html_of(recording_operator.client.get("/admin/queue/?state=cancelled"))
    assert closed.number in html and waingapu.number not in html
    html = html_of(recording_operator.client.get("/admin/queue/?state=all"))
    assert all(a.number in html for a in (waingapu, haharu, closed))
    today = utcnow().replace(tzinfo=ZoneInfo("UTC")).astimezone(WITA).date()
    html = html_of(recording_operator.client.get(
        f"/admin/queue/?from={(today + timedelta(days=1)).isoformat()}"))
    assert waingapu.number not in html and haharu.number not in html
    html = html_of(recording_operator.client.get(
        f"/admin/queue/?from={(today - timedelta(days=1)).isoformat()}&to={today.isoformat()}"))
    assert waingapu.number in html and haharu.number in html
    html = html_of(recording_operator.client.get("/admin/queue/?from=kemarin"))
    assert alerts(html, "warning") and waingapu.number in html


def test_queue_links_the_next_page_when_rows_are_cut(recording_operator, app, monkeypatch):
    import models.queue

    _queue_world(app)
    monkeypatch.setattr(models.queue, "PAGE_SIZE", 1)
    html = html_of(recording_operator.client.get("/admin/queue/"))
    assert 'data-testid="next"' in html


def test_queue_queries_do_not_grow_with_the_rows(recording_operator, app):
    operator = user_of("recording_operator")

    def add(serials: range) -> None:
        for serial in serials:
            submitted(app, make_applicant(nik=nik_for(date(1990, 8, 17), "2", serial),
                                          name=f"WARGA {serial}"), operator)

    def queries() -> int:
        statements: list[str] = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert recording_operator.client.get("/admin/queue/").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    add(range(1, 3))
    few = queries()
    add(range(3, 9))
    assert queries() == few


def test_queue_refused_to_admin(admin_user):
    assert admin_user.client.get("/admin/queue/").status_code == 403


def test_admin_publishes_a_new_standard_version_through_the_screen(admin_user):
    from models.standard import ServiceStandard, current_standard

    url = "/admin/servicestandard/new/"
    form = admin_user.client.get(url).get_data(as_text=True)
    assert "Dukcapil/T/334/461/III/2022" in form  # prefilled from the version in force
    data = standard_form_data(
        [{"kind": "phone", "contact": "081237634471"},
         {"kind": "email", "contact": "5311.dukcapil@gmail.com"}],
        document_number="Dukcapil/T/400/461/I/2027", document_date="2027-01-05",
        sla_hours="2", low_stock_threshold="40", complaint_response_days="5")
    bad = admin_user.post(url, dict(data, **{"channels-0-kind": "fax"}), token_from=url)
    assert bad.status_code == 200 and current_standard().version == 1
    assert admin_user.post(url, data, token_from=url).status_code == 302
    std = current_standard()
    assert (std.version, std.sla_hours, std.low_stock_threshold) == (2, 2, 40)
    assert db.session.get(ServiceStandard, 1).sla_hours == 1  # the old version stays


def test_application_lookup_is_by_receipt_number_prefix(app, recording_operator):
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    url = "/admin/complaint/ajax/lookup/?name=application&query="
    found = recording_operator.client.get(url + application.number[:8].lower()).get_json()
    assert [row[1] for row in found] == [str(application)]
    assert recording_operator.client.get(url + "KTP").get_json() == []  # too short
    assert recording_operator.client.get(url + "%25").get_json() == []


# ---- the service screens: one module each, forms from forms/ ------------------------------
def test_service_screens_have_a_module_each_and_forms_from_forms(app):
    import importlib.util

    from flask_wtf import FlaskForm

    from forms.complaints import ComplaintEditForm, ComplaintForm
    from forms.disruptions import DisruptionForm
    from forms.standard import ServiceStandardForm

    assert importlib.util.find_spec("admin.service") is None
    views = {v.endpoint: v for v in app.extensions["admin"][0]._views}
    expected = {
        "complaint": ("admin.complaints", ComplaintForm, ComplaintEditForm),
        "disruption": ("admin.disruptions", DisruptionForm, DisruptionForm),
        "servicestandard": ("admin.standard", ServiceStandardForm, ServiceStandardForm),
    }
    for endpoint, (module, create_form, edit_form) in expected.items():
        view = views[endpoint]
        assert type(view).__module__ == module, endpoint
        assert issubclass(view._create_form_class, create_form), endpoint
        assert issubclass(view._edit_form_class, edit_form), endpoint
        assert issubclass(view._create_form_class, FlaskForm), endpoint


def test_reporting_a_disruption_on_the_screen_extends_the_running_clocks(
        app, recording_operator):
    from models import Disruption

    application = submitted(app, make_applicant(), user_of("recording_operator"))
    url = "/admin/disruption/new/"
    empty = recording_operator.post(url, {"kind": "network", "description": ""},
                                    token_from=url)
    assert empty.status_code == 200
    assert "Kolom ini wajib diisi." in html_of(empty)  # WTForms' message, in Indonesian
    assert db.session.execute(sa.select(sa.func.count(Disruption.id))).scalar() == 0
    response = recording_operator.post(
        url, {"kind": "network", "description": "Jaringan SIAK putus"}, token_from=url)
    assert response.status_code == 302
    disruption = db.session.execute(sa.select(Disruption)).scalar_one()
    assert disruption.reported_by_id == user_of("recording_operator").id
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    # open_disruption, not a generic create: the running clock got the 24-hour limit.
    assert (application.sla_hours, application.disruption_id) == (24, disruption.id)


def test_closing_disruptions_closes_each_open_one_and_reports_the_closed(
        app, recording_operator):
    from models import Disruption

    operator = user_of("recording_operator")
    first, second = (Disruption(kind="power", description=f"Listrik padam {n}")
                     for n in (1, 2))
    for disruption in (first, second):
        service_clock.open_disruption(disruption, operator)
    service_clock.close_disruption(first, operator)
    response = recording_operator.post(
        "/admin/disruption/action/",
        {"action": "close", "rowid": [str(first.id), str(second.id)],
         "url": "/admin/disruption/"}, token_from="/admin/disruption/")
    assert response.status_code == 302 and response.location.endswith("/admin/disruption/")
    page = html_of(recording_operator.client.get("/admin/disruption/"))
    assert "sudah ditutup" in page  # the refusal, in Indonesian
    assert "1 gangguan telah ditutup." in page
    db.session.expire_all()
    assert db.session.get(Disruption, second.id).ended_at is not None


def test_standard_form_shows_its_errors_next_to_the_field_in_indonesian(admin_user):
    from models.standard import current_standard

    url = "/admin/servicestandard/new/"
    form = html_of(admin_user.client.get(url))
    assert 'value="081237634471"' in form  # the channel rows of the version in force
    data = standard_form_data(
        [{"kind": "phone", "contact": "081237634471"}],
        document_number="Dukcapil/T/400/461/I/2027", document_date="2027-01-05",
        sla_hours="2", low_stock_threshold="40", complaint_response_days="5")
    bad = html_of(admin_user.post(url, dict(data, **{"channels-0-contact": "12-AB"}),
                                  token_from=url))
    assert "Tulis nomor telepon" in bad
    assert 'value="12-AB"' in bad  # what was typed stays in the field
    shorter = html_of(admin_user.post(url, dict(data, sla_hours_disrupted="1"),
                                      token_from=url))
    assert "tidak boleh lebih singkat dari" in shorter  # the domain rule, on its field
    assert current_standard().version == 1


def test_public_page_lists_the_channels_of_the_version_just_published(app, admin_user):
    url = "/admin/servicestandard/new/"
    data = standard_form_data(
        [{"kind": "phone", "contact": "0387-61234"},
         {"kind": "suggestion_box", "contact": "Lobi kantor"}],
        document_number="Dukcapil/T/400/461/I/2027", document_date="2027-01-05")
    assert admin_user.post(url, data, token_from=url).status_code == 302
    page = html_of(app.test_client().get("/"))
    assert "Telepon: 038761234" in page and "Kotak saran: Lobi kantor" in page
    assert "081237634471" not in page.split("standard-summary")[1].split("</dl>")[0]


# ------------------------------------------------------------------ the forms


def test_intake_without_csrf_token_is_refused(recording_operator, app):
    applicant = make_applicant()
    data = {"nik": applicant.nik, "f102_complete": "y",
            "kk_copy": (io.BytesIO(PDF_BYTES), "kk.pdf")}
    response = recording_operator.client.post("/admin/intake/", data=data,
                                              content_type="multipart/form-data")
    assert response.status_code == 400
    forged = dict(data, csrf_token="forged", kk_copy=(io.BytesIO(PDF_BYTES), "kk.pdf"))
    assert recording_operator.client.post("/admin/intake/", data=forged,
                                          content_type="multipart/form-data"
                                          ).status_code == 400
    assert count_applications() == 0
    # The same post with the page's token goes through: the 400 was the token.
    assert intake(recording_operator, applicant.nik,
                  kk=(PDF_BYTES, "kk.pdf")).status_code == 302


@pytest.mark.parametrize("name", list(STEP_URLS))
def test_a_step_without_csrf_token_is_refused(recording_operator, app, name):
    operator = user_of("recording_operator")
    application = (recorded if name == "siak_result" else submitted)(
        app, make_applicant(), operator)
    status = application.status
    response = recording_operator.client.post(
        f"{STEP_URLS[name]}?id={application.id}",
        data={"reason": "Alasan yang cukup panjang", "result": "print_ready"})
    assert response.status_code == 400
    assert db.session.get(Application, application.id).status == status


def field_error(html: str, name: str) -> str:
    """The message(s) the shared form macro shows under the field `name`."""
    return " ".join(re.findall(rf'data-testid="error-{name}">(.*?)</div>', html, re.S))


def test_intake_form_shows_the_refusal_next_to_its_field_in_indonesian(recording_operator):
    applicant = make_applicant()
    html = html_of(intake(recording_operator, applicant.nik, f102=False,
                          kk=(PDF_BYTES, "kk.pdf")))
    assert "Formulir F-1.02 harus lengkap sebelum permohonan diajukan." in field_error(
        html, "f102_complete")
    assert re.search(r'<input[^>]*class="form-check-input is-invalid"[^>]*id="f102_complete"'
                     r'|<input[^>]*id="f102_complete"[^>]*is-invalid', html)
    html = html_of(intake(recording_operator, applicant.nik, kk=(HTML_AS_PDF, "kk.pdf")))
    assert field_error(html, "kk_copy")  # the upload check's message, under the upload
    assert 'checked' in re.search(r'<input[^>]*id="f102_complete"[^>]*>', html).group(0)
    assert count_applications() == 0


def test_intake_nik_lookup_error_sits_under_the_nik(recording_operator):
    html = html_of(intake_lookup(recording_operator.client, "5311"))
    assert "Masukkan 16 digit NIK." in field_error(html, "nik")


# ------------------------------------------------------------------ no NIK in an address

NIK_RUN = re.compile(r"(?<!\d)\d{16}(?!\d)")
URL_ATTRIBUTES = re.compile(r'\b(?:href|action|src|formaction|data-[a-z-]*url)="([^"]*)"')


def assert_no_nik_in_addresses(response, *niks: str) -> None:
    """Neither the Location of `response` nor any address on its page holds a NIK."""
    location = response.headers.get("Location", "")
    assert not NIK_RUN.search(location) and not any(n in location for n in niks), location
    for url in URL_ATTRIBUTES.findall(html_of(response)):
        assert not NIK_RUN.search(url) and not any(n in url for n in niks), url


def _reads_since(since: int) -> list[AuditEntry]:
    return list(db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.id > since, AuditEntry.action == "read")).scalars())


def _last_entry() -> int:
    return db.session.execute(sa.select(sa.func.max(AuditEntry.id))).scalar() or 0


def test_no_answer_of_the_intake_flow_carries_a_nik_in_an_address(recording_operator, app):
    from models.audit import AuditSubject

    client = recording_operator.client
    applicant = make_applicant()
    unknown = "5311019999990001"
    for nik in (applicant.nik, unknown):
        since = _last_entry()
        posted = intake_lookup(client, nik, follow=False)
        assert posted.status_code == 302 and "/admin/intake/?lookup=" in posted.headers[
            "Location"]
        assert_no_nik_in_addresses(posted, nik)
        assert _reads_since(since) == []  # the POST shows nothing: not a reading
        page = client.get(posted.headers["Location"])
        assert page.status_code == 200 and nik in html_of(page)
        assert_no_nik_in_addresses(page, nik)
        # The showing is the reading, once, naming the resident it showed (if any).
        (read,) = _reads_since(since)
        subjects = db.session.execute(sa.select(AuditSubject.applicant_id).where(
            AuditSubject.entry_id == read.id)).scalars().all()
        assert subjects == ([applicant.id] if nik == applicant.nik else [])
        # Refresh / Back: the same address shows the same resident, read again.
        since = _last_entry()
        again = html_of(client.get(posted.headers["Location"]))
        shown = 'data-testid="applicant"' if nik == applicant.nik else 'data-testid="not-found"'
        assert shown in again and nik in again and "ketik NIK lagi" not in again
        assert len(_reads_since(since)) == 1
    # The register link and the applicant form it opens (its back link included).
    page = intake_lookup(client, unknown)
    link = re.search(r'href="([^"]*/admin/applicant/new/[^"]*)"', html_of(page))
    assert link
    form = client.get(link.group(1).replace("&amp;", "&"))
    assert_no_nik_in_addresses(form, unknown)
    # A lookup of the wrong length, a refused intake and a successful one.
    assert_no_nik_in_addresses(intake_lookup(client, "53110157089000011"),
                               "5311015708900001")
    assert_no_nik_in_addresses(intake(recording_operator, applicant.nik, f102=False),
                               applicant.nik)
    done = intake(recording_operator, applicant.nik, kk=(PDF_BYTES, "kk.pdf"))
    assert done.status_code == 302
    assert_no_nik_in_addresses(done, applicant.nik)
    assert_no_nik_in_addresses(client.get(done.headers["Location"]), applicant.nik)


def test_a_nik_in_the_address_looks_nobody_up(recording_operator, app):
    applicant = make_applicant()
    since = _last_entry()
    response = recording_operator.client.get(f"/admin/intake/?nik={applicant.nik}")
    html = html_of(response)
    assert response.status_code == 200
    assert applicant.name not in html and 'data-testid="applicant"' not in html
    assert "NIK pada alamat tidak dicari" in alerts(html, "warning")
    assert re.search(r'<input[^>]*id="nik"[^>]*>', html).group(0).count(applicant.nik) == 0
    assert _reads_since(since) == []
    # A key this session never received: the empty page and why.
    response = recording_operator.client.get("/admin/intake/?lookup=bukan-kunci")
    assert response.status_code == 200 and applicant.name not in html_of(response)
    assert "ketik NIK lagi" in alerts(html_of(response), "warning")
    assert _reads_since(since) == []
    # A key given to another session shows nothing here.
    other = second_counter(app)
    location = intake_lookup(other.client, applicant.nik, follow=False).headers["Location"]
    assert applicant.name in html_of(other.client.get(location))
    mine = recording_operator.client.get(location)
    assert mine.status_code == 200 and applicant.name not in html_of(mine)
    assert "ketik NIK lagi" in alerts(html_of(mine), "warning")


def test_a_step_form_comes_back_with_the_message_next_to_its_field(recording_operator, app):
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    response = step(recording_operator, application, "reject", {"reason": "x"})
    assert response.status_code == 200  # the page again, with the form as posted
    html = html_of(response)
    assert "Tuliskan alasannya (minimal 5 karakter)." in field_error(html, "reason")
    assert re.search(r'id="reject_reason"[^>]*value="x"|value="x"[^>]*id="reject_reason"',
                     html)
    assert db.session.get(Application, application.id).status == "submitted"


def test_wtforms_own_message_is_indonesian_next_to_the_field(recording_operator, app):
    application = recorded(app, make_applicant(), user_of("recording_operator"))
    response = step(recording_operator, application, "siak_result",
                    {"result": "duplicate", "note": "x" * 256})
    assert response.status_code == 200
    assert "Panjang isian maksimal 255 karakter." in field_error(html_of(response), "note")
    assert db.session.get(Application, application.id).status == "recorded"


def test_a_bad_photo_is_refused_under_the_photo(recording_operator, app):
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    response = step(recording_operator, application, "record", {
        "photo": (io.BytesIO(b"not an image"), "foto.png"),
        "signature": (io.BytesIO(png_bytes((200, 80))), "ttd.png"),
        "fingerprints_captured": "y", "iris_captured": "y"},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert field_error(html_of(response), "photo")
    assert db.session.get(Application, application.id).status == "submitted"


COUNTER_MODULES = ("admin/residents.py", "admin/applications.py", "admin/intake.py",
                   "admin/queue.py")


def test_counter_screens_read_forms_not_the_request():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for name in COUNTER_MODULES:
        source = (root / name).read_text()
        for forbidden in ("request.form", "request.files", "form_checked"):
            assert forbidden not in source, (name, forbidden)
    assert not (root / "admin/people.py").exists()
    assert not (root / "admin/workflow.py").exists()
    for template in (root / "templates/admin/workflow").glob("*.html"):
        html = template.read_text()
        for tag in ("<input", "<select", "<textarea"):
            assert tag not in html, (template.name, tag)  # fields come from forms/
