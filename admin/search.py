"""Index-friendly search: exact or prefix matches instead of '%term%' scans."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from models import db
from models.search import starts_with
from models.validation import ascii_digits, clean_search, parse_id

# Words of one search that reach the database; more are ignored.
MAX_SEARCH_TERMS = 5


def prefix_range(column: t.Any, prefix: str) -> t.Any:
    """column starts with prefix, as a range the b-tree index can walk."""
    return starts_with(column, prefix)


class IndexedSearchMixin:
    """Subclasses define `search_rules(term) -> SQL condition or None`, one term at a
    time, or `search_conditions(search)` for the whole box (name words go to the word
    index together: models/search.py)."""

    def search_rules(self, term: str) -> t.Any:
        raise NotImplementedError

    def search_conditions(self, search: str) -> list[t.Any]:
        conditions = []
        for term in clean_search(search).split()[:MAX_SEARCH_TERMS]:
            condition = self.search_rules(term)
            conditions.append(condition if condition is not None else sa.false())
        return conditions

    def _apply_search(self, query, count_query, joins, count_joins, search):
        conditions = self.search_conditions(search)
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
        def get_one(self, pk: t.Any) -> t.Any:
            """The record a posted select2 value names; None for a value that is no id
            ("0000000001-999...", Arabic-Indic digits): never a database error."""
            key = parse_id(pk)
            return super().get_one(key) if key is not None else None

        def get_list(self, term: str, offset: int = 0, limit: int = 10) -> list[t.Any]:
            term = clean_search(term).upper()
            if digits_only:
                term = ascii_digits(term, 16)
            if len(term) < min_chars:  # too broad to be useful at a counter
                return []
            offset = min(max(offset or 0, 0), 1000)
            limit = min(max(limit or 10, 1), 20)
            query = self.get_query().filter(prefix_range(column, term))
            return query.order_by(column).offset(offset).limit(limit).all()

    return _Loader(name, db.session, model, fields=[column.key], **options)


class NikAjaxLoader:
    """Select2 lookup of applicants by NIK prefix."""

    @staticmethod
    def create(name: str, model: t.Any, nik_column: t.Any, **options: t.Any) -> t.Any:
        return prefix_ajax_loader(name, model, nik_column, digits_only=True, min_chars=4,
                                  **options)
