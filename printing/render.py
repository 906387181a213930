"""One place that turns HTML into PDF.

WeasyPrint is imported on first use (it is slow to import and most requests never
print) and one FontConfiguration is shared by every rendering in the process.

Nothing of the application is imported at module level: the card workers
(printing.cardface, in the helper processes) import this module, and `models`
alone weighs about 80 MB in every process that loads it.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"


@functools.cache
def _weasyprint() -> Any:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    return weasyprint, FontConfiguration()


@functools.cache
def template_env() -> Environment:
    """Templates a non-programmer can edit: plain HTML/CSS in printing/templates/."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined)
    env.filters["dmy"] = _dmy
    return env


def _dmy(value: Any) -> str:
    """DD-MM-YYYY through the office clock (imported when a document uses it)."""
    from models.office_time import format_date

    return format_date(value)


def render_html(template: str, **context: Any) -> str:
    return template_env().get_template(template).render(**context)


def html_to_pdf(html: str, base_url: str | None = None,
                stylesheets: list[Any] | None = None) -> bytes:
    """`stylesheets`: extra author stylesheets, e.g. stylesheet("card.css")."""
    weasyprint, fonts = _weasyprint()
    document = weasyprint.HTML(string=html, base_url=base_url or str(TEMPLATES))
    return document.write_pdf(font_config=fonts, stylesheets=stylesheets)


def stylesheet(name: str) -> Any:
    """A CSS file of printing/templates/, parsed once (selectors compiled) and reused
    until the file changes: for documents rendered often, such as the card face."""
    path = TEMPLATES / name
    return _parsed_stylesheet(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _parsed_stylesheet(path: str, mtime_ns: int) -> Any:
    weasyprint, fonts = _weasyprint()
    return weasyprint.CSS(filename=path, font_config=fonts)


def render_pdf(template: str, **context: Any) -> bytes:
    return html_to_pdf(render_html(template, **context))


def store_pdf(root: str | Path, rel: str, data: bytes) -> str:
    """Write the PDF atomically under root (0600, folders 0700); return its sha256."""
    from models.uploads import write_private

    write_private(Path(root) / rel, data)
    return hashlib.sha256(data).hexdigest()
