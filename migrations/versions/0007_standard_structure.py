"""The service standard as structure (issue 10 item 3): complaint channels as rows
(kind, label, contact), the A and B components as numbered items (A1..A6, B1..B8) in
place of two free texts; the audit trail findable per resident (issue 12 item 4): an
index on (object_type, object_id) and the audit_subject link of entries that name
several residents (exports, batch documents, lookups).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:55:00.000000

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Frozen copies (a migration never imports the application).
CHANNEL_LABELS_ID = {"suggestion_box": "Kotak saran", "phone": "Telepon",
                     "whatsapp": "WhatsApp", "email": "E-mail", "web": "Situs web",
                     "in_person": "Datang langsung"}
KINDS = tuple(CHANNEL_LABELS_ID)
CODES = tuple(f"A{n}" for n in range(1, 7)) + tuple(f"B{n}" for n in range(1, 9))
SEED_DELIVERY_TEXT = (
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
)
SEED_MANAGEMENT_TEXT = (
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
)
# The seed's components as the structured version 1 has them.
SEED_COMPONENTS = [
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
]
_ITEM = re.compile(r"^\s*(\d+)\.\s*([^:]{1,120}):\s*(.*)$")


def _components(delivery, management):
    """The seed's texts -> the seed's components; an edited text is split at its
    numbered lines ("3. Heading: text"), anything unreadable kept whole in A1/B1."""
    if delivery == SEED_DELIVERY_TEXT and management == SEED_MANAGEMENT_TEXT:
        return [dict(c) for c in SEED_COMPONENTS]
    seed = {c["code"]: c for c in SEED_COMPONENTS}
    out = {}
    for part, text in (("A", delivery or ""), ("B", management or "")):
        found = {}
        stray = []
        for line in text.splitlines():
            m = _ITEM.match(line)
            code = f"{part}{m.group(1)}" if m else None
            if m and code in seed:
                found[code] = {"code": code, "heading": m.group(2).strip(),
                               "text": m.group(3).strip()}
            elif line.strip():
                stray.append(line.strip())
        for code in (c for c in CODES if c.startswith(part)):
            out[code] = found.get(code) or {"code": code, "heading": seed[code]["heading"],
                                            "text": seed[code]["text"]}
        if stray:  # kept, never lost: appended to the part's first item
            first = out[f"{part}1"]
            first["text"] = "\n".join([first["text"], *stray]).strip()
    # The contacts now live in the channel rows only.
    out["A6"]["text"] = ""
    return [out[c] for c in CODES]


def _channels(rows):
    out = []
    for row in rows or []:
        if not isinstance(row, dict):
            continue
        kind = row.get("kind") or row.get("channel")
        if kind not in KINDS:
            continue
        contact = str(row.get("contact") or "").strip()
        if kind in ("suggestion_box", "in_person") and \
                contact.casefold() == CHANNEL_LABELS_ID[kind].casefold():
            contact = ""  # "Kotak saran: Kotak saran"
        if kind in ("phone", "whatsapp"):
            digits = re.sub(r"[\s\-.()/]", "", contact)
            if digits.startswith("+62"):
                digits = "0" + digits[3:]
            contact = digits or contact
        out.append({"kind": kind, "label": "", "contact": contact})
    return out


def upgrade():
    with op.batch_alter_table('service_standard', schema=None) as batch_op:
        batch_op.add_column(sa.Column('components', sa.JSON(), nullable=True))

    table = sa.table("service_standard", sa.column("id", sa.Integer),
                     sa.column("complaint_channels", sa.JSON),
                     sa.column("components", sa.JSON),
                     sa.column("service_delivery_text", sa.Text),
                     sa.column("internal_management_text", sa.Text))
    bind = op.get_bind()
    rows = bind.execute(sa.select(table.c.id, table.c.complaint_channels,
                                  table.c.service_delivery_text,
                                  table.c.internal_management_text)).all()
    for row in rows:
        bind.execute(table.update().where(table.c.id == row.id).values(
            complaint_channels=_channels(row.complaint_channels),
            components=_components(row.service_delivery_text,
                                   row.internal_management_text)))

    with op.batch_alter_table('service_standard', schema=None) as batch_op:
        batch_op.alter_column('components', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('service_delivery_text')
        batch_op.drop_column('internal_management_text')

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_object', ['object_type', 'object_id', 'id'],
                              unique=False)

    op.create_table('audit_subject',
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicant.id'], name=op.f('fk_audit_subject_applicant_id_applicant')),
    sa.ForeignKeyConstraint(['entry_id'], ['audit_entry.id'], name=op.f('fk_audit_subject_entry_id_audit_entry')),
    sa.PrimaryKeyConstraint('applicant_id', 'entry_id', name=op.f('pk_audit_subject'))
    )


def downgrade():
    op.drop_table('audit_subject')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_object')

    with op.batch_alter_table('service_standard', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_delivery_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('internal_management_text', sa.Text(), nullable=True))
    table = sa.table("service_standard", sa.column("id", sa.Integer),
                     sa.column("complaint_channels", sa.JSON),
                     sa.column("components", sa.JSON),
                     sa.column("service_delivery_text", sa.Text),
                     sa.column("internal_management_text", sa.Text))
    bind = op.get_bind()
    for row in bind.execute(sa.select(table.c.id, table.c.complaint_channels,
                                      table.c.components)).all():
        channels = row.complaint_channels or []
        texts = {"A": [], "B": []}
        for item in row.components or []:
            code = item.get("code", "")
            text = item.get("text", "")
            if code == "A6":
                text = "; ".join(
                    CHANNEL_LABELS_ID.get(c["kind"], c["kind"])
                    + (f": {c['contact']}" if c.get("contact") else "") for c in channels)
            texts.setdefault(code[:1], []).append(
                f"{code[1:]}. {item.get('heading', '')}: {text}".strip())
        bind.execute(table.update().where(table.c.id == row.id).values(
            service_delivery_text="\n".join(texts["A"]),
            internal_management_text="\n".join(texts["B"]),
            complaint_channels=[{"channel": c["kind"], "contact": c.get("contact") or
                                 CHANNEL_LABELS_ID.get(c["kind"], c["kind"])}
                                for c in channels]))
    with op.batch_alter_table('service_standard', schema=None) as batch_op:
        batch_op.alter_column('service_delivery_text', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('internal_management_text', existing_type=sa.Text(),
                              nullable=False)
        batch_op.drop_column('components')
