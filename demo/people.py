"""Demo people: the office's staff and the residents of Sumba Timur.

Names follow East Sumba's naming (clan names, UMBU/RAMBU for noble families,
Christian given names, Marapu, and the Muslim and Hindu families of the towns);
villages cover all 22 kecamatan; NIK and KK numbers are valid for the village's
district and the birth (or issue) date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from models import wilayah
from models.codes import FEMALE, MALE
from models.permissions import (
    ADMIN,
    HEAD_OF_DIVISION,
    HEAD_OF_OFFICE,
    PRINTING_OPERATOR,
    RECORDING_OPERATOR,
    SECRETARY,
)
from models.residents import Applicant

# --- staff -------------------------------------------------------------------------

# (role, username, full name) of the office's demo staff.
STAFF: tuple[tuple[str, str, str], ...] = (
    (RECORDING_OPERATOR, "rekam.umbu", "Umbu Ndapa Humba Wulang, A.Md."),
    (PRINTING_OPERATOR, "cetak.rambu", "Rambu Hina Kahi Ndakularak"),
    (HEAD_OF_DIVISION, "kabid.yohanes", "Yohanes Leba Paremajangga, S.Sos."),
    (SECRETARY, "sekretaris.maria", "Maria Magdalena Tamu Ina, S.E."),
    (HEAD_OF_OFFICE, "kadis.tamu", "Tamu Umbu Nggau Hambapraing, S.H., M.Si."),
    (ADMIN, "admin.petrus", "Petrus Kahi Kapita, S.Kom."),
)

# Birth years of the demo staff (for their NIP).
STAFF_BORN = {RECORDING_OPERATOR: 1994, PRINTING_OPERATOR: 1996, HEAD_OF_DIVISION: 1978,
              SECRETARY: 1975, HEAD_OF_OFFICE: 1970, ADMIN: 1990}
STAFF_FEMALE = (PRINTING_OPERATOR, SECRETARY)


def nip(rng: random.Random, born: int, sex: str) -> str:
    """An 18-digit NIP: birth date, appointment year-month, sex digit, serial."""
    birth = date(born, rng.randint(1, 12), rng.randint(1, 28))
    appointed = f"{born + rng.randint(23, 30)}{rng.randint(1, 12):02d}"
    return f"{birth:%Y%m%d}{appointed}{1 if sex == MALE else 2}{rng.randint(1, 9):03d}"


# --- names ---------------------------------------------------------------------------

SUMBA_MALE = (
    "NDAPA", "HAPU", "NGGAU", "LEBA", "MBANA", "PADA", "MARAMBA", "NDJURU", "HAMBA",
    "PALANDI", "LIMU", "WUNDU", "MAUDA", "KAMBA", "NDENA", "HAU", "NGAKU", "LUNGGI",
    "TANGGU", "MANGGU", "BILI", "JANGGA", "NAU", "TARAPU", "KULA", "LAKA", "MEHA",
    "RIHI", "DJAWA", "NDIMA",
)
SUMBA_FEMALE = (
    "HINA", "KAHI", "LIKU", "WINDI", "NDANGU", "DAI", "HAMU", "NDAWA", "MIHA", "HOI",
    "KONDA", "MADA", "LOBA", "PAKU", "TAMU", "NGGULI", "ANA", "HUMA", "LUDJU", "WAHA",
)
CHRISTIAN_MALE = (
    "YOHANES", "PETRUS", "MARKUS", "YAKOBUS", "PAULUS", "STEFANUS", "MARTINUS",
    "FRANSISKUS", "ALOYSIUS", "YOSEF", "DANIEL", "SAMUEL", "YONATAN", "AGUSTINUS",
    "MATEUS", "LUKAS", "ELIAS", "SIMON", "ADRIANUS", "MELKIANUS", "ARNOLDUS",
    "OKTOVIANUS", "HERMANUS", "DOMINGGUS", "NIKOLAUS", "YUSTINUS", "FILIPUS", "YOEL",
)
CHRISTIAN_FEMALE = (
    "MARIA", "MARTA", "YULIANA", "AGUSTINA", "DORKAS", "RUT", "ELISABETH", "YOHANA",
    "MAGDALENA", "KRISTINA", "SARLOTA", "FERONIKA", "OKTAVIANA", "MERLIN", "ANASTASIA",
    "NAOMI", "DEBORA", "SELFINA", "YUNITA", "VERONIKA", "MARGARETA", "LIDIA", "ESTER",
)
# Clan and family names of East Sumba (and of Sabu families long settled there).
FAMILY = (
    "NGGAU", "HUMBA", "NDAKULARAK", "WULANG", "PAREMAJANGGA", "KAPITA", "HAMBAPRAING",
    "TANAAMAH", "NDAPAMERANG", "TANGGU HANA", "HUNGU TANA", "PEKUWALI", "PINDINGARA",
    "PALEKAHELU", "NDJURUMANA", "LAKAMAI", "KAMURI", "PARANGGI", "DJANGGU", "NDAWA",
    "MBATU", "PRAING", "WINDI", "LAPU", "KUDU", "NGGABA", "MARAMBA MEHA", "RATU",
    "NDIMA", "DANGA", "KAHIKU", "LUMU", "TANDA", "KONDA AMAH", "MBILIJORA", "RIHI",
    "MEHA", "LEDE", "BELLO", "LUDJI", "DJAMI", "KALE",
)
ISLAM_MALE = ("MUHAMMAD", "AHMAD", "ABDUL RAHMAN", "IBRAHIM", "HASAN", "ISMAIL", "SALIM",
              "YUSUF", "RIDWAN", "ARIFIN", "SYAHRIR", "ABDULLAH")
ISLAM_FEMALE = ("SITI", "NURHAYATI", "FATIMAH", "HADIJAH", "SALMA", "ZAINAB", "AMINAH",
                "RAHMAWATI", "SAFITRI", "NURAINI", "HALIMAH")
ISLAM_FAMILY = ("HAMZAH", "BAKAR", "MAHMUD", "DAENG MATTA", "LAHAMI", "SYAFRUDIN",
                "RASYID", "HUSEN", "KADIR", "BADJEBER", "ABDULLAH", "SALEH")
HINDU_MALE = ("I KETUT", "I MADE", "I WAYAN", "I NYOMAN", "I GEDE")
HINDU_FEMALE = ("NI LUH", "NI MADE", "NI KETUT", "NI WAYAN", "NI NYOMAN")
HINDU_GIVEN = ("SUARTA", "ARIANI", "WIDIASTUTI", "SUDANA", "ARTAWAN", "DEWI", "SUASTIKA",
               "PURNAMI", "MERTA")

# --- residents -----------------------------------------------------------------------

KRISTEN, KATHOLIK, ISLAM, HINDU, MARAPU = "2", "3", "1", "4", "7"
BELUM_KAWIN, KAWIN, CERAI_HIDUP, CERAI_MATI = "1", "2", "3", "4"
# SIAK occupation codes.
BELUM_BEKERJA, RUMAH_TANGGA, PELAJAR, PENSIUNAN, PNS = "1", "2", "3", "4", "5"
PETANI, PETERNAK, NELAYAN, KARYAWAN_SWASTA, HONORER = "9", "10", "11", "15", "18"
BURUH_HARIAN, BURUH_TANI, TUKANG_KAYU, TUKANG_JAHIT = "19", "20", "27", "30"
PENDETA, GURU, BIDAN, PERAWAT, SOPIR, PEDAGANG = "42", "65", "73", "74", "81", "84"
PERANGKAT_DESA, WIRASWASTA = "85", "88"

ADULT_MALE_WORK = ((PETANI, 40), (PETERNAK, 8), (WIRASWASTA, 10), (BURUH_TANI, 5),
                   (BURUH_HARIAN, 5), (NELAYAN, 3), (SOPIR, 4), (TUKANG_KAYU, 3),
                   (GURU, 3), (PNS, 3), (HONORER, 3), (KARYAWAN_SWASTA, 3),
                   (PEDAGANG, 3), (PERANGKAT_DESA, 2), (PENDETA, 1))
ADULT_FEMALE_WORK = ((RUMAH_TANGGA, 35), (PETANI, 30), (WIRASWASTA, 6), (PEDAGANG, 5),
                     (TUKANG_JAHIT, 3), (GURU, 4), (BIDAN, 2), (PERAWAT, 2),
                     (HONORER, 3), (KARYAWAN_SWASTA, 2), (PNS, 2))
YOUNG_WORK = ((PELAJAR, 55), (BELUM_BEKERJA, 15), (PETANI, 15), (WIRASWASTA, 5),
              (BURUH_HARIAN, 5), (KARYAWAN_SWASTA, 3), (HONORER, 2))
OLD_WORK = ((PETANI, 55), (PETERNAK, 8), (RUMAH_TANGGA, 15), (PENSIUNAN, 12),
            (BELUM_BEKERJA, 10))
BLOOD = (("13", 55), ("4", 17), ("1", 10), ("2", 10), ("3", 3), ("11", 2), ("5", 1),
         ("7", 1), ("9", 1))
STREETS = (
    "JL. AHMAD YANI", "JL. EL TARI", "JL. SOEHARTO", "JL. ADAM MALIK", "JL. DIPONEGORO",
    "JL. JEND. SUDIRMAN", "JL. MATAWAI", "JL. PRAILIU", "JL. KAMBANIRU", "JL. BHAYANGKARA",
    "JL. R. SOEPRAPTO", "JL. LOWO NDAHU", "JL. UMBU TIPUK MARISI", "JL. PAHLAWAN",
    "JL. HASANUDDIN", "JL. W. J. LALAMENTIK", "JL. GATOT SUBROTO", "JL. ANGGREK",
)
HAMLETS = (
    "PRAI MADITA", "PRAI LIU", "PRAI HAMBULI", "PRAI KALALA", "WAI MARANG", "KADUMBUL",
    "LAI PANDAK", "PAU", "MAU MARU", "PALINDI", "KALIKI", "WAI HURU", "LUKU WINGIR",
    "TANA RARA", "MAUHAU", "PARAINGU", "LAI WUNGGU", "KANDUHU", "HAMBALA", "TAMBU",
)
MIGRANT_BIRTH_PLACES = {
    ISLAM: ("BIMA", "ENDE", "SABU", "KUPANG", "MAKASSAR"),
    HINDU: ("DENPASAR", "TABANAN", "GIANYAR"),
}
OTHER_BIRTH_PLACES = ("WAINGAPU", "WAIKABUBAK", "KUPANG", "SABU", "ENDE")
PHONE_PREFIXES = ("0812", "0813", "0821", "0822", "0823", "0852", "0853", "0811")
# Kecamatan of the capital and its neighbours, and coastal ones, draw more residents.
DISTRICT_WEIGHT = {"53.11.01": 7, "53.11.16": 6, "53.11.07": 3, "53.11.03": 2,
                   "53.11.08": 2, "53.11.20": 2}


@dataclass
class Household:
    """A family card (KK): its address and the residents listed on it."""

    village: wilayah.Village
    kk_number: str
    address: str
    rt: str
    rw: str
    religion: str
    family: str
    phone: str | None
    kind: str  # young (alone), couple, parent_child, elder
    members: list[dict[str, Any]] = field(default_factory=list)
    residents: list[Applicant] = field(default_factory=list)


class People:
    """Random but plausible residents; one instance per `generate` call.

    Ages are counted to `today` (the end of the demo's history); family cards were
    issued before `kk_before` (its start), so every record is valid on every day
    of the history.
    """

    def __init__(self, rng: random.Random, today: date, kk_before: date) -> None:
        self.rng = rng
        self.today = today
        self.kk_before = kk_before
        self.niks: set[str] = set()
        self.kks: set[str] = set()

    # helpers
    def weighted(self, pairs: tuple[tuple[str, int], ...]) -> str:
        values, weights = zip(*pairs, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def date_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def birth_date(self, age: int) -> date:
        """A birth date giving exactly `age` full years today."""
        latest = _add_years(self.today, -age)
        earliest = _add_years(self.today, -(age + 1)) + timedelta(days=1)
        return self.date_between(earliest, latest)

    def _unique(self, head: str, taken: set[str]) -> str:
        """head + a random serial 0001-9999 not used before."""
        while True:
            number = head + f"{self.rng.randint(1, 9999):04d}"
            if number not in taken:
                taken.add(number)
                return number

    def nik(self, village: wilayah.Village, birth: date, sex: str) -> str:
        day = birth.day + (40 if sex == FEMALE else 0)
        head = village.district_code.replace(".", "") + f"{day:02d}{birth:%m%y}"
        return self._unique(head, self.niks)

    def kk_number(self, village: wilayah.Village, issued: date) -> str:
        head = village.district_code.replace(".", "") + f"{issued:%d%m%y}"
        return self._unique(head, self.kks)

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"

    # names
    def name(self, sex: str, religion: str, family: str) -> str:
        rng = self.rng
        male = sex == MALE
        if religion == ISLAM:
            given, second = rng.sample(ISLAM_MALE if male else ISLAM_FEMALE, 2)
            parts = [given, second] if rng.random() < 0.4 else [given]
        elif religion == HINDU:
            parts = [rng.choice(HINDU_MALE if male else HINDU_FEMALE),
                     rng.choice(HINDU_GIVEN)]
            family = ""
        else:
            local = rng.choice(SUMBA_MALE if male else SUMBA_FEMALE)
            noble = rng.random() < (0.3 if religion == MARAPU else 0.18)
            christian = religion in (KRISTEN, KATHOLIK) and rng.random() < 0.75
            parts = []
            if christian:
                parts.append(rng.choice(CHRISTIAN_MALE if male else CHRISTIAN_FEMALE))
            if noble:
                parts.append("UMBU" if male else "RAMBU")
            if noble or not christian or rng.random() < 0.5:
                parts.append(local)
        full = " ".join([*parts, family]).strip()
        while len(full) > 60 and len(parts) > 1:  # never on the current lists
            parts.pop(0)
            full = " ".join([*parts, family]).strip()
        return full

    def family_name(self, religion: str) -> str:
        return self.rng.choice(ISLAM_FAMILY if religion == ISLAM else FAMILY)

    def religion(self, village: wilayah.Village) -> str:
        town = village.district_code in ("53.11.01", "53.11.16", "53.11.07")
        return self.weighted(((KRISTEN, 56), (KATHOLIK, 20), (MARAPU, 6 if town else 14),
                              (ISLAM, 14 if town else 3), (HINDU, 2 if town else 0)))

    def birth_place(self, village: wilayah.Village, religion: str) -> str:
        rng = self.rng
        if religion in MIGRANT_BIRTH_PLACES and rng.random() < 0.5:
            return rng.choice(MIGRANT_BIRTH_PLACES[religion])
        roll = rng.random()
        if roll < 0.55:
            return village.name.upper()
        if roll < 0.8:
            return "WAINGAPU" if village.district_code == "53.11.01" else \
                village.district_name.upper()
        return rng.choice(OTHER_BIRTH_PLACES)

    def address(self, village: wilayah.Village) -> tuple[str, str, str]:
        rng = self.rng
        if _is_kelurahan(village):
            address = f"{rng.choice(STREETS)} NO. {rng.randint(1, 120)}"
            return address, f"{rng.randint(1, 14):03d}", f"{rng.randint(1, 6):03d}"
        dusun = rng.choice(("I", "II", "III", "IV"))
        if rng.random() < 0.6:
            address = f"KAMPUNG {rng.choice(HAMLETS)}, DUSUN {dusun}"
        else:
            address = f"DUSUN {dusun} {village.name.upper()}"
        return address, f"{rng.randint(1, 8):03d}", f"{rng.randint(1, 4):03d}"

    # people
    def person(self, hh: Household, sex: str, age: int, marital: str, work: str,
               family: str | None = None) -> dict[str, Any]:
        birth = self.birth_date(age)
        religion = hh.religion
        return {
            "nik": self.nik(hh.village, birth, sex),
            "kk_number": hh.kk_number,
            "name": self.name(sex, religion, hh.family if family is None else family),
            "birth_place": self.birth_place(hh.village, religion),
            "birth_date": birth,
            "sex": sex,
            "blood_type": self.weighted(BLOOD),
            "religion": religion,
            "marital_status": marital,
            "occupation": work,
            "citizenship": "1",
            "address": hh.address,
            "rt": hh.rt,
            "rw": hh.rw,
            "village_code": hh.village.code,
            "phone": hh.phone if self.rng.random() < 0.7 else None,
        }

    def young_age(self) -> int:
        """16-24, mostly the 17-19-year-olds a new KTP-el is for; a few are 16."""
        return int(self.weighted((("16", 6), ("17", 30), ("18", 18), ("19", 12),
                                  ("20", 8), ("21", 6), ("22", 5), ("23", 4), ("24", 3))))

    def household(self, village: wilayah.Village) -> Household:
        rng = self.rng
        religion = self.religion(village)
        address, rt, rw = self.address(village)
        kind = self.weighted((("young", 40), ("couple", 30), ("parent_child", 18),
                              ("elder", 12)))
        husband_age = rng.randint(21, 62)
        issued_from = date(2008, 1, 1)
        if kind == "couple":  # their own family card, issued after the wedding
            issued_from = max(issued_from, _add_years(self.today, 19 - husband_age))
        issued = self.date_between(issued_from, self.kk_before - timedelta(days=15))
        hh = Household(village=village, kk_number=self.kk_number(village, issued),
                        address=address, rt=rt, rw=rw, religion=religion,
                        family=self.family_name(religion),
                        phone=self.phone() if rng.random() < 0.55 else None, kind=kind)
        if kind == "young":
            sex = rng.choice((MALE, FEMALE))
            age = self.young_age()
            hh.members.append(self.person(hh, sex, age, BELUM_KAWIN, self.young_work(age)))
        elif kind == "couple":
            hh.members.append(self.person(hh, MALE, husband_age, KAWIN,
                                          self.weighted(ADULT_MALE_WORK)))
            wife_age = max(19, min(80, husband_age - rng.randint(-2, 7)))
            hh.members.append(self.person(hh, FEMALE, wife_age, KAWIN,
                                          self.weighted(ADULT_FEMALE_WORK),
                                          family=self.family_name(religion)))
        elif kind == "parent_child":
            sex = rng.choice((MALE, FEMALE))
            age = rng.randint(38, 72)
            marital = self.weighted(((KAWIN, 6), (CERAI_MATI, 3), (CERAI_HIDUP, 1)))
            work = self.weighted(ADULT_MALE_WORK if sex == MALE else ADULT_FEMALE_WORK)
            parent_family = hh.family if sex == MALE else self.family_name(religion)
            hh.members.append(self.person(hh, sex, age, marital, work, family=parent_family))
            child_age = self.young_age()
            hh.members.append(self.person(hh, rng.choice((MALE, FEMALE)), child_age,
                                          BELUM_KAWIN, self.young_work(child_age)))
        else:
            sex = rng.choice((MALE, FEMALE))
            age = rng.randint(55, 80)
            marital = self.weighted(((CERAI_MATI, 6), (KAWIN, 3), (BELUM_KAWIN, 1)))
            hh.members.append(self.person(hh, sex, age, marital, self.weighted(OLD_WORK)))
        return hh

    def young_work(self, age: int) -> str:
        return PELAJAR if age < 18 and self.rng.random() < 0.85 else self.weighted(YOUNG_WORK)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _is_kelurahan(village: wilayah.Village) -> bool:
    """Urban kelurahan have codes 1xxx, rural desa 2xxx."""
    return village.code.rsplit(".", 1)[1].startswith("1")


def _village_order(rng: random.Random, count: int) -> list[wilayah.Village]:
    """One village per kecamatan first, then every other village, then weighted extras."""
    all_villages = wilayah.villages()
    by_district: dict[str, list[wilayah.Village]] = {}
    for v in all_villages:
        by_district.setdefault(v.district_code, []).append(v)
    first = [rng.choice(vs) for _, vs in sorted(by_district.items())]
    rng.shuffle(first)
    rest = [v for v in all_villages if v not in first]
    rng.shuffle(rest)
    order = first + rest
    weights = [DISTRICT_WEIGHT.get(v.district_code, 1) for v in all_villages]
    while len(order) < count:
        order += rng.choices(all_villages, weights=weights, k=count - len(order))
    return order


def households(people: People, count: int) -> list[Household]:
    """Households until they hold at least `count` residents, each one validated
    (`Applicant.validate()`, as the resident screen does) but not yet stored."""
    villages = _village_order(people.rng, count)
    made: list[Household] = []
    total = 0
    while total < count:
        hh = people.household(villages[len(made)])
        for values in hh.members:
            applicant = Applicant(**values)
            applicant.validate()
            hh.residents.append(applicant)
        total += len(hh.residents)
        made.append(hh)
    return made


def relative_of(hh: Household, applicant: Applicant) -> tuple[str, str] | None:
    """(relation, name) of the family member who may collect `applicant`'s card with a
    letter of authority, or None when nobody else is on the family card."""
    others = [r for r in hh.residents if r is not applicant]
    if not others:
        return None
    if hh.kind == "couple":
        return "spouse", others[0].name
    parent = hh.residents[0]
    return ("parent" if applicant is not parent else "child"), others[0].name
