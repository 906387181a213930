"""A queue that tells the truth (issue 11 items 2 and 6): saved filters per user, the
queue's paging index, and proposed blank-stock-out disruptions (dismissal, one open
at a time).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OPEN_STOCK_OUT = "kind = 'blank_stock_out' AND ended_at IS NULL"


def upgrade():
    op.create_table('saved_filter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('screen', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('query', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_saved_filter_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filter'))
    )
    with op.batch_alter_table('saved_filter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_filter_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index('ix_application_status_submitted_at', ['status', 'submitted_at'], unique=False)

    with op.batch_alter_table('disruption', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dismissed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('dismissed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('dismissal_reason', sa.String(length=255), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_disruption_dismissed_by_id_user'), 'user', ['dismissed_by_id'], ['id'])
        batch_op.create_index('uq_disruption_open_stock_out', ['kind'], unique=True,
                              sqlite_where=sa.text(OPEN_STOCK_OUT),
                              postgresql_where=sa.text(OPEN_STOCK_OUT))


def downgrade():
    with op.batch_alter_table('disruption', schema=None) as batch_op:
        batch_op.drop_index('uq_disruption_open_stock_out')
        batch_op.drop_constraint(batch_op.f('fk_disruption_dismissed_by_id_user'), type_='foreignkey')
        batch_op.drop_column('dismissal_reason')
        batch_op.drop_column('dismissed_by_id')
        batch_op.drop_column('dismissed_at')

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_status_submitted_at')

    with op.batch_alter_table('saved_filter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_filter_user_id'))

    op.drop_table('saved_filter')
