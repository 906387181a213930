"""Name search by any word (issue 11): an FTS5 word index over applicant.name on
SQLite, kept in step by triggers; a GIN index on the name's words on PostgreSQL.

Note for later revisions: a batch_alter_table on `applicant` under SQLite copies the
table and drops the old one, and with it these triggers: create them again there.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:40:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FTS = "applicant_name_fts"
SQLITE_UP = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5("
    "name, content='applicant', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON applicant BEGIN "
    f"INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON applicant BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name); "
    "END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF name ON applicant BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name); "
    f"INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END",
    # The residents already registered.
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
)
POSTGRESQL_UP = (
    "CREATE INDEX ix_applicant_name_words ON applicant USING gin "
    "(to_tsvector('simple'::regconfig, translate((name)::text, '''.,-'::text, "
    "'    '::text)))",
)


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_UP if dialect == "sqlite" else POSTGRESQL_UP:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_applicant_name_words")
