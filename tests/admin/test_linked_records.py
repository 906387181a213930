"""Records linked to each other (issue 11, item 4), through the screens: batch items
open their application with the photo and the data that will be printed; the handover
screen shows the photo on the card; card and application pages reprint the handover
receipt as issued; destruction reports are numbered, listed, re-downloaded and
checked against their sha256; a rejected batch shows its note and what it returned;
the raw batch create form is gone; no printer -> a link to add one; the
reconciliation PDF keeps its footer with the content."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import sqlalchemy as sa
from pypdf import PdfReader

from models import AuditEntry, Blank, DestructionReport, db
from models.batches import confirm_card, decide_batch, print_batch
from models.cards import hand_over
from models.residents import masked_nik
from tests.factories import Auth, batch_with, print_ready, receive, user_of


def login(app, role: str) -> Auth:
    auth = Auth(app.test_client())
    assert auth.login(role).status_code == 302
    return auth


def html_of(response) -> str:
    return response.get_data(as_text=True)


def last_id() -> int:
    return db.session.execute(sa.select(sa.func.max(AuditEntry.id))).scalar() or 0


def entries(since: int, action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.id > since, AuditEntry.action == action)
        .order_by(AuditEntry.id)).scalars())


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def stored_card(app, handed: bool = False):
    """One printed card, good and in custody (handed over to its resident if asked)."""
    receive(100, 5)
    batch = batch_with(print_ready(app, 1))
    (card,) = print_batch(batch, user_of("printing_operator"))
    confirm_card(card, user_of("printing_operator"), True, storage_location="LEMARI A")
    if handed:
        hand_over(card, user_of("printing_operator"), receiver_name="UMBU NOMOR A",
                  relation="self", id_checked=True, authority_letter=False,
                  secret=app.config["SECRET_KEY"])
    return card


# ------------------------------------------------------------------ the batch page


def test_batch_items_open_their_application_with_photo_and_printed_data(app):
    applications = print_ready(app, 2)
    batch = batch_with(applications, approve=False)
    head = login(app, "head_of_division")
    page = html_of(head.client.get(f"/admin/printbatch/details/?id={batch.id}"))
    for a in applications:
        link = f"/admin/application/details/?id={a.id}"
        assert f'href="{link}" data-testid="application-link-{a.id}"' in page
        assert head.client.get(link).status_code == 200
        data = re.search(rf'data-testid="printed-data-{a.id}">(.*?)</td>', page, re.S)
        assert data and a.applicant.name in data.group(1)
        assert masked_nik(a.applicant.nik) in data.group(1)
        assert "WAINGAPU" in data.group(1) and "JL. AHMAD YANI NO. 5" in data.group(1)
    assert not any(a.applicant.nik in page for a in applications)  # masked everywhere

    # The thumbnail comes from the protected file route; reading it is audited.
    first = applications[0]
    photo = re.search(rf'<img src="([^"]+)"[^>]*data-testid="photo-{first.id}"', page)
    assert photo and photo.group(1) == f"/admin/application/file/photo/?id={first.id}"
    since = last_id()
    image = head.client.get(photo.group(1).replace("&amp;", "&"))
    assert image.status_code == 200 and image.mimetype.startswith("image/")
    (read,) = entries(since, "read")
    assert read.changes["endpoint"] == "application.file_view"
    assert read.object_id == str(first.id) and read.user_id == user_of("head_of_division").id

    # The pending list links each application too.
    pending = html_of(head.client.get("/admin/pending-batches/"))
    assert f'data-testid="pending-application-{first.id}"' in pending
    assert f"/admin/application/details/?id={first.id}" in pending


def test_the_handover_screen_shows_the_card_photo_audited(app):
    card = stored_card(app)
    operator = login(app, "printing_operator")
    page = html_of(operator.client.get(f"/admin/custody/handover/?id={card.id}"))
    photo = re.search(r'<img src="([^"]+)"[^>]*data-testid="handover-photo"', page)
    assert photo and photo.group(1) == f"/admin/custody/photo/?id={card.id}"
    since = last_id()
    image = operator.client.get(photo.group(1))
    assert image.status_code == 200 and image.mimetype.startswith("image/")
    stored = Path(app.config["UPLOAD_FOLDER"]) / card.printed_data["photo"]
    assert image.data == stored.read_bytes()  # the photo printed on the card
    (read,) = entries(since, "read")
    assert read.changes["endpoint"] == "custody.photo_view"
    assert read.object_type == "card" and read.object_id == str(card.id)
    # A role that does not hand cards over gets an audited refusal, not the photo.
    secretary = login(app, "secretary")
    since = last_id()
    assert secretary.client.get(photo.group(1)).status_code == 403
    assert len(entries(since, "forbidden")) == 1
    assert operator.client.get("/admin/custody/photo/?id=99999999999").status_code == 404


def test_card_and_application_pages_reprint_the_receipt_as_issued(app):
    card = stored_card(app, handed=True)
    issued_name = card.printed_data["name"]
    application = card.application
    head = login(app, "head_of_division")
    url = f"/admin/custody/receipt/?id={card.id}"
    card_page = html_of(head.client.get(f"/admin/card/details/?id={card.id}"))
    app_page = html_of(head.client.get(f"/admin/application/details/?id={application.id}"))
    for page in (card_page, app_page):
        assert f'href="{url}"' in page and 'data-testid="reprint-handover-receipt"' in page
    first = head.client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"

    # The resident's name is corrected afterwards: the reprint stays as issued.
    application.applicant.name = "UMBU NAMA BARU"
    db.session.commit()
    since = last_id()
    again = head.client.get(url)
    text = pdf_text(again.data)
    assert issued_name in text and "UMBU NAMA BARU" not in text
    assert masked_nik(card.printed_data["nik"]) in text
    (read,) = entries(since, "read")
    assert read.changes["endpoint"] == "custody.receipt_view"
    assert read.object_id == str(card.id)


def test_no_reprint_before_the_handover(app):
    card = stored_card(app)
    head = login(app, "head_of_division")
    page = html_of(head.client.get(f"/admin/card/details/?id={card.id}"))
    assert 'data-testid="reprint-handover-receipt"' not in page
    assert head.client.get(f"/admin/custody/receipt/?id={card.id}").status_code == 404


# ------------------------------------------------------------------ destruction reports


def spoiled_blanks(app, n: int) -> list[Blank]:
    receive(100, n + 2)
    batch = batch_with(print_ready(app, n))
    cards = print_batch(batch, user_of("printing_operator"))
    for card in cards:
        confirm_card(card, user_of("printing_operator"), False, reason="Tinta luntur")
    return [c.blank for c in cards]


def test_destruction_reports_numbered_listed_downloaded_and_checked(app):
    first, second = spoiled_blanks(app, 2)
    head = login(app, "head_of_division")
    numbers = []
    for blank, note in ((first, "Digunting di depan dua saksi"), (second, "Dibakar")):
        html = html_of(head.post("/admin/blank/destroy/", {
            "serials": blank.serial, "note": note}, follow_redirects=True))
        assert blank.status == "destroyed"
        link = re.search(r'href="(/admin/destruction-report/pdf/\?id=\d+)"', html)
        assert link, html[:2000]
        numbers.append(db.session.execute(sa.select(DestructionReport.number).order_by(
            DestructionReport.id.desc()).limit(1)).scalar_one())
    head_number = numbers[0].rsplit("-", 1)[0]
    assert re.fullmatch(r"BAP-\d{4}", head_number)
    assert numbers == [f"{head_number}-0001", f"{head_number}-0002"]

    # Listed for the head of division and the oversight roles; not for the operator.
    reports = list(db.session.execute(sa.select(DestructionReport)
                                      .order_by(DestructionReport.id)).scalars())
    for role in ("head_of_division", "secretary", "head_of_office"):
        client = head if role == "head_of_division" else login(app, role)
        stock = html_of(client.client.get("/admin/stock/"))
        assert 'href="/admin/destruction-report/" data-testid="destruction-reports"' in stock
        listing = html_of(client.client.get("/admin/destruction-report/"))
        assert all(n in listing for n in numbers), role
        pdf = client.client.get(f"/admin/destruction-report/pdf/?id={reports[0].id}")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF"), role
        text = pdf_text(pdf.data)
        assert f"Nomor: {numbers[0]}" in text and first.serial in text
    assert login(app, "printing_operator").client.get(
        "/admin/destruction-report/").status_code == 403

    # The stored file is checked against its sha256: a changed file is not served.
    path = Path(app.config["DOCUMENT_FOLDER"]) / reports[1].pdf_path
    path.write_bytes(path.read_bytes() + b"%changed\n")
    since = last_id()
    response = head.client.get(f"/admin/destruction-report/pdf/?id={reports[1].id}",
                               follow_redirects=True)
    html = html_of(response)
    assert response.mimetype == "text/html" and reports[1].number in html
    assert reports[1].pdf_sha256 in html and "alert-danger" in html
    (mismatch,) = entries(since, "pdf_mismatch")
    assert mismatch.object_id == str(reports[1].id)
    assert head.client.get("/admin/destruction-report/pdf/?id=x").status_code == 404


# ------------------------------------------------------------------ rejected batches


def test_a_rejected_batch_shows_its_note_and_what_it_returned(app):
    applications = print_ready(app, 2)
    batch = batch_with(applications, approve=False)
    decide_batch(batch, user_of("head_of_division"), False, "Foto buram, rekam ulang")
    operator = login(app, "printing_operator")
    listing = html_of(operator.client.get("/admin/printbatch/"))
    note = re.search(r'data-testid="rejected-note">([^<]*)<', listing)
    assert note and note.group(1).strip() == "Ditolak: Foto buram, rekam ulang"
    page = html_of(operator.client.get(f"/admin/printbatch/details/?id={batch.id}"))
    assert 'data-testid="rejected"' in page and "Foto buram, rekam ulang" in page
    returned = re.search(r'data-testid="returned-applications">(.*?)</ul>', page, re.S)
    assert returned and all(a.number in returned.group(1) for a in applications)


# ------------------------------------------------------------------ batch creation, printers


def test_the_raw_batch_create_form_is_gone(app):
    operator = login(app, "printing_operator")
    assert "/admin/printbatch/new/" not in html_of(operator.client.get("/admin/printbatch/"))
    assert operator.client.get("/admin/printbatch/new/").status_code == 404
    assert operator.post("/admin/printbatch/new/", {"number": "X"}).status_code == 404
    assert login(app, "head_of_division").client.get(
        "/admin/printbatch/new/").status_code == 403
    assert db.session.execute(sa.select(sa.func.count()).select_from(
        sa.table("print_batch"))).scalar() == 0


def test_no_printer_links_to_adding_one(app):
    receive(100, 3)
    batch = batch_with(print_ready(app, 1))
    operator = login(app, "printing_operator")
    page = html_of(operator.client.get(f"/admin/printbatch/details/?id={batch.id}"))
    link = re.search(r'<a href="([^"]+)" data-testid="add-printer"', page)
    assert link and link.group(1) == "/admin/printer/new/"
    assert operator.client.get(link.group(1)).status_code == 200


# ------------------------------------------------------------------ reconciliation


def test_the_reconciliation_pdf_is_one_page_with_its_footer(app):
    spoiled_blanks(app, 1)
    head = login(app, "head_of_division")
    response = head.client.get("/admin/reconciliation/pdf/")
    assert response.status_code == 200
    with pikepdf.open(io.BytesIO(response.data)) as pdf:
        assert len(pdf.pages) == 1
    assert "Dibuat" in pdf_text(response.data)
