"""A resident's processing history as an A4 PDF to hand to them on request
(UU 27/2022 art. 32), in Indonesian whatever the officer's language."""

from __future__ import annotations

from typing import Any

from .documents import _now_text, _tz
from .render import render_pdf


def render_processing_history(applicant: Any, history: Any, generated_by: str) -> bytes:
    """A4 'RIWAYAT PEMROSESAN DATA PRIBADI' from models.processing_history.full_history
    (the lines already worded; the NIK masked)."""
    from models.audit import mask_nik

    return render_pdf(
        "processing_history.html",
        name=applicant.name,
        masked_nik=mask_nik(applicant.nik) or "",
        entries=history.entries,
        truncated=history.has_next,
        generated_by=generated_by,
        generated_at=_now_text(_tz()),
    )
