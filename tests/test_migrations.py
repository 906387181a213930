"""`flask db upgrade` builds the same schema as the models, on SQLite and PostgreSQL;
migrations are frozen snapshots that never import the application's code."""

import ast
import importlib.util
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from models import db
from models.standard import EDITABLE_FIELDS, SEED_STANDARD, ServiceStandard

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
# The project's own packages: what a migration must never import (a later change there
# would rewrite what an old revision installs).
FIRST_PARTY = ("models", "admin", "forms", "public", "printing", "demo", "app",
               "extensions", "config")


def _scratch_database(base: str) -> str:
    """A database of its own beside the test database (named after it), so two test
    runs on one server never drop each other's."""
    return base.rsplit("/", 1)[1].split("?")[0] + "_migration"


@pytest.fixture
def empty_app(tmp_path):
    if os.environ.get("KTP_TEST_DB") == "postgresql":
        base = os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
        name = _scratch_database(base)
        admin_engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin_engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = base.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "x" * 32})
    yield app
    with app.app_context():
        db.engine.dispose()
    if os.environ.get("KTP_TEST_DB") == "postgresql":
        with admin_engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin_engine.dispose()


def test_upgrade_matches_models_and_seeds_the_standard(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = [d for d in compare_metadata(ctx, db.metadata)
                           if not (d[0] == "remove_index" and "trgm" in d[1].name)
                           # SQLite's FTS5 name index (0009): no model, by design.
                           and not (d[0] == "remove_table"
                                    and d[1].name.startswith("applicant_name_fts"))]
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
        else:  # the FTS5 name index and the triggers that keep it in step (0009)
            with db.engine.connect() as conn:
                names = set(conn.execute(sa.text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "OR name = 'applicant_name_fts'")).scalars())
                assert {"applicant_name_fts", "applicant_name_fts_ai", "applicant_name_fts_ad",
                        "applicant_name_fts_au"} <= names


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, nested ones included."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import reaches into whatever package holds it
                out.append((node.lineno, "." * node.level + (node.module or "")))
            else:
                out.append((node.lineno, node.module or ""))
    return out


def test_no_migration_imports_the_application():
    files = sorted(VERSIONS.glob("*.py"))
    assert files, "no migration found"
    offending = [
        f"{path.name}:{line} imports {module}"
        for path in files
        for line, module in _imported_modules(path)
        if module.startswith(".") or module.split(".")[0] in FIRST_PARTY
    ]
    assert offending == []


def _migration(name: str):
    spec = importlib.util.spec_from_file_location(f"migration_{name}", VERSIONS / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_initial_migration_seeds_its_own_copy_of_the_standard(empty_app):
    frozen = dict(_migration("0001_initial_schema.py").SEED_STANDARD)
    # 0007 turned the two free texts into the numbered components and the channels
    # into rows: the converted seed is the structured seed, exactly.
    for name in ("service_delivery_text", "internal_management_text"):
        assert name in frozen and name not in EDITABLE_FIELDS
        frozen.pop(name)
    converted = {"complaint_channels", "components"}
    frozen.pop("complaint_channels")
    # Fields added by later revisions get their seed value from those revisions.
    assert set(frozen) <= set(EDITABLE_FIELDS)
    later = set(EDITABLE_FIELDS) - set(frozen)
    with empty_app.app_context():
        upgrade()
        versions = db.session.execute(sa.select(ServiceStandard)).scalars().all()
        assert [std.version for std in versions] == [1]
        installed = {name: getattr(versions[0], name) for name in EDITABLE_FIELDS}
        db.session.remove()
    assert {k: installed[k] for k in frozen} == frozen
    # Both ways of setting up a database (migrations; create_all + ensure_seed_standard)
    # start from the same version 1, except defaults deliberately changed since 0001
    # (an installed version keeps what it was published with).
    changed_since = {"complaint_response_days": (5, 3)}  # SP4N-LAPOR!: 3 days (issue 10)
    for name, (then, now) in changed_since.items():
        assert frozen[name] == then and SEED_STANDARD[name] == now
    assert {k: SEED_STANDARD[k] for k in frozen if k not in changed_since} == \
        {k: v for k, v in frozen.items() if k not in changed_since}
    assert {k: installed[k] for k in later} == {k: SEED_STANDARD[k] for k in later}
    assert converted <= later
