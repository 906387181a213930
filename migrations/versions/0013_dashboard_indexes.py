"""The landing pages (issue 12 item 1): the stored month snapshots behind the
twelve-month trends.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_month',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_dashboard_month'))
    )


def downgrade():
    op.drop_table('dashboard_month')
