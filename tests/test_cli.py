"""Command-line tools: `flask demo-data`, `flask user create`, `flask audit verify`."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import gettext

from demo.generate import DatabaseNotEmpty, generate
from models import (
    Applicant,
    Application,
    AuditEntry,
    Blank,
    BlankReceipt,
    Complaint,
    Disruption,
    User,
    db,
    utcnow,
    wilayah,
)
from models.applications import OPEN_STATUSES
from models.blanks import reconcile
from models.cards import uncollected
from models.eligibility import eligibility
from models.office_time import office_today
from models.permissions import ROLES
from models.service_clock import clock_start
from models.standard import current_standard
from models.validation import check_kk_number, check_nik
from tests.factories import PASSWORD
from tests.factories import empty_database as _empty_database

LOGIN_LINE = re.compile(r"^\s+(\w+)\s+([a-z0-9._]+)\s+(\S{16})$", re.MULTILINE)
NUMBER = re.compile(r"^KTP-(\d{6})-(\d{4})$")


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def counts() -> dict[str, int]:
    return {m.__name__: count(m) for m in (Applicant, Application, AuditEntry, Blank,
                                            Complaint, Disruption, User)}


@pytest.fixture
def instance(app, tmp_path, monkeypatch):
    """Keep `demo_logins.txt` out of the project's real instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path


@pytest.fixture
def empty(app, instance):
    """A database without accounts, residents or standard: what demo-data expects."""
    db.session.remove()
    _empty_database()
    return app


# --- demo-data ---------------------------------------------------------------------

def test_demo_data_fills_an_empty_database(empty, runner, instance):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output

    logins = LOGIN_LINE.findall(result.output)
    assert sorted(role for role, _, _ in logins) == sorted(ROLES)
    for role, username, password in logins:
        user = db.session.execute(
            sa.select(User).where(User.username == username)).scalar_one()
        assert user.role == role and user.active
        assert user.password_hash.startswith("scrypt:")
        assert user.check_password(password)
        assert user.full_name and user.full_name != username
    assert (instance / "demo_logins.txt").read_text() == result.output

    residents = db.session.execute(sa.select(Applicant)).scalars().all()
    assert len(residents) >= 300
    districts = {d.code for d in wilayah.districts_of_sumba_timur()}
    assert len(districts) == 22
    assert {r.village.district_code for r in residents} == districts
    assert len({r.village_code for r in residents}) > 100
    for r in residents:
        info = check_nik(r.nik, birth_date=r.birth_date, sex=r.sex)
        assert info.district_code == r.village.district_code, r.nik
        assert check_kk_number(r.kk_number) == r.kk_number
        assert len(r.name) <= 60 and r.name == r.name.upper()
    religions = {r.religion for r in residents}
    assert {"1", "2", "3", "7"} <= religions

    statuses = set(db.session.execute(sa.select(Application.status)).scalars())
    assert len(statuses) >= 5, statuses
    assert {"handed_over", "print_ready"} <= statuses
    assert count(Blank) == 500
    rec = reconcile(office_today() - timedelta(days=40), office_today())
    assert rec.balances and rec.used > 0
    assert rec.status_counts["available"] + rec.used + rec.spoiled == 500
    assert uncollected(), "some printed cards still wait in custody"
    # Every card that was used in the past has stopped its application's clock.
    stopped = db.session.execute(sa.select(sa.func.count(Application.id)).where(
        Application.status.in_(("printed", "handed_over")),
        Application.clock_stopped_at.is_(None))).scalar()
    assert stopped == 0
    assert count(Complaint) >= 4

    entries = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "demo_data")).scalars().all()
    assert len(entries) == 1
    assert entries[0].changes["count"] == len(residents)
    # One entry for the bulk load, not one per resident.
    assert db.session.execute(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "applicant")).scalar() == 1

    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "intact" in verify.output


def test_demo_data_runs_once_and_if_empty_adds_nothing(empty, runner, instance):
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    before = counts()

    again = runner.invoke(args=["demo-data"])
    assert again.exit_code != 0
    assert "already holds data" in again.output
    assert counts() == before

    quiet = runner.invoke(args=["demo-data", "--if-empty"])
    assert quiet.exit_code == 0, quiet.output
    assert "no demo data added" in quiet.output
    assert first.output in quiet.output  # the saved logins are shown again
    assert counts() == before


def test_demo_data_refuses_a_database_that_has_accounts(app, runner, instance):
    # The `app` fixture made six accounts but no residents.
    before = counts()
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code != 0
    assert "already holds data" in result.output
    assert counts() == before
    with pytest.raises(DatabaseNotEmpty):
        generate(applicants=10)


def test_demo_applications_are_consistent(empty):
    logins = generate(applicants=320, seed=11)
    assert len(logins) == len(ROLES)
    recorder = db.session.execute(
        sa.select(User).where(User.role == "recording_operator")).scalar_one()
    standard = current_standard()
    now = utcnow()
    uploads = Path(empty.config["UPLOAD_FOLDER"])
    apps = db.session.execute(sa.select(Application)).scalars().all()
    residents = count(Applicant)
    assert 0.35 * residents <= len({a.applicant_id for a in apps}) <= 0.65 * residents

    assert len({a.number for a in apps}) == len(apps)
    open_per_applicant: dict[int, int] = {}
    for a in apps:
        match = NUMBER.match(a.number)
        assert match and match.group(1) == f"{a.created_at:%y%m%d}", a.number
        assert match.group(2) != "0000"
        assert a.standard_id == standard.id and a.f102_complete
        assert now - timedelta(days=35) < a.submitted_at < now
        assert a.created_at <= a.submitted_at
        assert a.applicant.created_at <= a.created_at
        assert a.sla_hours in (standard.sla_hours, standard.sla_hours_disrupted)
        assert a.deadline_at == clock_start(a, standard) + timedelta(hours=a.sla_hours)
        on = (a.submitted_at + timedelta(hours=8)).date()  # WITA
        assert eligibility(a.applicant, on=on, standard=standard).may_record
        assert (uploads / a.kk_copy_path).is_file() and a.kk_copy_mime == "application/pdf"
        if a.status in OPEN_STATUSES:
            open_per_applicant[a.applicant_id] = open_per_applicant.get(a.applicant_id, 0) + 1
        if a.recorded_at is not None:
            assert a.submitted_at < a.recorded_at and a.recorded_by_id == recorder.id
            assert a.fingerprints_captured and a.iris_captured
            assert (uploads / a.photo_path).is_file() and (uploads / a.signature_path).is_file()
        if a.status in ("recorded", "print_ready", "duplicate", "printed", "handed_over"):
            assert a.recorded_at is not None
        if a.siak_result_at is not None:
            assert a.recorded_at < a.siak_result_at < now
        if a.status == "print_ready":
            assert a.clock_stopped_at is None  # the clock runs until the first good print
        if a.status in ("printed", "handed_over"):
            assert a.siak_result_at < a.clock_stopped_at < now
        if a.status == "submitted":
            assert a.recorded_at is None and a.siak_result_at is None
        if a.status == "duplicate":
            assert a.siak_note and a.siak_result_at
        if a.status in ("rejected", "cancelled"):
            last = a.siak_result_at or a.recorded_at or a.submitted_at
            assert last < a.closed_at < now and a.closed_by_id is not None
            assert bool(a.rejection_reason) == (a.status == "rejected")
            assert bool(a.cancel_reason) == (a.status == "cancelled")
        else:
            assert a.closed_at is None
    assert max(open_per_applicant.values()) == 1

    disruption = db.session.execute(sa.select(Disruption)).scalar_one()
    assert disruption.kind == "network" and disruption.ended_at is not None
    assert now - timedelta(days=14) < disruption.started_at < disruption.ended_at < now
    disrupted = [a for a in apps if a.disruption_id == disruption.id]
    assert disrupted and all(a.sla_hours == standard.sla_hours_disrupted for a in disrupted)

    receipt = db.session.execute(sa.select(BlankReceipt)).scalar_one()
    assert receipt.quantity == 500 and len(receipt.serial_first) == 10
    assert receipt.received_by.role == "printing_operator"

    complaints = db.session.execute(sa.select(Complaint)).scalars().all()
    channels = {c.channel for c in complaints}
    assert {"suggestion_box", "phone", "whatsapp", "email"} <= channels
    box = next(c for c in complaints if c.channel == "suggestion_box")
    assert box.complainant_name is None and box.contact is None
    assert all(c.received_by_id == recorder.id and c.received_at < now for c in complaints)


def snapshot_of_demo() -> list[tuple]:
    rows = db.session.execute(sa.select(
        Applicant.nik, Applicant.name, Applicant.kk_number, Applicant.village_code,
        Applicant.religion, Applicant.occupation).order_by(Applicant.id)).all()
    apps = db.session.execute(sa.select(
        Application.number, Application.status).order_by(Application.id)).all()
    return [tuple(r) for r in rows] + [tuple(a) for a in apps]


def test_generate_is_deterministic_with_a_seed(empty):
    first_logins = generate(applicants=40, seed=7)
    first = snapshot_of_demo()
    assert len([r for r in first if len(r) == 6]) >= 40
    db.session.remove()
    _empty_database()
    second_logins = generate(applicants=40, seed=7)
    assert snapshot_of_demo() == first
    # Same accounts, fresh passwords.
    assert [u for u, _, _ in first_logins] == [u for u, _, _ in second_logins]
    assert [p for _, _, p in first_logins] != [p for _, _, p in second_logins]


def test_demo_data_takes_a_seed(empty, runner):
    result = runner.invoke(args=["demo-data", "--applicants", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    seeded = snapshot_of_demo()
    db.session.remove()
    _empty_database()
    generate(applicants=40, seed=3)
    assert snapshot_of_demo() == seeded
    db.session.remove()
    _empty_database()
    generate(applicants=40)  # the fixed default seed
    assert snapshot_of_demo() != seeded


# --- user create -------------------------------------------------------------------

def test_user_create_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["user", "create", "rekam.hina", "--role", "recording_operator",
              "--name", "HINA KAHI NDAKULARAK"],
        input="sandi-rahasia-hina-2024\n")
    assert result.exit_code == 0, result.output
    assert "Created rekam.hina (recording_operator)" in result.output
    user = db.session.execute(
        sa.select(User).where(User.username == "rekam.hina")).scalar_one()
    assert user.full_name == "HINA KAHI NDAKULARAK"
    assert user.role == "recording_operator" and user.active
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("sandi-rahasia-hina-2024")
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "create", AuditEntry.object_id == str(user.id),
        AuditEntry.object_type == "user")).scalar_one()
    assert entry.user_id is None  # the command line, not a logged-in user
    assert "password_hash" not in (entry.changes or {})


# The command line speaks the office's default language: compare with the catalog.
@pytest.mark.parametrize(("username", "role", "password", "message"), [
    ("operator.baru", "recording_operator", "pendek",
     lambda: gettext("The password must be at least %(n)d characters long.", n=10)),
    ("operator.baru", "recording_operator", "OPERATOR.BARU",
     lambda: gettext("The password must not be the username.")),
    ("operator.baru", "bupati", "sandi-rahasia-panjang",
     lambda: "Invalid value for '--role'"),
    ("recording.operator", "printing_operator", "sandi-rahasia-panjang",
     lambda: gettext("Username %(u)s is already taken.", u="recording.operator")),
], ids=["short-password", "password-is-username", "unknown-role", "duplicate-username"])
def test_user_create_refusals(app, runner, username, role, password, message):
    before = counts()
    result = runner.invoke(
        args=["user", "create", username, "--role", role, "--name", "PEGAWAI BARU"],
        input=password + "\n")
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert message() in result.output
    assert counts() == before
    hashes = db.session.execute(
        sa.select(User.password_hash).where(User.username == username)).scalars().all()
    if username == "recording.operator":
        # The existing account is untouched.
        user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one()
        assert user.role == "recording_operator" and user.check_password(PASSWORD)
    else:
        assert hashes == []


# --- audit verify ------------------------------------------------------------------

def test_audit_verify_names_the_tampered_entry(app, runner, instance):
    for username in ("rekam.hina", "cetak.leba"):
        created = runner.invoke(
            args=["user", "create", username, "--role", "printing_operator", "--name",
                  username.upper()], input="sandi-rahasia-panjang\n")
        assert created.exit_code == 0, created.output
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output

    ids = db.session.execute(sa.select(AuditEntry.id).order_by(AuditEntry.id)).scalars().all()
    assert len(ids) >= 3
    target = ids[len(ids) // 2]
    db.session.execute(
        sa.text("UPDATE audit_entry SET changes = :changes WHERE id = :id").bindparams(
            sa.bindparam("changes", type_=sa.JSON)),
        {"changes": {"role": [None, "admin"]}, "id": target})
    db.session.commit()

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"entry {target}" in result.output
    assert "intact" not in result.output
