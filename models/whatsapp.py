"""WhatsApp click-to-chat (wa.me) without an API: the office phone opens a chat with
the resident's number and a prefilled Indonesian message, the officer presses send.
Every use is recorded in the audit log, so the office can show it tried.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask_babel import lazy_gettext as _l

from . import audit
from .errors import DomainError
from .permissions import require
from .users import User

SEPARATORS = " -.()/\u00a0"
# The messages go to the resident: always in Indonesian, whatever the officer's language.
COMPLAINT_ANSWERED = (
    "Yth. Bapak/Ibu, pengaduan Anda dengan nomor tiket {ticket} telah dijawab oleh "
    "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sumba Timur. Jawaban dapat "
    "dilihat di {url} . Terima kasih.")
CARD_READY = (
    "Yth. Bapak/Ibu {name}, KTP-el Anda dengan nomor permohonan {number} sudah selesai "
    "dicetak dan dapat diambil di kantor Dinas Kependudukan dan Pencatatan Sipil "
    "Kabupaten Sumba Timur pada jam pelayanan. Bawa tanda terima permohonan. Layanan ini "
    "gratis. Terima kasih.")


def international_number(contact: str | None) -> str | None:
    """An Indonesian mobile number in international form without "+" (08xx -> 628xx,
    +62 8xx -> 628xx), spaces, dashes, dots and brackets removed; None when `contact`
    is not a mobile number (an e-mail address, a landline, text)."""
    text = (contact or "").strip()
    for sep in SEPARATORS:
        text = text.replace(sep, "")
    if text.startswith("+"):
        text = text[1:]
    if not text.isascii() or not text.isdigit():
        return None
    if text.startswith("0"):
        text = "62" + text[1:]
    elif text.startswith("8"):
        text = "62" + text
    if not text.startswith("628") or not 10 <= len(text) <= 15:
        return None
    return text


def chat_url(number: str, message: str) -> str:
    """https://wa.me/<number>?text=<message>."""
    return f"https://wa.me/{number}?text={quote(message, safe='')}"


def masked(number: str) -> str:
    """62812****4471: what the audit log keeps of the number."""
    return number[:5] + "*" * max(len(number) - 9, 0) + number[-4:]


def complaint_answered_url(complaint: Any, follow_url: str) -> str | None:
    """The chat that tells the complainant their complaint was answered, None when the
    contact they left is not a mobile number."""
    number = international_number(complaint.contact)
    if number is None:
        return None
    return chat_url(number, COMPLAINT_ANSWERED.format(ticket=complaint.ticket, url=follow_url))


def card_ready_url(card: Any) -> str | None:
    """The chat that tells a resident their card is ready for collection, None when
    the card is not in custody or no mobile number is on record."""
    if card.status != "stored":
        return None
    application = card.application
    number = international_number(application.applicant.phone)
    if number is None:
        return None
    return chat_url(number, CARD_READY.format(name=application.applicant.name,
                                              number=application.number))


def record_use(actor: User, obj: Any, url: str | None, purpose: str,
               needs: tuple[str, str]) -> str:
    """Audit one use of a click-to-chat link and return it; refuse when there is none
    or the actor may not (`needs`: the matrix's entity and action)."""
    require(actor, *needs)
    if url is None:
        raise DomainError(_l("No mobile number was left for a WhatsApp message."))
    number = url.split("/")[3].split("?")[0]
    audit.record_now(actor, "whatsapp", obj=obj, changes={
        "purpose": purpose, "number": masked(number), "label": audit.object_label(obj)})
    return url
