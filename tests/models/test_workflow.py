"""Intake to print-ready: eligibility, transitions, the service clock, uploads."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from models import (
    Application,
    AuditEntry,
    Disruption,
    DomainError,
    applications,
    db,
    intake,
    service_clock,
)
from models import eligibility as eligibility_rules
from models.office_time import simulated, utcnow
from models.permissions import ROLES, PermissionDenied, allowed
from models.service_clock import close_disruption
from models.standard import SEED_STANDARD, current_standard, publish_version
from models.uploads import store_document, store_image
from tests.factories import (
    PDF_BYTES,
    make_applicant,
    nik_for,
    png_bytes,
    recorded,
    stored_image,
    submitted,
    user_of,
)

# ------------------------------------------------------------------ eligibility


@pytest.mark.parametrize(("born", "on", "may_record", "may_print"), [
    (date(2008, 11, 24), date(2025, 11, 24), True, True),    # 17th birthday itself
    (date(2008, 11, 25), date(2025, 11, 24), True, False),   # one day short
    (date(2009, 11, 24), date(2025, 11, 24), True, False),   # 16 today: record only
    (date(2009, 11, 25), date(2025, 11, 24), False, False),  # not yet 16
    (date(2008, 2, 29), date(2025, 2, 28), True, False),     # leap-day birth, common year
    (date(2008, 2, 29), date(2025, 3, 1), True, True),       # ... 17 on 1 March
    (date(2007, 2, 28), date(2024, 2, 28), True, True),
    (date(2008, 2, 29), date(2024, 2, 29), True, False),     # 16 on a leap day
])
def test_age_boundaries(app, born, on, may_record, may_print):
    applicant = make_applicant(nik=nik_for(born, "2"), birth_date=born)
    result = eligibility_rules.eligibility(applicant, on=on)
    assert (result.may_record, result.may_print) == (may_record, may_print)
    if not may_print:
        assert result.reason and result.eligible_from
        assert result.eligible_from.strftime("%d-%m-%Y") in result.reason


@pytest.mark.parametrize("marital", ["2", "3", "4"])
def test_married_or_ever_married_at_16_is_eligible(app, marital):
    born = date(2009, 6, 1)
    applicant = make_applicant(nik=nik_for(born, "2"), birth_date=born, marital_status=marital)
    assert eligibility_rules.eligibility(applicant, on=date(2025, 7, 1)).may_print


def test_unmarried_15_year_old_cannot_even_be_submitted(app):
    born = utc_today() - timedelta(days=15 * 366)
    applicant = make_applicant(nik=nik_for(born, "1"), birth_date=born, sex="1")
    with pytest.raises(DomainError) as exc:
        submitted(app, applicant, user_of("recording_operator"))
    assert "17" in str(exc.value.message)
    assert db.session.execute(sa.select(sa.func.count(Application.id))).scalar() == 0


def test_age_comes_from_the_current_standard(app):
    born = date(2008, 1, 10)
    applicant = make_applicant(nik=nik_for(born, "2"), birth_date=born)
    on = date(2025, 6, 1)  # 17
    assert eligibility_rules.eligibility(applicant, on=on).may_print
    values = dict(SEED_STANDARD, eligibility_age=18, sla_hours=2, sla_hours_disrupted=12)
    publish_version(user_of("admin"), values)
    result = eligibility_rules.eligibility(applicant, on=on)
    assert not result.may_print and result.eligible_from == date(2026, 1, 10)
    application = submitted(app, make_applicant(nik="5311014101800003",
                                                birth_date=date(1980, 1, 1)),
                            user_of("recording_operator"))
    assert application.sla_hours == 2
    assert application.deadline_at - application.submitted_at == timedelta(hours=2)
    assert application.standard.version == 2


def test_an_application_keeps_the_standard_it_was_submitted_under(app):
    application = submitted(app, make_applicant(), user_of("recording_operator"))
    publish_version(user_of("admin"), dict(SEED_STANDARD, sla_hours=3))
    db.session.refresh(application)
    assert application.standard.version == 1 and application.sla_hours == 1
    assert current_standard().version == 2


# ------------------------------------------------------------------ transitions


def utc_today() -> date:
    return datetime.utcnow().date()


def test_full_procedure_to_print_ready_is_audited(app):
    operator = user_of("recording_operator")
    application = recorded(app, make_applicant(), operator)
    assert application.status == "recorded" and application.recorded_by_id == operator.id
    applications.enter_siak_result(application, operator, "print_ready")
    assert application.status == "print_ready"
    assert application.clock_stopped_at is None  # runs on until the first good print
    actions = db.session.execute(
        sa.select(AuditEntry.action).where(AuditEntry.object_type == "application")
        .order_by(AuditEntry.id)).scalars().all()
    assert actions == ["submit", "record", "siak_result"]


def test_one_open_application_per_applicant(app):
    operator = user_of("recording_operator")
    applicant = make_applicant()
    submitted(app, applicant, operator)
    with pytest.raises(DomainError):
        submitted(app, applicant, operator)


def test_requirements_must_be_complete(app):
    operator = user_of("recording_operator")
    with pytest.raises(DomainError):
        intake.open_application(make_applicant(), operator, f102_complete=False,
                                  kk_copy=store_document(app.config["UPLOAD_FOLDER"],
                                                         PDF_BYTES))
    with pytest.raises(DomainError):
        intake.open_application(make_applicant(nik="5311011708900002", sex="1"), operator,
                                  f102_complete=True, kk_copy=None)
    assert db.session.execute(sa.select(sa.func.count(Application.id))).scalar() == 0


def _in_state(app, state: str) -> Application:
    operator = user_of("recording_operator")
    applicant = make_applicant()
    if state == "submitted":
        return submitted(app, applicant, operator)
    application = recorded(app, applicant, operator)
    if state in ("print_ready", "duplicate"):
        applications.enter_siak_result(application, operator, state, "NIK ganda di SIAK")
    elif state in ("rejected", "cancelled"):
        operation = applications.cancel if state == "cancelled" else applications.reject
        operation(application, operator, "alasan yang jelas")
    return application


OPERATIONS = {
    "record": lambda a, u, app: applications.record(
        a, u, photo=stored_image(app, "photo"), signature=stored_image(app, "signature"),
        fingerprints_captured=True, iris_captured=True),
    "siak_result": lambda a, u, app: applications.enter_siak_result(a, u, "print_ready"),
    "reject": lambda a, u, app: applications.reject(a, u, "berkas tidak sah"),
    "cancel": lambda a, u, app: applications.cancel(a, u, "pemohon membatalkan"),
}
STATES = ("submitted", "recorded", "print_ready", "duplicate", "rejected", "cancelled")


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("state", STATES)
def test_every_transition_from_every_state(app, operation, state):
    application = _in_state(app, state)
    before = application.status
    entries = db.session.execute(sa.select(sa.func.count(AuditEntry.id))).scalar()
    allowed_from, target = applications.TRANSITIONS[operation]
    operator = user_of("recording_operator")
    if state in allowed_from:
        OPERATIONS[operation](application, operator, app)
        assert application.status == (target or "print_ready")
    else:
        with pytest.raises(DomainError):
            OPERATIONS[operation](application, operator, app)
        db.session.rollback()
        db.session.refresh(application)
        assert application.status == before
        assert db.session.execute(sa.select(sa.func.count(AuditEntry.id))).scalar() == entries


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_for_every_role(app, operation, role):
    state = {"record": "submitted", "siak_result": "recorded"}.get(operation, "submitted")
    application = _in_state(app, state)
    actor = user_of(role)
    if allowed(actor, "application", operation):
        OPERATIONS[operation](application, actor, app)
        assert application.status != state
    else:
        with pytest.raises(PermissionDenied):
            OPERATIONS[operation](application, actor, app)
        db.session.rollback()
        db.session.refresh(application)
        assert application.status == state


def test_reject_and_cancel_need_a_reason(app):
    application = _in_state(app, "submitted")
    operator = user_of("recording_operator")
    for op in (applications.reject, applications.cancel):
        with pytest.raises(DomainError):
            op(application, operator, "  ")
    assert application.status == "submitted"


def test_duplicate_needs_siak_note(app):
    application = _in_state(app, "recorded")
    with pytest.raises(DomainError):
        applications.enter_siak_result(application, user_of("recording_operator"), "duplicate")
    with pytest.raises(DomainError):
        applications.enter_siak_result(application, user_of("recording_operator"), "approved")
    assert application.status == "recorded"


def test_recording_needs_every_capture(app):
    application = _in_state(app, "submitted")
    with pytest.raises(DomainError) as exc:
        applications.record(application, user_of("recording_operator"), photo=None,
                        signature=stored_image(app, "signature"),
                        fingerprints_captured=False, iris_captured=True)
    assert "photo" in str(exc.value.message) or "foto" in str(exc.value.message)
    assert application.status == "submitted"


def test_separation_of_duties(app):
    recorder = user_of("recording_operator")
    application = _in_state(app, "print_ready")
    with pytest.raises(DomainError):
        applications.check_separation(application, recorder)
    applications.check_separation(application, recorder, "operator cetak sakit hari ini")
    db.session.commit()
    assert db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "separation_override")).scalar_one().changes["reason"]
    applications.check_separation(application, user_of("printing_operator"))


# ------------------------------------------------------------------ service clock


def _app_submitted_at(app, at: datetime) -> Application:
    application = _in_state(app, "submitted")
    application.submitted_at = at
    application.deadline_at = at + timedelta(hours=application.sla_hours)
    db.session.commit()
    return application


def test_clock_across_midnight(app):
    application = _app_submitted_at(app, datetime(2026, 3, 4, 23, 30))
    c = service_clock.clock(application, now=datetime(2026, 3, 5, 0, 15))
    assert c.deadline == datetime(2026, 3, 5, 0, 30)
    assert c.remaining == timedelta(minutes=15) and not c.breached
    c = service_clock.clock(application, now=datetime(2026, 3, 5, 0, 45))
    assert c.breached and "15" in c.breach_reason


def test_disruption_opened_extends_running_clocks_only(app):
    operator = user_of("recording_operator")
    t0 = datetime(2026, 3, 4, 23, 30)
    running = _app_submitted_at(app, t0)
    other = make_applicant(nik="5311011708900002", sex="1", name="UMBU HAPU")
    done = submitted(app, other, operator)
    done.submitted_at, done.deadline_at = t0, t0 + timedelta(hours=1)
    done.clock_stopped_at = t0 + timedelta(minutes=40)
    db.session.commit()
    disruption = Disruption(kind="network", description="Jaringan SIAK putus",
                            started_at=t0 + timedelta(minutes=50))
    with simulated(lambda: t0 + timedelta(minutes=50)):  # reported as it happens
        service_clock.open_disruption(disruption, operator)
    db.session.refresh(running)
    db.session.refresh(done)
    assert running.sla_hours == 24 and running.disruption_id == disruption.id
    assert running.deadline_at == t0 + timedelta(hours=24)
    assert done.sla_hours == 1 and done.disruption_id is None
    c = service_clock.clock(running, now=t0 + timedelta(hours=5))
    assert not c.breached


def test_overlapping_disruptions_give_24_hours_not_48(app):
    operator = user_of("recording_operator")
    t0 = datetime(2026, 5, 1, 8, 0)
    application = _app_submitted_at(app, t0)
    with simulated(lambda: t0 + timedelta(minutes=10)):  # each reported as it happens
        service_clock.open_disruption(Disruption(kind="power", description="Listrik padam",
                                                 started_at=t0 + timedelta(minutes=10)),
                                      operator)
    with simulated(lambda: t0 + timedelta(minutes=20)):
        service_clock.open_disruption(Disruption(kind="network", description="Jaringan putus",
                                                 started_at=t0 + timedelta(minutes=20)),
                                      operator)
    db.session.refresh(application)
    assert application.sla_hours == 24
    assert application.deadline_at == t0 + timedelta(hours=24)
    c = service_clock.clock(application, now=t0 + timedelta(hours=25))
    assert c.breached and "24" in c.breach_reason


def test_application_submitted_during_a_disruption_gets_24_hours(app):
    operator = user_of("recording_operator")
    began = utcnow() - timedelta(hours=2)
    with simulated(lambda: began):  # reported when it began, two hours ago
        service_clock.open_disruption(Disruption(kind="central_server",
                                                 description="Server pusat", started_at=began),
                                      operator)
    application = submitted(app, make_applicant(), operator)
    assert application.sla_hours == 24 and application.disruption_id is not None


def test_closed_disruption_does_not_touch_later_applications(app):
    operator = user_of("recording_operator")
    began = utcnow() - timedelta(hours=5)
    d = Disruption(kind="equipment", description="Kamera rusak", started_at=began)
    with simulated(lambda: began):  # reported when it began
        service_clock.open_disruption(d, operator)
    with simulated(lambda: began + timedelta(hours=4)):  # over an hour ago
        close_disruption(d, operator)
    application = submitted(app, make_applicant(), operator)
    assert application.sla_hours == 1


def test_rejected_application_is_not_a_breach(app):
    application = _app_submitted_at(app, datetime(2026, 1, 1, 8, 0))
    applications.reject(application, user_of("recording_operator"), "dokumen palsu")
    assert not service_clock.clock(application).breached


# ------------------------------------------------------------------ uploads


UPLOAD_CASES = [
    (b"", "empty"),
    (b"MZ\x90\x00 not really a pdf", "exe named .pdf"),
    (b"<html><script>alert(1)</script></html>", "html named .png"),
    (b"%PDF-1.4 truncated without end", "damaged pdf"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "broken png"),
    (b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF", "oversize"),
]


@pytest.mark.parametrize(("data", "why"), UPLOAD_CASES, ids=[w for _, w in UPLOAD_CASES])
def test_upload_refusals(app, data, why):
    with pytest.raises(DomainError):
        store_document(app.config["UPLOAD_FOLDER"], data)


def test_images_are_reencoded_and_pdf_is_kept(app):
    root = app.config["UPLOAD_FOLDER"]
    photo = store_image(root, png_bytes((1200, 1600)), "photo")
    assert photo.mime == "image/jpeg" and photo.path.endswith(".jpg")
    from PIL import Image

    with Image.open(f"{root}/{photo.path}") as img:
        assert img.size == (600, 800)
    kk = store_document(root, PDF_BYTES)
    assert kk.mime == "application/pdf"
    with pytest.raises(DomainError):
        store_image(root, PDF_BYTES, "photo")


def test_clock_of_an_early_recording_starts_when_the_applicant_turns_17(app):
    born = utc_today() - timedelta(days=16 * 365 + 100)  # 16 and a bit
    applicant = make_applicant(nik=nik_for(born, "2"), birth_date=born)
    application = submitted(app, applicant, user_of("recording_operator"))
    eligible_from = eligibility_rules.eligibility(applicant).eligible_from
    assert application.deadline_at == datetime.combine(eligible_from, datetime.min.time()) \
        + timedelta(hours=1)
    assert not service_clock.clock(application, now=datetime.utcnow() + timedelta(days=30)).breached
