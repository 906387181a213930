"""Validation rules (DESIGN §4), SIAK code lists and area lookups: no app needed."""

from dataclasses import FrozenInstanceError
from datetime import date, datetime

import pytest

from models import codes, wilayah
from models.validation import (
    InvalidValue,
    NikInfo,
    check_kk_number,
    check_name,
    check_nik,
    check_not_future,
    check_phone,
    check_rt_rw,
    check_village_code,
)

# A fixed "today" keeps the century and future-date cases stable over time.
TODAY = date(2025, 11, 24)
M, F = codes.MALE, codes.FEMALE


# --- NIK: accepted ----------------------------------------------------------------

GOOD_NIKS = [
    # (nik, birth_date entered, sex entered, expected birth date, sex, district name)
    pytest.param(
        "5311011708450001",
        None,
        None,
        date(1945, 8, 17),
        M,
        "Kota Waingapu",
        id="sumba-timur-man",
    ),
    pytest.param(
        "5311015708450001",
        None,
        None,
        date(1945, 8, 17),
        F,
        "Kota Waingapu",
        id="woman-day-plus-40",
    ),
    pytest.param(
        "5311164101900003",
        date(1990, 1, 1),
        F,
        date(1990, 1, 1),
        F,
        "Kambera",
        id="woman-day-41-is-1st",
    ),
    pytest.param(
        "5311027101850002",
        None,
        F,
        date(1985, 1, 31),
        F,
        "Haharu",
        id="woman-day-71-is-31st",
    ),
    pytest.param(
        "5311033101850002",
        None,
        M,
        date(1985, 1, 31),
        M,
        "Lewa",
        id="man-day-31",
    ),
    pytest.param(
        "5311012902960001",
        None,
        None,
        date(1996, 2, 29),
        M,
        "Kota Waingapu",
        id="leap-day-in-leap-year-1996",
    ),
    pytest.param(
        "5311016902040001",
        date(2004, 2, 29),
        F,
        date(2004, 2, 29),
        F,
        "Kota Waingapu",
        id="woman-leap-day-2004",
    ),
    pytest.param(
        "5311012902000001",
        None,
        None,
        date(2000, 2, 29),
        M,
        "Kota Waingapu",
        id="leap-day-2000-not-1900",
    ),
    pytest.param(
        "5311010103080001",
        None,
        None,
        date(2008, 3, 1),
        M,
        "Kota Waingapu",
        id="born-after-2000-not-1908",
    ),
    pytest.param(
        "5311010101150001",
        date(1915, 1, 1),
        M,
        date(1915, 1, 1),
        M,
        "Kota Waingapu",
        id="born-1915-century-from-birth-date",
    ),
    pytest.param(
        "5311010101150001",
        None,
        None,
        date(2015, 1, 1),
        M,
        "Kota Waingapu",
        id="yy-15-without-birth-date-is-2015",
    ),
    pytest.param(
        "5311010112250001",
        None,
        None,
        date(1925, 12, 1),
        M,
        "Kota Waingapu",
        id="yy-25-later-this-year-is-1925",
    ),
    pytest.param(
        "5311016411250001",
        date(2025, 11, 24),
        F,
        date(2025, 11, 24),
        F,
        "Kota Waingapu",
        id="born-today",
    ),
    pytest.param(
        "5311 0117 0845 0001",
        None,
        None,
        date(1945, 8, 17),
        M,
        "Kota Waingapu",
        id="spaces-stripped",
    ),
    pytest.param(
        "53.11.01.170845.0001",
        None,
        None,
        date(1945, 8, 17),
        M,
        "Kota Waingapu",
        id="dots-stripped",
    ),
    pytest.param(
        " 5311-01-170845-0001 ",
        None,
        None,
        date(1945, 8, 17),
        M,
        "Kota Waingapu",
        id="dashes-and-outer-spaces-stripped",
    ),
    pytest.param(
        "5311220505909999",
        date(1990, 5, 5),
        M,
        date(1990, 5, 5),
        M,
        "Mahu",
        id="last-sumba-timur-district-serial-9999",
    ),
    pytest.param(
        "3171011708450001",
        date(1945, 8, 17),
        M,
        date(1945, 8, 17),
        M,
        "Gambir",
        id="jakarta-stdnum-example",
    ),
    pytest.param(
        "6501011708450001",
        None,
        None,
        date(1945, 8, 17),
        M,
        "Tanjung Palas",
        id="province-65-unknown-to-stdnum",
    ),
    pytest.param(
        "9601014203010001",
        None,
        F,
        date(2001, 3, 2),
        F,
        "Makbon",
        id="province-96-papua-barat-daya",
    ),
    pytest.param(
        "5311011708450001",
        datetime(1945, 8, 17, 8, 0),
        "",
        date(1945, 8, 17),
        M,
        "Kota Waingapu",
        id="datetime-birth-date-and-empty-sex",
    ),
]


@pytest.mark.parametrize(
    ("nik", "birth_date", "sex", "expected_date", "expected_sex", "district"), GOOD_NIKS
)
def test_nik_accepted(nik, birth_date, sex, expected_date, expected_sex, district):
    info = check_nik(nik, birth_date=birth_date, sex=sex, today=TODAY)
    assert isinstance(info, NikInfo)
    assert len(info.nik) == 16 and info.nik.isdigit()
    assert info.birth_date == expected_date
    assert type(info.birth_date) is date
    assert info.sex == expected_sex
    assert info.district_name == district
    assert info.warnings == []


@pytest.mark.parametrize(
    ("nik", "district_code"),
    [
        pytest.param("5311991708450001", "53.11.99", id="unknown-district-of-53.11"),
        pytest.param("5399011708450001", "53.99.01", id="unknown-regency-of-ntt"),
        pytest.param("5311235708450001", "53.11.23", id="district-23-of-sumba-timur"),
    ],
)
def test_nik_unknown_district_is_only_a_warning(nik, district_code):
    info = check_nik(nik, today=TODAY)
    assert info.district_code == district_code
    assert info.district_name is None
    assert len(info.warnings) == 1
    assert district_code in str(info.warnings[0])


def test_nik_info_fields():
    info = check_nik("5311 0157 0845 0001", today=TODAY)
    assert info == NikInfo(
        nik="5311015708450001",
        birth_date=date(1945, 8, 17),
        sex="2",
        district_code="53.11.01",
        district_name="Kota Waingapu",
        warnings=[],
    )
    with pytest.raises(FrozenInstanceError):
        info.sex = "1"  # type: ignore[misc]


# --- NIK: refused -----------------------------------------------------------------

BAD_NIKS = [
    # (nik, birth_date entered, sex entered, today, words expected in the message)
    pytest.param("", None, None, TODAY, "required", id="empty"),
    pytest.param(None, None, None, TODAY, "required", id="none"),
    pytest.param("531101170845001", None, None, TODAY, "16 digits (15", id="15-digits"),
    pytest.param(
        "53110117084500011", None, None, TODAY, "16 digits (17", id="17-digits"
    ),
    pytest.param("53110117O8450001", None, None, TODAY, '"O"', id="letter-o-for-zero"),
    pytest.param("ABCDEFGHIJKLMNOP", None, None, TODAY, "only digits", id="letters"),
    pytest.param(
        "53110117\t08450001", None, None, TODAY, "U+0009", id="inner-tab-named"
    ),
    pytest.param(
        "5311\u0661708450001x", None, None, TODAY, "only digits", id="arabic-digit"
    ),
    pytest.param("9911011708450001", None, None, TODAY, "99", id="province-99"),
    pytest.param("0011011708450001", None, None, TODAY, "province", id="province-00"),
    pytest.param("2011011708450001", None, None, TODAY, "province", id="province-20"),
    pytest.param("5311011708450000", None, None, TODAY, "0000", id="serial-0000"),
    pytest.param("5311010001850001", None, None, TODAY, "(00)", id="day-00"),
    pytest.param("5311013201850001", None, None, TODAY, "(32)", id="day-32"),
    pytest.param("5311014001850001", None, None, TODAY, "(40)", id="day-40"),
    pytest.param("5311017201850001", None, None, TODAY, "(72)", id="woman-day-72"),
    pytest.param("5311018101850001", None, None, TODAY, "(81)", id="day-81"),
    pytest.param("5311011513850001", None, None, TODAY, "(13)", id="month-13"),
    pytest.param("5311011500850001", None, None, TODAY, "(00)", id="month-00"),
    pytest.param(
        "5311013104850001",
        None,
        None,
        TODAY,
        "not a real calendar date",
        id="31-april",
    ),
    pytest.param(
        "5311017104850001",
        None,
        None,
        TODAY,
        "not a real calendar date",
        id="woman-31-april",
    ),
    pytest.param(
        "5311012902970001", None, None, TODAY, "29-02-97", id="leap-day-non-leap-1997"
    ),
    pytest.param(
        "5311016902970001",
        None,
        None,
        TODAY,
        "29-02-97",
        id="woman-leap-day-non-leap-1997",
    ),
    pytest.param("5311013002000001", None, None, TODAY, "30-02-00", id="30-february"),
    pytest.param(
        "5311011708450001",
        date(1945, 8, 18),
        None,
        TODAY,
        "does not match",
        id="birth-date-day-mismatch",
    ),
    pytest.param(
        "5311011708450001",
        date(1945, 9, 17),
        None,
        TODAY,
        "does not match",
        id="birth-date-month-mismatch",
    ),
    pytest.param(
        "5311011708450001",
        date(1946, 8, 17),
        None,
        TODAY,
        "17-08-45",
        id="birth-date-year-mismatch",
    ),
    pytest.param(
        "5311015708450001",
        date(1945, 8, 18),
        F,
        TODAY,
        "18-08-1945",
        id="woman-birth-date-mismatch-names-entered-date",
    ),
    pytest.param(
        "5311011708450001",
        None,
        F,
        TODAY,
        "sex entered is female",
        id="man-nik-entered-female",
    ),
    pytest.param(
        "5311015708450001",
        None,
        M,
        TODAY,
        "sex entered is male",
        id="woman-nik-entered-male",
    ),
    pytest.param(
        "5311011708450001", None, "3", TODAY, "Unknown sex code", id="sex-code-3"
    ),
    pytest.param(
        "5311010112250001",
        date(2025, 12, 1),
        None,
        TODAY,
        "in the future",
        id="future-birth-date-entered",
    ),
    pytest.param(
        "5311012511250001",
        date(2025, 11, 25),
        M,
        TODAY,
        "25-11-2025",
        id="born-tomorrow-entered",
    ),
    pytest.param(
        "5311012902000001",
        None,
        None,
        date(1999, 6, 1),
        "in the future",
        id="29-02-00-before-2000-is-future",
    ),
]


@pytest.mark.parametrize(("nik", "birth_date", "sex", "today", "words"), BAD_NIKS)
def test_nik_refused(nik, birth_date, sex, today, words):
    with pytest.raises(InvalidValue) as excinfo:
        check_nik(nik, birth_date=birth_date, sex=sex, today=today)
    assert words in str(excinfo.value)
    assert str(excinfo.value.message) == str(excinfo.value)


def test_invalid_value_is_a_value_error():
    with pytest.raises(ValueError, match="exactly 16 digits"):
        check_nik("1234", today=TODAY)


def test_nik_mismatch_message_names_both_dates():
    with pytest.raises(InvalidValue) as excinfo:
        check_nik("5311011708450001", birth_date=date(1945, 8, 18), today=TODAY)
    assert str(excinfo.value) == (
        "The birth date in the NIK (17-08-45) does not match the birth date entered "
        "(18-08-1945)."
    )


def test_nik_default_today_is_used():
    assert check_nik("5311011708450001").birth_date == date(1945, 8, 17)


# --- KK number --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kk", "expected"),
    [
        pytest.param("5311011503120001", "5311011503120001", id="issued-2012"),
        pytest.param("5311010101000001", "5311010101000001", id="issued-2000"),
        pytest.param("5311012902000001", "5311012902000001", id="leap-day-2000"),
        pytest.param("5311013112990001", "5311013112990001", id="issued-1999"),
        pytest.param("5311012411250001", "5311012411250001", id="issued-today"),
        pytest.param("5311 0115 0312 0001", "5311011503120001", id="spaces"),
        pytest.param("53.11.01.150312.0001", "5311011503120001", id="dots"),
        pytest.param("5399011503120001", "5399011503120001", id="unknown-regency"),
    ],
)
def test_kk_number_accepted(kk, expected):
    assert check_kk_number(kk, today=TODAY) == expected


@pytest.mark.parametrize(
    ("kk", "words"),
    [
        pytest.param("", "required", id="empty"),
        pytest.param("531101150312000", "16 digits", id="15-digits"),
        pytest.param("53110115031200011", "16 digits", id="17-digits"),
        pytest.param("53110115031200A1", '"A"', id="letter"),
        pytest.param("9911011503120001", "province", id="province-99"),
        pytest.param("5311011503120000", "0000", id="serial-0000"),
        pytest.param("5311010003120001", "not a real calendar date", id="day-00"),
        pytest.param("5311013203120001", "not a real calendar date", id="day-32"),
        pytest.param("5311014103120001", "not a real calendar date", id="day-plus-40"),
        pytest.param("5311011513120001", "not a real calendar date", id="month-13"),
        pytest.param("5311013104120001", "not a real calendar date", id="31-april"),
        pytest.param("5311012902130001", "not a real calendar date", id="29-02-2013"),
        pytest.param("5311010112250001", "in the future", id="later-this-year"),
        pytest.param("5311012511250001", "25-11-2025", id="tomorrow"),
    ],
)
def test_kk_number_refused(kk, words):
    with pytest.raises(InvalidValue) as excinfo:
        check_kk_number(kk, today=TODAY)
    assert words in str(excinfo.value)


# --- Name -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "YOHANES UMBU NDAKULARAK", "YOHANES UMBU NDAKULARAK", id="sumba-name"
        ),
        pytest.param("MARIA D'COSTA", "MARIA D'COSTA", id="apostrophe"),
        pytest.param("maria d'costa", "MARIA D'COSTA", id="lowercase-upper-cased"),
        pytest.param(
            "MARIA D\u2019COSTA", "MARIA D'COSTA", id="typographic-apostrophe"
        ),
        pytest.param(
            "  yohanes \t umbu\n ndakularak ",
            "YOHANES UMBU NDAKULARAK",
            id="whitespace-normalised",
        ),
        pytest.param(
            "DR. RAMBU ANA, S.PD", "DR. RAMBU ANA, S.PD", id="title-punctuation"
        ),
        pytest.param("ANNA-MARIA", "ANNA-MARIA", id="hyphen"),
        pytest.param("A", "A", id="one-letter"),
        pytest.param("A" * 60, "A" * 60, id="60-chars"),
    ],
)
def test_name_accepted(name, expected):
    assert check_name(name) == expected


@pytest.mark.parametrize(
    ("name", "words"),
    [
        pytest.param("", "required", id="empty"),
        pytest.param("   ", "required", id="blank"),
        pytest.param("UMBU 2", '"2"', id="digit"),
        pytest.param("A" * 61, "61 characters", id="61-chars"),
        pytest.param("<script>", '"<", ">"', id="script-tag"),
        pytest.param("JOSÉ", '"É"', id="accented-letter"),
        pytest.param("ANA_B", '"_"', id="underscore"),
        pytest.param("'.-", "at least one letter", id="punctuation-only"),
    ],
)
def test_name_refused(name, words):
    with pytest.raises(InvalidValue) as excinfo:
        check_name(name)
    assert words in str(excinfo.value)


# --- RT / RW ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", "007"),
        ("07", "007"),
        ("007", "007"),
        ("12", "012"),
        ("123", "123"),
        (" 5 ", "005"),
    ],
)
def test_rt_rw_accepted(value, expected):
    assert check_rt_rw(value) == expected


@pytest.mark.parametrize(
    "value", ["", "0", "00", "000", "1234", "-1", "a", "7a", "1.5", None]
)
def test_rt_rw_refused(value):
    with pytest.raises(InvalidValue):
        check_rt_rw(value)


# --- Village ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("53.11.01.1001", "53.11.01.1001"),
        (" 53.11.01.1001 ", "53.11.01.1001"),
        ("5311011001", "53.11.01.1001"),
        ("53.11.22.2001", "53.11.22.2001"),
    ],
)
def test_village_code_accepted(code, expected):
    assert wilayah.village(expected) is not None
    assert check_village_code(code) == expected


@pytest.mark.parametrize(
    "code",
    ["", "53.11.01.9999", "53.12.01.1001", "53.11.01", "53.1101.1001", "abc", None],
)
def test_village_code_refused(code):
    with pytest.raises(InvalidValue):
        check_village_code(code)


# --- Dates and phone --------------------------------------------------------------


def test_not_future():
    assert check_not_future(TODAY, today=TODAY) == TODAY
    assert check_not_future(date(2000, 1, 1), today=TODAY) == date(2000, 1, 1)
    with pytest.raises(InvalidValue, match="25-11-2025"):
        check_not_future(date(2025, 11, 25), today=TODAY)
    with pytest.raises(InvalidValue):
        check_not_future(datetime(2025, 11, 25, 0, 1), today=TODAY)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("081234567890", "081234567890"),
        ("+62 812-3456-7890", "081234567890"),
        ("6281234567890", "081234567890"),
        ("(0387) 61234", "038761234"),
        ("0812.3456.789", "08123456789"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_phone_accepted(value, expected):
    assert check_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("12345", "starts with 0"),
        ("0812345", "8 to 15 digits"),
        ("0812345678901234", "8 to 15 digits"),
        ("+1 555 123 4567", "+62"),
        ("0812abc4567", "only digits"),
        ("0081234567890", "starts with 0"),
    ],
)
def test_phone_refused(value, words):
    with pytest.raises(InvalidValue) as excinfo:
        check_phone(value)
    assert words in str(excinfo.value)


# --- Area data --------------------------------------------------------------------


def test_wilayah_lookups():
    assert wilayah.province_exists("53")
    assert not wilayah.province_exists("99")
    assert wilayah.regency_name("5311") == "Kabupaten Sumba Timur"
    assert wilayah.regency_name("53.11") == "Kabupaten Sumba Timur"
    assert wilayah.district_name("531101") == "Kota Waingapu"
    assert wilayah.district_name("317101") == "Gambir"
    assert wilayah.district_name("531199") is None


def test_sumba_timur_districts():
    districts = wilayah.districts_of_sumba_timur()
    assert len(districts) == 22
    assert [d.code for d in districts] == [f"53.11.{n:02d}" for n in range(1, 23)]
    assert districts[0].name == "Kota Waingapu"
    assert {d.regency_code for d in districts} == {"53.11"}


def test_sumba_timur_villages():
    villages = wilayah.villages()
    assert len(villages) == 156
    assert len({v.code for v in villages}) == 156
    district_codes = {d.code for d in wilayah.districts_of_sumba_timur()}
    assert {v.district_code for v in villages} <= district_codes
    first = wilayah.village("53.11.01.1001")
    assert first == wilayah.Village(
        "53.11.01.1001", "Kambajawa", "53.11.01", "Kota Waingapu"
    )
    assert wilayah.village("53.11.01.9999") is None
    with pytest.raises(FrozenInstanceError):
        first.name = "X"  # type: ignore[misc]
    # A caller mutating the returned list must not change the cached data.
    villages.clear()
    assert len(wilayah.villages()) == 156


def test_village_choices():
    choices = wilayah.village_choices()
    assert len(choices) == 156
    assert ("53.11.01.1001", "Kambajawa — Kecamatan Kota Waingapu") in choices
    keys = [
        (wilayah.village(code).district_name, wilayah.village(code).name)
        for code, _ in choices
    ]
    assert keys == sorted(keys)


# --- SIAK code lists --------------------------------------------------------------


def test_code_lists():
    assert len(codes.OCCUPATION) == 89
    assert [c for c, _ in codes.OCCUPATION] == [str(n) for n in range(1, 90)]
    assert codes.label(codes.OCCUPATION, "88") == "WIRASWASTA"
    assert codes.label(codes.RELIGION, "3") == "KATHOLIK"
    assert codes.label(codes.SEX, "9") is None
    assert codes.label(codes.SEX, None) is None
    assert codes.choices(codes.MARITAL_STATUS)[1] == ("2", "KAWIN")
    assert codes.MARRIED_OR_EVER_MARRIED == frozenset({"2", "3", "4"})
    assert len(codes.BLOOD_TYPE) == 13
    assert codes.blood_type_on_card("13") == "-"
    assert codes.blood_type_on_card("9") == "AB+"
    assert codes.blood_type_on_card(None) == "-"
    for codelist in (
        codes.SEX,
        codes.RELIGION,
        codes.MARITAL_STATUS,
        codes.BLOOD_TYPE,
        codes.CITIZENSHIP,
        codes.OCCUPATION,
    ):
        assert all(label == label.upper() for _, label in codelist)
        assert len({c for c, _ in codelist}) == len(codelist)
