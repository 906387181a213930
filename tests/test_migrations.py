"""`flask db upgrade` builds the same schema as the models, on SQLite and PostgreSQL."""

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from models import db


@pytest.fixture
def empty_app(tmp_path):
    if os.environ.get("KTP_TEST_DB") == "postgresql":
        base = os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
        admin_engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin_engine.connect() as conn:
            conn.execute(sa.text("DROP DATABASE IF EXISTS ktp_migration_test"))
            conn.execute(sa.text("CREATE DATABASE ktp_migration_test"))
        url = base.rsplit("/", 1)[0] + "/ktp_migration_test"
    else:
        url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "x" * 32})
    yield app
    with app.app_context():
        db.engine.dispose()
    if os.environ.get("KTP_TEST_DB") == "postgresql":
        with admin_engine.connect() as conn:
            conn.execute(sa.text("DROP DATABASE IF EXISTS ktp_migration_test"))


def test_upgrade_matches_models_and_seeds_the_standard(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = [d for d in compare_metadata(ctx, db.metadata)
                           if not (d[0] == "remove_index" and "trgm" in d[1].name)]
            assert differences == []
            row = conn.execute(sa.text(
                "SELECT version, document_number, eligibility_age, sla_hours, "
                "sla_hours_disrupted, fee FROM service_standard")).one()
        assert tuple(row) == (1, "Dukcapil/T/334/461/III/2022", 17, 1, 24, 0)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                assert conn.execute(sa.text(
                    "SELECT 1 FROM pg_indexes WHERE indexname = 'ix_applicant_name_trgm'"
                )).scalar() == 1
