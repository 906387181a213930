"""The satisfaction survey (SKM, Permenpan RB 14/2017): the survey code, one answer per
handover, the refusals, the index and its grade (rounded only at the end), the race."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa

from models import AuditEntry, Card, DomainError, PermissionDenied, db
from models.batches import confirm_card, print_batch
from models.cards import hand_over
from models.office_time import simulated, utcnow
from models.survey import (
    ELEMENT_LABELS,
    ELEMENTS,
    SurveyResponse,
    card_for_code,
    grade_of,
    normalize_code,
    submit_response,
    suggestions,
    summary,
    survey_code,
)
from tests.factories import batch_with, print_ready, receive, user_of
from tests.race_helpers import race

SECRET = "test-secret"
ALL_GOOD = dict.fromkeys(ELEMENTS, 4)


def handed_over_cards(app, n: int, secret: str = SECRET, start_serial: int = 1) -> list[Card]:
    """n cards printed in one batch, put in custody and handed over."""
    receive(900 + start_serial * 10, n)
    printer = user_of("printing_operator")
    cards = print_batch(batch_with(print_ready(app, n, start_serial=start_serial)), printer)
    for card in cards:
        confirm_card(card, printer, True, storage_location="LEMARI S")
        hand_over(card, printer, receiver_name="RAMBU HAPU", relation="self",
                  id_checked=True, authority_letter=False, secret=secret)
    return cards


def stored() -> int:
    return db.session.execute(sa.select(sa.func.count(SurveyResponse.id))).scalar_one()


# ------------------------------------------------------------------ the code


def test_the_code_opens_its_card_however_it_is_typed(app):
    card, other = handed_over_cards(app, 2)
    code = survey_code(card, SECRET)
    assert code.startswith("SKM-") and len(code) <= 20
    assert card_for_code(code, SECRET) == card
    bare = code.replace("-", "")
    for typed in (code.lower(), f"  {bare[:6]} {bare[6:]} ", bare[3:],
                  code.replace("0", "O").replace("1", "I")):
        assert card_for_code(typed, SECRET) == card, typed
    assert survey_code(other, SECRET) != code
    # Another office's key, a changed character, another card's id: nothing.
    assert card_for_code(code, "another-secret") is None
    last = code[-1]
    assert card_for_code(code[:-1] + ("A" if last != "A" else "B"), SECRET) is None
    assert card_for_code(code.replace(code.split("-")[1], survey_code(other, SECRET)
                                      .split("-")[1], 1), SECRET) is None
    for bad in ("", None, "SKM", "<script>alert(1)</script>", "A" * 300, "SKM-ZZZZZZZZZZ-"
                "AAAA-AAAA", "../../etc/passwd", "SKM-\x00-AAAA-AAAA"):
        assert card_for_code(bad, SECRET) is None, bad
    assert normalize_code("A" * 300) is None


def test_only_a_handed_over_card_has_a_code(app):
    receive(800, 1)
    printer = user_of("printing_operator")
    card = print_batch(batch_with(print_ready(app, 1)), printer)[0]
    with pytest.raises(DomainError):
        survey_code(card, SECRET)


# ------------------------------------------------------------------ answering


def test_one_answer_per_handover(app):
    (card,) = handed_over_cards(app, 1)
    code = survey_code(card, SECRET)
    response = submit_response(code, {e: str(3) for e in ELEMENTS}, secret=SECRET,
                               suggestion="  Ruang  tunggu\n  panas ", channel="kiosk")
    assert response.card_id == card.id and response.channel == "kiosk"
    assert [getattr(response, e) for e in ELEMENTS] == [3] * 9
    assert response.suggestion == "Ruang tunggu\npanas"
    assert response.submitted_at <= utcnow()
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.object_type == "survey_response")).scalar_one()
    # The log says an answer came in, not what it said nor whose it was.
    assert entry.user_id is None and not entry.changes
    with pytest.raises(DomainError) as refused:
        submit_response(code, ALL_GOOD, secret=SECRET)
    assert "sudah diisi" in str(refused.value.message)
    assert stored() == 1


OUT_OF_SCALE = [
    ({**ALL_GOOD, "fee": 0}, "fee"),
    ({**ALL_GOOD, "time": 5}, "time"),
    ({**ALL_GOOD, "product": "sangat"}, "product"),
    ({**ALL_GOOD, "facilities": "3.5"}, "facilities"),
    ({**ALL_GOOD, "staff_conduct": True}, "staff_conduct"),
    ({**ALL_GOOD, "procedure": None}, "procedure"),
    ({k: v for k, v in ALL_GOOD.items() if k != "complaint_handling"}, "complaint_handling"),
]


def test_scores_out_of_the_scale_are_refused(app):
    (card,) = handed_over_cards(app, 1)
    for scores, field in OUT_OF_SCALE:
        with pytest.raises(DomainError) as refused:
            submit_response(survey_code(card, SECRET), scores, secret=SECRET)
        assert refused.value.field == field, field
        assert "empat jawaban" in str(refused.value.message)
    assert stored() == 0


def test_bad_codes_and_suggestions_are_refused(app):
    (card,) = handed_over_cards(app, 1)
    code = survey_code(card, SECRET)
    for bad in ("SKM-1-AAAA-AAAA", "nonsense", "", code + "X"):
        with pytest.raises(DomainError) as refused:
            submit_response(bad, ALL_GOOD, secret=SECRET)
        assert refused.value.field == "code" and "tidak berlaku" in str(refused.value.message)
    for text, message in (("x" * 501, "500"), ("<script>alert(1)</script>", "tag HTML"),
                          ("ok\x00", "tag HTML")):
        with pytest.raises(DomainError) as refused:
            submit_response(code, ALL_GOOD, secret=SECRET, suggestion=text)
        assert refused.value.field == "suggestion" and message in str(refused.value.message)
    with pytest.raises(DomainError):
        submit_response(code, ALL_GOOD, secret=SECRET, channel="email")
    assert stored() == 0


def test_two_answers_at_the_same_moment(app):
    (card,) = handed_over_cards(app, 1)
    code = survey_code(card, SECRET)

    def prepare():
        return code

    def answer(score):
        def act(seen):
            return submit_response(seen, dict.fromkeys(ELEMENTS, score), secret=SECRET).id
        return act

    outcomes = race(app, (prepare, answer(4)), (prepare, answer(1)))
    assert sum(o.ok for o in outcomes) == 1, [o.error for o in outcomes]
    (loser,) = [o for o in outcomes if not o.ok]
    assert isinstance(loser.error, DomainError) and "sudah diisi" in loser.message
    assert stored() == 1
    assert db.session.execute(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "survey_response")).scalar_one() == 1


# ------------------------------------------------------------------ the figures


@pytest.mark.parametrize("index, grade", [
    ("100", "A"), ("88.31", "A"), ("88.305", "A"), ("88.30", "B"), ("88.304999", "B"),
    ("76.61", "B"), ("76.60", "C"), ("65.00", "C"), ("64.995", "C"), ("64.99", "D"),
    ("25.00", "D"),
])
def test_grade_boundaries(index, grade):
    assert grade_of(Decimal(index)) == grade


def test_no_index_outside_the_scale():
    for index in ("24.99", "100.01", "0"):
        with pytest.raises(ValueError):
            grade_of(Decimal(index))


def test_the_index_is_rounded_only_at_the_end(app):
    """Hand-worked: eight respondents. U1: six answer 3, two answer 2 (sum 22, NRR 2.75);
    U2..U9: five answer 4, three answer 3 (sum 29, NRR 29/8 = 3.625).

    At the end: sum NRR = (22 + 8 x 29) / 8 = 254/8 = 31.75; IKM = 31.75 / 9 x 25
    = 88.1944... -> 88.19, grade B.
    Rounding each NRR first: 2.75 + 8 x 3.63 = 31.79; 31.79 / 9 x 25 = 88.3055... ->
    88.31, grade A: the early rounding would lift the office a grade."""
    cards = handed_over_cards(app, 8)
    for i, card in enumerate(cards):
        scores = {e: 4 if i < 5 else 3 for e in ELEMENTS}
        scores["requirements"] = 3 if i < 6 else 2
        submit_response(survey_code(card, SECRET), scores, secret=SECRET)
    start, end = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)

    result = summary(start, end)
    assert result.respondents == 8
    assert result.nrr["requirements"] == Decimal("2.75")
    assert all(result.nrr[e] == Decimal("3.625") for e in ELEMENTS[1:])
    assert result.index_rounded == Decimal("88.19") and result.grade == "B"
    assert abs(result.index - Decimal(6350) / Decimal(72)) < Decimal("1e-20")

    two = Decimal("0.01")
    early = sum((v.quantize(two, ROUND_HALF_UP) for v in result.nrr.values()), Decimal(0))
    early_index = (early / 9 * 25).quantize(two, ROUND_HALF_UP)
    assert early_index == Decimal("88.31") and grade_of(early_index) == "A"


def test_summary_counts_only_its_period_in_one_query(app):
    cards = handed_over_cards(app, 3)
    day = datetime(2026, 11, 30, 16, 0)  # 01-12-2026 00:00 WITA
    moments = (day - timedelta(seconds=1), day, day + timedelta(days=1))
    for card, at, score in zip(cards, moments, (1, 2, 4), strict=True):
        with simulated(lambda at=at: at):
            submit_response(survey_code(card, SECRET), dict.fromkeys(ELEMENTS, score),
                            secret=SECRET)
    statements: list[str] = []

    def count(conn, cursor, statement, *rest):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        december = summary(day, day + timedelta(days=31))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "sum(" in statements[0].lower()
    assert december.respondents == 2
    assert december.nrr == dict.fromkeys(ELEMENTS, Decimal(3))
    assert december.index_rounded == Decimal("75.00") and december.grade == "C"
    empty = summary(day + timedelta(days=40), day + timedelta(days=50))
    assert empty == type(empty)(0, {}, None, None, None)
    perfect = summary(day + timedelta(days=1), day + timedelta(days=2))
    # Weight 1/9, not 0.111: a perfect score is 100.
    assert perfect.index_rounded == Decimal("100.00") and perfect.grade == "A"


def test_every_element_has_a_label():
    assert len(ELEMENTS) == 9 and set(ELEMENT_LABELS) == set(ELEMENTS)


def test_suggestions_are_bare_text_for_the_oversight_roles(app):
    first, second, third = handed_over_cards(app, 3)
    for card, text in ((first, "Kursi kurang"), (second, None), (third, "Ruang panas")):
        submit_response(survey_code(card, SECRET), ALL_GOOD, secret=SECRET, suggestion=text)
    start, end = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
    assert suggestions(user_of("secretary"), start, end) == ["Ruang panas", "Kursi kurang"]
    assert suggestions(user_of("head_of_office"), start, end, limit=1) == ["Ruang panas"]
    with pytest.raises(PermissionDenied):
        suggestions(user_of("recording_operator"), start, end)
