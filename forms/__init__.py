"""WTForms forms and the field validators shared by every form."""

from __future__ import annotations

from typing import Any


def show_refusal(form: Any, exc: Any, default: str | None = None) -> bool:
    """Put a refused operation's message next to the field it names (or `default`).

    Returns False when the refusal names no field of `form`: the caller decides
    where the message goes (a flash, or the app-level handler).
    """
    field = getattr(exc, "field", None)
    name = field if field and field in form else default
    if name is None or name not in form:
        return False
    form[name].errors = [*form[name].errors, str(getattr(exc, "message", exc))]
    return True
