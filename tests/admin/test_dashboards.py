"""Each role's landing page (/admin/): only its part, its figures against a small
hand-built office (applications, batches, cards, blanks, complaints, disruptions), the
menu badge, the WITA day boundary, and the stored month snapshots. Runs on SQLite and
PostgreSQL (KTP_TEST_DB)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from models import audit, dashboards, db, statistics
from models.applications import Application
from models.batches import PrintBatch
from models.blanks import Blank, BlankEvent, BlankReceipt
from models.cards import Card
from models.complaints import Complaint
from models.office_time import month_range, simulated, to_utc
from models.residents import Applicant
from models.service_clock import Disruption
from tests.factories import nik_for, user_of

# 23:45 WITA on Tuesday 10 March 2026: late in the office day, so 23:30 is "today".
NOW = to_utc(datetime(2026, 3, 10, 23, 45))
RESIDENT_NAME = "YOEL NGGAU HAMBA"


def wita(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return to_utc(datetime(2026, month, day, hour, minute))


class Office:
    def __init__(self) -> None:
        self.serial = 0
        self.people = 0
        self.apps: dict[str, Application] = {}


def _applicant(o: Office) -> Applicant:
    o.people += 1
    born = datetime(1980, 1, 1).date() + timedelta(days=53 * o.people)
    a = Applicant(nik=nik_for(born, "1", serial=o.people), kk_number="5311010101100002",
                  name=RESIDENT_NAME if o.people == 1 else f"WARGA NOMOR {o.people}",
                  birth_place="WAINGAPU", birth_date=born, sex="1", blood_type="4",
                  religion="2", marital_status="1", occupation="9", citizenship="1",
                  address="JL. MATAWAI", rt="001", rw="002", village_code="53.11.01.1001")
    db.session.add(a)
    db.session.flush()
    return a


def _app(o: Office, key: str, submitted: datetime, status: str, *, hours: int = 1,
         stopped: datetime | None = None, by: str = "recording_operator",
         batch: PrintBatch | None = None) -> Application:
    user = user_of(by)
    a = Application(number=f"P-{key}", applicant_id=_applicant(o).id, status=status,
                    submitted_at=submitted, submitted_by_id=user.id, sla_hours=hours,
                    deadline_at=submitted + timedelta(hours=hours), clock_stopped_at=stopped,
                    recorded_at=submitted + timedelta(minutes=5) if status != "submitted"
                    else None,
                    recorded_by_id=user.id if status != "submitted" else None,
                    f102_complete=True, print_batch_id=batch.id if batch else None)
    db.session.add(a)
    db.session.flush()
    o.apps[key] = a
    return a


def _blanks(o: Office, count: int, at: datetime) -> list[Blank]:
    first = o.serial + 1
    receipt = BlankReceipt(received_at=at.date(), reference=f"BA-{first}",
                           serial_first=f"{first:010d}",
                           serial_last=f"{first + count - 1:010d}", quantity=count)
    db.session.add(receipt)
    db.session.flush()
    blanks = [Blank(serial=f"{n:010d}", receipt_id=receipt.id, status="available")
              for n in range(first, first + count)]
    db.session.add_all(blanks)
    db.session.flush()
    db.session.add_all([BlankEvent(blank_id=b.id, at=at, kind="received",
                                   to_status="available") for b in blanks])
    o.serial += count
    return blanks


def _batch(number: str, status: str, at: datetime, by: str = "printing_operator",
           note: str | None = None) -> PrintBatch:
    batch = PrintBatch(number=number, status=status, created_by_id=user_of(by).id,
                       submitted_at=at, decision_note=note,
                       approved_at=at + timedelta(hours=1) if status in (
                           "approved", "rejected") else None)
    db.session.add(batch)
    db.session.flush()
    return batch


def _card(a: Application, blank: Blank, batch: PrintBatch, printed: datetime,
          status: str = "stored", confirmed: bool = True) -> Card:
    blank.status = "used"
    db.session.add(BlankEvent(blank_id=blank.id, at=printed, kind="used", to_status="used"))
    card = Card(application_id=a.id, blank_id=blank.id, batch_id=batch.id, status=status,
                printed_at=printed, printed_by_id=user_of("printing_operator").id,
                confirmed_at=printed if confirmed else None)
    db.session.add(card)
    db.session.flush()
    return card


def build_office() -> Office:
    o = Office()
    # Last month: one served in 20 minutes (the trend's February).
    _app(o, "FEB", wita(2, 27, 9), "handed_over", stopped=wita(2, 27, 9, 20))
    # This month, before today: served in 30 minutes.
    _app(o, "M02", wita(3, 2, 9), "handed_over", stopped=wita(3, 2, 9, 30))
    # Yesterday at 23:30 WITA: not today (cancelled since: no queue, no breach).
    _app(o, "Y2330", wita(3, 9, 23, 30), "cancelled")
    # Today: 00:10 and 23:30 WITA are both today's (UTC: 16:10 and 15:30 of different
    # UTC days).
    _app(o, "T0010", wita(3, 10, 0, 10), "print_ready", hours=24)
    _app(o, "T2330", wita(3, 10, 23, 30), "submitted")
    # Today, served: in 40 minutes, and in 90 minutes (a breach, within 24 hours).
    printed_batch = _batch("B-DONE", "printed", wita(3, 10, 8))
    _app(o, "T40", wita(3, 10, 9), "printed", stopped=wita(3, 10, 9, 40),
         batch=printed_batch)
    _app(o, "T90", wita(3, 10, 10), "printed", stopped=wita(3, 10, 11, 30),
         batch=printed_batch)
    # Today, overdue and still open: recorded by the recording operator...
    _app(o, "LATE", wita(3, 10, 20), "recorded")
    # ...and one in the printing operator's approved batch.
    approved = _batch("B-APPR", "approved", wita(3, 10, 12))
    _app(o, "LATEB", wita(3, 10, 13), "batched", batch=approved, by="head_of_division")

    # Batches: two waiting for approval, one rejected yesterday, one rejected long ago.
    _batch("B-SUB1", "submitted", wita(3, 10, 14))
    _batch("B-SUB2", "submitted", wita(3, 10, 15))
    _batch("B-REJ", "rejected", wita(3, 9, 10), note="Foto buram")
    _batch("B-OLD", "rejected", wita(1, 5, 10), note="Lama sekali")

    # Blanks: 70 received on 1 January; 40 printed on since (30 in the last 30 days).
    blanks = _blanks(o, 70, wita(1, 1, 9))
    old_card_app = _app(o, "C45", wita(1, 20, 9), "printed", stopped=wita(1, 24, 9))
    _card(old_card_app, blanks[0], printed_batch, wita(1, 24, 9))  # 45 days waiting
    fresh = _app(o, "C10", wita(2, 28, 9), "printed", stopped=wita(2, 28, 9, 30))
    _card(fresh, blanks[1], printed_batch, wita(2, 28, 9, 30))  # 10 days: within limit
    _card(o.apps["T40"], blanks[2], printed_batch, wita(3, 10, 9, 40), status="printed",
          confirmed=False)  # awaiting confirmation
    for b in blanks[3:10]:  # 7 more before the 30-day window (9 Feb 23:45 WITA)
        b.status = "used"
        db.session.add(BlankEvent(blank_id=b.id, at=wita(2, 1, 10), kind="used",
                                  to_status="used"))
    # blanks[0] (24 Jan) and blanks[3:10] (1 Feb) are before the window; in it: blanks[1]
    # and [2] via cards and 28 more: 30 in the last 30 days.
    for b in blanks[10:38]:
        b.status = "used"
        db.session.add(BlankEvent(blank_id=b.id, at=wita(3, 5, 10), kind="used",
                                  to_status="used"))
    # 70 - 38 used = 32 available.

    # Complaints: one overdue assigned to the recording operator, one in time.
    db.session.add_all([
        Complaint(ticket="ADU-1", channel="phone", subject="Lama", body="x",
                  received_at=wita(3, 1, 10), first_response_due_at=wita(3, 4, 23, 59),
                  resolution_due_at=wita(3, 8, 23, 59), status="new",
                  assigned_to_id=user_of("recording_operator").id),
        Complaint(ticket="ADU-2", channel="web", subject="Baru", body="x",
                  received_at=wita(3, 10, 10), first_response_due_at=wita(3, 13, 23, 59),
                  resolution_due_at=wita(3, 17, 23, 59), status="new"),
    ])
    # Disruptions: open; ended and waiting for confirmation; confirmed; dismissed.
    db.session.add_all([
        Disruption(kind="network", started_at=wita(3, 10, 23), description="Jaringan",
                   reported_at=wita(3, 10, 23)),
        Disruption(kind="power", started_at=wita(3, 8, 9), ended_at=wita(3, 8, 10),
                   description="Listrik", reported_at=wita(3, 9, 9),
                   needs_confirmation=True),
        Disruption(kind="equipment", started_at=wita(3, 7, 9), ended_at=wita(3, 7, 10),
                   description="Kamera", reported_at=wita(3, 7, 12),
                   needs_confirmation=True, confirmed_at=wita(3, 7, 13)),
        Disruption(kind="central_server", started_at=wita(3, 6, 9), ended_at=wita(3, 6, 10),
                   description="SIAK", reported_at=wita(3, 6, 12), needs_confirmation=True,
                   dismissed_at=wita(3, 6, 13), dismissal_reason="Bukan gangguan"),
    ])
    db.session.commit()
    return o


@pytest.fixture
def office(app) -> Office:
    with simulated(lambda: NOW):
        return build_office()


def landing(auth, role: str) -> str:
    with simulated(lambda: NOW):
        response = auth.login(role)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        response = auth.client.get("/admin/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def logout(auth) -> None:
    with simulated(lambda: NOW):
        auth.logout()


def ids_on(html: str) -> set[str]:
    return set(re.findall(r'data-testid="([^"]+)"', html))


OPERATOR = {"queue-by-state", "own-overdue", "own-overdue-list", "received-today"}
DIVISION = {"awaiting-approval", "service-figures", "overdue-complaints", "uncollected",
            "disruptions", "awaiting-batches"}
OFFICE = {"trends", "audit-chain", "breaches", "evaluations", "month-other"}
ADMIN = {"accounts", "pending-grants", "standard"}
BOARDS = {"recording_operator": ("operator", OPERATOR),
          "printing_operator": ("operator", OPERATOR | {"approved-batches",
                                                        "rejected-batches"}),
          "head_of_division": ("division", DIVISION), "secretary": ("office", OFFICE),
          "head_of_office": ("office", OFFICE), "admin": ("admin", ADMIN)}


@pytest.mark.parametrize("role", list(BOARDS))
def test_each_role_sees_only_its_part(office, auth, role):
    html = landing(auth, role)
    kind, mine = BOARDS[role]
    assert f'data-board="{kind}"' in html
    found = ids_on(html)
    assert mine <= found, mine - found
    others = (OPERATOR | DIVISION | OFFICE | ADMIN | {"approved-batches"}) - mine
    others -= {"service-figures"} if kind in ("division", "office") else set()
    assert not (found & others), found & others
    # No resident data on any landing page: no name, no NIK.
    resident = db.session.execute(sa.select(Applicant).where(
        Applicant.name == RESIDENT_NAME)).scalar_one()
    assert RESIDENT_NAME not in html and resident.nik not in html
    if kind == "office":
        assert html.count("<svg") == 4 and html.count('class="chart-data"') == 4
    else:
        assert "<svg" not in html


def test_dashboard_address_and_anonymous(app, client, auth):
    assert client.get("/admin/").status_code == 302
    assert "/login" in client.get("/admin/").headers["Location"]
    auth.login("recording_operator")
    response = client.get("/admin/dashboard/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")


def test_operator_figures_and_the_wita_day(office):
    recorder, printer = user_of("recording_operator"), user_of("printing_operator")
    with simulated(lambda: NOW):
        board = dashboards.operator_board(recorder)
        printing = dashboards.operator_board(printer)
    # T0010 and T2330 (00:10 and 23:30 WITA) and the four later ones of today; not
    # Y2330 (23:30 WITA yesterday).
    assert board.received_today == 6
    assert {k: c.value for k, c in board.queue.items()} == {
        "submitted": 1, "recorded": 1, "print_ready": 1, "batched": 1, "printed": 4}
    assert not any(c.capped for c in board.queue.values())
    assert board.own_overdue == 1 and [i.number for i in board.own_overdue_items] == ["P-LATE"]
    assert board.own_overdue_items[0].late_by == timedelta(hours=2, minutes=45)
    assert board.own_overdue_complaints == 1
    assert printing.own_overdue == 1 and printing.own_overdue_items[0].number == "P-LATEB"
    assert printing.own_overdue_complaints == 0
    assert (printing.approved_batches, printing.cards_to_confirm) == (1, 1)
    assert [b.number for b in printing.rejected_items] == ["B-REJ"]
    assert printing.rejected_items[0].note == "Foto buram"


def test_division_figures_equal_the_evaluations(office):
    head = user_of("head_of_division")
    with simulated(lambda: NOW):
        board = dashboards.division_board(head)
        day = statistics.service_figures(*dashboards.today_range(NOW))
        month = statistics.service_figures(*month_range(2026, 3))
    assert (board.today.served, board.today.within_normal, board.today.within_disrupted) \
        == (2, 1, 2)
    # T90 (late print) and LATE and LATEB (never printed); not T2330, due at 00:30.
    assert board.today.breaches == 3
    assert (board.month.served, board.month.within_normal, board.month.breaches) == (3, 2, 3)
    for mine, theirs in ((board.today, day), (board.month, month)):
        assert (mine.served, mine.within_normal, mine.within_disrupted, mine.breaches) == \
            (theirs.served, theirs.within_normal, theirs.within_disrupted, theirs.breaches)
    assert board.today.percent_normal == pytest.approx(50.0)
    assert (board.awaiting_approval, [b.number for b in board.awaiting_items]) == \
        (2, ["B-SUB1", "B-SUB2"])
    assert board.overdue_complaints == 1
    assert (board.uncollected, board.uncollected_days) == (1, 30)
    assert board.overdue_applications == 2
    assert [d.kind for d in board.disruptions] == ["power", "network"]
    assert [d.awaiting_confirmation for d in board.disruptions] == [True, False]
    stock = board.stock
    assert stock is not None
    assert (stock.available, stock.used_last_days) == (32, 30)
    assert stock.daily_use == 1.0 and stock.days_left == 32.0 and stock.low  # below 50


def test_division_page_shows_the_figures(office, auth):
    html = landing(auth, "head_of_division")
    assert 'data-testid="awaiting-approval"' in html and 'data-value="2"' in html
    assert "B-SUB1" in html and "B-SUB2" in html
    row = re.search(r'<tr data-period="1">(.*?)</tr>', html, re.S).group(1)
    assert ">2<" in row and "50%" in row and "100%" in row
    assert 'data-available="32"' in html and "32 days" not in html  # Indonesian: hari
    assert re.search(r"sekitar\s+32\s+hari", html), "days left"


def test_menu_badge_counts_batches_waiting(office, auth):
    html = landing(auth, "head_of_division")
    badge = re.search(r'data-testid="menu-badge"[^>]*>(\d+)<', html)
    assert badge and badge.group(1) == "2"
    logout(auth)
    assert "menu-badge" not in landing(auth, "printing_operator")
    db.session.execute(sa.update(PrintBatch).where(PrintBatch.status == "submitted")
                       .values(status="approved"))
    db.session.commit()
    logout(auth)
    assert "menu-badge" not in landing(auth, "head_of_division")


def test_office_board_month_trend_and_snapshots(office):
    secretary = user_of("secretary")
    with simulated(lambda: NOW):
        board = dashboards.office_board(secretary)
    assert len(board.trend) == 12
    assert [m.month.month for m in board.trend[-2:]] == [2, 3]
    feb, mar = board.trend[-2:]
    assert (feb.served, feb.within_normal, feb.received) == (2, 2, 2)  # FEB, C10
    assert (mar.served, mar.within_normal, mar.breaches) == (3, 2, 3)
    assert [b.number for b in board.month_breaches] == ["P-T90", "P-LATEB", "P-LATE"]
    assert board.complaints.received == 2 and board.complaints.overdue == 1
    # Closed months are stored once, the current one never.
    stored = dict(db.session.execute(sa.select(dashboards.DashboardMonth.month,
                                               dashboards.DashboardMonth.figures)).all())
    assert len(stored) == 11 and "2026-03" not in stored
    assert stored["2026-02"]["served"] == 2
    # A stored month is read back, not recomputed...
    snap = db.session.get(dashboards.DashboardMonth, "2026-02")
    snap.figures = {**snap.figures, "served": 99}
    db.session.commit()
    with simulated(lambda: NOW + timedelta(hours=1)):
        assert dashboards.month_trend()[-2].served == 99
    # ...until it is older than SNAPSHOT_MAX_AGE: then one page view recomputes it.
    later = NOW + dashboards.SNAPSHOT_MAX_AGE + timedelta(hours=1)
    with simulated(lambda: later):
        trend = dashboards.month_trend()
    refreshed = [m for m in trend[:-1] if m.computed_at == later]
    assert len(refreshed) == dashboards.SNAPSHOT_REFRESHES_PER_PAGE
    with simulated(lambda: later):
        for _ in range(11):
            trend = dashboards.month_trend()
    assert trend[-2].served == 2


def test_office_page_charts_and_the_audit_chain(office, auth, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.log"))
    with simulated(lambda: NOW):
        audit.record_now(user_of("admin"), "login")
        db.session.commit()
        state = dashboards.chain_state()
    assert state.head_ok and state.ok
    html = landing(auth, "head_of_office")
    assert 'data-testid="audit-chain" data-ok="yes"' in html
    # The trend table carries the figures the chart draws (Indonesian month names).
    assert re.search(r"Feb 2026</th>\s*<td class=\"num\">100%</td>", html)
    assert "Mar 2026" in html


def test_chain_state_notices_an_altered_anchor(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.log"))
    audit.record_now(user_of("admin"), "login")
    db.session.commit()
    anchor = audit.anchor_head()
    assert anchor is not None
    state = dashboards.chain_state()
    assert state.anchor_ok and state.anchor_entry_id == anchor.entry_id
    assert state.entries_since_anchor == 0
    path = audit.anchor_path()
    lines = path.read_text().splitlines()
    forged = lines[-1].split(" ")
    forged[2] = "f" * 64
    path.write_text("\n".join([*lines[:-1], " ".join(forged)]) + "\n")
    assert dashboards.chain_state().anchor_ok is False
    assert not dashboards.chain_state().ok


def test_admin_board_has_accounts_and_the_standard_only(app):
    admin = user_of("admin")
    board = dashboards.admin_board(admin)
    assert all(counts == (1, 0) for counts in board.accounts.values())
    assert set(board.accounts) == set(dashboards.BOARD_OF_ROLE)
    assert board.standard is not None and board.standard.sla_hours == 1
    assert board.pending_grants == 0


def test_evaluations_wait_for_the_right_sign_off(app, auth):
    from models.evaluations import EvaluationReport

    db.session.add_all([
        EvaluationReport(period="2026-01", version=1, status="acknowledged"),
        EvaluationReport(period="2026-02", version=1, status="reviewed"),
        EvaluationReport(period="2026-03", version=1, status="submitted"),
        EvaluationReport(period="2026-03", version=2, status="generated"),
    ])
    db.session.commit()
    assert [(e.period, e.step) for e in dashboards.evaluations_awaiting(
        user_of("secretary"))] == [("2026-03", "review")]
    assert [(e.period, e.step) for e in dashboards.evaluations_awaiting(
        user_of("head_of_office"))] == [("2026-02", "acknowledge")]
    assert dashboards.evaluations_awaiting(user_of("head_of_division")) == []
    html = landing(auth, "head_of_office")
    listed = re.search(r'data-testid="evaluations">(.*?)</ul>', html, re.S).group(1)
    assert 'data-period="2026-02"' in listed and "2026-03" not in listed


def test_forgotten_snapshots_are_computed_again(office):
    with simulated(lambda: NOW):
        dashboards.month_trend()
        assert db.session.execute(sa.select(sa.func.count()).select_from(
            dashboards.DashboardMonth)).scalar() == 11
        dashboards.forget_snapshots()
        assert db.session.execute(sa.select(sa.func.count()).select_from(
            dashboards.DashboardMonth)).scalar() == 0
        assert dashboards.month_trend()[-2].served == 2


def test_the_queue_counts_stop_at_the_cap(office, monkeypatch):
    monkeypatch.setattr(dashboards, "COUNT_CAP", 3)
    queue = dashboards.queue_by_state()
    assert (queue["printed"].value, queue["printed"].capped) == (3, True)
    assert (queue["submitted"].value, queue["submitted"].capped) == (1, False)
