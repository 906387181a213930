"""Uploaded scans and images: type checked by content, images re-encoded, PDFs refused
when they carry active content, stored under the instance folder by their sha256 (never
as public static files), readable by the service user only.

A refused operation leaves no uploaded file behind: inside `discard_unused_uploads()`
(the secured admin base wraps every route in it) each file this request newly wrote is
deleted again at the end unless a committed record refers to it.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import io
import os
import typing as t
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from .errors import DomainError

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Pixel bombs: refused from the header, before anything is decoded. An A4 scan at
# 300 dpi is 8.7 Mpx; a phone photo 12 to 50 Mpx.
MAX_IMAGE_PIXELS = 40_000_000
# Files under instance/: the service user only.
FILE_MODE = 0o600
DIR_MODE = 0o700

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
IMAGE_SPECS = {
    # kind: (max width, max height, output format)
    "photo": (600, 800, "JPEG"),
    "signature": (800, 300, "PNG"),
    "kk_copy": (2480, 3508, "JPEG"),  # an A4 scan at 300 dpi
}
# Dictionary keys and action types that make a PDF do something when it is opened or
# clicked (scripts, launching programs, carrying other files, forms sent elsewhere).
PDF_ACTIVE_KEYS = frozenset({"/JavaScript", "/JS", "/OpenAction", "/AA", "/EmbeddedFiles",
                             "/EmbeddedFile", "/RichMedia", "/XFA"})
PDF_ACTIVE_VALUES = frozenset({"/JavaScript", "/Launch", "/EmbeddedFile", "/FileAttachment",
                               "/RichMedia", "/SubmitForm", "/ImportData", "/GoToE",
                               "/Sound", "/Movie"})


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to the upload root
    sha256: str
    mime: str
    size: int


# ------------------------------------------------------------------ private files


def private_dir(path: Path) -> Path:
    """`path` and any missing parent, created 0700 (mkdir's `mode` skips parents)."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=DIR_MODE)
        os.chmod(folder, DIR_MODE)
    return path


def write_private(target: Path, data: bytes) -> None:
    """Write `data` to `target` atomically, the file created 0600 and its folders 0700."""
    target = Path(target)
    private_dir(target.parent)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


# ------------------------------------------------------------------ leaving nothing behind

# (root, relative path) of every file the current request wrote anew; None outside one.
_new_files: contextvars.ContextVar[list[tuple[Path, str]] | None] = contextvars.ContextVar(
    "new_upload_files", default=None)


def referenced_upload_paths(paths: Iterable[str]) -> set[str]:
    """Which of these stored paths a record (an application's files) refers to."""
    import sqlalchemy as sa

    from .applications import Application
    from .db import db

    wanted = list(dict.fromkeys(paths))
    if not wanted:
        return set()
    columns = (Application.kk_copy_path, Application.photo_path, Application.signature_path)
    found: set[str] = set()
    for column in columns:
        found.update(path for path in db.session.execute(
            sa.select(column).where(column.in_(wanted))).scalars() if path)
    return found


@contextlib.contextmanager
def discard_unused_uploads(
        referenced: Callable[[Iterable[str]], set[str]] = referenced_upload_paths,
) -> Iterator[list[tuple[Path, str]]]:
    """Track the files written inside the block; at its end (success, refusal or
    error alike) delete each one no record refers to. Nested blocks share the outer
    one's list."""
    outer = _new_files.get()
    if outer is not None:
        yield outer
        return
    created: list[tuple[Path, str]] = []
    token = _new_files.set(created)
    try:
        yield created
    finally:
        _new_files.reset(token)
        if created:
            _discard(created, referenced)


def _discard(created: list[tuple[Path, str]],
             referenced: Callable[[Iterable[str]], set[str]]) -> None:
    from .db import db

    try:
        db.session.rollback()  # what the request did not commit does not count
        kept = referenced(rel for _root, rel in created)
    except Exception:  # the database is unreachable: keep the files rather than guess
        return
    for root, rel in created:
        if rel in kept:
            continue
        with contextlib.suppress(OSError):
            (Path(root) / rel).unlink()


# ------------------------------------------------------------------ checks


def sniff(data: bytes) -> str | None:
    """The MIME type by the file's first bytes, whatever its name says."""
    for magic, mime in SIGNATURES.items():
        if data.startswith(magic):
            return mime
    return None


def _store(root: Path, kind: str, data: bytes, mime: str) -> StoredFile:
    digest = hashlib.sha256(data).hexdigest()
    rel = Path(kind) / digest[:2] / f"{digest}.{EXTENSIONS[mime]}"
    private_dir(Path(root))
    target = Path(root) / rel
    if not target.exists():
        write_private(target, data)
        created = _new_files.get()
        if created is not None:
            created.append((Path(root), str(rel)))
    return StoredFile(str(rel), digest, mime, len(data))


def _unreadable() -> DomainError:
    return DomainError(_l("The image could not be read; scan or photograph it again."))


def check_pixels(data: bytes) -> None:
    """Refuse an image whose header announces more than MAX_IMAGE_PIXELS, before a
    single pixel is decoded (a 77 KB PNG can announce 79 megapixels). Pillow's own
    DecompressionBombWarning counts as a refusal too."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:  # reads the header only
                width, height = probe.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise _unreadable() from exc
    if width <= 0 or height <= 0:
        raise _unreadable()
    if width * height > MAX_IMAGE_PIXELS:
        raise _too_many_pixels()


def _too_many_pixels() -> DomainError:
    return DomainError(_l("The image is too large (more than %(n)d megapixels); scan or "
                          "photograph it at a lower resolution.",
                          n=MAX_IMAGE_PIXELS // 1_000_000))


def _reencode(data: bytes, kind: str) -> tuple[bytes, str]:
    """Decode and write the image anew: strips metadata and anything hidden in it."""
    from PIL import Image, UnidentifiedImageError

    check_pixels(data)
    max_w, max_h, fmt = IMAGE_SPECS[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                img = img.convert("L" if fmt == "PNG" and kind == "signature" else "RGB")
                img.thumbnail((max_w, max_h))
                out = io.BytesIO()
                if fmt == "JPEG":
                    img.save(out, "JPEG", quality=88, optimize=True)
                    return out.getvalue(), "image/jpeg"
                img.save(out, "PNG", optimize=True)
                return out.getvalue(), "image/png"
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise _unreadable() from exc


def _check_size(data: bytes, limit: int) -> None:
    if not data:
        raise DomainError(_l("The file is empty."))
    if len(data) > limit:
        raise DomainError(_l("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))


def pdf_active_content(data: bytes) -> list[str]:
    """What in this PDF would act when it is opened (JavaScript, OpenAction, additional
    actions, Launch, embedded files, ...): the names found, empty when none. Every
    object is read through qpdf (object streams and #-escaped names included).
    DomainError when the file cannot be read as a PDF at all."""
    import pikepdf

    damaged = DomainError(_l("The PDF file is incomplete or damaged."))
    found: set[str] = set()
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise DomainError(_l("The PDF file is protected with a password; send it "
                                     "without one."))
            for obj in pdf.objects:  # every indirect object, each walked once
                _scan_pdf_object(obj, found, pikepdf, top=True)
    except DomainError:
        raise
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError, OSError,
            RuntimeError) as exc:
        raise damaged from exc
    return sorted(found)


def _scan_pdf_object(obj: object, found: set[str], pikepdf: t.Any, *, top: bool = False,
                     depth: int = 0) -> None:
    """Collect the active-content names of `obj` and of the direct objects nested in it
    (an indirect one is reached on its own through pdf.objects)."""
    if depth > 64 or (not top and getattr(obj, "is_indirect", False)):
        return
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        for key in obj.keys():
            if key in PDF_ACTIVE_KEYS:
                found.add(key)
        for key in ("/S", "/Subtype", "/Type"):
            value = obj.get(key)
            if isinstance(value, pikepdf.Name) and str(value) in PDF_ACTIVE_VALUES:
                found.add(str(value))
        for value in obj.values():
            _scan_pdf_object(value, found, pikepdf, depth=depth + 1)
    elif isinstance(obj, pikepdf.Array):
        for value in obj:
            _scan_pdf_object(value, found, pikepdf, depth=depth + 1)


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that is damaged or carries active content."""
    if b"%%EOF" not in data[-2048:]:
        raise DomainError(_l("The PDF file is incomplete or damaged."))
    active = pdf_active_content(data)
    if active:
        raise DomainError(_l("The PDF file contains scripts, automatic actions or embedded "
                             "files (%(what)s) and is not accepted. Scan the document again "
                             "or save it as a plain PDF.", what=", ".join(active)))


# ------------------------------------------------------------------ storing


def store_document(root: Path, data: bytes, kind: str = "kk_copy") -> StoredFile:
    """A scan: a PDF without active content kept as sent, JPEG/PNG re-encoded."""
    _check_size(data, MAX_DOCUMENT_BYTES)
    mime = sniff(data)
    if mime is None:
        raise DomainError(_l("Only PDF, JPEG or PNG files are accepted (this file is none "
                             "of them, whatever its name says)."))
    if mime == "application/pdf":
        check_pdf(data)
        return _store(root, kind, data, mime)
    encoded, mime = _reencode(data, kind)
    return _store(root, kind, encoded, mime)


def store_image(root: Path, data: bytes, kind: str) -> StoredFile:
    """A photo or signature: JPEG or PNG only, always re-encoded."""
    _check_size(data, MAX_IMAGE_BYTES)
    mime = sniff(data)
    if mime not in ("image/jpeg", "image/png"):
        raise DomainError(_l("Only JPEG or PNG images are accepted."))
    encoded, mime = _reencode(data, kind)
    return _store(root, kind, encoded, mime)


def open_stored(root: Path, rel: str) -> Path:
    """The absolute path of a stored file; refuses anything outside the root."""
    base = Path(root).resolve()
    try:
        target = (base / rel).resolve()
    except (OSError, ValueError) as exc:  # a NUL byte, a name too long
        raise DomainError(_l("File not found.")) from exc
    if base not in target.parents:
        raise DomainError(_l("File not found."))
    return target
