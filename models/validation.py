"""Validation of resident data (NIK, KK number, name, RT/RW, village, phone).

Pure functions: they take plain values, return the normalised value (or a NikInfo) and
raise InvalidValue with a translatable message. Forms wrap them; services and imports
call them directly.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from stdnum.exceptions import InvalidComponent, ValidationError
from stdnum.id import nik as stdnum_nik

from . import wilayah
from .codes import FEMALE, MALE, SEX
from .office_time import format_date, office_today

NAME_MAX_LENGTH = 60
# SIAK accepts capitals, space, apostrophe, full stop, comma and hyphen in names.
NAME_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ '.,-")
# Phones and word processors turn the apostrophe into a typographic one.
NAME_TRANSLATION = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})

_DIGITS = re.compile(r"[0-9]+")
_VILLAGE_CODE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}|[0-9]{10}")
# Database ids are INTEGER (32-bit on PostgreSQL): anything larger is no record.
MAX_ID = 2**31 - 1
# A search is a few words: longer input is cut, never sent to the database whole.
MAX_SEARCH_LENGTH = 100
# Characters no text the office types contains: C0/C1 controls (tab and line breaks
# aside), lone surrogates, and the Unicode non-characters (U+FDD0..U+FDEF, U+xFFFE/F).
_UNSTORABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}"
              for plane in range(17))
    + "]")


def is_ascii_digits(value: object) -> bool:
    """Only the digits 0-9 (str.isdigit() also takes Arabic-Indic and other digits)."""
    return isinstance(value, str) and bool(_DIGITS.fullmatch(value))


def ascii_digits(value: str | None, limit: int = 32) -> str:
    """The digits 0-9 in `value`, at most `limit` of them; other characters dropped."""
    return "".join(ch for ch in (value or "") if "0" <= ch <= "9")[:limit]


def parse_id(value: object) -> int | None:
    """A record id as sent in a URL or form (1 to MAX_ID, digits 0-9 only), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not text or len(text) > 10 or not is_ascii_digits(text):
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ID else None


def unstorable_characters(text: str | None) -> list[str]:
    """The control characters, surrogates and non-characters in `text`, each once."""
    return list(dict.fromkeys(_UNSTORABLE.findall(text or "")))


def replace_unstorable(text: str, replacement: str = "\ufffd") -> str:
    """`text` with each control character, surrogate and non-character replaced."""
    return _UNSTORABLE.sub(replacement, text)


def clean_search(text: str | None, max_length: int = MAX_SEARCH_LENGTH) -> str:
    """A search term as it may reach the database: unstorable characters replaced by
    a space, white space collapsed, at most `max_length` characters."""
    return " ".join(_UNSTORABLE.sub(" ", text or "").split())[:max_length].strip()


def check_lengths(obj: Any) -> None:
    """Every text column of a mapped record within its maximum: String(n)'s n, or a
    Text column's info["max_length"]. SQLite does not enforce String(n) and PostgreSQL
    answers a longer value with an error, so the model says it first (DomainError on
    the field, nothing stored)."""
    from sqlalchemy import inspect as sa_inspect

    from .errors import DomainError

    for attr in sa_inspect(type(obj)).column_attrs:
        column = attr.columns[0]
        limit = column.info.get("max_length") or getattr(column.type, "length", None)
        value = getattr(obj, attr.key, None)
        if limit and isinstance(value, str) and len(value) > limit:
            raise DomainError(_l("At most %(n)d characters.", n=limit), field=attr.key)


class InvalidValue(ValueError):
    """A value that fails validation; `message` is a translatable string."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class NikInfo:
    """What a valid NIK encodes."""

    nik: str  # compact: 16 digits
    birth_date: date
    sex: str  # codes.SEX: "1" male, "2" female
    district_code: str  # dotted, e.g. "53.11.01"
    district_name: str | None  # None when the code is not in the area data
    warnings: list[Any] = field(default_factory=list)


def _today(today: date | None) -> date:
    return today if today is not None else office_today()


def _as_date(d: date) -> date:
    # datetime is a subclass of date but cannot be compared with one.
    return d.date() if isinstance(d, datetime) else d


def _quoted(chars: Iterable[str]) -> str:
    """Distinct characters in order of appearance, quoted, for an error message."""
    # Invisible characters (tabs, no-break spaces) are named by code point instead.
    return ", ".join(
        f'"{c}"' if c.isprintable() and not c.isspace() else f"U+{ord(c):04X}"
        for c in dict.fromkeys(chars)
    )


def _real_dates(day: int, month: int, yy: int) -> list[date]:
    """Existing dates DD-MM-19YY and DD-MM-20YY (leap years differ only at 00)."""
    found = []
    for century in (1900, 2000):
        try:
            found.append(date(century + yy, month, day))
        except ValueError:
            pass
    return found


def _check_16_digits(value: str, is_nik: bool) -> None:
    """Checks shared by NIK and KK number; separate msgids keep translations natural."""
    if not value:
        raise InvalidValue(
            _l("NIK is required.") if is_nik else _l("KK number is required.")
        )
    if not _DIGITS.fullmatch(value):
        chars = _quoted(c for c in value if not ("0" <= c <= "9"))
        raise InvalidValue(
            _l("NIK must contain only digits; found: %(chars)s.", chars=chars)
            if is_nik
            else _l(
                "KK number must contain only digits; found: %(chars)s.", chars=chars
            )
        )
    if len(value) != 16:
        raise InvalidValue(
            _l("NIK must be exactly 16 digits (%(count)d entered).", count=len(value))
            if is_nik
            else _l(
                "KK number must be exactly 16 digits (%(count)d entered).",
                count=len(value),
            )
        )
    if not wilayah.province_exists(value[:2]):
        raise InvalidValue(
            _l(
                "The NIK starts with %(code)s, which is not an Indonesian "
                "province code.",
                code=value[:2],
            )
            if is_nik
            else _l(
                "The KK number starts with %(code)s, which is not an Indonesian "
                "province code.",
                code=value[:2],
            )
        )
    if value[12:] == "0000":
        raise InvalidValue(
            _l("The last four digits of the NIK (the serial number) cannot be 0000.")
            if is_nik
            else _l(
                "The last four digits of the KK number (the serial number) "
                "cannot be 0000."
            )
        )


def check_nik(
    nik: str,
    birth_date: date | None = None,
    sex: str | None = None,
    today: date | None = None,
) -> NikInfo:
    """Validate a NIK, optionally against the birth date and sex entered on the form.

    Raises InvalidValue; an unknown district is returned in NikInfo.warnings because
    a NIK keeps the code of a district that may since have been split or renumbered.
    """
    today = _today(today)
    value = stdnum_nik.compact(nik or "")
    _check_16_digits(value, is_nik=True)

    raw_day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    if not (1 <= raw_day <= 31 or 41 <= raw_day <= 71):
        raise InvalidValue(
            _l(
                "Digits 7-8 of the NIK (%(day)s) must be the day of birth: "
                "01-31 for a man, 41-71 for a woman (day + 40).",
                day=value[6:8],
            )
        )
    if not 1 <= month <= 12:
        raise InvalidValue(
            _l(
                "Digits 9-10 of the NIK (%(month)s) must be the month of birth, 01-12.",
                month=value[8:10],
            )
        )
    day = raw_day - 40 if raw_day > 40 else raw_day
    nik_date = f"{day:02d}-{value[8:10]}-{value[10:12]}"
    candidates = _real_dates(day, month, yy)
    if not candidates:
        raise InvalidValue(
            _l(
                "The birth date in the NIK (%(nik_date)s) is not a real calendar date.",
                nik_date=nik_date,
            )
        )

    # stdnum is the reference; its date rules are a subset of the ones above, so an
    # InvalidComponent here comes from its registration-place table, which lacks newer
    # provinces (e.g. 65 Kalimantan Utara): our area data decides instead.
    try:
        stdnum_nik.validate(value)
    except InvalidComponent:
        pass
    except ValidationError as exc:  # pragma: no cover - our checks are stricter
        raise InvalidValue(_l("The NIK is not valid.")) from exc
    # stdnum guesses 19YY first (wrong for anyone born after 1999): take its day and
    # month, and choose the century ourselves.
    encoded = stdnum_nik.get_birth_date(value)
    day, month = encoded.day, encoded.month

    if birth_date is not None:
        birth_date = _as_date(birth_date)
        if birth_date > today:
            raise InvalidValue(
                _l(
                    "The birth date entered (%(date)s) is in the future.",
                    date=format_date(birth_date),
                )
            )
        # Compare two-digit years: the NIK does not encode the century.
        entered = (birth_date.day, birth_date.month, birth_date.year % 100)
        if entered != (day, month, yy):
            raise InvalidValue(
                _l(
                    "The birth date in the NIK (%(nik_date)s) does not match the birth "
                    "date entered (%(date)s).",
                    nik_date=nik_date,
                    date=format_date(birth_date),
                )
            )
        resolved = birth_date
    else:
        # The most recent century that does not put the birth in the future.
        past = [d for d in candidates if d <= today]
        if not past:
            raise InvalidValue(
                _l(
                    "The birth date in the NIK (%(nik_date)s) is in the future.",
                    nik_date=nik_date,
                )
            )
        resolved = max(past)

    nik_sex = FEMALE if raw_day > 40 else MALE
    if sex not in (None, ""):
        if sex not in dict(SEX):
            raise InvalidValue(_l("Unknown sex code: %(code)s.", code=sex))
        if sex != nik_sex:
            if nik_sex == FEMALE:
                msg = _l(
                    "The NIK is a woman's (40 is added to the day of birth: "
                    "%(day)s), but the sex entered is male.",
                    day=value[6:8],
                )
            else:
                msg = _l(
                    "The NIK is a man's (the day of birth %(day)s has no 40 added), "
                    "but the sex entered is female.",
                    day=value[6:8],
                )
            raise InvalidValue(msg)

    code6 = value[:6]
    name = wilayah.district_name(code6)
    district_code = f"{code6[:2]}.{code6[2:4]}.{code6[4:6]}"
    warnings: list[Any] = []
    if name is None:
        warnings.append(
            _l(
                "The district code of the NIK (%(code)s) is not in the current area "
                "list. It may be an old code: check the NIK against the family "
                "card (KK).",
                code=district_code,
            )
        )
    return NikInfo(
        nik=value,
        birth_date=resolved,
        sex=nik_sex,
        district_code=district_code,
        district_name=name,
        warnings=warnings,
    )


def check_kk_number(kk: str, today: date | None = None) -> str:
    """Validate a family card (KK) number; return it compact (16 digits)."""
    today = _today(today)
    value = stdnum_nik.compact(kk or "")
    _check_16_digits(value, is_nik=False)
    day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    # KK numbers in this form are not a century old: a year not yet reached is a typing
    # error, not 19YY. Leap years agree between 19YY and 20YY except for 00, where 2000
    # is chosen anyway.
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    try:
        issued = date(year, month, day)
    except ValueError:
        raise InvalidValue(
            _l(
                "Digits 7-12 of the KK number (%(issue)s) must be its issue date "
                "DDMMYY, and that is not a real calendar date.",
                issue=f"{value[6:8]}-{value[8:10]}-{value[10:12]}",
            )
        ) from None
    if issued > today:
        raise InvalidValue(
            _l(
                "The issue date in the KK number (%(date)s) is in the future.",
                date=format_date(issued),
            )
        )
    return value


def check_name(name: str) -> str:
    """Normalise a name (single spaces, capitals) and check it against SIAK's rules."""
    value = " ".join((name or "").split()).translate(NAME_TRANSLATION).upper()
    if not value:
        raise InvalidValue(_l("The name is required."))
    if any(c not in NAME_ALLOWED for c in value):
        raise InvalidValue(
            _l(
                "The name contains characters that are not allowed: %(chars)s. "
                "Use only letters A-Z, spaces and the punctuation ' . , -",
                chars=_quoted(c for c in value if c not in NAME_ALLOWED),
            )
        )
    if not any(c.isalpha() for c in value):
        raise InvalidValue(_l("The name must contain at least one letter."))
    if len(value) > NAME_MAX_LENGTH:
        raise InvalidValue(
            _l(
                "The name is %(count)d characters long; at most %(max)d are allowed.",
                count=len(value),
                max=NAME_MAX_LENGTH,
            )
        )
    return value


def check_rt_rw(value: str) -> str:
    """Validate an RT or RW number; return it zero-padded ("7" -> "007")."""
    text = (value or "").strip()
    if not re.fullmatch(r"[0-9]{1,3}", text):
        raise InvalidValue(_l("RT/RW must be a number of 1 to 3 digits."))
    padded = text.zfill(3)
    if padded == "000":
        raise InvalidValue(_l("RT/RW cannot be 000."))
    return padded


def check_village_code(code: str) -> str:
    """Check that `code` is a village of Kabupaten Sumba Timur; return it dotted."""
    text = (code or "").strip()
    if not text:
        raise InvalidValue(_l("The village (desa/kelurahan) is required."))
    found = wilayah.village(text) if _VILLAGE_CODE.fullmatch(text) else None
    if found is None:
        raise InvalidValue(
            _l(
                "%(code)s is not a village (desa/kelurahan) of Kabupaten Sumba Timur.",
                code=text,
            )
        )
    return found.code


def check_not_future(d: date, today: date | None = None) -> date:
    """Return `d` unless it lies after today."""
    if _as_date(d) > _today(today):
        raise InvalidValue(_l("The date %(date)s is in the future.", date=format_date(d)))
    return d


def check_phone(value: str | None) -> str | None:
    """Normalise an optional Indonesian phone number to a leading 0; None if empty."""
    text = re.sub(r"[\s().-]", "", value or "")
    if not text:
        return None
    if text.startswith("+62"):
        text = "0" + text[3:]
    elif text.startswith("62"):
        # A domestic number always starts with 0, so a leading 62 is the country code.
        text = "0" + text[2:]
    elif text.startswith("+"):
        raise InvalidValue(_l("Only Indonesian phone numbers (+62) are accepted."))
    if not _DIGITS.fullmatch(text):
        raise InvalidValue(
            _l(
                "The phone number may contain only digits, spaces, dashes and "
                "a leading +62."
            )
        )
    if not text.startswith("0") or text.startswith("00"):
        raise InvalidValue(_l("An Indonesian phone number starts with 0 or +62."))
    if not 8 <= len(text) <= 15:
        raise InvalidValue(
            _l(
                "The phone number must have 8 to 15 digits (%(count)d entered).",
                count=len(text),
            )
        )
    return text
