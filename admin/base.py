"""The one secured Flask-Admin base view: every screen asks the permission matrix.

Every route declares the (entity, action) it needs where it is defined: the generic
Flask-Admin endpoints through `ENDPOINT_ACTIONS`, every custom route and step through
`@requires(entity, action)`. `check_declarations()` runs at start-up and refuses a
route without a declaration or with a pair the matrix does not know (as Django's
admin system checks do); `declared_routes()` lists them all for the access test.
"""

from __future__ import annotations

import copy
import typing as t
from urllib.parse import urlencode

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.babel import gettext as admin_gettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import BaseForm
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import inspect as sa_inspect
from wtforms.validators import ValidationError

from forms import show_refusal
from forms.i18n import NoBrowserChecks, WTFormsTranslations
from forms.validators import with_field_checks
from models import audit, db, editing, uploads
from models.errors import DomainError
from models.permissions import PermissionDenied, allowed
from models.validation import (
    ascii_digits,
    clean_search,
    parse_id,
    replace_unstorable,
    unstorable_characters,
)

from .date_filters import OfficeFilterConverter
from .formatters import DETAIL_TYPE_FORMATTERS, EXPORT_TYPE_FORMATTERS, TYPE_FORMATTERS

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
# Marks a route any logged-in member of staff may open (the home page, a language switch).
LOGGED_IN = ("", "")


def requires(entity: str, action: str) -> t.Callable[[F], F]:
    """Declare the (entity, action) a route needs; the secured base enforces it before
    the route runs (403, audited) and the start-up check validates the pair."""

    def mark(fn: F) -> F:
        fn._requires = (entity, action)  # type: ignore[attr-defined]
        return fn

    return mark


def requires_login(fn: F) -> F:
    """Declare a route open to any logged-in member of staff."""
    fn._requires = LOGGED_IN  # type: ignore[attr-defined]
    return fn


# Records that hold residents' personal data (UU 27/2022): every reading of one is
# audited by the secured base, never by the route itself, so no route can forget it.
PERSONAL_DATA_ENTITIES = frozenset({"applicant", "application", "card", "print_batch",
                                    "complaint"})
# Generic Flask-Admin endpoints that show a record of their view's entity, and on which
# methods (None: any): the edit form shows the record it edits, so its GET is a read.
GENERIC_READS: dict[str, tuple[str, ...] | None] = {
    "details_view": None, "ajax_lookup": None, "edit_view": ("GET",)}


def reads_personal_data(entity: str, *, subject_param: str | None = None,
                        methods: tuple[str, ...] | None = None) -> t.Callable[[F], F]:
    """Mark a route that shows residents' data although its declared action is not
    "view" on a personal entity (the batch PDF, the handover form, the intake NIK
    lookup). With `subject_param`, only a request carrying that value (the NIK looked
    up) is a read, and the value, masked, names whose data it was; with `methods`, only
    requests of those methods (the GET that shows a form) are reads."""

    def mark(fn: F) -> F:
        fn._reads_personal = (entity, subject_param, methods)  # type: ignore[attr-defined]
        return fn

    return mark


# Which matrix action each Flask-Admin endpoint needs.
ENDPOINT_ACTIONS = {
    "index_view": "list",
    "index": "list",
    "details_view": "view",
    "create_view": "create",
    "edit_view": "edit",
    "export": "export",
    "ajax_update": "edit",
    "ajax_lookup": "create|edit",
    "action_view": "list",  # each list action is then checked by is_action_allowed
    "delete_view": None,  # never: nothing is hard-deleted
}

# Spreadsheet programs execute cells starting with these characters.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise_formula(value: t.Any) -> t.Any:
    """Prefix a quote so a spreadsheet shows the text instead of running it."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def bounded_int(value: t.Any, low: int, high: int) -> int | None:
    """A query-string number (digits 0-9, optional minus) within [low, high], else None."""
    text = str(value if value is not None else "").strip()
    digits = text[1:] if text.startswith("-") else text
    if not digits or len(digits) > 12 or not ("0" <= min(digits) and max(digits) <= "9"):
        return None
    number = int(text)
    return number if low <= number <= high else None


def export_response(export_type: str, titles: list[str], rows: list[list[t.Any]],
                    filename: str) -> Response:
    """The finished export as a download: every row is already read, so the response
    streams plain text and never goes back to the database."""
    import csv
    import io
    import mimetypes

    from werkzeug.utils import secure_filename

    disposition = f"attachment;filename={secure_filename(filename)}"
    if export_type == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(titles)
        writer.writerows(rows)
        return Response(out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": disposition})
    import tablib

    dataset = tablib.Dataset(*[tuple(r) for r in rows], headers=titles)
    data = dataset.export(export_type)
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": disposition})


def actor() -> t.Any:
    return current_user._get_current_object()


def error_message(exc: DomainError | PermissionDenied) -> str:
    """What a refused domain operation tells the user."""
    return str(exc.message)


def form_checked(name: str) -> bool:
    """A checkbox of a hand-written form."""
    return request.form.get(name) in ("y", "on", "1", "true")


def pdf_response(data: bytes, filename: str, *, attachment: bool = False) -> Response:
    response = Response(data, mimetype="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


class OfficeForm(BaseForm):
    """Admin forms with WTForms' messages in the user's language.

    CSRF comes from the app-wide CSRFProtect, so no SecureForm here.
    """

    class Meta(NoBrowserChecks, BaseForm.Meta):
        _translations = WTFormsTranslations()

        def bind_field(self, form: t.Any, unbound_field: t.Any, options: t.Any) -> t.Any:
            """Number fields take digits 0-9 only, date fields plausible years."""
            return super().bind_field(form, with_field_checks(unbound_field), options)


# A query-string value longer than this is cut (no parameter of any page needs more).
MAX_ARG_LENGTH = 1000
# Pages of a list: beyond this, the list is empty anyway (20 rows a page).
MAX_PAGE = 100_000


def clean_query_args() -> None:
    """Every query-string value as a page may use it: control characters, surrogates
    and non-characters dropped, each value cut to MAX_ARG_LENGTH. Reading the query
    string changes nothing, so a value is cleaned rather than refused."""
    args = request.args
    cleaned = [(key, clean_search(key, 100), value)
               for key, value in args.items(multi=True)]
    if all(key == new_key and not unstorable_characters(value)
           and len(value) <= MAX_ARG_LENGTH for key, new_key, value in cleaned):
        return
    from werkzeug.datastructures import ImmutableMultiDict

    request.__dict__["args"] = ImmutableMultiDict(
        [(new_key, _cleaned_arg(new_key, value)) for _key, new_key, value in cleaned])
    request.__dict__.pop("values", None)


def _cleaned_arg(key: str, value: str) -> str:
    """A value with its unstorable characters dropped; a record id that carried one is
    no id at all ("1\x00" must not become record 1 for a step that acts on it)."""
    if (key == "id" or key.endswith("_id")) and unstorable_characters(value):
        return ""
    return replace_unstorable(value, "")[:MAX_ARG_LENGTH]


def unstorable_form_response() -> t.Any:
    """A posted value no text of the office contains (a NUL byte, a control character,
    a non-character such as U+FFFE): refused as a whole, nothing stored, 400 with the
    reason in the user's language."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    bad: list[str] = []
    for key, value in request.form.items(multi=True):
        bad += unstorable_characters(key) + unstorable_characters(value)
    for storage in request.files.values():
        bad += unstorable_characters(storage.filename or "")
    if not bad:
        return None
    from errors import render_error

    return render_error(400, _l("The request could not be processed"), _l(
        "The form contains characters that cannot be stored (control characters or "
        "non-characters such as U+%(code)s); nothing was changed. Type the text again "
        "instead of pasting it.", code=f"{ord(bad[0]):04X}"))


class SecuredMixin:
    """Login + matrix check for any Flask-Admin view bound to one entity."""

    entity: str = ""

    _configuring = False

    def allowed(self, action: str) -> bool:
        # Flask-Admin builds its column caches in __init__, outside any request;
        # requests always see the matrix.
        if self._configuring:
            return True
        # Asked many times a page (can_create, can_edit... each a property); the
        # answer cannot change within one request.
        user = g.get("_login_user")  # Flask-Login's user of this request
        held = g.get("office_allowed")
        if held is None or held[0] is not user or user is None:
            held = g.office_allowed = (user, {})
        memo = held[1]
        key = (self.entity, action)
        if key not in memo:
            memo[key] = allowed(current_user, self.entity, action)
        return memo[key]

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and self.allowed("list")

    def inaccessible_callback(self, name: str, **kwargs: t.Any) -> t.Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        return forbidden(self.entity, name)

    def declared(self, name: str) -> tuple[str, str] | None:
        """The (entity, action) the route `name` declares, None when it declares none.

        ("", "") means any logged-in member of staff.
        """
        fn = getattr(type(self), name, None)
        marked = getattr(fn, "_requires", None)
        if marked is not None:
            return marked
        if name in ENDPOINT_ACTIONS:
            action = ENDPOINT_ACTIONS[name]
            return (self.entity, action) if action else None
        return None

    def subject_value(self, param: str) -> str:
        """The NIK a lookup route reads the data of (@reads_personal_data's
        `subject_param`): the request's value, ASCII digits only. A view whose lookup
        is not in the request (the intake's, kept in the session) says where it is."""
        return ascii_digits(request.values.get(param), 32)

    def personal_read(self, name: str) -> tuple[str, str | None] | None:
        """(entity, subject parameter) when route `name` reads residents' data: a
        generic details/edit/lookup endpoint of a personal entity, a route declared
        "view" on one, or one marked @reads_personal_data."""
        marked = getattr(getattr(type(self), name, None), "_reads_personal", None)
        if marked is not None:
            entity, subject_param, methods = marked
            if methods is None or request.method in methods:
                return (entity, subject_param)
            return None
        if name == "index_view":
            # A list searched on a personal entity is a lookup; the bare list is not
            # one (it shows what the screen shows everyone of the role).
            if self.entity in PERSONAL_DATA_ENTITIES and request.args.get("search"):
                return (self.entity, None)
            return None
        if name in GENERIC_READS:
            methods = GENERIC_READS[name]
            if self.entity in PERSONAL_DATA_ENTITIES and (
                    methods is None or request.method in methods):
                return (self.entity, None)
            return None
        needed = self.declared(name)
        if needed and needed[1] == "view" and needed[0] in PERSONAL_DATA_ENTITIES:
            return (needed[0], None)
        return None

    def _handle_view(self, name: str, **kwargs: t.Any) -> t.Any:
        clean_query_args()  # before anything reads the query string
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        needed = self.declared(name)
        if needed == LOGGED_IN:
            return None
        if not self.is_accessible():
            return forbidden(self.entity, name)
        if needed is None:
            return forbidden(self.entity, name)  # undeclared: closed, never open
        entity, action = needed
        if action == "create|edit":  # ajax lookups serve the create and edit forms
            if not (self.allowed("create") or self.allowed("edit")):
                return forbidden(self.entity, name)
        elif not allowed(current_user, entity, action):
            return forbidden(entity, name)
        refused = unstorable_form_response()
        if refused is not None:
            return refused
        record_read(self, name, kwargs)
        return None

    def _run_view(self, fn: t.Callable[..., t.Any], *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Every route runs inside the upload tracker: a file it stored that no record
        refers to at the end (a refused intake, a recording that failed) is deleted."""
        with uploads.discard_unused_uploads():
            return super()._run_view(fn, *args, **kwargs)  # type: ignore[misc]


def refused(exc: DomainError) -> t.Any:
    """The one handler for a refused domain operation, wherever it was raised: a
    permission refusal is an audited 403; any other refusal is rolled back and shown
    as a message on the page the user came from."""
    db.session.rollback()
    if isinstance(exc, PermissionDenied):
        return forbidden(exc.entity, request.endpoint or "")
    flash(error_message(exc), "danger")
    return redirect(back_url())


def back_url() -> str:
    """Where to return after a refused step: the same-site page it came from."""
    from admin.auth import safe_next

    referrer = request.referrer or ""
    host = request.host_url.rstrip("/")
    if referrer.startswith(host):
        back = safe_next(referrer[len(host):])
        if back:
            return back
    return request.path if request.method == "GET" else url_for("admin.index")


def declared_routes(admin: t.Any) -> list[tuple[str, str, str, tuple[str, str] | None]]:
    """(endpoint, url, methods, declaration) of every route of every admin view."""
    out = []
    for view in admin._views:
        for url, name, methods in view._urls:
            declared = view.declared(name) if hasattr(view, "declared") else None
            out.append((f"{view.endpoint}.{name}", view.url + url, ",".join(methods),
                        declared))
    return out


def action_declarations(view: t.Any) -> list[tuple[str, str]]:
    """The (entity, action) of each list action of `view` ("entity.action" or "action")."""
    out = []
    for name in getattr(view, "_actions_data", {}):
        entity, _sep, action = name.rpartition(".")
        out.append((entity or view.entity, action))
    return out


def check_declarations(admin: t.Any) -> None:
    """Start-up check: every route and list action declares a pair the matrix knows."""
    from models.permissions import is_known

    problems = []
    for endpoint, url, _methods, declared in declared_routes(admin):
        if declared is None:
            if endpoint.endswith(".delete_view"):
                continue  # refused for everyone by design
            problems.append(f"{endpoint} ({url}) declares no (entity, action)")
        elif declared != LOGGED_IN and declared[1] != "create|edit" \
                and not is_known(*declared):
            problems.append(f"{endpoint} ({url}) declares unknown {declared}")
    for view in admin._views:
        for pair in action_declarations(view):
            if pair[1] != "delete" and not is_known(*pair):
                problems.append(f"{view.endpoint} list action declares unknown {pair}")
    if problems:
        raise RuntimeError("Permission declarations do not match the matrix:\n  "
                           + "\n  ".join(problems))


def masked_path() -> str:
    """The request's path and query string as the log may keep it: NIKs masked."""
    return replace_unstorable(audit.mask_niks(request.full_path.rstrip("?")))[:300]


def export_audit(view: t.Any, export_type: str, action: str = "export",
                 subject_ids: t.Iterable[int] = (), **extra: t.Any) -> None:
    """The record of an export (who, which view, format and filters), made when the
    file is complete; a failed one is recorded as "export_failed". `subject_ids`: the
    residents whose data it carried (their processing history lists it)."""
    entry = audit.record(actor(), action, object_type=view.entity,
                         changes={"format": export_type, "path": masked_path(),
                                  "query": replace_unstorable(audit.mask_niks(
                                      request.query_string.decode(errors="replace")))[:500],
                                  **extra})
    audit.link_subjects(entry, subject_ids)
    db.session.commit()


def forbidden(entity: str, name: str) -> t.NoReturn:
    """Log the refusal and answer 403 (with the masked NIK a refused lookup posted:
    whose data was asked for, as the address used to say)."""
    target = (request.args.get("id") or "")[:64] or None
    changes: dict[str, t.Any] = {"endpoint": name, "path": masked_path(),
                                 "method": request.method}
    nik = ascii_digits(request.form.get("nik"), 32) if request.method == "POST" else ""
    if len(nik) == 16:  # a NIK (mask_niks masks 16 digits; other lengths name nobody)
        changes["subjects"] = [audit.mask_niks(nik)]
    audit.record_now(actor(), "forbidden", object_type=entity, object_id=target,
                     changes=changes)
    abort(403)


def record_read(view: t.Any, name: str, kwargs: dict[str, t.Any]) -> None:
    """The one place a reading of personal data goes on record (who: the actor, when,
    from where: the entry itself; what: endpoint and path; whose: masked NIKs).

    Exports of any entity are recorded too, as "export", with their filters. Once per
    request: a route that calls its parent's route passes the base check twice.
    """
    if g.get("read_recorded"):
        return
    g.read_recorded = True
    if name == "export":
        return  # audited by the export itself once the file is made (export_audit)
    spec = view.personal_read(name)
    if spec is None:
        return
    entity, subject_param = spec
    changes: dict[str, t.Any] = {"endpoint": f"{view.endpoint}.{name}", "path": masked_path(),
                                 "method": request.method}
    looked_up = ""  # the NIK a lookup was made with (its resident is linked)
    if subject_param is not None:
        looked_up = view.subject_value(subject_param)
        if not looked_up:
            return  # the empty search form: nothing was read
        changes["subjects"] = [audit.mask_niks(looked_up)]
    raw_id = kwargs.get("id", request.args.get("id"))
    object_id = str(raw_id)[:64] if raw_id not in (None, "") else None
    obj = None
    model = audit.model_for(entity)
    if object_id is not None and model is not None:
        key = parse_id(object_id)
        obj = db.session.get(model, key) if key is not None else None
    if obj is not None:
        changes["subjects"] = audit.subjects_of(obj)
        changes["label"] = audit.object_label(obj)
    if name == "ajax_lookup":
        changes["query"] = audit.mask_niks(request.args.get("query", ""))[:100]
    if name == "index_view":
        changes["search"] = audit.mask_niks(request.args.get("search", ""))[:100]
        looked_up = ascii_digits(request.args.get("search"), 32)
    audit.record_reading(actor(), entity, object_id=object_id, changes=changes,
                         nik=looked_up if obj is None else "")  # a record names its own


# What werkzeug's url building leaves unquoted in a query string (werkzeug.urls).
URL_QUERY_SAFE = "!$'()*,/:;?@"

# Flask-Admin's own words on the list page (its translation domain), translated once
# per language rather than at every use.
LIST_TEXTS = ("List", "Create New Record", "Create", "Export", "Add Filter",
              "With selected", "Search", "Apply", "Reset Filters", "Select all records",
              "Please select at least one record.")


def list_texts() -> dict[str, str]:
    from flask_babel import get_locale

    return kept(current_app.extensions.setdefault("office_list_texts", {}),
                str(get_locale()), lambda: {text: admin_gettext(text) for text in LIST_TEXTS})


# Stands for the row's id in a row link built once per list page (letters only, so
# url_for leaves it as it is).
ROW_ID = "ROWIDROWID"


class SecuredModelView(SecuredMixin, ModelView):
    """Base for every resource screen. Subclasses set `entity` and their columns."""

    form_base_class = OfficeForm
    can_delete = False
    can_set_page_size = False
    page_size = 20
    # No COUNT(*) over big tables on every page.
    simple_list_pager = True
    export_types = ["csv", "xlsx"]
    column_display_actions = True
    column_editable_list: t.ClassVar[list[str]] = []  # no inline edit: forms validate
    named_filter_urls = True
    # Date filters typed DD-MM-YYYY; moments filtered by their WITA day.
    filter_converter = OfficeFilterConverter()
    list_template = "admin/office_list.html"
    # Dates DD-MM-YYYY, times in WITA, Ya/Tidak: on every screen and export.
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_export = EXPORT_TYPE_FORMATTERS
    column_type_formatters_detail = DETAIL_TYPE_FORMATTERS
    column_default_sort = ("id", True)  # newest first, along the primary key
    details_template = "admin/office_details.html"

    # The matrix decides; Flask-Admin reads these per request.
    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self.allowed("create")

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return self.allowed("edit")

    @property
    def can_view_details(self) -> bool:  # type: ignore[override]
        return self.allowed("view")

    @property
    def can_export(self) -> bool:  # type: ignore[override]
        return self.allowed("export")

    @property
    def export_max_rows(self) -> int:  # type: ignore[override]
        from flask import current_app

        return int(current_app.config.get("EXPORT_MAX_ROWS", 10_000))

    def __init__(self, model: type, session: t.Any = None, **kwargs: t.Any) -> None:
        if not getattr(self, "column_export_list", None):
            raise TypeError(f"{type(self).__name__} must list its export columns")
        self._configuring = True
        try:
            super().__init__(model, session or db, **kwargs)
        finally:
            self._configuring = False

    # ---- scoping: every single-record read goes through get_query ----
    def get_one(self, id: t.Any) -> t.Any:
        """The record with this id inside the view's scope, None for an id that is not
        one (letters, Arabic-Indic digits, 99999999999999999999, a NUL byte)."""
        pk = sa_inspect(self.model).primary_key[0]
        if pk.type.python_type is int:
            key: t.Any = parse_id(id)
            if key is None:
                return None
        else:
            try:
                key = pk.type.python_type(id)
            except (TypeError, ValueError, OverflowError):
                return None
        return self.get_query().filter(pk == key).one_or_none()

    # ---- the list's query string, read defensively
    def _get_list_extra_args(self) -> t.Any:
        """page, sort and desc as numbers in range (anything else: the default), the
        search cleaned and capped (models.validation.clean_search)."""
        view_args = super()._get_list_extra_args()
        view_args.page = bounded_int(request.args.get("page"), 0, MAX_PAGE) or 0
        view_args.page_size = 0  # can_set_page_size is off: the view's page size
        sort = bounded_int(request.args.get("sort"), 0, len(self._list_columns) - 1)
        view_args.sort = sort
        view_args.sort_desc = bool(bounded_int(request.args.get("desc"), 0, 1))
        view_args.search = clean_search(request.args.get("search")) or None
        return view_args

    @expose("/ajax/lookup/")
    def ajax_lookup(self) -> t.Any:
        """The select2 lookups: the term cleaned, offset and limit in range."""
        import json

        loader = self._form_ajax_refs.get(request.args.get("name") or "")
        if not loader:
            abort(404)
        query = clean_search(request.args.get("query"))
        offset = bounded_int(request.args.get("offset"), 0, 1000) or 0
        limit = bounded_int(request.args.get("limit"), 1, 20) or 10
        data = [loader.format(m) for m in loader.get_list(query, offset, limit)]
        return Response(json.dumps(data), mimetype="application/json")

    # ---- actions: matrix check on the action, then on every id ----
    def is_action_allowed(self, name: str) -> bool:
        if name == "delete":
            return False
        action_entity, _sep, action = name.rpartition(".")
        return allowed(current_user, action_entity or self.entity, action)

    def handle_action(self, return_view: str | None = None) -> t.Any:
        """Flask-Admin skips a list action it does not allow and redirects as if it
        ran; here a refused (or unknown) action is an audited 403 like any refusal."""
        form = self.action_form()
        if self.validate_form(form):
            name = form.action.data or ""
            if name not in self._actions_data or not self.is_action_allowed(name):
                action_entity, _sep, _action = name.rpartition(".")
                return forbidden(action_entity or self.entity, f"action_view:{name}"[:80])
        return super().handle_action(return_view)

    def scoped_records(self, ids: t.Iterable[str]) -> list[t.Any]:
        """Re-fetch each id through get_one; an id outside the scope is refused."""
        records = []
        for id_ in ids:
            obj = self.get_one(id_)
            if obj is None:
                abort(404)
            records.append(obj)
        return records

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self) -> t.Any:
        if not self.can_edit:
            return forbidden(self.entity, "ajax_update")
        # Inline editing would skip the form-level checks and the audit diff.
        abort(404)

    @expose("/delete/", methods=("POST",))
    def delete_view(self) -> t.Any:
        return forbidden(self.entity, "delete_view")

    def delete_model(self, model: t.Any) -> bool:
        """Nothing is hard-deleted, whatever route reaches here."""
        return False

    # ---- saving goes through models.crud: matrix, validation, audit ----
    def create_record(self, model: t.Any) -> list[str]:
        """Create through the domain; views of entities born by a named operation
        (disruption, blank receipt, complaint) call that operation instead."""
        return editing.create(actor(), model)

    def create_model(self, form: t.Any) -> t.Any:
        model = self.build_new_instance()
        form.populate_obj(model)
        try:
            warnings = self.create_record(model)
        except (DomainError, PermissionDenied) as exc:
            self._show_domain_error(form, exc)
            return False
        for warning in warnings:
            flash(str(warning), "warning")
        return model

    def update_model(self, form: t.Any, model: t.Any) -> bool:
        before = audit.snapshot(model)
        form.populate_obj(model)
        try:
            warnings = editing.update(actor(), model, before)
        except (DomainError, PermissionDenied) as exc:
            self._show_domain_error(form, exc)
            return False
        for warning in warnings:
            flash(str(warning), "warning")
        return True

    def render(self, template: t.Any, **kwargs: t.Any) -> t.Any:
        """Each page gets its own copy of the form's widget arguments: Flask-Admin's
        field macro adds "is-invalid" to the class in the dict it is given, which is
        the view's own, so one refused NIK marked the field red for every later page."""
        form_opts = kwargs.get("form_opts")
        if form_opts is not None and getattr(form_opts, "widget_args", None):
            form_opts.widget_args = copy.deepcopy(form_opts.widget_args)
        if "list_row_actions" in kwargs and "return_url" in kwargs:
            kwargs["fast_row_links"] = self._fast_row_links(
                kwargs["list_row_actions"], kwargs["return_url"])
            kwargs["select_record_title"] = admin_gettext("Select record")
            kwargs["rows_html"] = self.list_rows_html(
                kwargs["data"], kwargs["list_columns"], bool(kwargs.get("actions")),
                kwargs["list_row_actions"], kwargs["fast_row_links"],
                kwargs["select_record_title"])
            kwargs["filter_groups_json"] = self._filter_groups_json()
            kwargs["fa_text"] = list_texts()
        return super().render(template, **kwargs)

    def list_rows_html(self, data: t.Sequence[t.Any], list_columns: t.Sequence[t.Any],
                       with_checkbox: bool, row_actions: t.Sequence[t.Any],
                       fast_links: dict[t.Any, t.Any], select_title: str) -> Markup | None:
        """The list's rows as office_list.html's Jinja loop draws them (the same
        markup, each value escaped as `{{ }}` escapes it), without a template call per
        cell: a 20-row page was half the page's time. None when the rows need the
        template (inline edit, a row action other than view and edit, no rows)."""
        if self.column_editable_list or not data:
            return None
        show_actions = self.column_display_actions
        if show_actions and any(action not in fast_links for action in row_actions):
            return None
        # Every value goes through escape() (what `{{ }}` does, Markup left as it is)
        # and the markup around it is constant: Markup.format would do the same at
        # ten times the cost (a Python-level formatter per call).
        select = str(escape(select_title))
        columns = ['\n    <td class="col-' + str(escape(name)) + '">\n'
                   for name, _label in list_columns]
        names = [name for name, _label in list_columns]
        links = [tuple(str(escape(part)) for part in fast_links[action])
                 for action in row_actions] if show_actions else []
        cells = [self._cell_value(name) for name in names]
        parts: list[str] = []
        for row in data:
            pk = str(escape(self.get_pk_value(row)))
            parts.append("\n  <tr>")
            if with_checkbox:
                parts.append('\n    <td><input type="checkbox" name="rowid" '
                             'class="action-checkbox" value="' + pk + '" title="'
                             + select + '" /></td>')
            if show_actions:
                parts.append('\n    <td class="list-buttons-column">')
                for href, title, icon in links:
                    parts.append('\n<a class="icon" href="' + href.replace(ROW_ID, pk)
                                 + '" title="' + title + '">\n  <span class="' + icon
                                 + '"></span>\n</a>')
                parts.append("\n    </td>")
            for value_of, opening in zip(cells, columns, strict=True):
                parts.append(opening + str(escape(value_of(row))) + "\n    </td>")
            parts.append("\n  </tr>")
        return Markup("".join(parts))

    def _cell_value(self, name: str) -> t.Callable[[t.Any], t.Any]:
        """What Flask-Admin's _get_list_value gives for column `name` (its formatter or
        the attribute, the choices, the first type formatter the value is an instance
        of), with the lookups done once per column and value type, not per cell."""
        column_fmt = self.column_formatters.get(name)
        choices = self._column_choices_map.get(name) or {}
        type_formatters = self.column_type_formatters
        by_type: dict[type, t.Any] = {}

        def value_of(row: t.Any) -> t.Any:
            if column_fmt is not None:
                value = column_fmt(self, None, row, name)
            else:
                value = self._get_field_value(row, name)
            if choices:
                return choices.get(value) or value
            kind = type(value)
            if kind not in by_type:
                by_type[kind] = next((fmt for typeobj, fmt in type_formatters.items()
                                      if isinstance(value, typeobj)), None)
            fmt = by_type[kind]
            return value if fmt is None else fmt(self, value, name)

        return value_of

    def _filter_groups_json(self) -> Markup:
        """The filters' JSON for Flask-Admin's filter script, once per language."""
        return self._translated_filters()[1]

    def get_url(self, endpoint: str, **kwargs: t.Any) -> str:
        """The list's own URL (pager, sort, search, filters: six a page) from its path,
        built once, and the query string as url_for writes it; anything else by
        url_for."""
        if endpoint != ".index_view" or any(key.startswith("_") for key in kwargs):
            return super().get_url(endpoint, **kwargs)
        base = frame_url(f"{self.endpoint}.index_view")
        items = [(key, value) for key, value in kwargs.items() if value is not None]
        return f"{base}?{urlencode(items, safe=URL_QUERY_SAFE)}" if items else base

    def get_list_row_actions(self) -> t.Any:
        """Flask-Admin's row actions (view, edit), made once per (may view, may edit,
        language) instead of on every list page (each translates its title)."""
        from flask_babel import get_locale

        key = (self.can_view_details, self.can_edit, str(get_locale()))
        made = super().get_list_row_actions
        return list(kept(self.__dict__.setdefault("_row_actions_by_key", {}), key,
                         lambda: tuple(made())))

    def _fast_row_links(self, row_actions: t.Any, return_url: str) -> dict[t.Any, t.Any]:
        """Flask-Admin's own view and edit icons of a list row as (href with ROW_ID in
        place of the id, title, icon): one url_for per page and icon instead of one per
        row, the same markup (office_list.html). Other row actions render as before."""
        from flask_admin.model.template import EditRowAction, ViewRowAction

        endpoints = {ViewRowAction: (".details_view", "fa fa-eye glyphicon glyphicon-eye-open"),
                     EditRowAction: (".edit_view", "fa fa-pencil glyphicon glyphicon-pencil")}
        links = {}
        for action in row_actions:
            if type(action) in endpoints:
                endpoint, icon = endpoints[type(action)]
                href = self.get_url(endpoint, id=ROW_ID, url=return_url)
                links[action] = (href, action.title or "", icon)
        return links

    def _get_filter_groups(self) -> t.Any:
        """The filters' labels and options translated once per language, not on every
        list page."""
        return self._translated_filters()[0]

    def _translated_filters(self) -> tuple[t.Any, Markup]:
        """(translated filter groups, their JSON) per language. Flask-Admin fixes them
        when it builds the view; _refresh_filters_cache replaces the groups object,
        which makes a kept copy stale."""
        from flask_babel import get_locale
        from jinja2.utils import htmlsafe_json_dumps

        cache = self.__dict__.setdefault("_translated_filter_groups", {})
        source, translated, as_json = cache.get(str(get_locale()), (None, None, None))
        if source is not self._filter_groups:
            translated = super()._get_filter_groups()
            as_json = htmlsafe_json_dumps(translated, dumps=current_app.json.dumps)
            cache[str(get_locale())] = (self._filter_groups, translated, as_json)
        return translated, as_json

    def validate_form(self, form: t.Any) -> bool:
        """Validate, then make every message a plain string: Flask-Admin's templates
        show only `string` errors, so a lazily translated one (a validator's
        message=_l(...)) left the field unmarked and the page said only "failed"."""
        valid = super().validate_form(form)
        for field in form:
            if isinstance(field.errors, list):
                field.errors = [str(e) if isinstance(e, LazyString) else e
                                for e in field.errors]
        return valid

    def _show_domain_error(self, form: t.Any, exc: Exception) -> None:
        if not show_refusal(form, exc):
            flash(str(getattr(exc, "message", exc)), "danger")

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, (DomainError, ValidationError)):
            flash(str(getattr(exc, "message", exc)), "danger")
            return True
        return super().handle_view_exception(exc)

    # ---- export: explicit columns, capped rows, formulas neutralised, audited ----
    def get_export_value(self, model: t.Any, name: t.Any) -> t.Any:
        value = super().get_export_value(model, name)
        if isinstance(value, str):  # XLSX cannot hold control characters
            value = replace_unstorable(value)
        return neutralise_formula(value)

    def export_rows(self) -> tuple[list[str], list[list[t.Any]]]:
        """The titles and every row's values, read and formatted while the request's
        session is open (Flask-Admin's own CSV generator runs after the view returned,
        when the records are detached: DetachedInstanceError on the first relation)."""
        from flask_admin._compat import csv_encode

        _count, data = self._export_data()
        if self.entity in PERSONAL_DATA_ENTITIES:  # whose data the file carries
            g.export_subjects = audit.applicant_ids_of(data)
        titles = [csv_encode(c[1]) for c in self._export_columns]
        rows = [[csv_encode(self.get_export_value(row, c[0])) for c in self._export_columns]
                for row in data]
        return titles, rows

    @expose("/export/<export_type>/")
    def export(self, export_type: str) -> t.Any:
        if export_type not in self.export_types:
            flash(admin_gettext("Permission denied."), "error")
            return redirect(self.get_url(".index_view"))
        try:
            titles, rows = self.export_rows()
            response = export_response(export_type, titles, rows,
                                       self.get_export_name(export_type))
        except Exception as exc:  # whatever broke, the export is not "done"
            db.session.rollback()
            current_app.logger.exception("export of %s as %s failed", self.entity,
                                         export_type)
            export_audit(self, export_type, "export_failed", error=type(exc).__name__)
            flash(_("The export could not be made; nothing was exported. Try again, and "
                    "tell the administrator if it happens again."), "danger")
            return redirect(self.get_url(".index_view"))
        export_audit(self, export_type, rows=len(rows),
                     subject_ids=g.pop("export_subjects", ()))
        return response

    def get_export_name(self, export_type: str = "csv") -> str:
        from models import utcnow

        return f"{self.entity}_{utcnow():%Y%m%d_%H%M}.{export_type}"


class OfficeIndexView(AdminIndexView):
    """The base of the back-office home page (admin/dashboards.py): logged-in staff only."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated

    def inaccessible_callback(self, name: str, **kwargs: t.Any) -> t.Any:
        return redirect(url_for("auth.login", next=request.full_path))

    def declared(self, name: str) -> tuple[str, str] | None:
        return getattr(getattr(type(self), name, None), "_requires", None)


# ------------------------------------------------------------------ the page frame
# The menu and the frame's URLs (static files, fixed links) are the same on every page
# of a role, a language and a screen, and cost more to draw than a list's rows: drawn
# once, kept in-process.

# Roles x languages x screens x badge counts: a bound, not the expected size.
_FRAME_CACHE_MAX = 2048


def kept(cache: dict[t.Any, t.Any], key: t.Any, make: t.Callable[[], t.Any]) -> t.Any:
    """`cache[key]`, made by `make()` the first time; the cache is emptied when it
    reaches _FRAME_CACHE_MAX entries (a bound, never reached in normal use)."""
    value = cache.get(key)
    if value is None:
        if len(cache) >= _FRAME_CACHE_MAX:
            cache.clear()
        value = cache[key] = make()
    return value


def _badged_names(admin: t.Any) -> list[t.Any]:
    """The menu names that carry a count badge (admin/dashboards.py BadgedName)."""
    found = admin.__dict__.get("_office_badged_names")
    if found is None:
        found = []
        stack = list(admin.menu())
        while stack:
            item = stack.pop()
            if item.is_category():
                stack.extend(item._children)
            elif hasattr(item.name, "entity") and hasattr(item.name, "action"):
                found.append(item.name)
        admin.__dict__["_office_badged_names"] = found
    return found


def office_menu(render_menu: t.Callable[[], t.Any], admin_view: t.Any) -> t.Any:
    """Flask-Admin's menu (`render_menu`, its layout.menu macro), drawn once per
    (signed-in, role, language, screen, badge counts) and reused.

    What the menu shows depends only on those: every entry's is_accessible is the
    matrix on the user's role (or just "signed in"), the names are translated, the
    active entry is the screen's. The badge counts are counted on every page (once,
    as BadgedName does, for the roles they concern) and are part of the key, so a
    count is never older than the page."""
    from flask_babel import get_locale

    user = current_user._get_current_object()
    signed_in = bool(user.is_authenticated)
    role = getattr(user, "role", None) if signed_in and getattr(user, "active", False) \
        else None
    counts = []
    badges = g.setdefault("menu_badges", {})
    for name in _badged_names(admin_view.admin):
        key = (name.entity, name.action)
        if signed_in and allowed(user, *key):
            if key not in badges:
                badges[key] = name.count()
            counts.append(badges[key])
        else:
            counts.append(None)
    key = (admin_view.endpoint, signed_in, role, str(get_locale()), request.script_root,
           request.host, tuple(counts))
    return kept(admin_view.admin.__dict__.setdefault("_office_menu_cache", {}), key,
                render_menu)


def frame_url(endpoint: str, **values: t.Any) -> str:
    """url_for with fixed arguments (a static file, a link of the frame), built once
    per mount point."""
    key = (request.script_root, request.host, endpoint, tuple(sorted(values.items())))
    return kept(current_app.extensions.setdefault("office_frame_urls", {}), key,
                lambda: url_for(endpoint, **values))


def frame_part(name: str, render: t.Callable[[], t.Any]) -> t.Any:
    """A part of the frame that is the same for everyone in one language (the
    keyboard-shortcut list): `render` (its macro) drawn once per language."""
    from flask_babel import get_locale

    return kept(current_app.extensions.setdefault("office_frame_parts", {}),
                (name, str(get_locale())), render)


# Stands for the request's CSP nonce in a frame part drawn once (letters and digits
# only: escaping leaves it as it is).
NONCE_STAND_IN = "N0nceStandIn0ffice"


def frame_nonced(name: str, render: t.Callable[[str], t.Any]) -> Markup:
    """A part of the frame that is the same on every page of a mount point but for
    this request's CSP nonce (the style sheets and scripts): `render` (its macro,
    taking the nonce) drawn once with a stand-in, the nonce put in on each page."""
    part = kept(current_app.extensions.setdefault("office_frame_parts", {}),
                (name, request.script_root, request.host),
                lambda: str(render(NONCE_STAND_IN)))
    nonce = current_app.jinja_env.globals["csp_nonce"]()
    return Markup(part.replace(NONCE_STAND_IN, nonce))

