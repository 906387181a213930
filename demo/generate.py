"""Demo data for an empty database: staff accounts, residents of Sumba Timur,
applications in several states, one blank receipt, complaints and a disruption.

Used by `flask demo-data`. Every resident passes `Applicant.validate()`; residents and
applications are inserted in bulk and covered by ONE audit entry, while the staff
accounts, the blank receipt, the disruption and the complaints go through the normal
domain operations (and get their own audit entries).
"""

from __future__ import annotations

import io
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from models import audit, uploads, wilayah
from models.applications import Application
from models.batches import (
    add_to_batch,
    confirm_card,
    create_batch,
    decide_batch,
    print_batch,
    submit_batch,
)
from models.blanks import SERIAL_LENGTH, BlankReceipt, receive_blanks
from models.cards import hand_over
from models.codes import FEMALE, MALE
from models.complaints import Complaint, record_complaint
from models.db import db
from models.eligibility import age_on, eligibility
from models.office_time import utcnow
from models.permissions import (
    ADMIN,
    HEAD_OF_DIVISION,
    HEAD_OF_OFFICE,
    PRINTING_OPERATOR,
    RECORDING_OPERATOR,
    ROLES,
    SECRETARY,
)
from models.residents import Applicant
from models.service_clock import Disruption, clock_start, open_disruption
from models.standard import ServiceStandard, ensure_seed_standard
from models.uploads import StoredFile
from models.users import User, create_user

# Sumba Timur keeps WITA (UTC+8); the office serves 08:00-15:00 local time.
WITA = timedelta(hours=8)
OFFICE_OPENS = time(8, 0)
OFFICE_CLOSES = time(15, 0)
BLANKS_RECEIVED = 500
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
PASSWORD_LENGTH = 16


class DatabaseNotEmpty(Exception):
    """Demo data is only ever loaded into a database without residents or accounts."""

    def __init__(self, applicants: int = 0, users: int = 0) -> None:
        super().__init__(
            "The database already holds data "
            f"({applicants} applicant(s), {users} user account(s)); demo data is only "
            "loaded into an empty database. Use a fresh database to load it."
        )
        self.applicants = applicants
        self.users = users


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
# Regencies where a duplicate recording is typically found (Sumba and Kupang).
DUPLICATE_REGENCIES = ("53.12", "53.17", "53.18", "53.71")

# --- applications --------------------------------------------------------------------

STATUS_WEIGHTS = (("print_ready", 38), ("recorded", 12), ("submitted", 10),
                  ("duplicate", 10), ("rejected", 16), ("cancelled", 14))
# How many days back an application in this status plausibly started.
STATUS_AGE_DAYS = {"submitted": (0, 1), "recorded": (0, 2), "print_ready": (0, 29),
                   "duplicate": (1, 20), "rejected": (1, 29), "cancelled": (1, 29)}
# The step a rejected or cancelled application had reached before it was closed.
CLOSED_FROM = {"rejected": (("submitted", 4), ("recorded", 2), ("duplicate", 4)),
               "cancelled": (("submitted", 4), ("recorded", 3), ("print_ready", 3))}
REJECTION_REASONS = (
    "Fotokopi KK tidak sesuai dengan data F-1.02 (nama ayah berbeda); pemohon diminta "
    "memperbaiki data KK terlebih dahulu.",
    "Pemohon masih terdaftar sebagai penduduk Kabupaten Sumba Tengah; wajib mengurus "
    "surat pindah (SKPWNI) terlebih dahulu.",
    "Data NIK tidak ditemukan pada database kependudukan pusat; pemohon diminta "
    "melakukan konsolidasi data di loket pendaftaran.",
    "Berkas F-1.02 tidak ditandatangani kepala desa; pemohon diminta melengkapi berkas.",
)
CANCEL_REASONS = (
    "Atas permintaan pemohon: pemohon pindah domisili ke Kabupaten Sumba Tengah.",
    "Atas permintaan pemohon: pemohon akan merekam KTP-el di tempat kuliah (Kupang).",
    "Pemohon tidak kembali melengkapi perekaman dalam 14 hari.",
    "Permohonan ganda: pemohon sudah mendaftar pada loket kecamatan.",
)
DUPLICATE_REJECTION = ("Hasil SIAK: pemohon sudah pernah merekam KTP-el (data ganda); "
                       "diarahkan ke layanan penggantian KTP-el.")


@dataclass
class _Household:
    village: wilayah.Village
    kk_number: str
    address: str
    rt: str
    rw: str
    religion: str
    family: str
    phone: str | None
    members: list[dict[str, Any]] = field(default_factory=list)


class _Builder:
    """Random but plausible values; one instance per `generate` call."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.today = (now + WITA).date()
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
    def person(self, hh: _Household, sex: str, age: int, marital: str, work: str,
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

    def household(self, village: wilayah.Village) -> _Household:
        rng = self.rng
        religion = self.religion(village)
        address, rt, rw = self.address(village)
        kind = self.weighted((("young", 40), ("couple", 30), ("parent_child", 18),
                              ("elder", 12)))
        husband_age = rng.randint(21, 62)
        issued_from = date(2008, 1, 1)
        if kind == "couple":  # their own family card, issued after the wedding
            issued_from = max(issued_from, _add_years(self.today, 19 - husband_age))
        issued = self.date_between(issued_from, self.today - timedelta(days=45))
        hh = _Household(village=village, kk_number=self.kk_number(village, issued),
                        address=address, rt=rt, rw=rw, religion=religion,
                        family=self.family_name(religion),
                        phone=self.phone() if rng.random() < 0.55 else None)
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

    # time
    def office_time(self, days_ago: int, span: timedelta) -> datetime:
        """A UTC time in office hours `days_ago` days back (weekends move to the Friday
        before; a day without room moves one day further back), leaving `span` before
        both closing time and now."""
        local_now = self.now + WITA
        while True:
            day = local_now.date() - timedelta(days=days_ago)
            while day.weekday() >= 5:  # the office is closed on Saturday and Sunday
                day -= timedelta(days=1)
            start = datetime.combine(day, OFFICE_OPENS)
            latest = min(datetime.combine(day, OFFICE_CLOSES), local_now - timedelta(
                minutes=1)) - span
            if latest > start:
                seconds = self.rng.randint(0, int((latest - start).total_seconds()))
                return start + timedelta(seconds=seconds) - WITA
            days_ago += 1

    def minutes(self, low: int, high: int) -> timedelta:
        return timedelta(minutes=self.rng.randint(low, high), seconds=self.rng.randint(0, 59))


class _Files:
    """Placeholder scans and images, stored like real uploads (content-addressed, so
    the few photo and signature variants are stored once and shared)."""

    PHOTO_VARIANTS = 4
    SIGNATURE_VARIANTS = 6

    def __init__(self, rng: random.Random, root: Path) -> None:
        self.rng = rng
        self.root = root
        self._photos: dict[tuple[int, int, str], StoredFile] = {}
        self._signatures: list[StoredFile] = []
        self._kk: dict[str, StoredFile] = {}

    def kk_copy(self, applicant: Applicant) -> StoredFile:
        """A one-page PDF standing in for the scanned family card, one per KK."""
        if applicant.kk_number not in self._kk:
            village = wilayah.village(applicant.village_code)
            lines = [
                ("KARTU KELUARGA - SALINAN (DATA DEMO)", 14),
                (f"No. {applicant.kk_number}", 12),
                (f"Nama anggota: {applicant.name}", 11),
                (f"Alamat: {applicant.address} RT {applicant.rt} RW {applicant.rw}", 11),
                (f"Desa/Kelurahan: {village.name if village else ''}", 11),
                (f"Kecamatan: {village.district_name if village else ''}", 11),
                ("Kabupaten Sumba Timur, Provinsi Nusa Tenggara Timur", 11),
            ]
            self._kk[applicant.kk_number] = uploads.store_document(self.root, _pdf(lines))
        return self._kk[applicant.kk_number]

    def photo(self, applicant: Applicant) -> StoredFile:
        """A pass photo silhouette; red background for odd birth years, blue for even,
        as for the KTP-el."""
        key = (applicant.birth_date.year % 2, self.rng.randrange(self.PHOTO_VARIANTS),
               applicant.sex)
        if key not in self._photos:
            self._photos[key] = uploads.store_image(self.root, _photo_bytes(*key), "photo")
        return self._photos[key]

    def signature(self) -> StoredFile:
        if not self._signatures:
            for i in range(self.SIGNATURE_VARIANTS):
                data = _signature_bytes(random.Random(i))
                self._signatures.append(uploads.store_image(self.root, data, "signature"))
        return self.rng.choice(self._signatures)


def _pdf(lines: list[tuple[str, int]]) -> bytes:
    """A minimal, valid one-page A4 PDF with the given lines of Helvetica text."""
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "50 790 Td"]
    for i, (text, size) in enumerate(lines):
        ops.append(f"/F1 {size} Tf")
        if i:
            ops.append("0 -22 Td")
        ops.append(f"({esc(text)}) Tj")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def _photo_bytes(odd_year: int, variant: int, sex: str) -> bytes:
    from PIL import Image, ImageDraw

    background = (200, 32, 40) if odd_year else (32, 86, 190)
    skin = ((141, 85, 36), (160, 105, 60), (120, 72, 40), (178, 120, 75))[variant]
    img = Image.new("RGB", (300, 400), background)
    draw = ImageDraw.Draw(img)
    draw.ellipse((40, 280, 260, 520), fill=(30, 30, 35))  # shoulders, dark shirt
    draw.rectangle((128, 230, 172, 300), fill=skin)  # neck
    draw.ellipse((85, 90, 215, 250), fill=skin)  # face
    hair = (20, 16, 14)
    if sex == FEMALE:
        draw.ellipse((70, 70, 230, 180), fill=hair)
        draw.rectangle((70, 130, 95, 300), fill=hair)
        draw.rectangle((205, 130, 230, 300), fill=hair)
    else:
        draw.chord((80, 70, 220, 170), 180, 360, fill=hair)
    draw.ellipse((85, 120, 215, 250), fill=skin)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _signature_bytes(rng: random.Random) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("L", (400, 150), 255)
    draw = ImageDraw.Draw(img)
    x, y = 30, 90
    points = [(x, y)]
    while x < 360:
        x += rng.randint(8, 22)
        y = max(25, min(125, y + rng.randint(-35, 35)))
        points.append((x, y))
    draw.line(points, fill=0, width=3, joint="curve")
    draw.line([(points[1][0], 115), (points[-1][0], 105)], fill=0, width=2)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


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


def _existing_counts() -> tuple[int, int]:
    """(applicants, user accounts) already in the database."""
    applicants = db.session.execute(sa.select(sa.func.count(Applicant.id))).scalar() or 0
    users = db.session.execute(sa.select(sa.func.count(User.id))).scalar() or 0
    return applicants, users


def _password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _nip(rng: random.Random, born: int, sex: str) -> str:
    """An 18-digit NIP: birth date, appointment year-month, sex digit, serial."""
    birth = date(born, rng.randint(1, 12), rng.randint(1, 28))
    appointed = f"{born + rng.randint(23, 30)}{rng.randint(1, 12):02d}"
    return f"{birth:%Y%m%d}{appointed}{1 if sex == MALE else 2}{rng.randint(1, 9):03d}"


def _create_staff(rng: random.Random) -> tuple[list[tuple[str, str, str]], dict[str, User]]:
    logins = []
    accounts = {}
    years = {RECORDING_OPERATOR: 1994, PRINTING_OPERATOR: 1996, HEAD_OF_DIVISION: 1978,
             SECRETARY: 1975, HEAD_OF_OFFICE: 1970, ADMIN: 1990}
    for role, username, full_name in STAFF:
        sex = FEMALE if role in (PRINTING_OPERATOR, SECRETARY) else MALE
        password = _password()
        accounts[role] = create_user(None, username, full_name, role, password,
                                     nip=_nip(rng, years[role], sex))
        logins.append((username, role, password))
    order = {role: i for i, role in enumerate(ROLES)}
    logins.sort(key=lambda login: order[login[1]])
    return logins, accounts


def _create_disruption(b: _Builder, actor: User) -> Disruption:
    started = b.office_time(7, timedelta(hours=5))
    disruption = Disruption(
        kind="network",
        started_at=started,
        ended_at=started + timedelta(hours=4, minutes=b.rng.randint(0, 50)),
        description=("Jaringan komunikasi data ke server pusat SIAK terputus (gangguan "
                     "kabel serat optik di Waingapu). Perekaman tetap berjalan, "
                     "verifikasi biometrik dan sinkronisasi tertunda sampai jaringan "
                     "pulih."),
        closed_by_id=actor.id,
    )
    open_disruption(disruption, actor)
    return disruption


def _create_receipt(b: _Builder, actor: User) -> BlankReceipt:
    received = b.today - timedelta(days=14)
    first = b.rng.randint(10 ** (SERIAL_LENGTH - 1) // 1000, 10 ** SERIAL_LENGTH // 1000 - 1)
    first = first * 1000 + 1
    roman = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
    receipt = BlankReceipt(
        received_at=received,
        reference=(f"BAST 470/{b.rng.randint(100, 999)}/DUKCAPIL.5311/"
                   f"{roman[received.month - 1]}/{received.year}"),
        serial_first=f"{first:0{SERIAL_LENGTH}d}",
        serial_last=f"{first + BLANKS_RECEIVED - 1:0{SERIAL_LENGTH}d}",
        quantity=BLANKS_RECEIVED,
        notes=("Blanko KTP-el dari Direktorat Jenderal Kependudukan dan Pencatatan "
               "Sipil, Kementerian Dalam Negeri: 5 kotak masing-masing 100 keping, "
               "diterima dalam keadaan tersegel."),
    )
    receive_blanks(receipt, actor)
    return receipt


def _residents(b: _Builder, count: int) -> list[Applicant]:
    """Households until there are at least `count` residents, each one validated."""
    villages = _village_order(b.rng, count)
    residents: list[Applicant] = []
    i = 0
    while len(residents) < count:
        hh = b.household(villages[i])
        i += 1
        for values in hh.members:
            applicant = Applicant(**values)
            applicant.validate()
            residents.append(applicant)
    return residents


def _applications(b: _Builder, residents: list[Applicant], std: ServiceStandard,
                  staff: dict[str, User], disruption: Disruption,
                  files: _Files) -> list[Application]:
    """Applications for about half of the residents, at most one open per resident."""
    rng = b.rng
    chosen = [a for a in residents if rng.random() < 0.5]
    statuses = [s for s, _ in STATUS_WEIGHTS]
    apps: list[Application] = []
    repeat: set[int] = set()
    for n, applicant in enumerate(chosen):
        status = statuses[n] if n < len(statuses) else b.weighted(STATUS_WEIGHTS)
        if not eligibility(applicant, on=b.today, standard=std).may_print \
                and status not in ("recorded", "print_ready"):
            status = "recorded"  # recording may happen a year early; printing waits
        low, high = STATUS_AGE_DAYS[status]
        days = rng.randint(low, high)
        app = _application(b, applicant, status, days, std, staff, files)
        if app is None:
            continue
        apps.append(app)
        if status in ("print_ready", "submitted", "recorded") and days <= 14 \
                and rng.random() < 0.1:
            # An earlier request that went nowhere, a few weeks before this one.
            earlier = _application(b, applicant, rng.choice(("cancelled", "rejected")),
                                   days + rng.randint(3, 15), std, staff, files)
            if earlier is not None:
                apps.append(earlier)
                repeat.add(id(applicant))
    # Some applications whose clock ran during last week's network disruption.
    during = [a for a in apps if a.status == "print_ready" and id(a.applicant) not in repeat
              and age_on(a.applicant.birth_date, b.today) >= 18][:6]
    span = int((disruption.ended_at - disruption.started_at).total_seconds() * 0.8)
    for app in during:
        app.submitted_at = disruption.started_at + timedelta(seconds=rng.randint(0, span))
        app.recorded_at = app.submitted_at + b.minutes(4, 20)
        app.siak_result_at = disruption.ended_at + b.minutes(20, 180)
    for app in apps:
        _apply_limit(app, std, disruption, b.now)
        app.created_at = app.submitted_at
        app.updated_at = max(t for t in (app.submitted_at, app.recorded_at,
                                         app.siak_result_at, app.closed_at) if t)
    _number(apps)
    _check_one_open(apps)
    return apps


def _application(b: _Builder, applicant: Applicant, status: str, days: int,
                 std: ServiceStandard, staff: dict[str, User],
                 files: _Files) -> Application | None:
    """One application that went through the workflow up to `status`, or None when
    the resident could not yet be recorded on that day."""
    rng = b.rng
    recorder = staff[RECORDING_OPERATOR]
    submitted = b.office_time(days, timedelta(minutes=160))
    if not eligibility(applicant, on=(submitted + WITA).date(), standard=std).may_record:
        return None
    kk = files.kk_copy(applicant)
    app = Application(applicant=applicant, status=status, standard_id=std.id,
                      f102_complete=True, submitted_at=submitted,
                      submitted_by_id=recorder.id, kk_copy_path=kk.path,
                      kk_copy_sha256=kk.sha256, kk_copy_mime=kk.mime)
    stage = b.weighted(CLOSED_FROM[status]) if status in CLOSED_FROM else status
    if stage in ("recorded", "print_ready", "duplicate"):
        photo, signature = files.photo(applicant), files.signature()
        app.recorded_at = submitted + b.minutes(3, 25)
        app.recorded_by_id = recorder.id
        app.photo_path, app.photo_sha256 = photo.path, photo.sha256
        app.signature_path, app.signature_sha256 = signature.path, signature.sha256
        app.fingerprints_captured = app.iris_captured = True
    if stage in ("print_ready", "duplicate"):
        app.siak_result_at = app.recorded_at + b.minutes(5, 40)
    if stage == "duplicate":
        app.siak_note = _duplicate_note(b, applicant)
    if status in CLOSED_FROM:
        last = app.siak_result_at or app.recorded_at or submitted
        app.closed_at = last + b.minutes(10, 90)
        app.closed_by_id = recorder.id
        if status == "rejected":
            app.rejection_reason = (DUPLICATE_REJECTION if stage == "duplicate"
                                    else rng.choice(REJECTION_REASONS))
        else:
            app.cancel_reason = rng.choice(CANCEL_REASONS)
            if stage == "print_ready":
                app.closed_by_id = staff[PRINTING_OPERATOR].id
    return app


def _duplicate_note(b: _Builder, applicant: Applicant) -> str:
    """SIAK's answer: the same biometrics under a NIK of another regency."""
    regency = b.rng.choice(DUPLICATE_REGENCIES)
    code6 = b.rng.choice(_districts_of(regency)).replace(".", "")
    other = code6 + applicant.nik[6:12] + f"{b.rng.randint(1, 9999):04d}"
    return (f"Hasil SIAK: data ganda (biometrik cocok) dengan NIK {other} di "
            f"{wilayah.regency_name(regency)}. Pemohon diminta datang membawa KK asli "
            "untuk klarifikasi.")


def _districts_of(regency: str) -> list[str]:
    return sorted(d.code for d in wilayah._districts().values() if d.regency_code == regency)


def _apply_limit(app: Application, std: ServiceStandard, disruption: Disruption,
                 now: datetime) -> None:
    """The disrupted limit when the clock ran during the disruption (as
    workflow.extend_for_disruption gives it), else the normal one; and the deadline."""
    # Print-ready applications from before today are printed soon after their SIAK
    # result (_print_history), so their clock ends about then.
    printed_soon = app.siak_result_at if app.status == "print_ready" and \
        (app.siak_result_at + WITA).date() < (now + WITA).date() else None
    end = app.clock_stopped_at or app.closed_at or printed_soon or now
    if app.submitted_at <= disruption.ended_at and end >= disruption.started_at:
        app.sla_hours = std.sla_hours_disrupted
        app.disruption_id = disruption.id
    else:
        app.sla_hours = std.sla_hours
    app.deadline_at = clock_start(app, std) + timedelta(hours=app.sla_hours)


def _number(apps: list[Application]) -> None:
    """Receipt numbers KTP-YYMMDD-NNNN, numbered per day in order of intake."""
    per_day: dict[str, int] = {}
    for app in sorted(apps, key=lambda a: a.created_at):
        day = app.created_at.strftime("%y%m%d")
        per_day[day] = per_day.get(day, 0) + 1
        app.number = f"KTP-{day}-{per_day[day]:04d}"


def _check_one_open(apps: list[Application]) -> None:
    from models.applications import OPEN_STATUSES

    seen: set[int] = set()
    for app in apps:
        if app.status in OPEN_STATUSES:
            key = id(app.applicant)
            if key in seen:
                raise RuntimeError(f"two open applications for {app.applicant.nik}")
            seen.add(key)


def _complaints(b: _Builder, actor: User, apps: list[Application]) -> list[Complaint]:
    rng = b.rng
    waiting = sorted((a for a in apps if a.status == "print_ready"),
                     key=lambda a: a.submitted_at)
    duplicates = [a for a in apps if a.status == "duplicate"]
    complaints = [
        Complaint(channel="suggestion_box", kind="suggestion",
                  subject="Ruang tunggu perlu kipas angin dan kursi tambahan",
                  body=("Pada hari Senin antrean panjang dan ruang tunggu sangat panas. "
                        "Mohon ditambah kipas angin dan kursi untuk lansia."),
                  received_at=b.office_time(9, timedelta(0))),
        Complaint(channel="whatsapp", kind="input",
                  complainant_name="MARKUS NDAPA PEKUWALI", contact=b.phone(),
                  subject="Usul perekaman keliling ke Kecamatan Pinu Pahar",
                  body=("Banyak warga Desa Tawui yang berumur 17 tahun belum rekam "
                        "KTP-el karena jarak ke Waingapu jauh. Mohon ada jadwal "
                        "perekaman keliling."),
                  received_at=b.office_time(6, timedelta(0))),
        Complaint(channel="email", kind="complaint",
                  complainant_name="YULIANA RAMBU HAMU WULANG",
                  contact="yuliana.hamu@gmail.com",
                  subject="Tanda terima tidak mencantumkan perkiraan waktu selesai",
                  body=("Saya sudah rekam KTP-el minggu lalu, tetapi tanda terima tidak "
                        "menyebut kapan KTP-el bisa diambil."),
                  received_at=b.office_time(4, timedelta(0))),
    ]
    if waiting:
        app = waiting[0]
        complaints.append(Complaint(
            channel="phone", kind="complaint", complainant_name=app.applicant.name,
            contact=app.applicant.phone or b.phone(), application_id=app.id,
            subject=f"KTP-el belum dicetak ({app.number})",
            body=("Sudah lebih dari satu minggu sejak perekaman, KTP-el belum juga "
                  "dicetak. Pemohon membutuhkan KTP-el untuk mendaftar kerja."),
            received_at=max(app.siak_result_at, b.office_time(2, timedelta(0))),
        ))
    if duplicates:
        app = rng.choice(duplicates)
        complaints.append(Complaint(
            channel="whatsapp", kind="complaint", complainant_name=app.applicant.name,
            contact=app.applicant.phone or b.phone(), application_id=app.id,
            subject=f"Status data ganda ({app.number})",
            body=("Pemohon tidak pernah merekam KTP-el di kabupaten lain, tetapi status "
                  "permohonan tertulis data ganda. Mohon penjelasan."),
            received_at=max(app.siak_result_at + timedelta(hours=2),
                            b.office_time(1, timedelta(0))),
        ))
    for complaint in complaints:
        complaint.received_at = min(complaint.received_at, b.now - timedelta(minutes=1))
        record_complaint(complaint, actor)
    return complaints


def generate(applicants: int = 320, seed: int | None = None,
             upload_root: str | Path | None = None) -> list[tuple[str, str, str]]:
    """Fill an empty database with demo data; return the (username, role, password) logins.

    Raises DatabaseNotEmpty when any applicant or user account exists. With `seed`, the
    same data is produced again (relative to today), except the passwords and tickets.
    Placeholder scans, photos and signatures go to `upload_root` (default: the app's
    UPLOAD_FOLDER).
    """
    existing = _existing_counts()
    if any(existing):
        raise DatabaseNotEmpty(*existing)
    if upload_root is None:
        from flask import current_app

        upload_root = current_app.config["UPLOAD_FOLDER"]
    rng = random.Random(seed)
    b = _Builder(rng, utcnow())
    files = _Files(rng, Path(upload_root))
    logins, staff = _create_staff(rng)
    std = ensure_seed_standard()
    recording, printing = staff[RECORDING_OPERATOR], staff[PRINTING_OPERATOR]
    disruption = _create_disruption(b, recording)
    _create_receipt(b, printing)
    try:
        residents = _residents(b, applicants)
        apps = _applications(b, residents, std, staff, disruption, files)
        first_seen: dict[int, datetime] = {}
        for app in apps:
            key = id(app.applicant)
            first_seen[key] = min(first_seen.get(key, app.created_at), app.created_at)
        for applicant in residents:
            seen = first_seen.get(id(applicant)) or b.office_time(rng.randint(30, 90),
                                                                  timedelta(0))
            applicant.created_at = applicant.updated_at = seen - b.minutes(2, 10)
        db.session.add_all(residents)
        db.session.flush()
        db.session.add_all(apps)
        db.session.flush()
        audit.record(None, "demo_data", object_type="applicant",
                     changes={"count": len(residents), "applications": len(apps)})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _print_history(b, staff, [a for a in apps if a.status == "print_ready"])
    _complaints(b, recording, apps)
    return logins


def _print_history(b: _Builder, staff: dict[str, User], ready: list[Application]) -> None:
    """Print-ready applications from before today went through printing: one batch a
    day, approved by the head of division, printed, confirmed (now and then a spoiled
    card), most cards handed over, some still waiting in custody. Runs the real domain
    operations, then dates their records back to when they happened."""
    from flask import current_app


    printer, head = staff[PRINTING_OPERATOR], staff[HEAD_OF_DIVISION]
    rng = b.rng
    today = (b.now + WITA).date()
    by_day: dict[date, list[Application]] = {}
    for app in ready:
        day = (app.siak_result_at + WITA).date()
        # A 16-year-old's print-ready application waits for the 17th birthday.
        if day < today and eligibility(app.applicant, on=today).may_print:
            by_day.setdefault(day, []).append(app)
    secret = current_app.config["SECRET_KEY"]
    for day in sorted(by_day):
        apps = sorted(by_day[day], key=lambda a: a.siak_result_at)
        start = max(a.siak_result_at for a in apps) + b.minutes(5, 15)
        batch = create_batch(printer)
        add_to_batch(batch, apps, printer)
        submit_batch(batch, printer)
        decide_batch(batch, head, True, "Data sudah diperiksa.")
        cards = print_batch(batch, printer)
        batch.created_at, batch.submitted_at = start, start + b.minutes(1, 3)
        batch.approved_at = batch.submitted_at + b.minutes(3, 10)
        batch.printed_at = batch.approved_at + b.minutes(2, 6)
        for card in cards:
            card.printed_at = batch.printed_at
            if rng.random() < 0.08:
                confirm_card(card, printer, False, reason="Hasil cetak bergaris, "
                                     "pita printer habis.")
                card.confirmed_at = batch.printed_at + b.minutes(1, 5)
                card.application.status = "print_ready"  # printed again below
                continue
            confirm_card(card, printer, True, storage_location=rng.choice(
                ("LEMARI A / RAK 1", "LEMARI A / RAK 2", "LEMARI B / RAK 1")))
            card.confirmed_at = card.stored_at = batch.printed_at + b.minutes(1, 5)
            card.application.clock_stopped_at = card.printed_at
        db.session.commit()
        # A spoiled card's application goes into the next batch the same day.
        again = [c.application for c in cards if c.status == "spoiled"]
        if again:
            retry = create_batch(printer)
            add_to_batch(retry, again, printer)
            submit_batch(retry, printer)
            decide_batch(retry, head, True, "Cetak ulang kartu rusak.")
            for card in print_batch(retry, printer):
                confirm_card(card, printer, True, storage_location="LEMARI A / RAK 1")
                card.printed_at = card.confirmed_at = card.stored_at = \
                    batch.printed_at + b.minutes(8, 15)
                card.application.clock_stopped_at = card.printed_at
                cards.append(card)
            db.session.commit()
        waited = (today - day).days
        for card in (c for c in cards if c.status == "stored"):
            # Most residents wait for their card; the rest come back later, or not yet.
            if waited >= 1 and rng.random() < (0.55 if waited < 5 else 0.85):
                name = card.application.applicant.name
                hand_over(card, printer, receiver_name=name, relation="self",
                          id_checked=True, authority_letter=False, secret=secret)
                card.handed_over_at = card.stored_at + timedelta(
                    days=rng.choice((0, 0, 0, 1, 2))) + b.minutes(5, 50)
    db.session.commit()
