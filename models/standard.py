"""The published service standard, versioned: the values that drive the rules and the
public page (nothing in the code hard-codes 17, 1 h or 24 h)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, codes
from .complaints import CHANNEL_LABELS, CHANNELS
from .db import Model, db
from .errors import DomainError
from .office_time import utcnow
from .permissions import require
from .transitions import JustProcessed, atomic

# Values of the published standard Dukcapil/T/334/461/III/2022 (shared/seed).
# One component's text: long, but not unbounded; a heading is a line.
MAX_TEXT = 4_000
MAX_HEADING = 120
MAX_LABEL = 60
MAX_CONTACT = 120
MAX_CHANNELS = 12
# The numbered components of the standard (seed README): A service delivery,
# B internal management; A6 lists the complaint channels, rendered from their rows.
COMPONENT_CODES: tuple[str, ...] = (*(f"A{n}" for n in range(1, 7)),
                                    *(f"B{n}" for n in range(1, 9)))
CHANNELS_COMPONENT = "A6"

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
    # Each channel once, its contact only here (components render it, never retype it).
    "complaint_channels": [
        {"kind": "suggestion_box", "label": "", "contact": ""},
        {"kind": "phone", "label": "", "contact": "081237634471"},
        {"kind": "whatsapp", "label": "", "contact": "0812376344"},
        {"kind": "email", "label": "", "contact": "5311.dukcapil@gmail.com"},
    ],
    "components": [
        {"code": "A1", "heading": "Persyaratan Administrasi",
         "text": "a. Telah berusia 17 tahun, sudah kawin atau pernah kawin;\n"
                 "b. Fotokopi Kartu Keluarga;\nc. Penduduk mengisi F-1.02;\n"
                 "d. Dinas menerbitkan KTP-el baru."},
        {"code": "A2", "heading": "Sistem, Mekanisme dan Prosedur",
         "text": "Pemohon → perekaman KTP-el (operator) → menerima berkas permohonan "
                 "(operator) → pencetakan (operator) → menerima KTP-el (pemohon)."},
        {"code": "A3", "heading": "Jangka Waktu Pelayanan",
         "text": "1 (satu) jam; paling lama 24 (dua puluh empat) jam apabila terjadi "
                 "gangguan jaringan komunikasi dan/atau sarana prasarana yang berhubungan "
                 "dengan penyelesaian dokumen kependudukan."},
        {"code": "A4", "heading": "Biaya/Tarif", "text": "Gratis."},
        {"code": "A5", "heading": "Produk Pelayanan",
         "text": "Kartu Tanda Penduduk Elektronik (KTP-el)."},
        {"code": "A6", "heading": "Penanganan Pengaduan, Saran dan Masukan", "text": ""},
        {"code": "B1", "heading": "Dasar Hukum",
         "text": "UU 25/2009 tentang Pelayanan Publik; Perpres 96/2018; Permendagri "
                 "1/2014; PermenPAN-RB 15/2014; Permendagri 109/2019; Perda Kabupaten "
                 "Sumba Timur 5/2017 tentang Perubahan atas Perda 7/2010."},
        {"code": "B2", "heading": "Sarana, Prasarana dan/atau Fasilitas",
         "text": "ATK, printer, komputer, telepon, ruang kerja, meja, kursi, jaringan "
                 "komunikasi data dan kamera."},
        {"code": "B3", "heading": "Kompetensi Pelaksana",
         "text": "Memahami peraturan perundang-undangan; mampu dan terampil "
                 "mengoperasikan komputer dengan aplikasi SIAK."},
        {"code": "B4", "heading": "Pengawasan Internal",
         "text": "Kepala Bidang, Sekretaris, Kepala Dinas."},
        {"code": "B5", "heading": "Jumlah Pelaksana",
         "text": "1 orang operator perekaman dan 1 orang operator pencetakan."},
        {"code": "B6", "heading": "Jaminan Pelayanan",
         "text": "Penerbitan KTP-el yang transparan, cepat dan tepat; tersedianya SOP; "
                 "tersedianya kode etik petugas pelayanan."},
        {"code": "B7", "heading": "Jaminan Keamanan dan Keselamatan Pelayanan",
         "text": "KTP-el dicetak dengan blanko sesuai spesifikasi standar dan dijamin "
                 "keasliannya; KTP-el yang sudah dicetak namun belum diambil disimpan oleh "
                 "petugas sampai pemohon datang untuk mengambil."},
        {"code": "B8", "heading": "Evaluasi Kinerja Pelaksana", "text": "1 bulan sekali."},
    ],
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
    # [{"kind", "label", "contact"}]: the one place the office's contacts are kept.
    complaint_channels: Mapped[list] = mapped_column(sa.JSON)
    # [{"code": "A1".."B8", "heading", "text"}] in COMPONENT_CODES order.
    components: Mapped[list] = mapped_column(sa.JSON)
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
    def channels(self) -> list[Channel]:
        """The complaint channels, each with its display label."""
        return [Channel(str(c.get("kind", "")), str(c.get("label") or ""),
                        str(c.get("contact") or ""))
                for c in (self.complaint_channels or []) if isinstance(c, dict)]

    @property
    def parts(self) -> dict[str, list[Component]]:
        """{"A": [A1..A6], "B": [B1..B8]}; A6 carries the channel rows."""
        out: dict[str, list[Component]] = {"A": [], "B": []}
        for item in self.components or []:
            code = str(item.get("code", ""))
            if code[:1] in out:
                out[code[:1]].append(Component(
                    code, str(item.get("heading") or ""), str(item.get("text") or ""),
                    self.channels if code == CHANNELS_COMPONENT else []))
        return out

    def component(self, code: str) -> Component | None:
        return next((c for c in self.parts.get(code[:1], []) if c.code == code), None)

    @property
    def fee_text(self) -> str:
        """"Gratis / tanpa biaya", or the amount (Rp 10.000)."""
        return fee_text(self.fee)

    @property
    def marital_codes(self) -> frozenset[str]:
        """The marital statuses that make someone eligible whatever their age."""
        return parse_marital_codes(self.eligible_marital_statuses)

    def __str__(self) -> str:
        return f"{self.document_number} (v{self.version})"


@dataclass(frozen=True)
class Channel:
    """One complaint channel: its kind, an optional label, its contact (a suggestion
    box or the counter: where it is)."""

    kind: str
    label: str
    contact: str

    @property
    def display_label(self) -> str:
        """The label, or the kind's own name in the current language."""
        return self.label or str(CHANNEL_LABELS.get(self.kind, self.kind))

    @property
    def text(self) -> str:
        """"WhatsApp: 0812376344"; never a label repeated as its own contact."""
        label = self.display_label
        if not self.contact or self.contact.casefold() == label.casefold():
            return label
        return f"{label}: {self.contact}"

    @property
    def is_contact(self) -> bool:
        """Phone, WhatsApp, e-mail: something a resident can reach from home."""
        return self.kind in CONTACT_KINDS and bool(self.contact)


@dataclass(frozen=True)
class Component:
    """One numbered component (A1..B8) with its heading and text."""

    code: str
    heading: str
    text: str
    channels: list[Channel] = field(default_factory=list)

    @property
    def rendered_text(self) -> str:
        """The text as printed; A6 lists its channels from their rows (a; b; c)."""
        if self.code != CHANNELS_COMPONENT:
            return self.text
        listed = "; ".join(f"{chr(ord('a') + n)}. {c.text}"
                           for n, c in enumerate(self.channels))
        return " ".join(p for p in (self.text.strip(), listed + "." if listed else "") if p)


def fee_text(fee: int | None) -> str:
    """What the public page says of the fee."""
    if not fee:
        return str(_l("Free / no charge"))
    return "Rp " + f"{int(fee):,}".replace(",", ".")


def office_contacts(standard: ServiceStandard | None = None) -> str:
    """The office's phone, WhatsApp and e-mail as one Indonesian line for documents
    ("HP: ...; WhatsApp: ..."), from the version in force unless one is given."""
    from flask_babel import force_locale

    standard = standard or current_standard()
    with force_locale("id"):  # printed for the resident, in Indonesian
        return "; ".join(c.text for c in standard.channels if c.is_contact)


def channel_texts(standard: ServiceStandard | None, locale: str = "id") -> list[str]:
    """Every channel as printed on a document ("Kotak saran", "WhatsApp: 08...")."""
    from flask_babel import force_locale

    if standard is None:
        return []
    with force_locale(locale):
        return [c.text for c in standard.channels]


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
# Every text of a version within its column's limit (String(n)).
TEXT_LIMITS = {"document_number": 80, "unit": 120}
# Phone and WhatsApp numbers as written in Indonesia: separators allowed, +62 read as 0.
_NUMBER_SEPARATORS = re.compile(r"[\s\-.()/]")
PHONE_NUMBER = re.compile(r"0[1-9][0-9]{7,11}")  # landline with area code, or mobile
MOBILE_NUMBER = re.compile(r"08[0-9]{8,11}")  # 08xx: what WhatsApp needs
EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
WEB_ADDRESS = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]+)?(/[^\s]*)?")
# Kinds whose contact is a number or an address; the others name a place.
CONTACT_KINDS = ("phone", "whatsapp", "email")
PLACE_KINDS = ("suggestion_box", "in_person")


def _number(text: str) -> str:
    digits = _NUMBER_SEPARATORS.sub("", text)
    if digits.startswith("+62"):
        digits = "0" + digits[3:]
    elif digits.startswith("62"):
        digits = "0" + digits[2:]
    return digits


def _looks_like_contact(text: str) -> bool:
    return "@" in text or sum(ch.isdigit() for ch in text) >= 6


def clean_channel(kind: str, label: str, contact: str, field_prefix: str) -> dict[str, str]:
    """One channel row checked for its kind: the row as stored, or a DomainError on
    the field at fault ("<prefix>kind", "<prefix>label", "<prefix>contact")."""
    kind, label, contact = kind.strip(), " ".join(label.split()), contact.strip()
    if kind not in CHANNELS:
        raise DomainError(_l("Choose the kind of channel from the list."),
                          field=field_prefix + "kind")
    if len(label) > MAX_LABEL:
        raise DomainError(_l("At most %(n)d characters.", n=MAX_LABEL),
                          field=field_prefix + "label")
    if len(contact) > MAX_CONTACT:
        raise DomainError(_l("At most %(n)d characters.", n=MAX_CONTACT),
                          field=field_prefix + "contact")
    if kind in ("phone", "whatsapp"):
        number = _number(contact)
        pattern = MOBILE_NUMBER if kind == "whatsapp" else PHONE_NUMBER
        if not number.isascii() or not pattern.fullmatch(number):
            message = (_l("Write a mobile number in Indonesian form, e.g. 081237634471.")
                       if kind == "whatsapp" else
                       _l("Write a phone number in Indonesian form, e.g. 081237634471 "
                          "or 0387-61234."))
            raise DomainError(message, field=field_prefix + "contact")
        contact = number
    elif kind == "email":
        if not contact.isascii() or not EMAIL_ADDRESS.fullmatch(contact):
            raise DomainError(_l("Write an e-mail address, e.g. 5311.dukcapil@gmail.com."),
                              field=field_prefix + "contact")
        local, _at, domain = contact.partition("@")
        contact = f"{local}@{domain.lower()}"
    elif kind == "web":
        if contact and not WEB_ADDRESS.fullmatch(contact):
            raise DomainError(_l("Write a web address starting with https://, or leave "
                                 "it empty for the office's complaint form."),
                              field=field_prefix + "contact")
    else:  # a suggestion box or the counter: where it is, not a number
        if _looks_like_contact(contact):
            raise DomainError(_l("Write where it is (e.g. Lobi kantor), not a phone "
                                 "number or e-mail address: those have their own kinds."),
                              field=field_prefix + "contact")
        contact = " ".join(contact.split())
        own_label = str(CHANNEL_LABELS[kind])
        if contact.casefold() in (label.casefold(), own_label.casefold()):
            contact = ""  # "Kotak saran: Kotak saran" says nothing twice
    if label.casefold() == str(CHANNEL_LABELS[kind]).casefold():
        label = ""  # the kind's own name: shown in the reader's language
    return {"kind": kind, "label": label, "contact": contact}


def clean_channels(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The channel rows as stored; a row left entirely empty is skipped, errors name
    "channels-<n>-<field>" (n: the row's position as given)."""
    out: list[dict[str, str]] = []
    for n, row in enumerate(rows or []):
        parts = {k: str(row.get(k) or "") for k in ("kind", "label", "contact")}
        if not any(v.strip() for v in parts.values()):
            continue
        cleaned = clean_channel(parts["kind"], parts["label"], parts["contact"],
                                f"channels-{n}-")
        if any((c["kind"], c["contact"]) == (cleaned["kind"], cleaned["contact"])
               for c in out):
            raise DomainError(_l("This channel is listed twice."),
                              field=f"channels-{n}-contact")
        out.append(cleaned)
    if not out:
        raise DomainError(_l("List at least one complaint channel."), field="channels-0-kind")
    if len(out) > MAX_CHANNELS:
        raise DomainError(_l("At most %(n)d channels.", n=MAX_CHANNELS),
                          field="channels-0-kind")
    return out


def clean_components(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A1..A6, B1..B8 each with a heading and (but A6, which lists the channels) a text;
    errors name "component_<code>-heading" or "-text"."""
    given = {str(r.get("code")): r for r in rows or [] if isinstance(r, dict)}
    out = []
    for code in COMPONENT_CODES:
        row = given.get(code) or {}
        heading = " ".join(str(row.get("heading") or "").split())
        text = str(row.get("text") or "").replace("\r\n", "\n").strip()
        if not heading:
            raise DomainError(_l("Each component needs its heading."),
                              field=f"component_{code}-heading")
        if len(heading) > MAX_HEADING:
            raise DomainError(_l("At most %(n)d characters.", n=MAX_HEADING),
                              field=f"component_{code}-heading")
        if not text and code != CHANNELS_COMPONENT:
            raise DomainError(_l("Write what the standard says for this component."),
                              field=f"component_{code}-text")
        if len(text) > MAX_TEXT:
            raise DomainError(_l("At most %(n)d characters.", n=MAX_TEXT),
                              field=f"component_{code}-text")
        out.append({"code": code, "heading": heading, "text": text})
    return out


def validate_standard_values(values: dict) -> dict:
    """Check a version's values; returns them with channels and components as stored."""
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
    return {**values, "complaint_channels": clean_channels(values["complaint_channels"]),
            "components": clean_components(values["components"])}


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


def publish_version(actor: Any, values: dict, based_on: int | None = None
                    ) -> ServiceStandard:
    """Publish a new version; earlier versions stay as they were (actor None = setup).

    `based_on`: the version the edit started from. If another version was published
    since (or at the same moment: the unique version number decides), this one is
    refused with JustProcessed and nothing is stored."""
    with atomic():
        std = _draft(actor, values)
        if based_on is not None and std.version != based_on + 1:
            raise JustProcessed()
        db.session.add(std)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            raise JustProcessed() from None
        audit.record(actor, "publish", obj=std,
                     changes=audit.diff(None, audit.snapshot(std)))
    return std


def _draft(actor: Any, values: dict) -> ServiceStandard:
    if actor is not None:
        require(actor, "service_standard", "create")
    values = validate_standard_values(_with_settings_kept(values))
    last = db.session.execute(sa.select(sa.func.max(ServiceStandard.version))).scalar() or 0
    return ServiceStandard(version=last + 1, created_by_id=getattr(actor, "id", None),
                           **{k: values[k] for k in EDITABLE_FIELDS})


def preview_version(actor: Any, values: dict) -> ServiceStandard:
    """The version `values` would publish, checked like publish_version but never
    added to the session: what the public page would show, nothing stored."""
    return _draft(actor, values)


def ensure_seed_standard() -> ServiceStandard:
    """Record the published standard as version 1 when the table is empty."""
    existing = db.session.execute(sa.select(ServiceStandard).limit(1)).scalar_one_or_none()
    if existing is not None:
        return current_standard()
    return publish_version(None, dict(SEED_STANDARD))
