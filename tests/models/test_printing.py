"""Blank stock, print batches, allocation, confirmation, custody, handover, accounting."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Blank, BlankReceipt, Card, DomainError, db
from models.batches import (
    add_to_batch,
    add_to_draft,
    confirm_card,
    create_batch,
    decide_batch,
    draft_of,
    print_batch,
)
from models.blanks import destroy_spoiled, receive_blanks, reconcile, write_off
from models.cards import check_verification_code, hand_over, uncollected
from models.office_time import office_today, utcnow
from models.permissions import PermissionDenied
from tests.factories import batch_with, print_ready, receive, user_of

SECRET = "test-secret"




# ------------------------------------------------------------------ receipts


@pytest.mark.parametrize(("first", "last", "qty", "why"), [
    ("0000000101", "0000000150", 50, "overlaps the first receipt"),
    ("0000000200", "0000000209", 11, "quantity disagrees with the range"),
    ("12345", "12349", 5, "malformed serial"),
    ("00000002AB", "0000000300", 10, "letters"),
    ("0000000300", "0000000200", 1, "reversed range"),
])
def test_bad_receipts_are_refused_and_change_nothing(app, first, last, qty, why):
    receive(100, 100)  # 0000000100 - 0000000199
    blanks = db.session.execute(sa.select(sa.func.count(Blank.id))).scalar()
    with pytest.raises(DomainError):
        receive_blanks(BlankReceipt(
            received_at=office_today(), reference="BA-X", serial_first=first, serial_last=last,
            quantity=qty), user_of("printing_operator"))
    assert db.session.execute(sa.select(sa.func.count(Blank.id))).scalar() == blanks
    assert db.session.execute(sa.select(sa.func.count(BlankReceipt.id))).scalar() == 1


def test_receipt_creates_one_blank_per_serial(app):
    receive(1000, 25)
    serials = db.session.execute(sa.select(Blank.serial).order_by(Blank.serial)).scalars().all()
    assert serials[0] == "0000001000" and serials[-1] == "0000001024" and len(serials) == 25


# ------------------------------------------------------------------ batches


def test_full_batch_flow_fifo_confirm_close_handover(app):
    receive(500, 10)
    apps = print_ready(app, 3)
    batch = batch_with(apps)
    printer = user_of("printing_operator")
    cards = print_batch(batch, printer)
    assert [c.blank.serial for c in cards] == ["0000000500", "0000000501", "0000000502"]
    assert batch.status == "printed" and all(a.status == "printed" for a in apps)
    good, spoiled, third = cards
    confirm_card(good, printer, True, storage_location="lemari a rak 1")
    assert good.status == "stored" and good.blank.status == "used"
    assert good.application.clock_stopped_at == good.printed_at
    confirm_card(spoiled, printer, False, reason="tinta luntur")
    assert spoiled.blank.status == "spoiled" and spoiled.application.status == "print_ready"
    assert spoiled.application.print_batch_id is None
    with pytest.raises(DomainError):
        confirm_card(good, printer, True, storage_location="X")  # twice
    assert batch.status == "printed"
    confirm_card(third, printer, True, storage_location="LEMARI A")
    assert batch.status == "closed"
    card = hand_over(good, printer, receiver_name="umbu hapu", relation="self",
                         id_checked=True, authority_letter=False, secret=SECRET)
    assert card.application.status == "handed_over"
    assert check_verification_code(card.verification_code, SECRET) == card
    forged = card.verification_code[:-1] + ("0" if card.verification_code[-1] != "0" else "1")
    assert check_verification_code(forged, SECRET) is None
    assert check_verification_code(card.verification_code, "other-key") is None
    rec = reconcile(office_today() - timedelta(days=1), office_today())
    assert rec.balances
    assert (rec.received, rec.used, rec.spoiled, rec.closing) == (10, 2, 1, 7)


def test_nobody_approves_their_own_batch(app):
    apps = print_ready(app, 1)
    printer = user_of("printing_operator")
    batch = batch_with(apps, approve=False)
    with pytest.raises(PermissionDenied):
        decide_batch(batch, printer, True, "ok")
    head = user_of("head_of_division")
    batch.created_by_id = head.id  # a head who made the batch himself
    db.session.commit()
    with pytest.raises(DomainError):
        decide_batch(batch, head, True, "ok")
    assert batch.status == "submitted"


def test_print_refusals_change_nothing(app):
    receive(1, 1)
    apps = print_ready(app, 2)
    printer = user_of("printing_operator")
    unapproved = batch_with(apps[:1], approve=False)
    with pytest.raises(DomainError):
        print_batch(unapproved, printer)
    unapproved.status = "draft"
    db.session.commit()
    approved = batch_with(apps[1:], approve=True)
    db.session.execute(sa.update(Blank).values(status="used"))
    db.session.commit()
    with pytest.raises(DomainError) as exc:
        print_batch(approved, printer)
    assert "0" in str(exc.value.message)
    db.session.refresh(approved)
    assert approved.status == "approved"
    assert db.session.execute(sa.select(sa.func.count(Card.id))).scalar() == 0


def test_rejected_batch_returns_its_applications(app):
    apps = print_ready(app, 2)
    batch = batch_with(apps, approve=False)
    with pytest.raises(DomainError):
        decide_batch(batch, user_of("head_of_division"), False, "")
    decide_batch(batch, user_of("head_of_division"), False, "data belum dicek")
    assert batch.status == "rejected"
    assert all(a.status == "print_ready" and a.print_batch_id is None for a in apps)


def test_only_print_ready_and_eligible_applications_join_a_batch(app):
    apps = print_ready(app, 1)
    printer = user_of("printing_operator")
    batch = create_batch(printer)
    apps[0].status = "recorded"
    db.session.commit()
    with pytest.raises(DomainError):
        add_to_batch(batch, apps, printer)
    apps[0].status = "print_ready"
    db.session.commit()
    with pytest.raises(DomainError):  # a date before the applicant could be printed
        add_to_batch(batch, apps, printer, today=apps[0].applicant.birth_date)
    assert apps[0].status == "print_ready"


def test_recorder_cannot_print_without_a_logged_reason(app):
    receive(1, 5)
    apps = print_ready(app, 1)
    batch = batch_with(apps)
    printer = user_of("printing_operator")
    apps[0].recorded_by_id = printer.id  # the printer recorded it earlier
    db.session.commit()
    with pytest.raises(DomainError):
        print_batch(batch, printer)
    assert batch.status == "approved"
    print_batch(batch, printer, override_reason="operator perekaman cuti")
    assert batch.status == "printed"


def test_family_handover_needs_a_letter_and_id_check(app):
    receive(1, 5)
    batch = batch_with(print_ready(app, 1))
    printer = user_of("printing_operator")
    (card,) = print_batch(batch, printer)
    confirm_card(card, printer, True, storage_location="LEMARI B")
    for kwargs in ({"relation": "parent", "id_checked": True, "authority_letter": False},
                   {"relation": "self", "id_checked": False, "authority_letter": False},
                   {"relation": "neighbour", "id_checked": True, "authority_letter": True}):
        with pytest.raises(DomainError):
            hand_over(card, printer, receiver_name="RAMBU HAPU", secret=SECRET, **kwargs)
    assert card.status == "stored"
    hand_over(card, printer, receiver_name="RAMBU HAPU", relation="parent",
                  id_checked=True, authority_letter=True, secret=SECRET)
    assert card.status == "handed_over" and card.authority_letter


def test_uncollected_cards_oldest_first(app):
    receive(1, 5)
    batch = batch_with(print_ready(app, 2))
    printer = user_of("printing_operator")
    first, second = print_batch(batch, printer)
    for card in (first, second):
        confirm_card(card, printer, True, storage_location="LEMARI C")
    second.stored_at = utcnow() - timedelta(days=40)
    db.session.commit()
    rows = uncollected()
    assert rows[0][0] == second and rows[0][1] == 40


def test_destruction_and_write_off(app):
    receive(1, 5)
    batch = batch_with(print_ready(app, 1))
    printer = user_of("printing_operator")
    (card,) = print_batch(batch, printer)
    confirm_card(card, printer, False, reason="kartu tergores")
    head = user_of("head_of_division")
    available = db.session.execute(
        sa.select(Blank).where(Blank.status == "available")).scalars().all()
    with pytest.raises(DomainError):
        destroy_spoiled(available[:1], head, "pemusnahan")
    with pytest.raises(PermissionDenied):
        destroy_spoiled([card.blank], printer, "pemusnahan")
    assert destroy_spoiled([card.blank], head, "pemusnahan bulanan") == [card.blank.serial]
    write_off(available[:1], head, "lost", "hilang saat pindah ruang")
    rec = reconcile(office_today(), office_today())
    assert rec.balances and rec.destroyed == 1 and rec.lost == 1 and rec.closing == 3


# ------------------------------------------------------------------ concurrency


def test_two_printers_at_once_never_share_a_blank(app):
    receive(1, 30)
    apps = print_ready(app, 20)
    batches = [batch_with(apps[:10]), batch_with(apps[10:])]
    ids = [b.id for b in batches]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker(batch_id: int) -> None:
        try:
            with app.app_context():
                from models import PrintBatch

                batch = db.session.get(PrintBatch, batch_id)
                barrier.wait()
                print_batch(batch, user_of("printing_operator"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    db.session.expire_all()
    blank_ids = db.session.execute(sa.select(Card.blank_id)).scalars().all()
    assert len(blank_ids) == 20 and len(set(blank_ids)) == 20
    reserved = db.session.execute(
        sa.select(sa.func.count(Blank.id)).where(Blank.status == "reserved")).scalar()
    assert reserved == 20
    rec = reconcile(office_today(), office_today())
    assert rec.balances and rec.closing == 30


def test_the_same_batch_printed_twice_at_once_prints_once(app):
    receive(1, 30)
    batch_id = batch_with(print_ready(app, 5)).id  # read here: threads share no session
    results: list[object] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        with app.app_context():
            from models import PrintBatch

            b = db.session.get(PrintBatch, batch_id)
            barrier.wait()
            try:
                results.append(len(print_batch(b, user_of("printing_operator"))))
            except DomainError as exc:
                results.append(str(exc.message))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(map(str, results))[0] == "5"
    assert db.session.execute(sa.select(sa.func.count(Card.id))).scalar() == 5


# ------------------------------------------------------------------ reconciliation


def _race_step(app, step: str, apps: list) -> None:
    """Two officers at the same moment (issue 8): two threads, each with its own
    session, race the conflicting operations; none may break the reconciliation."""
    from models import PrintBatch, User
    from tests.race_helpers import load, one_wins, race

    printer_id = user_of("printing_operator").id
    head_id = user_of("head_of_division").id
    available = db.session.execute(sa.select(sa.func.count(Blank.id)).where(
        Blank.status == "available")).scalar()
    if step == "race_confirm":  # good against spoiled, the same card
        card_id = db.session.execute(sa.select(Card.id).where(
            Card.status == "printed").limit(1)).scalar()
        if card_id is None:
            return

        def prepare():
            return load(Card, card_id, "blank", "application", "batch", "batch.cards")

        def confirm(good):
            return lambda card: confirm_card(card, db.session.get(User, printer_id), good,
                                             storage_location="L2", reason="rusak cetak")

        one_wins(race(app, (prepare, confirm(True)), (prepare, confirm(False))))
    elif step == "race_handover":  # two handovers of one stored card
        card_id = db.session.execute(sa.select(Card.id).where(
            Card.status == "stored").limit(1)).scalar()
        if card_id is None:
            return

        def prepare():
            return load(Card, card_id, "blank", "application")

        def give(card):
            hand_over(card, db.session.get(User, printer_id), receiver_name="UMBU HAPU",
                      relation="self", id_checked=True, authority_letter=False,
                      secret=SECRET)

        one_wins(race(app, (prepare, give), (prepare, give)))
    elif step in ("race_print", "race_lost_print"):
        ready = [a for a in apps if a.status == "print_ready"][:2 if step == "race_print"
                                                               else 1]
        if not ready or available < len(ready):
            return
        batch_id = batch_with(ready).id

        def prepare_batch():
            return load(PrintBatch, batch_id, "applications")

        def do_print(batch):
            return print_batch(batch, db.session.get(User, printer_id))

        if step == "race_print":  # the same batch printed twice at once
            one_wins(race(app, (prepare_batch, do_print), (prepare_batch, do_print)))
        else:  # the first blank by serial written off while the batch is printed
            blank_id = db.session.execute(sa.select(Blank.id).where(
                Blank.status == "available").order_by(Blank.serial).limit(1)).scalar()

            def prepare_blank():
                return load(Blank, blank_id)

            def lose(blank):
                write_off([blank], db.session.get(User, head_id), "lost", "hilang di gudang")

            outcomes = race(app, (prepare_batch, do_print), (prepare_blank, lose))
            assert all(o.ok or isinstance(o.error, DomainError) for o in outcomes), outcomes
            assert any(o.ok for o in outcomes)
    db.session.expire_all()


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["print", "good", "spoil", "lost", "destroy", "receive",
                                 "race_confirm", "race_handover", "race_print",
                                 "race_lost_print"]),
                min_size=1, max_size=8))
def test_reconciliation_balances_after_any_sequence(app, steps):
    from tests.factories import fresh_database  # each example starts clean

    fresh_database()
    receive(1, 6, reference="BA-1")
    next_serial = 100
    apps = print_ready(app, 4)
    printer, head = user_of("printing_operator"), user_of("head_of_division")
    for step in steps:
        if step == "receive":
            receive(next_serial, 3, reference=f"BA-{next_serial}")
            next_serial += 10
        elif step == "print":
            ready = [a for a in apps if a.status == "print_ready"][:2]
            available = db.session.execute(sa.select(sa.func.count(Blank.id)).where(
                Blank.status == "available")).scalar()
            if ready and available >= len(ready):
                print_batch(batch_with(ready), printer)
        elif step in ("good", "spoil"):
            card = db.session.execute(sa.select(Card).where(
                Card.status == "printed").limit(1)).scalar()
            if card:
                confirm_card(card, printer, step == "good", storage_location="L1",
                                 reason="rusak cetak")
        elif step == "lost":
            blank = db.session.execute(sa.select(Blank).where(
                Blank.status == "available").limit(1)).scalar()
            if blank:
                write_off([blank], head, "lost", "hilang di gudang")
        elif step == "destroy":
            spoiled = db.session.execute(sa.select(Blank).where(
                Blank.status == "spoiled")).scalars().all()
            if spoiled:
                destroy_spoiled(spoiled, head, "pemusnahan")
        else:
            _race_step(app, step, apps)
            printer, head = user_of("printing_operator"), user_of("head_of_division")
    rec = reconcile(office_today() - timedelta(days=3), office_today())
    assert rec.balances
    assert sum(rec.status_counts.values()) == rec.total_received



def test_a_receipt_reference_is_recorded_once(app):
    receive(1, 5, reference="BA/DUKCAPIL/2026/11")
    with pytest.raises(DomainError) as exc:
        receive(100, 5, reference="BA/DUKCAPIL/2026/11")
    assert exc.value.field == "reference"
    assert db.session.execute(sa.select(sa.func.count(Blank.id))).scalar() == 5


def test_a_refused_add_opens_no_draft_batch(app):
    apps = print_ready(app, 1)
    apps[0].status = "recorded"
    db.session.commit()
    printer = user_of("printing_operator")
    with pytest.raises(DomainError):
        add_to_draft(apps, printer)
    assert draft_of(printer) is None
    apps[0].status = "print_ready"
    db.session.commit()
    batch, numbers = add_to_draft(apps, printer)
    assert numbers == [apps[0].number] and draft_of(printer) == batch


# ------------------------------------------------------------------ the screens' reads


def test_may_decide_never_the_batch_creator(app):
    from models.batches import batch_steps, may_decide, pending_batches

    batch = batch_with(print_ready(app, 1), approve=False)
    head, operator = user_of("head_of_division"), user_of("printing_operator")
    assert may_decide(head, batch) and not may_decide(operator, batch)
    assert pending_batches() == [batch]
    assert batch_steps(head, batch).decide and not batch_steps(head, batch).own_batch
    batch.created_by_id = head.id  # e.g. made while acting as operator
    db.session.commit()
    assert not may_decide(head, batch)
    assert batch_steps(head, batch).own_batch and not batch_steps(head, batch).decide
    batch.created_by_id = operator.id
    db.session.commit()
    decide_batch(batch, head, True, None)
    assert not may_decide(head, batch) and pending_batches() == []


def test_needs_override_when_the_printer_recorded_an_application(app):
    from models.batches import batch_steps, needs_override

    applications = print_ready(app, 2)
    batch = batch_with(applications)
    operator = user_of("printing_operator")
    assert not needs_override(operator, batch)
    assert batch_steps(operator, batch).print and not batch_steps(operator, batch).needs_override
    applications[1].recorded_by_id = operator.id
    db.session.commit()
    assert needs_override(operator, batch)
    with pytest.raises(DomainError) as exc:
        print_batch(batch, operator)
    assert exc.value.field == "override_reason"


def test_stock_counts_and_alert(app):
    from models.blanks import available_count, stock_alert, stock_counts
    from models.standard import current_standard

    receive(100, 5)
    head = user_of("head_of_division")
    blanks = db.session.execute(sa.select(Blank).order_by(Blank.serial)).scalars().all()
    write_off(blanks[:2], head, "lost", "hilang dicuri")
    counts = stock_counts()
    assert counts.received == 5 and counts.accounted == 5
    assert dict((s, n) for s, _label, n in counts.rows) == {
        "available": 3, "reserved": 0, "used": 0, "spoiled": 0, "lost": 2, "returned": 0,
        "destroyed": 0}
    assert available_count() == 3
    alert = stock_alert()
    assert alert is not None and alert.available == 3
    assert alert.low == (3 < current_standard().low_stock_threshold)


@pytest.mark.parametrize(("text", "expected"), [
    ("0000000100", ["0000000100"]),
    ("0000000100 - 0000000102, 0000000101;0000000105",
     ["0000000100", "0000000101", "0000000102", "0000000105"]),
    ("0000000100\u20130000000101", ["0000000100", "0000000101"]),
])
def test_parse_serials(text, expected):
    from models.blanks import parse_serials

    assert parse_serials(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "0000000105-0000000100", "100-0000000200",
                                  "0000000001-0000009999"])
def test_parse_serials_refuses_on_the_serials_field(text):
    from models.blanks import parse_serials

    with pytest.raises(DomainError) as exc:
        parse_serials(text)
    assert exc.value.field == "serials"


def test_blanks_by_serial_names_the_unknown(app):
    from models.blanks import blanks_by_serial

    receive(100, 3)
    assert [b.serial for b in blanks_by_serial(["0000000102", "0000000100"])] == [
        "0000000102", "0000000100"]
    with pytest.raises(DomainError) as exc:
        blanks_by_serial(["0000000100", "0000000999"])
    assert exc.value.field == "serials" and "0000000999" in str(exc.value.message)


def test_custody_search(app):
    from models.cards import custody

    receive(100, 5)
    applications = print_ready(app, 2)
    batch = batch_with(applications)
    operator = user_of("printing_operator")
    cards = print_batch(batch, operator)
    for card in cards:
        confirm_card(card, operator, True, storage_location="LEMARI A")
    first = cards[0]
    assert [c for c, _d in custody()] == [c for c, _d in uncollected()]
    assert len(custody()) == 2
    number = first.application.number
    for term in (number.lower(), first.application.applicant.nik[:8],
                 first.application.applicant.name.lower(), first.blank.serial):
        found = [c for c, _d in custody(term)]
        assert first in found, term
    assert [c for c, _d in custody(f"  {first.blank.serial}  ")] == [first]
    assert custody("TIDAK ADA") == [] and custody("%") == custody()
