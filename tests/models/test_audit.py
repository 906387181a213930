"""Issue 9, part B: every reading of personal data on record; a keyed chain that cannot
be shortened or recomputed quietly; anchors outside the table; NIKs masked."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import stat
import threading
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from admin.base import PERSONAL_DATA_ENTITIES, declared_routes
from models import AuditEntry, Complaint, PrintBatch, db
from models import audit as audit_model
from models.audit import (
    GENESIS_HASH,
    anchor_head,
    load_or_create_audit_key,
    mask_niks,
    read_anchors,
    record_now,
    verify,
    write_anchor,
)
from models.batches import confirm_card
from models.complaints import record_complaint
from models.permissions import allowed
from tests.factories import Auth, batch_with, intake_lookup, print_ready, receive, user_of

NIK_RUN = re.compile(r"(?<!\d)\d{16}(?!\d)")


@pytest.fixture
def anchors(app, tmp_path, monkeypatch):
    """This test's own anchor file, with the chain so far (the seed standard) anchored."""
    path = tmp_path / "audit_anchors.log"
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(path))
    anchor_head()
    return path


def _since(last_id: int, *actions: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.id > last_id, AuditEntry.action.in_(actions))
        .order_by(AuditEntry.id)).scalars())


def _last_id() -> int:
    return db.session.execute(sa.select(sa.func.max(AuditEntry.id))).scalar() or 0


def _no_full_nik(entry: AuditEntry) -> None:
    text = json.dumps(entry.changes, ensure_ascii=False) + (entry.object_id or "")
    assert not NIK_RUN.search(text), text


# ------------------------------------------------------------------ every read on record

class ReadWorld:
    """One resident through the whole journey: files, batch, card in custody,
    a complaint about the application."""

    def __init__(self, app: Any) -> None:
        receive(1, 10)
        (application,) = print_ready(app, 1)
        batch = batch_with([application])
        from models.batches import print_batch

        (card,) = print_batch(batch, user_of("printing_operator"))
        confirm_card(card, user_of("printing_operator"), True, storage_location="LEMARI A")
        complaint = Complaint(channel="phone", kind="complaint", subject="Kartu belum jadi",
                              body="Sudah dua hari.", application=application)
        record_complaint(complaint, user_of("recording_operator"))
        db.session.commit()
        self.nik = application.applicant.nik
        self.ids = {"applicant": application.applicant.id, "application": application.id,
                    "card": card.id, "print_batch": batch.id, "complaint": complaint.id}
        self.clients: dict[str, Auth] = {}

    def auth(self, app: Any, role: str) -> Auth:
        if role not in self.clients:
            auth = Auth(app.test_client())
            assert auth.login(role).status_code == 302
            self.clients[role] = auth
        return self.clients[role]


# GET routes on a personal entity that show no single resident's record: lists and
# searches (a page of many), blank create forms, the approval queue. Everything
# else that a GET can reach on a personal entity must leave a "read" entry.
NOT_A_READ = {
    "index_view": "a list page",
    "create_view": "an empty form",
    "queue.index": "the work queue (a list)",
    "custody.index": "the custody list",
    "pendingbatches.index": "the approval queue (a list)",
}
# Reads whose subject is the NIK looked up rather than a record id (posted, then shown
# by its opaque lookup key: tests.factories.intake_lookup).
VALUE_READS = {"intake.index"}
FILE_KINDS = ("kk_copy", "photo", "signature")


def _entity_of(view: Any, declared: tuple[str, str] | None) -> str:
    if declared and declared[0]:
        return declared[0]
    return getattr(view, "entity", "")


def personal_get_routes(app: Any) -> list[tuple[str, str, str]]:
    """(endpoint, url rule, entity) of every GET route of a personal entity, from the
    url map of the registered admin views (a new route is in this list at once)."""
    admin = app.extensions["admin"][0]
    views = {v.endpoint: v for v in admin._views}
    out = []
    for endpoint, url, methods, declared in declared_routes(admin):
        view = views[endpoint.split(".")[0]]
        entity = _entity_of(view, declared)
        name = endpoint.split(".", 1)[1]
        if "GET" not in methods.split(",") or entity not in PERSONAL_DATA_ENTITIES:
            continue
        if name in NOT_A_READ or endpoint in NOT_A_READ:
            continue
        out.append((endpoint, url, entity))
    return out


def _role_for(view: Any, name: str, entity: str, declared: tuple[str, str]) -> str | None:
    action = declared[1]
    roles = ("recording_operator", "printing_operator", "head_of_division", "secretary",
             "head_of_office")
    for role in roles:
        user = user_of(role)
        if action == "create|edit":
            if allowed(user, view.entity, "create") or allowed(user, view.entity, "edit"):
                return role
        elif allowed(user, declared[0], action):
            return role
    return None


def test_the_generated_read_routes_cover_the_known_reads(app) -> None:
    endpoints = {e for e, _url, _entity in personal_get_routes(app)}
    for expected in ("applicant.details_view", "application.details_view",
                     "application.file_view", "application.receipt_view",
                     "application.preview_view", "printbatch.manifest_view",
                     "printbatch.pdf_view", "custody.receipt_view", "custody.handover_view",
                     "card.details_view", "complaint.details_view", "intake.index",
                     "applicant.ajax_lookup", "applicant.export", "application.export"):
        assert expected in endpoints, expected


def test_every_read_of_personal_data_is_on_record(app) -> None:
    world = ReadWorld(app)
    admin = app.extensions["admin"][0]
    views = {v.endpoint: v for v in admin._views}
    routes = personal_get_routes(app)
    assert len(routes) >= 20
    declared = {e: d for e, _u, _m, d in declared_routes(admin)}
    unreachable: list[str] = []
    for endpoint, rule, entity in routes:
        view = views[endpoint.split(".")[0]]
        name = endpoint.split(".", 1)[1]
        role = _role_for(view, name, entity, declared[endpoint])
        if role is None:  # e.g. the edit form of a record no role edits
            unreachable.append(endpoint)
            continue
        auth = world.auth(app, role)
        kinds = FILE_KINDS if "<kind>" in rule else (None,)
        for kind in kinds:
            path = rule.replace("<export_type>", "csv").replace("<kind>", kind or "")
            if endpoint in VALUE_READS:
                query = ""
            elif name == "ajax_lookup":
                query = "?name=applicant&query=MARIA"
            elif name == "export":
                query = ""
            else:
                query = f"?id={world.ids[entity]}"
            since = _last_id()
            response = (intake_lookup(auth.client, world.nik) if endpoint in VALUE_READS
                        else auth.client.get(path + query))
            assert response.status_code not in (403, 500), (endpoint, response.status_code)
            action = "export" if name == "export" else "read"
            entries = _since(since, "read", "export")
            assert [e.action for e in entries] == [action], (endpoint, kind, entries)
            (entry,) = entries
            assert entry.username == Auth.username(role), endpoint
            assert entry.ip == "127.0.0.1", endpoint  # from where
            assert entry.object_type in PERSONAL_DATA_ENTITIES, endpoint  # what
            _no_full_nik(entry)
            if action == "read" and name != "ajax_lookup":
                # whose: the resident, by masked NIK
                assert mask_niks(world.nik) in entry.changes["subjects"], (endpoint, entry.changes)
                assert entry.changes["endpoint"] == endpoint
    assert all(e.endswith((".edit_view", ".ajax_lookup")) for e in unreachable), unreachable


def test_the_empty_intake_form_is_not_a_read(app, recording_operator) -> None:
    since = _last_id()
    assert recording_operator.client.get("/admin/intake/").status_code == 200
    assert _since(since, "read") == []


def test_a_route_that_forgets_nothing_a_new_view_route_is_audited(app) -> None:
    """The hook decides by declaration, not by a list of routes: a route declared
    ("application", "view") is a read wherever it is defined."""
    from admin.base import SecuredMixin, requires

    class Probe(SecuredMixin):
        entity = "application"

        @requires("application", "view")
        def new_document_view(self) -> None: ...

        @requires("application", "record")
        def step_view(self) -> None: ...

    with app.test_request_context("/x"):
        assert Probe().personal_read("new_document_view") == ("application", None)
        assert Probe().personal_read("step_view") is None


# ------------------------------------------------------------------ refused list action

def test_refused_list_action_is_an_audited_403(app, recording_operator) -> None:
    (application,) = print_ready(app, 1)
    url = "/admin/application/"
    since = _last_id()
    response = recording_operator.post(url + "action/", {
        "action": "application.add_to_batch", "rowid": str(application.id),
        "url": url}, token_from=url)
    assert response.status_code == 403
    (entry,) = _since(since, "forbidden")
    assert entry.username == "recording.operator"
    assert entry.object_type == "application"
    assert entry.changes["endpoint"] == "action_view:application.add_to_batch"
    assert db.session.execute(sa.select(sa.func.count(PrintBatch.id))).scalar() == 0
    db.session.refresh(application)
    assert application.status == "print_ready"


def test_allowed_list_action_still_runs(app, printing_operator) -> None:
    (application,) = print_ready(app, 1)
    url = "/admin/application/"
    response = printing_operator.post(url + "action/", {
        "action": "application.add_to_batch", "rowid": str(application.id),
        "url": url}, token_from=url)
    assert response.status_code == 302
    assert db.session.execute(sa.select(sa.func.count(PrintBatch.id))).scalar() == 1


# ------------------------------------------------------------------ NIKs masked

def test_mask_niks() -> None:
    assert mask_niks("/admin/intake/?nik=5311015708900001") == \
        "/admin/intake/?nik=531101******0001"
    assert mask_niks("a 12345678901234567 b") == "a 12345678901234567 b"  # 17 digits
    assert mask_niks("nik=5311015708900001&kk=5311010101100002") == \
        "nik=531101******0001&kk=531101******0002"


def test_nik_is_masked_in_the_access_log(app, caplog) -> None:
    nik = "5311015708900001"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.server_port}/login?nik={nik}"
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/login?nik=531101******0001" in line for line in lines), lines
    assert not any(nik in line for line in lines), lines


def test_nik_is_masked_in_the_stored_path_of_refusals_and_reads(app,
                                                                recording_operator) -> None:
    nik = "5311015708900001"
    printing_operator = Auth(app.test_client())
    assert printing_operator.login("printing_operator").status_code == 302
    since = _last_id()
    assert intake_lookup(printing_operator.client, nik).status_code == 403
    (refusal,) = _since(since, "forbidden")
    assert refusal.changes["path"] == "/admin/intake/lookup/"  # the NIK was posted
    assert refusal.changes["subjects"] == ["531101******0001"]  # whose, masked
    assert nik not in json.dumps(refusal.changes)
    # Flask-Admin's list search by NIK goes through the address: masked when stored.
    since = _last_id()
    assert printing_operator.client.get(f"/admin/user/?search={nik}").status_code == 403
    (refusal,) = _since(since, "forbidden")
    assert refusal.changes["path"] == "/admin/user/?search=531101******0001"
    since = _last_id()
    intake_lookup(recording_operator.client, nik)
    (read,) = _since(since, "read")
    assert read.changes["subjects"] == ["531101******0001"]
    assert nik not in json.dumps(read.changes)


# ------------------------------------------------------------------ the keyed chain

def _delete_rows(where: str, **params: Any) -> None:
    db.session.execute(sa.text(f"DELETE FROM audit_entry WHERE {where}"), params)
    db.session.commit()
    db.session.expunge_all()


def _entries(n: int) -> list[AuditEntry]:
    return [record_now(None, "test_event", object_type="test", object_id=i,
                       changes={"n": i}) for i in range(n)]


def test_entries_carry_an_hmac_under_a_key_outside_the_database(app, anchors) -> None:
    (entry,) = _entries(1)
    key = audit_model.audit_key()
    assert entry.hash == hmac.new(key, entry.payload().encode(), hashlib.sha256).hexdigest()
    assert entry.hash != hashlib.sha256(entry.payload().encode()).hexdigest()
    assert len(entry.hash) == 64 and len(entry.prev_hash) == 64
    # The key is nowhere in the database.
    dump = json.dumps([[str(v) for v in row] for row in db.session.execute(
        sa.text("SELECT * FROM audit_entry")).all()])
    assert key.decode() not in dump


def test_the_key_file_is_created_once_with_mode_0600(tmp_path) -> None:
    key = load_or_create_audit_key(tmp_path)
    path = tmp_path / "audit_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 64
    assert load_or_create_audit_key(tmp_path) == key


def test_audit_key_from_the_environment(app, monkeypatch, anchors) -> None:
    monkeypatch.setenv("AUDIT_KEY", "kunci-dari-lingkungan")
    assert audit_model.audit_key() == b"kunci-dari-lingkungan"


def test_verify_intact_exits_0_with_a_summary(app, runner, anchors) -> None:
    _entries(5)
    total = db.session.execute(sa.select(sa.func.count(AuditEntry.id))).scalar()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and f"{total} entries" in result.output
    assert "last anchor" in result.output


def test_deleting_the_last_20_entries_is_detected(app, runner, anchors) -> None:
    entries = _entries(30)
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 0
    last = entries[-1].id
    _delete_rows("id > :cut", cut=entries[-21].id)
    assert verify_chain_only_ok()  # what the old check saw: a valid, shorter chain
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {last}" in result.output and "missing" in result.output
    assert "tail" in result.output


def verify_chain_only_ok() -> bool:
    return audit_model.verify_chain() == (True, None)


def test_deleting_one_entry_and_rechaining_with_sha256_is_detected(app, runner,
                                                                   anchors) -> None:
    entries = _entries(10)
    victim = entries[4].id
    _delete_rows("id = :id", id=victim)
    # The attacker recomputes every later link and hash, without the key.
    later = list(db.session.execute(sa.select(AuditEntry).where(AuditEntry.id > victim)
                                    .order_by(AuditEntry.id)).scalars())
    prev = db.session.execute(sa.select(AuditEntry.hash).where(AuditEntry.id < victim)
                              .order_by(AuditEntry.id.desc()).limit(1)).scalar()
    for entry in later:
        db.session.expunge(entry)  # edited behind the ORM's back, as with raw SQL
        entry.prev_hash = prev
        new_hash = hashlib.sha256(entry.payload().encode()).hexdigest()
        db.session.execute(sa.text("UPDATE audit_entry SET prev_hash = :p, hash = :h "
                                   "WHERE id = :id"),
                           {"p": prev, "h": new_hash, "id": entry.id})
        prev = new_hash
    db.session.commit()
    db.session.expire_all()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {later[0].id}" in result.output


def test_an_edited_entry_is_named(app, runner, anchors) -> None:
    entries = _entries(6)
    target = entries[2].id
    db.session.execute(sa.text("UPDATE audit_entry SET username = 'orang.lain' WHERE id = :id"),
                       {"id": target})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"entry {target}" in result.output


def test_a_recomputed_anchored_entry_is_detected(app, runner, anchors) -> None:
    """Even a chain rebuilt under the key shows against an anchor of the old one."""
    ids = [e.id for e in _entries(3)]
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 0
    _delete_rows("id >= :id", id=ids[0])
    _entries(3)  # new entries (SQLite even reuses the ids)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {ids[-1]}" in result.output


# ------------------------------------------------------------------ anchors

def test_anchor_file_lines_and_cli(app, runner, anchors) -> None:
    entries = _entries(2)
    result = runner.invoke(args=["audit", "anchor"])
    assert result.exit_code == 0, result.output
    assert f"Anchored entry {entries[-1].id}" in result.output
    lines = anchors.read_text().splitlines()
    when, entry_id, entry_hash, mac = lines[-1].split(" ")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", when)
    assert int(entry_id) == entries[-1].id and entry_hash == entries[-1].hash
    assert re.fullmatch(r"[0-9a-f]{64}", mac)
    assert stat.S_IMODE(anchors.stat().st_mode) == 0o600
    assert [a.entry_id for a in read_anchors()][-1] == entries[-1].id


def test_an_altered_anchor_line_is_detected(app, runner, anchors) -> None:
    entries = _entries(2)
    runner.invoke(args=["audit", "anchor"])
    text = anchors.read_text()
    forged = text.replace(f" {entries[-1].id} ", f" {entries[0].id} ")
    anchors.write_text(forged)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "anchor line" in result.output


def test_an_empty_anchor_file_for_a_non_empty_log_is_detected(app, runner, anchors) -> None:
    _entries(2)
    anchors.write_text("")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "no anchor" in result.output


def test_first_append_of_the_office_day_anchors_automatically(app, anchors,
                                                              monkeypatch) -> None:
    anchors.write_text("")
    real_now = audit_model._real_now
    monkeypatch.setattr(audit_model, "_real_now", lambda: real_now() - timedelta(days=1))
    yesterday = anchor_head()
    monkeypatch.setattr(audit_model, "_real_now", real_now)
    assert len(anchors.read_text().splitlines()) == 1
    (first,) = _entries(1)  # the first append of today: anchored once committed
    lines = anchors.read_text().splitlines()
    assert len(lines) == 2 and f" {first.id} {first.hash} " in lines[-1]
    _entries(1)  # the same office day, within the hour: no new line
    assert len(anchors.read_text().splitlines()) == 2
    assert yesterday is not None and verify().ok


def test_a_rolled_back_entry_is_never_anchored(app, anchors) -> None:
    anchors.write_text("")
    audit_model.record(None, "test_event", object_type="test")
    db.session.rollback()
    assert anchors.read_text() == ""


def test_entries_from_before_the_key_stay_verifiable(app, anchors, runner) -> None:
    """No data migration: the first anchor on a chain begun with plain sha256 names
    its last sha256 entry; later entries are checked only with the HMAC."""
    _delete_rows("1 = 1")
    anchors.write_text("")
    prev = GENESIS_HASH
    for n in range(3):  # as the previous version wrote them
        entry = AuditEntry(at=audit_model.utcnow(), action="old_event", object_type="test",
                           object_id=str(n), changes={"n": n}, prev_hash=prev, hash="")
        entry.hash = hashlib.sha256(entry.payload().encode()).hexdigest()
        db.session.add(entry)
        db.session.flush()
        prev = entry.hash
    db.session.commit()
    old_last = entry.id
    (new,) = _entries(1)
    legacy = [a for a in read_anchors() if a.kind == "legacy"]
    assert [a.entry_id for a in legacy] == [old_last]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"up to {old_last}" in result.output
    # A later entry recomputed with plain sha256 is not accepted as "old".
    db.session.execute(sa.text("UPDATE audit_entry SET hash = :h WHERE id = :id"), {
        "h": hashlib.sha256(new.payload().encode()).hexdigest(), "id": new.id})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"entry {new.id}" in result.output


def test_concurrent_anchor_writes_keep_whole_lines(app, anchors) -> None:
    (entry,) = _entries(1)
    entry_id, entry_hash = entry.id, entry.hash  # plain values: no ORM access in threads

    def writer() -> None:
        with app.app_context():
            for _ in range(20):
                write_anchor(entry_id, entry_hash)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(read_anchors()) == 1 + 80  # every line whole, every HMAC valid


# ------------------------------------------------------------------ the audit list

def test_audit_list_speaks_the_office_language_and_shows_the_chain(app, secretary,
                                                                   anchors) -> None:
    (application,) = print_ready(app, 1)
    html = secretary.client.get("/admin/auditentry/").get_data(as_text=True)
    assert 'data-testid="chain-status"' in html and "alert-success" in html
    assert 'data-testid="last-anchor"' in html
    # The application is named by its receipt number, not "application 17".
    assert application.number in html
    assert "WITA" in html or re.search(r"\d\d-\d\d-\d{4} \d\d:\d\d", html)
    assert "[null, " not in html and '"status": [' not in html  # no raw JSON diffs
    # Before/after of an edit, readable.
    assert "audit-changes" in html


def test_audit_list_shows_where_the_chain_breaks(app, secretary, anchors) -> None:
    entries = _entries(3)
    db.session.execute(sa.text("UPDATE audit_entry SET username = 'x' WHERE id = :id"),
                       {"id": entries[1].id})
    db.session.commit()
    html = secretary.client.get("/admin/auditentry/").get_data(as_text=True)
    assert "alert-danger" in html
    assert str(entries[1].id) in html


def test_operators_do_not_see_the_audit_list(app, recording_operator) -> None:
    assert recording_operator.client.get("/admin/auditentry/").status_code == 403
