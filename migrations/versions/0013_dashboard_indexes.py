"""The landing pages (issue 12 item 1): the stored month snapshots behind the
twelve-month trends; indexes for overdue (the running clocks) and for the service
figures read from the index alone.

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
    op.create_index('ix_application_running', 'application',
                    ['closed_at', 'clock_stopped_at', 'deadline_at', 'status',
                     'submitted_by_id', 'recorded_by_id', 'print_batch_id'], unique=False)
    op.create_index('ix_application_served', 'application',
                    ['clock_stopped_at', 'status', 'deadline_at', 'sla_hours'], unique=False)
    op.create_index('ix_application_deadline_stop', 'application',
                    ['deadline_at', 'clock_stopped_at', 'status'], unique=False)
    op.create_index('ix_card_waiting', 'card', ['handed_over_at', 'printed_at', 'status'],
                    unique=False)


def downgrade():
    op.drop_index('ix_card_waiting', table_name='card')
    op.drop_index('ix_application_deadline_stop', table_name='application')
    op.drop_index('ix_application_served', table_name='application')
    op.drop_index('ix_application_running', table_name='application')
    op.drop_table('dashboard_month')
