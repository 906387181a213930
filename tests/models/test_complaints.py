"""Issue 10 part B: the complaint register, answered on time.

Tickets a resident can read over the phone (ADU-YYMM-NNNN, never colliding), deadlines
from the standard (first response in calendar days, resolution in working days, WITA),
assignment only to handling roles, every answer its own dated entry, the complainant's
text unchangeable, the states as compare-and-sets (a race has one winner), overdue
complaints filtered and highlighted, the contact only for the handling roles (screen
and export), the A5 acknowledgement, and the audited WhatsApp click-to-chat.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from models import AuditEntry, Complaint, DomainError, PermissionDenied, User, db, editing
from models import whatsapp as wa
from models.complaints import (
    ComplaintResponse,
    add_working_days,
    assign,
    deadlines,
    handling_roles,
    may_handle,
    record_complaint,
    reject,
    resolve,
    respond,
)
from models.office_time import OFFICE_ZONE, simulated, to_utc
from models.standard import current_standard, publish_version
from models.transitions import JustProcessed
from models.users import create_user
from tests.factories import PASSWORD, Auth, user_of

TICKET_RE = re.compile(r"^ADU-\d{4}-\d{4}$")


# ---- helpers -----------------------------------------------------------------------
def wita(text: str) -> datetime:
    """'2026-12-03 10:00' WITA as the naive UTC the database stores."""
    return to_utc(datetime.fromisoformat(text))


def make(channel: str = "phone", contact: str | None = "0812-3763-4471",
         role: str = "recording_operator", **values) -> Complaint:
    values.setdefault("subject", "Antrean lama")
    values.setdefault("body", "Menunggu dua jam di loket perekaman.")
    complaint = Complaint(channel=channel, kind=values.pop("kind", "complaint"),
                          contact=contact, **values)
    return record_complaint(complaint, user_of(role))


def made_at(moment: str, **values) -> Complaint:
    at = wita(moment)
    with simulated(lambda: at):
        return make(**values)


def login(app, role: str) -> Auth:
    auth = Auth(app.test_client())
    assert auth.login(role).status_code == 302
    return auth


def reload(complaint: Complaint) -> Complaint:
    db.session.expire_all()
    return db.session.get(Complaint, complaint.id)


def view_of(app, endpoint: str):
    return next(v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
                    .split())


# ---- tickets -----------------------------------------------------------------------
def test_ticket_is_digits_per_wita_month(app) -> None:
    # 30-11-2026 16:30 UTC is already 01-12-2026 00:30 in Waingapu.
    first = made_at("2026-12-01 00:30")
    second = made_at("2026-12-15 10:00")
    november = made_at("2026-11-30 23:50")
    january = made_at("2027-01-02 08:00")
    assert TICKET_RE.match(first.ticket), first.ticket
    assert (first.ticket, second.ticket) == ("ADU-2612-0001", "ADU-2612-0002")
    assert november.ticket == "ADU-2611-0001"
    assert january.ticket == "ADU-2701-0001"  # the sequence starts again each month


def test_two_tickets_at_once_never_collide(app) -> None:
    from tests.models.test_races import race

    recorder_id = user_of("recording_operator").id
    secretary_id = user_of("secretary").id

    def contender(user_id: int):
        def prepare():
            return db.session.get(User, user_id)

        def act(user):
            complaint = Complaint(channel="phone", kind="complaint", subject="Antrean",
                                  body=f"dari {user.username}")
            return record_complaint(complaint, user).ticket

        return prepare, act

    outcomes = race(app, contender(recorder_id), contender(secretary_id))
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    tickets = {o.value for o in outcomes}
    assert len(tickets) == 2 and all(TICKET_RE.match(t) for t in tickets)
    stored = db.session.execute(sa.select(Complaint.ticket)).scalars().all()
    assert sorted(stored) == sorted(tickets)


# ---- deadlines -----------------------------------------------------------------------
def test_deadlines_default_to_sp4n_lapor_and_skip_the_weekend(app) -> None:
    standard = current_standard()
    assert (standard.complaint_response_days,
            standard.complaint_resolution_working_days) == (3, 5)
    # Thursday 03-12-2026: first response by the end of Sunday 06-12 (calendar days);
    # resolution within 5 working days: Fri 4, Mon 7, Tue 8, Wed 9, Thu 10.
    complaint = made_at("2026-12-03 10:00")
    assert complaint.first_response_due_at == wita("2026-12-07 00:00")
    assert complaint.resolution_due_at == wita("2026-12-11 00:00")
    # Late on Friday in WITA (still Friday in UTC as well) and on Saturday.
    friday = made_at("2026-12-04 23:30")
    assert friday.resolution_due_at == wita("2026-12-12 00:00")  # Mon..Fri 11-12
    saturday = made_at("2026-12-05 09:00")
    assert saturday.first_response_due_at == wita("2026-12-09 00:00")
    assert saturday.resolution_due_at == wita("2026-12-12 00:00")
    assert add_working_days(datetime(2026, 12, 4).date(), 1) == datetime(2026, 12, 7).date()


def test_deadlines_follow_the_standard_in_force(app) -> None:
    values = {k: getattr(current_standard(), k) for k in (
        "document_number", "document_date", "unit", "eligibility_age",
        "eligible_marital_statuses", "sla_hours", "sla_hours_disrupted", "fee",
        "complaint_channels", "components",
        "low_stock_threshold", "uncollected_flag_days")}
    values.update(complaint_response_days=1, complaint_resolution_working_days=2)
    publish_version(user_of("admin"), values)
    complaint = made_at("2026-12-04 10:00")  # Friday
    assert complaint.first_response_due_at == wita("2026-12-06 00:00")
    assert complaint.resolution_due_at == wita("2026-12-09 00:00")  # Mon 7, Tue 8
    assert deadlines(wita("2026-12-04 10:00"), 3, 5) == (
        wita("2026-12-08 00:00"), wita("2026-12-12 00:00"))
    # A version published without the new setting keeps the one in force.
    values.pop("complaint_resolution_working_days")
    assert publish_version(user_of("admin"), values).complaint_resolution_working_days == 2
    with pytest.raises(DomainError):
        publish_version(user_of("admin"), dict(values, complaint_resolution_working_days=0))


# ---- recording -----------------------------------------------------------------------
def test_every_role_but_admin_records_and_the_box_is_anonymous(app) -> None:
    for role in ("recording_operator", "printing_operator", "head_of_division",
                 "secretary", "head_of_office"):
        complaint = make(role=role, channel="suggestion_box", kind="suggestion",
                         contact=None)
        assert complaint.status == "new" and complaint.complainant_name is None
    with pytest.raises(PermissionDenied):
        make(role="admin")
    # The public form records the web channel without an account, nothing else.
    web = record_complaint(Complaint(channel="web", kind="input", subject="Usul",
                                     body="Tambah loket."), None)
    assert web.received_by_id is None and TICKET_RE.match(web.ticket)
    with pytest.raises(PermissionDenied):
        record_complaint(Complaint(channel="phone", kind="input", subject="Usul",
                                   body="Tambah loket."), None)


def test_create_form_offers_the_staff_channels_and_links_an_application(app) -> None:
    from tests.factories import make_applicant, submitted

    application = submitted(app, make_applicant(), user_of("recording_operator"))
    secretary = login(app, "secretary")
    url = "/admin/complaint/new/"
    page = secretary.client.get(url).get_data(as_text=True)
    for channel in ("suggestion_box", "phone", "whatsapp", "email", "in_person"):
        assert f'value="{channel}"' in page
    assert 'value="web"' not in page  # the public form's channel
    response = secretary.post(url, {
        "channel": "in_person", "kind": "complaint", "complainant_name": "",
        "contact": "", "subject": "Loket tutup", "body": "Loket tutup jam 11.",
        "application": str(application.id)}, token_from=url)
    assert response.status_code == 302
    complaint = db.session.execute(sa.select(Complaint)).scalar_one()
    assert complaint.application_id == application.id
    assert complaint.received_by_id == user_of("secretary").id
    # An unknown receipt number is refused in Indonesian, nothing stored.
    with pytest.raises(DomainError) as refused:
        record_complaint(Complaint(channel="phone", kind="complaint", subject="x",
                                   body="y"), user_of("recording_operator"),
                         receipt_number="KTP-000000-9999")
    assert refused.value.field == "application"
    assert db.session.execute(sa.select(sa.func.count(Complaint.id))).scalar() == 1


# ---- assignment ------------------------------------------------------------------------
def test_assignment_only_to_handling_roles(app) -> None:
    assert set(handling_roles()) == {"recording_operator", "printing_operator",
                                     "head_of_division"}
    complaint = make()
    head = user_of("head_of_division")
    for role in ("admin", "secretary", "head_of_office"):
        with pytest.raises(DomainError) as refused:
            assign(complaint, head, user_of(role))
        assert refused.value.field == "assigned_to"
        assert reload(complaint).assigned_to_id is None
        complaint = reload(complaint)
    inactive = create_user(None, "staf.pensiun", "STAF PENSIUN", "recording_operator",
                           PASSWORD)
    inactive.active = False
    db.session.commit()
    assert not may_handle(inactive)
    with pytest.raises(DomainError):
        assign(complaint, head, inactive)
    with pytest.raises(PermissionDenied):  # only the head of division assigns
        assign(complaint, user_of("recording_operator"), user_of("printing_operator"))

    assign(complaint, head, user_of("printing_operator"))
    complaint = reload(complaint)
    assert (complaint.status, complaint.assigned_to_id) == (
        "in_progress", user_of("printing_operator").id)
    assert complaint.responded_at is None  # an assignment is not an answer
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "assign")).scalar_one()
    assert entry.changes["assigned_to_id"] == [None, user_of("printing_operator").id]


def test_assign_screen_lists_only_handlers(app) -> None:
    complaint = make()
    head = login(app, "head_of_division")
    page = head.client.get(f"/admin/complaint/details/?id={complaint.id}").get_data(
        as_text=True)
    form = page[page.index('data-testid="assign-form"'):]
    form = form[:form.index("</form>")]
    for role in ("recording_operator", "printing_operator", "head_of_division"):
        assert f'value="{user_of(role).id}"' in form
    for role in ("admin", "secretary", "head_of_office"):
        assert f'value="{user_of(role).id}"' not in form
    # Posting the administrator anyway: refused next to the field, nothing changed.
    url = f"/admin/complaint/assign/?id={complaint.id}"
    response = head.post(url, {"assigned_to": str(user_of("admin").id)},
                         token_from=f"/admin/complaint/details/?id={complaint.id}")
    assert response.status_code == 200
    assert 'data-testid="error-assigned_to"' in response.get_data(as_text=True)
    assert reload(complaint).assigned_to_id is None
    response = head.post(url, {"assigned_to": str(user_of("recording_operator").id)},
                         token_from=f"/admin/complaint/details/?id={complaint.id}")
    assert response.status_code == 302
    assert reload(complaint).assigned_to_id == user_of("recording_operator").id


# ---- responses -------------------------------------------------------------------------
def test_every_response_is_its_own_dated_entry(app) -> None:
    complaint = made_at("2026-12-03 10:00")
    head = user_of("head_of_division")
    with simulated(lambda: wita("2026-12-03 14:00")):
        respond(complaint, head, "Kami periksa antrean hari itu.")
    with simulated(lambda: wita("2026-12-04 09:15")):
        respond(reload(complaint), head, "Loket kedua dibuka mulai minggu depan.")
    complaint = reload(complaint)
    entries = complaint.responses
    assert [(e.kind, e.at, e.by_id) for e in entries] == [
        ("response", wita("2026-12-03 14:00"), head.id),
        ("response", wita("2026-12-04 09:15"), head.id)]
    assert entries[1].text == "Loket kedua dibuka mulai minggu depan."
    assert complaint.status == "in_progress"
    assert complaint.responded_at == wita("2026-12-03 14:00")  # the first answer
    with pytest.raises(DomainError) as refused:
        respond(complaint, head, "   ")
    assert refused.value.field == "text"


def test_an_officer_answers_only_what_is_assigned_to_them(app) -> None:
    complaint = make()
    operator = user_of("printing_operator")
    with pytest.raises(DomainError):
        respond(complaint, operator, "Kartu sudah dicetak.")
    with pytest.raises(PermissionDenied):
        respond(complaint, user_of("secretary"), "Dicatat.")
    assign(complaint, user_of("head_of_division"), operator)
    respond(reload(complaint), operator, "Kartu sudah dicetak.")
    resolve(reload(complaint), operator, "Kartu diambil pemohon.")
    assert reload(complaint).status == "resolved"


# ---- what the complainant wrote stays ----------------------------------------------------
def test_complaint_is_recorded_as_received_and_never_rewritten(app, recording_operator) -> None:
    """Moved from test_security (issue 10 reverses its edit of the subject): the edit
    form offers none of the complainant's fields, a post of them changes nothing, and
    the handler is given through the assignment step."""
    from tests.factories import make_applicant as resident
    from tests.factories import submitted

    application = submitted(app, resident(), user_of("recording_operator"))
    url = "/admin/complaint/new/"
    form = recording_operator.client.get(url).get_data(as_text=True)
    assert 'name="assigned_to"' not in form  # the head of division assigns it later
    response = recording_operator.post(url, {
        "channel": "phone", "kind": "complaint", "complainant_name": "",
        "contact": "081234567890", "subject": "Antrean lama", "body": "Menunggu dua jam.",
        "application": str(application.id),
        "assigned_to": str(user_of("recording_operator").id)}, token_from=url)
    assert response.status_code == 302
    complaint = db.session.execute(sa.select(Complaint)).scalar_one()
    assert complaint.ticket and complaint.received_by_id == user_of("recording_operator").id
    assert complaint.application_id == application.id
    assert complaint.complainant_name is None  # left empty: stored as nothing
    assert complaint.assigned_to_id is None

    head = login(app, "head_of_division")
    edit = f"/admin/complaint/edit/?id={complaint.id}"
    page = head.client.get(edit).get_data(as_text=True)
    for name in ("channel", "kind", "complainant_name", "contact", "subject", "body",
                 "assigned_to"):
        assert f'name="{name}"' not in page, name
    response = head.post(edit, {
        "subject": "Antrean terlalu lama", "body": "Ditulis ulang.",
        "assigned_to": str(user_of("head_of_division").id), "application": "",
        "channel": "email", "contact": "orang@contoh.id", "complainant_name": "PALSU"},
        token_from=edit)
    assert response.status_code == 302
    complaint = reload(complaint)
    assert (complaint.subject, complaint.body) == ("Antrean lama", "Menunggu dua jam.")
    assert (complaint.channel, complaint.contact, complaint.complainant_name) == (
        "phone", "081234567890", None)
    assert complaint.assigned_to_id is None


def test_domain_refuses_a_change_of_the_complainants_text(app) -> None:
    from models import audit

    complaint = make()
    head = user_of("head_of_division")
    for field, value in (("subject", "Lain"), ("body", "Ditulis ulang"),
                         ("contact", "0811"), ("complainant_name", "PALSU"),
                         ("channel", "email"), ("kind", "input")):
        complaint = reload(complaint)
        before = audit.snapshot(complaint)
        with pytest.raises(DomainError) as refused:
            setattr(complaint, field, value)  # refused as it is set
            editing.update(head, complaint, before)
        assert refused.value.field == field
        db.session.rollback()
    complaint = reload(complaint)
    before = audit.snapshot(complaint)
    admin_id = user_of("admin").id
    with pytest.raises(DomainError):
        complaint.assigned_to_id = admin_id  # only through assign()
        editing.update(head, complaint, before)
    db.session.rollback()
    complaint = reload(complaint)
    assert (complaint.subject, complaint.contact, complaint.assigned_to_id) == (
        "Antrean lama", "0812-3763-4471", None)


# ---- states ------------------------------------------------------------------------------
def test_states_new_in_progress_resolved_or_rejected(app) -> None:
    head = user_of("head_of_division")
    first = make()
    assert first.status == "new"
    respond(first, head, "Sedang kami periksa.")
    assert reload(first).status == "in_progress"
    resolve(reload(first), head, "Sudah diselesaikan.")
    first = reload(first)
    assert first.status == "resolved" and first.resolved_at is not None
    assert [e.kind for e in first.responses] == ["response", "resolution"]
    for step in (lambda c: respond(c, head, "lagi"), lambda c: resolve(c, head, "lagi"),
                 lambda c: assign(c, head, head)):
        with pytest.raises(DomainError):
            step(reload(first))

    second = make()
    with pytest.raises(DomainError) as refused:
        reject(second, head, "")
    assert refused.value.field == "text"
    reject(reload(second), head, "Bukan kewenangan Dinas Dukcapil.")
    second = reload(second)
    assert second.status == "rejected"
    assert [(e.kind, e.text) for e in second.responses] == [
        ("rejection", "Bukan kewenangan Dinas Dukcapil.")]
    assert second.responded_at is not None  # the rejection answered it


def test_two_resolves_at_once_one_wins(app) -> None:
    from tests.models.test_races import one_wins, race

    complaint = make()
    assign(complaint, user_of("head_of_division"), user_of("printing_operator"))
    complaint_id = complaint.id
    head_id, operator_id = user_of("head_of_division").id, user_of("printing_operator").id

    def contender(user_id: int, close, text: str):
        def prepare():
            complaint = db.session.get(Complaint, complaint_id)
            _ = complaint.status, complaint.assigned_to_id
            return complaint, db.session.get(User, user_id)

        def act(seen):
            return close(seen[0], seen[1], text)

        return prepare, act

    outcomes = race(app, contender(head_id, resolve, "Selesai (kepala bidang)."),
                    contender(operator_id, reject, "Ditolak (operator)."))
    winner, loser = one_wins(outcomes)
    assert isinstance(loser.error, JustProcessed)
    complaint = reload(complaint)
    entries = db.session.execute(sa.select(ComplaintResponse).where(
        ComplaintResponse.complaint_id == complaint_id)).scalars().all()
    assert len(entries) == 1  # nothing of the loser's is kept
    assert complaint.status == ("resolved" if entries[0].kind == "resolution" else "rejected")


# ---- overdue -------------------------------------------------------------------------------
def overdue_arg(app) -> str:
    """The overdue filter's query argument (the same in every language)."""
    return "flt0_overdue"


def test_overdue_complaints_are_filtered_and_stand_out(app) -> None:
    now = datetime.now(OFFICE_ZONE).replace(tzinfo=None)
    late = made_at((now - timedelta(days=20)).isoformat(timespec="minutes"),
                   subject="Sudah lama sekali")
    unanswered = made_at((now - timedelta(days=4)).isoformat(timespec="minutes"),
                         subject="Belum dijawab")
    answered = made_at((now - timedelta(days=4)).isoformat(timespec="minutes"),
                       subject="Sudah dijawab")
    respond(answered, user_of("head_of_division"), "Kami periksa.")
    closed = made_at((now - timedelta(days=20)).isoformat(timespec="minutes"),
                     subject="Sudah selesai")
    resolve(closed, user_of("head_of_division"), "Selesai.")
    fresh = make(subject="Baru masuk")
    # A resolution deadline past, a first response missed; 4 days may or may not pass
    # the 5 working days (weekends), so "answered" is judged by the model itself.
    assert reload(late).overdue_kind() == "resolution"
    assert reload(unanswered).overdue_kind() in ("first_response", "resolution")
    assert reload(closed).overdue_kind() is None and reload(fresh).overdue_kind() is None
    expected = {c.ticket for c in (late, unanswered, answered)
                if reload(c).overdue_kind() is not None}

    head = login(app, "head_of_division")
    html = head.client.get(f"/admin/complaint/?{overdue_arg(app)}=1").get_data(as_text=True)
    shown = set(re.findall(r"ADU-\d{4}-\d{4}", html))
    assert shown == expected
    assert html.count('data-testid="overdue"') == len(expected)
    assert "complaint-overdue" in html and "tr:has(.complaint-overdue)" in html
    html = head.client.get(f"/admin/complaint/?{overdue_arg(app)}=0").get_data(as_text=True)
    assert set(re.findall(r"ADU-\d{4}-\d{4}", html)) == {
        c.ticket for c in (late, unanswered, answered, closed, fresh)} - expected
    # The full list marks exactly the overdue rows, and the details page says so.
    html = head.client.get("/admin/complaint/").get_data(as_text=True)
    assert html.count('data-testid="overdue"') == len(expected)
    page = head.client.get(f"/admin/complaint/details/?id={late.id}").get_data(as_text=True)
    assert 'data-testid="overdue"' in page and "Terlambat" in page


# ---- the contact only for the handling roles -------------------------------------------------
@pytest.mark.parametrize("role", ["recording_operator", "printing_operator",
                                  "head_of_division", "secretary", "head_of_office"])
def test_contact_only_for_roles_that_handle_complaints(app, role) -> None:
    complaint = make(contact="0812-3763-4471", complainant_name="UMBU NDAKULARAK")
    handles = role in handling_roles()
    auth = login(app, role)
    page = auth.client.get(f"/admin/complaint/details/?id={complaint.id}").get_data(
        as_text=True)
    assert ("0812-3763-4471" in page) == handles
    assert (">Kontak<" in page) == handles
    assert "UMBU NDAKULARAK" in page
    response = auth.client.get("/admin/complaint/export/csv/")
    if response.status_code == 403:  # operators do not export at all
        assert not role.startswith("head") and role != "secretary"
        return
    rows = csv_rows(response)
    assert ("Kontak" in rows[0]) == handles
    assert any("0812-3763-4471" in cell for cell in rows[1]) == handles


# ---- the acknowledgement ---------------------------------------------------------------------
def test_acknowledgement_pdf_for_a_complaint_received_in_person(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://dukcapil.sumbatimurkab.go.id/")
    complaint = made_at("2026-12-03 10:00", channel="in_person", contact=None,
                        complainant_name="MARIA HAPU", subject="Loket tutup")
    head = login(app, "head_of_division")
    page = head.client.get(f"/admin/complaint/details/?id={complaint.id}").get_data(
        as_text=True)
    assert 'data-testid="acknowledgement"' in page
    response = head.client.get(f"/admin/complaint/acknowledgement/?id={complaint.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    width, height = (float(reader.pages[0].mediabox.width),
                     float(reader.pages[0].mediabox.height))
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (148, 210)  # A5
    text = pdf_text(response.data)
    squeezed = "".join(text.split())
    assert "TANDA TERIMA PENGADUAN" in text
    assert complaint.ticket in squeezed
    assert "03-12-202610:00WITA" in squeezed  # received, in WITA
    assert "Minggu,06-12-2026" in squeezed  # first response by the end of Sunday
    assert "Kamis,10-12-2026" in squeezed  # resolved within 5 working days
    follow = f"https://dukcapil.sumbatimurkab.go.id/complaint/{complaint.ticket}"
    assert follow in squeezed
    assert "MARIAHAPU" in squeezed
    # The link is on the configured public address; it opens the public ticket page
    # once that page exists (issue 10 part A).
    if "public.complaint_status" in app.view_functions:
        path = urlsplit(follow).path
        assert app.test_client().get(path).status_code == 200
    # The acknowledgement is a reading of the complaint: audited.
    read = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "read", AuditEntry.object_type == "complaint",
        AuditEntry.object_id == str(complaint.id))).scalars().all()
    assert any("acknowledgement" in (e.changes or {}).get("endpoint", "") for e in read)


def test_recording_in_person_offers_the_acknowledgement(app, recording_operator) -> None:
    url = "/admin/complaint/new/"
    response = recording_operator.post(url, {
        "channel": "in_person", "kind": "complaint", "subject": "Loket tutup",
        "body": "Loket tutup jam 11."}, token_from=url, follow_redirects=True)
    html = response.get_data(as_text=True)
    complaint = db.session.execute(sa.select(Complaint)).scalar_one()
    assert f"/admin/complaint/acknowledgement/?id={complaint.id}" in html
    assert complaint.ticket in html


# ---- WhatsApp click-to-chat -----------------------------------------------------------------
def test_international_number() -> None:
    assert wa.international_number("0812-3763 4471") == "6281237634471"
    assert wa.international_number("+62 812 3763 4471") == "6281237634471"
    assert wa.international_number("6281237634471") == "6281237634471"
    assert wa.international_number("(0812) 3763.4471") == "6281237634471"
    for bad in ("5311.dukcapil@gmail.com", "0387-61234", "Kotak saran", "", None,
                "08123", "0812345678901234567", "٠٨١٢٣٧٦٣٤٤٧١"):
        assert wa.international_number(bad) is None, bad


def test_whatsapp_link_for_an_answered_complaint_is_audited(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://dukcapil.example.id")
    complaint = make(contact="0812-3763-4471")
    head = login(app, "head_of_division")
    details = f"/admin/complaint/details/?id={complaint.id}"
    assert 'data-testid="whatsapp"' not in head.client.get(details).get_data(as_text=True)
    respond(reload(complaint), user_of("head_of_division"), "Loket kedua dibuka.")
    assert 'data-testid="whatsapp"' in head.client.get(details).get_data(as_text=True)

    response = head.client.get(f"/admin/complaint/whatsapp/?id={complaint.id}")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "wa.me",
                                                           "/6281237634471")
    message = parse_qs(target.query)["text"][0]
    assert complaint.ticket in message and "telah dijawab" in message
    assert f"https://dukcapil.example.id/complaint/{complaint.ticket}" in message
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "whatsapp")).scalar_one()
    assert (entry.object_type, entry.object_id) == ("complaint", str(complaint.id))
    assert entry.username == "head.of.division"
    assert entry.changes["purpose"] == "complaint_answered"
    assert entry.changes["number"] == "62812****4471"  # not the whole number

    # A contact that is not a phone number: refused with a message, nothing audited.
    by_mail = make(channel="email", contact="orang@contoh.id")
    respond(by_mail, user_of("head_of_division"), "Dijawab lewat surel.")
    response = head.client.get(f"/admin/complaint/whatsapp/?id={by_mail.id}",
                               headers={"Referer": f"http://localhost{details}"})
    assert response.status_code == 302 and "wa.me" not in response.headers["Location"]
    assert db.session.execute(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "whatsapp")).scalar() == 1
    # The oversight roles neither see the contact nor send the message.
    secretary = login(app, "secretary")
    assert secretary.client.get(
        f"/admin/complaint/whatsapp/?id={complaint.id}").status_code == 403


def test_whatsapp_link_for_a_card_ready_for_collection(app) -> None:
    from models import Card
    from models.batches import confirm_card, print_batch
    from tests.factories import batch_with, print_ready, receive

    receive(1, 5)
    (application,) = print_ready(app, 1)
    application.applicant.phone = "081237634471"
    db.session.commit()
    (card_id,) = [c.id for c in print_batch(batch_with([application]),
                                            user_of("printing_operator"))]
    card = db.session.get(Card, card_id)
    confirm_card(card, user_of("printing_operator"), True, storage_location="LEMARI A")

    printer = login(app, "printing_operator")
    page = printer.client.get("/admin/custody/").get_data(as_text=True)
    assert f'data-testid="whatsapp-{card_id}"' in page
    response = printer.client.get(f"/admin/custody/whatsapp/?id={card_id}")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert (target.netloc, target.path) == ("wa.me", "/6281237634471")
    message = parse_qs(target.query)["text"][0]
    assert application.number in message and "dapat diambil" in message
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "whatsapp")).scalar_one()
    assert (entry.object_type, entry.changes["purpose"]) == ("card", "card_ready")
