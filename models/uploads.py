"""Uploaded scans and images: type checked by content, images re-encoded, stored
under the instance folder by their sha256 (never as public static files)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from .errors import DomainError

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Pixel bombs: refuse before decoding anything larger.
MAX_IMAGE_PIXELS = 40_000_000

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


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to the upload root
    sha256: str
    mime: str
    size: int


def sniff(data: bytes) -> str | None:
    """The MIME type by the file's first bytes, whatever its name says."""
    for magic, mime in SIGNATURES.items():
        if data.startswith(magic):
            return mime
    return None


def _store(root: Path, kind: str, data: bytes, mime: str) -> StoredFile:
    digest = hashlib.sha256(data).hexdigest()
    rel = Path(kind) / digest[:2] / f"{digest}.{EXTENSIONS[mime]}"
    target = Path(root) / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    return StoredFile(str(rel), digest, mime, len(data))


def _reencode(data: bytes, kind: str) -> tuple[bytes, str]:
    """Decode and write the image anew: strips metadata and anything hidden in it."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    max_w, max_h, fmt = IMAGE_SPECS[kind]
    try:
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
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DomainError(_l("The image could not be read; scan or photograph it again.")
                          ) from exc


def _check_size(data: bytes, limit: int) -> None:
    if not data:
        raise DomainError(_l("The file is empty."))
    if len(data) > limit:
        raise DomainError(_l("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))


def store_document(root: Path, data: bytes, kind: str = "kk_copy") -> StoredFile:
    """A scan: PDF kept as sent, JPEG/PNG re-encoded."""
    _check_size(data, MAX_DOCUMENT_BYTES)
    mime = sniff(data)
    if mime is None:
        raise DomainError(_l("Only PDF, JPEG or PNG files are accepted (this file is none "
                             "of them, whatever its name says)."))
    if mime == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise DomainError(_l("The PDF file is incomplete or damaged."))
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
    target = (base / rel).resolve()
    if base not in target.parents:
        raise DomainError(_l("File not found."))
    return target
