"""Placeholder uploads for demo data: a one-page PDF standing in for the scanned
family card, pass-photo silhouettes and signatures, stored exactly like real uploads
(content-addressed, so a few variants are stored once and shared)."""

from __future__ import annotations

import io
import random
from pathlib import Path

from models import uploads, wilayah
from models.codes import FEMALE
from models.residents import Applicant
from models.uploads import StoredFile


class Files:
    """Placeholder scans and images, stored like real uploads (content-addressed, so
    the few photo and signature variants are stored once and shared)."""

    PHOTO_VARIANTS = 4
    SIGNATURE_VARIANTS = 6

    def __init__(self, rng: random.Random, root: Path) -> None:
        self.rng = rng
        self.root = root
        self._photos: dict[tuple[int, int, str], StoredFile] = {}
        self._signatures: list[StoredFile] = []
        self._kk: dict[str, StoredFile] = {}

    def kk_copy(self, applicant: Applicant) -> StoredFile:
        """A one-page PDF standing in for the scanned family card, one per KK."""
        if applicant.kk_number not in self._kk:
            village = wilayah.village(applicant.village_code)
            lines = [
                ("KARTU KELUARGA - SALINAN (DATA DEMO)", 14),
                (f"No. {applicant.kk_number}", 12),
                (f"Nama anggota: {applicant.name}", 11),
                (f"Alamat: {applicant.address} RT {applicant.rt} RW {applicant.rw}", 11),
                (f"Desa/Kelurahan: {village.name if village else ''}", 11),
                (f"Kecamatan: {village.district_name if village else ''}", 11),
                ("Kabupaten Sumba Timur, Provinsi Nusa Tenggara Timur", 11),
            ]
            self._kk[applicant.kk_number] = uploads.store_document(self.root, text_pdf(lines))
        return self._kk[applicant.kk_number]

    def photo(self, applicant: Applicant) -> StoredFile:
        """A pass photo silhouette; red background for odd birth years, blue for even,
        as for the KTP-el."""
        key = (applicant.birth_date.year % 2, self.rng.randrange(self.PHOTO_VARIANTS),
               applicant.sex)
        if key not in self._photos:
            self._photos[key] = uploads.store_image(self.root, _photo_bytes(*key), "photo")
        return self._photos[key]

    def signature(self) -> StoredFile:
        if not self._signatures:
            for i in range(self.SIGNATURE_VARIANTS):
                data = _signature_bytes(random.Random(i))
                self._signatures.append(uploads.store_image(self.root, data, "signature"))
        return self.rng.choice(self._signatures)


def text_pdf(lines: list[tuple[str, int]], catalog_extra: bytes = b"") -> bytes:
    """A minimal, valid one-page A4 PDF with the given lines of Helvetica text (and
    `catalog_extra` in its catalog: the tests use it for active content)."""
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "50 790 Td"]
    for i, (text, size) in enumerate(lines):
        ops.append(f"/F1 {size} Tf")
        if i:
            ops.append("0 -22 Td")
        ops.append(f"({esc(text)}) Tj")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def _photo_bytes(odd_year: int, variant: int, sex: str) -> bytes:
    from PIL import Image, ImageDraw

    background = (200, 32, 40) if odd_year else (32, 86, 190)
    skin = ((141, 85, 36), (160, 105, 60), (120, 72, 40), (178, 120, 75))[variant]
    img = Image.new("RGB", (300, 400), background)
    draw = ImageDraw.Draw(img)
    draw.ellipse((40, 280, 260, 520), fill=(30, 30, 35))  # shoulders, dark shirt
    draw.rectangle((128, 230, 172, 300), fill=skin)  # neck
    draw.ellipse((85, 90, 215, 250), fill=skin)  # face
    hair = (20, 16, 14)
    if sex == FEMALE:
        draw.ellipse((70, 70, 230, 180), fill=hair)
        draw.rectangle((70, 130, 95, 300), fill=hair)
        draw.rectangle((205, 130, 230, 300), fill=hair)
    else:
        draw.chord((80, 70, 220, 170), 180, 360, fill=hair)
    draw.ellipse((85, 120, 215, 250), fill=skin)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _signature_bytes(rng: random.Random) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("L", (400, 150), 255)
    draw = ImageDraw.Draw(img)
    x, y = 30, 90
    points = [(x, y)]
    while x < 360:
        x += rng.randint(8, 22)
        y = max(25, min(125, y + rng.randint(-35, 35)))
        points.append((x, y))
    draw.line(points, fill=0, width=3, joint="curve")
    draw.line([(points[1][0], 115), (points[-1][0], 105)], fill=0, width=2)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()
