"""Finding residents as the counter searches: by any word of the name or its start, in
any order, and by NIK, KK or receipt number, exactly or by their first digits.

Names are found through a word index, never through '%term%':
- SQLite: an FTS5 table over applicant.name (external content: it stores only the
  index, the names stay in `applicant`), kept in step by three triggers. Each word
  typed becomes a prefix query `"WORD"*`; the words are letters and digits only, so
  nothing the user types is FTS syntax (quotes, *, NEAR, AND, parentheses...).
- PostgreSQL: a GIN index on to_tsvector('simple', name) (ix_applicant_name_words)
  and a prefix tsquery `word:* & word:*`. Chosen over the pg_trgm index that also
  exists: trigrams match inside words ("ANA" would find "MARIANA"), need three
  characters before the index helps and turn each extra word into another ILIKE; the
  word index answers "a word starting with" exactly, for any length, and keeps
  statistics per word, so for a word every tenth resident carries the planner walks
  the newest rows and stops at the page instead of fetching every match.
Both cut the name at the same characters (space and the ' . , - SIAK allows), so both
databases find the same residents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .db import db
from .residents import NAME_WORDS_SQL, Applicant
from .validation import NAME_TRANSLATION, clean_search

# Terms of one search box that are read; more are ignored.
MAX_TERMS = 8
# Words of one name search that reach the index; more are ignored.
MAX_NAME_WORDS = 5
# No name word is longer than a name.
MAX_WORD_LENGTH = 60
FTS_TABLE = "applicant_name_fts"

_WORD = re.compile(r"[A-Z0-9]+")

# The SQLite word index. IF NOT EXISTS: the tests drop and create the tables again, and
# an FTS table is not part of the models' metadata (drop_all leaves it).
SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "name, content='applicant', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON applicant BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, name) VALUES (new.id, new.name); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON applicant BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name) VALUES ('delete', old.id, old.name); "
    "END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF name ON applicant BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name) VALUES ('delete', old.id, old.name); "
    f"INSERT INTO {FTS_TABLE}(rowid, name) VALUES (new.id, new.name); END",
)


def _create_sqlite_index(target: Any, connection: Any, **_kw: Any) -> None:
    if connection.dialect.name != "sqlite":
        return
    for statement in SQLITE_DDL:
        connection.exec_driver_sql(statement)
    # Names already in the table (a table created empty has none; cheap then).
    connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


# db.create_all() (tests, `flask init-db` on a fresh file) gets the index too; the
# migration 0009 creates the same objects with `flask db upgrade`.
sa.event.listen(Applicant.__table__, "after_create", _create_sqlite_index)


def name_words(query: str | None) -> list[str]:
    """The words of a name search as the index holds them: capitals and digits, cut at
    anything else, each at most MAX_WORD_LENGTH long, repeats dropped, at most
    MAX_NAME_WORDS of them."""
    text = clean_search(query, max_length=MAX_NAME_WORDS * (MAX_WORD_LENGTH + 1))
    words: list[str] = []
    for word in _WORD.findall(text.translate(NAME_TRANSLATION).upper()):
        word = word[:MAX_WORD_LENGTH]
        if word not in words:
            words.append(word)
        if len(words) == MAX_NAME_WORDS:
            break
    return words


def name_matches(query: str | None) -> sa.ColumnElement[bool]:
    """Applicants whose name has, for every word typed, a word starting with it (any
    order, any case). Nothing to search for matches nobody."""
    words = name_words(query)
    if not words:
        return sa.false()
    if db.session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(f"{word.lower()}:*" for word in words)
        # The index's own expression (its plan), the column named for subqueries.
        words_sql = NAME_WORDS_SQL.replace("(name::", "(applicant.name::")
        return sa.literal_column(words_sql).op("@@")(
            sa.func.to_tsquery(sa.literal_column("'simple'"), tsquery))
    match = " ".join(f'"{word}"*' for word in words)
    matching: sa.Select[Any] = sa.select(sa.literal_column("rowid")).select_from(
        sa.table(FTS_TABLE)).where(sa.literal_column(FTS_TABLE).op("MATCH")(match))
    return Applicant.id.in_(matching)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def starts_with(column: Any, prefix: str) -> sa.ColumnElement[bool]:
    """`column` starts with `prefix`, as a range the b-tree index walks (LIKE alone
    would scan on PostgreSQL unless the column has a text_pattern_ops index)."""
    prefix = clean_search(prefix)
    if not prefix:
        return sa.false()
    like = column.like(escape_like(prefix) + "%", escape="\\")
    last = ord(prefix[-1])
    if last >= 0x10FFFF or 0xD7FF <= last < 0xE000:  # no next character to bound with
        return sa.and_(column >= prefix, like)
    upper = prefix[:-1] + chr(last + 1)
    return sa.and_(column >= prefix, column < upper, like)


def number_matches(column: Any, digits: str, full_length: int = 16) -> sa.ColumnElement[bool]:
    """A NIK or KK number: equal when all its digits are typed, else by its start."""
    return (column == digits) if len(digits) == full_length else starts_with(column, digits)


def resident_matches(term: str) -> sa.ColumnElement[bool]:
    """One digit group of a search: the resident's NIK or KK number (exact or start)."""
    return sa.or_(number_matches(Applicant.nik, term),
                  number_matches(Applicant.kk_number, term))


def is_number(term: str) -> bool:
    return term.isascii() and term.isdigit()


# ------------------------------------------------------------- one search box per screen
# A receipt number as printed (KTP-261124-0001) or without its prefix (261124-0001).
_RECEIPT = re.compile(r"(?:KTP-?)?([0-9]{6}-[0-9]{0,4})|KTP-?[0-9]{0,6}")


def receipt_prefix(term: str) -> str | None:
    """The start of a receipt number `term` is, or None when it is no receipt number."""
    term = term.upper()
    match = _RECEIPT.fullmatch(term)
    if match is None:
        return None
    if match.group(1) is not None:
        return "KTP-" + match.group(1)
    digits = term[3:].lstrip("-")
    return "KTP-" + digits if digits else "KTP-"


@dataclass(frozen=True)
class Terms:
    """A search split the way the counter means it: digit groups (NIK, KK, blank serial),
    receipt numbers, and name words."""

    numbers: tuple[str, ...]
    receipts: tuple[str, ...]
    words: str

    @property
    def empty(self) -> bool:
        return not (self.numbers or self.receipts or self.words)


def split_terms(query: str | None) -> Terms:
    numbers: list[str] = []
    receipts: list[str] = []
    words: list[str] = []
    for term in clean_search(query).split()[:MAX_TERMS]:
        receipt = receipt_prefix(term)
        if is_number(term):
            numbers.append(term[:16])
        elif receipt is not None:
            receipts.append(receipt)
        elif name_words(term):  # a "%" or "*" alone searches for nothing: dropped
            words.append(term)
    return Terms(tuple(numbers), tuple(receipts), " ".join(words))


def _all(conditions: list[Any]) -> list[Any]:
    return conditions or [sa.false()]


def applicant_conditions(query: str | None) -> list[Any]:
    """The applicant list: NIK or KK (all digits or their start) and name words."""
    terms = split_terms(query)
    conditions: list[Any] = [resident_matches(n) for n in terms.numbers]
    if terms.receipts:  # a resident has no receipt number: no resident matches
        conditions.append(sa.false())
    if terms.words:
        conditions.append(name_matches(terms.words))
    return conditions if not terms.empty else []


def _residents(conditions: list[Any]) -> Any:
    return sa.select(Applicant.id).where(*conditions)


def application_conditions(query: str | None) -> list[Any]:
    """The application list: receipt number, and the resident's NIK, KK or name."""
    from .applications import Application

    terms = split_terms(query)
    if terms.empty:
        return []
    conditions: list[Any] = [starts_with(Application.number, r) for r in terms.receipts]
    resident = [resident_matches(n) for n in terms.numbers]
    if terms.words:
        resident.append(name_matches(terms.words))
    if resident:
        conditions.append(Application.applicant_id.in_(_residents(resident)))
    return _all(conditions)


def card_conditions(query: str | None) -> list[Any]:
    """Cards (the list and custody): blank serial or the resident's NIK/KK (digits),
    receipt number, name words."""
    from .applications import Application
    from .blanks import Blank
    from .cards import Card

    terms = split_terms(query)
    if terms.empty:
        return []
    conditions: list[Any] = []
    for number in terms.numbers:
        conditions.append(sa.or_(
            Card.blank_id.in_(sa.select(Blank.id).where(starts_with(Blank.serial, number))),
            Card.application_id.in_(sa.select(Application.id).where(
                Application.applicant_id.in_(_residents([resident_matches(number)]))))))
    for receipt in terms.receipts:
        conditions.append(Card.application_id.in_(
            sa.select(Application.id).where(starts_with(Application.number, receipt))))
    if terms.words:
        conditions.append(Card.application_id.in_(sa.select(Application.id).where(
            Application.applicant_id.in_(_residents([name_matches(terms.words)])))))
    return _all(conditions)
