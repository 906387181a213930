"""Staff accounts (administrator) and role grants (oversight sees them, the head of office
confirms them); the account events are the audit log's entries on these two objects.

The administrator's screens hold no password field: a new account and a reset show a
one-time activation code once, and a new role waits for the head of office.
"""

from __future__ import annotations

import typing as t

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forms.accounts import ROLE_CHOICES, EditUserForm, NewUserForm
from models import DomainError, PermissionDenied, db, users
from models.permissions import ROLE_LABELS, allowed
from models.users import GRANT_STATUS_LABELS, User

from .auth import clear_account_throttle
from .base import SecuredModelView, actor, requires
from .formatters import mapping_label

ACCOUNT_OBJECTS = ("user", "role_grant")


def _role(view: t.Any, context: t.Any, model: t.Any, name: str) -> str:
    value = getattr(model, name)
    if value is None:
        return _("(awaiting confirmation)")
    return str(ROLE_LABELS.get(value, value))


def _pending_role(view: t.Any, context: t.Any, model: t.Any, name: str) -> str:
    grant = users.pending_grant(model)
    return str(ROLE_LABELS.get(grant.role, grant.role)) if grant else ""


def _grant_status(view: t.Any, context: t.Any, model: t.Any, name: str) -> str:
    return str(GRANT_STATUS_LABELS[model.status])


class UserView(SecuredModelView):
    entity = "user"
    column_list = ("username", "full_name", "role", "pending_role", "active",
                   "totp_enabled_at", "last_login_at", "locked_until")
    column_details_list = ("username", "full_name", "nip", "role", "pending_role", "active",
                           "totp_enabled_at", "last_login_at", "failed_logins",
                           "locked_until", "activation_expires_at", "created_at")
    column_export_list = ("username", "full_name", "nip", "role", "active", "last_login_at")
    column_labels = {
        "username": _l("Username"), "full_name": _l("Full name"), "nip": _l("NIP"),
        "role": _l("Role"), "pending_role": _l("Role awaiting confirmation"),
        "active": _l("Active"), "last_login_at": _l("Last login"),
        "failed_logins": _l("Failed logins"), "locked_until": _l("Locked until"),
        "created_at": _l("Created"), "totp_enabled_at": _l("Authenticator app since"),
        "activation_expires_at": _l("Activation code valid until"),
    }
    column_filters = ("role", "active")
    column_choices = {"role": ROLE_CHOICES}
    column_formatters = {"role": _role, "pending_role": _pending_role}
    column_formatters_detail = {"role": _role, "pending_role": _pending_role}
    column_formatters_export = {"role": mapping_label(ROLE_LABELS)}
    column_searchable_list = ("username", "full_name")
    column_default_sort = ("username", False)
    details_template = "admin/accounts/user_details.html"

    def get_create_form(self) -> t.Any:
        return NewUserForm

    def get_edit_form(self) -> t.Any:
        return EditUserForm

    def create_model(self, form: t.Any) -> t.Any:
        try:
            user, code = users.create_account(actor(), form.username.data,
                                              form.full_name.data, form.role.data,
                                              form.nip.data or None)
        except DomainError as exc:
            db.session.rollback()
            self._show_domain_error(form, exc)
            return False
        g.issued_code = (user, code, "create")
        return user

    def update_model(self, form: t.Any, model: t.Any) -> bool:
        try:
            grant = users.update_user(actor(), model, full_name=form.full_name.data,
                                      role=form.role.data, nip=form.nip.data or None,
                                      active=form.active.data)
        except DomainError as exc:
            db.session.rollback()
            self._show_domain_error(form, exc)
            return False
        if grant is not None and grant.is_pending:
            flash(_("The role %(role)s waits for the head of office's confirmation.",
                    role=ROLE_LABELS[grant.role]), "info")
        return True

    def _code_page(self, fallback: t.Any) -> t.Any:
        issued = g.pop("issued_code", None)
        if issued is None:
            return fallback
        user, code, why = issued
        return self.render("admin/accounts/activation_code.html", account=user, code=code,
                           why=why, expires_at=user.activation_expires_at)

    # The generic create (declared by ENDPOINT_ACTIONS: user/create), then the code
    # is shown once on the page itself: never in a flash message or the session.
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> t.Any:
        return self._code_page(super().create_view())

    def _account(self) -> User:
        user = self.get_one(request.args.get("id", ""))
        if user is None:
            abort(404)
        return user

    @expose("/reset/", methods=("POST",))
    @requires("user", "reset_password")
    def reset_view(self) -> t.Any:
        user = self._account()
        code = users.reset_password(actor(), user)
        g.issued_code = (user, code, "reset")
        return self._code_page(None)

    @expose("/activation/", methods=("POST",))
    @requires("user", "reset_password")
    def activation_view(self) -> t.Any:
        """A new code for an account still without a password (the first expired)."""
        user = self._account()
        code = users.issue_activation_code(actor(), user)
        g.issued_code = (user, code, "create")
        return self._code_page(None)

    @expose("/unlock/", methods=("POST",))
    @requires("user", "unlock")
    def unlock_view(self) -> t.Any:
        user = self._account()
        users.unlock(actor(), user)
        clear_account_throttle(user.username)
        flash(_("Account %(u)s is unlocked.", u=user.username), "success")
        return redirect(self.get_url(".details_view", id=user.id))


class RoleGrantView(SecuredModelView):
    """Role requests: oversight sees them; the head of office confirms or refuses."""

    entity = "role_grant"
    can_create = False  # a request is made on the account's form
    can_edit = False
    column_list = ("user", "role", "status", "requested_by", "requested_at",
                   "confirmed_by", "confirmed_at", "refused_by", "refused_at")
    column_details_list = column_list
    column_export_list = ("user", "role", "status", "requested_by", "requested_at",
                          "confirmed_by", "confirmed_at", "refused_by", "refused_at")
    column_labels = {
        "user": _l("Account"), "role": _l("Role"), "status": _l("Status"),
        "requested_by": _l("Requested by"), "requested_at": _l("Requested"),
        "confirmed_by": _l("Confirmed by"), "confirmed_at": _l("Confirmed"),
        "refused_by": _l("Refused by"), "refused_at": _l("Refused"),
    }
    column_formatters = {"role": mapping_label(ROLE_LABELS), "status": _grant_status}
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    column_default_sort = ("requested_at", True)
    list_template = "admin/accounts/role_grant_list.html"

    def render(self, template: str, **kwargs: t.Any) -> t.Any:
        kwargs["account_events_url"] = (account_events_url()
                                        if allowed(actor(), "audit_entry", "list") else None)
        return super().render(template, **kwargs)

    @action("confirm", _l("Confirm role"),
            _l("Give the selected accounts the requested role?"))
    def action_confirm(self, ids: list[str]) -> None:
        self._decide(ids, users.confirm_grant, _("%(n)d role request(s) confirmed."))

    @action("refuse", _l("Refuse role"), _l("Refuse the selected role requests?"))
    def action_refuse(self, ids: list[str]) -> None:
        self._decide(ids, users.refuse_grant, _("%(n)d role request(s) refused."))

    def _decide(self, ids: list[str], decide: t.Callable[..., None], done_msg: str) -> None:
        done = 0
        for grant in self.scoped_records(ids):
            try:
                decide(actor(), grant)
            except PermissionDenied:
                raise
            except DomainError as exc:
                db.session.rollback()
                flash(str(exc.message), "danger")
                continue
            done += 1
        if done:
            flash(done_msg % {"n": done}, "success")


def account_events_url() -> str:
    """The audit log, filtered to the events of accounts and role grants."""
    return url_for("auditentry.index_view", flt0_object_type_in_list=",".join(ACCOUNT_OBJECTS))
