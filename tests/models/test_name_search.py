"""Name search as the counter types it (issue 11 item 1): any word or the start of one,
in any order, any case; nothing the user types reaches the word index as syntax; an
edited name is found by the new name only. Runs on SQLite (FTS5) and PostgreSQL (GIN
on the name's words)."""

from datetime import date

import pytest
import sqlalchemy as sa

from models import Applicant, db
from models.search import MAX_NAME_WORDS, name_matches, name_words, resident_matches
from tests.factories import make_applicant, nik_for

NAMES = ("RAMBU ANA TANGGU", "YOEL NGGAU HAMBA", "MARIANA NDAKU", "ANA-MARIA D'SOUZA",
         "UMBU NAI TANGGUNG", "PETRUS KAHI")


@pytest.fixture
def residents(app):
    people = {}
    for serial, name in enumerate(NAMES, start=1):
        nik = nik_for(date(1990, 8, 17), "2", serial)
        people[name] = make_applicant(nik=nik, name=name)
    return people


def found(query: str) -> set[str]:
    return set(db.session.execute(
        sa.select(Applicant.name).where(name_matches(query))).scalars())


def test_any_word_any_order_any_case_and_word_starts(residents):
    assert found("TANGGU") == {"RAMBU ANA TANGGU", "UMBU NAI TANGGUNG"}
    assert found("yoel nggau") == {"YOEL NGGAU HAMBA"}
    assert found("nggau YOEL") == {"YOEL NGGAU HAMBA"}
    assert found("RAMBU ANA TANGGU") == {"RAMBU ANA TANGGU"}
    assert found("ana ramb") == {"RAMBU ANA TANGGU"}
    assert found("tanggun") == {"UMBU NAI TANGGUNG"}
    assert found("  Rambu   tanggu ") == {"RAMBU ANA TANGGU"}
    # The punctuation SIAK allows cuts words, as it does in the stored names.
    assert found("souza") == {"ANA-MARIA D'SOUZA"}
    assert found("maria") == {"ANA-MARIA D'SOUZA", "MARIANA NDAKU"}  # a word start
    assert found("d'souza") == {"ANA-MARIA D'SOUZA"}
    assert found("\u2019souza ana") == {"ANA-MARIA D'SOUZA"}


def test_no_false_hits(residents):
    # "ANA" starts words of two names; inside MARIANA it is no word start.
    assert found("ana") == {"RAMBU ANA TANGGU", "ANA-MARIA D'SOUZA"}
    assert found("anggu") == set()  # inside TANGGU, not its start
    assert found("rambu yoel") == set()  # every word must match
    assert found("tanggux") == set()
    assert found("") == set()
    assert found("   ") == set()


@pytest.mark.parametrize("query", [
    '"', '""', '"rambu', "rambu\"*", "*", "* *", "rambu*", "NEAR(rambu ana)",
    "rambu NEAR ana", "rambu AND ana", "rambu OR yoel", "NOT yoel", "-yoel", "^rambu",
    "name:rambu", "(rambu", "rambu)", "{name}: rambu", "rambu & ana", "rambu | yoel",
    "!yoel", "rambu:*", "rambu:* & !ana", "<->", "\\", "%", "_", "'", "a" * 5000,
    "rambu\x00ana", "rambu\x07\x1b[31m", "\ud800rambu", "\ufffe", "RAMBU ANA " * 500,
])
def test_search_syntax_never_reaches_the_index(residents, query):
    result = found(query)  # never an error
    expected = {n for n in NAMES if all(
        any(w.startswith(q) for w in n.replace("-", " ").replace("'", " ").split())
        for q in name_words(query))} if name_words(query) else set()
    assert result == expected


def test_words_are_cleaned_and_capped():
    assert name_words('NEAR(rambu "ana")*') == ["NEAR", "RAMBU", "ANA"]
    assert name_words("a b c d e f g") == ["A", "B", "C", "D", "E"][:MAX_NAME_WORDS]
    assert name_words("ana ANA Ana") == ["ANA"]
    assert name_words("x" * 5000) == ["X" * 60]
    assert name_words("\x00\x01") == []


def test_an_edited_name_is_found_by_the_new_name_only(residents):
    person = residents["PETRUS KAHI"]
    person.name = "PAULUS MBORA"
    db.session.commit()
    assert found("petrus") == set()
    assert found("kahi") == set()
    assert found("paul mbo") == {"PAULUS MBORA"}
    db.session.delete(person)
    db.session.commit()
    assert found("paulus") == set()


def test_nik_and_kk_by_all_digits_or_their_start(residents):
    person = residents["YOEL NGGAU HAMBA"]
    person.kk_number = "5311012002150007"
    db.session.commit()

    def niks(term: str) -> set[str]:
        return set(db.session.execute(
            sa.select(Applicant.name).where(resident_matches(term))).scalars())

    assert niks(person.nik) == {"YOEL NGGAU HAMBA"}
    assert niks("5311012002150007") == {"YOEL NGGAU HAMBA"}
    assert niks("53110120021") == {"YOEL NGGAU HAMBA"}
    assert len(niks(person.nik[:15])) == len(NAMES)  # same birth date, serials 1-6
    assert len(niks("531101")) == len(NAMES)
    assert niks("9999") == set()
