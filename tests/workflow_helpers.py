"""Builders for workflow tests: residents, stored files, applications in a state."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image

from models import Applicant, applications, db, intake
from models.uploads import store_document, store_image


def make_applicant(nik: str = "5311015708900001", birth_date: date = date(1990, 8, 17),
                   sex: str = "2", marital_status: str = "1", name: str = "MARIA HAPU"
                   ) -> Applicant:
    applicant = Applicant(
        nik=nik, kk_number="5311010101100002", name=name, birth_place="WAINGAPU",
        birth_date=birth_date, sex=sex, blood_type="4", religion="2",
        marital_status=marital_status, occupation="9", citizenship="1",
        address="JL. AHMAD YANI NO. 5", rt="003", rw="002", village_code="53.11.01.1001")
    db.session.add(applicant)
    db.session.commit()
    return applicant


def nik_for(birth: date, sex: str, serial: int = 1, district: str = "531101") -> str:
    day = birth.day + (40 if sex == "2" else 0)
    return f"{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def png_bytes(size: tuple[int, int] = (60, 80), color: str = "white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


# A minimal well-formed PDF (one a PDF reader opens: the upload check parses it).
PDF_BYTES = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n"
             b"<< /Type /Pages /Kids [] /Count 0 >>\nendobj\nxref\n0 3\n"
             b"0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
             b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n110\n%%EOF\n")


def stored_kk(app) -> object:
    return store_document(app.config["UPLOAD_FOLDER"], PDF_BYTES)


def stored_image(app, kind: str) -> object:
    return store_image(app.config["UPLOAD_FOLDER"], png_bytes(), kind)


def submitted(app, applicant, operator):
    return intake.open_application(applicant, operator, f102_complete=True,
                                     kk_copy=stored_kk(app))


def recorded(app, applicant, operator):
    application = submitted(app, applicant, operator)
    applications.record(application, operator, photo=stored_image(app, "photo"),
                    signature=stored_image(app, "signature"), fingerprints_captured=True,
                    iris_captured=True)
    return application
