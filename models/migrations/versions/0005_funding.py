"""Funding (issue #4): calls, proposals, expert reviews, funded-list rounds with their public
notice, objections, payments, sanctions, and organization-level supervision cases.

Revision ID: 0005
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa
import models.base


revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('funding_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=32), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
    sa.Column('max_per_project', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
    sa.Column('opens_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('closes_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('rubric', sa.JSON(), nullable=False),
    sa.Column('tranches', sa.JSON(), nullable=False),
    sa.Column('experts_per_proposal', sa.Integer(), nullable=False),
    sa.Column('outlier_threshold', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('finalized_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['area_code'], ['org_units.code'], name=op.f('fk_funding_calls_area_code_org_units')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_funding_calls_created_by_users')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_funding_calls_instance_id_process_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['office_code'], ['org_units.code'], name=op.f('fk_funding_calls_office_code_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_calls')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_funding_calls_instance_id'))
    )
    with op.batch_alter_table('funding_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_calls_office_code'), ['office_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_calls_status'), ['status'], unique=False)

    op.create_table('funding_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.Column('groups_served', sa.JSON(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('county_code', sa.String(length=32), nullable=False),
    sa.Column('street_code', sa.String(length=32), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('budget_total', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
    sa.Column('budget_lines', sa.JSON(), nullable=False),
    sa.Column('milestones', sa.JSON(), nullable=False),
    sa.Column('team', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('eligibility_problems', sa.JSON(), nullable=False),
    sa.Column('street_opinion', sa.String(length=20), nullable=False),
    sa.Column('street_comment', sa.Text(), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=True),
    sa.Column('has_outlier', sa.Boolean(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('approved_amount', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('result_reason', sa.Text(), nullable=False),
    sa.Column('agreement_document_id', sa.Integer(), nullable=True),
    sa.Column('agreement_number', sa.String(length=60), nullable=False),
    sa.Column('signed_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('signatory', sa.String(length=40), nullable=False),
    sa.Column('midterm_due', models.base.UTCDateTime(), nullable=True),
    sa.Column('final_due', models.base.UTCDateTime(), nullable=True),
    sa.Column('closed_reason', sa.Text(), nullable=False),
    sa.Column('submitted_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('completed_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_document_id'], ['documents.id'], name=op.f('fk_funding_proposals_agreement_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_funding_proposals_applicant_id_users')),
    sa.ForeignKeyConstraint(['call_id'], ['funding_calls.id'], name=op.f('fk_funding_proposals_call_id_funding_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_funding_proposals_instance_id_process_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_funding_proposals_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_proposals')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_funding_proposals_instance_id'))
    )
    with op.batch_alter_table('funding_proposals', schema=None) as batch_op:
        batch_op.create_index('ix_funding_proposals_call_status', ['call_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_proposals_county_code'), ['county_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_proposals_organization_id'), ['organization_id'], unique=False)

    op.create_table('funding_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=False),
    sa.Column('proposed_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=False),
    sa.Column('notice_starts_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('notice_ends_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['funding_calls.id'], name=op.f('fk_funding_rounds_call_id_funding_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_funding_rounds_decided_by_users')),
    sa.ForeignKeyConstraint(['proposed_by'], ['users.id'], name=op.f('fk_funding_rounds_proposed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_rounds')),
    sa.UniqueConstraint('call_id', 'number', name=op.f('uq_funding_rounds_call_id'))
    )
    with op.batch_alter_table('funding_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_rounds_call_id'), ['call_id'], unique=False)

    op.create_table('organization_supervisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('basis', sa.String(length=200), nullable=False),
    sa.Column('opened_by', sa.Integer(), nullable=False),
    sa.Column('opened_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('close_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], name=op.f('fk_organization_supervisions_closed_by_users')),
    sa.ForeignKeyConstraint(['opened_by'], ['users.id'], name=op.f('fk_organization_supervisions_opened_by_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_supervisions_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_supervisions'))
    )
    with op.batch_alter_table('organization_supervisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_supervisions_organization_id'), ['organization_id'], unique=False)

    op.create_table('funding_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('contact', sa.String(length=60), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('filed_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['funding_calls.id'], name=op.f('fk_funding_objections_call_id_funding_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['funding_proposals.id'], name=op.f('fk_funding_objections_proposal_id_funding_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_funding_objections_resolved_by_users')),
    sa.ForeignKeyConstraint(['round_id'], ['funding_rounds.id'], name=op.f('fk_funding_objections_round_id_funding_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_objections'))
    )
    with op.batch_alter_table('funding_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_objections_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_objections_round_id'), ['round_id'], unique=False)

    op.create_table('funding_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('voucher_no', sa.String(length=60), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_funding_payments_approved_by_users')),
    sa.ForeignKeyConstraint(['call_id'], ['funding_calls.id'], name=op.f('fk_funding_payments_call_id_funding_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['funding_proposals.id'], name=op.f('fk_funding_payments_proposal_id_funding_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_payments')),
    sa.UniqueConstraint('proposal_id', 'stage', name=op.f('uq_funding_payments_proposal_id'))
    )
    with op.batch_alter_table('funding_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_payments_call_id'), ['call_id'], unique=False)

    op.create_table('funding_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('conflict_reason', sa.Text(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('total', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('outlier', sa.Boolean(), nullable=False),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('completed_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['funding_calls.id'], name=op.f('fk_funding_reviews_call_id_funding_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expert_id'], ['users.id'], name=op.f('fk_funding_reviews_expert_id_users')),
    sa.ForeignKeyConstraint(['proposal_id'], ['funding_proposals.id'], name=op.f('fk_funding_reviews_proposal_id_funding_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['users.id'], name=op.f('fk_funding_reviews_replaced_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_reviews')),
    sa.UniqueConstraint('proposal_id', 'expert_id', name=op.f('uq_funding_reviews_proposal_id'))
    )
    with op.batch_alter_table('funding_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_reviews_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_reviews_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_reviews_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('funding_sanctions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_funding_sanctions_created_by_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_funding_sanctions_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_funding_sanctions_organization_id_organizations')),
    sa.ForeignKeyConstraint(['proposal_id'], ['funding_proposals.id'], name=op.f('fk_funding_sanctions_proposal_id_funding_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_sanctions'))
    )
    with op.batch_alter_table('funding_sanctions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_sanctions_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_sanctions_proposal_id'), ['proposal_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('funding_sanctions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_sanctions_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_funding_sanctions_organization_id'))

    op.drop_table('funding_sanctions')
    with op.batch_alter_table('funding_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_reviews_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_funding_reviews_expert_id'))
        batch_op.drop_index(batch_op.f('ix_funding_reviews_call_id'))

    op.drop_table('funding_reviews')
    with op.batch_alter_table('funding_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_payments_call_id'))

    op.drop_table('funding_payments')
    with op.batch_alter_table('funding_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_objections_round_id'))
        batch_op.drop_index(batch_op.f('ix_funding_objections_call_id'))

    op.drop_table('funding_objections')
    with op.batch_alter_table('organization_supervisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_supervisions_organization_id'))

    op.drop_table('organization_supervisions')
    with op.batch_alter_table('funding_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_rounds_call_id'))

    op.drop_table('funding_rounds')
    with op.batch_alter_table('funding_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_proposals_organization_id'))
        batch_op.drop_index(batch_op.f('ix_funding_proposals_county_code'))
        batch_op.drop_index('ix_funding_proposals_call_status')

    op.drop_table('funding_proposals')
    with op.batch_alter_table('funding_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_calls_status'))
        batch_op.drop_index(batch_op.f('ix_funding_calls_office_code'))

    op.drop_table('funding_calls')
