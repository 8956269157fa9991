"""The organization registry: registration rules per jurisdiction, organizations, status history,
serial counters (issue #3).

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa
import models.base


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_serials",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_registry_serials")),
    )
    op.create_table(
        "registration_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=32), nullable=False),
        sa.Column("org_type", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", models.base.UTCDateTime(), nullable=False),
        sa.Column("min_individual_members", sa.Integer(), nullable=False),
        sa.Column("min_unit_members", sa.Integer(), nullable=False),
        sa.Column("min_mixed_members", sa.Integer(), nullable=False),
        sa.Column("min_funds", sa.Integer(), nullable=False),
        sa.Column("filing_allowed", sa.Boolean(), nullable=False),
        sa.Column("filing_min_founders", sa.Integer(), nullable=False),
        sa.Column("filing_min_members", sa.Integer(), nullable=False),
        sa.Column("filing_valid_years", sa.Integer(), nullable=False),
        sa.Column("filing_remind_days", sa.Integer(), nullable=False),
        sa.Column("acceptance_days", sa.Integer(), nullable=False),
        sa.Column("statutory_days", sa.Integer(), nullable=False),
        sa.Column("statutory_unit", sa.String(length=2), nullable=False),
        sa.Column("authority_code", sa.String(length=32), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_code"],
            ["org_units.code"],
            name=op.f("fk_registration_rules_authority_code_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["county_code"], ["org_units.code"], name=op.f("fk_registration_rules_county_code_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_registration_rules_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_rules")),
        sa.UniqueConstraint(
            "county_code", "org_type", "level", "version", name=op.f("uq_registration_rules_county_code")
        ),
    )
    with op.batch_alter_table("registration_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registration_rules_county_code"), ["county_code"], unique=False)

    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("org_type", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("service_field", sa.String(length=30), nullable=False),
        sa.Column("service_field_other", sa.String(length=50), nullable=False),
        sa.Column("groups_served", sa.JSON(), nullable=False),
        sa.Column("activity_area", sa.String(length=20), nullable=False),
        sa.Column("county_code", sa.String(length=32), nullable=False),
        sa.Column("street_code", sa.String(length=32), nullable=True),
        sa.Column("community_code", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("filing_number", sa.String(length=40), nullable=True),
        sa.Column("legal_representative", sa.String(length=40), nullable=False),
        sa.Column("domicile", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("business_scope", sa.Text(), nullable=False),
        sa.Column("funds", sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
        sa.Column("authority_code", sa.String(length=32), nullable=False),
        sa.Column("decision_number", sa.String(length=60), nullable=False),
        sa.Column("certificate_number", sa.String(length=60), nullable=False),
        sa.Column("registered_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("valid_until", models.base.UTCDateTime(), nullable=True),
        sa.Column("expiry_reminded_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["org_units.code"], name=op.f("fk_organizations_county_code_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_organizations_instance_id_process_instances"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_organizations_credit_code")),
        sa.UniqueConstraint("filing_number", name=op.f("uq_organizations_filing_number")),
    )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.create_index("ix_organizations_county_status", ["county_code", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_organizations_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_organizations_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_organizations_active_name",
            ["county_code", "name"],
            unique=True,
            sqlite_where=sa.text("status IN ('registered', 'filed')"),
            postgresql_where=sa.text("status IN ('registered', 'filed')"),
        )

    op.create_table(
        "organization_status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("previous_status", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("document_number", sa.String(length=60), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_organization_status_history_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_organization_status_history_instance_id_process_instances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_status_history_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_status_history")),
    )
    with op.batch_alter_table("organization_status_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_status_history_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("organization_status_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_status_history_organization_id"))

    op.drop_table("organization_status_history")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_organizations_active_name",
            sqlite_where=sa.text("status IN ('registered', 'filed')"),
            postgresql_where=sa.text("status IN ('registered', 'filed')"),
        )
        batch_op.drop_index(batch_op.f("ix_organizations_status"))
        batch_op.drop_index(batch_op.f("ix_organizations_name"))
        batch_op.drop_index("ix_organizations_county_status")

    op.drop_table("organizations")
    with op.batch_alter_table("registration_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_rules_county_code"))

    op.drop_table("registration_rules")
    op.drop_table("registry_serials")
