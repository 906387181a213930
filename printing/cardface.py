"""Card faces from plain dicts to PDF bytes: no ORM, no Flask, safe in a worker process.

`printing.cards` builds the dicts (`card_data`) and decides on chunks and workers;
this module only turns a list of card dicts into one PDF with one ID-1 page per card.
It is deliberately light to import: a helper process (spawned) loads
this module and WeasyPrint, nothing of the application.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .render import TEMPLATES, html_to_pdf, render_html, stylesheet

TEMPLATE = "card.html"
STYLESHEET = "card.css"  # parsed once per process, not at every render
MODES = ("overlay", "preview")


def _file_url(path: str | None) -> str | None:
    """A file:// URL for WeasyPrint, or None when there is no such file."""
    if not path:
        return None
    p = Path(path)
    return p.as_uri() if p.is_absolute() and p.is_file() else None


@functools.lru_cache(maxsize=256)
def _ink_only(url: str | None) -> str | None:
    """The signature as black ink on a transparent ground (a PNG data URI), so the
    preview's background shows around it. Stored signatures are content-addressed
    (sha256 names), so caching by name is safe."""
    if url is None:
        return None
    from urllib.request import url2pathname

    from PIL import Image, ImageOps

    with Image.open(url2pathname(url.removeprefix("file://"))) as img:
        gray = img.convert("L")
    ink = Image.new("LA", gray.size, 0)
    ink.putalpha(ImageOps.invert(gray))
    out = io.BytesIO()
    ink.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def card_html(cards: Sequence[Mapping[str, Any]], mode: str = "overlay",
              offset_mm: tuple[float, float] = (0.0, 0.0)) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown card mode {mode!r}; use one of {', '.join(MODES)}")
    faces = [{**card, "photo_url": _file_url(card.get("photo")),
              "signature_url": _file_url(card.get("signature"))} for card in cards]
    if mode == "preview":  # on paper: no white box around the signature
        for face in faces:
            face["signature_url"] = _ink_only(face["signature_url"])
    dx, dy = (float(v or 0) for v in offset_mm)
    return render_html(TEMPLATE, cards=faces, mode=mode,
                       offset_x=f"{dx:.2f}", offset_y=f"{dy:.2f}")


def render_chunk(cards: Sequence[Mapping[str, Any]], mode: str = "overlay",
                 offset_mm: tuple[float, float] = (0.0, 0.0)) -> bytes:
    """One PDF, one page per card, from card dicts (see printing.cards.card_data)."""
    return html_to_pdf(card_html(cards, mode, offset_mm), base_url=str(TEMPLATES),
                       stylesheets=[stylesheet(STYLESHEET)])


def render_chunk_to(path: str, cards: Sequence[Mapping[str, Any]], mode: str = "overlay",
                    offset_mm: tuple[float, float] = (0.0, 0.0)) -> str:
    """render_chunk into the file `path` (0600), for a batch merged from files: the
    helpers send no PDF bytes back and the merge reads the chunks from disk. Not
    models.uploads.write_private: a helper imports nothing of the application."""
    import os

    data = render_chunk(cards, mode, offset_mm)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def render_document(cards: Sequence[Mapping[str, Any]], mode: str,
                    offset_mm: tuple[float, float], chunk: int) -> bytes:
    """All cards in one process without pikepdf: WeasyPrint lays out each chunk and the
    pages of all chunks are written as one PDF (layout memory grows with the batch)."""
    from .render import _weasyprint

    weasyprint, fonts = _weasyprint()
    css = [stylesheet(STYLESHEET)]
    documents = [
        weasyprint.HTML(string=card_html(cards[i:i + chunk], mode, offset_mm),
                        base_url=str(TEMPLATES)).render(font_config=fonts, stylesheets=css)
        for i in range(0, len(cards), chunk)
    ]
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


def init_worker() -> None:
    """Worker start: WeasyPrint, its one FontConfiguration and the parsed card.css,
    once per process."""
    stylesheet(STYLESHEET)
