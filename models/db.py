"""The SQLAlchemy handle shared by every model."""

from datetime import UTC, date, datetime, timedelta

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

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


def utcnow() -> datetime:
    """Naive UTC now: both databases store it the same way."""
    return datetime.now(UTC).replace(tzinfo=None)


OFFICE_UTC_OFFSET = timedelta(hours=8)  # WITA, Sumba Timur's time zone


def office_today() -> date:
    """Today's date in the office (WITA), whatever the server's zone."""
    return (utcnow() + OFFICE_UTC_OFFSET).date()
