"""The satisfaction survey (SKM, Permenpan RB 14/2017): after the handover the resident
answers the nine service elements on the 1-4 scale, once per handover, through the QR
code on the handover receipt or the kiosk at the counter. An answer is tied to its card
(one each) but no screen shows it with a name.

The figures: per element the average score (NRR), the index IKM = sum(NRR_i x 1/9) x 25
and its grade, for any period, computed from SQL aggregates on submitted_at.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit
from .cards import Card
from .db import Model, db
from .errors import DomainError
from .office_time import utcnow
from .permissions import require
from .transitions import JustProcessed, atomic

# The nine elements in the regulation's order, U1..U9.
ELEMENTS: tuple[str, ...] = (
    "requirements",
    "procedure",
    "time",
    "fee",
    "product",
    "staff_competence",
    "staff_conduct",
    "facilities",
    "complaint_handling",
)

ELEMENT_LABELS: dict[str, LazyString] = {
    "requirements": _l("Requirements"),
    "procedure": _l("Systems, mechanisms and procedures"),
    "time": _l("Completion time"),
    "fee": _l("Fees/charges"),
    "product": _l("Service product"),
    "staff_competence": _l("Staff competence"),
    "staff_conduct": _l("Staff conduct"),
    "facilities": _l("Facilities and infrastructure"),
    "complaint_handling": _l("Handling of complaints, suggestions and input"),
}

# The question put to the resident for each element.
ELEMENT_QUESTIONS: dict[str, LazyString] = {
    "requirements": _l("How well do the service's requirements match the kind of "
                       "service?"),
    "procedure": _l("How easy is the service procedure at this office?"),
    "time": _l("How fast is the time taken to provide the service?"),
    "fee": _l("How reasonable are the fees/charges of the service?"),
    "product": _l("How well do the service products in the service standard match the "
                  "result you were given?"),
    "staff_competence": _l("How competent/able are the staff in providing the service?"),
    "staff_conduct": _l("How do you judge the staff's conduct in terms of courtesy and "
                        "friendliness?"),
    "facilities": _l("How do you judge the quality of the facilities and "
                     "infrastructure?"),
    "complaint_handling": _l("How do you judge the handling of complaints from service "
                             "users?"),
}

# The four answers per element (scores 1..4), in the regulation's wording.
_MATCH = (_l("Not appropriate"), _l("Less appropriate"), _l("Appropriate"),
          _l("Very appropriate"))
ANSWER_LABELS: dict[str, tuple[LazyString, ...]] = {
    "requirements": _MATCH,
    "procedure": (_l("Not easy"), _l("Less easy"), _l("Easy"), _l("Very easy")),
    "time": (_l("Not fast"), _l("Less fast"), _l("Fast"), _l("Very fast")),
    # The KTP-el is free of charge: the regulation's answer 4 is "Gratis" here.
    "fee": (_l("Very expensive"), _l("Rather expensive"), _l("Cheap"), _l("Free of charge")),
    "product": _MATCH,
    "staff_competence": (_l("Not competent"), _l("Less competent"), _l("Competent"),
                         _l("Very competent")),
    "staff_conduct": (_l("Not courteous and friendly"), _l("Less courteous and friendly"),
                      _l("Courteous and friendly"), _l("Very courteous and friendly")),
    "facilities": (_l("Poor"), _l("Adequate"), _l("Good"), _l("Very good")),
    "complaint_handling": (_l("Not available"), _l("Available but not working"),
                           _l("Working but not fully"), _l("Handled well")),
}

SCORES = (1, 2, 3, 4)
CHANNELS = ("qr", "kiosk")
MAX_SUGGESTION = 500

# Grades (the regulation's intervals on the index rounded to two decimals).
GRADES: tuple[tuple[Decimal, str], ...] = (
    (Decimal("88.31"), "A"),
    (Decimal("76.61"), "B"),
    (Decimal("65.00"), "C"),
    (Decimal("25.00"), "D"),
)
# The quality of service each grade stands for (the regulation's "mutu pelayanan").
GRADE_LABELS = {"A": _l("Very good"), "B": _l("Good"), "C": _l("Not quite good"),
                "D": _l("Not good")}
TWO_PLACES = Decimal("0.01")


class SurveyResponse(Model):
    """One resident's answer for one handover (card); shown to no one by name."""

    __tablename__ = "survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("card.id"), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(sa.String(8), default="qr")
    requirements: Mapped[int] = mapped_column(sa.SmallInteger)
    procedure: Mapped[int] = mapped_column(sa.SmallInteger)
    time: Mapped[int] = mapped_column(sa.SmallInteger)
    fee: Mapped[int] = mapped_column(sa.SmallInteger)
    product: Mapped[int] = mapped_column(sa.SmallInteger)
    staff_competence: Mapped[int] = mapped_column(sa.SmallInteger)
    staff_conduct: Mapped[int] = mapped_column(sa.SmallInteger)
    facilities: Mapped[int] = mapped_column(sa.SmallInteger)
    complaint_handling: Mapped[int] = mapped_column(sa.SmallInteger)
    suggestion: Mapped[str | None] = mapped_column(sa.String(MAX_SUGGESTION))

    card = relationship("Card")

    __table_args__ = (
        *(sa.CheckConstraint(f"{e} BETWEEN 1 AND 4", name=f"{e}_score") for e in ELEMENTS),
        sa.CheckConstraint("channel IN ('qr', 'kiosk')", name="channel"),
    )

    def __str__(self) -> str:
        return f"SKM #{self.id}"


# ---------------------------------------------------------------- the survey code
#
# SKM-<card id in base 32>-<8 characters of HMAC>: derived, not stored, so a reprinted
# receipt carries the same code. The HMAC covers the card's (random) verification code
# too, so only this office can make one and only for a card that was handed over.
# Crockford's base 32: no I, L, O, U, so what a person types is hard to misread.

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})
PREFIX = "SKM"
SIGNATURE_LENGTH = 8
MAX_CODE_LENGTH = 32
CODE_PATTERN = re.compile(r"^[0-9A-Z]{9,24}$")


def _b32(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, 32)
        out = ALPHABET[digit] + out
        if number == 0:
            return out


def _signature(secret: str, card_id: int, verification_code: str) -> str:
    digest = hmac.new(secret.encode(), f"survey:{card_id}:{verification_code}".encode(),
                      hashlib.sha256).digest()
    value = int.from_bytes(digest[:5], "big")  # 40 bits = 8 characters
    return _b32(value).rjust(SIGNATURE_LENGTH, "0")


def survey_code(card: Card, secret: str) -> str:
    """The code printed on the handover receipt (QR and typed at the kiosk)."""
    if card.status != "handed_over" or not card.verification_code:
        raise DomainError(_l("Only a card that has been handed over has a survey code."))
    signature = _signature(secret, card.id, card.verification_code)
    return f"{PREFIX}-{_b32(card.id)}-{signature[:4]}-{signature[4:]}"


def normalize_code(code: str | None) -> str | None:
    """What a person typed, as the code's characters: case, spaces and hyphens do not
    matter, O/I/L read as 0/1. None for anything that cannot be a code."""
    text = (code or "")[:MAX_CODE_LENGTH + 1]
    if len(text) > MAX_CODE_LENGTH:
        return None
    text = re.sub(r"[\s-]", "", text).upper().translate(_TYPO)
    return text if CODE_PATTERN.match(text) else None


def _decode(text: str) -> int | None:
    number = 0
    for char in text:
        position = ALPHABET.find(char)
        if position < 0:
            return None
        number = number * 32 + position
    return number


def card_for_code(code: str | None, secret: str) -> Card | None:
    """The handed-over card a survey code stands for, or None (malformed, forged,
    unknown, or a card no longer handed over)."""
    text = normalize_code(code)
    if text is None:
        return None
    candidates = [text]
    if text.startswith(PREFIX):  # typed with or without the SKM prefix
        candidates.insert(0, text[len(PREFIX):])
    for candidate in candidates:
        body, signature = candidate[:-SIGNATURE_LENGTH], candidate[-SIGNATURE_LENGTH:]
        if not body or len(body) > 8:
            continue
        card_id = _decode(body)
        if card_id is None or card_id > 2**31 - 1:
            continue
        card = db.session.get(Card, card_id)
        if card is None or card.status != "handed_over" or not card.verification_code:
            continue
        if hmac.compare_digest(_signature(secret, card.id, card.verification_code),
                               signature):
            return card
    return None


# ---------------------------------------------------------------- answering

ALREADY_ANSWERED = _l("The survey for this card has already been answered. Thank you.")
UNKNOWN_CODE = _l("This survey code is not valid. Check the code on your handover "
                  "receipt.")


def already_answered(card: Card) -> bool:
    return db.session.execute(
        sa.select(SurveyResponse.id).where(SurveyResponse.card_id == card.id)
    ).first() is not None


def _check_scores(scores: Mapping[str, Any]) -> dict[str, int]:
    checked: dict[str, int] = {}
    for element in ELEMENTS:
        value = scores.get(element)
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 1:
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or value not in SCORES:
            raise DomainError(_l("Choose one of the four answers."), field=element)
        checked[element] = value
    return checked


def clean_suggestion(text: str | None) -> str | None:
    """The optional suggestion as plain text, at most MAX_SUGGESTION characters."""
    lines = [" ".join(line.split()) for line in (text or "").strip().splitlines()]
    cleaned = "\n".join(lines)
    if not cleaned:
        return None
    if len(cleaned) > MAX_SUGGESTION:
        raise DomainError(_l("At most %(n)d characters.", n=MAX_SUGGESTION),
                          field="suggestion")
    if "<" in cleaned or ">" in cleaned or any(ord(c) < 32 and c != "\n" for c in cleaned):
        raise DomainError(_l("Write plain text, without HTML tags (< >)."),
                          field="suggestion")
    return cleaned


def submit_response(code: str | None, scores: Mapping[str, Any], *, secret: str,
                    suggestion: str | None = None, channel: str = "qr") -> SurveyResponse:
    """Record the resident's answer for the handover `code` stands for. A resident has
    no account: the code is the authority. One answer per handover: a second one, or
    two at the same moment, is refused (the unique card_id decides the race)."""
    card = card_for_code(code, secret)
    if card is None:
        raise DomainError(UNKNOWN_CODE, field="code")
    if channel not in CHANNELS:
        raise DomainError(_l("Unknown survey channel."))
    checked = _check_scores(scores)
    text = clean_suggestion(suggestion)
    if already_answered(card):
        raise DomainError(ALREADY_ANSWERED, field="code")
    response = SurveyResponse(card_id=card.id, submitted_at=utcnow(), channel=channel,
                              suggestion=text, **checked)
    try:
        with atomic():
            db.session.add(response)
            db.session.flush()
            # No scores in the log: the entry only says that an answer came in.
            audit.record(None, "create", response, username="resident")
    except sa.exc.IntegrityError as exc:
        # Checked above, so only a second answer at the same moment gets here.
        raise JustProcessed(ALREADY_ANSWERED, field="code") from exc
    return response


# ---------------------------------------------------------------- the figures


@dataclass(frozen=True)
class SurveySummary:
    """The SKM figures of one period. NRR and the index are unrounded; only
    index_rounded (two decimals, the number reported) is rounded, at the very end."""

    respondents: int
    nrr: dict[str, Decimal]
    index: Decimal | None
    index_rounded: Decimal | None
    grade: str | None


def grade_of(index: Decimal) -> str:
    """The grade of an index: A 88.31-100, B 76.61-88.30, C 65.00-76.60, D 25.00-64.99
    (the regulation's intervals are in two decimals, so the index is rounded first)."""
    rounded = Decimal(index).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    if not Decimal("25.00") <= rounded <= Decimal("100.00"):
        raise ValueError(f"an SKM index lies between 25 and 100, not {index}")
    for floor, grade in GRADES:
        if rounded >= floor:
            return grade
    raise AssertionError("unreachable")  # pragma: no cover


def summary(start_utc: datetime, end_utc: datetime) -> SurveySummary:
    """Respondents, NRR per element, IKM and grade of the answers submitted in
    [start_utc, end_utc). One SQL aggregate (COUNT and SUM per element on the
    submitted_at index); the division is done in Decimal, so nothing is rounded early.

    Weight: exactly 1/9 per element (the regulation's tables print 0.111, a rounding
    of 1/9 that would cap a perfect score at 99.9): IKM = sum(NRR_i) / 9 x 25.
    """
    row = db.session.execute(
        sa.select(sa.func.count(SurveyResponse.id),
                  *(sa.func.coalesce(sa.func.sum(getattr(SurveyResponse, e)), 0)
                    for e in ELEMENTS))
        .where(SurveyResponse.submitted_at >= start_utc,
               SurveyResponse.submitted_at < end_utc)
    ).one()
    respondents = int(row[0])
    if respondents == 0:
        return SurveySummary(0, {}, None, None, None)
    sums = [Decimal(int(value)) for value in row[1:]]
    count = Decimal(respondents)
    nrr = {element: total / count for element, total in zip(ELEMENTS, sums, strict=True)}
    # From the sums, not from the (already divided) NRRs: one division, exact to 28
    # significant digits.
    index = sum(sums, Decimal(0)) * 25 / (9 * count)
    rounded = index.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    return SurveySummary(respondents, nrr, index, rounded, grade_of(rounded))


MAX_LISTED_SUGGESTIONS = 100


def suggestions(actor: Any, start_utc: datetime, end_utc: datetime,
                limit: int = MAX_LISTED_SUGGESTIONS) -> list[str]:
    """The residents' suggestions of the period, newest first, as text alone: no date,
    time or channel, which could be matched against the day's handovers to a name."""
    require(actor, "survey_response", "view")
    return [text for text in db.session.execute(
        sa.select(SurveyResponse.suggestion)
        .where(SurveyResponse.submitted_at >= start_utc, SurveyResponse.submitted_at < end_utc,
               SurveyResponse.suggestion.is_not(None))
        .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())
        .limit(limit)).scalars() if text]


__all__ = [
    "ELEMENTS",
    "ELEMENT_LABELS",
    "SurveyResponse",
    "SurveySummary",
    "card_for_code",
    "grade_of",
    "submit_response",
    "suggestions",
    "summary",
    "survey_code",
]
