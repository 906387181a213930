"""Error pages in the user's language, with a way back, instead of bare status text."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from admin.auth import safe_next

MESSAGES = {
    400: (_l("The request could not be processed"),
          _l("Something in the form was not as expected. Go back, reload the page and try "
             "again.")),
    403: (_l("Access denied"),
          _l("Your role does not allow this page or action. If you need it for your work, "
             "ask the head of division.")),
    404: (_l("Page not found"), _l("The page or record you asked for does not exist.")),
    405: (_l("Not allowed"), _l("This page cannot be opened this way.")),
    413: (_l("File too large"),
          _l("The file you sent is larger than allowed (at most 5 MB). Scan it again at a "
             "lower resolution or as a PDF, then try again.")),
    500: (_l("Something went wrong"),
          _l("The system hit an unexpected error; nothing was saved. Try again, and tell the "
             "administrator if it happens again.")),
}
CSRF_MESSAGE = (_l("The form has expired"),
                _l("The page was open too long or was opened in another tab. Reload the page "
                   "and fill in the form again."))


def _back() -> str | None:
    referrer = request.referrer or ""
    host = request.host_url.rstrip("/")
    if referrer.startswith(host):
        return safe_next(referrer[len(host):])
    return None


def render_error(code: int, title: Any, message: Any) -> tuple[str, int]:
    return render_template("errors/error.html", code=code, title=title, message=message,
                           back=_back()), code


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str, int]:
        return render_error(400, *CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if exc.code not in MESSAGES or request.path.startswith(("/static", "/admin/static")):
            return exc
        if request.accept_mimetypes.best == "application/json" or request.path == "/healthz":
            return exc
        return render_error(exc.code, *MESSAGES[exc.code])

    @app.errorhandler(500)
    def server_error(exc: Exception) -> tuple[str, int]:
        return render_error(500, *MESSAGES[500])
