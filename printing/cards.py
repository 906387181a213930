"""The KTP-el card face: what is printed on it (card_data) and the PDF of a batch.

One ISO/IEC 7810 ID-1 page (85.60 x 53.98 mm) per card, from
printing/templates/card.html, in two modes:

- ``overlay``: the data only, for pre-printed blanks, shifted by the printer's
  calibration offset (x to the right, y down, in mm);
- ``preview``: the same data on a drawn background that resembles a KTP-el, for the
  data check with the applicant.

Large batches are laid out in chunks (bounded memory); from PARALLEL_MIN_CARDS cards
the chunks are rendered by WORKERS processes and merged with pypdf. Workers only ever
receive plain dicts (card_data), never ORM objects.
"""

from __future__ import annotations

import io
import math
import multiprocessing
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import cardface
from .cardface import MODES
from .receipt import _office_timezone

PLACE = "SUMBA TIMUR"
VALID_UNTIL = "SEUMUR HIDUP"
FALLBACK_PROVINCE = "PROVINSI NUSA TENGGARA TIMUR"
FALLBACK_REGENCY = "KABUPATEN SUMBA TIMUR"

CHUNK_CARDS = 25  # cards per WeasyPrint document: bounds layout memory
PARALLEL_MIN_CARDS = 50  # below this, one process (starting workers costs more)
# Chunks are shared between this process and helper processes, so that all the
# cores work while the memory of only WORKERS extra processes is added.
WORKERS = max(1, (os.cpu_count() or 2) - 1)
START_METHOD = "forkserver"  # workers fork from a clean, single-threaded server


# ---------------------------------------------------------------- what is on the card


def _upper(value: Any) -> str:
    return " ".join(str(value or "").split()).upper()


def _stored_file(root: str | None, rel: str | None) -> str | None:
    """Absolute path of an uploaded file, or None when there is none on disk."""
    if not rel:
        return None
    if not root:
        raise RuntimeError("card_data needs the upload root (app.config['UPLOAD_FOLDER']) "
                           "to find the photo and signature")
    from models.uploads import open_stored

    path = open_stored(Path(root), rel)  # refuses anything outside the upload root
    return str(path) if path.is_file() else None


def _default_upload_root() -> str | None:
    try:
        from flask import current_app

        return current_app.config.get("UPLOAD_FOLDER")
    except RuntimeError:  # outside an application context
        return None


def office_date(moment: datetime | None = None) -> date:
    """The office's (WITA) calendar date of a stored naive-UTC moment, or today."""
    moment = moment or datetime.now(UTC).replace(tzinfo=None)
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(_office_timezone())).date()


def card_data(application: Any, issued_on: date, place: str = PLACE, *,
              upload_root: str | None = None) -> dict:
    """Everything printed on the card, in capitals, in the official order.

    Plain strings (and file paths) only, so the dict can go to a worker process.
    `upload_root` defaults to the current app's UPLOAD_FOLDER.
    """
    from models import codes, wilayah

    a = application.applicant
    village = wilayah.village(a.village_code) if a.village_code else None
    province = wilayah.province_name(a.village_code[:2]) if a.village_code else None
    regency = wilayah.regency_name(a.village_code[:5]) if a.village_code else None
    root = upload_root if upload_root is not None else _default_upload_root()
    return {
        "province": f"PROVINSI {_upper(province)}" if province else FALLBACK_PROVINCE,
        "regency": _upper(regency) if regency else FALLBACK_REGENCY,
        "nik": a.nik,
        "name": _upper(a.name),
        "birth": f"{_upper(a.birth_place)}, {a.birth_date:%d-%m-%Y}",
        "sex": codes.label(codes.SEX, a.sex) or "-",
        "blood_type": codes.blood_type_on_card(a.blood_type),
        "address": _upper(a.address),
        "rt_rw": f"{str(a.rt or '').zfill(3)}/{str(a.rw or '').zfill(3)}",
        "village": _upper(village.name) if village else "-",
        "district": _upper(village.district_name) if village else "-",
        "religion": codes.label(codes.RELIGION, a.religion) or "-",
        "marital_status": codes.label(codes.MARITAL_STATUS, a.marital_status) or "-",
        "occupation": codes.label(codes.OCCUPATION, a.occupation) or "-",
        "citizenship": codes.label(codes.CITIZENSHIP, a.citizenship) or "-",
        "valid_until": VALID_UNTIL,
        "photo": _stored_file(root, application.photo_path),
        "issue_place": _upper(place),
        "issue_date": f"{issued_on:%d-%m-%Y}",
        "signature": _stored_file(root, application.signature_path),
    }


def _as_card_dict(item: Any, upload_root: str, issued_on: date | None) -> dict:
    """A Card, an Application or an already built card dict, as a card dict."""
    if isinstance(item, Mapping):
        data = dict(item)
        if issued_on is not None:
            data["issue_date"] = f"{issued_on:%d-%m-%Y}"
        return data
    from models.cards import Card

    if isinstance(item, Card):
        on = issued_on or office_date(item.printed_at)
        return card_data(item.application, on, upload_root=upload_root)
    return card_data(item, issued_on or office_date(), upload_root=upload_root)


# ---------------------------------------------------------------- rendering


def _chunks(cards: list[dict], size: int) -> list[list[dict]]:
    return [cards[i:i + size] for i in range(0, len(cards), size)]


def _merge(pdfs: Iterable[bytes]) -> bytes:
    """One PDF from the chunks, in order, appended as they arrive (while the workers
    are still rendering the next ones)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _have_pypdf() -> bool:
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return False
    return True


def _may_start_workers() -> bool:
    # A daemonic process (e.g. a task queue's worker) may not have children.
    return (not multiprocessing.current_process().daemon
            and START_METHOD in multiprocessing.get_all_start_methods())


def _executor() -> ProcessPoolExecutor:
    ctx = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver":
        # Imported once by the fork server, so every worker starts with WeasyPrint
        # loaded (no effect once the server runs; harmless for other users of it).
        ctx.set_forkserver_preload(["weasyprint", "printing.cardface"])
    return ProcessPoolExecutor(max_workers=WORKERS, mp_context=ctx,
                               initializer=cardface.init_worker)


def _render_parallel(chunks: list[list[dict]], mode: str,
                     offset: tuple[float, float]) -> bytes:
    """Every (WORKERS+1)-th chunk here, the others in the helper processes."""
    share = WORKERS + 1
    with _executor() as pool:
        futures = {i: pool.submit(cardface.render_chunk, chunk, mode, offset)
                   for i, chunk in enumerate(chunks) if i % share}
        mine = {i: cardface.render_chunk(chunk, mode, offset)
                for i, chunk in enumerate(chunks) if not i % share}
        return _merge(mine[i] if i in mine else futures[i].result()
                      for i in range(len(chunks)))


def _render_serial(chunks: list[list[dict]], mode: str, offset: tuple[float, float]) -> bytes:
    return _merge(cardface.render_chunk(c, mode, offset) for c in chunks)


def render_card_dicts(cards: list[dict], mode: str = "overlay",
                      offset_mm: tuple[float, float] = (0.0, 0.0), *,
                      parallel: bool | None = None) -> bytes:
    """The PDF of already built card dicts (the engine of render_cards).

    parallel=None decides by size (>= PARALLEL_MIN_CARDS cards); True/False forces.
    """
    if mode not in MODES:
        raise ValueError(f"unknown card mode {mode!r}; use one of {', '.join(MODES)}")
    if not cards:
        raise ValueError("no cards to render")
    offset = (float(offset_mm[0] or 0), float(offset_mm[1] or 0))
    if len(cards) <= CHUNK_CARDS and not parallel:
        return cardface.render_chunk(cards, mode, offset)
    if not _have_pypdf():  # pypdf missing: one process, pages joined by WeasyPrint
        return cardface.render_document(cards, mode, offset, CHUNK_CARDS)
    if parallel is None:
        parallel = len(cards) >= PARALLEL_MIN_CARDS
    if parallel and _may_start_workers():
        # At least one chunk per process, none larger than CHUNK_CARDS.
        chunks = _chunks(cards, min(CHUNK_CARDS, math.ceil(len(cards) / (WORKERS + 1))))
        try:
            return _render_parallel(chunks, mode, offset)
        except (BrokenProcessPool, OSError):  # workers could not run: do it here
            return _render_serial(chunks, mode, offset)
    return _render_serial(_chunks(cards, CHUNK_CARDS), mode, offset)


def render_cards(applications_or_cards: Iterable[Any], *, mode: str = "overlay",
                 offset_mm: tuple[float, float] = (0, 0), upload_root: str,
                 issued_on: date | None = None) -> bytes:
    """A PDF with one ID-1 page per card, in the given order.

    Items are Cards (issue date = the day it was printed), Applications (issue date =
    today) or card dicts from card_data; `issued_on` overrides the issue date.
    `offset_mm` = the printer's calibration (Printer.offset_x_mm, offset_y_mm).
    """
    if mode not in MODES:
        raise ValueError(f"unknown card mode {mode!r}; use one of {', '.join(MODES)}")
    cards = [_as_card_dict(item, upload_root, issued_on) for item in applications_or_cards]
    return render_card_dicts(cards, mode, offset_mm)


def render_preview(application: Any, upload_root: str) -> bytes:
    """One card on the drawn background, to check the data with the applicant."""
    return render_card_dicts([_as_card_dict(application, upload_root, None)], "preview")
