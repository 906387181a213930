"""The satisfaction survey (SKM): /survey/<code> opened from the handover receipt's QR
code, /survey the kiosk at the counter where the resident types the receipt's short
code. Nine questions, one answer per handover (models.survey.submit_response); nothing
personal is shown, not even a masked name."""

from __future__ import annotations

import typing as t

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from forms import show_refusal
from forms.survey import SurveyCodeForm, SurveyForm
from models import DomainError, db
from models.survey import (
    ELEMENT_LABELS,
    ELEMENTS,
    already_answered,
    card_for_code,
    submit_response,
    survey_code,
)

from .common import bp, limited, no_store

# Seconds the kiosk's thank-you page stays before the empty code entry comes back.
KIOSK_RETURN_SECONDS = 15


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _kiosk() -> bool:
    return request.args.get("kiosk") == "1"


@bp.route("/survey", methods=("GET", "POST"))
@limited("PUBLIC_SURVEY_LIMIT", "survey", methods=["POST"])
@no_store
def survey_kiosk() -> t.Any:
    """The counter's kiosk: type the code, answer, thanks, and back to an empty entry."""
    form = SurveyCodeForm()
    if request.method == "POST":
        if form.validate_on_submit():
            card = card_for_code(form.code.data, _secret())
            if card is None:
                form.code.errors = [*form.code.errors, _(
                    "This survey code is not valid. Check the code on your handover "
                    "receipt.")]
            else:
                return redirect(url_for(".survey", code=survey_code(card, _secret()),
                                        kiosk=1))
        form.code.data = ""  # nothing typed is echoed back
        return render_template("public/survey_kiosk.html", form=form, unknown=False), 400
    return render_template("public/survey_kiosk.html", form=form, unknown=False)


@bp.route("/survey/<path:code>", methods=("GET", "POST"))
@limited("PUBLIC_SURVEY_LIMIT", "survey")
@no_store
def survey(code: str) -> t.Any:
    kiosk = _kiosk()
    card = card_for_code(code, _secret())
    if card is None:  # unknown, forged or malformed: the kiosk entry, nothing echoed
        return render_template("public/survey_kiosk.html", form=SurveyCodeForm(formdata=None),
                               unknown=True), 404
    canonical = survey_code(card, _secret())
    if already_answered(card):
        return render_template("public/survey_done.html", kiosk=kiosk, answered=True), 409
    form = SurveyForm()
    refused = None
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                submit_response(canonical, form.scores(), secret=_secret(),
                                suggestion=form.suggestion.data,
                                channel="kiosk" if kiosk else "qr")
            except DomainError as exc:
                db.session.rollback()
                if exc.field == "code":  # answered meanwhile (another tab, the race)
                    return render_template("public/survey_done.html", kiosk=kiosk,
                                           answered=True), 409
                if not show_refusal(form, exc):
                    refused = str(exc.message)
            else:
                return redirect(url_for(".survey_thanks", kiosk=1 if kiosk else None))
        return render_template("public/survey.html", form=form, code=canonical, kiosk=kiosk,
                               refused=refused, labels=ELEMENT_LABELS,
                               elements=ELEMENTS), 400
    return render_template("public/survey.html", form=form, code=canonical, kiosk=kiosk,
                           refused=None, labels=ELEMENT_LABELS, elements=ELEMENTS)


@bp.get("/survey/thanks")
@no_store
def survey_thanks() -> t.Any:
    kiosk = _kiosk()
    response = make_response(render_template("public/survey_done.html", kiosk=kiosk,
                                             answered=False,
                                             seconds=KIOSK_RETURN_SECONDS))
    if kiosk:  # the kiosk returns to the empty code entry by itself
        response.headers["Refresh"] = f"{KIOSK_RETURN_SECONDS}; url={url_for('.survey_kiosk')}"
    return response
