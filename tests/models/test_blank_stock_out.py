"""When blanks run out (issue 11 item 6): the stock reaching zero proposes one
blank-stock-out disruption to the head of division (two printers at once: still one);
only the head of division confirms (then it extends the clocks it met) or dismisses it
with a reason; the next blank receipt closes it at the receipt's time; the intake and
printing screens say so."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from models import AuditEntry, Disruption, DomainError, User, db
from models.batches import print_batch
from models.office_time import simulated, to_utc
from models.permissions import PermissionDenied
from models.service_clock import (
    clock,
    confirm_disruption,
    dismiss_disruption,
    open_stock_out,
    propose_stock_out,
)
from models.standard import current_standard
from tests.factories import (
    Auth,
    batch_with,
    make_applicant,
    print_ready,
    receive,
    submitted,
    user_of,
)
from tests.race_helpers import race


def wita(text: str) -> datetime:
    return to_utc(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def stock_outs() -> list[Disruption]:
    return list(db.session.execute(
        sa.select(Disruption).where(Disruption.kind == "blank_stock_out")
        .order_by(Disruption.id)).scalars())


def html_of(response) -> str:
    return response.get_data(as_text=True)


def test_the_last_blank_printed_proposes_one_stock_out(app):
    receive(100, 2)
    first = batch_with(print_ready(app, 2))
    second = batch_with(print_ready(app, 1, start_serial=5))
    assert stock_outs() == []
    print_batch(first, user_of("printing_operator"))
    (proposal,) = stock_outs()
    assert proposal.awaiting_confirmation and not proposal.in_force
    assert proposal.ended_at is None and proposal.reported_by == user_of("printing_operator")
    # The next print finds no blank: refused, and still the one proposal.
    with pytest.raises(DomainError):
        print_batch(second, user_of("printing_operator"))
    assert [d.id for d in stock_outs()] == [proposal.id]
    assert db.session.execute(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "disruption", AuditEntry.action == "propose")).scalar() == 1


def test_an_allocation_that_finds_no_blank_proposes(app):
    batch = batch_with(print_ready(app, 1))  # no blank ever received
    with pytest.raises(DomainError):
        print_batch(batch, user_of("printing_operator"))
    assert len(stock_outs()) == 1
    assert db.session.get(type(batch), batch.id).status == "approved"  # nothing printed


def test_two_printers_reaching_zero_at_once_propose_one(app):
    printer_id = user_of("printing_operator").id
    head_id = user_of("head_of_division").id

    def prepare_for(user_id):
        return lambda: db.session.get(User, user_id)

    outcomes = race(app, (prepare_for(printer_id), lambda u: propose_stock_out(u).id),
                    (prepare_for(head_id), lambda u: propose_stock_out(u).id))
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    (only,) = stock_outs()
    assert {o.value for o in outcomes} == {only.id}


def test_only_the_head_of_division_confirms_and_then_the_clocks_extend(app):
    operator = user_of("recording_operator")
    with simulated(lambda: wita("2026-03-04 09:40")):
        application = submitted(app, make_applicant(), operator)
    with simulated(lambda: wita("2026-03-04 10:00")):
        proposal = propose_stock_out(user_of("printing_operator"))
    db.session.refresh(application)
    assert application.sla_hours == current_standard().sla_hours  # not in force yet
    for role in ("printing_operator", "recording_operator", "secretary"):
        with pytest.raises(PermissionDenied):
            confirm_disruption(proposal, user_of(role))
        with pytest.raises(PermissionDenied):
            dismiss_disruption(proposal, user_of(role), "salah hitung stok")
    with simulated(lambda: wita("2026-03-04 10:20")):
        affected = confirm_disruption(proposal, user_of("head_of_division"))
    assert [a.id for a in affected] == [application.id]
    db.session.refresh(application)
    assert application.sla_hours == current_standard().sla_hours_disrupted
    assert application.disruption_id == proposal.id
    assert not clock(application, wita("2026-03-04 12:00")).breached


def test_a_dismissed_proposal_extends_nothing_and_the_next_zero_proposes_again(app):
    proposal = propose_stock_out(user_of("printing_operator"))
    head = user_of("head_of_division")
    with pytest.raises(DomainError) as short:
        dismiss_disruption(proposal, head, "no")
    assert short.value.field == "reason"
    dismiss_disruption(proposal, head, "Blangko ada di gudang, salah hitung")
    db.session.refresh(proposal)
    assert proposal.dismissed_at is not None and proposal.ended_at is not None
    assert not proposal.in_force and not proposal.awaiting_confirmation
    with pytest.raises(DomainError):
        confirm_disruption(proposal, head)
    assert open_stock_out() is None
    again = propose_stock_out(user_of("printing_operator"))
    assert again.id != proposal.id and len(stock_outs()) == 2


def test_the_next_receipt_closes_it_at_the_receipts_time(app):
    operator = user_of("recording_operator")
    with simulated(lambda: wita("2026-03-04 10:00")):
        proposal = propose_stock_out(user_of("printing_operator"))
    with simulated(lambda: wita("2026-03-04 11:00")):
        during = submitted(app, make_applicant(), operator)
    with simulated(lambda: wita("2026-03-04 12:00")):
        receive(500, 10)
    db.session.refresh(proposal)
    assert proposal.ended_at == wita("2026-03-04 12:00")
    assert proposal.closed_by == user_of("printing_operator")
    closed = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.object_type == "disruption", AuditEntry.action == "close")).scalar_one()
    assert closed.object_id == str(proposal.id)
    # Confirmed later, it gives the longer limit to the window it met, as any
    # disruption entered after the fact does.
    with simulated(lambda: wita("2026-03-04 13:00")):
        confirm_disruption(proposal, user_of("head_of_division"))
    db.session.refresh(during)
    assert during.disruption_id == proposal.id
    # A receipt with no open stock out closes nothing.
    receive(900, 5)
    assert db.session.execute(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "disruption", AuditEntry.action == "close")).scalar() == 1


def test_intake_printing_and_queue_screens_say_so(app):
    # No blank: intake and every printing screen say printing waits.
    recording = Auth(app.test_client())
    recording.login("recording_operator")
    printing = Auth(app.test_client())
    printing.login("printing_operator")
    html = html_of(recording.client.get("/admin/intake/"))
    assert 'data-testid="blank-stock-out"' in html
    for path in ("/admin/printbatch/", "/admin/custody/", "/admin/stock/"):
        assert 'data-testid="blank-stock-out"' in html_of(printing.client.get(path)), path
    # One blank, a batch of two: its page says the batch cannot be printed.
    receive(100, 1)
    assert 'data-testid="blank-stock-out"' not in html_of(recording.client.get("/admin/intake/"))
    assert 'data-testid="low-stock"' not in html_of(recording.client.get("/admin/intake/"))
    batch = batch_with(print_ready(app, 2))
    html = html_of(printing.client.get(f"/admin/printbatch/details/?id={batch.id}"))
    short = re.search(r'data-testid="blank-stock-short">(.*?)</div>', html, re.S)
    assert short and "2" in short.group(1) and "1" in short.group(1)
    # The proposal is on the work queue's banner, waiting for the head of division.
    propose_stock_out(user_of("printing_operator"))
    html = html_of(printing.client.get("/admin/queue/"))
    banner = re.search(r'data-testid="disruption-banner">(.*?)</div>', html, re.S)
    assert banner and "WITA" in banner.group(1)


def test_the_head_of_division_dismisses_a_proposal_on_its_page(app):
    proposal = propose_stock_out(user_of("printing_operator"))
    head = Auth(app.test_client())
    head.login("head_of_division")
    page = f"/admin/disruption/details/?id={proposal.id}"
    html = html_of(head.client.get(page))
    assert 'data-testid="dismiss-disruption"' in html and "Kepala Bidang" in html
    response = head.post(f"/admin/disruption/dismiss/?id={proposal.id}",
                         {"reason": "no"}, token_from=page)
    assert response.status_code == 200
    assert "paling sedikit 5 karakter" in html_of(response)
    db.session.refresh(proposal)
    assert proposal.dismissed_at is None
    response = head.post(f"/admin/disruption/dismiss/?id={proposal.id}",
                         {"reason": "Salah hitung stok gudang"}, token_from=page)
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert proposal.dismissal_reason == "Salah hitung stok gudang"
    assert "Salah hitung stok gudang" in html_of(head.client.get(page))


def test_confirm_and_dismiss_at_once_one_wins(app):
    from tests.race_helpers import one_wins

    proposal_id = propose_stock_out(user_of("printing_operator")).id
    head_id = user_of("head_of_division").id

    def prepare():
        return db.session.get(Disruption, proposal_id), db.session.get(User, head_id)

    winner, _loser = one_wins(race(
        app, (prepare, lambda seen: confirm_disruption(*seen)),
        (prepare, lambda seen: dismiss_disruption(seen[0], seen[1], "Salah hitung stok"))))
    proposal = db.session.get(Disruption, proposal_id)
    # Exactly one outcome: confirmed (in force, open) or dismissed (ended, never in force).
    assert (proposal.confirmed_at is None) != (proposal.dismissed_at is None)
    assert proposal.in_force == (proposal.confirmed_at is not None)


def test_a_receipt_and_a_dismissal_at_once_both_go_through(app):
    from models.blanks import BlankReceipt, available_count, receive_blanks
    from models.office_time import office_today

    proposal_id = propose_stock_out(user_of("printing_operator")).id
    head_id, printer_id = user_of("head_of_division").id, user_of("printing_operator").id

    def prepare():
        return db.session.get(Disruption, proposal_id), db.session.get(User, head_id)

    def receipt():
        return db.session.get(User, printer_id)

    def receive_ten(printer):
        receive_blanks(BlankReceipt(received_at=office_today(), reference="BA-RACE",
                                    serial_first="0000000700", serial_last="0000000709",
                                    quantity=10), printer)

    outcomes = race(app, (prepare, lambda seen: dismiss_disruption(seen[0], seen[1],
                                                                    "Salah hitung stok")),
                    (receipt, receive_ten))
    receipt_outcome = outcomes[1]
    assert receipt_outcome.ok, receipt_outcome.error  # the blanks are always received
    assert available_count() == 10
    proposal = db.session.get(Disruption, proposal_id)
    assert proposal.ended_at is not None
    if outcomes[0].ok:
        assert proposal.dismissed_at is not None
    else:  # the receipt closed it first; the dismissal lost and changed nothing
        assert proposal.dismissed_at is None and proposal.closed_by_id == printer_id
