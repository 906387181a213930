"""The SQLAlchemy handle shared by every model."""

from typing import TYPE_CHECKING

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .office_time import utcnow

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Every entity subclasses `Model`: Flask-SQLAlchemy's db.Model at run time, which the
# type checker cannot see through, so it checks against the declarative Base instead.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

__all__ = ["NAMING_CONVENTION", "Base", "Model", "db", "utcnow"]
