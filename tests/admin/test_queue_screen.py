"""The work queue as the clerks use it (issue 11 item 2): groups and their counts, the
overdue filter, one lateness per row, the disruption banner, pages, saved filters
(own only; another's id refused and audited; a bad query string refused in
Indonesian) and the office's presets."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa

from models import AuditEntry, Disruption, db
from models.applications import enter_siak_result
from models.eligibility import date_of_age
from models.office_time import office_today, simulated, to_utc, utcnow
from models.saved_filters import SavedFilter, save_filter
from models.service_clock import open_disruption
from tests.factories import Auth, make_applicant, nik_for, recorded, submitted, user_of

TURNS_17 = date(2009, 3, 5)


def wita(text: str) -> datetime:
    return to_utc(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def html_of(response) -> str:
    return response.get_data(as_text=True)


def row_of(html: str, number: str) -> str:
    found = re.search(rf'<tr data-number="{number}">.*?</tr>', html, re.S)
    assert found, number
    return found.group(0)


def count(html: str, key: str) -> str:
    return re.search(rf'data-testid="count-{key}">([^<]*)<', html).group(1)


def login(app, role: str) -> Auth:
    auth = Auth(app.test_client())
    auth.login(role)
    return auth


def test_groups_overdue_and_one_lateness_per_row(app):
    operator = user_of("recording_operator")
    now = utcnow()
    with simulated(lambda: now - timedelta(hours=3)):
        late = submitted(app, make_applicant(), operator)
    fresh = submitted(app, make_applicant(nik=nik_for(date(1990, 1, 2), "1", 2),
                                          birth_date=date(1990, 1, 2), sex="1"), operator)
    # Recorded at 16, print-ready from SIAK, 17 only in a few months.
    born = office_today().replace(year=office_today().year - 17) + timedelta(days=60)
    young = recorded(app, make_applicant(nik=nik_for(born, "2", 3), birth_date=born,
                                         name="RAMBU MUDA"), operator)
    enter_siak_result(young, operator, "print_ready")
    printer = login(app, "printing_operator")
    html = html_of(printer.client.get("/admin/queue/"))
    assert count(html, "overdue") == "1" and count(html, "waiting") == "1"
    assert count(html, "print_ready") == "0" and count(html, "open") == "3"
    late_row = row_of(html, late.number)
    cell = re.search(r'data-testid="time-left">(.*?)</td>', late_row, re.S).group(1).strip()
    assert re.fullmatch(r"terlambat 2 jam \d+ menit", cell), cell
    assert 'class="overdue"' in late_row
    fresh_cell = re.search(r'data-testid="time-left">(.*?)</td>', row_of(html, fresh.number),
                           re.S).group(1).strip()
    assert re.fullmatch(r"[Ss]isa \d+ menit", fresh_cell), fresh_cell
    young_row = row_of(html, young.number)
    label = f"Menunggu umur 17 tahun ({date_of_age(born, 17).strftime('%d-%m-%Y')})"
    assert young_row.count(label) == 2  # its state and its clock: no "days left"
    assert "hari" not in young_row
    # Ready to print lists only what can be printed today; the group has the young one.
    html = html_of(printer.client.get("/admin/queue/?state=print_ready"))
    assert young.number not in html
    html = html_of(printer.client.get("/admin/queue/?state=waiting"))
    assert young.number in html and late.number not in html
    html = html_of(printer.client.get("/admin/queue/?state=overdue"))
    assert late.number in html and fresh.number not in html and young.number not in html
    # The "add to batch" list (the print batch page's link) leaves them out too.
    html = html_of(printer.client.get("/admin/application/?flt0_printable=1"))
    assert young.number not in html
    # The application list names the wait too, instead of "Siap cetak".
    html = html_of(printer.client.get("/admin/application/?flt0_status_equals=print_ready"))
    cells = re.findall(r'<td class="col-status">\s*(.*?)\s*</td>', html, re.S)
    assert young.number in html and cells == [label]


def test_the_banner_names_the_open_disruption_in_wita(app):
    operator = user_of("recording_operator")
    at = utcnow() - timedelta(minutes=5)
    with simulated(lambda: at):
        open_disruption(Disruption(kind="network", description="Jaringan putus"), operator)
    html = html_of(login(app, "recording_operator").client.get("/admin/queue/"))
    banner = re.search(r'data-testid="disruption-banner">(.*?)</div>', html, re.S).group(1)
    from models.office_time import format_datetime

    assert format_datetime(at, zone_label=True) in banner
    assert "Jaringan komunikasi" in banner or "Communication network" in banner
    assert "24 jam" in banner
    assert 'href="/admin/disruption/details/?id=' in banner
    db.session.execute(sa.update(Disruption).values(ended_at=utcnow()))
    db.session.commit()
    html = html_of(login(app, "recording_operator").client.get("/admin/queue/"))
    assert 'data-testid="disruption-banner"' not in html


def test_pages_of_the_queue(app, monkeypatch):
    import models.queue

    monkeypatch.setattr(models.queue, "PAGE_SIZE", 2)
    operator = user_of("recording_operator")
    made = []
    start = utcnow() - timedelta(minutes=50)
    for i in range(5):
        born = date(1971, 1, 1) + timedelta(days=40 * i)
        with simulated(lambda i=i: start + timedelta(minutes=i)):
            made.append(submitted(app, make_applicant(nik=nik_for(born, "1", i + 1),
                                                      birth_date=born, sex="1"),
                                  operator).number)
    client = login(app, "recording_operator").client
    html = html_of(client.get("/admin/queue/?state=submitted&page=2"))
    assert [n for n in made if n in html] == made[2:4]
    assert 'data-testid="next"' in html and 'data-testid="previous"' in html
    assert "page=3" in html and "state=submitted" in html  # the filters stay
    html = html_of(client.get("/admin/queue/?page=3"))
    assert 'data-testid="next"' not in html and made[4] in html
    for bad in ("abc", "-1", "0", "99999999999", "%00", "1e3"):
        response = client.get(f"/admin/queue/?page={bad}")
        assert response.status_code == 200, bad


def test_saved_filters_are_kept_listed_used_and_removed(app):
    clerk = login(app, "recording_operator")
    query = urlencode({"state": "overdue", "kecamatan": "53.11.01"})
    response = clerk.post("/admin/queue/saved/new/", {"name": "Terlambat kota",
                                                      "query": query},
                          token_from="/admin/queue/")
    assert response.status_code == 302 and response.location.endswith("?" + query)
    saved = db.session.execute(sa.select(SavedFilter)).scalar_one()
    html = html_of(clerk.client.get("/admin/queue/"))
    assert f'href="/admin/queue/saved/?id={saved.id}"' in html and "Terlambat kota" in html
    for unknown in ("999999", "abc", ""):
        assert clerk.client.get(f"/admin/queue/saved/?id={unknown}").status_code == 404
    opened = clerk.client.get(f"/admin/queue/saved/?id={saved.id}")
    assert opened.status_code == 302 and opened.location.endswith("?" + query)
    # Another member of staff never sees it, and its id is refused (and audited).
    other = login(app, "printing_operator")
    assert "Terlambat kota" not in html_of(other.client.get("/admin/queue/"))
    since = db.session.execute(sa.select(sa.func.max(AuditEntry.id))).scalar()
    assert other.client.get(f"/admin/queue/saved/?id={saved.id}").status_code == 403
    response = other.post(f"/admin/queue/saved/remove/?id={saved.id}", {},
                          token_from="/admin/queue/")
    assert response.status_code == 403
    refusals = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.id > since, AuditEntry.action == "forbidden")).scalars().all()
    assert len(refusals) == 2 and all(e.object_type == "saved_filter" for e in refusals)
    assert {e.object_id for e in refusals} == {str(saved.id)}
    db.session.refresh(saved)
    assert saved.removed_at is None
    # Its owner removes it: gone from the list, kept in the table.
    response = clerk.post(f"/admin/queue/saved/remove/?id={saved.id}", {},
                          token_from="/admin/queue/")
    assert response.status_code == 302
    db.session.refresh(saved)
    assert saved.removed_at is not None
    assert 'data-testid="saved-filter"' not in html_of(clerk.client.get("/admin/queue/"))


def test_a_bad_saved_filter_is_refused_in_indonesian(app):
    clerk = login(app, "recording_operator")
    for query, words in (("state=rusak", "bukan status antrean"),
                         ("warna=merah", "tidak mengenal filter"),
                         ("from=32-13-2026", "bukan tanggal")):
        response = clerk.post("/admin/queue/saved/new/", {"name": "Coba", "query": query},
                              token_from="/admin/queue/")
        assert response.status_code == 200
        assert words in html_of(response), query
    response = clerk.post("/admin/queue/saved/new/", {"name": "", "query": "state=all"},
                          token_from="/admin/queue/")
    assert "Beri nama filter ini." in html_of(response)
    assert db.session.execute(sa.select(sa.func.count(SavedFilter.id))).scalar() == 0


def test_the_presets_are_everyones(app):
    save_filter(user_of("recording_operator"), "queue", "Milik saya", "state=recorded")
    today = office_today().isoformat()
    for role in ("printing_operator", "head_of_division", "secretary"):
        html = html_of(login(app, role).client.get("/admin/queue/"))
        assert "Milik saya" not in html
        assert re.search(r'data-testid="preset-uncollected"[^>]*>Dicetak, belum diambil '
                         r'&gt; 30 hari<', html)
        assert 'href="/admin/queue/?state=duplicate"' in html and "Duplikat SIAK" in html
        assert f'href="/admin/queue/?state=all&amp;from={today}&amp;to={today}"' in html
        assert "Antrean hari ini" in html
