"""Paper documents around the cards: batch manifest, handover receipt (with its QR
code), blank destruction report and blank stock reconciliation.

Each function gathers and formats what its template shows (the templates in
printing/templates/ stay plain HTML/CSS with the Indonesian texts) and returns PDF bytes.
Times stored as naive UTC are printed in the office's zone (WITA).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from models.office_time import format_date, office_date, utcnow

from .receipt import _office_timezone, local_text
from .render import render_pdf

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
_ONES = ("", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
         "sembilan", "sepuluh", "sebelas")


# ---------------------------------------------------------------- helpers


def qr_svg(data: str) -> str:
    """A QR code (error correction M or better) of `data` as a standalone SVG document
    with a viewBox and no fixed size: it scales to whatever width it is given. The
    4-module quiet zone is included."""
    import segno

    out = io.BytesIO()
    segno.make(data, error="m", micro=False).save(
        out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, border=4,
        dark="#000", light="#fff")
    return out.getvalue().decode("utf-8")


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def long_date(d: date) -> str:
    """17 Agustus 2025."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def day_name(d: date) -> str:
    return DAYS[d.weekday()]


def in_words(n: int) -> str:
    """An amount in Indonesian words, as official reports write it: 12 -> dua belas."""
    if n < 0:
        return "minus " + in_words(-n)
    if n < 12:
        return _ONES[n] if n else "nol"
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    for size, word in ((1_000_000_000, "miliar"), (1_000_000, "juta"), (1000, "ribu"),
                       (100, "ratus"), (10, "puluh")):
        if n >= size:
            head, rest = divmod(n, size)
            if head == 1 and size in (1000, 100):
                text = "seribu" if size == 1000 else "seratus"
            elif size == 10:
                text = f"{_ONES[head]} puluh"
            else:
                text = f"{in_words(head)} {word}"
            return text + (" " + in_words(rest) if rest else "")
    raise AssertionError(n)


def _tz() -> str:
    return _office_timezone()


def _now_text(tz: str) -> str:
    return local_text(utcnow(), tz)


def _name(user: Any) -> str:
    return (getattr(user, "full_name", None) or "").strip() if user is not None else ""


# ---------------------------------------------------------------- batch manifest


def manifest_context(batch: Any, approver_name: str | None, tz: str | None = None) -> dict:
    """A printed batch lists its cards as printed (each card's printed_data); one not
    printed yet lists its applications with their data now."""
    from models.cards import card_issued_data

    tz = tz or _tz()
    rows = []
    if batch.cards:
        for card in sorted(batch.cards, key=lambda c: (c.blank.serial if c.blank else "")):
            issued = card_issued_data(card)  # as printed, whatever was edited since
            rows.append({"serial": card.blank.serial if card.blank else "",
                         "nik": issued["nik"], "name": issued["name"],
                         "application": card.application.number,
                         "status": card.status, "kind": "card"})
    else:  # not printed yet: the applications in the batch, no blanks allocated
        for application in sorted(batch.applications, key=lambda a: a.id):
            rows.append({"serial": "", "nik": application.applicant.nik,
                         "name": application.applicant.name,
                         "application": application.number,
                         "status": application.status, "kind": "application"})
    approved_by = _name(batch.approved_by)
    return {
        "number": batch.number,
        "status": batch.status,
        "created_by": _name(batch.created_by),
        "created_at": local_text(batch.created_at, tz),
        "submitted_at": local_text(batch.submitted_at, tz),
        "approved_by": approved_by,
        "approved_at": local_text(batch.approved_at, tz),
        "decision_note": batch.decision_note or "",
        "printed_by": _name(batch.printed_by),
        "printed_at": local_text(batch.printed_at, tz),
        "rows": rows,
        "count": len(rows),
        "count_good": sum(r["status"] in ("stored", "handed_over") for r in rows),
        "count_spoiled": sum(r["status"] == "spoiled" for r in rows),
        "operator_name": _name(batch.printed_by) or _name(batch.created_by),
        "approver_name": (approver_name or "").strip() or approved_by,
        "generated_at": _now_text(tz),
    }


def render_manifest(batch: Any, approver_name: str | None) -> bytes:
    """A4 batch manifest: serial <-> NIK <-> name, with signature lines for the
    printing operator and the head of division (approver_name, else the approver)."""
    return render_pdf("manifest.html", **manifest_context(batch, approver_name))


# ---------------------------------------------------------------- handover receipt


def handover_number(card: Any, tz: str | None = None) -> str:
    """The handover receipt's number: PNY-YYMMDD-<card id>, the day in WITA."""
    day = office_date(card.handed_over_at or utcnow())
    return f"PNY-{day:%y%m%d}-{card.id:06d}"


def handover_context(card: Any, verify_url: str, tz: str | None = None) -> dict:
    if card.status != "handed_over" or card.handed_over_at is None:
        raise ValueError(f"card {card.id} has not been handed over")
    from flask import current_app

    from models.cards import card_issued_data
    from models.residents import masked_nik
    from models.survey import survey_code

    from .links import survey_url

    tz = tz or _tz()
    application = card.application
    issued = card_issued_data(card)  # the card handed over, as printed
    survey = survey_code(card, str(current_app.config["SECRET_KEY"]))
    survey_link = survey_url(survey)
    return {
        "number": handover_number(card, tz),
        "application_number": application.number,
        "masked_nik": masked_nik(issued["nik"]),
        "name": issued["name"],
        "serial": card.blank.serial if card.blank else "",
        "receiver_name": card.receiver_name or "",
        "relation": card.receiver_relation or "",
        "id_checked": bool(card.receiver_id_checked),
        "authority_letter": bool(card.authority_letter),
        "handed_over_by": _name(card.handed_over_by),
        "handed_over_at": local_text(card.handed_over_at, tz),
        "verify_url": verify_url,
        "qr": _svg_data_uri(qr_svg(verify_url)),
        # The satisfaction survey (SKM): its QR code and the short code the kiosk takes.
        "survey_code": survey,
        "survey_url": survey_link,
        "survey_qr": _svg_data_uri(qr_svg(survey_link)),
        "generated_at": _now_text(tz),
    }


def render_handover_receipt(card: Any, verify_url: str) -> bytes:
    """A5 'TANDA TERIMA PENYERAHAN KTP-el' with a QR code of verify_url (exactly)."""
    return render_pdf("handover_receipt.html", **handover_context(card, verify_url))


# ---------------------------------------------------------------- destruction report


def _spoil_reason(blank: Any) -> str:
    """Why the blank was spoiled: the card's reason (destroying a blank overwrites
    its status_reason with the destruction note), else the blank's status_reason."""
    card = getattr(blank, "card", None)
    return (getattr(card, "spoil_reason", None) or blank.status_reason or "").strip()


def destruction_context(blanks: Iterable[Any], actor_name: str, note: str, on: date,
                        tz: str | None = None, number: str = "") -> dict:
    rows = [{"serial": b.serial, "reason": _spoil_reason(b)}
            for b in sorted(blanks, key=lambda b: b.serial)]
    return {
        "rows": rows,
        "count": len(rows),
        "count_words": in_words(len(rows)),
        "day": day_name(on),
        "date_long": long_date(on),
        "date": format_date(on),
        "actor_name": (actor_name or "").strip(),
        "note": (note or "").strip(),
        "number": number,
        "generated_at": _now_text(tz or _tz()),
    }


def render_destruction_report(blanks: Iterable[Any], actor_name: str, note: str,
                              on: date, number: str = "") -> bytes:
    """A4 'BERITA ACARA PEMUSNAHAN BLANGKO KTP-el RUSAK' for spoiled blanks; `number`
    is the report's (models.blanks.DestructionReport.number)."""
    return render_pdf("destruction_report.html",
                      **destruction_context(blanks, actor_name, note, on, number=number))


# ---------------------------------------------------------------- reconciliation

STATUS_ORDER = ("available", "reserved", "used", "spoiled", "lost", "returned", "destroyed")


def reconciliation_context(rec: Any, generated_by: str, tz: str | None = None) -> dict:
    counts = {s: int(rec.status_counts.get(s, 0)) for s in STATUS_ORDER}
    for status, n in rec.status_counts.items():  # any status not foreseen above
        counts.setdefault(status, int(n))
    flow = rec.opening + rec.received - rec.used - rec.spoiled - rec.lost - rec.returned
    return {
        "start": format_date(rec.start),
        "end": format_date(rec.end),
        "opening": rec.opening, "received": rec.received, "used": rec.used,
        "spoiled": rec.spoiled, "lost": rec.lost, "returned": rec.returned,
        "destroyed": rec.destroyed, "released": rec.released, "closing": rec.closing,
        "flow": flow,
        "counts": counts,
        "counts_total": sum(counts.values()),
        "on_hand": counts.get("available", 0) + counts.get("reserved", 0),
        "total_received": rec.total_received,
        "balances": bool(rec.balances),
        "generated_by": (generated_by or "").strip(),
        "generated_at": _now_text(tz or _tz()),
    }


def render_reconciliation(rec: Any, generated_by: str) -> bytes:
    """A4 blank stock reconciliation (models.batches.Reconciliation), SEIMBANG or not."""
    return render_pdf("reconciliation.html", **reconciliation_context(rec, generated_by))


# ---------------------------------------------------------------- complaint acknowledgement


def render_complaint_acknowledgement(complaint: Any, follow_url: str,
                                     contacts: str = "") -> bytes:
    """A5 'TANDA TERIMA PENGADUAN' for a complaint received in person: ticket, date
    received and deadlines (WITA), and how to follow it (follow_url, also as QR)."""
    from flask_babel import force_locale

    from models.complaints import CHANNEL_LABELS, KIND_LABELS, due_day
    from models.office_time import format_date, format_datetime

    with force_locale("id"):  # the resident's paper is in Indonesian
        kind = str(KIND_LABELS.get(complaint.kind, complaint.kind))
        channel = str(CHANNEL_LABELS.get(complaint.channel, complaint.channel))
    first_due, resolution_due = (due_day(complaint.first_response_due_at),
                                 due_day(complaint.resolution_due_at))
    return render_pdf(
        "complaint_acknowledgement.html",
        ticket=complaint.ticket,
        kind=kind,
        channel=channel,
        received_at=format_datetime(complaint.received_at),
        name=complaint.complainant_name or "",
        application_number=complaint.application.number if complaint.application else "",
        subject=complaint.subject,
        first_response_due=(f"{day_name(first_due)}, {format_date(first_due)}"
                            if first_due else ""),
        resolution_due=(f"{day_name(resolution_due)}, {format_date(resolution_due)}"
                        if resolution_due else ""),
        received_by=_name(complaint.received_by),
        follow_url=follow_url,
        qr=_svg_data_uri(qr_svg(follow_url)),
        contacts=contacts,
        generated_at=_now_text(_tz()),
    )
