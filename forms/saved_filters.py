"""The work queue's saved filters: keep the current filters under a name, remove one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length

from models.saved_filters import NAME_MAX, QUERY_MAX

from .i18n import TranslatedMeta


class SaveFilterForm(FlaskForm):
    """The name to keep the queue's current filters under (the query string rides along
    hidden; the domain checks it against the queue's filters)."""

    Meta = TranslatedMeta

    name = StringField(_l("Save these filters as"), id="saved_filter_name",
                       validators=[Length(max=NAME_MAX)],
                       render_kw={"maxlength": NAME_MAX, "autocomplete": "off",
                                  "placeholder": _l("Name of the filter")})
    query = HiddenField(validators=[Length(max=QUERY_MAX * 2)], id="saved_filter_query")


class RemoveFilterForm(FlaskForm):
    """Remove one of one's own saved filters (a POST with its CSRF token)."""

    Meta = TranslatedMeta
