"""Printed documents: card faces (overlay/preview), manifest, handover receipt with its
QR code, blank destruction report and stock reconciliation, read back from the PDF.

Tests that rasterise a PDF (pdftoppm, Debian poppler-utils) or read a QR code
(zbarimg, zbar-tools) ask for the `pdftoppm` / `zbarimg` fixture: without the tool they
are skipped, or fail under CI=true (`make system-deps` installs both).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from models import db
from models.batches import (
    add_to_batch,
    confirm_card,
    create_batch,
    decide_batch,
    print_batch,
    submit_batch,
)
from models.blanks import Reconciliation, destroy_spoiled, reconcile
from models.cards import hand_over
from models.office_time import office_today
from models.survey import survey_code
from printing import cards as card_pdf
from printing.cards import card_data, render_cards, render_preview
from printing.documents import (
    in_words,
    qr_svg,
    render_destruction_report,
    render_handover_receipt,
    render_manifest,
    render_reconciliation,
)
from printing.links import survey_url
from tests.factories import print_ready, receive, user_of

SECRET = "test-secret"
MM_PER_PT = 25.4 / 72
ID1_MM = (85.60, 53.98)
A4_MM = (210.0, 297.0)
A5_MM = (148.0, 210.0)
ISSUED = date(2025, 11, 24)


# ------------------------------------------------------------------ tools


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        reason = f"{name} not found: apt-get install {package} (`make system-deps`)"
        if _on_ci():
            pytest.fail(reason + " (CI=true: a missing tool is a failure, not a skip)")
        pytest.skip(reason)
    return path


@pytest.fixture
def pdftoppm() -> str:
    return _tool("pdftoppm", "poppler-utils")


@pytest.fixture
def zbarimg() -> str:
    return _tool("zbarimg", "zbar-tools")


def png_of(tool: str, pdf: bytes, tmp_path: Path, dpi: int = 100, page: int = 1) -> Image.Image:
    src = tmp_path / "doc.pdf"
    src.write_bytes(pdf)
    out = tmp_path / f"page-{page}"
    subprocess.run([tool, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                    "-singlefile", str(src), str(out)], check=True, timeout=60)
    return Image.open(out.with_suffix(".png")).convert("RGB")


# ------------------------------------------------------------------ PDF reading


def pages(pdf: bytes):
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf)).pages


def flat(text: str) -> str:
    """Extracted text with its line breaks and justification spaces as single spaces."""
    return " ".join(text.split())


def squeezed(text: str) -> str:
    """Without any spaces: pypdf splits kerned pairs ("T erpakai") of some fonts."""
    return "".join(text.split())


def text_of(pdf: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in pages(pdf)))


def size_mm(page) -> tuple[float, float]:
    box = page.mediabox
    return (float(box.width) * MM_PER_PT, float(box.height) * MM_PER_PT)


def assert_size(page, expected: tuple[float, float], tolerance: float = 0.01) -> None:
    w, h = size_mm(page)
    assert abs(w - expected[0]) <= tolerance and abs(h - expected[1]) <= tolerance, (w, h)


def text_position_mm(page, needle: str) -> tuple[float, float]:
    """Where `needle` starts on the page, in mm from the top left corner."""
    found = []

    def visit(text, cm, tm, font, size):
        if needle in text:
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            found.append((x * MM_PER_PT, float(page.mediabox.height - y) * MM_PER_PT))

    page.extract_text(visitor_text=visit)
    assert found, f"{needle!r} not on the page"
    return found[0]


def white_fraction(img: Image.Image) -> float:
    gray = img.convert("L")
    hist = gray.histogram()
    return sum(hist[245:]) / (gray.width * gray.height)


# ------------------------------------------------------------------ builders


def make_batch(app, n: int, first_serial: int = 700):
    receive(first_serial, n + 5)
    apps = print_ready(app, n)
    printer = user_of("printing_operator")
    batch = create_batch(printer)
    add_to_batch(batch, apps, printer)
    submit_batch(batch, printer)
    decide_batch(batch, user_of("head_of_division"), True, "setuju")
    return batch, apps


def printed_batch(app, n: int = 3):
    batch, apps = make_batch(app, n)
    cards = print_batch(batch, user_of("printing_operator"))
    return batch, cards


# ------------------------------------------------------------------ card data


def test_card_data_is_the_official_content_in_capitals(app):
    application = print_ready(app, 1)[0]
    applicant = application.applicant
    data = card_data(application, ISSUED)
    assert list(data) == [
        "province", "regency", "nik", "name", "birth", "sex", "blood_type", "address",
        "rt_rw", "village", "district", "religion", "marital_status", "occupation",
        "citizenship", "valid_until", "photo", "issue_place", "issue_date", "signature"]
    assert data["province"] == "PROVINSI NUSA TENGGARA TIMUR"
    assert data["regency"] == "KABUPATEN SUMBA TIMUR"
    assert data["nik"] == applicant.nik
    assert data["name"] == applicant.name
    assert data["birth"] == f"WAINGAPU, {applicant.birth_date:%d-%m-%Y}"
    assert data["sex"] == "LAKI-LAKI"
    assert data["blood_type"] == "O"
    assert data["address"] == "JL. AHMAD YANI NO. 5"
    assert data["rt_rw"] == "003/002"
    assert (data["village"], data["district"]) == ("KAMBAJAWA", "KOTA WAINGAPU")
    assert (data["religion"], data["marital_status"]) == ("KRISTEN", "BELUM KAWIN")
    assert (data["occupation"], data["citizenship"]) == ("PETANI/PEKEBUN", "WNI")
    assert data["valid_until"] == "SEUMUR HIDUP"
    assert (data["issue_place"], data["issue_date"]) == ("SUMBA TIMUR", "24-11-2025")
    root = Path(app.config["UPLOAD_FOLDER"]).resolve()
    for key in ("photo", "signature"):
        assert Path(data[key]).is_absolute() and Path(data[key]).is_file()
        assert root in Path(data[key]).parents
    for key, value in data.items():
        if key not in ("photo", "signature"):
            assert value == value.upper(), key


def test_card_data_unknown_blood_type_and_missing_files(app):
    application = print_ready(app, 1)[0]
    application.applicant.blood_type = "13"
    application.photo_path = "photo/00/missing.jpg"
    db.session.commit()
    data = card_data(application, ISSUED, upload_root=app.config["UPLOAD_FOLDER"])
    assert data["blood_type"] == "-"
    assert data["photo"] is None and data["signature"] is not None


# ------------------------------------------------------------------ card PDFs


def test_overlay_has_one_id1_page_per_card_with_the_data(app):
    batch, cards = printed_batch(app, 3)
    pdf = render_cards(cards, upload_root=app.config["UPLOAD_FOLDER"])
    assert len(pages(pdf)) == 3
    for page, card in zip(pages(pdf), cards, strict=True):
        assert_size(page, ID1_MM)
        text = flat(page.extract_text())
        applicant = card.application.applicant
        for expected in (applicant.nik, applicant.name, "SEUMUR HIDUP", "KOTA WAINGAPU",
                         "KAMBAJAWA", "PROVINSI NUSA TENGGARA TIMUR",
                         "KABUPATEN SUMBA TIMUR", "003/002", "SUMBA TIMUR"):
            assert expected in text, expected
        # the date of issue is the day the card was printed
        assert f"{card_pdf.office_date(card.printed_at):%d-%m-%Y}" in text
        assert len(page.images) == 2  # photo and signature


def test_overlay_offset_moves_all_the_data(app):
    application = print_ready(app, 1)[0]
    root = app.config["UPLOAD_FOLDER"]
    plain = pages(render_cards([application], upload_root=root, issued_on=ISSUED))[0]
    moved = pages(render_cards([application], upload_root=root, issued_on=ISSUED,
                               offset_mm=(2.0, 1.5)))[0]
    assert_size(moved, ID1_MM)
    for needle in ("SEUMUR HIDUP", application.applicant.nik, "PROVINSI"):
        (x0, y0), (x1, y1) = text_position_mm(plain, needle), text_position_mm(moved, needle)
        assert x1 - x0 == pytest.approx(2.0, abs=0.02), needle
        assert y1 - y0 == pytest.approx(1.5, abs=0.02), needle
    back = pages(render_cards([application], upload_root=root, issued_on=ISSUED,
                              offset_mm=(-1.0, -0.5)))[0]
    (x0, y0), (x1, y1) = (text_position_mm(plain, "SEUMUR HIDUP"),
                          text_position_mm(back, "SEUMUR HIDUP"))
    assert (x1 - x0, y1 - y0) == (pytest.approx(-1.0, abs=0.02), pytest.approx(-0.5, abs=0.02))


def test_offset_moves_the_ink_on_the_rendered_page(app, tmp_path, pdftoppm):
    application = print_ready(app, 1)[0]
    root = app.config["UPLOAD_FOLDER"]
    dpi = 200
    boxes = []
    for offset in ((0, 0), (3.0, 2.0)):
        pdf = render_cards([application], upload_root=root, issued_on=ISSUED, offset_mm=offset)
        img = png_of(pdftoppm, pdf, tmp_path, dpi=dpi).convert("L")
        boxes.append(img.point(lambda v: 255 if v < 128 else 0).getbbox())
    (l0, t0, _, _), (l1, t1, _, _) = boxes
    px_per_mm = dpi / 25.4
    assert (l1 - l0) / px_per_mm == pytest.approx(3.0, abs=0.3)
    assert (t1 - t0) / px_per_mm == pytest.approx(2.0, abs=0.3)


def test_preview_has_a_background_and_overlay_does_not(app, tmp_path, pdftoppm):
    application = print_ready(app, 1)[0]
    root = app.config["UPLOAD_FOLDER"]
    overlay = render_cards([application], upload_root=root, mode="overlay")
    preview = render_preview(application, root)
    assert len(pages(preview)) == 1
    assert_size(pages(preview)[0], ID1_MM)
    text = text_of(preview)
    assert application.applicant.nik in text and "SEUMUR HIDUP" in text
    assert white_fraction(png_of(pdftoppm, overlay, tmp_path)) > 0.7
    preview_png = png_of(pdftoppm, preview, tmp_path)
    assert white_fraction(preview_png) < 0.2
    # light blue-green: blue and green above red in the middle of the card
    r, g, b = preview_png.getpixel((preview_png.width // 6, preview_png.height * 3 // 4))
    assert g > r and b > r


def test_missing_photo_renders_an_empty_frame(app):
    application = print_ready(app, 1)[0]
    application.photo_path = None
    db.session.commit()
    pdf = render_cards([application], upload_root=app.config["UPLOAD_FOLDER"])
    page = pages(pdf)[0]
    assert_size(page, ID1_MM)
    assert len(page.images) == 1  # the signature only
    assert application.applicant.nik in page.extract_text()


def test_large_batch_is_rendered_by_workers_in_order(tmp_path):
    """From PARALLEL_MIN_CARDS cards the chunks go to worker processes (plain dicts)
    and come back merged in the original order."""
    from bench.print_batch import synthetic_cards

    n = card_pdf.PARALLEL_MIN_CARDS + 7
    dicts = synthetic_cards(n, tmp_path)
    pdf = card_pdf.render_card_dicts(dicts, "overlay", (0.5, 0.5), parallel=True)
    read = pages(pdf)
    assert len(read) == n
    for page, d in zip(read, dicts, strict=True):
        assert_size(page, ID1_MM)
        assert d["nik"] in page.extract_text()
    # the same through render_cards, which accepts card dicts too
    again = render_cards(dicts[:3], upload_root=str(tmp_path), issued_on=ISSUED)
    assert [d["nik"] in p.extract_text() for p, d in zip(pages(again), dicts, strict=False)] \
        == [True, True, True]
    assert "24-11-2025" in text_of(again)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_guided_chunk_sizes_shrink_towards_the_end():
    """Full chunks while much is left, then smaller ones, so that no process waits
    at the end for another's last full chunk; every card once, in order."""
    sizes = card_pdf.guided_sizes(500, 2)
    assert sum(sizes) == 500
    assert max(sizes) == card_pdf.CHUNK_CARDS
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-3:] == [1, 1, 1]
    assert card_pdf.guided_sizes(3, 2) == [1, 1, 1]
    cards = [{"nik": str(i)} for i in range(57)]
    chunks = card_pdf._split(cards, card_pdf.guided_sizes(57, 2))
    assert [c for chunk in chunks for c in chunk] == cards


def test_helpers_are_kept_between_batches_then_let_go(tmp_path, monkeypatch):
    """The second batch finds the helper processes of the first (no start-up), a
    batch while another holds them renders in its own process, and after
    POOL_IDLE_SECONDS without a batch the helpers exit."""
    from bench.print_batch import synthetic_cards

    card_pdf.POOL.shutdown()
    monkeypatch.setattr(card_pdf, "POOL_IDLE_SECONDS", 30.0)
    dicts = synthetic_cards(12, tmp_path)  # parallel=True: two chunks are enough
    card_pdf.render_card_dicts(dicts, parallel=True)
    first = card_pdf.POOL.acquire()
    assert first is not None
    workers = set(first._processes)
    assert workers
    # Held by a batch: another one at the same moment renders alone, all pages.
    assert len(pages(card_pdf.render_card_dicts(dicts, parallel=True))) == len(dicts)
    card_pdf.POOL.release()
    card_pdf.render_card_dicts(dicts, parallel=True)
    again = card_pdf.POOL.acquire()
    assert again is first and set(again._processes) == workers
    card_pdf.POOL.release()
    card_pdf.POOL.idle()  # what the timer does after POOL_IDLE_SECONDS
    assert not card_pdf.POOL.running
    deadline = time.monotonic() + 20
    while workers and time.monotonic() < deadline:
        workers = {pid for pid in workers if _alive(pid)}
        time.sleep(0.1)
    assert not workers, "the helpers exit once let go"
    assert len(pages(card_pdf.render_card_dicts(dicts, parallel=True))) == len(dicts)
    card_pdf.POOL.shutdown()


def test_a_batch_of_many_chunks_is_merged_in_groups(tmp_path, monkeypatch):
    """More chunk files than may be open at once: merged in groups, every page once,
    in order."""
    from bench.print_batch import synthetic_cards

    card_pdf.POOL.shutdown()
    monkeypatch.setattr(card_pdf, "MERGE_OPEN_FILES", 3)
    dicts = synthetic_cards(12, tmp_path)  # guided sizes: 7 chunk files, merged by 3
    read = pages(card_pdf.render_card_dicts(dicts, parallel=True))
    assert [d["nik"] in p.extract_text() for p, d in zip(read, dicts, strict=True)] \
        == [True] * len(dicts)
    card_pdf.POOL.shutdown()


def test_without_pikepdf_chunks_are_joined_by_weasyprint(tmp_path, monkeypatch):
    from bench.print_batch import synthetic_cards

    monkeypatch.setattr(card_pdf, "_have_merger", lambda: False)
    dicts = synthetic_cards(card_pdf.CHUNK_CARDS + 3, tmp_path)
    read = pages(card_pdf.render_card_dicts(dicts, "preview"))
    assert len(read) == len(dicts)
    assert [d["nik"] in p.extract_text() for p, d in zip(read, dicts, strict=True)] \
        == [True] * len(dicts)


def test_unknown_mode_is_refused(app):
    application = print_ready(app, 1)[0]
    with pytest.raises(ValueError):
        render_cards([application], upload_root=app.config["UPLOAD_FOLDER"], mode="draft")


# ------------------------------------------------------------------ manifest


def test_manifest_lists_every_serial_nik_and_name(app):
    batch, cards = printed_batch(app, 4)
    printer = user_of("printing_operator")
    confirm_card(cards[1], printer, False, reason="tinta luntur")
    pdf = render_manifest(batch, "KEPALA BIDANG UJI")
    assert_size(pages(pdf)[0], A4_MM, tolerance=0.5)
    text = text_of(pdf)
    assert "MANIFES BATCH CETAK KTP-el" in text and batch.number in text
    for card in cards:
        applicant = card.application.applicant
        assert card.blank.serial in text and applicant.nik in text and applicant.name in text
    assert "Rusak" in text
    assert "Operator Pencetakan" in text and "Kepala Bidang" in text
    assert "KEPALA BIDANG UJI" in text and "PEGAWAI PRINTING_OPERATOR" in text
    assert "PEGAWAI HEAD_OF_DIVISION" in text  # approved by


def test_manifest_before_printing_lists_the_applications(app):
    batch, apps = make_batch(app, 2)
    text = text_of(render_manifest(batch, None))
    for application in apps:
        assert application.applicant.nik in text
    assert "Disetujui" in text and "belum dicetak" in text


# ------------------------------------------------------------------ handover receipt


def handed_over_card(app):
    batch, cards = printed_batch(app, 1)
    card = cards[0]
    printer = user_of("printing_operator")
    confirm_card(card, printer, True, storage_location="LEMARI A")
    hand_over(card, printer, receiver_name="YOHANA RAMBU ATA", relation="spouse",
                  id_checked=True, authority_letter=True, secret=SECRET)
    return card


def test_handover_receipt_text(app):
    card = handed_over_card(app)
    url = f"https://dukcapil.sumbatimurkab.go.id/verifikasi/{card.verification_code}"
    pdf = render_handover_receipt(card, url)
    w, h = size_mm(pages(pdf)[0])
    assert (round(w), round(h)) in ((148, 210), (105, 148))
    text = text_of(pdf)
    applicant = card.application.applicant
    assert "TANDA TERIMA PENYERAHAN KTP-el" in text
    assert applicant.nik[:6] + "******" + applicant.nik[-4:] in text
    assert applicant.nik not in text
    for expected in (applicant.name, card.blank.serial, "YOHANA RAMBU ATA", "Suami/istri",
                     "PEGAWAI PRINTING_OPERATOR", "Sudah diperiksa"):
        assert expected in text, expected


def test_handover_receipt_qr_decodes_to_the_verify_url(app, tmp_path, pdftoppm, zbarimg):
    card = handed_over_card(app)
    url = f"https://dukcapil.sumbatimurkab.go.id/verifikasi/{card.verification_code}?a=1&b=2"
    pdf = render_handover_receipt(card, url)
    png = tmp_path / "receipt.png"
    png_of(pdftoppm, pdf, tmp_path, dpi=300).save(png)
    result = subprocess.run([zbarimg, "--raw", "-q", str(png)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # Exactly: the verification QR; beside it the satisfaction survey's (printing.links).
    survey = survey_url(survey_code(card, app.config["SECRET_KEY"]))
    assert sorted(result.stdout.splitlines()) == sorted([url, survey])


def test_handover_receipt_needs_a_handed_over_card(app):
    _, cards = printed_batch(app, 1)
    with pytest.raises(ValueError):
        render_handover_receipt(cards[0], "https://example.invalid/v/x")


def test_qr_svg_is_a_scalable_svg():
    svg = qr_svg("https://example.invalid/v/abc")
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert "viewBox" in svg


# ------------------------------------------------------------------ destruction report


def test_destruction_report_lists_the_spoiled_serials(app):
    batch, cards = printed_batch(app, 3)
    printer = user_of("printing_operator")
    confirm_card(cards[0], printer, False, reason="tinta luntur")
    confirm_card(cards[2], printer, False, reason="kartu tergores")
    blanks = [cards[0].blank, cards[2].blank]
    head = user_of("head_of_division")
    destroy_spoiled(blanks, head, "dipotong dan dibakar")
    pdf = render_destruction_report(blanks, head.full_name, "dipotong dan dibakar",
                                    date(2025, 11, 24))
    assert_size(pages(pdf)[0], A4_MM, tolerance=0.5)
    text = text_of(pdf)
    assert "BERITA ACARA PEMUSNAHAN BLANGKO KTP-el RUSAK" in text
    for blank in blanks:
        assert blank.serial in text
    assert cards[1].blank.serial not in text
    assert "tinta luntur" in text and "kartu tergores" in text  # why each was spoiled
    assert "Senin" in text and "24 November 2025" in text
    assert "2 (dua)" in text
    assert "Kepala Bidang" in text and "Saksi I" in text and "Saksi II" in text
    assert head.full_name in text


def test_in_words():
    assert [in_words(n) for n in (0, 1, 10, 11, 12, 20, 25, 100, 115, 1000, 2024)] == [
        "nol", "satu", "sepuluh", "sebelas", "dua belas", "dua puluh", "dua puluh lima",
        "seratus", "seratus lima belas", "seribu", "dua ribu dua puluh empat"]


# ------------------------------------------------------------------ reconciliation


def test_reconciliation_says_seimbang(app):
    batch, cards = printed_batch(app, 2)
    confirm_card(cards[0], user_of("printing_operator"), False, reason="tinta luntur")
    today = office_today()
    rec = reconcile(today - timedelta(days=1), today)
    assert rec.balances
    pdf = render_reconciliation(rec, "PEGAWAI HEAD_OF_DIVISION")
    assert_size(pages(pdf)[0], A4_MM, tolerance=0.5)
    text = text_of(pdf)
    assert "REKONSILIASI STOK BLANGKO KTP-el" in text
    assert "SEIMBANG" in text and "TIDAK SEIMBANG" not in text
    for label in ("Stok awal", "Diterima", "Terpakai", "Rusak", "Hilang", "Dikembalikan",
                  "Stok akhir", "Tersedia", "Dicadangkan", "Dimusnahkan"):
        assert squeezed(label) in squeezed(text), label
    assert "PEGAWAI HEAD_OF_DIVISION" in text


def test_reconciliation_that_does_not_balance_says_so():
    rec = Reconciliation(
        start=date(2025, 1, 1), end=date(2025, 1, 31), opening=10, received=5, used=3,
        spoiled=1, lost=0, returned=0, destroyed=0, released=0, closing=12,
        status_counts={"available": 12, "used": 3, "spoiled": 1}, total_received=15)
    assert not rec.balances
    text = text_of(render_reconciliation(rec, "X"))
    assert "TIDAK SEIMBANG" in text
