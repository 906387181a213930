"""The published service standard, versioned: the values that drive the rules and the
public page (nothing in the code hard-codes 17, 1 h or 24 h)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, codes
from .db import Model, db
from .errors import DomainError
from .office_time import utcnow
from .permissions import require

# Values of the published standard Dukcapil/T/334/461/III/2022 (shared/seed).
# The standard's A and B components: long texts, but not unbounded.
MAX_TEXT = 20_000

SEED_STANDARD = {
    "document_number": "Dukcapil/T/334/461/III/2022",
    "document_date": date(2022, 3, 18),
    "unit": "Bidang Pelayanan Pendaftaran Penduduk",
    "eligibility_age": 17,
    # A1a "sudah kawin atau pernah kawin": SIAK codes kawin, cerai hidup, cerai mati.
    "eligible_marital_statuses": "2,3,4",
    "sla_hours": 1,
    "sla_hours_disrupted": 24,
    "fee": 0,
    "complaint_channels": [
        {"channel": "suggestion_box", "contact": "Kotak saran"},
        {"channel": "phone", "contact": "081237634471"},
        {"channel": "whatsapp", "contact": "0812376344"},
        {"channel": "email", "contact": "5311.dukcapil@gmail.com"},
    ],
    "service_delivery_text": (
        "1. Persyaratan Administrasi: a. Telah berusia 17 tahun, sudah kawin atau pernah "
        "kawin; b. Fotokopi Kartu Keluarga; c. Penduduk mengisi F-1.02; d. Dinas "
        "menerbitkan KTP-el baru.\n"
        "2. Sistem, Mekanisme dan Prosedur: Pemohon → perekaman KTP-el (operator) → "
        "menerima berkas permohonan (operator) → pencetakan (operator) → menerima KTP-el "
        "(pemohon).\n"
        "3. Jangka Waktu Pelayanan: 1 (satu) jam; paling lama 24 (dua puluh empat) jam "
        "apabila terjadi gangguan jaringan komunikasi dan/atau sarana prasarana yang "
        "berhubungan dengan penyelesaian dokumen kependudukan.\n"
        "4. Biaya/Tarif: Gratis.\n"
        "5. Produk Pelayanan: Kartu Tanda Penduduk Elektronik (KTP-el).\n"
        "6. Penanganan Pengaduan, Saran dan Masukan: a. Kotak saran; b. HP: 081237634471; "
        "c. WhatsApp: 0812376344; d. E-mail: 5311.dukcapil@gmail.com."
    ),
    "internal_management_text": (
        "1. Dasar Hukum: UU 25/2009 tentang Pelayanan Publik; Perpres 96/2018; Permendagri "
        "1/2014; PermenPAN-RB 15/2014; Permendagri 109/2019; Perda Kabupaten Sumba Timur "
        "5/2017 tentang Perubahan atas Perda 7/2010.\n"
        "2. Sarana, Prasarana dan/atau Fasilitas: ATK, printer, komputer, telepon, ruang "
        "kerja, meja, kursi, jaringan komunikasi data dan kamera.\n"
        "3. Kompetensi Pelaksana: memahami peraturan perundang-undangan; mampu dan terampil "
        "mengoperasikan komputer dengan aplikasi SIAK.\n"
        "4. Pengawasan Internal: Kepala Bidang, Sekretaris, Kepala Dinas.\n"
        "5. Jumlah Pelaksana: 1 orang operator perekaman dan 1 orang operator pencetakan.\n"
        "6. Jaminan Pelayanan: penerbitan KTP-el yang transparan, cepat dan tepat; tersedianya "
        "SOP; tersedianya kode etik petugas pelayanan.\n"
        "7. Jaminan Keamanan dan Keselamatan Pelayanan: KTP-el dicetak dengan blanko sesuai "
        "spesifikasi standar dan dijamin keasliannya; KTP-el yang sudah dicetak namun belum "
        "diambil disimpan oleh petugas sampai pemohon datang untuk mengambil.\n"
        "8. Evaluasi Kinerja Pelaksana: 1 bulan sekali."
    ),
    "low_stock_threshold": 50,
    # SP4N-LAPOR! practice: a first response within 3 days, resolved within 5 working days.
    "complaint_response_days": 3,
    "complaint_resolution_working_days": 5,
    "uncollected_flag_days": 30,
}


class ServiceStandard(Model):
    """One version of the standard; the highest version is the one in force."""

    __tablename__ = "service_standard"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    document_number: Mapped[str] = mapped_column(sa.String(80))
    document_date: Mapped[date]
    unit: Mapped[str] = mapped_column(sa.String(120))
    eligibility_age: Mapped[int]
    # SIAK marital-status codes that make a resident eligible below the age ("2,3,4").
    eligible_marital_statuses: Mapped[str] = mapped_column(
        sa.String(20), default="2,3,4", server_default="2,3,4")
    sla_hours: Mapped[int]
    sla_hours_disrupted: Mapped[int]
    fee: Mapped[int] = mapped_column(default=0)
    complaint_channels: Mapped[list] = mapped_column(sa.JSON)
    service_delivery_text: Mapped[str] = mapped_column(sa.Text,
                                                       info={"max_length": MAX_TEXT})
    internal_management_text: Mapped[str] = mapped_column(sa.Text,
                                                          info={"max_length": MAX_TEXT})
    low_stock_threshold: Mapped[int]
    complaint_response_days: Mapped[int]  # first response, calendar days
    complaint_resolution_working_days: Mapped[int] = mapped_column(default=5,
                                                                   server_default="5")
    uncollected_flag_days: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    created_by = relationship("User")

    __table_args__ = (
        sa.CheckConstraint("eligibility_age BETWEEN 10 AND 25", name="age"),
        sa.CheckConstraint("sla_hours > 0 AND sla_hours_disrupted >= sla_hours", name="sla"),
        sa.CheckConstraint("fee >= 0", name="fee"),
    )

    @property
    def marital_codes(self) -> frozenset[str]:
        """The marital statuses that make someone eligible whatever their age."""
        return parse_marital_codes(self.eligible_marital_statuses)

    def __str__(self) -> str:
        return f"{self.document_number} (v{self.version})"


def parse_marital_codes(text: str | None) -> frozenset[str]:
    """ "2,3,4" -> {"2", "3", "4"}."""
    return frozenset(c.strip() for c in (text or "").split(",") if c.strip())


def current_standard() -> ServiceStandard:
    """The version in force. A database without one is a broken install."""
    std = db.session.execute(
        sa.select(ServiceStandard).order_by(ServiceStandard.version.desc()).limit(1)
    ).scalar_one_or_none()
    if std is None:
        raise DomainError(_l("No service standard has been recorded yet."))
    return std


EDITABLE_FIELDS = tuple(k for k in SEED_STANDARD)
# Every text of a version within its column's limit (String(n), or MAX_TEXT).
TEXT_LIMITS = {"document_number": 80, "unit": 120, "service_delivery_text": MAX_TEXT,
               "internal_management_text": MAX_TEXT}


def validate_standard_values(values: dict) -> None:
    for name, limit in TEXT_LIMITS.items():
        if isinstance(values.get(name), str) and len(values[name]) > limit:
            raise DomainError(_l("At most %(n)d characters.", n=limit), field=name)
    if not 10 <= int(values["eligibility_age"]) <= 25:
        raise DomainError(_l("The eligibility age must be between 10 and 25."),
                          field="eligibility_age")
    if int(values["sla_hours"]) < 1:
        raise DomainError(_l("The service time must be at least 1 hour."), field="sla_hours")
    if int(values["sla_hours_disrupted"]) < int(values["sla_hours"]):
        raise DomainError(_l("The service time under disruption cannot be shorter than "
                             "the normal service time."), field="sla_hours_disrupted")
    if int(values["fee"]) < 0:
        raise DomainError(_l("The fee cannot be negative."), field="fee")
    married = parse_marital_codes(values.get("eligible_marital_statuses"))
    if not married <= codes.MARRIED_OR_EVER_MARRIED:
        # Only a marriage (kawin, cerai hidup, cerai mati) can stand in for the age.
        raise DomainError(_l("Only married or ever-married statuses can make someone "
                             "eligible below the age."), field="eligible_marital_statuses")
    for name in ("low_stock_threshold", "complaint_response_days", "uncollected_flag_days"):
        if int(values[name]) < 0:
            raise DomainError(_l("This value cannot be negative."), field=name)
    for name in ("complaint_response_days", "complaint_resolution_working_days"):
        if int(values[name]) < 1:
            raise DomainError(_l("A complaint deadline is at least 1 day."), field=name)


def _with_settings_kept(values: dict) -> dict:
    """A setting the edit form does not send (or sends empty) keeps its value in force
    (the seed's value on the first version)."""
    missing = [k for k in EDITABLE_FIELDS if values.get(k) is None]
    if not missing:
        return values
    existing = db.session.execute(sa.select(ServiceStandard).order_by(
        ServiceStandard.version.desc()).limit(1)).scalar_one_or_none()
    kept = dict(values)
    for key in missing:
        kept[key] = getattr(existing, key) if existing is not None else SEED_STANDARD[key]
    return kept


def publish_version(actor, values: dict) -> ServiceStandard:
    """Publish a new version; earlier versions stay as they were (actor None = setup)."""
    if actor is not None:
        require(actor, "service_standard", "create")
    values = _with_settings_kept(values)
    validate_standard_values(values)
    last = db.session.execute(sa.select(sa.func.max(ServiceStandard.version))).scalar() or 0
    std = ServiceStandard(version=last + 1, created_by_id=getattr(actor, "id", None),
                          **{k: values[k] for k in EDITABLE_FIELDS})
    db.session.add(std)
    audit.record(actor, "publish", obj=std, changes=audit.diff(None, audit.snapshot(std)))
    db.session.commit()
    return std


def ensure_seed_standard() -> ServiceStandard:
    """Record the published standard as version 1 when the table is empty."""
    existing = db.session.execute(sa.select(ServiceStandard).limit(1)).scalar_one_or_none()
    if existing is not None:
        return current_standard()
    return publish_version(None, dict(SEED_STANDARD))
