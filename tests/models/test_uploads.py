"""Uploads (issue 8): pixel bombs refused from the header before decoding, PDFs with
active content refused, personal files served as attachments, a refused intake or
recording leaves no file behind, and files under instance/ readable by the service
user only."""

from __future__ import annotations

import io
import os
import stat
import time
import tracemalloc
from pathlib import Path

import pikepdf
import pytest
import sqlalchemy as sa

from config import load_or_create_secret_key, secure_instance
from models import Application, DomainError, db, uploads
from models.uploads import (
    MAX_IMAGE_PIXELS,
    check_pixels,
    discard_unused_uploads,
    pdf_active_content,
    store_document,
    store_image,
)
from tests.admin.test_malformed import BOMB_PNG, JS_PDF, pdf_with, png_of_pixels
from tests.factories import (
    PDF_BYTES,
    intake_lookup,
    make_applicant,
    png_bytes,
    submitted,
    user_of,
)


def files_under(root: str | Path) -> set[str]:
    base = Path(root)
    return {str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()} \
        if base.exists() else set()


# ------------------------------------------------------------------ pixel bombs


def test_the_79_megapixel_png_is_refused_fast_without_decoding(app) -> None:
    assert len(BOMB_PNG) < 100_000  # a few KB on the wire
    before = files_under(app.config["UPLOAD_FOLDER"])
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(DomainError) as refused:
        store_image(app.config["UPLOAD_FOLDER"], BOMB_PNG, "photo")
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "megapiksel" in str(refused.value.message) or "megapixels" in str(
        refused.value.message)
    assert elapsed < 0.5, elapsed  # the issue measured 4.6 s
    assert peak < 20 * 1024 * 1024, peak  # and 650 MB
    with pytest.raises(DomainError):
        store_document(app.config["UPLOAD_FOLDER"], BOMB_PNG)
    assert files_under(app.config["UPLOAD_FOLDER"]) == before


@pytest.mark.parametrize(("width", "height"), [(6400, 6300), (8900, 8900), (50_000, 1000),
                                               (1000, 50_000)])
def test_images_over_the_pixel_limit_are_refused_from_their_header(width, height) -> None:
    assert width * height > MAX_IMAGE_PIXELS
    with pytest.raises(DomainError):
        check_pixels(png_of_pixels(width, height))


def test_pillows_bomb_warning_is_a_refusal(monkeypatch) -> None:
    """Between Pillow's own limit and twice it Pillow only warns: here that is an error."""
    from PIL import Image

    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 10**12)  # our own check out of the way
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(DomainError):
        check_pixels(png_of_pixels(40, 40))  # 1600 px: a warning in Pillow
    check_pixels(png_of_pixels(30, 30))


def test_an_image_under_the_limit_is_still_accepted(app) -> None:
    stored = store_image(app.config["UPLOAD_FOLDER"], png_bytes((1200, 1600)), "photo")
    assert stored.mime == "image/jpeg"


# ------------------------------------------------------------------ active PDFs


def _pdf_saved_with(change) -> bytes:
    with pikepdf.open(io.BytesIO(pdf_with(b""))) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def _launch(pdf) -> None:
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.Launch,
                                             F=pikepdf.String("cmd.exe"))


def _attachment(pdf) -> None:
    pdf.attachments["faktur.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00")


def _page_action(pdf) -> None:
    pdf.pages[0].obj.AA = pikepdf.Dictionary(O=pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))


ACTIVE_PDFS = {
    "openaction javascript": JS_PDF,
    "javascript name tree": pdf_with(
        b"/Names << /JavaScript << /Names [(a) << /S /JavaScript /JS (x) >>] >> >>"),
    "escaped name J#61vaScript": pdf_with(
        b"/Names << /J#61vaScript << /Names [(a) << /S /J#61vaScript /JS (x) >>] >> >>"),
    "openaction in an object stream": _pdf_saved_with(
        lambda pdf: setattr(pdf.Root, "OpenAction", pikepdf.Dictionary(
            S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))),
    "launch action": _pdf_saved_with(_launch),
    "embedded file": _pdf_saved_with(_attachment),
    "page additional action": _pdf_saved_with(_page_action),
}


@pytest.mark.parametrize("name", list(ACTIVE_PDFS))
def test_pdfs_with_active_content_are_refused(app, name) -> None:
    data = ACTIVE_PDFS[name]
    before = files_under(app.config["UPLOAD_FOLDER"])  # the folder is the session's
    assert pdf_active_content(data)
    with pytest.raises(DomainError) as refused:
        store_document(app.config["UPLOAD_FOLDER"], data)
    assert "PDF" in str(refused.value.message)
    assert files_under(app.config["UPLOAD_FOLDER"]) == before


def test_a_plain_pdf_is_kept_as_sent(app) -> None:
    plain = pdf_with(b"")
    assert pdf_active_content(plain) == []
    stored = store_document(app.config["UPLOAD_FOLDER"], plain)
    assert (Path(app.config["UPLOAD_FOLDER"]) / stored.path).read_bytes() == plain
    assert store_document(app.config["UPLOAD_FOLDER"], PDF_BYTES).mime == "application/pdf"


def test_a_pdf_the_reader_cannot_open_is_refused(app) -> None:
    with pytest.raises(DomainError):
        store_document(app.config["UPLOAD_FOLDER"],
                       b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


def test_the_intake_refuses_a_kk_copy_with_javascript(recording_operator, app) -> None:
    applicant = make_applicant()
    before = files_under(app.config["UPLOAD_FOLDER"])
    page = intake_lookup(recording_operator.client, applicant.nik)
    from tests.factories import csrf_from

    response = recording_operator.client.post("/admin/intake/", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "nik": applicant.nik,
        "f102_complete": "y", "kk_copy": (io.BytesIO(JS_PDF), "kk.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "skrip" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(Application.id))).scalar() == 0
    assert files_under(app.config["UPLOAD_FOLDER"]) == before


# ------------------------------------------------------------------ nothing left behind


def _intake(client, nik: str, data: bytes, name: str = "kk.pdf"):
    from tests.factories import csrf_from

    page = intake_lookup(client, nik)
    return client.post("/admin/intake/", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "nik": nik,
        "f102_complete": "y", "kk_copy": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def test_a_refused_intake_leaves_no_uploaded_file(recording_operator, app) -> None:
    root = app.config["UPLOAD_FOLDER"]
    applicant = make_applicant()
    submitted(app, applicant, user_of("recording_operator"))  # already has one open
    before = files_under(root)
    other_scan = pdf_with(b"/Lang (id)")  # a file no record has yet
    response = _intake(recording_operator.client, applicant.nik, other_scan)
    assert response.status_code == 200  # the form again, with the refusal
    assert db.session.execute(sa.select(sa.func.count(Application.id))).scalar() == 1
    assert files_under(root) == before


def test_a_refused_recording_leaves_no_uploaded_photo(recording_operator, app) -> None:
    from tests.factories import csrf_from

    root = app.config["UPLOAD_FOLDER"]
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    before = files_under(root)
    page = recording_operator.client.get(f"/admin/application/details/?id={application.id}")
    # Fingerprints and iris not captured: the recording is refused after the photo and
    # signature were stored.
    response = recording_operator.client.post(
        f"/admin/application/record/?id={application.id}", data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "photo": (io.BytesIO(png_bytes((300, 400), "blue")), "foto.png"),
            "signature": (io.BytesIO(png_bytes((400, 150), "black")), "ttd.png")},
        content_type="multipart/form-data")
    assert response.status_code in (200, 302)
    db.session.refresh(application)
    assert application.status == "submitted" and application.photo_path is None
    assert files_under(root) == before


def test_a_successful_intake_keeps_its_file(recording_operator, app) -> None:
    root = app.config["UPLOAD_FOLDER"]
    applicant = make_applicant()
    response = _intake(recording_operator.client, applicant.nik, pdf_with(b""))
    assert response.status_code == 302
    application = db.session.execute(sa.select(Application)).scalar_one()
    assert application.kk_copy_path in files_under(root)


def test_the_tracker_keeps_a_file_that_existed_and_one_a_record_refers_to(app) -> None:
    root = app.config["UPLOAD_FOLDER"]
    existing = store_document(root, PDF_BYTES)  # outside a tracked block: never removed
    unique = (50 + os.getpid() % 97, 61 + int(time.time() * 1000) % 89)  # a new file
    with discard_unused_uploads():
        again = store_document(root, PDF_BYTES)
        fresh = store_image(root, png_bytes(unique, "teal"), "photo")
    assert again.path == existing.path and again.path in files_under(root)
    assert fresh.path not in files_under(root)
    with discard_unused_uploads(referenced=lambda paths: set(paths)):
        kept = store_image(root, png_bytes(unique, "olive"), "photo")
    assert kept.path in files_under(root)


# ------------------------------------------------------------------ served as attachments


def test_personal_files_are_attachments_with_nosniff(app, head_of_division) -> None:
    from tests.factories import recorded

    application = recorded(app, make_applicant(), user_of("recording_operator"))
    for kind in ("kk_copy", "photo", "signature"):
        response = head_of_division.client.get(
            f"/admin/application/file/{kind}/?id={application.id}")
        assert response.status_code == 200, kind
        assert response.headers["Content-Disposition"].startswith("attachment"), kind
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"


# ------------------------------------------------------------------ instance file modes


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_uploads_are_0600_in_0700_folders(app, tmp_path) -> None:
    root = tmp_path / "uploads"
    stored = store_image(root, png_bytes(), "photo")
    target = root / stored.path
    assert _mode(target) == 0o600
    folder = target.parent
    while folder != tmp_path:
        assert _mode(folder) == 0o700, folder
        folder = folder.parent
    stored_pdf = store_document(root, PDF_BYTES)
    assert _mode(root / stored_pdf.path) == 0o600


def test_documents_keys_and_the_database_are_the_service_users_only(tmp_path) -> None:
    from printing.render import store_pdf

    store_pdf(tmp_path / "documents", "batches/BATCH-1.pdf", b"%PDF-1.4\n%%EOF\n")
    assert _mode(tmp_path / "documents" / "batches" / "BATCH-1.pdf") == 0o600
    assert _mode(tmp_path / "documents" / "batches") == 0o700
    assert _mode(tmp_path / "documents") == 0o700
    instance = tmp_path / "instance"
    secure_instance(str(instance), f"sqlite:///{instance / 'ktp.sqlite'}")
    assert _mode(instance) == 0o700
    assert _mode(instance / "ktp.sqlite") == 0o600
    load_or_create_secret_key(str(instance))
    assert _mode(instance / "secret_key") == 0o600


def test_create_app_makes_the_instance_folder_private(tmp_path, monkeypatch) -> None:
    from app import create_app

    database = tmp_path / "db" / "ktp.sqlite"
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    assert _mode(Path(app.instance_path)) == 0o700
    assert _mode(database) == 0o600
