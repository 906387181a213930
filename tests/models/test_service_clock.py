"""The service clock as the standard reads it (issue 8): when it starts, which
disruption gives the 24-hour limit, and that a breach is never erased; disruption
transitions as compare-and-sets; one new KTP-el per resident; the SIAK duplicate
re-check; the eligible marital statuses from the standard."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from models import Application, AuditEntry, Disruption, DomainError, applications, db
from models.batches import confirm_card, print_batch
from models.cards import hand_over
from models.eligibility import eligibility
from models.office_time import simulated, to_office, to_utc, utcnow
from models.permissions import PermissionDenied, allowed
from models.service_clock import (
    clock,
    clock_view,
    close_disruption,
    confirm_disruption,
    open_disruption,
)
from models.standard import SEED_STANDARD, publish_version
from tests.factories import (
    Auth,
    batch_with,
    make_applicant,
    nik_for,
    print_ready,
    receive,
    recorded,
    standard_form_data,
    submitted,
    user_of,
)

JUST_PROCESSED_ID = "baru saja diproses oleh petugas lain"


def wita(text: str) -> datetime:
    """'2026-03-04 23:30' (WITA wall clock) as the naive UTC stored."""
    return to_utc(datetime.strptime(text, "%Y-%m-%d %H:%M"))


# ------------------------------------------------------------------ the scenario table
#
# Each scenario is a story told in WITA, in the order things happen: the submission at
# the counter, disruptions reported (each "as it happens" unless reported later), closed,
# confirmed by the head of division, the first good print, a rejection. Each step runs
# on the simulated office clock at its own time; the stored deadline (and the disruption
# that gave the longer limit) must then be exactly the expected one.

ADULT = date(1990, 8, 17)
TURNS_17 = date(2009, 3, 5)  # 17 on 05-03-2026


@dataclass(frozen=True)
class Step:
    kind: str  # submit | open | close | confirm | print | reject
    at: str  # WITA, when it is done
    name: str = ""  # the disruption's name (its description)
    start: str = ""  # open: when the disruption began (default: when reported)
    end: str = ""  # open: an entry of a disruption already over


def submit(at: str) -> Step:
    return Step("submit", at)


def report(name: str, start: str, at: str = "", end: str = "") -> Step:
    return Step("open", at or start, name, start, end)


def close(name: str, at: str) -> Step:
    return Step("close", at, name)


def confirm(name: str, at: str) -> Step:
    return Step("confirm", at, name)


def printed(at: str) -> Step:
    return Step("print", at)


def rejected(at: str) -> Step:
    return Step("reject", at)


@dataclass(frozen=True)
class Scenario:
    id: str
    steps: tuple[Step, ...]
    deadline: str  # WITA
    given_by: str | None = None  # the disruption that gave 24 hours
    born: date = ADULT
    breached: tuple[tuple[str, bool], ...] = field(default=())  # (now WITA, breached?)


SCENARIOS = [
    Scenario("plain one hour", (submit("2026-03-04 10:00"),), "2026-03-04 11:00",
             breached=(("2026-03-04 10:59", False), ("2026-03-04 11:01", True))),
    Scenario("across midnight WITA", (submit("2026-03-04 23:30"),), "2026-03-05 00:30",
             breached=(("2026-03-05 00:15", False), ("2026-03-05 00:45", True))),
    Scenario("on the 17th birthday at 03:00 WITA (still the day before in UTC)",
             (submit("2026-03-05 03:00"),), "2026-03-05 04:00", born=TURNS_17),
    Scenario("on the 17th birthday at 07:59 WITA", (submit("2026-03-05 07:59"),),
             "2026-03-05 08:59", born=TURNS_17),
    Scenario("on the 17th birthday at 00:00 WITA", (submit("2026-03-05 00:00"),),
             "2026-03-05 01:00", born=TURNS_17),
    Scenario("recorded at 16 the evening before: 08:00 WITA on the birthday",
             (submit("2026-03-04 23:30"),), "2026-03-05 09:00", born=TURNS_17),
    Scenario("recorded at 16 weeks before the birthday",
             (submit("2026-02-01 10:00"),), "2026-03-05 09:00", born=TURNS_17,
             breached=(("2026-02-20 10:00", False), ("2026-03-05 09:30", True))),
    Scenario("disruption over before the clock started",
             (report("A", "2026-03-04 08:00"), close("A", "2026-03-04 09:00"),
              submit("2026-03-04 10:00")), "2026-03-04 11:00"),
    Scenario("disruption closed the minute the clock started counts",
             (report("A", "2026-03-04 09:00"), close("A", "2026-03-04 10:00"),
              submit("2026-03-04 10:00")), "2026-03-05 10:00", "A"),
    Scenario("disruption inside the window",
             (submit("2026-03-04 10:00"), report("A", "2026-03-04 10:20")),
             "2026-03-05 10:00", "A",
             breached=(("2026-03-04 15:00", False), ("2026-03-05 10:01", True))),
    Scenario("disruption after the deadline: the breach stays",
             (submit("2026-03-04 10:00"), report("A", "2026-03-04 11:30")),
             "2026-03-04 11:00", breached=(("2026-03-04 12:00", True),)),
    Scenario("disruption beginning at the deadline minute counts",
             (submit("2026-03-04 10:00"), report("A", "2026-03-04 11:00")),
             "2026-03-05 10:00", "A"),
    Scenario("submitted during an open disruption",
             (report("A", "2026-03-04 09:00"), submit("2026-03-04 10:00")),
             "2026-03-05 10:00", "A"),
    Scenario("open-ended disruption running for days",
             (report("A", "2026-03-01 08:00"), submit("2026-03-04 10:00")),
             "2026-03-05 10:00", "A"),
    Scenario("two disruptions in the window: 24 hours once, from the first",
             (submit("2026-03-04 10:00"), report("A", "2026-03-04 10:10"),
              report("B", "2026-03-04 10:20")), "2026-03-05 10:00", "A",
             breached=(("2026-03-05 10:30", True),)),
    Scenario("two disruptions: one before the window, one inside",
             (report("A", "2026-03-04 08:00"), close("A", "2026-03-04 09:00"),
              submit("2026-03-04 10:00"), report("B", "2026-03-04 10:30")),
             "2026-03-05 10:00", "B"),
    Scenario("entered late, not confirmed: nothing changes",
             (submit("2026-03-04 10:00"),
              report("A", "2026-03-04 10:10", at="2026-03-04 14:00", end="2026-03-04 10:40")),
             "2026-03-04 11:00", breached=(("2026-03-04 14:30", True),)),
    Scenario("entered late and confirmed: 24 hours",
             (submit("2026-03-04 10:00"),
              report("A", "2026-03-04 10:10", at="2026-03-04 14:00", end="2026-03-04 10:40"),
              confirm("A", "2026-03-04 15:00")), "2026-03-05 10:00", "A",
             breached=(("2026-03-04 15:30", False),)),
    Scenario("reported 10 minutes after it began: in force at once",
             (submit("2026-03-04 10:00"),
              report("A", "2026-03-04 10:40", at="2026-03-04 10:50")),
             "2026-03-05 10:00", "A"),
    Scenario("reported 16 minutes after it began: waits for confirmation",
             (submit("2026-03-04 10:00"),
              report("A", "2026-03-04 10:40", at="2026-03-04 10:56")),
             "2026-03-04 11:00"),
    Scenario("entered late and confirmed, but over before the clock started",
             (submit("2026-03-04 10:00"),
              report("A", "2026-03-04 08:00", at="2026-03-04 14:00", end="2026-03-04 09:00"),
              confirm("A", "2026-03-04 15:00")), "2026-03-04 11:00"),
    Scenario("breach not erased by a disruption hours later",
             (submit("2026-03-04 10:00"), report("A", "2026-03-04 13:00"),
              close("A", "2026-03-04 14:00")), "2026-03-04 11:00",
             breached=(("2026-03-04 13:30", True), ("2026-03-04 15:00", True))),
    Scenario("closing keeps the 24 hours already given",
             (submit("2026-03-04 10:00"), report("A", "2026-03-04 10:20"),
              close("A", "2026-03-04 10:30")), "2026-03-05 10:00", "A",
             breached=(("2026-03-04 12:00", False),)),
    Scenario("printed before the disruption began",
             (submit("2026-03-04 10:00"), printed("2026-03-04 10:30"),
              report("A", "2026-03-04 10:45")), "2026-03-04 11:00"),
    Scenario("rejected before the disruption began",
             (submit("2026-03-04 10:00"), rejected("2026-03-04 10:10"),
              report("A", "2026-03-04 10:30")), "2026-03-04 11:00"),
    Scenario("recorded at 16; a disruption weeks before the clock starts",
             (submit("2026-02-01 10:00"), report("A", "2026-02-01 10:30"),
              close("A", "2026-02-01 12:00")), "2026-03-05 09:00", born=TURNS_17),
    Scenario("recorded at 16; open at the clock's start, closed later",
             (submit("2026-02-01 10:00"), report("A", "2026-03-05 07:00"),
              close("A", "2026-03-05 12:00")), "2026-03-06 08:00", "A", born=TURNS_17),
    Scenario("just after midnight WITA, a disruption inside the window",
             (submit("2026-03-04 23:30"), report("A", "2026-03-05 00:15")),
             "2026-03-05 23:30", "A"),
]


def _play(app, scenario: Scenario) -> Application:
    operator, head = user_of("recording_operator"), user_of("head_of_division")
    applicant = make_applicant(nik=nik_for(scenario.born, "2"), birth_date=scenario.born)
    disruptions: dict[str, Disruption] = {}
    application = None
    for step in scenario.steps:
        at = wita(step.at)
        with simulated(lambda at=at: at):
            if step.kind == "submit":
                application = submitted(app, applicant, operator)
            elif step.kind == "open":
                d = Disruption(kind="network", description=step.name,
                               started_at=wita(step.start),
                               ended_at=wita(step.end) if step.end else None)
                open_disruption(d, operator)
                disruptions[step.name] = d
            elif step.kind == "close":
                close_disruption(disruptions[step.name], operator)
            elif step.kind == "confirm":
                confirm_disruption(disruptions[step.name], head)
            elif step.kind == "print":  # what the first good print does to the clock
                application.stop_clock(at)
                db.session.commit()
            elif step.kind == "reject":
                applications.reject(application, operator, "berkas tidak lengkap")
    assert application is not None
    db.session.expire_all()
    return db.session.get(Application, application.id)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_clock_scenario(app, scenario: Scenario):
    application = _play(app, scenario)
    assert application.deadline_at == wita(scenario.deadline)
    given = application.disruption.description if application.disruption else None
    assert given == scenario.given_by
    assert application.sla_hours == (24 if scenario.given_by else 1)
    for now, breached in scenario.breached:
        assert clock(application, now=wita(now)).breached is breached, now


def test_the_table_has_at_least_twenty_scenarios():
    assert len(SCENARIOS) >= 20


def test_recorded_at_16_shows_the_disruption_still_open_at_its_start(app):
    """Before the close stores it, the clock already reads the 24 hours a disruption
    still open when an early recording's clock started gives."""
    operator = user_of("recording_operator")
    applicant = make_applicant(nik=nik_for(TURNS_17, "2"), birth_date=TURNS_17)
    with simulated(lambda: wita("2026-02-01 10:00")):
        application = submitted(app, applicant, operator)
    with simulated(lambda: wita("2026-03-05 07:00")):
        d = Disruption(kind="power", description="Listrik padam")
        open_disruption(d, operator)
    db.session.refresh(application)
    assert application.deadline_at == wita("2026-03-05 09:00")  # not stored yet
    c = clock(application, now=wita("2026-03-05 10:00"))
    assert not c.breached and c.disruption.id == d.id
    assert c.deadline == wita("2026-03-06 08:00")


def test_each_extension_is_audited_once(app):
    operator = user_of("recording_operator")
    with simulated(lambda: wita("2026-03-04 10:00")):
        application = submitted(app, make_applicant(), operator)
    for minute in ("10:10", "10:20"):
        with simulated(lambda m=minute: wita(f"2026-03-04 {m}")):
            open_disruption(Disruption(kind="power", description=f"Padam {minute}"),
                            operator)
    with simulated(lambda: wita("2026-03-04 10:30")):
        for d in db.session.execute(sa.select(Disruption)).scalars().all():
            close_disruption(d, operator)
    entries = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "sla_extended")).scalars().all()
    assert [(e.object_id, e.changes["sla_hours"]) for e in entries] == \
        [(str(application.id), [1, 24])]


# ------------------------------------------------------------------ the application page


def test_application_page_names_the_disruption_that_gave_24_hours(app, recording_operator):
    operator = user_of("recording_operator")
    application = submitted(app, make_applicant(), operator)
    d = Disruption(kind="network", description="Jaringan SIAK putus")
    open_disruption(d, operator)
    view = clock_view(db.session.get(Application, application.id))
    assert view.disruption == str(d) and view.disruption_id == d.id and view.hours == 24
    page = recording_operator.client.get(f"/admin/application/details/?id={application.id}")
    html = page.get_data(as_text=True)
    assert 'data-testid="clock-disruption"' in html
    assert f"/admin/disruption/details/?id={d.id}" in html
    other = submitted(app, make_applicant(nik="5311011708900002", sex="1", name="UMBU HAPU"),
                      operator)
    close_disruption(d, operator)
    # Submitted while it ran: it too has 24 hours, and says by which disruption.
    assert clock_view(db.session.get(Application, other.id)).disruption == str(d)


def test_application_page_says_no_disruption_for_the_normal_limit(app, recording_operator):
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    html = recording_operator.client.get(
        f"/admin/application/details/?id={application.id}").get_data(as_text=True)
    assert 'data-testid="clock-disruption"' in html
    assert "Tidak ada: berlaku batas waktu biasa." in html


# ------------------------------------------------------------------ disruption screens


def _typed(moment: datetime) -> str:
    """A stored UTC moment as the office types it (DD-MM-YYYY HH:MM, WITA)."""
    return to_office(moment).strftime("%d-%m-%Y %H:%M")


def _login(app, role: str) -> Auth:
    """A second browser, logged in as `role` (the role fixtures share one client)."""
    auth = Auth(app.test_client())
    assert auth.login(role).status_code == 302
    return auth


def test_entry_after_the_fact_on_the_screen_waits_for_the_head(app, recording_operator):
    head = _login(app, "head_of_division")
    operator = user_of("recording_operator")
    now = utcnow().replace(second=0, microsecond=0)
    with simulated(lambda: now - timedelta(hours=4)):
        application = submitted(app, make_applicant(), operator)
    url = "/admin/disruption/new/"
    bad = recording_operator.post(url, {"kind": "network", "description": "Putus",
                                        "started_at": "kemarin"}, token_from=url)
    assert bad.status_code == 200 and "DD-MM-YYYY HH:MM" in bad.get_data(as_text=True)
    started, ended = now - timedelta(hours=3, minutes=50), now - timedelta(hours=3, minutes=20)
    response = recording_operator.post(url, {
        "kind": "network", "description": "Jaringan SIAK putus pagi tadi",
        "started_at": _typed(started), "ended_at": _typed(ended)}, token_from=url)
    assert response.status_code == 302
    d = db.session.execute(sa.select(Disruption)).scalar_one()
    assert (d.started_at, d.ended_at) == (started, ended)
    assert d.needs_confirmation and d.confirmed_at is None
    assert db.session.get(Application, application.id).sla_hours == 1
    details = f"/admin/disruption/details/?id={d.id}"
    assert 'data-testid="confirm-disruption"' not in html_after(recording_operator, details)
    assert recording_operator.post(f"/admin/disruption/confirm/?id={d.id}", {},
                                   token_from=details).status_code == 403
    assert 'data-testid="confirm-disruption"' in html_after(head, details)
    done = head.post(f"/admin/disruption/confirm/?id={d.id}", {}, token_from=details)
    assert done.status_code == 302
    db.session.expire_all()
    d = db.session.get(Disruption, d.id)
    assert d.confirmed_by_id == user_of("head_of_division").id
    application = db.session.get(Application, application.id)
    assert (application.sla_hours, application.disruption_id) == (24, d.id)
    again = head.post(f"/admin/disruption/confirm/?id={d.id}", {}, token_from=details)
    assert again.status_code == 302
    assert "sudah dikonfirmasi" in html_after(head, details)


def html_after(client, url: str) -> str:
    return client.client.get(url).get_data(as_text=True)


def test_confirm_list_action_for_the_head_only(app, head_of_division):
    operator = user_of("recording_operator")
    now = utcnow()
    late = Disruption(kind="power", description="Listrik padam pagi",
                      started_at=now - timedelta(hours=6), ended_at=now - timedelta(hours=5))
    open_disruption(late, operator)
    live = Disruption(kind="power", description="Listrik padam sekarang")
    open_disruption(live, operator)
    assert not allowed(operator, "disruption", "confirm")
    with pytest.raises(PermissionDenied):
        confirm_disruption(late, operator)
    response = head_of_division.post("/admin/disruption/action/", {
        "action": "disruption.confirm", "rowid": [str(late.id), str(live.id)],
        "url": "/admin/disruption/"}, token_from="/admin/disruption/")
    assert response.status_code == 302
    page = html_after(head_of_division, "/admin/disruption/")
    assert "tidak memerlukan konfirmasi" in page  # the live one, refused in Indonesian
    assert "1 gangguan telah dikonfirmasi." in page
    db.session.expire_all()
    assert db.session.get(Disruption, late.id).confirmed_at is not None
    assert db.session.get(Disruption, live.id).confirmed_at is None


# ------------------------------------------------------------------ races


def _race(app, load, work) -> list[object]:
    """In two threads, each with its own app context (own session and connection):
    `load()` the record (both see it as it was), then `work(record)` at the same
    moment; return what each answered."""
    results: list[object] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        with app.app_context():
            try:
                record = load()
                barrier.wait()
                results.append(work(record))
            except DomainError as exc:
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _one_won(results: list[object]) -> None:
    assert len(results) == 2, results
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(lost) == 1, results
    message = str(lost[0].message)
    assert JUST_PROCESSED_ID in message.lower() or "sudah" in message, message


def test_two_confirmations_at_once_confirm_once(app):
    operator = user_of("recording_operator")
    with simulated(lambda: wita("2026-03-04 10:00")):
        application = submitted(app, make_applicant(), operator)
    with simulated(lambda: wita("2026-03-04 14:00")):
        d = Disruption(kind="network", description="Putus pagi",
                       started_at=wita("2026-03-04 10:10"), ended_at=wita("2026-03-04 10:40"))
        open_disruption(d, operator)
    d_id, app_id, since = d.id, application.id, _last_audit_id()
    db.session.remove()

    def load() -> Disruption:
        disruption = db.session.get(Disruption, d_id)  # each sees it unconfirmed
        assert disruption.confirmed_at is None
        return disruption

    def work(disruption: Disruption) -> object:
        with simulated(lambda: wita("2026-03-04 15:00")):
            return confirm_disruption(disruption, user_of("head_of_division"))

    results = _race(app, load, work)
    _one_won(results)
    lost = next(r for r in results if isinstance(r, DomainError))
    assert JUST_PROCESSED_ID in str(lost.message).lower()
    assert sum(1 for r in results if isinstance(r, list) and len(r) == 1) == 1
    actions = db.session.execute(sa.select(AuditEntry.action).where(
        AuditEntry.id > since)).scalars().all()
    assert sorted(actions) == ["confirm", "sla_extended"]  # nothing of the loser's
    assert db.session.get(Application, app_id).sla_hours == 24


def test_close_against_close_closes_once(app):
    operator = user_of("recording_operator")
    d = Disruption(kind="power", description="Listrik padam")
    open_disruption(d, operator)
    d_id, since = d.id, _last_audit_id()
    db.session.remove()

    def load() -> Disruption:
        disruption = db.session.get(Disruption, d_id)
        assert disruption.ended_at is None
        return disruption

    results = _race(app, load,
                    lambda d: close_disruption(d, user_of("recording_operator")))
    _one_won(results)
    lost = next(r for r in results if isinstance(r, DomainError))
    assert JUST_PROCESSED_ID in str(lost.message).lower()
    actions = db.session.execute(sa.select(AuditEntry.action).where(
        AuditEntry.id > since)).scalars().all()
    assert actions == ["close"]
    assert db.session.get(Disruption, d_id).ended_at is not None


def _last_audit_id() -> int:
    return db.session.execute(sa.select(sa.func.max(AuditEntry.id))).scalar() or 0


# ------------------------------------------------------------------ one new card per resident


def _handed_over(app) -> Application:
    receive(1, 5)
    (application,) = print_ready(app, 1)
    printer = user_of("printing_operator")
    (card,) = print_batch(batch_with([application]), printer)
    confirm_card(card, printer, True, storage_location="LEMARI A")
    hand_over(card, printer, receiver_name=application.applicant.name, relation="self",
              id_checked=True, authority_letter=False, secret="test-secret")
    db.session.refresh(application)
    assert application.status == "handed_over"
    return application


def test_second_new_card_application_is_refused(app):
    application = _handed_over(app)
    before = db.session.execute(sa.select(sa.func.count(Application.id))).scalar()
    with pytest.raises(DomainError) as exc:
        submitted(app, application.applicant, user_of("recording_operator"))
    assert "kartu pertama" in str(exc.value.message)
    assert db.session.execute(sa.select(sa.func.count(Application.id))).scalar() == before


def test_a_stored_card_awaiting_collection_also_blocks(app):
    receive(1, 5)
    (application,) = print_ready(app, 1)
    printer = user_of("printing_operator")
    (card,) = print_batch(batch_with([application]), printer)
    confirm_card(card, printer, True, storage_location="LEMARI A")
    # The application is closed only at handover; a card in custody is issued already.
    from models.intake import has_issued_card

    assert has_issued_card(application.applicant)


def test_rejected_or_cancelled_application_does_not_block_a_new_one(app):
    operator = user_of("recording_operator")
    applicant = make_applicant()
    first = submitted(app, applicant, operator)
    applications.reject(first, operator, "berkas tidak lengkap")
    second = submitted(app, applicant, operator)
    applications.cancel(second, operator, "pemohon membatalkan")
    third = submitted(app, applicant, operator)
    assert third.status == "submitted"


def test_a_spoiled_card_leaves_no_issued_card(app):
    from models.intake import has_issued_card

    receive(1, 5)
    (application,) = print_ready(app, 1)
    printer = user_of("printing_operator")
    (card,) = print_batch(batch_with([application]), printer)
    confirm_card(card, printer, False, reason="kartu tergores")
    assert not has_issued_card(application.applicant)


# ------------------------------------------------------------------ SIAK duplicate re-check


def _duplicate(app) -> Application:
    operator = user_of("recording_operator")
    application = recorded(app, make_applicant(), operator)
    applications.enter_siak_result(application, operator, "duplicate",
                                   "NIK ganda dengan 5311015708900009")
    return application


def test_duplicate_rechecked_goes_back_to_recorded_with_its_note(app):
    application = _duplicate(app)
    operator = user_of("recording_operator")
    with pytest.raises(DomainError) as exc:
        applications.recheck_duplicate(application, operator, "ok")
    assert exc.value.field == "note"
    assert db.session.get(Application, application.id).status == "duplicate"
    applications.recheck_duplicate(application, operator,
                                   "Diselesaikan dengan SIAK pusat, tiket 4411")
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status == "recorded"
    assert application.siak_note == "Diselesaikan dengan SIAK pusat, tiket 4411"
    assert application.clock_stopped_at is None  # the resident still waits: it runs on
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "recheck_duplicate")).scalar_one()
    assert entry.changes["status"] == ["duplicate", "recorded"]
    # SIAK's answer can now be entered again.
    applications.enter_siak_result(application, operator, "print_ready")
    assert application.status == "print_ready"


def test_recheck_only_from_duplicate_and_only_for_siak_result(app):
    operator = user_of("recording_operator")
    application = recorded(app, make_applicant(), operator)
    with pytest.raises(DomainError):
        applications.recheck_duplicate(application, operator, "sudah diselesaikan")
    applications.enter_siak_result(application, operator, "duplicate", "NIK ganda di SIAK")
    with pytest.raises(PermissionDenied):
        applications.recheck_duplicate(application, user_of("printing_operator"),
                                       "sudah diselesaikan")
    assert "recheck_duplicate" in applications.available_steps(operator, application)
    assert "recheck_duplicate" not in applications.available_steps(
        user_of("printing_operator"), application)


def test_duplicate_recheck_step_on_the_application_page(app, recording_operator):
    application = _duplicate(app)
    url = f"/admin/application/details/?id={application.id}"
    page = recording_operator.client.get(url).get_data(as_text=True)
    assert 'data-testid="step-recheck"' in page
    step = f"/admin/application/recheck/?id={application.id}"
    short = recording_operator.post(step, {"note": "ok"}, token_from=url)
    assert short.status_code == 200
    assert 'data-testid="error-note"' in short.get_data(as_text=True)
    assert db.session.get(Application, application.id).status == "duplicate"
    done = recording_operator.post(step, {"note": "Sudah diselesaikan di SIAK"},
                                   token_from=url)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "recorded"


# ------------------------------------------------------------------ marital statuses


def test_eligible_marital_statuses_come_from_the_standard(app):
    born = date(2009, 6, 1)
    widowed = make_applicant(nik=nik_for(born, "2"), birth_date=born, marital_status="4")
    on = date(2025, 7, 1)  # 16
    assert eligibility(widowed, on=on).may_print
    publish_version(user_of("admin"), dict(SEED_STANDARD, eligible_marital_statuses="2"))
    result = eligibility(widowed, on=on)
    assert not result.may_print and not result.by_marriage
    with pytest.raises(DomainError) as exc:
        publish_version(user_of("admin"), dict(SEED_STANDARD, eligible_marital_statuses="1,2"))
    assert exc.value.field == "eligible_marital_statuses"


def test_standard_form_edits_the_marital_statuses(app, admin_user):
    from models.standard import current_standard

    url = "/admin/servicestandard/new/"
    form = admin_user.client.get(url).get_data(as_text=True)
    assert 'name="eligible_marital_statuses"' in form and "CERAI MATI" in form
    data = standard_form_data(document_number="Dukcapil/T/400/461/I/2027",
                              eligible_marital_statuses=["2", "3"])
    bad = admin_user.post(url, dict(data, eligible_marital_statuses=["1"]), token_from=url)
    assert bad.status_code == 200 and current_standard().version == 1
    assert admin_user.post(url, data, token_from=url).status_code == 302
    std = current_standard()
    assert std.version == 2 and std.eligible_marital_statuses == "2,3"
    assert std.marital_codes == frozenset({"2", "3"})
