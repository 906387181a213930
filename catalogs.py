"""The compiled translation catalogs (.mo), made at start-up from the .po files.

The README's production steps never run `make translations`, and .mo files are not
in git: without this, a fresh install would serve the whole UI in English while the
language switch says "ID". So the app compiles every missing or stale catalog when it
starts, into translations/ or, when that folder cannot be written (a read-only
deployment), into instance/translations/, and says where the UI reads them from.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DEFAULT_LOCALE = "id"
DOMAINS = ("messages", "admin", "wtforms")

log = logging.getLogger(__name__)


def _stale(po: Path, mo: Path) -> bool:
    try:
        return mo.stat().st_mtime < po.stat().st_mtime
    except FileNotFoundError:
        return True


def _write_atomically(po: Path, mo: Path) -> None:
    """Compile `po` into `mo` through a temporary file: several gunicorn workers may
    start together, and none may read a half-written catalog."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name, domain=po.stem)
    mo.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=f".{mo.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.chmod(tmp, 0o644)
        os.replace(tmp, mo)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sources(source: Path) -> list[Path]:
    """Every catalog source: translations/<locale>/LC_MESSAGES/<domain>.po."""
    return sorted(po for po in source.glob("*/LC_MESSAGES/*.po") if po.stem in DOMAINS)


def compile_into(source: Path, target: Path) -> list[Path]:
    """Compile each .po under `source` whose .mo under `target` is missing or older;
    returns the .mo files written. Raises OSError when `target` cannot be written."""
    written = []
    for po in sources(source):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if _stale(po, mo):
            _write_atomically(po, mo)
            written.append(mo)
    return written


def ensure_compiled(source: Path, instance_path: str | Path) -> Path:
    """The folder the UI reads its catalogs from, every catalog compiled and fresh:
    `source` itself when it can be written, else instance/translations."""
    target = source
    try:
        written = compile_into(source, source)
    except OSError as exc:
        target = Path(instance_path) / "translations"
        log.warning("cannot write the catalogs into %s (%s); compiling them into %s",
                    source, exc, target)
        try:
            written = compile_into(source, target)
        except OSError as second:
            log.error("cannot compile the translation catalogs into %s either (%s): "
                      "the UI may be in English", target, second)
            return source
    if written:
        log.info("compiled %d translation catalog(s) into %s", len(written), target)
    if not (target / DEFAULT_LOCALE / "LC_MESSAGES" / "messages.mo").is_file():
        log.error("no catalog for the default locale %r (%s/LC_MESSAGES/messages.po "
                  "is missing): the UI will be in English", DEFAULT_LOCALE,
                  source / DEFAULT_LOCALE)
    return target
