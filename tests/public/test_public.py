"""The public pages (no login): the service standard, the status check, the web
complaint and its ticket page, the handover-receipt verification, today's blank stock;
bad input on each, the rate limits, and every link and QR code printed on a document
(PUBLIC_BASE_URL) answering on the public blueprint."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from models import AuditEntry, Complaint, db
from models.batches import confirm_card, print_batch
from models.cards import hand_over
from models.complaints import assign, record_complaint, respond
from models.public import mask_name
from models.survey import survey_code
from tests.factories import (
    batch_with,
    csrf_from,
    make_applicant,
    print_ready,
    receive,
    submitted,
    user_of,
)

BASE = "https://ktp.example.go.id"
CLERK_HOST = "clerk-pc.local:8080"
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')


# ------------------------------------------------------------------ helpers


def token(client, path: str) -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def post(client, path: str, data: dict, csrf: bool = True, **kw):
    data = dict(data)
    if csrf:
        data["csrf_token"] = token(client, path)
    return client.post(path, data=data, **kw)


def text(response) -> str:
    return response.get_data(as_text=True)


LANGUAGE_SWITCH = re.compile(r'<form[^>]*language-switch.*?</form>', re.S)


def content(response) -> str:
    """The page without the language switch (which carries the page's own address)."""
    return LANGUAGE_SWITCH.sub("", text(response))


def without_csrf(html: str) -> str:
    """The page with its (per-session, time-stamped) CSRF tokens and its per-request
    script nonces blanked out."""
    return re.sub(r'nonce="[^"]*"', 'nonce="-"', CSRF_VALUE.sub(r"\1-\2", html))


def complaints() -> int:
    return db.session.execute(sa.select(sa.func.count(Complaint.id))).scalar_one()


def application_of_maria(app):
    applicant = make_applicant(name="MARIA UMBU HARAN")
    return submitted(app, applicant, user_of("recording_operator"))


def handed_over_card(app):
    receive(700, 5)
    applications = print_ready(app, 1)
    printer = user_of("printing_operator")
    batch = batch_with(applications)
    card = print_batch(batch, printer)[0]
    confirm_card(card, printer, True, storage_location="LEMARI A")
    hand_over(card, printer, receiver_name="YOHANA RAMBU ATA", relation="spouse",
              id_checked=True, authority_letter=True, secret=app.config["SECRET_KEY"])
    return card


def web_complaint(**values) -> Complaint:
    fields = {"channel": "web", "kind": "complaint", "subject": "Antrean lama",
              "body": "Saya menunggu tiga jam.", "complainant_name": "MARIA HAPU",
              "contact": "081234567890"}
    fields.update(values)
    return record_complaint(Complaint(**fields), None)


def audit_entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)).scalars())


# ------------------------------------------------------------------ the standard


def test_standard_page_shows_number_date_and_free_of_charge(client) -> None:
    response = client.get("/")
    page = text(response)
    assert response.status_code == 200
    assert "Dukcapil/T/334/461/III/2022" in page and "18-03-2022" in page
    assert 'data-testid="free-of-charge"' in page
    assert "Layanan ini gratis" in page
    # A channel whose contact is its own label is not said twice.
    assert "Kotak saran: Kotak saran" not in page
    assert 'href="/complaint"' in page and 'href="/status"' in page


def test_standard_page_in_english_after_the_switch(client) -> None:
    switch = client.post("/language", data={"lang": "en", "next": "/",
                                            "csrf_token": token(client, "/")})
    assert switch.status_code == 302
    page = text(client.get("/"))
    assert "This service is free of charge" in page
    assert 'lang="en"' in page


def test_public_pages_are_usable_on_a_phone(client) -> None:
    for path in ("/", "/status", "/complaint", "/stock"):
        page = text(client.get(path))
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in page, path


# ------------------------------------------------------------------ status check


def test_status_shows_state_promised_time_and_masked_name(app, client) -> None:
    application = application_of_maria(app)
    response = post(client, "/status", {"number": application.number.lower(),
                                        "birth_date": "17-08-1990"})
    page = text(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert 'data-testid="status-result"' in page
    assert "Diajukan" in page  # the state, in Indonesian
    assert "MA*** UM** HA***" in page
    assert "MARIA" not in page and application.applicant.nik not in page
    promised = application.deadline_at
    assert promised is not None
    from models.office_time import format_datetime

    assert format_datetime(promised, zone_label=True) in page


def test_mask_name() -> None:
    assert mask_name("MARIA UMBU HARAN") == "MA*** UM** HA***"
    assert mask_name("DA ANA") == "D* AN*"
    assert mask_name("") == ""


def test_status_not_found_and_wrong_birth_date_answer_the_same(app, client) -> None:
    """Same status and same body: the page cannot tell whether a receipt number exists;
    and the same statements run against the database either way."""
    application = application_of_maria(app)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement.split()[0])

    answers = {}
    for label, number in (("wrong date", application.number),
                          ("unknown number", "KTP-991231-9999")):
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            statements.clear()
            response = post(client, "/status", {"number": number,
                                                "birth_date": "18-08-1990"})
            # Only the POST itself (post() fetched the form first).
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        answers[label] = (response.status_code, without_csrf(text(response)),
                          list(statements))
    wrong, unknown = answers["wrong date"], answers["unknown number"]
    assert wrong[0] == unknown[0] == 200
    assert wrong[1] == unknown[1]
    assert "Tidak ada permohonan yang cocok" in wrong[1]
    assert application.number not in wrong[1]  # nothing typed comes back
    assert wrong[2] == unknown[2]


def test_status_not_found_and_wrong_birth_date_take_similar_time(app, client,
                                                                  monkeypatch) -> None:
    """Interleaved, so a busy machine slows both alike; the medians stay close."""
    import statistics
    import time

    monkeypatch.setitem(app.config, "PUBLIC_STATUS_LIMIT", "1000 per minute")
    application = application_of_maria(app)
    csrf = token(client, "/status")
    times: dict[str, list[float]] = {"wrong date": [], "unknown number": []}
    for _ in range(15):
        for label, number in (("wrong date", application.number),
                              ("unknown number", "KTP-991231-9999")):
            started = time.perf_counter()
            response = client.post("/status", data={
                "number": number, "birth_date": "18-08-1990", "csrf_token": csrf})
            times[label].append(time.perf_counter() - started)
            assert response.status_code == 200
    wrong, unknown = (statistics.median(times["wrong date"]),
                      statistics.median(times["unknown number"]))
    assert 0.5 < wrong / unknown < 2.0, (wrong, unknown)


def test_status_bad_input_is_refused_in_indonesian_and_not_echoed(app, client) -> None:
    application = application_of_maria(app)
    cases = [
        ({"number": "<script>alert(1)</script>", "birth_date": "17-08-1990"},
         "Tulis nomor tanda terima"),
        ({"number": "KTP-" + "1" * 5000, "birth_date": "17-08-1990"}, "Tulis nomor"),
        ({"number": application.number, "birth_date": "31-02-1990"}, "HH-BB-TTTT"),
        ({"number": application.number, "birth_date": "<img src=x onerror=alert(1)>"},
         "HH-BB-TTTT"),
        ({"number": "", "birth_date": ""}, "wajib"),
    ]
    for data, message in cases:
        response = post(client, "/status", data)
        page = text(response)
        assert response.status_code == 200, data
        assert message.lower() in page.lower(), (data, page[-1500:])
        assert "<script>alert" not in page and "<img src=x" not in page
        assert 'data-testid="status-result"' not in page


def test_status_without_csrf_is_refused(app, client) -> None:
    application = application_of_maria(app)
    response = post(client, "/status", {"number": application.number,
                                        "birth_date": "17-08-1990"}, csrf=False)
    assert response.status_code == 400
    assert "Formulir sudah kedaluwarsa" in text(response) or "kedaluwarsa" in text(response)
    assert "MA***" not in text(response)


def test_status_check_is_rate_limited_per_address(app, client, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_STATUS_LIMIT", "3 per minute")
    application = application_of_maria(app)
    data = {"number": application.number, "birth_date": "01-01-2000"}
    for _ in range(3):
        assert post(client, "/status", data).status_code == 200
    refused = post(client, "/status", data)
    assert refused.status_code == 429
    assert "Terlalu banyak permintaan" in text(refused)
    # Even the right birth date is refused now; another address is not.
    right = {"number": application.number, "birth_date": "17-08-1990"}
    assert post(client, "/status", right).status_code == 429
    other = app.test_client()
    response = other.post("/status", data={**right, "csrf_token": token(other, "/status")},
                          environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 200 and "MA*** UM** HA***" in text(response)
    assert client.get("/status").status_code == 200  # the form itself still opens


# ------------------------------------------------------------------ web complaint


COMPLAINT = {"kind": "complaint", "subject": "Antrean terlalu lama",
             "body": "Saya menunggu tiga jam di loket perekaman.",
             "complainant_name": "MARIA HAPU", "contact": "081234567890",
             "receipt_number": "", "website": ""}


def test_web_complaint_gets_a_ticket_and_its_page_shows_nothing_personal(app, client
                                                                         ) -> None:
    response = post(client, "/complaint", COMPLAINT)
    assert response.status_code == 302
    ticket = urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1]
    assert re.fullmatch(r"ADU-\d{4}-\d{4}", ticket)
    complaint = db.session.execute(sa.select(Complaint)).scalar_one()
    assert (complaint.ticket, complaint.channel, complaint.received_by_id,
            complaint.status) == (ticket, "web", None, "new")
    assert complaint.contact == "081234567890"
    assert audit_entries("create")[-1].object_id == str(complaint.id)
    page_response = client.get(response.headers["Location"])
    page = text(page_response)
    assert page_response.status_code == 200
    assert page_response.headers["Cache-Control"] == "no-store"
    assert ticket in page and "Baru" in page
    assert "Nomor tiket Anda " + ticket in page  # the flash
    for personal in ("MARIA HAPU", "081234567890", "Antrean terlalu lama",
                     "Saya menunggu tiga jam"):
        assert personal not in page, personal


def test_ticket_page_shows_the_office_responses(app, client) -> None:
    complaint = web_complaint()
    head = user_of("head_of_division")
    assign(complaint, head, user_of("printing_operator"))
    respond(complaint, head, "Loket perekaman kedua dibuka mulai Senin.")
    page = text(client.get(f"/complaint/{complaint.ticket}"))
    assert "Loket perekaman kedua dibuka mulai Senin." in page
    assert "Sedang diproses" in page
    assert "MARIA HAPU" not in page and "081234567890" not in page
    assert "PEGAWAI" not in page  # nor who in the office answered


def test_web_complaint_links_a_known_receipt_number_and_keeps_an_unknown_one(app, client
                                                                           ) -> None:
    application = application_of_maria(app)
    known = post(client, "/complaint", {**COMPLAINT, "receipt_number": application.number})
    unknown = post(client, "/complaint", {**COMPLAINT, "receipt_number": "KTP-991231-9999"})
    # The same answer: the form does not tell which receipt numbers exist.
    assert known.status_code == unknown.status_code == 302
    first, second = db.session.execute(sa.select(Complaint).order_by(Complaint.id)
                                       ).scalars().all()
    assert first.application_id == application.id
    assert second.application_id is None and "KTP-991231-9999" in second.body


@pytest.mark.parametrize("changes, message", [
    ({"website": "http://spam.example"}, "kolom yang seharusnya kosong"),
    ({"body": "x" * 4001}, "4000"),
    ({"subject": "s" * 121}, "120"),
    ({"complainant_name": "N" * 61}, "60"),
    ({"contact": "0" * 81}, "80"),
    ({"subject": "<script>alert(1)</script>"}, "tanpa tag HTML"),
    ({"body": "Lihat <img src=x onerror=alert(1)>"}, "tanpa tag HTML"),
    ({"body": "nul\x00byte"}, "tidak dapat disimpan"),
    ({"subject": "", "body": ""}, "wajib"),
    ({"kind": "bribe"}, "pilihan"),
    ({"receipt_number": "<b>KTP</b>"}, "Tulis nomor tanda terima"),
])
def test_web_complaint_bad_input_stores_nothing(app, client, changes, message) -> None:
    response = post(client, "/complaint", {**COMPLAINT, **changes})
    page = text(response)
    assert response.status_code == 400
    assert message.lower() in page.lower(), page[-2000:]
    assert complaints() == 0
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>KTP" not in page


def test_web_complaint_without_csrf_stores_nothing(app, client) -> None:
    response = post(client, "/complaint", COMPLAINT, csrf=False)
    assert response.status_code == 400
    assert "kedaluwarsa" in text(response)
    assert complaints() == 0


def test_web_complaint_is_rate_limited_per_address(app, client, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_COMPLAINT_LIMIT", "2 per hour")
    for _ in range(2):
        assert post(client, "/complaint", COMPLAINT).status_code == 302
    refused = post(client, "/complaint", COMPLAINT)
    assert refused.status_code == 429
    assert "Terlalu banyak permintaan" in text(refused)
    assert complaints() == 2
    assert client.get("/complaint").status_code == 200


@pytest.mark.parametrize("ticket", [
    "ADU-2612-9999", "adu-0000-0000", "<script>alert(1)</script>", "A" * 300,
    "ADU-2612-0001' OR '1'='1", "%00",
])
def test_unknown_or_malformed_ticket(app, client, ticket) -> None:
    web_complaint()  # ADU-<this month>-0001 exists
    response = client.get(f"/complaint/{ticket}")
    page = content(response)
    assert response.status_code == 404
    assert "Tidak ada pengaduan dengan nomor tiket ini" in page
    assert "<script>alert" not in page and "A" * 300 not in page


def test_ticket_look_up_form(app, client) -> None:
    complaint = web_complaint()
    found = client.get(f"/complaint/follow?ticket={complaint.ticket.lower()}")
    assert found.status_code == 302
    assert found.headers["Location"].endswith(f"/complaint/{complaint.ticket}")
    bad = client.get("/complaint/follow?ticket=%3Cscript%3E")
    assert bad.status_code == 400 and "misalnya ADU-2612-0042" in text(bad)
    assert "<script>" not in text(bad)


# ------------------------------------------------------------------ verification


def test_verify_valid_code_shows_the_minimum_and_is_audited(app, client) -> None:
    card = handed_over_card(app)
    code = card.verification_code
    response = client.get(f"/verify/{code}")
    page = text(response)
    applicant = card.application.applicant
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert 'data-testid="verify-valid"' in page and ">Sah<" in page
    assert card.blank.serial in page
    assert applicant.nik[:6] + "******" + applicant.nik[-4:] in page
    assert applicant.nik not in page and applicant.name not in page
    assert mask_name(applicant.name) in page
    assert card.printed_data["issue_date"] in page
    entry = audit_entries("verify_receipt")[-1]
    assert entry.user_id is None and entry.object_id == str(card.id)
    assert entry.changes == {"code": code[:4] + "***", "result": "valid"}
    assert code not in str(entry.changes)


@pytest.mark.parametrize("code", [
    "xyz", "<script>alert(1)</script>", "A" * 500, "abc.def/../../etc",
    "AAAAAAAAAAAAAAAA.00000000000000000000", "%00",
])
def test_verify_bad_codes_are_not_valid_and_audited(app, client, code) -> None:
    handed_over_card(app)
    response = client.get(f"/verify/{code}")
    page = content(response)
    assert response.status_code == 404
    assert 'data-testid="verify-not-valid"' in page and "Tidak sah" in page
    assert "<script>alert" not in page and "A" * 50 not in page
    entry = audit_entries("verify_receipt")[-1]
    assert entry.user_id is None and entry.object_id is None
    assert entry.changes["result"] == "not_valid"
    assert len(entry.changes["code"]) <= 7


def test_verify_a_forged_signature_or_a_card_not_handed_over(app, client) -> None:
    card = handed_over_card(app)
    token_part, _, signature = card.verification_code.partition(".")
    forged = f"{token_part}.{'0' * len(signature)}"
    assert client.get(f"/verify/{forged}").status_code == 404
    other_key = f"{token_part[::-1]}.{signature}"
    assert client.get(f"/verify/{other_key}").status_code == 404


def test_verify_is_rate_limited(app, client, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_VERIFY_LIMIT", "2 per minute")
    assert client.get("/verify/x").status_code == 404
    assert client.get("/verify/y").status_code == 404
    refused = client.get("/verify/z")
    assert refused.status_code == 429 and "Terlalu banyak permintaan" in text(refused)
    assert len(audit_entries("verify_receipt")) == 2  # the refused one looked nothing up


# ------------------------------------------------------------------ stock


def test_stock_page_and_its_a4_notice(app, client) -> None:
    receive(100, 10, received_at=date(2025, 3, 3))
    receive(200, 5, received_at=date(2025, 3, 10))
    page = text(client.get("/stock"))
    assert '<p class="display-4 font-weight-bold mb-0" data-testid="stock-available">15</p>' \
        in page
    assert "10-03-2025" in page
    response = client.get("/stock/notice.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) \
        == (210, 297)
    notice = "".join(reader.pages[0].extract_text().split())  # kerned pairs split
    assert "PENGUMUMANKETERSEDIAANBLANGKOKTP-el" in notice
    assert "tersediahariini:15lembar" in notice
    assert "Senin,10Maret2025" in notice


def test_stock_page_without_any_receipt(client) -> None:
    page = text(client.get("/stock"))
    assert 'data-testid="stock-available">0<' in page and "belum ada" in page


# ------------------------------------------------------------------ printed links


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed")
    return path


def links_of(pdf: bytes, tmp_path, name: str) -> tuple[set[str], set[str], str]:
    """(link annotations and addresses in the text, QR codes decoded, flat text)."""
    reader = PdfReader(io.BytesIO(pdf))
    found: set[str] = set()
    flat = ""
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if action.get("/URI"):
                found.add(str(action["/URI"]))
        flat += " " + " ".join(page.extract_text().split())
    found.update(u.rstrip(".,;:)") for u in re.findall(r"https?://\S+", flat))
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run([_tool("pdftoppm"), "-png", "-r", "300", str(source),
                    str(tmp_path / name)], check=True, timeout=120)
    codes: set[str] = set()
    for png in sorted(tmp_path.glob(f"{name}*.png")):
        result = subprocess.run([_tool("zbarimg"), "--raw", "-q", str(png)],
                                capture_output=True, text=True, timeout=60)
        codes.update(line for line in result.stdout.splitlines() if line)
    return found, codes, flat


def test_every_printed_link_and_qr_code_uses_public_base_url_and_resolves(
        app, client, auth, monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", BASE + "/")
    card = handed_over_card(app)
    application = application_of_maria(app)
    complaint = record_complaint(Complaint(
        channel="in_person", kind="complaint", subject="Loket tutup", body="Tutup siang.",
        complainant_name="MARIA HAPU"), user_of("recording_operator"))
    # The clerk's browser came through another host name: it must not matter.
    clerk = {"base_url": f"http://{CLERK_HOST}"}
    auth.login("head_of_division")
    cookie = app.config["SESSION_COOKIE_NAME"]
    client.set_cookie(cookie, client.get_cookie(cookie).value,
                      domain=CLERK_HOST.split(":")[0])
    documents = {
        "intake receipt": client.get(f"/admin/application/receipt/?id={application.id}",
                                     **clerk),
        "handover receipt": client.get(f"/admin/custody/receipt/?id={card.id}", **clerk),
        "complaint acknowledgement": client.get(
            f"/admin/complaint/acknowledgement/?id={complaint.id}", **clerk),
        "stock notice": client.get("/stock/notice.pdf", **clerk),
    }
    auth.logout()
    expected = {
        "intake receipt": {f"{BASE}/status"},
        "handover receipt": {f"{BASE}/verify/{card.verification_code}",
                             f"{BASE}/survey/{survey_code(card, app.config['SECRET_KEY'])}"},
        "complaint acknowledgement": {f"{BASE}/complaint/{complaint.ticket}"},
        "stock notice": {f"{BASE}/stock"},
    }
    resident = app.test_client()
    for index, (name, response) in enumerate(documents.items()):
        assert response.status_code == 200, (name, response.status_code)
        assert response.mimetype == "application/pdf", name
        found, codes, flat = links_of(response.data, tmp_path, f"doc{index}")
        assert CLERK_HOST.split(":")[0] not in flat, name
        assert "127.0.0.1" not in flat and "localhost" not in flat, name
        # Every address in the text is a prefix of a full one (a long one may wrap).
        addresses = codes | {u for u in found
                             if not any(c != u and c.startswith(u) for c in codes)}
        assert addresses >= expected[name], (name, addresses)
        if name != "intake receipt":
            assert codes == expected[name], (name, codes)
        for url in addresses:
            assert url.startswith(BASE + "/"), (name, url)
            path = url[len(BASE):]
            answer = resident.get(path)
            assert answer.status_code == 200, (name, url, answer.status_code)
            assert answer.mimetype == "text/html", (name, url)
            if "/verify/" in url:
                assert 'data-testid="verify-valid"' in text(answer), url
            if "/complaint/" in url:
                assert f'data-testid="ticket">{complaint.ticket}<' in text(answer), url
            if "/survey/" in url:
                assert 'data-testid="survey-form"' in text(answer), url


def test_public_base_url_with_a_path_and_a_bad_one(app) -> None:
    from printing.links import status_url, verify_url

    with app.test_request_context("/", base_url=f"http://{CLERK_HOST}/x"):
        app.config["PUBLIC_BASE_URL"] = "https://dukcapil.example.go.id/ktp/"
        try:
            assert status_url() == "https://dukcapil.example.go.id/ktp/status"
            assert verify_url("ab.cd") == "https://dukcapil.example.go.id/ktp/verify/ab.cd"
            app.config["PUBLIC_BASE_URL"] = "javascript:alert(1)"
            with pytest.raises(ValueError):
                status_url()
        finally:
            app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
