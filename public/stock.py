"""/stock: today's available blank count and the date of the last receipt (the
ministry asks offices to publish it daily), and the same as an A4 notice (PDF) for
the office's board."""

from __future__ import annotations

import typing as t

from flask import Response, render_template

from models.public import stock_notice

from .common import bp


@bp.get("/stock")
def stock() -> t.Any:
    return render_template("public/stock.html", notice=stock_notice())


@bp.get("/stock/notice.pdf")
def stock_notice_pdf() -> Response:
    # WeasyPrint is slow to load: only when a notice is printed.
    from printing.links import stock_url
    from printing.notices import render_stock_notice

    notice = stock_notice()
    pdf = render_stock_notice(notice, stock_url())
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="stok-blangko-{notice.on:%Y-%m-%d}.pdf"')
    response.headers["Cache-Control"] = "no-cache"
    return response
