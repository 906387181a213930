"""/status: an application's state by receipt number AND birth date.

A wrong receipt number and a wrong birth date get the same page with the same status
(the form comes back empty, with one message), so the page cannot tell whether a
receipt number exists; every check counts against the address's limit."""

from __future__ import annotations

import typing as t

from flask import render_template, request

from forms.public import StatusForm
from models.public import application_status

from .common import bp, limited, no_store


@bp.route("/status", methods=("GET", "POST"))
@limited("PUBLIC_STATUS_LIMIT", "status", methods=["POST"])
@no_store
def status() -> t.Any:
    form = StatusForm()
    result = None
    not_found = False
    if request.method == "POST" and form.validate_on_submit():
        result = application_status(form.number.data, form.birth_date.parsed)
        if result is None:
            not_found = True
            form = StatusForm(formdata=None)  # nothing typed comes back
    return render_template("public/status.html", form=form, result=result,
                           not_found=not_found)
