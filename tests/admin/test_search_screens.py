"""Each screen with a search box finds people as the counter types: any words of the
name in any order, NIK or KK (all digits or the first ones), receipt number (issue 11
item 1); odd input answers 200 with nothing broken."""

from __future__ import annotations

import re

import pytest

from models import db
from models.batches import confirm_card, print_batch
from tests.factories import batch_with, print_ready, receive, user_of

NAMES = ("RAMBU ANA TANGGU", "YOEL NGGAU HAMBA", "MARIA TANGGU")
KKS = ("5311011203100001", "5311022503110002", "5311030101120003")


@pytest.fixture
def people(app):
    """Three print-ready applications, renamed (the word index follows the edit), with
    their cards printed and kept in custody."""
    receive(100, 5)
    applications = print_ready(app, 3)
    for application, name, kk in zip(applications, NAMES, KKS, strict=True):
        application.applicant.name = name
        application.applicant.kk_number = kk
    db.session.commit()
    operator = user_of("printing_operator")
    for card in print_batch(batch_with(applications), operator):
        confirm_card(card, operator, True, storage_location="LEMARI A")
    return applications


def shown(client, url: str, search: str, people: list) -> set[str]:
    """Which of the three residents the screen lists for `search`: by NIK on the
    applicant list, by receipt number on the others (the search box's own echo left
    out)."""
    response = client.get(url, query_string={"search": search, "q": search})
    assert response.status_code == 200, (url, search)
    html = re.sub(r"<input[^>]*>|=\"[^\"]*\"", "", response.get_data(as_text=True))
    return {a.applicant.name for a in people
            if (a.applicant.nik if url == "/admin/applicant/" else a.number) in html}


SCREENS = ("/admin/applicant/", "/admin/application/", "/admin/card/", "/admin/custody/")


@pytest.mark.parametrize("url", SCREENS)
def test_each_screen_searches_by_word_nik_kk_and_receipt(people, printing_operator, url):
    rambu, yoel, maria = people

    def found(search: str) -> set[str]:
        return shown(printing_operator.client, url, search, people)

    everyone = set(NAMES)
    assert found("") == everyone
    assert found("TANGGU") == {"RAMBU ANA TANGGU", "MARIA TANGGU"}
    assert found("yoel nggau") == {"YOEL NGGAU HAMBA"}
    assert found("ana ramb") == {"RAMBU ANA TANGGU"}
    assert found("tanggu maria") == {"MARIA TANGGU"}
    assert found("UMBU") == set()  # the name before the edit
    assert found(yoel.applicant.nik) == {"YOEL NGGAU HAMBA"}
    assert found(rambu.applicant.nik[:6]) == everyone
    assert found(KKS[2]) == {"MARIA TANGGU"}
    assert found(KKS[1][:8]) == {"YOEL NGGAU HAMBA"}
    if url != "/admin/applicant/":  # residents have no receipt number
        assert found(maria.number) == {"MARIA TANGGU"}
        assert found(maria.number.lower()) == {"MARIA TANGGU"}
        assert found(maria.number[4:]) == {"MARIA TANGGU"}  # without KTP-
        assert found(maria.number[:10]) == everyone  # KTP-YYMMDD
        assert found(f"{maria.number} tanggu") == {"MARIA TANGGU"}
        assert found(f"{maria.number} yoel") == set()
    else:
        assert found(maria.number) == set()


@pytest.mark.parametrize("search", [
    '"', '"rambu', "*", "NEAR(rambu ana)", "rambu AND ana", "(rambu", "rambu:* & !ana",
    "%", "_", "\\", "a" * 5000, "rambu\x07ana", "KTP-%", "KTP-999999-9999",
    "99999999999999999999999", "\u0661\u0662\u0663",
])
def test_odd_searches_answer_in_order(people, printing_operator, search):
    for url in SCREENS:
        response = printing_operator.client.get(url, query_string={"search": search,
                                                                   "q": search})
        assert response.status_code == 200, (url, search)


def test_a_searched_list_is_a_lookup_on_record(people, recording_operator) -> None:
    """A list searched on a personal entity is audited as a reading with the masked
    search; a NIK names the resident, so their processing history lists it; the bare
    list (what the screen shows everyone of the role) is no lookup."""
    import sqlalchemy as sa

    from models import AuditEntry
    from models.processing_history import entry_ids

    resident = people[0].applicant
    client = recording_operator.client

    def reads_after(call) -> list[AuditEntry]:
        before = db.session.execute(sa.select(sa.func.max(AuditEntry.id))).scalar() or 0
        assert call().status_code == 200
        return list(db.session.execute(sa.select(AuditEntry).where(
            AuditEntry.id > before, AuditEntry.action == "read")).scalars())

    assert reads_after(lambda: client.get("/admin/applicant/")) == []
    [by_nik] = reads_after(lambda: client.get("/admin/applicant/",
                                              query_string={"search": resident.nik}))
    assert by_nik.object_type == "applicant"
    assert resident.nik not in str(by_nik.changes)
    assert by_nik.changes["search"] == resident.nik[:6] + "******" + resident.nik[-4:]
    concerning = {row[0] for row in db.session.execute(sa.select(entry_ids(resident)))}
    assert by_nik.id in concerning
    [by_name] = reads_after(lambda: client.get("/admin/application/",
                                               query_string={"search": "tanggu"}))
    assert (by_name.object_type, by_name.changes["search"]) == ("application", "tanggu")


def test_an_audited_reading_does_not_read_the_user_again(people, recording_operator) -> None:
    """The reading's entry is committed without expiring what the request had loaded:
    the signed-in user is read once per request (by the login), not again after the
    audit commit (audit.record_reading)."""
    from sqlalchemy import event

    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = recording_operator.client.get(
            "/admin/applicant/", query_string={"search": people[0].applicant.nik})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 200
    user_reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")
                  and ('FROM "user"' in s or "FROM user " in s)]
    assert len(user_reads) == 1, user_reads
