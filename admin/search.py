"""Index-friendly search: exact or prefix matches instead of '%term%' scans."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from models import db


def prefix_range(column: t.Any, prefix: str) -> t.Any:
    """column starts with prefix, as a range the b-tree index can walk."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.and_(column >= prefix, column < upper, column.like(escaped + "%", escape="\\"))


def text_match(column: t.Any, term: str) -> t.Any:
    """Names: a prefix everywhere; on PostgreSQL also inside the name (pg_trgm index)."""
    term = term.upper()
    if db.session.get_bind().dialect.name == "postgresql" and len(term) >= 3:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.ilike(f"%{escaped}%", escape="\\")
    return prefix_range(column, term)


class IndexedSearchMixin:
    """Subclasses define `search_rules(term) -> SQL condition or None`."""

    def search_rules(self, term: str) -> t.Any:
        raise NotImplementedError

    def _apply_search(self, query, count_query, joins, count_joins, search):  # noqa: ANN001, ANN202
        conditions = []
        for term in search.split():
            condition = self.search_rules(term.strip())
            conditions.append(condition if condition is not None else sa.false())
        if conditions:
            query = query.filter(*conditions)
            if count_query is not None:
                count_query = count_query.filter(*conditions)
        return query, count_query, joins, count_joins


def prefix_ajax_loader(name: str, model: t.Any, column: t.Any, *, digits_only: bool,
                       min_chars: int, **options: t.Any) -> t.Any:
    """A select2 lookup by prefix (an index range, not '%term%'), at most 20 rows."""
    from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader

    class _Loader(QueryAjaxModelLoader):
        def get_list(self, term: str, offset: int = 0, limit: int = 10) -> list[t.Any]:
            term = (term or "").strip().upper()
            if digits_only:
                term = "".join(ch for ch in term if ch.isdigit())[:16]
            if len(term) < min_chars:  # too broad to be useful at a counter
                return []
            query = self.get_query().filter(prefix_range(column, term))
            return query.order_by(column).offset(offset or 0).limit(
                min(limit or 10, 20)).all()

    return _Loader(name, db.session, model, fields=[column.key], **options)


class NikAjaxLoader:
    """Select2 lookup of applicants by NIK prefix."""

    @staticmethod
    def create(name: str, model: t.Any, nik_column: t.Any, **options: t.Any) -> t.Any:
        return prefix_ajax_loader(name, model, nik_column, digits_only=True, min_chars=4,
                                  **options)
