"""Demo data (demo/): the office's last weeks replayed through domain operations on a
simulated clock, so every record carries its own coherent time.

The history is generated once for this module, ending at a pinned moment (Wednesday
10 December 2025, 11:40 WITA), so "last month" is always November and the checks
do not depend on the day the suite runs.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from demo.generate import HISTORY_DAYS, generate
from models import Applicant, Application, AuditEntry, Blank, Complaint, Disruption, db
from models.applications import APPLICATION_STATUSES
from models.batches import PrintBatch
from models.blanks import BlankEvent, BlankReceipt, reconcile
from models.cards import Card
from models.office_time import month_range, office_date, simulated, to_office, to_utc
from tests.factories import empty_database as _empty_database

NOW = to_utc(datetime(2025, 12, 10, 11, 40))  # WITA
BATCH_NUMBER = re.compile(r"^CTK-(\d{6})-(\d{3})$")
RECEIPT_NUMBER = re.compile(r"^KTP-(\d{6})-(\d{4})$")


def _all(model):
    return db.session.execute(sa.select(model).order_by(model.id)).scalars().all()


def _in_office_hours(moment: datetime) -> bool:
    local = to_office(moment)
    return local.weekday() < 5 and time(8, 0) <= local.time() < time(15, 0)


@pytest.fixture(scope="module")
def demo(_app, tmp_path_factory):
    """One demo database for the module, generated as if it were NOW (with its own
    audit anchor file, as a fresh installation has)."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(_app.config, "AUDIT_ANCHOR_FILE", str(folder / "audit_anchors.log"))
        with _app.app_context():
            _empty_database()
            with simulated(lambda: NOW):
                generate(applicants=200, upload_root=folder / "uploads")
            db.session.remove()
        with _app.app_context():
            yield _app
            db.session.remove()


def test_last_month_reconciliation_shows_the_cards_printed_that_month(demo):
    start, end = month_range(2025, 11)
    printed = db.session.execute(sa.select(Card).where(
        Card.printed_at >= start, Card.printed_at < end)).scalars().all()
    good = [c for c in printed if c.status != "spoiled"]
    spoiled = [c for c in printed if c.status == "spoiled"]
    assert len(good) >= 30 and spoiled

    rec = reconcile(date(2025, 11, 1), date(2025, 11, 30))
    assert rec.balances
    assert rec.used == len(good)
    assert rec.spoiled == len(spoiled)
    assert rec.used + rec.spoiled == len(printed)
    # The blanks arrived in November, before the first card was printed.
    assert rec.opening == 0 and rec.received == 500
    assert rec.closing == 500 - len(printed)

    # December so far carries on from November's closing stock.
    december = reconcile(date(2025, 12, 1), date(2025, 12, 10))
    assert december.balances and december.opening == rec.closing
    dec_cards = db.session.execute(sa.select(Card).where(Card.printed_at >= end)).scalars().all()
    assert december.used == sum(c.status != "spoiled" for c in dec_cards) > 0


def test_every_batch_number_carries_its_own_day(demo):
    batches = _all(PrintBatch)
    assert len(batches) > 20
    days = set()
    for batch in batches:
        match = BATCH_NUMBER.match(batch.number)
        assert match, batch.number
        day = datetime.strptime(match.group(1), "%y%m%d").date()
        assert day == office_date(batch.created_at), batch.number
        if batch.printed_at is not None:
            assert day == office_date(batch.printed_at), batch.number
            assert batch.created_at <= batch.submitted_at <= batch.approved_at \
                <= batch.printed_at
        days.add(day)
    assert {d.month for d in days} == {11, 12}

    for app in _all(Application):
        match = RECEIPT_NUMBER.match(app.number)
        assert match, app.number
        assert datetime.strptime(match.group(1), "%y%m%d").date() == \
            office_date(app.submitted_at)


def test_every_card_was_printed_on_a_blank_received_before(demo):
    cards = _all(Card)
    assert len(cards) > 50
    for card in cards:
        blank = card.blank
        assert blank.receipt.created_at <= card.printed_at
        assert blank.receipt.received_at <= office_date(card.printed_at)
        events = {e.kind: e.at for e in db.session.execute(
            sa.select(BlankEvent).where(BlankEvent.blank_id == blank.id)).scalars()}
        assert events["received"] <= card.printed_at
        assert events["reserved"] == card.printed_at
        outcome = "spoiled" if card.status == "spoiled" else "used"
        assert events[outcome] == card.confirmed_at
        assert card.printed_at < card.confirmed_at < card.printed_at + timedelta(hours=1)
        assert card.printed_at == card.batch.printed_at
        assert _in_office_hours(card.printed_at)
        if card.handed_over_at is not None:
            assert card.stored_at < card.handed_over_at <= NOW
            assert _in_office_hours(card.handed_over_at)
    assert db.session.execute(sa.select(sa.func.count(Blank.id))).scalar() == 500


def test_the_audit_log_is_in_time_order_and_verifies(demo):
    times = db.session.execute(sa.select(AuditEntry.at).order_by(AuditEntry.id)).scalars().all()
    assert len(times) > 500
    assert times == sorted(times)
    assert NOW - timedelta(days=HISTORY_DAYS + 1) < times[0] and times[-1] <= NOW
    result = demo.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_every_step_happened_at_its_own_time(demo):
    """Nothing is dated back: each record's times are the moments its steps ran."""
    first_morning = min(db.session.execute(sa.select(AuditEntry.at)).scalars())
    for resident in _all(Applicant):
        assert first_morning <= resident.created_at < first_morning + timedelta(minutes=15)
    for app in _all(Application):
        assert app.created_at == app.submitted_at  # born at the counter, at intake
        for moment in (app.submitted_at, app.recorded_at, app.siak_result_at):
            assert moment is None or (_in_office_hours(moment) and moment <= NOW)
        steps = [t for t in (app.submitted_at, app.recorded_at, app.siak_result_at) if t]
        assert steps == sorted(steps)
        if app.closed_at is not None:
            assert steps[-1] < app.closed_at <= NOW
    disruption = db.session.execute(sa.select(Disruption)).scalar_one()
    assert disruption.started_at < disruption.ended_at < NOW
    assert _in_office_hours(disruption.started_at)
    disrupted = db.session.execute(sa.select(Application).where(
        Application.disruption_id == disruption.id)).scalars().all()
    assert disrupted
    assert all(a.submitted_at <= disruption.ended_at for a in disrupted)
    assert db.session.execute(sa.select(sa.func.count(BlankReceipt.id))).scalar() == 1


def test_now_shows_work_in_every_state(demo):
    statuses = Counter(db.session.execute(sa.select(Application.status)).scalars())
    assert set(statuses) == set(APPLICATION_STATUSES), statuses
    cards = Counter(db.session.execute(sa.select(Card.status)).scalars())
    assert cards["stored"] and cards["handed_over"] and cards["spoiled"]
    assert "printed" not in cards  # every printed card has been confirmed
    batches = Counter(db.session.execute(sa.select(PrintBatch.status)).scalars())
    assert batches["closed"] and set(batches) & {"draft", "submitted", "approved"}
    complaints = _all(Complaint)
    assert len(complaints) >= 4
    assert all(c.received_at <= NOW and _in_office_hours(c.received_at) for c in complaints)


def _snapshot() -> list[tuple]:
    residents = db.session.execute(sa.select(
        Applicant.nik, Applicant.name, Applicant.kk_number, Applicant.village_code,
        Applicant.birth_date).order_by(Applicant.id)).all()
    apps = db.session.execute(sa.select(
        Application.number, Application.status, Application.submitted_at,
        Application.clock_stopped_at).order_by(Application.id)).all()
    batches = db.session.execute(sa.select(
        PrintBatch.number, PrintBatch.status, PrintBatch.printed_at).order_by(PrintBatch.id)).all()
    return [tuple(r) for r in (*residents, *apps, *batches)]


# Last: it empties the module's demo database.
def test_the_same_seed_gives_the_same_demo(demo, tmp_path):
    runs = []
    for seed in (3, 3, 4):
        _empty_database()
        with simulated(lambda: NOW):
            generate(applicants=60, seed=seed, upload_root=tmp_path)
        runs.append(_snapshot())
        db.session.remove()
    assert runs[0] == runs[1]
    assert len(runs[0]) > 60
    assert runs[2] != runs[0]
