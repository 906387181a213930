"""The monthly evaluation's rules: generation, the sign-off order and who may take each
step, a frozen month refusing regeneration, supersede with a reason, changes to a
closed month flagged on the next evaluation, the stored PDF checked on download, and a
race for every transition (both databases)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from models import DomainError, PermissionDenied, audit, db
from models import evaluations as ev
from models.audit import AuditEntry
from models.office_time import simulated, to_utc
from models.service_clock import Disruption, open_disruption
from models.transitions import JustProcessed
from tests.factories import user_of
from tests.models.test_evaluation_figures import NOW, build_october, wita
from tests.race_helpers import MESSAGE, load, one_wins, race

DECEMBER = to_utc(datetime(2026, 12, 5, 9, 0))


@pytest.fixture
def cheap_pdf(monkeypatch):
    """Rule tests print a small stand-in carrying the sign-off (one real rendering is
    tested below): each step still gets its own bytes and sha256."""
    def render(report, signoff):
        return b"%PDF-1.4 stand-in " + json.dumps(
            {"period": report.period, "version": report.version, "signoff": signoff},
            sort_keys=True).encode()

    monkeypatch.setattr(ev, "_render", render)


def _generate(period: str = "2026-10", reason: str | None = None, at: datetime = NOW):
    with simulated(lambda: at):
        return ev.generate(period, user_of("head_of_division"), reason)


def _signed(report, *steps: str):
    who = {"submit": "head_of_division", "review": "secretary",
           "acknowledge": "head_of_office"}
    for step in steps:
        with simulated(lambda: NOW + timedelta(hours=1)):
            report = ev.sign_off(report, user_of(who[step]), step)
    return report


def test_generation_stores_figures_pdf_and_sha(app, cheap_pdf):
    with simulated(lambda: NOW):
        build_october()
    report = _generate()
    assert (report.status, report.version, report.progress) == ("generated", 1, 100)
    assert report.figures["core"]["applications"]["received"] == 7
    data = ev.stored_pdf(report)
    assert hashlib.sha256(data).hexdigest() == report.pdf_sha256
    assert [h["step"] for h in report.pdf_history] == ["generated"]
    actions = db.session.execute(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "evaluation_report")).scalars().all()
    assert actions == ["generate", "generated"]


def test_the_sign_off_order_and_who_may_take_each_step(app, cheap_pdf):
    report = _generate()
    hod, sec, hoo = (user_of(r) for r in ("head_of_division", "secretary", "head_of_office"))
    # Out of order: review and acknowledge before submission.
    for user, step in ((sec, "review"), (hoo, "acknowledge")):
        with pytest.raises(DomainError):
            ev.sign_off(report, user, step)
    # The wrong role for each step.
    for user, step in ((sec, "submit"), (hoo, "submit"), (user_of("recording_operator"),
                                                          "submit"),
                       (hod, "review"), (hoo, "review"), (hod, "acknowledge"),
                       (sec, "acknowledge")):
        with pytest.raises(PermissionDenied):
            ev.sign_off(report, user, step)
    with pytest.raises(PermissionDenied):
        ev.generate("2026-10", sec)
    shas = [report.pdf_sha256]
    for user, step, state in ((hod, "submit", "submitted"), (sec, "review", "reviewed"),
                              (hoo, "acknowledge", "acknowledged")):
        report = ev.sign_off(report, user, step)
        assert report.status == state
        shas.append(report.pdf_sha256)
        signed = json.loads(ev.stored_pdf(report).split(b" ", 2)[2])["signoff"]
        assert signed[step]["name"] == user.full_name and signed[step]["at"]
    assert len(set(shas)) == 4  # one PDF per step, each with its own sha256
    assert [h["sha256"] for h in report.pdf_history] == shas
    for h in report.pdf_history:  # the earlier PDFs stay as they were
        assert hashlib.sha256(ev.stored_pdf(report, h["path"])).hexdigest() == h["sha256"]
    assert (report.submitted_by_id, report.reviewed_by_id, report.acknowledged_by_id) == (
        hod.id, sec.id, hoo.id)
    steps = db.session.execute(sa.select(AuditEntry.username, AuditEntry.action).where(
        AuditEntry.object_type == "evaluation_report",
        AuditEntry.action.in_(ev.STEPS)).order_by(AuditEntry.id)).all()
    assert [(u, a) for u, a in steps] == [(hod.username, "submit"), (sec.username, "review"),
                                          (hoo.username, "acknowledge")]
    with pytest.raises(DomainError):  # a step taken twice
        ev.sign_off(report, hoo, "acknowledge")


def test_an_unacknowledged_report_is_regenerated_as_a_new_version(app, cheap_pdf):
    first = _signed(_generate(), "submit")
    second = _generate()
    assert (second.version, second.supersedes_id, second.status) == (2, first.id, "generated")
    db.session.refresh(first)
    assert first.status == "superseded"
    assert ev.current_report("2026-10").id == second.id


def test_a_frozen_month_refuses_regeneration_and_is_superseded_with_a_reason(app, cheap_pdf):
    old = _signed(_generate(), "submit", "review", "acknowledge")
    assert ev.is_frozen("2026-10")
    with pytest.raises(DomainError) as refused:
        _generate()
    assert refused.value.field == "reason"
    with pytest.raises(DomainError):
        _generate(reason="pendek")  # too short to say why
    assert len(ev.versions("2026-10")) == 1
    new = _generate(reason="Gangguan listrik 22-10 dikonfirmasi terlambat")
    assert (new.version, new.supersedes_id) == (2, old.id)
    assert new.supersede_reason == "Gangguan listrik 22-10 dikonfirmasi terlambat"
    db.session.refresh(old)
    # The old version keeps its figures, PDF and acknowledgement; the month stays closed.
    assert old.status == "superseded" and old.acknowledged_at is not None
    assert hashlib.sha256(ev.stored_pdf(old)).hexdigest() == old.pdf_sha256
    assert ev.is_frozen("2026-10")
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "generate").order_by(AuditEntry.id.desc()).limit(1)).scalar()
    assert entry.changes["reason"].startswith("Gangguan listrik")


def test_a_change_to_a_closed_month_is_flagged_on_the_next_evaluation(app, cheap_pdf):
    with simulated(lambda: NOW):
        build_october()
    october = _signed(_generate(), "submit", "review", "acknowledge")
    acknowledged = dict(october.figures)
    # After the acknowledgement: a disruption of 14-10 entered late, an applicant corrected.
    with simulated(lambda: to_utc(datetime(2026, 11, 12, 10, 0))):
        late = Disruption(kind="central_server", started_at=wita(10, 14, 9),
                          ended_at=wita(10, 14, 11), description="SIAK pusat tidak bisa")
        open_disruption(late, user_of("recording_operator"))
        from models.applications import Application

        p1 = db.session.execute(sa.select(Application).where(
            Application.number == "P-A1")).scalar_one()
        audit.record(user_of("recording_operator"), "edit", p1.applicant,
                     changes={"address": ["JL. MATAWAI", "JL. MATAWAI NO. 2"]})
        p2 = db.session.execute(sa.select(Application).where(
            Application.number == "P-A2")).scalar_one()
        audit.record(user_of("printing_operator"), "hand_over", p2, changes={})
        # A record of October entered now, behind the audit trail's back (a repair in
        # the database): only the figures' comparison shows it.
        db.session.add(Application(number="P-LATE", applicant_id=p2.applicant_id,
                                   status="rejected", submitted_at=wita(10, 16, 9),
                                   closed_at=wita(10, 16, 9, 30), f102_complete=True))
        db.session.commit()
    november = _generate("2026-11", at=DECEMBER)
    (flag,) = november.figures["closed_changes"]
    assert flag["period"] == "2026-10" and flag["total"] == 2
    assert [(e["object_type"], e["action"]) for e in flag["entries"]] == [
        ("disruption", "create"), ("applicant", "edit")]
    assert {"section": "disruption_count", "key": None, "old": 3, "new": 4} in \
        flag["differences"]
    db.session.refresh(october)
    assert october.figures == acknowledged  # the closed report is not changed
    # November's trend shows October as acknowledged (3 disruptions, its figures as
    # signed), not recounted.
    (oct_trend,) = [t for t in november.figures["trend"] if t["period"] == "2026-10"]
    assert oct_trend["received"] == acknowledged["core"]["applications"]["received"] == 7
    assert {"section": "applications", "key": "received", "old": 7, "new": 8} in \
        flag["differences"]
    # A step taken now on last month's record (a handover) is no change to it.
    assert all(e["action"] != "hand_over" for e in flag["entries"])


def test_a_tampered_pdf_is_not_served(app, cheap_pdf):
    report = _generate()
    path = Path(app.config["DOCUMENT_FOLDER"]) / report.pdf_path
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(DomainError):
        ev.stored_pdf(report)


def test_bad_months_are_refused_in_indonesian(app):
    for text in ("", "2026-13", "26-10", "2026/10", "2026-10-01", "２０２６-10"):
        with pytest.raises(DomainError) as refused:
            ev.parse_period(text)
        assert "YYYY-MM" in str(refused.value.message)
    with simulated(lambda: NOW), pytest.raises(DomainError):
        ev.parse_period("2027-01")  # not begun


def test_the_real_pdf_prints_the_figures_and_the_sign_off(app):
    with simulated(lambda: NOW):
        build_october()
    report = _signed(_generate(), "submit")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(
        io.BytesIO(ev.stored_pdf(report))).pages).split())
    squeezed = "".join(text.split())
    assert "EVALUASIKINERJAPELAYANAN" in squeezed and "Oktober2026" in squeezed
    for needle in ("P-A2", "P-A4", "Tintapudar", "Jaringankomunikasi", "KotaWaingapu",
                   "87,50", "PEGAWAIHEAD_OF_DIVISION", "Diajukan", "belum",
                   str(report.figures["audit_head"]["entry_id"]),
                   report.figures["audit_head"]["hash"][:16]):
        assert needle in squeezed, needle
    pages = PdfReader(io.BytesIO(ev.stored_pdf(report))).pages
    width_mm = float(pages[0].mediabox.width) * 25.4 / 72
    assert round(width_mm) == 210  # A4


# ------------------------------------------------------------------ races


def _race_step(app, report_id: int, role: str, step: str) -> None:
    user_id = user_of(role).id

    def prepare():
        return load(ev.EvaluationReport, report_id)

    def act(report):
        from models import User

        return ev.sign_off(report, db.session.get(User, user_id), step)

    winner, loser = one_wins(race(app, (prepare, act), (prepare, act)))
    report = db.session.get(ev.EvaluationReport, report_id)
    assert report.status == ev.STEPS[step][1]
    assert len(report.pdf_history) == list(ev.STEPS).index(step) + 2
    assert MESSAGE in loser.message.lower()
    count = db.session.execute(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == step)).scalar()
    assert count == 1


def test_race_submit(app, cheap_pdf):
    _race_step(app, _generate().id, "head_of_division", "submit")


def test_race_review(app, cheap_pdf):
    _race_step(app, _signed(_generate(), "submit").id, "secretary", "review")


def test_race_acknowledge(app, cheap_pdf):
    _race_step(app, _signed(_generate(), "submit", "review").id, "head_of_office",
               "acknowledge")


def test_race_generate_one_new_version(app, cheap_pdf):
    first = _generate()
    hod_id = user_of("head_of_division").id

    def prepare():
        return None

    def act(_seen):
        from models import User

        return ev.start_generation("2026-10", db.session.get(User, hod_id)).id

    outcomes = race(app, (prepare, act), (prepare, act))
    winners = [o for o in outcomes if o.ok]
    (loser,) = [o for o in outcomes if not o.ok]
    assert len(winners) == 1
    # The loser met the winner's compare-and-set (or its unique version), or, reading
    # after the winner's commit, found the month being generated: refused either way.
    assert isinstance(loser.error, DomainError), loser.error
    assert isinstance(loser.error, JustProcessed) or "sedang dibuat" in loser.message
    reports = ev.versions("2026-10")
    assert [r.version for r in reports] == [2, 1]
    assert reports[1].id == first.id and reports[1].status == "superseded"
