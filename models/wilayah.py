"""Indonesian area codes (kode wilayah) from `data/wilayah/`, loaded once per process.

Codes may be passed with or without dots ("53.11.01" or "531101"): a NIK carries the
district code without dots, the area data with dots.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "wilayah"

SUMBA_TIMUR = "53.11"


@dataclass(frozen=True)
class District:
    """A kecamatan."""

    code: str  # dotted, e.g. "53.11.01"
    name: str
    regency_code: str  # dotted, e.g. "53.11"


@dataclass(frozen=True)
class Village:
    """A desa or kelurahan of Kabupaten Sumba Timur."""

    code: str  # dotted, e.g. "53.11.01.1001"
    name: str
    district_code: str  # dotted, e.g. "53.11.01"
    district_name: str


def _key(code: str) -> str:
    """Lookup key: the code without dots or surrounding spaces."""
    return code.strip().replace(".", "")


def _rows(filename: str) -> list[dict[str, str]]:
    with (DATA_DIR / filename).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def _provinces() -> dict[str, str]:
    return {_key(r["code"]): r["name"] for r in _rows("provinces.csv")}


@cache
def _regencies() -> dict[str, str]:
    return {_key(r["code"]): r["name"] for r in _rows("regencies.csv")}


@cache
def _districts() -> dict[str, District]:
    return {
        _key(r["code"]): District(r["code"], r["name"], r["regency_code"])
        for r in _rows("districts.csv")
    }


@cache
def _villages() -> tuple[Village, ...]:
    districts = _districts()
    return tuple(
        Village(
            code=r["code"],
            name=r["name"],
            district_code=r["district_code"],
            district_name=districts[_key(r["district_code"])].name,
        )
        for r in _rows("villages-53.11.csv")
    )


@cache
def _villages_by_key() -> dict[str, Village]:
    return {_key(v.code): v for v in _villages()}


def province_exists(code2: str) -> bool:
    """Whether a two-digit province code (e.g. "53") is in the area data."""
    return _key(code2) in _provinces()


def province_name(code2: str) -> str | None:
    """Name of a province, e.g. "53" -> "Nusa Tenggara Timur"."""
    return _provinces().get(_key(code2))


def regency_name(code4: str) -> str | None:
    """Name of a regency or city, e.g. "5311" or "53.11" -> "Kabupaten Sumba Timur"."""
    return _regencies().get(_key(code4))


def district_name(code6_no_dots: str) -> str | None:
    """Name of a district, e.g. "531101" (NIK digits 1-6) -> "Kota Waingapu"."""
    district = _districts().get(_key(code6_no_dots))
    return district.name if district else None


def districts_of_sumba_timur() -> list[District]:
    """The 22 kecamatan of Kabupaten Sumba Timur, in code order."""
    return sorted(
        (d for d in _districts().values() if d.regency_code == SUMBA_TIMUR),
        key=lambda d: d.code,
    )


def villages() -> list[Village]:
    """All villages of Kabupaten Sumba Timur, in code order."""
    return sorted(_villages(), key=lambda v: v.code)


def village(code: str) -> Village | None:
    """A village of Sumba Timur by its code (dotted or not), or None."""
    return _villages_by_key().get(_key(code))


def village_choices() -> list[tuple[str, str]]:
    """(code, "Village — Kecamatan District") pairs for a select field.

    Sorted by district name then village name, so the villages of one kecamatan are
    listed together.
    """
    ordered = sorted(_villages(), key=lambda v: (v.district_name, v.name))
    return [(v.code, f"{v.name} — Kecamatan {v.district_name}") for v in ordered]
