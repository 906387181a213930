"""The service standard's screen: channel rows and numbered components, "Pratinjau"
before publishing (nothing stored, the form kept), refusals in Indonesian on their
field, one contact shown everywhere after a change, the administrator only."""

from __future__ import annotations

import html
import io
import re

import sqlalchemy as sa
from pypdf import PdfReader

from models import AuditEntry, Complaint, db
from models.complaints import record_complaint
from models.standard import ServiceStandard, current_standard
from tests.factories import Auth, standard_form_data, user_of

URL = "/admin/servicestandard/new/"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
OLD_WHATSAPP = re.compile(r"0812376344(?!\d)")  # a prefix of the phone 081237634471


def page_of(response) -> str:
    return response.get_data(as_text=True)


def stored() -> tuple[int, int]:
    count = sa.select(sa.func.count()).select_from
    return (db.session.execute(count(ServiceStandard)).scalar(),
            db.session.execute(count(AuditEntry).where(AuditEntry.action == "publish"))
            .scalar())


def new_whatsapp(number: str) -> dict:
    rows = [dict(c) for c in current_standard().complaint_channels]
    rows[2]["contact"] = number
    return standard_form_data(rows, document_number="Dukcapil/T/401/461/I/2027")


def test_the_form_lays_out_channel_rows_and_numbered_components(admin_user) -> None:
    form = page_of(admin_user.client.get(URL))
    assert 'name="channels-2-kind"' in form and 'name="channels-2-contact"' in form
    assert 'value="0812376344"' in form  # the rows of the version in force
    for code in ("A1", "A6", "B1", "B8"):
        assert f'name="component_{code}-heading"' in form
    # Each text has room: a textarea with at least four rows (A6 lists the channels).
    rows = re.findall(r'<textarea[^>]*name="component_(\w\d)-text"[^>]*rows="(\d+)"', form) + \
        re.findall(r'<textarea[^>]*rows="(\d+)"[^>]*name="component_(\w\d)-text"', form)
    sizes = {a if a[0] in "AB" else b: int(b if a[0] in "AB" else a) for a, b in rows}
    assert len(sizes) == 14 and all(n >= 4 for code, n in sizes.items() if code != "A6")
    assert 'data-testid="preview"' in form


def test_preview_shows_the_public_page_stores_nothing_and_keeps_the_form(admin_user) -> None:
    before = stored()
    data = new_whatsapp("081339990000")
    data["component_B8-text"] = "Setiap bulan, dilaporkan ke Kepala Dinas."
    preview = admin_user.post(URL, dict(data, _preview="1"), token_from=URL)
    page = page_of(preview)
    assert preview.status_code == 200 and 'data-testid="standard-preview"' in page
    shown = page.split('data-testid="standard-preview"')[1].split("</div>\n<form")[0]
    assert "WhatsApp: 081339990000" in shown and not OLD_WHATSAPP.search(shown)
    assert "Setiap bulan, dilaporkan ke Kepala Dinas." in shown
    assert "Gratis / tanpa biaya" in shown and "Dukcapil/T/401/461/I/2027" in shown
    assert stored() == before and current_standard().version == 1
    # Back to editing: the form comes back as it was filled.
    carried = {}
    for name, value in HIDDEN.findall(page):
        carried.setdefault(name, []).append(html.unescape(value))
    carried = {k: v if len(v) > 1 else v[0] for k, v in carried.items()}
    back = page_of(admin_user.client.post(URL, data=dict(carried, _back="1")))
    assert 'value="081339990000"' in back
    assert "Setiap bulan, dilaporkan ke Kepala Dinas." in back
    assert stored() == before
    # Publishing from the preview publishes what was previewed.
    published = admin_user.client.post(URL, data=carried)
    assert published.status_code == 302
    std = current_standard()
    assert (std.version, std.document_number) == (2, "Dukcapil/T/401/461/I/2027")
    assert std.component("B8").text == "Setiap bulan, dilaporkan ke Kepala Dinas."
    assert stored() == (before[0] + 1, before[1] + 1)


def test_bad_input_is_refused_in_indonesian_on_its_field_and_nothing_stored(
        admin_user) -> None:
    before = stored()
    cases = {
        "channels-3-contact": ({"channels-3-contact": "dukcapil-at-gmail"},
                               "Tulis alamat e-mail"),
        "channels-0-contact": ({"channels-0-contact": "081237634471"},
                               "bukan nomor telepon"),
        "component_A2-heading": ({"component_A2-heading": ""},
                                 "Setiap komponen memerlukan judul."),
        "component_B1-text": ({"component_B1-text": "x" * 4001}, "4000"),
        "channels-1-kind": ({"channels-1-kind": "fax"}, "Pilih"),
    }
    for field, (change, message) in cases.items():
        for button in ({}, {"_preview": "1"}):
            response = admin_user.post(URL, dict(standard_form_data(), **change, **button),
                                       token_from=URL)
            page = page_of(response)
            assert response.status_code == 200, field
            error = page.split(f'data-testid="error-{field}"')
            assert len(error) == 2 and message in error[1][:300], (field, button)
    assert stored() == before


def test_a_new_whatsapp_number_shows_on_the_public_page_a6_and_the_acknowledgement(
        app, admin_user) -> None:
    assert admin_user.post(URL, new_whatsapp("0813-3999-0000"), token_from=URL) \
        .status_code == 302
    details = page_of(admin_user.client.get(
        f"/admin/servicestandard/details/?id={current_standard().id}"))
    assert "c. WhatsApp: 081339990000" in details and not OLD_WHATSAPP.search(details)
    public = page_of(app.test_client().get("/"))
    a6 = public.split('data-testid="component-A6"')[1].split("</li>\n")[0:3]
    assert "WhatsApp: 081339990000" in public and not OLD_WHATSAPP.search(public)
    assert "081339990000" in " ".join(a6)
    complaint = record_complaint(Complaint(channel="in_person", kind="complaint",
                                           subject="Antrean", body="Lama menunggu."),
                                 user_of("head_of_division"))
    head = Auth(app.test_client())  # a second browser: the counter's
    assert head.login("head_of_division").status_code == 302
    pdf = head.client.get(f"/admin/complaint/acknowledgement/?id={complaint.id}")
    assert pdf.status_code == 200
    text = "".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
                   .split())
    assert "WhatsApp:081339990000" in text and not OLD_WHATSAPP.search(text)


def test_only_the_administrator_opens_the_form_or_previews(head_of_division) -> None:
    assert head_of_division.client.get(URL).status_code == 403
    response = head_of_division.post(URL, dict(standard_form_data(), _preview="1"))
    assert response.status_code == 403
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "forbidden",
        AuditEntry.object_type == "service_standard")).scalar() == 2


def test_a_form_opened_before_another_version_was_published_is_refused(admin_user) -> None:
    stale = standard_form_data(fee="0")  # built from version 1
    assert 'name="based_on_version"' in page_of(admin_user.client.get(URL))
    assert admin_user.post(URL, new_whatsapp("081339990000"), token_from=URL) \
        .status_code == 302
    response = admin_user.post(URL, dict(stale, sla_hours="3"), token_from=URL)
    assert response.status_code == 200
    assert "baru saja diproses oleh petugas lain" in page_of(response).lower()
    assert (current_standard().version, current_standard().sla_hours) == (2, 1)


def test_there_is_always_room_for_two_more_channels_and_no_more_than_twelve(
        admin_user) -> None:
    six = [{"kind": "phone", "contact": f"08123763{n:04d}"} for n in range(6)]
    assert admin_user.post(URL, standard_form_data(six), token_from=URL).status_code == 302
    form = page_of(admin_user.client.get(URL))
    assert 'name="channels-7-kind"' in form and 'name="channels-8-kind"' not in form
    before = stored()
    thirteen = [{"kind": "phone", "contact": f"08123763{n:04d}"} for n in range(13)]
    response = admin_user.post(URL, standard_form_data(thirteen), token_from=URL)
    assert response.status_code == 200 and "Paling banyak 12 saluran." in page_of(response)
    assert stored() == before
