"""Every figure of the monthly evaluation against a hand-built month (October 2026, WITA):
known breaches and disruptions, a spoiled blank, complaints and survey answers, and
the month's edges (23:30 WITA on the 31st is October, 00:30 WITA on the 1st November).
The same test runs on SQLite and PostgreSQL (KTP_TEST_DB), so the figures are equal."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from models import audit, db, statistics
from models.applications import Application
from models.blanks import Blank, BlankEvent, BlankReceipt
from models.cards import Card
from models.complaints import Complaint
from models.office_time import month_range, simulated, to_utc
from models.residents import Applicant
from models.service_clock import Disruption
from models.survey import ELEMENTS, SurveyResponse
from tests.factories import nik_for, user_of

OCT = month_range(2026, 10)
NOW = to_utc(datetime(2026, 11, 10, 9, 0))


def wita(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    """A WITA wall-clock time as the naive UTC stored."""
    return to_utc(datetime(year, month, day, hour, minute))


class Month:
    """The hand-built month: ids of what the assertions name."""

    def __init__(self) -> None:
        self.apps: dict[str, Application] = {}
        self.serial = 0


def _applicant(n: int, sex: str, village: str) -> Applicant:
    born = datetime(1985, 1, 1).date() + timedelta(days=41 * n)
    a = Applicant(nik=nik_for(born, sex, serial=n), kk_number="5311010101100002",
                  name=f"WARGA {chr(65 + n)}", birth_place="WAINGAPU", birth_date=born,
                  sex=sex, blood_type="4", religion="2", marital_status="1",
                  occupation="9", citizenship="1", address="JL. MATAWAI", rt="001",
                  rw="002", village_code=village)
    db.session.add(a)
    db.session.flush()
    return a


def _blanks(month: Month, received: datetime, count: int, ref: str) -> list[Blank]:
    first = month.serial + 1
    receipt = BlankReceipt(received_at=received.date(), reference=ref,
                           serial_first=f"{first:010d}", serial_last=f"{first + count - 1:010d}",
                           quantity=count)
    db.session.add(receipt)
    db.session.flush()
    blanks = []
    for n in range(first, first + count):
        blank = Blank(serial=f"{n:010d}", receipt_id=receipt.id, status="available")
        db.session.add(blank)
        db.session.flush()
        db.session.add(BlankEvent(blank_id=blank.id, at=to_utc(received), kind="received",
                                  to_status="available"))
        blanks.append(blank)
    month.serial += count
    return blanks


def _event(blank: Blank, kind: str, at: datetime, reason: str | None = None) -> None:
    blank.status = {"used": "used", "spoiled": "spoiled", "lost": "lost",
                    "destroyed": "destroyed"}[kind]
    db.session.add(BlankEvent(blank_id=blank.id, at=at, kind=kind, to_status=blank.status,
                              reason=reason))


def _application(month: Month, key: str, applicant: Applicant, submitted: datetime, *,
                 status: str, hours: int = 1, recorded: datetime | None = None,
                 siak: datetime | None = None, stopped: datetime | None = None,
                 closed: datetime | None = None, disruption: Disruption | None = None
                 ) -> Application:
    recorder = user_of("recording_operator")
    a = Application(number=f"P-{key}", applicant_id=applicant.id, status=status,
                    submitted_at=submitted, submitted_by_id=recorder.id,
                    recorded_at=recorded, recorded_by_id=recorder.id if recorded else None,
                    siak_result_at=siak, sla_hours=hours,
                    deadline_at=submitted + timedelta(hours=hours), clock_stopped_at=stopped,
                    closed_at=closed, disruption_id=disruption.id if disruption else None,
                    f102_complete=True)
    db.session.add(a)
    db.session.flush()
    month.apps[key] = a
    return a


def _card(a: Application, blank: Blank, printed: datetime, *, status: str = "stored",
          handed: datetime | None = None, reason: str | None = None) -> Card:
    printer = user_of("printing_operator")
    from models.batches import PrintBatch

    batch = PrintBatch(number=f"B-{a.number}-{blank.serial[-3:]}", status="closed",
                       created_by_id=printer.id, printed_at=printed)
    db.session.add(batch)
    db.session.flush()
    card = Card(application_id=a.id, blank_id=blank.id, batch_id=batch.id, status=status,
                printed_at=printed, printed_by_id=printer.id, handed_over_at=handed,
                handed_over_by_id=printer.id if handed else None, spoil_reason=reason)
    db.session.add(card)
    db.session.flush()
    return card


def build_october() -> Month:
    """The month, with neighbours on either side that must not count."""
    m = Month()
    waingapu, haharu = "53.11.01.1001", "53.11.02.2003"
    people = [_applicant(i, "1" if i % 2 else "2", waingapu if i < 6 else haharu)
              for i in range(12)]
    old = _blanks(m, datetime(2026, 7, 1), 1, "BA-JULI")
    sept = _blanks(m, datetime(2026, 9, 20), 10, "BA-SEPT")
    octo = _blanks(m, datetime(2026, 10, 3), 5, "BA-OKT")

    d_start = Disruption(kind="power", started_at=wita(9, 30, 22), ended_at=wita(10, 1, 1),
                         description="Listrik padam", reported_at=wita(9, 30, 22, 5))
    d_network = Disruption(kind="network", started_at=wita(10, 10, 7, 30),
                           ended_at=wita(10, 10, 12), description="Jaringan putus",
                           reported_at=wita(10, 10, 7, 35))
    d_late = Disruption(kind="equipment", started_at=wita(10, 22, 9), ended_at=wita(10, 22, 10),
                        description="Kamera rusak", reported_at=wita(10, 23, 9),
                        needs_confirmation=True)
    d_sept = Disruption(kind="network", started_at=wita(9, 10, 9), ended_at=wita(9, 10, 10),
                        description="Bulan lalu", reported_at=wita(9, 10, 9))
    db.session.add_all([d_start, d_network, d_late, d_sept])
    db.session.flush()
    m.disruptions = (d_start, d_network, d_late)  # type: ignore[attr-defined]

    # August: a card never collected (91+ days at the month's end).
    a0 = _application(m, "A0", people[0], wita(8, 1, 9), status="printed",
                      recorded=wita(8, 1, 9, 5), siak=wita(8, 1, 9, 10),
                      stopped=wita(8, 1, 9, 30))
    _event(old[0], "used", wita(8, 1, 9, 30))
    _card(a0, old[0], wita(8, 1, 9, 30))
    # September: one blank used before the month (opening = 1 - 1 + 10 - 1 = 9).
    a_sep = _application(m, "AS", people[1], wita(9, 25, 9), status="handed_over",
                         recorded=wita(9, 25, 9, 5), siak=wita(9, 25, 9, 10),
                         stopped=wita(9, 25, 9, 30))
    _event(sept[0], "used", wita(9, 25, 9, 30))
    _card(a_sep, sept[0], wita(9, 25, 9, 30), status="handed_over", handed=wita(9, 26, 9))

    # A1: served in 40 minutes, handed over the next day.
    a1 = _application(m, "A1", people[2], wita(10, 1, 9), status="handed_over",
                      recorded=wita(10, 1, 9, 10), siak=wita(10, 1, 9, 20),
                      stopped=wita(10, 1, 9, 40))
    _event(sept[1], "used", wita(10, 1, 9, 40))
    c1 = _card(a1, sept[1], wita(10, 1, 9, 40), status="handed_over", handed=wita(10, 2, 10))
    # A2: a spoiled first print, then a good one at 90 minutes: a breach, no disruption;
    # the card is still waiting at the month's end (26 days).
    a2 = _application(m, "A2", people[3], wita(10, 5, 10), status="printed",
                      recorded=wita(10, 5, 10, 5), siak=wita(10, 5, 10, 10),
                      stopped=wita(10, 5, 11, 30))
    _event(sept[2], "spoiled", wita(10, 5, 10, 50), "Tinta pudar")
    _card(a2, sept[2], wita(10, 5, 10, 50), status="spoiled", reason="Tinta pudar")
    _event(sept[3], "used", wita(10, 5, 11, 30))
    _card(a2, sept[3], wita(10, 5, 11, 30))
    # A3: under the network disruption (24 h), served in 6 hours.
    a3 = _application(m, "A3", people[4], wita(10, 10, 8), status="handed_over", hours=24,
                      recorded=wita(10, 10, 8, 5), siak=wita(10, 10, 8, 10),
                      stopped=wita(10, 10, 14), disruption=d_network)
    _event(octo[0], "used", wita(10, 10, 14))
    c3 = _card(a3, octo[0], wita(10, 10, 14), status="handed_over", handed=wita(10, 12, 9))
    # A4: print-ready and never printed: a breach still open.
    _application(m, "A4", people[5], wita(10, 20, 9), status="print_ready",
                 recorded=wita(10, 20, 9, 5), siak=wita(10, 20, 9, 10))
    # A5: 23:30 WITA on the 31st is October (its deadline, 00:30 on the 1st, is not).
    _application(m, "A5", people[6], wita(10, 31, 23, 30), status="recorded",
                 recorded=wita(10, 31, 23, 40))
    # A6: 00:30 WITA on the 1st is November.
    _application(m, "A6", people[7], wita(11, 1, 0, 30), status="submitted")
    # A7: rejected before its deadline: no breach.
    _application(m, "A7", people[8], wita(10, 15, 9), status="rejected",
                 closed=wita(10, 15, 9, 30))
    # A8: SIAK's duplicate stops the clock: neither served nor print-ready.
    _application(m, "A8", people[9], wita(10, 25, 9), status="duplicate",
                 recorded=wita(10, 25, 9, 5), siak=wita(10, 25, 9, 20),
                 stopped=wita(10, 25, 9, 20))
    # Blanks: one lost, the spoiled one destroyed.
    _event(octo[1], "lost", wita(10, 28, 10), "Hilang di gudang")
    db.session.add(BlankEvent(blank_id=sept[2].id, at=wita(10, 30, 10), kind="destroyed",
                              from_status="spoiled", to_status="destroyed"))

    # Complaints: answered in time and resolved; answered late and overdue; one on the
    # 31st at 23:30 WITA (October); one at 00:30 on the 1st (November).
    db.session.add_all([
        Complaint(ticket="ADU-1", channel="phone", subject="Lama", body="x",
                  received_at=wita(10, 3, 10), first_response_due_at=wita(10, 6, 23, 59),
                  resolution_due_at=wita(10, 10, 23, 59), responded_at=wita(10, 4, 10),
                  resolved_at=wita(10, 6, 10), status="resolved"),
        Complaint(ticket="ADU-2", channel="whatsapp", subject="Antre", body="x",
                  received_at=wita(10, 20, 10), first_response_due_at=wita(10, 23, 23, 59),
                  resolution_due_at=wita(10, 27, 23, 59), responded_at=wita(10, 25, 10),
                  status="in_progress"),
        Complaint(ticket="ADU-3", channel="web", subject="Malam", body="x",
                  received_at=wita(10, 31, 23, 30), first_response_due_at=wita(11, 3, 23, 59),
                  resolution_due_at=wita(11, 7, 23, 59), status="new"),
        Complaint(ticket="ADU-4", channel="web", subject="Pagi", body="x",
                  received_at=wita(11, 1, 0, 30), first_response_due_at=wita(11, 4, 23, 59),
                  resolution_due_at=wita(11, 8, 23, 59), status="new"),
    ])
    # SKM: all 4 for A1's card, all 3 for A3's: NRR 3.5, IKM 87.5, grade B.
    db.session.add_all([
        SurveyResponse(card_id=c1.id, submitted_at=wita(10, 2, 10, 5),
                       **{e: 4 for e in ELEMENTS}),
        SurveyResponse(card_id=c3.id, submitted_at=wita(10, 12, 9, 5),
                       **{e: 3 for e in ELEMENTS}),
    ])
    db.session.commit()
    # The audit chain: the last entry of October and one after it.
    with simulated(lambda: wita(10, 31, 23, 59)):
        m.last_entry = audit.record_now(user_of("admin"), "login")  # type: ignore[attr-defined]
    with simulated(lambda: wita(11, 1, 0, 1)):
        audit.record_now(user_of("admin"), "login")
    return m


@pytest.fixture
def october(app) -> Month:
    with simulated(lambda: NOW):
        return build_october()


def test_applications_counted_by_the_day_they_happened(october):
    with simulated(lambda: NOW):
        counts = statistics.application_counts(*OCT)
    # A1 A2 A3 A4 A5 A7 A8 (A5 at 23:30 WITA on the 31st; not A6, 00:30 on the 1st).
    assert counts == statistics.ApplicationCounts(
        received=7, recorded=6, print_ready=4, printed=3, handed_over=2, rejected=1,
        cancelled=0)
    nov = statistics.application_counts(*month_range(2026, 11))
    assert nov.received == 1


def test_service_time_shares_percentiles_and_breaches(october):
    with simulated(lambda: NOW):
        s = statistics.service_figures(*OCT)
        listed = statistics.breaches(*OCT)
    # Served: A1 40 min, A2 90 min, A3 360 min (under the disruption).
    assert (s.served, s.within_normal, s.within_disrupted) == (3, 1, 3)
    assert s.median_minutes == 90.0
    assert s.p90_minutes == 306.0  # 90 + 0.8 x (360 - 90), percentile_cont's way
    assert s.share_normal == pytest.approx(1 / 3)
    # A2 (late print) and A4 (never printed); not A5, whose deadline is November's.
    assert s.breaches == 2
    assert [b.number for b in listed] == ["P-A2", "P-A4"]
    assert "30" in listed[0].reason and listed[0].disruption_id is None
    assert listed[1].stopped_at is None
    # By reason: both broke the 1-hour limit without a disruption; A4 is still open,
    # late by the month's end (20-10 10:00 to 01-11 00:00 WITA).
    with simulated(lambda: NOW):
        assert statistics.breach_groups(*OCT) == [statistics.BreachGroup(
            hours=1, disrupted=False, count=2, max_late_minutes=16680.0, open=1)]


def test_disruptions_with_kind_and_duration(october):
    with simulated(lambda: NOW):
        rows = statistics.disruptions(*OCT)
    assert [(d.kind, d.minutes, d.applications_extended) for d in rows] == [
        ("power", 180.0, 0), ("network", 270.0, 1), ("equipment", 60.0, 0)]
    assert [d.in_force for d in rows] == [True, True, False]
    assert rows[2].awaiting_confirmation


def test_blank_flow_opening_equals_previous_closing(october):
    with simulated(lambda: NOW):
        b = statistics.blank_figures(*OCT)
        sept = statistics.blank_figures(*month_range(2026, 9))
    assert (b.opening, b.received, b.used, b.spoiled, b.lost, b.returned, b.destroyed,
            b.closing) == (9, 5, 3, 1, 1, 0, 1, 9)
    assert b.balances and b.spoil_rate == pytest.approx(0.25)
    assert b.spoiled_reasons == [("Tinta pudar", 1)]
    assert sept.closing == b.opening
    assert b.closing == statistics.blanks_on_hand_at(OCT[1])


def test_uncollected_cards_by_age_at_the_months_end(october):
    bands = statistics.uncollected_cards_by_age(OCT[1])
    # A2's good card (26 days) and A0's from August (92 days); not the spoiled one.
    assert [(x.min_days, x.cards) for x in bands] == [(0, 0), (8, 1), (31, 0), (91, 1)]


def test_complaints_received_answered_resolved_overdue(october):
    c = statistics.complaint_figures(*OCT)
    assert (c.received, c.answered_in_time, c.answered_late, c.resolved, c.overdue) == \
        (3, 1, 1, 1, 1)
    assert [(x.channel, x.received, x.answered, x.mean_hours) for x in c.by_channel] == [
        ("phone", 1, 1, 24.0), ("whatsapp", 1, 1, 120.0), ("web", 1, 0, None)]


def test_output_per_operator_and_kecamatan_by_sex(october):
    ops = {o.name: o for o in statistics.output_per_operator(*OCT)}
    recorder, printer = user_of("recording_operator"), user_of("printing_operator")
    assert (ops[recorder.full_name].recorded, ops[recorder.full_name].printed) == (6, 0)
    p = ops[printer.full_name]
    assert (p.printed, p.spoiled, p.handed_over) == (3, 1, 2)
    areas = {a.district_name: (a.male, a.female) for a in statistics.by_kecamatan_and_sex(*OCT)}
    # people 2..5 in Kota Waingapu (A1-A4), 6, 8, 9 in Haharu (A5, A7, A8); odd = men.
    assert areas == {"Kota Waingapu": (2, 2), "Haharu": (1, 2)}


def test_audit_head_and_survey_of_the_month(october):
    from models import survey

    head = statistics.audit_head_at(OCT[1])
    assert head is not None and head.entry_id == october.last_entry.id
    assert head.hash == october.last_entry.hash
    s = survey.summary(*OCT)
    assert s.respondents == 2 and s.index_rounded == Decimal("87.50") and s.grade == "B"


def test_the_report_carries_the_same_figures(october):
    """collect() is what the PDF prints: the same numbers as above, and the opening
    stock equals September's closing."""
    from models.evaluations import collect

    with simulated(lambda: NOW):
        f = collect(2026, 10)
    assert f["core"]["applications"]["received"] == 7
    assert f["core"]["service"]["breaches"] == 2
    assert [b["number"] for b in f["breaches"]] == ["P-A2", "P-A4"]
    assert f["core"]["blanks"]["opening"] == 9 and f["core"]["blanks"]["closing"] == 9
    assert f["skm"]["index_rounded"] == "87.50" and f["skm"]["grade"] == "B"
    assert f["audit_head"]["entry_id"] == october.last_entry.id
    assert f["uncollected"][1]["cards"] == 1
    oct_trend = [t for t in f["trend"] if t["period"] == "2026-10"]
    assert oct_trend == [{"period": "2026-10", "received": 7, "handed_over": 2, "served": 3,
                          "within_normal": 1, "within_disrupted": 3, "breaches": 2}]
    assert len(f["trend"]) == 12 and f["trend"][-1]["period"] == "2026-10"
    assert f["closed_changes"] == []
