"""The work queue's read model (issue 11 item 2): the under-17 group with its date and
out of every printable list, overdue as service_clock reads it, paging without a
count of the whole list, and saved filters (own only, checked, soft-removed, audited)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from models import Application, AuditEntry, Disruption, DomainError, db, queue
from models.applications import enter_siak_result
from models.eligibility import date_of_age
from models.office_time import simulated, to_utc
from models.permissions import PermissionDenied
from models.queue import QueueFilters, eligible_born_by, work_queue
from models.saved_filters import (
    SavedFilter,
    check_query,
    own_filter,
    presets,
    remove_filter,
    save_filter,
    saved_filters,
)
from models.service_clock import clock, clock_view, open_disruption
from models.standard import current_standard
from tests.factories import make_applicant, nik_for, recorded, submitted, user_of

TURNS_17 = date(2009, 3, 5)  # 17 on 05-03-2026


def wita(text: str) -> datetime:
    return to_utc(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def numbers(q: queue.WorkQueue) -> list[str]:
    return [r.application.number for r in q.rows]


def _young_and_adult(app):
    """One resident recorded at 16 and one adult, both print-ready (SIAK answered)."""
    operator = user_of("recording_operator")
    with simulated(lambda: wita("2026-02-01 10:00")):
        young = recorded(app, make_applicant(nik=nik_for(TURNS_17, "2"),
                                             birth_date=TURNS_17, name="RAMBU MUDA"),
                         operator)
        enter_siak_result(young, operator, "print_ready")
        adult = recorded(app, make_applicant(nik=nik_for(date(1990, 1, 2), "1", 2),
                                             birth_date=date(1990, 1, 2), sex="1",
                                             name="UMBU DEWASA"), operator)
        enter_siak_result(adult, operator, "print_ready")
    return young, adult


def test_under_17_waits_in_its_own_group_until_the_birthday_in_wita(app):
    young, adult = _young_and_adult(app)
    user = user_of("printing_operator")
    # 23:59 WITA the day before: still 16.
    with simulated(lambda: wita("2026-03-04 23:59")):
        ready = work_queue(user, QueueFilters(state="print_ready"))
        waiting = work_queue(user, QueueFilters(state=queue.WAITING))
        assert numbers(ready) == [adult.number]
        assert numbers(waiting) == [young.number]
        assert ready.counts["print_ready"].value == 1
        assert ready.counts[queue.WAITING].value == 1
        row = waiting.rows[0]
        assert row.waiting_until == date(2026, 3, 5)
        assert "05-03-2026" in row.lateness and row.lateness == row.state_label
        assert not row.overdue
        assert queue.print_ready_count() == 1
        # Its own page says when its clock starts, not how many days are "left".
        text = clock_view(young).text
        assert "05-03-2026 08:00 WITA" in text and not clock_view(young).running
        assert queue.open_state_counts() == {"print_ready": 1, queue.WAITING: 1}
        printable = db.session.execute(
            sa.select(Application.number).join(Application.applicant)
            .where(queue.printable_condition())).scalars().all()
        assert printable == [adult.number]
        # The open list shows both; the young one with its date, not "days left".
        everyone = work_queue(user, QueueFilters())
        young_row = next(r for r in everyone.rows if r.application.id == young.id)
        assert young_row.lateness == row.lateness
    # 00:30 WITA on the birthday is 16:30 UTC the day before: printable already.
    with simulated(lambda: wita("2026-03-05 00:30")):
        ready = work_queue(user, QueueFilters(state="print_ready"))
        assert sorted(numbers(ready)) == sorted([adult.number, young.number])
        assert queue.WAITING not in ready.counts or ready.counts[queue.WAITING].value == 0
        assert queue.print_ready_count() == 2


@pytest.mark.parametrize("year", [2027, 2028, 2029])  # common, leap, common
def test_the_sql_age_line_is_the_eligibility_rule(year):
    """born <= eligible_born_by(today) exactly when date_of_age(born, 17) <= today,
    around 29 February and the turn of the year."""
    std = type("Std", (), {"eligibility_age": 17})()
    days = [date(year, 2, 27) + timedelta(days=i) for i in range(4)] + \
        [date(year, 12, 31), date(year, 1, 1)]
    for today in days:
        line = eligible_born_by(today, std)
        for offset in range(-3, 4):
            for born in (line + timedelta(days=offset), date(today.year - 17, 2, 28),
                         date(2012, 2, 29), date(2011, 3, 1)):
                assert (born <= line) == (date_of_age(born, 17) <= today), (today, born)


def test_overdue_count_and_filter_are_the_service_clock(app):
    operator = user_of("recording_operator")
    user = user_of("head_of_division")
    with simulated(lambda: wita("2026-03-04 08:00")):
        late = submitted(app, make_applicant(), operator)
    with simulated(lambda: wita("2026-03-04 09:30")):
        on_time = submitted(app, make_applicant(nik=nik_for(date(1990, 1, 2), "1", 2),
                                                birth_date=date(1990, 1, 2), sex="1"),
                            operator)
        # Early recording, its clock starts 05-03 08:00 WITA.
        young = submitted(app, make_applicant(nik=nik_for(TURNS_17, "2", 3),
                                              birth_date=TURNS_17), operator)
    with simulated(lambda: wita("2026-03-04 10:00")):
        lates = work_queue(user, QueueFilters(state=queue.OVERDUE))
        assert numbers(lates) == [late.number]
        assert lates.counts[queue.OVERDUE].value == 1
        assert lates.rows[0].overdue and clock(late).breached
    # A disruption opened at 05-03 07:00 and still open: the early recording's window
    # began in it, so at 10:00 it is not late (the 24-hour limit), as clock() says.
    with simulated(lambda: wita("2026-03-05 07:00")):
        open_disruption(Disruption(kind="power", description="Listrik padam"), operator)
    for at in ("2026-03-05 10:00", "2026-03-06 09:00"):
        with simulated(lambda at=at: wita(at)):
            now = wita(at)
            expected = {a.number for a in (late, on_time, young)
                        if clock(db.session.get(Application, a.id), now).breached}
            got = work_queue(user, QueueFilters(state=queue.OVERDUE))
            assert set(numbers(got)) == expected, at
            assert got.counts[queue.OVERDUE].value == len(expected)
    assert young.number not in expected or at == "2026-03-06 09:00"
    # The banner's source: the open disruption.
    assert [d.kind for d in got.disruptions] == ["power"]


def test_paging_120_open_applications_without_counting_them_all(app):
    # A read-model test: the rows are written directly (120 intakes would take 10 s).
    from models import Applicant

    start = wita("2026-03-04 08:00")
    model = make_applicant(nik=nik_for(date(1969, 1, 1), "1", 999))
    template = {c: getattr(model, c) for c in (
        "kk_number", "birth_place", "blood_type", "religion", "marital_status",
        "occupation", "citizenship", "address", "rt", "rw", "village_code")}
    born = [date(1970, 1, 1) + timedelta(days=41 * i) for i in range(120)]
    db.session.execute(sa.insert(Applicant), [
        {**template, "nik": nik_for(b, "1", i + 1), "birth_date": b, "sex": "1",
         "name": f"WARGA {i}"} for i, b in enumerate(born)])
    ids = dict(db.session.execute(sa.select(Applicant.nik, Applicant.id)).tuples().all())
    made = [f"KTP-T-{i:04d}" for i in range(120)]
    db.session.execute(sa.insert(Application), [
        {"number": made[i], "applicant_id": ids[nik_for(b, "1", i + 1)], "status": "submitted",
         "f102_complete": True, "submitted_at": start + timedelta(minutes=i),
         "deadline_at": start + timedelta(minutes=i, hours=1), "sla_hours": 1}
        for i, b in enumerate(born)])
    db.session.commit()
    user = user_of("recording_operator")
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        pages = [work_queue(user, QueueFilters(), page=p, page_size=50) for p in (1, 2, 3)]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert [len(p.rows) for p in pages] == [50, 50, 20]
    assert [p.has_next for p in pages] == [True, True, False]
    assert sum((numbers(p) for p in pages), []) == made  # oldest first, no gaps
    assert pages[0].open_total == 120 and pages[0].counts["submitted"].value == 120
    # The page is LIMIT/OFFSET + 1; the only count is the open states' GROUP BY and the
    # closed states capped.
    listing = [s for s in statements if "OFFSET" in s.upper() and "FROM application" in s
               and "count(" not in s.lower()]
    assert len(listing) == 3
    counting = [s for s in statements if "count(" in s.lower()]
    assert all("GROUP BY" in s.upper() or "LIMIT" in s.upper() for s in counting), counting


def test_closed_states_are_counted_up_to_the_cap(app, monkeypatch):
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    operator = user_of("recording_operator")
    from models import applications

    for i in range(3):
        born = date(1975, 1, 1) + timedelta(days=50 * i)
        a = submitted(app, make_applicant(nik=nik_for(born, "1", i + 1), birth_date=born,
                                          sex="1"), operator)
        applications.cancel(a, operator, "Pemohon pindah domisili")
    counts = work_queue(operator, QueueFilters()).counts
    assert counts["cancelled"] == queue.Count(2, True)
    assert counts["rejected"] == queue.Count(0, False)


# ------------------------------------------------------------------ saved filters


def test_saved_filters_are_their_owners_alone_and_audited(app):
    mine, other = user_of("recording_operator"), user_of("printing_operator")
    saved = save_filter(mine, "queue", "  Terlambat  Waingapu ",
                        "state=overdue&kecamatan=53.11.01&from=")
    assert (saved.name, saved.query) == ("Terlambat Waingapu", "state=overdue&kecamatan=53.11.01")
    assert [f.id for f in saved_filters(mine, "queue")] == [saved.id]
    assert saved_filters(other, "queue") == []
    assert own_filter(mine, saved.id) is saved
    with pytest.raises(PermissionDenied):
        own_filter(other, saved.id)
    with pytest.raises(PermissionDenied):
        remove_filter(other, saved)
    with pytest.raises(DomainError, match="(?i)terlambat waingapu"):
        save_filter(mine, "queue", "terlambat waingapu", "state=overdue")
    remove_filter(mine, saved)
    db.session.refresh(saved)
    assert saved.removed_at is not None  # soft: the row stays
    assert db.session.get(SavedFilter, saved.id) is not None
    assert saved_filters(mine, "queue") == []
    assert own_filter(mine, saved.id) is None
    with pytest.raises(PermissionDenied):
        own_filter(other, saved.id)  # still someone else's
    actions = db.session.execute(
        sa.select(AuditEntry.action).where(AuditEntry.object_type == "saved_filter")
        .order_by(AuditEntry.id)).scalars().all()
    assert actions == ["create", "remove"]
    with pytest.raises(PermissionDenied):
        saved_filters(user_of("admin"), "queue")


@pytest.mark.parametrize("query", [
    "state=nonsense", "colour=red", "kecamatan=53.11.99", "from=31-02-2026",
    "state=overdue&state=all", "page=2", "state=" + "x" * 600, "state=%00",
    "a&&b=c", "from=2026-03-04&to=besok",
])
def test_a_bad_query_string_is_refused_and_nothing_kept(app, query):
    user = user_of("recording_operator")
    with pytest.raises(DomainError) as refused:
        save_filter(user, "queue", "Coba", query)
    assert str(refused.value.message)
    assert db.session.execute(sa.select(sa.func.count(SavedFilter.id))).scalar() == 0


def test_good_query_strings_are_kept_in_a_normal_form():
    assert check_query("queue", "?state=all&from=04-03-2026") == "state=all&from=04-03-2026"
    assert check_query("queue", "") == ""
    with pytest.raises(DomainError):
        check_query("applicant", "state=all")


def test_presets_follow_the_standard_and_the_wita_day(app):
    days = current_standard().uncollected_flag_days
    # 20:00 UTC on 04-03 is 05-03 in WITA.
    found = {p.key: p for p in presets("queue", datetime(2026, 3, 4, 20, 0))}
    assert str(days) in found["uncollected"].name
    assert found["uncollected"].query == "state=uncollected"
    assert found["duplicates"].query == "state=duplicate"
    assert found["today"].query == "state=all&from=2026-03-05&to=2026-03-05"
    for p in found.values():
        check_query("queue", p.query)  # every preset is a valid filter set


def test_printed_not_collected_after_the_standards_days(app):
    operator = user_of("recording_operator")
    days = current_standard().uncollected_flag_days
    now = wita("2026-03-04 10:00")
    old, recent = (submitted(app, make_applicant(nik=nik_for(born, "1", i + 1),
                                                 birth_date=born, sex="1"), operator)
                   for i, born in enumerate((date(1980, 5, 6), date(1981, 6, 7))))
    for application, age in ((old, days + 1), (recent, days - 1)):
        db.session.execute(sa.update(Application).where(Application.id == application.id)
                           .values(status="printed",
                                   clock_stopped_at=now - timedelta(days=age)))
    db.session.commit()
    with simulated(lambda: now):
        found = work_queue(operator, QueueFilters(state=queue.UNCOLLECTED))
    assert numbers(found) == [old.number]
    assert found.counts[queue.UNCOLLECTED].value == 1


def test_two_removals_of_one_saved_filter_one_wins(app):
    from models import User
    from tests.race_helpers import one_wins, race

    saved_id = save_filter(user_of("recording_operator"), "queue", "Hari ini",
                           "state=all").id
    user_id = user_of("recording_operator").id

    def prepare():
        return db.session.get(SavedFilter, saved_id), db.session.get(User, user_id)

    one_wins(race(app, (prepare, lambda seen: remove_filter(seen[1], seen[0])),
                  (prepare, lambda seen: remove_filter(seen[1], seen[0]))))
    assert db.session.execute(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "saved_filter", AuditEntry.action == "remove")).scalar() == 1
