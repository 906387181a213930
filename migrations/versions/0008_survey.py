"""The satisfaction survey (SKM, issue 10): one answer per handed-over card, nine element
scores 1-4, indexed on submitted_at for the period figures.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 17:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('requirements', sa.SmallInteger(), nullable=False),
    sa.Column('procedure', sa.SmallInteger(), nullable=False),
    sa.Column('time', sa.SmallInteger(), nullable=False),
    sa.Column('fee', sa.SmallInteger(), nullable=False),
    sa.Column('product', sa.SmallInteger(), nullable=False),
    sa.Column('staff_competence', sa.SmallInteger(), nullable=False),
    sa.Column('staff_conduct', sa.SmallInteger(), nullable=False),
    sa.Column('facilities', sa.SmallInteger(), nullable=False),
    sa.Column('complaint_handling', sa.SmallInteger(), nullable=False),
    sa.Column('suggestion', sa.String(length=500), nullable=True),
    sa.CheckConstraint('requirements BETWEEN 1 AND 4', name=op.f('ck_survey_response_requirements_score')),
    sa.CheckConstraint('procedure BETWEEN 1 AND 4', name=op.f('ck_survey_response_procedure_score')),
    sa.CheckConstraint('time BETWEEN 1 AND 4', name=op.f('ck_survey_response_time_score')),
    sa.CheckConstraint('fee BETWEEN 1 AND 4', name=op.f('ck_survey_response_fee_score')),
    sa.CheckConstraint('product BETWEEN 1 AND 4', name=op.f('ck_survey_response_product_score')),
    sa.CheckConstraint('staff_competence BETWEEN 1 AND 4', name=op.f('ck_survey_response_staff_competence_score')),
    sa.CheckConstraint('staff_conduct BETWEEN 1 AND 4', name=op.f('ck_survey_response_staff_conduct_score')),
    sa.CheckConstraint('facilities BETWEEN 1 AND 4', name=op.f('ck_survey_response_facilities_score')),
    sa.CheckConstraint('complaint_handling BETWEEN 1 AND 4', name=op.f('ck_survey_response_complaint_handling_score')),
    sa.CheckConstraint("channel IN ('qr', 'kiosk')", name=op.f('ck_survey_response_channel')),
    sa.ForeignKeyConstraint(['card_id'], ['card.id'], name=op.f('fk_survey_response_card_id_card')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response')),
    sa.UniqueConstraint('card_id', name=op.f('uq_survey_response_card_id'))
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_submitted_at'), ['submitted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_submitted_at'))

    op.drop_table('survey_response')
