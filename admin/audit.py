"""The audit log (oversight)."""

from __future__ import annotations

import typing as t

from flask_babel import lazy_gettext as _l

from models.audit import verify_chain

from .base import SecuredModelView


class AuditEntryView(SecuredModelView):
    entity = "audit_entry"
    column_list = ("at", "username", "action", "object_type", "object_id", "ip")
    column_details_list = ("at", "username", "action", "object_type", "object_id",
                           "changes", "ip", "prev_hash", "hash")
    column_export_list = ("at", "username", "action", "object_type", "object_id", "ip",
                          "changes", "hash")
    column_labels = {
        "at": _l("Time"), "username": _l("User"), "action": _l("Action"),
        "object_type": _l("Object"), "object_id": _l("Object ID"), "changes": _l("Changes"),
        "ip": _l("IP address"), "prev_hash": _l("Previous hash"), "hash": _l("Hash"),
    }
    column_filters = ("action", "object_type", "username", "at")
    list_template = "admin/audit_list.html"

    def render(self, template: str, **kwargs: t.Any) -> t.Any:
        if template == self.list_template:
            kwargs["chain_intact"], kwargs["chain_broken_at"] = verify_chain(last=2000)
        return super().render(template, **kwargs)
