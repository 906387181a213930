"""A resident's processing history (UU 27/2022 art. 32): who, what and when (WITA) for
every reading and change of their data, nobody else's entries, the oversight roles
only, paged, and an index-friendly query."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from models import AuditEntry, Card, PrintBatch, audit, db
from models.blanks import Blank
from models.office_time import simulated, to_utc
from models.permissions import PermissionDenied
from models.processing_history import entry_ids, full_history, history_of_resident
from models.residents import update_applicant
from tests.factories import make_applicant, nik_for, receive, submitted, user_of


def wita(text: str) -> datetime:
    return to_utc(datetime.fromisoformat(text))


def at(moment: str):
    stamp = wita(moment)
    return simulated(lambda: stamp)


@pytest.fixture
def two_residents(app):
    """MARIA (the subject) and UMBU (someone else), each with an application, and
    entries on both by two different officers at known WITA times."""
    operator, printer = user_of("recording_operator"), user_of("printing_operator")
    maria = make_applicant()
    born = datetime(1985, 3, 2).date()
    umbu = make_applicant(nik=nik_for(born, "1", serial=7), birth_date=born, sex="1",
                          name="UMBU NDAKULARAK")
    with at("2026-12-01 08:10"):
        mine = submitted(app, maria, operator)
        theirs = submitted(app, umbu, operator)
    with at("2026-12-01 09:05"):  # the printing operator reads MARIA's application
        audit.record_now(printer, "read", object_type="application", object_id=mine.id,
                         changes={"endpoint": "application.details_view"})
        audit.record_now(printer, "read", object_type="application", object_id=theirs.id,
                         changes={"endpoint": "application.details_view"})
    with at("2026-12-01 23:30"):  # the operator corrects MARIA's address (WITA evening)
        before = audit.snapshot(maria)
        maria.address = "JL. MATAWAI 12"
        update_applicant(operator, maria, before)
    # A card of MARIA's in a batch, checked on the public verification page.
    receive(1, 2)
    blank = db.session.execute(sa.select(Blank).order_by(Blank.id)).scalars().first()
    batch = PrintBatch(number="PB-TEST-1", created_by_id=printer.id)
    db.session.add(batch)
    db.session.flush()
    card = Card(application_id=mine.id, blank_id=blank.id, batch_id=batch.id)
    db.session.add(card)
    db.session.commit()
    with at("2026-12-02 10:00"):
        audit.record_now(None, "verify_receipt", object_type="card", object_id=card.id,
                         changes={"code": "AB12****", "result": "valid"})
        # A batch document carrying her card, and a refusal (not a processing).
        audit.record_now(printer, "download_pdf", obj=batch)
        audit.record_now(operator, "forbidden", object_type="applicant",
                         object_id=str(maria.id), changes={"endpoint": "x"})
    # An export that carried both residents names both.
    with at("2026-12-02 11:00"):
        entry = audit.record(user_of("head_of_division"), "export", object_type="applicant",
                             changes={"format": "csv", "rows": 2})
        audit.link_subjects(entry, [maria.id, umbu.id])
        db.session.commit()
    return maria, umbu


def test_readings_and_changes_by_two_users_with_who_what_when(two_residents) -> None:
    maria, _umbu = two_residents
    with force_locale("id"):
        history = full_history(user_of("secretary"), maria)
    lines = [(e.at_text, e.who, e.role, e.what) for e in history.entries]
    assert ("01-12-2026 08:10 WITA", "PEGAWAI RECORDING_OPERATOR", "Operator Perekaman",
            "Menerima permohonan") in lines
    assert ("01-12-2026 09:05 WITA", "PEGAWAI PRINTING_OPERATOR", "Operator Pencetakan",
            "Membuka: rincian") in lines
    edit = next(e for e in history.entries if e.what.startswith("Mengubah data"))
    assert (edit.at_text, edit.who) == ("01-12-2026 23:30 WITA", "PEGAWAI RECORDING_OPERATOR")
    assert "address" in edit.what
    verified = next(e for e in history.entries if "verifikasi publik" in e.what)
    assert (verified.who, verified.at_text) == ("Masyarakat (halaman verifikasi)",
                                                "02-12-2026 10:00 WITA")
    assert any("dokumen batch" in e.what for e in history.entries)
    assert any(e.what == "Mengekspor daftar yang memuat data penduduk"
               for e in history.entries)
    assert not any(e.what.startswith("forbidden") for e in history.entries)
    # Oldest first on paper, newest first on the screen.
    assert [e.at for e in history.entries] == sorted(e.at for e in history.entries)


def test_another_residents_entries_never_appear(two_residents) -> None:
    maria, umbu = two_residents
    head = user_of("head_of_office")
    mine = {e.entry_id for e in full_history(head, maria).entries}
    theirs = {e.entry_id for e in full_history(head, umbu).entries}
    shared = db.session.execute(sa.select(AuditEntry.id).where(
        AuditEntry.action == "export")).scalars().all()
    assert mine & theirs == set(shared)  # only the export that carried both
    umbu_only = db.session.execute(sa.select(AuditEntry.id).where(
        AuditEntry.object_type == "application",
        AuditEntry.object_id.in_([str(a.id) for a in umbu.applications]))).scalars().all()
    assert umbu_only and not set(umbu_only) & mine


def test_operators_and_the_administrator_are_refused(two_residents) -> None:
    maria, _umbu = two_residents
    for role in ("recording_operator", "printing_operator", "admin"):
        with pytest.raises(PermissionDenied):
            history_of_resident(user_of(role), maria)
        with pytest.raises(PermissionDenied):
            full_history(user_of(role), maria)
    for role in ("head_of_division", "secretary", "head_of_office"):
        assert history_of_resident(user_of(role), maria).entries


def test_long_histories_are_paged_newest_first(two_residents) -> None:
    maria, _umbu = two_residents
    head = user_of("head_of_division")
    total = len(full_history(head, maria).entries)
    seen, page = [], 0
    while True:
        result = history_of_resident(head, maria, page, per_page=2)
        seen += [e.entry_id for e in result.entries]
        assert len(result.entries) <= 2 and result.has_previous == (page > 0)
        if not result.has_next:
            break
        page += 1
    assert len(seen) == total == len(set(seen)) and seen == sorted(seen, reverse=True)


def test_the_query_reads_the_audit_trail_by_index(two_residents) -> None:
    maria, _umbu = two_residents
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner is the one asked here; PostgreSQL plans by size")
    ids = entry_ids(maria)
    query = sa.select(AuditEntry.id).join(ids, ids.c.id == AuditEntry.id) \
        .order_by(AuditEntry.id.desc()).limit(51)
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " ".join(str(row[-1]) for row in db.session.execute(
        sa.text("EXPLAIN QUERY PLAN " + sql)))
    # Each branch a SEARCH on an index (ix_audit_entry_object, audit_subject's key),
    # then the entries by primary key: never a scan of the trail.
    assert "SEARCH audit_entry USING COVERING INDEX ix_audit_entry_object" in plan
    assert "SCAN audit_entry" not in plan


def test_an_exports_rows_name_their_residents_in_one_query(two_residents) -> None:
    maria, umbu = two_residents
    card = db.session.execute(sa.select(Card)).scalar_one()  # MARIA's
    rows = [umbu, *umbu.applications, card]
    assert audit.applicant_ids_of(rows) == sorted([maria.id, umbu.id])
    assert audit.applicant_ids_of([db.session.execute(sa.select(PrintBatch)).scalar_one()]) \
        == []
