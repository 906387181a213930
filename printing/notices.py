"""Notices for the office's board: today's blank stock (A4), with the address of the
public stock page (PUBLIC_BASE_URL) as text and as a QR code."""

from __future__ import annotations

from typing import Any

from .documents import _now_text, _svg_data_uri, _tz, day_name, long_date, qr_svg
from .render import render_pdf


def render_stock_notice(notice: Any, page_url: str) -> bytes:
    """A4 'PENGUMUMAN KETERSEDIAAN BLANGKO KTP-el' from models.public.StockNotice."""
    last = notice.last_receipt_on
    return render_pdf(
        "stock_notice.html",
        day=day_name(notice.on),
        date_long=long_date(notice.on),
        counted_at=notice.at_text,
        available=notice.available,
        last_receipt=(f"{day_name(last)}, {long_date(last)}" if last else ""),
        page_url=page_url,
        qr=_svg_data_uri(qr_svg(page_url)),
        generated_at=_now_text(_tz()),
    )
