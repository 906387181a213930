"""Destruction reports (berita acara pemusnahan): numbered BAP-YYMM-NNNN per office
month in the destruction's own transaction, the stored PDF recorded once with its
sha256 and checked against it; two simultaneous destructions get two numbers."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from models import Blank, DestructionReport, DomainError, User, db
from models.batches import confirm_card, print_batch
from models.blanks import attach_report_pdf, destroy_with_report, report_file_intact
from models.office_time import office_today
from tests.factories import batch_with, print_ready, receive, user_of
from tests.race_helpers import load, one_wins, race


def spoiled(app, n: int) -> list[int]:
    receive(100, n + 2)
    cards = print_batch(batch_with(print_ready(app, n)), user_of("printing_operator"))
    for card in cards:
        confirm_card(card, user_of("printing_operator"), False, reason="Tinta luntur")
    return [c.blank_id for c in cards]


def test_reports_are_numbered_consecutively_per_month(app):
    ids = spoiled(app, 3)
    head = user_of("head_of_division")
    reports = [destroy_with_report([db.session.get(Blank, ids[0])], head, "Digunting"),
               destroy_with_report([db.session.get(Blank, i) for i in ids[1:]], head,
                                   "  Dibakar  ")]
    month = f"BAP-{office_today():%y%m}"
    assert [r.number for r in reports] == [f"{month}-0001", f"{month}-0002"]
    assert reports[1].count == 2 and reports[1].reason == "Dibakar"
    assert reports[1].serials == sorted(db.session.get(Blank, i).serial for i in ids[1:])
    assert reports[0].by_id == head.id and reports[0].pdf_path is None


def test_a_refused_destruction_takes_no_number(app):
    ids = spoiled(app, 1)
    head = user_of("head_of_division")
    available = db.session.execute(sa.select(Blank).where(Blank.status == "available")
                                   .limit(1)).scalar_one()
    with pytest.raises(DomainError):
        destroy_with_report([available], head, "x")
    with pytest.raises(DomainError):  # the printing operator may not destroy
        destroy_with_report([db.session.get(Blank, ids[0])], user_of("printing_operator"),
                            "x")
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(DestructionReport)
                              ).scalar() == 0
    report = destroy_with_report([db.session.get(Blank, ids[0])], head, "Digunting")
    assert report.number.endswith("-0001")


def test_the_pdf_is_recorded_once_with_its_sha256(app):
    (blank_id,) = spoiled(app, 1)
    head = user_of("head_of_division")
    report = destroy_with_report([db.session.get(Blank, blank_id)], head, "Digunting")
    data = b"%PDF-1.7 berita acara"
    digest = hashlib.sha256(data).hexdigest()
    attach_report_pdf(report, head, "destruction/a.pdf", digest)
    assert (report.pdf_path, report.pdf_sha256) == ("destruction/a.pdf", digest)
    assert report_file_intact(report, data)
    assert not report_file_intact(report, data + b" ")
    with pytest.raises(DomainError):  # never replaced: its checksum keeps meaning
        attach_report_pdf(report, head, "destruction/b.pdf", "0" * 64)
    db.session.rollback()
    assert db.session.get(DestructionReport, report.id).pdf_path == "destruction/a.pdf"


def test_two_destructions_at_once_get_two_numbers(app):
    ids = spoiled(app, 2)
    head_id = user_of("head_of_division").id

    def contender(blank_id: int):
        def prepare():
            return load(Blank, blank_id, "card")

        def act(blank):
            return destroy_with_report([blank], db.session.get(User, head_id), "x").number

        return prepare, act

    outcomes = race(app, contender(ids[0]), contender(ids[1]))
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    month = f"BAP-{office_today():%y%m}"
    assert sorted(o.value for o in outcomes) == [f"{month}-0001", f"{month}-0002"]


def test_two_attachments_of_one_report_one_wins(app):
    (blank_id,) = spoiled(app, 1)
    head = user_of("head_of_division")
    report_id = destroy_with_report([db.session.get(Blank, blank_id)], head, "x").id

    def prepare():
        report = db.session.get(DestructionReport, report_id)
        assert report.pdf_path is None  # as the list shows it: not stored yet
        return report

    def act_with(rel: str):
        def act(report):
            attach_report_pdf(report, db.session.get(User, head.id), rel, "1" * 64)
        return act

    one_wins(race(app, (prepare, act_with("destruction/a.pdf")),
                  (prepare, act_with("destruction/b.pdf"))))
    assert db.session.get(DestructionReport, report_id).pdf_path in (
        "destruction/a.pdf", "destruction/b.pdf")
