"""The embedded database's settings (models/db.py)."""

from __future__ import annotations

import sqlalchemy as sa

from app import create_app
from models import db


def test_the_sqlite_file_is_in_write_ahead_log_mode(tmp_path) -> None:
    """A commit is one fsync of the log (every audited reading commits), readers do
    not wait for a writer, and a committed entry survives a power cut (FULL)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'office.sqlite'}",
                      "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL
        db.engine.dispose()
