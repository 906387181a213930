"""The processing history screen and its A4 PDF: reached from the applicant's page by
id (never the NIK), the oversight roles only (a refusal audited), the PDF carrying the
resident's entries and its own generation on record as a reading."""

from __future__ import annotations

import io

import sqlalchemy as sa
from pypdf import PdfReader

from models import AuditEntry, db
from tests.factories import Auth, intake_lookup, make_applicant, nik_for, submitted, user_of


def residents(app):
    maria = make_applicant()
    born = make_applicant.__defaults__[1].replace(year=1984)
    umbu = make_applicant(nik=nik_for(born, "1", serial=9), birth_date=born, sex="1",
                          name="UMBU NDAKULARAK")
    submitted(app, maria, user_of("recording_operator"))
    submitted(app, umbu, user_of("recording_operator"))
    return maria, umbu


def entries(**where) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEntry, key) == value)
    return list(db.session.execute(query).scalars())


def test_oversight_reaches_the_history_from_the_applicant_by_id(app, head_of_division) -> None:
    maria, umbu = residents(app)
    details = head_of_division.client.get(f"/admin/applicant/details/?id={maria.id}")
    page = details.get_data(as_text=True)
    link = f"/admin/applicant/history/?id={maria.id}"
    assert 'data-testid="processing-history"' in page and link in page
    # A lookup by NIK at the counter names her (not her record): on record too.
    counter = Auth(app.test_client())
    assert counter.login("recording_operator").status_code == 302
    assert intake_lookup(counter.client, maria.nik).status_code == 200
    # The export of the list carries both residents: each history names it.
    export = head_of_division.client.get("/admin/applicant/export/csv/")
    assert export.status_code == 200
    history = head_of_division.client.get(link)
    text = history.get_data(as_text=True)
    assert history.status_code == 200 and maria.nik not in text
    rows = text.split('data-testid="history"')[1]
    assert "Menerima permohonan" in rows and "PEGAWAI RECORDING_OPERATOR" in rows
    assert "Mengekspor daftar yang memuat data penduduk" in rows
    assert "WITA" in rows and "Membuka: riwayat pemrosesan data" in rows  # this reading
    assert "Membuka: pencarian NIK di loket penerimaan" in rows
    assert umbu.name not in rows
    read = entries(action="read", object_type="applicant", object_id=str(maria.id))
    assert read[-1].changes["endpoint"] == "applicant.history_view"
    assert read[-1].user_id == user_of("head_of_division").id


def test_operators_and_the_administrator_are_refused_and_it_is_on_record(
        app, recording_operator) -> None:
    maria, _umbu = residents(app)
    printing, admin = Auth(app.test_client()), Auth(app.test_client())
    assert printing.login("printing_operator").status_code == 302
    assert admin.login("admin").status_code == 302
    for who in (recording_operator, printing, admin):
        for path in ("/admin/applicant/history/", "/admin/applicant/history/pdf/"):
            assert who.client.get(f"{path}?id={maria.id}").status_code == 403
    refusals = entries(action="forbidden")
    assert len(refusals) == 6
    assert {r.changes["endpoint"] for r in refusals} >= {"history_view", "history_pdf_view"}
    assert not entries(action="read", object_type="applicant")
    page = recording_operator.client.get(f"/admin/applicant/details/?id={maria.id}")
    assert 'data-testid="processing-history"' not in page.get_data(as_text=True)


def test_the_pdf_has_the_residents_entries_and_its_generation_is_audited(
        app, secretary) -> None:
    maria, umbu = residents(app)
    response = secretary.client.get(f"/admin/applicant/history/pdf/?id={maria.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "RIWAYAT PEMROSESAN DATA PRIBADI" in text and maria.name in text
    assert "531101******0001" in text and maria.nik not in text
    assert "Menerima permohonan" in text and "PEGAWAI RECORDING_OPERATOR" in text
    assert maria.applications[0].number in text  # the application by its receipt number
    assert "WITA" in text and umbu.name not in text
    # Its generation is a reading on record, and shows in the history itself.
    read = entries(action="read", object_type="applicant", object_id=str(maria.id))
    assert [r.changes["endpoint"] for r in read] == ["applicant.history_pdf_view"]
    assert "Membuka: riwayat pemrosesan data, sebagai PDF" in text
    assert secretary.client.get("/admin/applicant/history/pdf/?id=99999999").status_code == 404
    assert secretary.client.get("/admin/applicant/history/?id=5311015708900001") \
        .status_code == 404  # a NIK is no id
