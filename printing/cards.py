"""The KTP-el card face: what is printed on it (card_data) and the PDF of a batch.

One ISO/IEC 7810 ID-1 page (85.60 x 53.98 mm) per card, from
printing/templates/card.html, in two modes:

- ``overlay``: the data only, for pre-printed blanks, shifted by the printer's
  calibration offset (x to the right, y down, in mm);
- ``preview``: the same data on a drawn background that resembles a KTP-el, for the
  data check with the applicant.

A Card is rendered from what was printed on it (Card.printed_data, kept at printing),
so re-rendering and reprinting show the card as issued whatever was edited since;
an Application (the preview, no card yet) from its data now.

Large batches are laid out in chunks (bounded memory); from PARALLEL_MIN_CARDS cards
the chunks are rendered by this process and WORKERS helper processes (kept for
POOL_IDLE_SECONDS between batches) and merged with pikepdf. Workers only ever
receive plain dicts (card_data), never ORM objects, and import nothing of the
application (`models` is imported inside the functions that need it).
"""

from __future__ import annotations

import atexit
import io
import math
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import cardface
from .cardface import MODES

# Cards per WeasyPrint document: bounds layout memory (10 rather than 25: about 18 MB
# less in each process at no measurable cost in time, bench/README.md).
CHUNK_CARDS = 10
PARALLEL_MIN_CARDS = 50  # below this, one process (starting workers costs more)
# Chunks queued per helper process besides the one it renders: it never waits for the
# next one, and at the end of a batch this process waits for at most one queued chunk.
IN_FLIGHT = 2
# Chunks are shared between this process and helper processes, so that all the
# cores work while the memory of only WORKERS extra processes is added.
WORKERS = max(1, (os.cpu_count() or 2) - 1)
# Helpers start as fresh interpreters: no copy of a threaded web process (fork), and no
# fork server kept beside them (13 MB, counted in the batch's memory). Each imports
# WeasyPrint itself (about 0.4 s, while this process renders its first chunks), once
# per POOL_IDLE_SECONDS.
START_METHOD = "spawn"
# Chunk files open at once while a batch is merged (a larger batch: in groups).
MERGE_OPEN_FILES = 200
# The helpers stay for this long after a batch, so that the next batch of the print
# room's session starts with WeasyPrint loaded (a worker's start is ~0.8 s of CPU);
# then they exit and their memory is given back.
POOL_IDLE_SECONDS = 120.0


# ---------------------------------------------------------------- what is on the card


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
    from models import office_time

    return office_time.office_date(moment or office_time.utcnow())


def card_face(issued: Mapping[str, Any], *, upload_root: str | None = None) -> dict:
    """The card dict the template prints, from what is (or was) issued
    (models.cards.issued_data or a card's printed_data): the face fields in the
    official order, the photo and signature as absolute paths (None when missing).
    `upload_root` defaults to the current app's UPLOAD_FOLDER."""
    from models.cards import FACE_FIELDS

    root = upload_root if upload_root is not None else _default_upload_root()
    face: dict[str, Any] = {key: issued.get(key) for key in FACE_FIELDS}
    face["photo"] = _stored_file(root, issued.get("photo"))
    face["signature"] = _stored_file(root, issued.get("signature"))
    return face


def card_data(application: Any, issued_on: date, place: str | None = None, *,
              upload_root: str | None = None) -> dict:
    """Everything printed on the card from the application's data now, in capitals,
    in the official order (the preview, before there is a card).

    Plain strings (and file paths) only, so the dict can go to a worker process.
    `upload_root` defaults to the current app's UPLOAD_FOLDER.
    """
    from models.cards import ISSUE_PLACE, issued_data

    return card_face(issued_data(application, issued_on, place or ISSUE_PLACE),
                     upload_root=upload_root)


def _as_card_dict(item: Any, upload_root: str, issued_on: date | None) -> dict:
    """A Card (what was printed on it), an Application (its data now) or an already
    built card dict, as a card dict."""
    from models import office_time

    if isinstance(item, Mapping):
        data = dict(item)
        if issued_on is not None:
            data["issue_date"] = office_time.format_date(issued_on)
        return data
    from models.cards import Card, card_issued_data

    if isinstance(item, Card):  # re-rendered and reprinted as issued
        data = card_face(card_issued_data(item), upload_root=upload_root)
        if issued_on is not None:
            data["issue_date"] = office_time.format_date(issued_on)
        return data
    return card_data(item, issued_on or office_date(), upload_root=upload_root)


# ---------------------------------------------------------------- rendering


def _chunks(cards: list[dict], size: int) -> list[list[dict]]:
    return [cards[i:i + size] for i in range(0, len(cards), size)]


def _have_merger() -> bool:
    try:
        import pikepdf  # noqa: F401
    except ImportError:
        return False
    return True


def _may_start_workers() -> bool:
    # A daemonic process (e.g. a task queue's worker) may not have children.
    return (not multiprocessing.current_process().daemon
            and START_METHOD in multiprocessing.get_all_start_methods())


class _Pool:
    """The helper processes, kept between batches and let go after POOL_IDLE_SECONDS
    without one. One batch at a time uses them (a second one, e.g. another officer's
    at the same moment, renders in its own process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._busy = False
        self._timer: threading.Timer | None = None

    def acquire(self) -> ProcessPoolExecutor | None:
        """The executor for this batch, or None when another batch has it."""
        with self._lock:
            if self._busy:
                return None
            self._busy = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._executor is None:
                self._executor = _executor()
            return self._executor

    def release(self, broken: bool = False) -> None:
        with self._lock:
            self._busy = False
            if broken:
                self._shutdown_locked()
                return
            self._timer = threading.Timer(POOL_IDLE_SECONDS, self.idle)
            self._timer.daemon = True
            self._timer.start()

    def idle(self) -> None:
        with self._lock:
            if not self._busy:
                self._shutdown_locked()

    def shutdown(self, wait: bool = False) -> None:
        """Let the helpers go; `wait`: until they have exited."""
        with self._lock:
            self._shutdown_locked(wait)

    def forget(self) -> None:
        """In a child forked from this process: the helpers are the parent's."""
        self._lock = threading.Lock()
        self._executor, self._busy, self._timer = None, False, None

    def _shutdown_locked(self, wait: bool = False) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=True)

    @property
    def running(self) -> bool:
        return self._executor is not None


POOL = _Pool()
atexit.register(POOL.shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=POOL.forget)


def _executor() -> ProcessPoolExecutor:
    ctx = multiprocessing.get_context(START_METHOD)
    return ProcessPoolExecutor(max_workers=WORKERS, mp_context=ctx,
                               initializer=cardface.init_worker)


def guided_sizes(n: int, processes: int, largest: int | None = None) -> list[int]:
    """Chunk sizes for n cards over `processes`: `largest` while much is left, then
    smaller (a share of what remains), so the processes finish together instead of
    one waiting for another's last full chunk (guided self-scheduling)."""
    largest = largest or CHUNK_CARDS
    sizes, left = [], n
    while left > 0:
        size = max(1, min(largest, math.ceil(left / (2 * processes))))
        sizes.append(size)
        left -= size
    return sizes


def _split(cards: list[dict], sizes: list[int]) -> list[list[dict]]:
    chunks, start = [], 0
    for size in sizes:
        chunks.append(cards[start:start + size])
        start += size
    return chunks


def _render_parallel(pool: ProcessPoolExecutor, chunks: list[list[dict]], mode: str,
                     offset: tuple[float, float]) -> bytes:
    """The chunks shared out as they go: each helper keeps IN_FLIGHT chunks queued,
    refilled the moment one is done (from the pool's own thread, so a helper never
    waits for this process to finish its render), and this process renders the next
    unclaimed chunk whenever it is free. Every chunk is written to a private folder
    (0700, removed at the end) and the batch is assembled from those files with
    pikepdf (qpdf), which reads each page's data from disk only while it writes the
    result: the chunks are neither sent back through a pipe nor held in memory."""

    done: set[int] = set()
    futures: dict[int, Future[str]] = {}
    lock = threading.Lock()
    state = {"next": 0, "stopped": False}

    with _chunk_folder() as folder:
        paths = _chunk_paths(folder, len(chunks))

        def claim() -> int | None:
            with lock:
                if state["stopped"] or state["next"] >= len(chunks):
                    return None
                state["next"] += 1
                return state["next"] - 1

        def feed(_finished: Future[str] | None = None) -> None:
            index = claim()
            if index is None:
                return
            future = pool.submit(cardface.render_chunk_to, paths[index], chunks[index],
                                 mode, offset)
            with lock:
                futures[index] = future
            future.add_done_callback(feed)

        try:
            for _ in range(WORKERS * IN_FLIGHT):
                feed()
            while (index := claim()) is not None:
                cardface.render_chunk_to(paths[index], chunks[index], mode, offset)
                done.add(index)
            for index in range(len(chunks)):  # the helpers' last chunks
                while index not in done:
                    with lock:
                        future = futures.get(index)
                    if future is None:  # claimed by the pool's thread, being submitted
                        time.sleep(0.001)
                        continue
                    future.result()
                    done.add(index)
        finally:
            with lock:
                state["stopped"] = True  # an error here: no more chunks go out
                pending = list(futures.values())
            for future in pending:
                future.cancel()
        return _merge_files(paths, folder)


def _chunk_folder() -> tempfile.TemporaryDirectory[str]:
    """A private folder (0700) for a batch's chunk files, removed with them."""
    return tempfile.TemporaryDirectory(prefix="ktp-cards-")


def _chunk_paths(folder: str, n: int) -> list[str]:
    return [os.path.join(folder, f"{i:05d}.pdf") for i in range(n)]


def _merge_files(paths: list[str], folder: str) -> bytes:
    """One PDF of the chunk files, in order, with pikepdf (qpdf reads each source's
    page data from its file while it writes). At most MERGE_OPEN_FILES sources are
    open at once: a larger batch is merged in groups first."""
    import pikepdf

    while len(paths) > MERGE_OPEN_FILES:
        groups = [paths[i:i + MERGE_OPEN_FILES] for i in range(0, len(paths), MERGE_OPEN_FILES)]
        paths = []
        for group in groups:
            target = tempfile.mkstemp(suffix=".pdf", dir=folder)
            os.close(target[0])
            with open(target[1], "wb") as fh:
                fh.write(_merge_files(group, folder))
            paths.append(target[1])
    out = io.BytesIO()
    with pikepdf.Pdf.new() as merged:
        sources = [pikepdf.Pdf.open(path) for path in paths]
        try:
            for source in sources:
                merged.pages.extend(source.pages)
            merged.save(out)
        finally:
            for source in sources:
                source.close()
    return out.getvalue()


def _render_serial(chunks: list[list[dict]], mode: str, offset: tuple[float, float]) -> bytes:
    """Every chunk in this process, each into a file of a private folder, then merged
    as the parallel batch is."""
    with _chunk_folder() as folder:
        paths = _chunk_paths(folder, len(chunks))
        for path, chunk in zip(paths, chunks, strict=True):
            cardface.render_chunk_to(path, chunk, mode, offset)
        return _merge_files(paths, folder)


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
    if not _have_merger():  # pikepdf missing: one process, pages joined by WeasyPrint
        return cardface.render_document(cards, mode, offset, CHUNK_CARDS)
    if parallel is None:
        parallel = len(cards) >= PARALLEL_MIN_CARDS
    pool = POOL.acquire() if parallel and _may_start_workers() else None
    if pool is not None:
        chunks = _split(cards, guided_sizes(len(cards), WORKERS + 1))
        broken = False
        try:
            return _render_parallel(pool, chunks, mode, offset)
        except (BrokenProcessPool, OSError):  # workers could not run: do it here
            broken = True
            return _render_serial(chunks, mode, offset)
        finally:
            POOL.release(broken)
    return _render_serial(_chunks(cards, CHUNK_CARDS), mode, offset)


def render_cards(applications_or_cards: Iterable[Any], *, mode: str = "overlay",
                 offset_mm: tuple[float, float] = (0, 0), upload_root: str,
                 issued_on: date | None = None) -> bytes:
    """A PDF with one ID-1 page per card, in the given order.

    Items are Cards (what was printed on them, Card.printed_data: a reprint is the
    card as issued), Applications (their data now, issue date = today) or card dicts
    from card_data; `issued_on` overrides the issue date.
    `offset_mm` = the printer's calibration (Printer.offset_x_mm, offset_y_mm).
    """
    if mode not in MODES:
        raise ValueError(f"unknown card mode {mode!r}; use one of {', '.join(MODES)}")
    cards = [_as_card_dict(item, upload_root, issued_on) for item in applications_or_cards]
    return render_card_dicts(cards, mode, offset_mm)


def render_preview(application: Any, upload_root: str) -> bytes:
    """One card on the drawn background, to check the data with the applicant."""
    return render_card_dicts([_as_card_dict(application, upload_root, None)], "preview")
