"""The printing screens, driven through HTTP as the roles use them: the print batch
from draft to closed (two logins), custody and handover, blank stock, reconciliation,
destruction and write-off, the card preview; every refusal shows the domain's message
and changes nothing; every new route answers 403 to a role without the right."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from markupsafe import escape
from pypdf import PdfReader

from models import (
    Application,
    AuditEntry,
    Blank,
    BlankEvent,
    BlankReceipt,
    Card,
    DomainError,
    PrintBatch,
    Printer,
    batches,
    db,
    editing,
)
from models.batches import confirm_card, create_batch, decide_batch, print_batch
from models.blanks import destroy_spoiled, receive_blanks, reconcile, write_off
from models.cards import check_verification_code
from models.office_time import office_today
from models.permissions import ROLES, allowed
from models.standard import current_standard
from models.survey import survey_code
from printing.links import survey_url
from tests.factories import Auth, batch_with, print_ready, receive, user_of

ACTION = "application.add_to_batch"


# ------------------------------------------------------------------ helpers


def login(app, role: str) -> Auth:
    auth = Auth(app.test_client())
    response = auth.login(role)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return auth


def html_of(response) -> str:
    return response.get_data(as_text=True)


def alerts(html: str, kind: str = "danger") -> str:
    return " ".join(re.findall(rf'class="alert alert-{kind}[^"]*">(.*?)</div>', html, re.S))


def refusal(operation) -> str:
    """The message the domain refuses with (same locale as the page), HTML-escaped.
    A refused operation changes nothing, so asking it again is harmless."""
    with pytest.raises(DomainError) as exc:
        operation()
    db.session.rollback()
    return str(escape(str(exc.value.message)))


def batch_url(batch: PrintBatch) -> str:
    return f"/admin/printbatch/details/?id={batch.id}"


def step(auth: Auth, batch: PrintBatch, name: str, data: dict | None = None,
         follow: bool = True):
    return auth.post(f"/admin/printbatch/{name}/?id={batch.id}", data or {},
                     follow_redirects=follow)


def add_to_batch(auth: Auth, applications, follow: bool = True):
    return auth.post("/admin/application/action/", {
        "action": ACTION, "rowid": [str(a.id) for a in applications],
        "url": "/admin/application/"}, follow_redirects=follow)


def make_printer(name: str = "EVOLIS PRIMACY 1", x: float = 0.5, y: float = -0.25) -> Printer:
    printer = Printer(name=name, offset_x_mm=x, offset_y_mm=y, active=True)
    editing.create(user_of("printing_operator"), printer)
    return printer


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def blank_state() -> tuple:
    db.session.expire_all()
    return (tuple(db.session.execute(
        sa.select(Blank.serial, Blank.status).order_by(Blank.serial)).all()),
        count(BlankEvent))


def world_state() -> tuple:
    """Everything a printing step could change (the audit log aside)."""
    db.session.expire_all()
    return (
        blank_state(),
        count(Card),
        count(BlankReceipt),
        tuple(db.session.execute(sa.select(PrintBatch.number, PrintBatch.status)
                                 .order_by(PrintBatch.id)).all()),
        tuple(db.session.execute(sa.select(Application.number, Application.status,
                                           Application.print_batch_id)
                                 .order_by(Application.id)).all()),
        tuple(db.session.execute(sa.select(Card.id, Card.status, Card.storage_location)
                                 .order_by(Card.id)).all()),
        documents(),
    )


def documents() -> dict[str, tuple[int, int]]:
    """The stored PDFs (the folder outlives each test's database)."""
    from flask import current_app

    root = Path(current_app.config["DOCUMENT_FOLDER"])
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()} if root.exists() else {}


def is_pdf(response) -> bool:
    return (response.status_code == 200 and response.mimetype == "application/pdf"
            and response.data.startswith(b"%PDF"))




def printed_batch(applications) -> tuple[PrintBatch, list[Card]]:
    batch = batch_with(applications)
    cards = print_batch(batch, user_of("printing_operator"))
    return batch, cards


def qr_text(pdf: bytes, tmp_path: Path) -> str | None:
    """The QR code on the first page, read back with poppler + zbar (None without
    those tools; "" when they find no code)."""
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        return None
    source = tmp_path / "receipt.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(source),
                    str(tmp_path / "page")], check=True, timeout=60)
    page = next(tmp_path.glob("page*.png"))
    result = subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True,
                            text=True, timeout=60)
    return result.stdout.strip()


# ------------------------------------------------------------------ the whole flow


def test_batch_from_draft_to_handover_through_the_screens(app, monkeypatch, tmp_path):
    receive(100, 10)
    applications = print_ready(app, 3)
    printer = make_printer()
    operator = login(app, "printing_operator")
    head = login(app, "head_of_division")

    # The application list offers the action to the printing operator only.
    assert ACTION in html_of(operator.client.get("/admin/application/"))
    assert ACTION not in html_of(head.client.get("/admin/application/"))

    # Draft: the list action creates the operator's draft batch and fills it.
    html = html_of(add_to_batch(operator, applications))
    assert 'data-testid="batch-link"' in html, alerts(html)
    batch = db.session.execute(sa.select(PrintBatch)).scalar_one()
    assert batch.status == "draft" and batch.created_by_id == user_of("printing_operator").id
    assert {a.status for a in applications} == {"batched"}
    page = html_of(operator.client.get(batch_url(batch)))
    assert all(a.number in page for a in applications)
    assert 'data-testid="step-submit"' in page and 'data-testid="step-decide"' not in page

    # Removing from the draft and adding back: the newest draft is reused.
    html = html_of(step(operator, batch, "remove", {"application_id": applications[0].id}))
    assert applications[0].status == "print_ready" and alerts(html) == ""
    add_to_batch(operator, [applications[0]])
    assert count(PrintBatch) == 1 and len(batch.applications) == 3

    # Submit; the head of division finds it in the pending list and approves it.
    html = html_of(step(operator, batch, "submit"))
    assert batch.status == "submitted", alerts(html)
    assert 'data-testid="step-decide"' not in html_of(operator.client.get(batch_url(batch)))
    pending = html_of(head.client.get("/admin/pending-batches/"))
    assert batch.number in pending
    page = html_of(head.client.get(batch_url(batch)))
    assert 'data-testid="step-decide"' in page and 'data-testid="step-print"' not in page
    html = html_of(step(head, batch, "decide", {"decision": "approve", "note": "Lanjutkan"}))
    assert batch.status == "approved", alerts(html)
    assert batch.approved_by_id == user_of("head_of_division").id
    assert batch.number not in html_of(head.client.get("/admin/pending-batches/"))

    # Print: FIFO blanks, the overlay PDF stored with its sha256.
    page = html_of(operator.client.get(batch_url(batch)))
    assert 'data-testid="step-print"' in page and printer.name in page
    html = html_of(step(operator, batch, "print", {"printer_id": printer.id}))
    assert batch.status == "printed", alerts(html)
    cards = sorted(batch.cards, key=lambda c: c.blank.serial)
    assert [c.blank.serial for c in cards] == ["0000000100", "0000000101", "0000000102"]
    assert batch.pdf_path == f"batches/{batch.number}.pdf"
    stored = Path(app.config["DOCUMENT_FOLDER"]) / batch.pdf_path
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == batch.pdf_sha256
    assert len(PdfReader(io.BytesIO(stored.read_bytes())).pages) == 3

    # Download twice, and render again: the blanks never move.
    before = blank_state()
    first = operator.client.get(f"/admin/printbatch/pdf/?id={batch.id}")
    assert is_pdf(first) and hashlib.sha256(first.data).hexdigest() == batch.pdf_sha256
    second = operator.client.get(f"/admin/printbatch/pdf/?id={batch.id}")
    assert is_pdf(second) and second.data == first.data
    assert blank_state() == before
    html = html_of(step(operator, batch, "render", {"printer_id": printer.id}))
    assert alerts(html) == "" and blank_state() == before
    assert len(PdfReader(io.BytesIO(stored.read_bytes())).pages) == 3
    assert count(Card) == 3

    # The manifest, for the signatures of printer and approver.
    manifest = head.client.get(f"/admin/printbatch/manifest/?id={batch.id}")
    assert is_pdf(manifest)

    # Confirm: one spoiled, the others good; the batch closes.
    spoiled, good1, good2 = cards
    html = html_of(step(operator, batch, "confirm", {
        "card_id": spoiled.id, "result": "spoiled", "reason": "Tinta luntur di foto"}))
    assert spoiled.status == "spoiled" and spoiled.blank.status == "spoiled", alerts(html)
    assert spoiled.application.status == "print_ready"
    for card, place in ((good1, "lemari a / rak 1"), (good2, "LEMARI A / RAK 2")):
        html = html_of(step(operator, batch, "confirm", {
            "card_id": card.id, "result": "good", "storage_location": place}))
        assert card.status == "stored", alerts(html)
    assert good1.storage_location == "LEMARI A / RAK 1"
    assert batch.status == "closed"
    assert 'data-testid="closed"' in html

    # Custody: both good cards wait; one is handed over to the applicant's father.
    custody = html_of(operator.client.get("/admin/custody/"))
    assert good1.blank.serial in custody and good2.blank.serial in custody
    assert spoiled.blank.serial not in custody
    form = html_of(operator.client.get(f"/admin/custody/handover/?id={good1.id}"))
    assert 'data-testid="handover-form"' in form
    assert 'value="parent"' in form and 'value="self"' in form

    import printing.documents as documents

    seen: dict = {}
    original = documents.render_handover_receipt

    def spy(card, verify_url):
        seen["url"] = verify_url
        return original(card, verify_url)

    monkeypatch.setattr(documents, "render_handover_receipt", spy)
    html = html_of(operator.post(f"/admin/custody/handover/?id={good1.id}", {
        "receiver_name": "umbu hapu", "relation": "parent", "id_checked": "y",
        "authority_letter": "y"}, follow_redirects=True))
    assert good1.status == "handed_over", alerts(html)
    assert good1.receiver_name == "UMBU HAPU" and good1.application.status == "handed_over"
    assert f"/admin/custody/receipt/?id={good1.id}" in html
    # The survey at the kiosk for this handover, offered on the same message.
    kiosk = f"/survey/{survey_code(good1, app.config['SECRET_KEY'])}?kiosk=1"
    assert 'data-testid="handover-survey"' in html and f'href="{kiosk}"' in html
    assert good1.blank.serial not in html_of(operator.client.get("/admin/custody/"))

    receipt = operator.client.get(f"/admin/custody/receipt/?id={good1.id}")
    assert is_pdf(receipt)
    code = good1.verification_code
    assert seen["url"].startswith("http") and seen["url"].endswith(f"/verify/{code}")
    assert check_verification_code(code, app.config["SECRET_KEY"]) == good1
    qr = qr_text(receipt.data, tmp_path)
    if qr is not None:  # the verification QR, and the satisfaction survey's
        survey = survey_code(good1, app.config["SECRET_KEY"])
        assert sorted(qr.splitlines()) == sorted([seen["url"], survey_url(survey)])


def test_print_pdf_uses_the_chosen_printers_offset(app, monkeypatch):
    receive(100, 5)
    batch = batch_with(print_ready(app, 2))
    printer = make_printer("EVOLIS KANAN", 1.25, -0.5)
    operator = login(app, "printing_operator")
    import printing.cards as cards_module

    calls: list = []
    original = cards_module.render_cards

    def spy(items, **kwargs):
        calls.append(kwargs)
        return original(items, **kwargs)

    monkeypatch.setattr(cards_module, "render_cards", spy)
    step(operator, batch, "print", {"printer_id": printer.id})
    assert batch.status == "printed"
    (call,) = calls
    assert call["mode"] == "overlay" and tuple(call["offset_mm"]) == (1.25, -0.5)
    assert call["upload_root"] == app.config["UPLOAD_FOLDER"]


def test_print_without_a_printer_allocates_nothing(app):
    receive(100, 5)
    batch = batch_with(print_ready(app, 1))
    operator = login(app, "printing_operator")
    before = world_state()
    html = html_of(step(operator, batch, "print", {}))
    assert alerts(html)
    assert world_state() == before


def test_reject_needs_a_note_and_frees_the_applications(app):
    applications = print_ready(app, 2)
    batch = batch_with(applications, approve=False)
    head = login(app, "head_of_division")
    before = world_state()
    html = html_of(step(head, batch, "decide", {"decision": "reject", "note": ""}))
    message = refusal(lambda: decide_batch(batch, user_of("head_of_division"), False, ""))
    assert message in alerts(html)
    assert world_state() == before
    html = html_of(step(head, batch, "decide", {"decision": "reject",
                                                "note": "Foto buram, rekam ulang"}))
    assert batch.status == "rejected" and batch.decision_note == "Foto buram, rekam ulang"
    assert {a.status for a in applications} == {"print_ready"}


# ------------------------------------------------------------------ refusals


def test_the_head_cannot_approve_a_batch_they_created(app):
    batch = batch_with(print_ready(app, 1), approve=False)
    head_user = user_of("head_of_division")
    batch.created_by_id = head_user.id  # e.g. made while acting as operator
    db.session.commit()
    head = login(app, "head_of_division")
    page = html_of(head.client.get(batch_url(batch)))
    assert 'data-testid="step-decide"' not in page and 'data-testid="own-batch"' in page
    before = world_state()
    html = html_of(step(head, batch, "decide", {"decision": "approve"}))
    assert refusal(lambda: decide_batch(batch, head_user, True, None)) in alerts(html)
    assert world_state() == before and batch.status == "submitted"


def test_printing_an_unapproved_batch_is_refused(app):
    receive(100, 5)
    batch = batch_with(print_ready(app, 2), approve=False)
    printer = make_printer()
    operator = login(app, "printing_operator")
    assert 'data-testid="step-print"' not in html_of(operator.client.get(batch_url(batch)))
    before = world_state()
    html = html_of(step(operator, batch, "print", {"printer_id": printer.id}))
    message = refusal(lambda: print_batch(batch, user_of("printing_operator")))
    assert message in alerts(html)
    assert world_state() == before and batch.status == "submitted"


def test_too_few_blanks_is_refused_and_allocates_nothing(app):
    receive(100, 2)
    batch = batch_with(print_ready(app, 3))
    printer = make_printer()
    operator = login(app, "printing_operator")
    page = html_of(operator.client.get(batch_url(batch)))
    assert "3" in re.search(r'data-testid="blank-need">(.*?)<', page).group(1)
    before = world_state()
    html = html_of(step(operator, batch, "print", {"printer_id": printer.id}))
    message = refusal(lambda: print_batch(batch, user_of("printing_operator")))
    assert "3" in message and "2" in message
    assert message in alerts(html)
    assert world_state() == before and batch.status == "approved"


def test_confirming_a_card_twice_is_refused(app):
    receive(100, 5)
    batch, cards = printed_batch(print_ready(app, 2))
    operator = login(app, "printing_operator")
    card = cards[0]
    step(operator, batch, "confirm", {"card_id": card.id, "result": "good",
                                      "storage_location": "LEMARI B"})
    assert card.status == "stored"
    before = world_state()
    html = html_of(step(operator, batch, "confirm", {"card_id": card.id, "result": "spoiled",
                                                     "reason": "Tergores di belakang"}))
    message = refusal(lambda: confirm_card(card, user_of("printing_operator"), False,
                                               reason="Tergores di belakang"))
    assert message in alerts(html)
    assert world_state() == before and card.blank.status == "used"


def test_confirm_needs_a_location_or_a_reason(app):
    receive(100, 5)
    batch, (card,) = printed_batch(print_ready(app, 1))
    operator = login(app, "printing_operator")
    before = world_state()
    html = html_of(step(operator, batch, "confirm", {"card_id": card.id, "result": "good",
                                                     "storage_location": "  "}))
    assert refusal(lambda: confirm_card(card, user_of("printing_operator"), True,
                                            storage_location=" ")) in alerts(html)
    html = html_of(step(operator, batch, "confirm", {"card_id": card.id, "result": "spoiled",
                                                     "reason": ""}))
    assert refusal(lambda: confirm_card(card, user_of("printing_operator"), False,
                                            reason="")) in alerts(html)
    assert world_state() == before


def test_a_card_of_another_batch_is_not_found(app):
    receive(100, 5)
    batch_a, (card_a,) = printed_batch(print_ready(app, 1))
    batch_b, _cards = printed_batch(print_ready(app, 1, start_serial=5))
    operator = login(app, "printing_operator")
    response = step(operator, batch_b, "confirm", {"card_id": card_a.id, "result": "good",
                                                   "storage_location": "X"}, follow=False)
    assert response.status_code == 404 and card_a.status == "printed"


def test_add_to_batch_is_all_or_nothing_with_the_domains_message(app):
    applications = print_ready(app, 2)
    operator_user = user_of("printing_operator")
    batch = create_batch(operator_user)  # the operator's draft
    not_ready = applications[1]
    batches.add_to_batch(batch, [not_ready], operator_user)  # now "batched"
    operator = login(app, "printing_operator")
    before = world_state()
    html = html_of(add_to_batch(operator, applications))
    message = refusal(lambda: batches.add_to_batch(batch, applications, operator_user))
    assert message in alerts(html)
    assert world_state() == before


def test_add_to_batch_rechecks_every_id(app):
    applications = print_ready(app, 1)
    operator = login(app, "printing_operator")
    response = operator.post("/admin/application/action/", {
        "action": ACTION, "rowid": [str(applications[0].id), "999999"]})
    assert response.status_code == 404
    assert applications[0].status == "print_ready" and count(PrintBatch) == 0


def test_overlapping_receipt_is_refused_next_to_the_field(app):
    receive(100, 100)  # 0000000100 - 0000000199
    operator = login(app, "printing_operator")
    before = world_state()
    data = {"received_at": office_today().isoformat(), "reference": "BA-2/DUKCAPIL",
            "serial_first": "0000000150", "serial_last": "0000000159", "quantity": "10",
            "notes": ""}
    html = html_of(operator.post("/admin/blankreceipt/new/", data,
                                 token_from="/admin/blankreceipt/new/"))
    message = refusal(lambda: receive_blanks(BlankReceipt(
        received_at=office_today(), reference="BA-2/DUKCAPIL", serial_first="0000000150",
        serial_last="0000000159", quantity=10), user_of("printing_operator")))
    group = re.search(r'<div[^>]*>\s*<label[^>]*for="serial_first".*?(?=<label[^>]*for="'
                      r'serial_last")', html, re.S)
    assert group and message in group.group(0) and "invalid-feedback" in group.group(0)
    assert world_state() == before


@pytest.mark.parametrize(("field", "change"), [
    ("quantity", {"quantity": "11"}),
    ("serial_first", {"serial_first": "12345"}),
    ("serial_last", {"serial_last": "0000000290"}),
])
def test_other_receipt_refusals_sit_next_to_their_field(app, field, change):
    operator = login(app, "printing_operator")
    data = {"received_at": office_today().isoformat(), "reference": "BA-3/DUKCAPIL",
            "serial_first": "0000000300", "serial_last": "0000000309", "quantity": "10",
            "notes": ""} | change
    html = html_of(operator.post("/admin/blankreceipt/new/", data,
                                 token_from="/admin/blankreceipt/new/"))
    assert re.search(rf'id="{field}"[^>]*is-invalid|is-invalid[^>]*id="{field}"', html), field
    assert count(BlankReceipt) == 0 and count(Blank) == 0


def test_duplicate_receipt_reference_is_refused_next_to_the_field(app):
    receive(100, 10, reference="BA-1/DUKCAPIL")
    operator = login(app, "printing_operator")
    html = html_of(operator.post("/admin/blankreceipt/new/", {
        "received_at": office_today().isoformat(), "reference": "BA-1/DUKCAPIL",
        "serial_first": "0000000500", "serial_last": "0000000509", "quantity": "10",
        "notes": ""}, token_from="/admin/blankreceipt/new/"))
    assert re.search(r'id="reference"[^>]*is-invalid|is-invalid[^>]*id="reference"', html)
    assert count(BlankReceipt) == 1 and count(Blank) == 10


def test_handover_refusals_sit_next_to_their_field(app):
    receive(100, 5)
    batch, (card,) = printed_batch(print_ready(app, 1))
    confirm_card(card, user_of("printing_operator"), True, storage_location="LEMARI A")
    operator = login(app, "printing_operator")
    cases = [
        ({"receiver_name": "UMBU HAPU", "relation": "self"}, "id_checked"),
        ({"receiver_name": "UMBU HAPU", "relation": "parent", "id_checked": "y"},
         "authority_letter"),
        ({"receiver_name": "UMBU HAPU", "relation": "neighbour", "id_checked": "y"},
         "relation"),
        ({"receiver_name": "<b>x</b>", "relation": "self", "id_checked": "y"},
         "receiver_name"),
    ]
    before = world_state()
    for data, field in cases:
        html = html_of(operator.post(f"/admin/custody/handover/?id={card.id}", data))
        assert re.search(rf'id="{field}"[^>]*is-invalid|is-invalid[^>]*id="{field}"', html), \
            field
        assert "&lt;b&gt;" in html or field != "receiver_name"
    assert world_state() == before and card.status == "stored"


def test_move_card_in_custody(app):
    receive(100, 5)
    batch, (card,) = printed_batch(print_ready(app, 1))
    confirm_card(card, user_of("printing_operator"), True, storage_location="LEMARI A")
    operator = login(app, "printing_operator")
    html = html_of(operator.post(f"/admin/custody/move/?id={card.id}",
                                 {"storage_location": "lemari c / rak 4"},
                                 follow_redirects=True))
    assert card.storage_location == "LEMARI C / RAK 4", alerts(html)
    html = html_of(operator.post(f"/admin/custody/move/?id={card.id}",
                                 {"storage_location": " "}, follow_redirects=True))
    assert alerts(html) and card.storage_location == "LEMARI C / RAK 4"


def test_custody_lists_oldest_first_and_flags_long_waits(app):
    receive(100, 5)
    batch, cards = printed_batch(print_ready(app, 3))
    operator_user = user_of("printing_operator")
    for card in cards:
        confirm_card(card, operator_user, True, storage_location="LEMARI A")
    flag_days = current_standard().uncollected_flag_days
    old, middle, new = cards
    old.stored_at -= timedelta(days=flag_days + 5)
    middle.stored_at -= timedelta(days=flag_days)  # exactly at the limit: not flagged
    db.session.commit()
    secretary = login(app, "secretary")  # read-only oversight sees the list
    html = html_of(secretary.client.get("/admin/custody/"))
    order = [m for m in re.findall(r'data-serial="(\d+)"', html)]
    assert order == [old.blank.serial, middle.blank.serial, new.blank.serial]
    rows = dict(re.findall(r'data-serial="(\d+)"[^>]*>(.*?)</tr>', html, re.S))
    assert 'data-testid="flag"' in rows[old.blank.serial]
    assert 'data-testid="flag"' not in rows[middle.blank.serial]
    assert str(flag_days + 5) in rows[old.blank.serial]
    # Oversight reads; it neither moves nor hands over.
    assert "/admin/custody/move/" not in html and "/admin/custody/handover/" not in html


# ------------------------------------------------------------------ 403 on every new route

# (method, path template, entity of the view, [(entity, action) needed])
ROUTES = [
    ("POST", "/admin/printbatch/remove/?id={batch}", "print_batch",
     [("application", "add_to_batch")]),
    ("POST", "/admin/printbatch/submit/?id={batch}", "print_batch",
     [("print_batch", "submit")]),
    ("POST", "/admin/printbatch/decide/?id={batch}", "print_batch",
     [("print_batch", "approve")]),
    ("POST", "/admin/printbatch/print/?id={batch}", "print_batch",
     [("print_batch", "print")]),
    ("POST", "/admin/printbatch/render/?id={batch}", "print_batch",
     [("print_batch", "print")]),
    ("GET", "/admin/printbatch/pdf/?id={batch}", "print_batch", [("print_batch", "print")]),
    ("GET", "/admin/printbatch/manifest/?id={batch}", "print_batch",
     [("print_batch", "view")]),
    ("POST", "/admin/printbatch/confirm/?id={batch}", "print_batch",
     [("print_batch", "confirm")]),
    ("GET", "/admin/pending-batches/", "print_batch", [("print_batch", "approve")]),
    ("GET", "/admin/custody/", "card", [("card", "list")]),
    ("POST", "/admin/custody/move/?id={card}", "card", [("card", "store")]),
    ("GET", "/admin/custody/handover/?id={card}", "card", [("card", "hand_over")]),
    ("POST", "/admin/custody/handover/?id={card}", "card", [("card", "hand_over")]),
    ("GET", "/admin/custody/receipt/?id={card}", "card", [("card", "view")]),
    ("GET", "/admin/stock/", "blank", [("blank", "list")]),
    ("GET", "/admin/reconciliation/", "blank", [("blank", "list")]),
    ("GET", "/admin/reconciliation/pdf/", "blank", [("blank", "list")]),
    ("GET", "/admin/blank/write-off/", "blank", [("blank", "destroy")]),
    ("POST", "/admin/blank/write-off/", "blank", [("blank", "destroy")]),
    ("GET", "/admin/blank/destroy/", "blank", [("blank", "destroy")]),
    ("POST", "/admin/blank/destroy/", "blank", [("blank", "destroy")]),
    ("GET", "/admin/application/preview/?id={application}", "application",
     [("application", "view")]),
]


def _may(user, view_entity: str, needs: list[tuple[str, str]]) -> bool:
    access = "approve" if needs == [("print_batch", "approve")] else "list"
    return allowed(user, view_entity, access) and all(allowed(user, e, a) for e, a in needs)


@pytest.fixture
def printed_world(app):
    receive(100, 10)
    applications = print_ready(app, 2)
    batch, cards = printed_batch(applications[:1])
    confirm_card(cards[0], user_of("printing_operator"), True, storage_location="LEMARI")
    draft = create_batch(user_of("printing_operator"))
    batches.add_to_batch(draft, applications[1:], user_of("printing_operator"))
    return {"batch": batch.id, "draft": draft.id, "card": cards[0].id,
            "application": applications[1].id}


@pytest.mark.parametrize("role", ROLES)
def test_every_new_route_refuses_a_role_without_the_right(app, printed_world, role):
    auth = login(app, role)
    user = user_of(role)
    checked = 0
    for method, template, view_entity, needs in ROUTES:
        if _may(user, view_entity, needs):
            continue
        ids = dict(printed_world)
        if "remove" in template or "submit" in template:
            ids["batch"] = printed_world["draft"]
        path = template.format(**ids)
        before = world_state()
        audits = count(AuditEntry)
        if method == "GET":
            response = auth.client.get(path)
        else:
            response = auth.post(path, {"application_id": printed_world["application"],
                                        "card_id": printed_world["card"],
                                        "decision": "approve", "result": "good",
                                        "storage_location": "X", "printer_id": "1",
                                        "receiver_name": "UMBU", "relation": "self",
                                        "id_checked": "y", "serials": "0000000105",
                                        "kind": "lost", "reason": "hilang dicuri"})
        assert response.status_code == 403, (role, method, path, response.status_code)
        assert world_state() == before, (role, path)
        entry = db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.id.desc())
                                   .limit(1)).scalar_one()
        assert count(AuditEntry) == audits + 1 and entry.action == "forbidden", path
        checked += 1
    if role == "admin":  # no printing right at all
        assert checked == len(ROUTES)
    if role == "secretary":  # reads everything, acts on nothing
        assert checked >= 10


def test_the_list_action_is_ignored_for_a_role_without_the_right(app):
    applications = print_ready(app, 1)
    head = login(app, "head_of_division")
    before = world_state()
    response = add_to_batch(head, applications, follow=False)
    # Refused: an audited 403 (issue 9), and nothing changed.
    assert response.status_code == 403 and world_state() == before


# ------------------------------------------------------------------ low stock


PRINTING_PAGES = {
    "printing_operator": ["/admin/printbatch/", "/admin/printbatch/details/?id={batch}",
                          "/admin/card/", "/admin/blank/", "/admin/stock/",
                          "/admin/custody/", "/admin/blankreceipt/",
                          "/admin/blankreceipt/new/", "/admin/printer/",
                          "/admin/reconciliation/"],
    "head_of_division": ["/admin/pending-batches/", "/admin/printbatch/", "/admin/custody/",
                         "/admin/stock/", "/admin/blank/write-off/"],
}


@pytest.mark.parametrize("role", sorted(PRINTING_PAGES))
def test_low_stock_warning_on_every_printing_screen(app, role):
    threshold = current_standard().low_stock_threshold
    receive(100, threshold - 1)
    batch = batch_with(print_ready(app, 1), approve=False)
    auth = login(app, role)
    for template in PRINTING_PAGES[role]:
        html = html_of(auth.client.get(template.format(batch=batch.id)))
        assert 'data-testid="low-stock"' in html, template
        assert str(threshold - 1) in re.search(
            r'data-testid="low-stock">(.*?)</div>', html, re.S).group(1)
    # Not on the other screens.
    assert 'data-testid="low-stock"' not in html_of(auth.client.get("/admin/complaint/"))


def test_no_low_stock_warning_at_or_above_the_threshold(app):
    threshold = current_standard().low_stock_threshold
    receive(100, threshold)
    operator = login(app, "printing_operator")
    for path in ("/admin/stock/", "/admin/printbatch/", "/admin/custody/", "/admin/blank/"):
        assert 'data-testid="low-stock"' not in html_of(operator.client.get(path)), path


def test_stock_page_counts_every_status(app):
    receive(100, 10)
    batch, cards = printed_batch(print_ready(app, 3))
    operator_user = user_of("printing_operator")
    confirm_card(cards[0], operator_user, True, storage_location="LEMARI")
    confirm_card(cards[1], operator_user, False, reason="Tinta luntur")
    head_user = user_of("head_of_division")
    blanks = db.session.execute(sa.select(Blank).where(Blank.status == "available")
                                .order_by(Blank.serial)).scalars().all()
    write_off(blanks[:2], head_user, "lost", "Hilang saat pindahan")
    write_off(blanks[2:3], head_user, "returned", "Dikembalikan ke pusat")
    destroy_spoiled([cards[1].blank], head_user, "Digunting")
    head = login(app, "head_of_division")
    html = html_of(head.client.get("/admin/stock/"))
    counts = dict(re.findall(r'data-testid="count-(\w+)">(\d+)<', html))
    assert counts == {"available": "4", "reserved": "1", "used": "1", "spoiled": "0",
                      "lost": "2", "returned": "1", "destroyed": "1"}
    assert re.search(r'data-testid="total-received">10<', html)
    assert 'data-testid="stock-mismatch"' not in html
    threshold = current_standard().low_stock_threshold
    assert str(threshold) in re.search(r'data-testid="threshold">(.*?)<', html).group(1)
    assert 'data-testid="low-stock"' in html


# ------------------------------------------------------------------ reconciliation


def test_reconciliation_page_balances_and_downloads(app):
    receive(100, 10)
    batch, cards = printed_batch(print_ready(app, 2))
    confirm_card(cards[0], user_of("printing_operator"), True, storage_location="L")
    from models.office_time import office_today

    first_of_month = office_today().replace(day=1)
    today = office_today()  # the day the blanks were received and used
    period = f"start={today - timedelta(days=1)}&end={today + timedelta(days=1)}"
    for role in ("head_of_division", "secretary", "head_of_office", "printing_operator"):
        auth = login(app, role)
        html = html_of(auth.client.get("/admin/reconciliation/"))  # this month
        start_input = re.search(r'<input[^>]*\bid="start"[^>]*>', html).group(0)
        assert 'name="start"' in start_input
        assert f'value="{first_of_month:%d-%m-%Y}"' in start_input  # DD-MM-YYYY
        html = html_of(auth.client.get(f"/admin/reconciliation/?{period}"))
        assert 'data-testid="balanced"' in html and 'data-testid="not-balanced"' not in html
        assert re.search(r'data-testid="received">10<', html)
        assert re.search(r'data-testid="used">1<', html)
        assert re.search(r'data-testid="closing">9<', html)
        assert re.search(r'data-testid="now-reserved">1<', html)
        assert f"/admin/reconciliation/pdf/?{period}" in html.replace("&amp;", "&")
        pdf = auth.client.get(f"/admin/reconciliation/pdf/?{period}")
        assert is_pdf(pdf)


def test_reconciliation_shows_an_error_banner_when_not_balanced(app):
    receipt = receive(100, 5)
    # A blank that appeared without being received: the books cannot balance.
    db.session.add(Blank(serial="0000000999", receipt_id=receipt.id, status="available"))
    db.session.commit()
    head = login(app, "head_of_division")
    html = html_of(head.client.get("/admin/reconciliation/"))
    assert 'data-testid="not-balanced"' in html


def test_reconciliation_bad_period(app):
    head = login(app, "head_of_division")
    html = html_of(head.client.get("/admin/reconciliation/?start=2025-02-10&end=2025-02-01"))
    assert refusal(lambda: reconcile(date(2025, 2, 10), date(2025, 2, 1))) in alerts(html)
    html = html_of(head.client.get("/admin/reconciliation/?start=kemarin"))
    assert alerts(html, "warning alert-dismissable")


# ------------------------------------------------------------------ destruction, write-off


def test_destroy_spoiled_blanks_gives_the_berita_acara(app):
    receive(100, 5)
    batch, cards = printed_batch(print_ready(app, 2))
    operator_user = user_of("printing_operator")
    confirm_card(cards[0], operator_user, False, reason="Tinta luntur")
    confirm_card(cards[1], operator_user, True, storage_location="L")
    spoiled = cards[0].blank
    head = login(app, "head_of_division")
    listing = html_of(head.client.get("/admin/blank/"))
    assert "blank.destroy" in listing
    html = html_of(head.post("/admin/blank/action/", {
        "action": "blank.destroy", "rowid": [str(spoiled.id)], "url": "/admin/blank/"},
        follow_redirects=True))
    assert spoiled.status == "destroyed", alerts(html)
    link = re.search(r'href="([^"]*/admin/destruction-report/pdf/[^"]*)"', html)
    assert link, html[:2000]
    report = head.client.get(link.group(1).replace("&amp;", "&"))
    assert is_pdf(report)
    # The operator may list blanks but not destroy: no action, no report.
    operator = login(app, "printing_operator")
    assert "blank.destroy" not in html_of(operator.client.get("/admin/blank/"))
    assert operator.client.get(link.group(1).replace("&amp;", "&")).status_code == 403


def test_destroying_a_blank_that_is_not_spoiled_is_refused(app):
    receive(100, 3)
    blank = db.session.execute(sa.select(Blank).limit(1)).scalar_one()
    head = login(app, "head_of_division")
    before = world_state()
    html = html_of(head.post("/admin/blank/action/", {
        "action": "blank.destroy", "rowid": [str(blank.id)]}, follow_redirects=True))
    message = refusal(lambda: destroy_spoiled([blank], user_of("head_of_division"), "x"))
    assert message in alerts(html)
    assert world_state() == before


def test_write_off_form(app):
    receive(100, 10)
    head = login(app, "head_of_division")
    page = html_of(head.client.get("/admin/blank/write-off/"))
    assert 'data-testid="write-off-form"' in page
    before = world_state()
    # Unknown serial, bad kind, short reason: shown next to the field, nothing changes.
    html = html_of(head.post("/admin/blank/write-off/", {
        "serials": "0000000100, 0000000500", "kind": "lost", "reason": "hilang dicuri"}))
    assert re.search(r'id="serials"[^>]*is-invalid|is-invalid[^>]*id="serials"', html)
    html = html_of(head.post("/admin/blank/write-off/", {
        "serials": "0000000100", "kind": "burnt", "reason": "hilang dicuri"}))
    assert re.search(r'id="kind"[^>]*is-invalid|is-invalid[^>]*id="kind"', html)
    html = html_of(head.post("/admin/blank/write-off/", {
        "serials": "0000000100", "kind": "lost", "reason": "x"}))
    assert re.search(r'id="reason"[^>]*is-invalid|is-invalid[^>]*id="reason"', html)
    assert world_state() == before
    html = html_of(head.post("/admin/blank/write-off/", {
        "serials": "0000000100 - 0000000102\n0000000105", "kind": "returned",
        "reason": "Dikembalikan ke Ditjen Dukcapil"}, follow_redirects=True))
    assert alerts(html, "success"), alerts(html)
    statuses = dict(db.session.execute(sa.select(Blank.serial, Blank.status)).all())
    assert [s for s, v in sorted(statuses.items()) if v == "returned"] == [
        "0000000100", "0000000101", "0000000102", "0000000105"]


def test_write_off_of_a_used_blank_is_refused_with_the_domains_message(app):
    receive(100, 5)
    batch, (card,) = printed_batch(print_ready(app, 1))  # 0000000100 reserved
    head = login(app, "head_of_division")
    before = world_state()
    html = html_of(head.post("/admin/blank/write-off/", {
        "serials": "0000000100-0000000101", "kind": "lost", "reason": "hilang dicuri"}))
    blanks = db.session.execute(sa.select(Blank).where(
        Blank.serial.in_(["0000000100", "0000000101"]))).scalars().all()
    message = refusal(lambda: write_off(blanks, user_of("head_of_division"), "lost",
                                            "hilang dicuri"))
    assert message in alerts(html)
    assert world_state() == before


# ------------------------------------------------------------------ card preview


@pytest.mark.parametrize("role", ["recording_operator", "printing_operator", "secretary"])
def test_card_preview_from_the_application_page(app, role):
    (application,) = print_ready(app, 1)
    auth = login(app, role)
    page = html_of(auth.client.get(f"/admin/application/details/?id={application.id}"))
    link = f"/admin/application/preview/?id={application.id}"
    assert link in page.replace("&amp;", "&")
    before = world_state()
    response = auth.client.get(link)
    assert is_pdf(response)
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 1
    assert world_state() == before  # a preview uses no blank


# ------------------------------------------------------------------ forms (issue 7)


def test_a_step_without_its_csrf_token_is_refused_and_changes_nothing(app):
    receive(100, 10)
    applications = print_ready(app, 3)
    draft = create_batch(user_of("printing_operator"))
    batches.add_to_batch(draft, applications[:1], user_of("printing_operator"))
    submitted = batch_with(applications[1:2], approve=False)
    printed, (card,) = printed_batch(applications[2:3])
    confirm_card(card, user_of("printing_operator"), True, storage_location="LEMARI A")
    operator = login(app, "printing_operator")
    head = login(app, "head_of_division")
    posts = [
        (operator, f"/admin/printbatch/submit/?id={draft.id}", {}),
        (head, f"/admin/printbatch/decide/?id={submitted.id}", {"decision": "approve"}),
        (operator, f"/admin/custody/move/?id={card.id}", {"storage_location": "RAK 9"}),
        (operator, f"/admin/custody/handover/?id={card.id}", {
            "receiver_name": "UMBU HAPU", "relation": "self", "id_checked": "y"}),
        (head, "/admin/blank/write-off/", {"serials": "0000000105", "kind": "lost",
                                           "reason": "hilang dicuri"}),
    ]
    before = world_state()
    for auth, path, data in posts:
        response = auth.client.post(path, data=data)  # no csrf_token
        assert response.status_code == 400, (path, response.status_code)
        forged = auth.client.post(path, data=data | {"csrf_token": "forged"})
        assert forged.status_code == 400, path
    assert world_state() == before
    assert draft.status == "draft" and submitted.status == "submitted"
    assert card.status == "stored" and card.storage_location == "LEMARI A"


def test_handover_field_errors_are_indonesian_and_beside_their_field(app):
    receive(100, 5)
    batch, (card,) = printed_batch(print_ready(app, 1))
    confirm_card(card, user_of("printing_operator"), True, storage_location="LEMARI A")
    operator = login(app, "printing_operator")
    html = html_of(operator.post(f"/admin/custody/handover/?id={card.id}",
                                 {"receiver_name": "UMBU HAPU", "relation": ""}))
    error = re.search(r'data-testid="error-relation">(.*?)</div>', html, re.S)
    assert error and error.group(1).strip() == "Pilih hubungan penerima dengan pemohon."
    html = html_of(operator.post(f"/admin/custody/handover/?id={card.id}",
                                 {"receiver_name": "UMBU HAPU", "relation": "neighbour"}))
    error = re.search(r'data-testid="error-relation">(.*?)</div>', html, re.S)
    assert error and error.group(1).strip() == "Pilihan tidak valid."
    # What was typed stays in the form.
    assert re.search(r'<input[^>]*id="receiver_name"[^>]*value="UMBU HAPU"', html)
    assert card.status == "stored"


def test_write_off_field_errors_are_indonesian_and_beside_their_field(app):
    receive(100, 5)
    head = login(app, "head_of_division")
    before = world_state()
    html = html_of(head.post("/admin/blank/write-off/", {
        "serials": "0000000100, 0000000777", "kind": "lost", "reason": "hilang dicuri"}))
    error = re.search(r'data-testid="error-serials">(.*?)</div>', html, re.S)
    assert error and error.group(1).strip() == "Nomor seri tidak dikenal: 0000000777."
    assert "0000000100, 0000000777" in html  # the textarea keeps what was typed
    assert world_state() == before


def test_a_step_form_that_does_not_validate_changes_nothing(app):
    receive(100, 5)
    batch = batch_with(print_ready(app, 1), approve=False)
    head = login(app, "head_of_division")
    before = world_state()
    html = html_of(step(head, batch, "decide", {"decision": "maybe"}))
    assert str(escape('Pilih "Setujui" atau "Tolak".')) in alerts(html)
    assert world_state() == before and batch.status == "submitted"
    printed, (card,) = printed_batch(print_ready(app, 1, start_serial=7))
    operator = login(app, "printing_operator")
    before = world_state()
    html = html_of(step(operator, printed, "confirm", {"card_id": card.id, "result": "lost"}))
    assert str(escape('Pilih "Baik" atau "Rusak".')) in alerts(html)
    assert world_state() == before and card.status == "printed"


PRINTING_MODULES = ("admin/batches.py", "admin/cards.py", "admin/blanks.py",
                    "admin/printers.py")


def test_printing_screens_parse_no_request_form_by_hand():
    root = Path(__file__).resolve().parents[2]
    for name in PRINTING_MODULES:
        source = (root / name).read_text()
        assert "request.form" not in source and "request.files" not in source, name
        assert "form_checked" not in source, name
        assert "request.args.get(\"q\"" not in source, name
    assert not (root / "admin/printing.py").exists() and not (root / "admin/stock.py").exists()
    for template in (root / "templates/admin/printing").glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<(input|select|textarea)\b", text), template.name
        assert "csrf_token()" not in text, template.name


def test_destruction_form_with_its_note_gives_the_berita_acara(app, monkeypatch):
    receive(100, 5)
    batch, cards = printed_batch(print_ready(app, 2))
    operator_user = user_of("printing_operator")
    confirm_card(cards[0], operator_user, False, reason="Tinta luntur")
    confirm_card(cards[1], operator_user, True, storage_location="L")
    spoiled, used = cards[0].blank, cards[1].blank
    head = login(app, "head_of_division")
    page = html_of(head.client.get("/admin/blank/destroy/"))
    assert 'data-testid="destroy-form"' in page
    # A blank that is not spoiled: the domain's message beside the serials.
    before = world_state()
    html = html_of(head.post("/admin/blank/destroy/", {
        "serials": f"{spoiled.serial}, {used.serial}", "note": "Digunting"}))
    message = refusal(lambda: destroy_spoiled([spoiled, used], user_of("head_of_division"),
                                              "Digunting"))
    error = re.search(r'data-testid="error-serials">(.*?)</div>', html, re.S)
    assert error and message in error.group(1)
    assert world_state() == before
    import printing.documents as documents

    notes: list = []
    original = documents.render_destruction_report

    def spy(blanks, by, note, day, **kwargs):
        notes.append(note)
        return original(blanks, by, note, day, **kwargs)

    monkeypatch.setattr(documents, "render_destruction_report", spy)
    html = html_of(head.post("/admin/blank/destroy/", {
        "serials": spoiled.serial, "note": "Digunting di depan dua saksi"},
        follow_redirects=True))
    assert spoiled.status == "destroyed", alerts(html)
    assert notes == ["Digunting di depan dua saksi"]
    link = re.search(r'href="([^"]*/admin/destruction-report/pdf/[^"]*)"', html)
    assert link and is_pdf(head.client.get(link.group(1).replace("&amp;", "&")))
    event = db.session.execute(sa.select(BlankEvent).where(
        BlankEvent.blank_id == spoiled.id, BlankEvent.kind == "destroyed")).scalar_one()
    assert event.reason == "Digunting di depan dua saksi"
