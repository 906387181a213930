"""SIAK code lists: ordered (code, LABEL) pairs, labels in capitals as SIAK prints them.

Codes are strings because SIAK stores and exchanges them as text.
"""

CodeList = tuple[tuple[str, str], ...]

SEX: CodeList = (
    ("1", "LAKI-LAKI"),
    ("2", "PEREMPUAN"),
)
MALE = "1"
FEMALE = "2"

RELIGION: CodeList = (
    ("1", "ISLAM"),
    ("2", "KRISTEN"),
    ("3", "KATHOLIK"),
    ("4", "HINDU"),
    ("5", "BUDHA"),
    ("6", "KHONGHUCU"),
    ("7", "KEPERCAYAAN TERHADAP TUHAN YME"),
)

MARITAL_STATUS: CodeList = (
    ("1", "BELUM KAWIN"),
    ("2", "KAWIN"),
    ("3", "CERAI HIDUP"),
    ("4", "CERAI MATI"),
)
# Kawin, cerai hidup, cerai mati: these make a resident eligible for a KTP-el below 17.
MARRIED_OR_EVER_MARRIED: frozenset[str] = frozenset({"2", "3", "4"})

BLOOD_TYPE: CodeList = (
    ("1", "A"),
    ("2", "B"),
    ("3", "AB"),
    ("4", "O"),
    ("5", "A+"),
    ("6", "A-"),
    ("7", "B+"),
    ("8", "B-"),
    ("9", "AB+"),
    ("10", "AB-"),
    ("11", "O+"),
    ("12", "O-"),
    ("13", "TIDAK TAHU"),
)
BLOOD_TYPE_UNKNOWN = "13"

CITIZENSHIP: CodeList = (
    ("1", "WNI"),
    ("2", "WNA"),
)

# SIAK "jenis pekerjaan".
OCCUPATION: CodeList = (
    ("1", "BELUM/TIDAK BEKERJA"),
    ("2", "MENGURUS RUMAH TANGGA"),
    ("3", "PELAJAR/MAHASISWA"),
    ("4", "PENSIUNAN"),
    ("5", "PEGAWAI NEGERI SIPIL"),
    ("6", "TENTARA NASIONAL INDONESIA"),
    ("7", "KEPOLISIAN RI"),
    ("8", "PERDAGANGAN"),
    ("9", "PETANI/PEKEBUN"),
    ("10", "PETERNAK"),
    ("11", "NELAYAN/PERIKANAN"),
    ("12", "INDUSTRI"),
    ("13", "KONSTRUKSI"),
    ("14", "TRANSPORTASI"),
    ("15", "KARYAWAN SWASTA"),
    ("16", "KARYAWAN BUMN"),
    ("17", "KARYAWAN BUMD"),
    ("18", "KARYAWAN HONORER"),
    ("19", "BURUH HARIAN LEPAS"),
    ("20", "BURUH TANI/PERKEBUNAN"),
    ("21", "BURUH NELAYAN/PERIKANAN"),
    ("22", "BURUH PETERNAKAN"),
    ("23", "PEMBANTU RUMAH TANGGA"),
    ("24", "TUKANG CUKUR"),
    ("25", "TUKANG LISTRIK"),
    ("26", "TUKANG BATU"),
    ("27", "TUKANG KAYU"),
    ("28", "TUKANG SOL SEPATU"),
    ("29", "TUKANG LAS/PANDAI BESI"),
    ("30", "TUKANG JAHIT"),
    ("31", "TUKANG GIGI"),
    ("32", "PENATA RIAS"),
    ("33", "PENATA BUSANA"),
    ("34", "PENATA RAMBUT"),
    ("35", "MEKANIK"),
    ("36", "SENIMAN"),
    ("37", "TABIB"),
    ("38", "PARAJI"),
    ("39", "PERANCANG BUSANA"),
    ("40", "PENTERJEMAH"),
    ("41", "IMAM MASJID"),
    ("42", "PENDETA"),
    ("43", "PASTOR"),
    ("44", "WARTAWAN"),
    ("45", "USTADZ/MUBALIGH"),
    ("46", "JURU MASAK"),
    ("47", "PROMOTOR ACARA"),
    ("48", "ANGGOTA DPR-RI"),
    ("49", "ANGGOTA DPD"),
    ("50", "ANGGOTA BPK"),
    ("51", "PRESIDEN"),
    ("52", "WAKIL PRESIDEN"),
    ("53", "ANGGOTA MAHKAMAH KONSTITUSI"),
    ("54", "ANGGOTA KABINET/KEMENTERIAN"),
    ("55", "DUTA BESAR"),
    ("56", "GUBERNUR"),
    ("57", "WAKIL GUBERNUR"),
    ("58", "BUPATI"),
    ("59", "WAKIL BUPATI"),
    ("60", "WALIKOTA"),
    ("61", "WAKIL WALIKOTA"),
    ("62", "ANGGOTA DPRD PROVINSI"),
    ("63", "ANGGOTA DPRD KABUPATEN/KOTA"),
    ("64", "DOSEN"),
    ("65", "GURU"),
    ("66", "PILOT"),
    ("67", "PENGACARA"),
    ("68", "NOTARIS"),
    ("69", "ARSITEK"),
    ("70", "AKUNTAN"),
    ("71", "KONSULTAN"),
    ("72", "DOKTER"),
    ("73", "BIDAN"),
    ("74", "PERAWAT"),
    ("75", "APOTEKER"),
    ("76", "PSIKIATER/PSIKOLOG"),
    ("77", "PENYIAR TELEVISI"),
    ("78", "PENYIAR RADIO"),
    ("79", "PELAUT"),
    ("80", "PENELITI"),
    ("81", "SOPIR"),
    ("82", "PIALANG"),
    ("83", "PARANORMAL"),
    ("84", "PEDAGANG"),
    ("85", "PERANGKAT DESA"),
    ("86", "KEPALA DESA"),
    ("87", "BIARAWATI"),
    ("88", "WIRASWASTA"),
    ("89", "LAINNYA"),
)


def label(codelist: CodeList, code: str | None) -> str | None:
    """The label of `code` in `codelist`, or None when the code is empty or unknown."""
    if code is None:
        return None
    return dict(codelist).get(str(code).strip())


def choices(codelist: CodeList) -> list[tuple[str, str]]:
    """(code, label) pairs in SIAK order, for a select field."""
    return list(codelist)


def blood_type_on_card(code: str | None) -> str:
    """The blood type as printed on the card: "-" when unknown (code 13) or missing."""
    if code == BLOOD_TYPE_UNKNOWN:
        return "-"
    return label(BLOOD_TYPE, code) or "-"
