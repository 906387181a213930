"""Documents stay as issued (issue 8, item 4): a card keeps the data printed on it; the
card face (re-rendered or reprinted), the batch manifest and the handover receipt are
rendered from that snapshot, whatever was edited since; editing a resident whose
KTP-el is printed needs a reason, and the card's page shows what changed."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app
from markupsafe import escape
from pypdf import PdfReader

from models import Applicant, AuditEntry, DomainError, Printer, db, editing
from models.audit import snapshot
from models.batches import batch_cards, confirm_card, print_batch
from models.cards import (
    FACE_FIELDS,
    FILE_FIELDS,
    card_issued_data,
    changes_since_issue,
    hand_over,
    issued_data,
)
from models.office_time import office_date, simulated, utcnow
from models.residents import MIN_CHANGE_REASON_LENGTH, update_applicant
from printing.cards import render_cards, render_preview
from printing.documents import handover_context, manifest_context, render_manifest
from tests.factories import Auth, batch_with, print_ready, receive, user_of

SECRET = "test-secret"
NEW_NAME = "RAMBU KAHI LAPU"
NEW_ADDRESS = "JL. LAMBANAPU NO. 9"
REASON = "KK dibetulkan oleh Disdukcapil (nama sesuai akta)"


# ------------------------------------------------------------------ helpers


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def login(app, role: str) -> Auth:
    auth = Auth(app.test_client())
    response = auth.login(role)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return auth


def printed(app, n: int = 1, *, first_serial: int = 900):
    """n applications printed in one batch (cards in state printed)."""
    receive(first_serial, n + 3)
    applications = print_ready(app, n)
    batch = batch_with(applications)
    cards = print_batch(batch, user_of("printing_operator"))
    return batch, applications, cards


def handed_over(app):
    batch, applications, cards = printed(app)
    printer = user_of("printing_operator")
    confirm_card(cards[0], printer, True, storage_location="LEMARI A")
    hand_over(cards[0], printer, receiver_name="YOHANA RAMBU ATA", relation="self",
              id_checked=True, authority_letter=False, secret=SECRET)
    return batch, applications[0], cards[0]


def edit(applicant: Applicant, reason: str | None = REASON, **values) -> list[str]:
    """Edit through the domain operation the applicant screen uses."""
    before = snapshot(applicant)
    for key, value in values.items():
        setattr(applicant, key, value)
    return update_applicant(user_of("recording_operator"), applicant, before, reason)


def form_of(applicant: Applicant, **changes) -> dict[str, str]:
    """The applicant edit form as the screen posts it."""
    data = {key: getattr(applicant, key) or "" for key in (
        "nik", "kk_number", "name", "birth_place", "sex", "blood_type", "religion",
        "marital_status", "occupation", "citizenship", "address", "rt", "rw",
        "village_code", "phone")}
    data["birth_date"] = applicant.birth_date.isoformat()
    data.update(changes)
    return data


def edit_entries(applicant: Applicant) -> list[AuditEntry]:
    return list(db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "edit",
                                    AuditEntry.object_type == "applicant",
                                    AuditEntry.object_id == str(applicant.id))
        .order_by(AuditEntry.id)).scalars())


def applicant_row(applicant_id: int) -> tuple:
    db.session.expire_all()
    a = db.session.get(Applicant, applicant_id)
    return (a.name, a.address, a.rt, a.marital_status, a.updated_at)


def make_printer() -> Printer:
    printer = Printer(name="EVOLIS PRIMACY 1", offset_x_mm=0.5, offset_y_mm=-0.25, active=True)
    editing.create(user_of("printing_operator"), printer)
    return printer


# ------------------------------------------------------------------ the snapshot


def test_a_printed_card_keeps_everything_on_its_face(app):
    _batch, applications, cards = printed(app)
    application, card = applications[0], cards[0]
    data = card.printed_data
    assert data is not None
    assert tuple(data) == FACE_FIELDS + FILE_FIELDS
    applicant = application.applicant
    assert data["nik"] == applicant.nik and data["name"] == applicant.name
    assert data["birth"] == f"WAINGAPU, {applicant.birth_date:%d-%m-%Y}"
    assert data["address"] == "JL. AHMAD YANI NO. 5" and data["rt_rw"] == "003/002"
    assert (data["village"], data["district"]) == ("KAMBAJAWA", "KOTA WAINGAPU")
    assert (data["sex"], data["blood_type"], data["religion"]) == ("LAKI-LAKI", "O", "KRISTEN")
    assert (data["marital_status"], data["occupation"], data["citizenship"]) == (
        "BELUM KAWIN", "PETANI/PEKEBUN", "WNI")
    assert data["issue_place"] == "SUMBA TIMUR"
    assert data["issue_date"] == f"{office_date(card.printed_at):%d-%m-%Y}"
    # the photo and signature by reference and content
    assert data["photo"] == application.photo_path
    assert data["signature"] == application.signature_path
    assert data["photo_sha256"] == application.photo_sha256 is not None
    assert data["signature_sha256"] == application.signature_sha256 is not None
    # stored: read back from the database as it was written
    db.session.expire_all()
    assert db.session.get(type(card), card.id).printed_data == data


def test_issue_date_of_a_card_printed_just_after_midnight_wita(app):
    """The date of issue is the office's day of printing, not UTC's."""
    application = print_ready(app, 1)[0]
    # 16:30 UTC on the 23rd is 00:30 WITA on the 24th
    moment = utcnow().replace(hour=16, minute=30, second=0, microsecond=0)
    data = issued_data(application, moment)
    assert data["issue_date"] == f"{(moment + timedelta(hours=8)).date():%d-%m-%Y}"


def test_a_card_without_a_snapshot_falls_back_to_the_live_data(app):
    """Cards printed before snapshots were kept: the data now, dated the day printed."""
    _batch, applications, cards = printed(app)
    card = cards[0]
    card.printed_data = None
    db.session.commit()
    data = card_issued_data(card)
    assert data["name"] == applications[0].applicant.name
    assert data["issue_date"] == f"{office_date(card.printed_at):%d-%m-%Y}"
    assert changes_since_issue(card) == []  # nothing to compare with


# ------------------------------------------------------------------ documents as issued


def test_reprint_after_an_edit_shows_the_issued_data(app):
    batch, applications, cards = printed(app, 2)
    root = app.config["UPLOAD_FOLDER"]
    first = applications[0].applicant
    old_name, nik = first.name, first.nik
    issued_on = cards[0].printed_data["issue_date"]
    edit(first, name=NEW_NAME, address=NEW_ADDRESS)
    assert db.session.get(Applicant, first.id).name == NEW_NAME
    # three days later, the operator renders the batch again (another printer, a jam)
    later = utcnow() + timedelta(days=3)
    with simulated(lambda: later):
        text = text_of(render_cards(batch_cards(batch), upload_root=root))
    assert old_name in text and "JL. AHMAD YANI NO. 5" in text and nik in text
    assert NEW_NAME not in text and NEW_ADDRESS not in text
    assert issued_on in text
    assert f"{office_date(later):%d-%m-%Y}" not in text
    # the other card of the batch is untouched
    assert applications[1].applicant.name in text


def test_reprint_uses_the_photo_printed_not_the_files_referenced_now(app):
    _batch, applications, cards = printed(app)
    root = app.config["UPLOAD_FOLDER"]
    application = applications[0]
    application.photo_path = application.signature_path = None  # what a later change would do
    db.session.commit()
    pdf = render_cards(cards, upload_root=root)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 2  # photo and signature, as printed
    assert len(PdfReader(io.BytesIO(render_preview(application, root))).pages[0].images) == 0


def test_the_preview_before_printing_uses_the_live_data(app):
    """No card yet: the preview shows the data now, and the card printed afterwards
    carries the edit (the snapshot is taken at printing)."""
    receive(950, 3)
    application = print_ready(app, 1)[0]
    applicant = application.applicant
    applicant.name = NEW_NAME  # corrected at the data check, before printing
    db.session.commit()
    root = app.config["UPLOAD_FOLDER"]
    assert NEW_NAME in text_of(render_preview(application, root))
    batch = batch_with([application])
    cards = print_batch(batch, user_of("printing_operator"))
    assert cards[0].printed_data["name"] == NEW_NAME
    assert NEW_NAME in text_of(render_cards(cards, upload_root=root))


def test_manifest_keeps_the_names_printed(app):
    batch, applications, cards = printed(app, 2)
    first = applications[0].applicant
    old_name, old_nik = first.name, first.nik
    edit(first, name=NEW_NAME)
    rows = {row["serial"]: row for row in manifest_context(batch, None)["rows"]}
    assert rows[cards[0].blank.serial]["name"] == old_name
    assert rows[cards[0].blank.serial]["nik"] == old_nik
    text = text_of(render_manifest(batch, "KEPALA BIDANG UJI"))
    assert old_name in text and NEW_NAME not in text
    assert applications[1].applicant.name in text


def test_handover_receipt_keeps_the_name_printed(app):
    _batch, application, card = handed_over(app)
    applicant = application.applicant
    old_name = applicant.name
    masked = applicant.masked_nik
    edit(applicant, name=NEW_NAME)
    context = handover_context(card, "https://example.invalid/verify/x")
    assert context["name"] == old_name and context["masked_nik"] == masked


# ------------------------------------------------------------------ the edit needs a reason


def test_edit_after_issue_without_a_reason_is_refused_and_changes_nothing(app):
    _batch, applications, cards = printed(app)
    applicant = applications[0].applicant
    state = applicant_row(applicant.id)
    entries = len(edit_entries(applicant))
    for reason in (None, "", "   ", "x" * (MIN_CHANGE_REASON_LENGTH - 1)):
        with pytest.raises(DomainError) as exc:
            edit(applicant, reason=reason, name=NEW_NAME)
        assert exc.value.field == "change_reason"
        assert applicant_row(applicant.id) == state
        applicant = db.session.get(Applicant, applicant.id)
    with pytest.raises(DomainError):
        edit(applicant, reason="y" * 256, name=NEW_NAME)
    assert applicant_row(applicant.id) == state
    assert len(edit_entries(db.session.get(Applicant, applicant.id))) == entries


def test_edit_after_issue_with_a_reason_is_audited_with_it(app):
    _batch, applications, cards = printed(app)
    applicant = applications[0].applicant
    old_name = applicant.name
    edit(applicant, reason=f"  {REASON}  ", name=NEW_NAME)
    entry = edit_entries(applicant)[-1]
    assert entry.changes["name"] == [old_name, NEW_NAME]
    assert entry.changes["change_reason"] == [None, REASON]
    assert entry.changes["after_issue"] == [False, True]
    assert entry.username == "recording.operator"


def test_no_reason_needed_before_printing_or_after_a_spoiled_card(app):
    receive(960, 4)
    application = print_ready(app, 1)[0]
    applicant = application.applicant
    edit(applicant, reason=None, address=NEW_ADDRESS)  # not printed yet
    assert "change_reason" not in edit_entries(applicant)[-1].changes
    batch = batch_with([application])
    card = print_batch(batch, user_of("printing_operator"))[0]
    with pytest.raises(DomainError):
        edit(applicant, reason=None, rt="004")
    db.session.rollback()
    confirm_card(card, user_of("printing_operator"), False, reason="tinta luntur")
    assert changes_since_issue(card) == []  # a spoiled card is in nobody's hands
    applicant = db.session.get(Applicant, applicant.id)
    edit(applicant, reason=None, rt="004")  # back to print-ready: no card issued
    assert db.session.get(Applicant, applicant.id).rt == "004"


def test_a_save_that_changes_nothing_needs_no_reason(app):
    _batch, applications, _cards = printed(app)
    applicant = applications[0].applicant
    entries = len(edit_entries(applicant))
    edit(applicant, reason=None)
    assert len(edit_entries(applicant)) == entries


def test_changes_since_issue_lists_what_the_card_says_differently(app):
    _batch, applications, cards = printed(app)
    applicant = applications[0].applicant
    old_name = applicant.name
    assert changes_since_issue(cards[0]) == []
    edit(applicant, name=NEW_NAME, address=NEW_ADDRESS, rt="7")
    changes = {c.field: (c.issued, c.now) for c in changes_since_issue(cards[0])}
    assert changes == {"name": (old_name, NEW_NAME),
                       "address": ("JL. AHMAD YANI NO. 5", NEW_ADDRESS),
                       "rt_rw": ("003/002", "007/002")}


# ------------------------------------------------------------------ through the screens


def test_screens_edit_needs_a_reason_and_documents_stay_as_issued(app):
    printer_device = make_printer()
    batch, application, card = handed_over(app)
    applicant = application.applicant
    old_name, applicant_id = applicant.name, applicant.id
    recorder = login(app, "recording_operator")
    url = f"/admin/applicant/edit/?id={applicant_id}"

    page = recorder.client.get(url).get_data(as_text=True)
    assert 'name="change_reason"' in page
    assert "Alasan perubahan" in page

    # without a reason: refused next to the field, in Indonesian, nothing changed
    state = applicant_row(applicant_id)
    response = recorder.post(url, form_of(applicant, name=NEW_NAME), token_from=url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert str(escape("KTP-el penduduk ini sudah dicetak")) in html
    assert "invalid-feedback" in html
    assert applicant_row(applicant_id) == state
    assert edit_entries(db.session.get(Applicant, applicant_id)) == []

    # with a reason: saved, the reason in the audit entry
    response = recorder.post(url, form_of(db.session.get(Applicant, applicant_id),
                                          name=NEW_NAME, change_reason=REASON),
                             token_from=url)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    applicant = db.session.get(Applicant, applicant_id)
    assert applicant.name == NEW_NAME
    entry = edit_entries(applicant)[-1]
    assert entry.changes["change_reason"] == [None, REASON]

    operator = login(app, "printing_operator")
    # the batch PDF rendered again: the card as printed
    response = operator.post(f"/admin/printbatch/render/?id={batch.id}",
                             {"printer_id": printer_device.id},
                             token_from=f"/admin/printbatch/details/?id={batch.id}")
    assert response.status_code == 302
    pdf = operator.client.get(f"/admin/printbatch/pdf/?id={batch.id}")
    assert pdf.status_code == 200
    text = text_of(pdf.data)
    assert old_name in text and NEW_NAME not in text
    stored = Path(current_app.config["DOCUMENT_FOLDER"]) / db.session.get(
        type(batch), batch.id).pdf_path
    assert old_name in text_of(stored.read_bytes())

    # the signed manifest and the handover receipt: the name printed
    manifest = operator.client.get(f"/admin/printbatch/manifest/?id={batch.id}")
    assert manifest.status_code == 200
    text = text_of(manifest.data)
    assert old_name in text and NEW_NAME not in text
    receipt = operator.client.get(f"/admin/custody/receipt/?id={card.id}")
    assert receipt.status_code == 200
    text = text_of(receipt.data)
    assert old_name in text and NEW_NAME not in text

    # the card's page says the data changed after issue, and what
    for role, auth in (("printing_operator", operator),
                       ("head_of_division", login(app, "head_of_division"))):
        page = auth.client.get(f"/admin/card/details/?id={card.id}")
        assert page.status_code == 200, role
        html = page.get_data(as_text=True)
        assert 'data-testid="changed-after-issue"' in html, role
        assert "Data berubah setelah kartu terbit" in html
        row = re.search(r'data-testid="changed-name">(.*?)</tr>', html, re.S)
        assert row and old_name in row.group(1) and NEW_NAME in row.group(1)


def test_screens_no_reason_field_and_no_flag_before_printing(app):
    application = print_ready(app, 1)[0]
    applicant = application.applicant
    recorder = login(app, "recording_operator")
    url = f"/admin/applicant/edit/?id={applicant.id}"
    page = recorder.client.get(url).get_data(as_text=True)
    assert 'name="change_reason"' not in page
    response = recorder.post(url, form_of(applicant, address=NEW_ADDRESS), token_from=url)
    assert response.status_code == 302
    assert db.session.get(Applicant, applicant.id).address == NEW_ADDRESS


def test_screens_card_page_without_changes_has_no_flag(app):
    _batch, _applications, cards = printed(app)
    operator = login(app, "printing_operator")
    html = operator.client.get(f"/admin/card/details/?id={cards[0].id}").get_data(as_text=True)
    assert 'data-testid="changed-after-issue"' not in html
