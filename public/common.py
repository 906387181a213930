"""The public blueprint and what its pages share: the per-address rate limits (the
app's one Flask-Limiter), "no-store" on pages with personal data, and the refusal
pages in the resident's language."""

from __future__ import annotations

import functools
import typing as t

from flask import Blueprint, current_app, make_response, render_template

from extensions import limiter

bp = Blueprint("public", __name__)


def limited(config_key: str, scope: str, methods: list[str] | None = None
            ) -> t.Callable[[t.Callable[..., t.Any]], t.Callable[..., t.Any]]:
    """The per-client-address limit `config_key` (e.g. "5 per hour; 20 per day") on
    this route's requests of `methods` (all when None), counted in its own scope."""

    def limit() -> str:
        return str(current_app.config[config_key])

    def decorate(view: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        return limiter.shared_limit(limit, scope=f"public-{scope}", methods=methods)(view)

    return decorate


def no_store(view: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """The answer carries personal data (a masked name, a complaint's answers): no
    browser or proxy may keep it."""

    @functools.wraps(view)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    return wrapper


@bp.errorhandler(429)
def too_many(exc: t.Any) -> t.Any:
    """The public pages' refusal when an address has asked too often."""
    response = make_response(render_template("public/throttled.html"), 429)
    response.headers["Cache-Control"] = "no-store"
    retry = getattr(exc, "retry_after", None)
    if retry:
        response.headers["Retry-After"] = str(int(retry))
    return response
