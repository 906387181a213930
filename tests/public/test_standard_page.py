"""/ shows the standard in force from its structure: the fee said plainly (free of
charge, or the amount), the channels from their rows, A1..B8 with their headings."""

from __future__ import annotations

import re

from models.standard import SEED_STANDARD, publish_version
from tests.factories import user_of


def page(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_says_the_service_is_free_of_charge(client) -> None:
    text = page(client)
    free = text.split('data-testid="free-of-charge"')[1].split("</div>")[0]
    assert "Gratis / tanpa biaya" in free and "Layanan ini gratis" in free
    assert "Gratis / tanpa biaya" in text.split('data-testid="fee-text"')[1][:80]
    assert 'data-testid="fee"' not in text


def test_a_fee_would_be_shown_as_its_amount(app, client) -> None:
    publish_version(user_of("admin"), dict(SEED_STANDARD, fee=15000))
    text = page(client)
    assert 'data-testid="free-of-charge"' not in text and "Gratis / tanpa biaya" not in text
    assert "Rp 15.000" in text.split('data-testid="fee"')[1][:200]


def test_channels_and_components_come_from_their_rows(client) -> None:
    text = page(client)
    channels = text.split('data-testid="channels"')[1].split("</ul>")[0]
    items = [re.sub(r"<[^>]+>", "", li).strip()
             for li in re.findall(r"<li>(.*?)</li>", channels, re.S)]
    assert items == ["Kotak saran", "Telepon: 081237634471", "WhatsApp: 0812376344",
                     "E-mail: 5311.dukcapil@gmail.com", "Situs web: formulir pengaduan"]
    assert "Kotak saran: Kotak saran" not in text
    for code, heading in (("A1", "Persyaratan Administrasi"), ("A6", "Penanganan Pengaduan"),
                          ("B4", "Pengawasan Internal"), ("B8", "Evaluasi Kinerja")):
        block = text.split(f'data-testid="component-{code}"')[1][:300]
        assert f"{code}. {heading}" in block
    a6 = text.split('data-testid="component-A6"')[1].split("</ol>")[0]
    assert "WhatsApp: 0812376344" in a6 and "E-mail: 5311.dukcapil@gmail.com" in a6
