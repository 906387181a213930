"""The monthly evaluation (issue 12): report versions, the sign-off (submitted, reviewed,
acknowledged), generation progress, the frozen figures and every PDF's sha256; indexes
on the moments the period figures count by.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

STATUSES = "'generating', 'failed', 'generated', 'submitted', 'reviewed', 'acknowledged', 'superseded'"


def upgrade():
    with op.batch_alter_table('evaluation_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='generated', nullable=False))
        batch_op.add_column(sa.Column('supersedes_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('supersede_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('progress', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('progress_note', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('error', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('figures', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('pdf_history', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('submitted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), server_default=sa.func.now(), nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_evaluation_report_period'), type_='unique')
        batch_op.create_unique_constraint('uq_evaluation_report_period_version', ['period', 'version'])
        batch_op.create_check_constraint(batch_op.f('ck_evaluation_report_status'), f"status IN ({STATUSES})")
        batch_op.create_index(batch_op.f('ix_evaluation_report_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_report_supersedes_id'), ['supersedes_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_evaluation_report_supersedes_id_evaluation_report'), 'evaluation_report', ['supersedes_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_evaluation_report_submitted_by_id_user'), 'user', ['submitted_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_evaluation_report_reviewed_by_id_user'), 'user', ['reviewed_by_id'], ['id'])

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index('ix_application_recorded_at', ['recorded_at'], unique=False)
        batch_op.create_index('ix_application_siak_result_at', ['siak_result_at'], unique=False)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_resolved_at', ['resolved_at'], unique=False)

    with op.batch_alter_table('blank_event', schema=None) as batch_op:
        batch_op.create_index('ix_blank_event_kind_at', ['kind', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('blank_event', schema=None) as batch_op:
        batch_op.drop_index('ix_blank_event_kind_at')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_resolved_at')

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_siak_result_at')
        batch_op.drop_index('ix_application_recorded_at')

    with op.batch_alter_table('evaluation_report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evaluation_report_reviewed_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_evaluation_report_submitted_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_evaluation_report_supersedes_id_evaluation_report'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evaluation_report_supersedes_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_report_period'))
        batch_op.drop_constraint(batch_op.f('ck_evaluation_report_status'), type_='check')
        batch_op.drop_constraint('uq_evaluation_report_period_version', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_evaluation_report_period'), ['period'])
        for column in ('updated_at', 'reviewed_at', 'reviewed_by_id', 'submitted_at',
                       'submitted_by_id', 'pdf_history', 'figures', 'error', 'progress_note',
                       'progress', 'supersede_reason', 'supersedes_id', 'status', 'version'):
            batch_op.drop_column(column)
