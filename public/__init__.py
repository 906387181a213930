"""Public pages for residents (no login): the service standard, the application status
check, the web complaint and its ticket, the handover-receipt verification, today's
blank stock and the satisfaction survey. One blueprint, `public.bp`; one module per page
adds its routes to it."""

from __future__ import annotations

from . import common, complaints, standard, status, stock, survey, verify  # noqa: F401

bp = common.bp

__all__ = ["bp"]
