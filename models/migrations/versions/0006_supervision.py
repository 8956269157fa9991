"""Assessment (考评) and supervision cases (通报 / 约谈 / 挂牌督办), issue #6; default configuration.

The county populations are PLACEHOLDERS: the 2020 census (第七次全国人口普查) total of 晋中市,
3,379,498 residents, spread over the counties by rough shares (榆次区, 平遥县 and 介休市 from
third-party summaries of the census). Replace them with the figures of the official
晋中市第七次全国人口普查公报 (or newer statistics) on the configuration page before relying on
per-10,000-residents indicators. The ladder is the default 通报 → 约谈 → 挂牌督办; its periods are
illustrative (DOMAIN.md §5, §8) and editable.

Revision ID: 0006
Revises: 0002
"""

from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import models.base


revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None

POPULATION_SOURCE = "占位数据：按七普晋中市常住人口3379498人粗略分配，须按统计公报核实后修改"
POPULATIONS = [
    ("140702", 904500), ("140703", 282000), ("140721", 124000), ("140722", 151000),
    ("140723", 130000), ("140724", 213000), ("140725", 203000), ("140727", 250000),
    ("140728", 450700), ("140729", 239000), ("140781", 432100),
]
PLAC = "140700D01"  # 市委政法委
CIVIL_AFFAIRS = "140700D02"  # 市民政局, the lead department
RUNGS = [
    dict(position=1, tool="criticism", name="通报", rectify=False, plan_days=10, period_days=0, report_days=0,
         copy_to=["市委组织部", "市纪委监委", CIVIL_AFFAIRS], note="通报批评，县级签收并书面说明"),
    dict(position=2, tool="interview", name="约谈", rectify=True, plan_days=10, period_days=30, report_days=0,
         copy_to=[CIVIL_AFFAIRS], note="约谈县级党委政府负责人，限期整改"),
    dict(position=3, tool="listing", name="挂牌督办", rectify=True, plan_days=10, period_days=120,
         report_days=20, copy_to=["市委组织部", "市纪委监委", CIVIL_AFFAIRS],
         note="公开挂牌，定期报告进展；验收通过摘牌，未通过一票否决"),
]


def upgrade() -> None:
    op.create_table('assessment_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('computed_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('published_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_assessment_periods_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_periods'))
    )
    op.create_table('county_populations',
    sa.Column('county_code', sa.String(length=32), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_county_populations_updated_by_users')),
    sa.PrimaryKeyConstraint('county_code', name=op.f('pk_county_populations'))
    )
    op.create_table('supervision_rungs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tool', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('rectify', sa.Boolean(), nullable=False),
    sa.Column('plan_days', sa.Integer(), nullable=False),
    sa.Column('period_days', sa.Integer(), nullable=False),
    sa.Column('report_days', sa.Integer(), nullable=False),
    sa.Column('copy_to', sa.JSON(), nullable=False),
    sa.Column('issuer_code', sa.String(length=32), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_supervision_rungs_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_rungs')),
    sa.UniqueConstraint('position', name=op.f('uq_supervision_rungs_position'))
    )
    op.create_table('assessment_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['assessment_periods.id'], name=op.f('fk_assessment_indicators_period_id_assessment_periods'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_indicators')),
    sa.UniqueConstraint('period_id', 'key', name=op.f('uq_assessment_indicators_period_id'))
    )
    with op.batch_alter_table('assessment_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_indicators_period_id'), ['period_id'], unique=False)

    op.create_table('assessment_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=32), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('lagging', sa.Boolean(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('veto', sa.Boolean(), nullable=False),
    sa.Column('veto_reason', sa.Text(), nullable=False),
    sa.Column('computed_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['org_units.code'], name=op.f('fk_assessment_scores_county_code_org_units')),
    sa.ForeignKeyConstraint(['period_id'], ['assessment_periods.id'], name=op.f('fk_assessment_scores_period_id_assessment_periods'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_scores')),
    sa.UniqueConstraint('period_id', 'county_code', name=op.f('uq_assessment_scores_period_id'))
    )
    with op.batch_alter_table('assessment_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_scores_period_id'), ['period_id'], unique=False)

    op.create_table('supervision_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=True),
    sa.Column('ladder', sa.JSON(), nullable=False),
    sa.Column('rung', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('plan_due_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('deadline_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('report_due_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('plan_overdue', sa.Boolean(), nullable=False),
    sa.Column('plan_late', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('opened_by', sa.Integer(), nullable=False),
    sa.Column('opened_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('closed_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['county_code'], ['org_units.code'], name=op.f('fk_supervision_cases_county_code_org_units')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_supervision_cases_instance_id_process_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opened_by'], ['users.id'], name=op.f('fk_supervision_cases_opened_by_users')),
    sa.ForeignKeyConstraint(['period_id'], ['assessment_periods.id'], name=op.f('fk_supervision_cases_period_id_assessment_periods'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_cases')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_supervision_cases_instance_id'))
    )
    with op.batch_alter_table('supervision_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_cases_county_code'), ['county_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_cases_status'), ['status'], unique=False)

    op.create_table('assessment_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('evidence_note', sa.Text(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('entered_by', sa.Integer(), nullable=False),
    sa.Column('entered_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['org_units.code'], name=op.f('fk_assessment_entries_county_code_org_units')),
    sa.ForeignKeyConstraint(['entered_by'], ['users.id'], name=op.f('fk_assessment_entries_entered_by_users')),
    sa.ForeignKeyConstraint(['evidence_id'], ['attachments.id'], name=op.f('fk_assessment_entries_evidence_id_attachments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['indicator_id'], ['assessment_indicators.id'], name=op.f('fk_assessment_entries_indicator_id_assessment_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_entries')),
    sa.UniqueConstraint('indicator_id', 'county_code', name=op.f('uq_assessment_entries_indicator_id'))
    )
    with op.batch_alter_table('assessment_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_entries_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('rectification_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('rung', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['supervision_cases.id'], name=op.f('fk_rectification_plans_case_id_supervision_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_rectification_plans_reviewed_by_users')),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_rectification_plans_submitted_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_plans')),
    sa.UniqueConstraint('case_id', 'rung', 'version', name=op.f('uq_rectification_plans_case_id'))
    )
    with op.batch_alter_table('rectification_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_plans_case_id'), ['case_id'], unique=False)

    op.create_table('supervision_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('rung', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_supervision_events_actor_id_users')),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], name=op.f('fk_supervision_events_attachment_id_attachments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['supervision_cases.id'], name=op.f('fk_supervision_events_case_id_supervision_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_supervision_events_document_id_documents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_events'))
    )
    with op.batch_alter_table('supervision_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_events_case_id'), ['case_id'], unique=False)

    op.create_table('supervision_listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requirements', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('listed_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('deadline_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('listing_document_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('end_note', sa.Text(), nullable=False),
    sa.Column('end_document_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['supervision_cases.id'], name=op.f('fk_supervision_listings_case_id_supervision_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['county_code'], ['org_units.code'], name=op.f('fk_supervision_listings_county_code_org_units')),
    sa.ForeignKeyConstraint(['end_document_id'], ['documents.id'], name=op.f('fk_supervision_listings_end_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_document_id'], ['documents.id'], name=op.f('fk_supervision_listings_listing_document_id_documents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_listings'))
    )
    with op.batch_alter_table('supervision_listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_listings_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_listings_county_code'), ['county_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_listings_status'), ['status'], unique=False)
    _seed_configuration()


def _seed_configuration() -> None:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    populations = sa.table(
        "county_populations",
        sa.column("county_code", sa.String), sa.column("population", sa.Integer), sa.column("year", sa.Integer),
        sa.column("source", sa.String), sa.column("updated_at", sa.DateTime),
    )
    op.bulk_insert(populations, [
        dict(county_code=code, population=people, year=2020, source=POPULATION_SOURCE, updated_at=now)
        for code, people in POPULATIONS
    ])
    rungs = sa.table(
        "supervision_rungs",
        sa.column("position", sa.Integer), sa.column("tool", sa.String), sa.column("name", sa.String),
        sa.column("rectify", sa.Boolean), sa.column("plan_days", sa.Integer), sa.column("period_days", sa.Integer),
        sa.column("report_days", sa.Integer), sa.column("copy_to", sa.JSON), sa.column("issuer_code", sa.String),
        sa.column("note", sa.String), sa.column("updated_at", sa.DateTime),
    )
    op.bulk_insert(rungs, [dict(rung, issuer_code=PLAC, updated_at=now) for rung in RUNGS])


def downgrade() -> None:
    with op.batch_alter_table('supervision_listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_listings_status'))
        batch_op.drop_index(batch_op.f('ix_supervision_listings_county_code'))
        batch_op.drop_index(batch_op.f('ix_supervision_listings_case_id'))

    op.drop_table('supervision_listings')
    with op.batch_alter_table('supervision_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_events_case_id'))

    op.drop_table('supervision_events')
    with op.batch_alter_table('rectification_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_plans_case_id'))

    op.drop_table('rectification_plans')
    with op.batch_alter_table('assessment_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_entries_indicator_id'))

    op.drop_table('assessment_entries')
    with op.batch_alter_table('supervision_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_cases_status'))
        batch_op.drop_index(batch_op.f('ix_supervision_cases_county_code'))

    op.drop_table('supervision_cases')
    with op.batch_alter_table('assessment_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_scores_period_id'))

    op.drop_table('assessment_scores')
    with op.batch_alter_table('assessment_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_indicators_period_id'))

    op.drop_table('assessment_indicators')
    op.drop_table('supervision_rungs')
    op.drop_table('county_populations')
    op.drop_table('assessment_periods')
